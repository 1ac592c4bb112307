/**
 * One pass of the disinfection loop: the case triggers, then the schedule, each in its own transaction. Idempotent
 * (both are), so the server's workers call it every minute and tests call it as often as they like.
 */
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { generateDue, type ScheduleOptions } from './schedule.ts';
import { runCaseTriggers, type TriggerResult } from './triggers.ts';

export async function runDisinfection(
  db: Db,
  clock: Clock,
  o: ScheduleOptions & { withinDays?: number } = {},
): Promise<TriggerResult & { scheduled: number }> {
  const t = await db.transaction((tx) => runCaseTriggers(tx, clock, { withinDays: o.withinDays }));
  const s = await db.transaction((tx) => generateDue(tx, clock, o));
  return { ...t, scheduled: s.created };
}

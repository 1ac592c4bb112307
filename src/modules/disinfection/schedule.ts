/**
 * The schedule: every active place with a frequency rule gets its due times, each with its task, up to a horizon
 * (by default the end of the current Beijing day, so today's list is complete and tomorrow's tasks do not crowd the
 * responsibility list before their day). Slots of a place every N hours are starts_at + k·N; a place "once" has
 * one slot, at starts_at. Idempotent: a slot is unique per place (disinfection_due_slot), and each run starts after
 * the place's last slot, so running twice makes nothing new. Slots older than `backfillHours` before now are not
 * made after a long pause (they would all be late at once); the first run after a pause makes the recent ones.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { endOfBeijingDay, HOUR, SUBJECT_TYPE, TASK_KIND } from './rules.ts';

export interface ScheduleOptions {
  /** Make slots due up to this time, inclusive (default: the end of the current Beijing day, midnight). */
  until?: Date;
  /** How far back a recurring place's missing slots are made (default 48 h). */
  backfillHours?: number;
}

export async function generateDue(
  tx: Queryable,
  clock: Clock,
  o: ScheduleOptions = {},
): Promise<{ created: number }> {
  const now = clock.now();
  const until = o.until ?? endOfBeijingDay(now);
  const from = new Date(now.getTime() - (o.backfillHours ?? 48) * HOUR);
  // $1 from, $2 until (inclusive), $3 now, $4 task kind, $5 subject type.
  const r = await tx.query<{ id: number }>(
    `WITH p AS (
       SELECT p.id, p.area_code, p.every_hours, p.starts_at,
              greatest($1::timestamptz, p.starts_at,
                       (SELECT max(d.due_at) + interval '1 millisecond' FROM disinfection_due d
                         WHERE d.place_id = p.id AND d.reason = 'schedule')) AS lower
         FROM disinfection_places p
        WHERE p.active AND p.starts_at IS NOT NULL AND p.starts_at <= $2
     ), slots AS (
       SELECT p.id, p.area_code, p.starts_at + k * make_interval(hours => p.every_hours) AS due_at
         FROM p CROSS JOIN LATERAL generate_series(
                ceil(extract(epoch FROM p.lower - p.starts_at) / 3600 / p.every_hours)::int,
                floor(extract(epoch FROM $2::timestamptz - p.starts_at) / 3600 / p.every_hours)::int) AS k
        WHERE p.every_hours IS NOT NULL
       UNION ALL
       -- Once: its one slot, whenever it was (a place made for a time already past is due at once).
       SELECT p.id, p.area_code, p.starts_at FROM p
        WHERE p.every_hours IS NULL
          AND NOT EXISTS (SELECT 1 FROM disinfection_due d WHERE d.place_id = p.id AND d.reason = 'schedule')
     ), d AS (
       INSERT INTO disinfection_due (place_id, area_code, reason, due_at, created_at)
       SELECT id, area_code, 'schedule', due_at, $3 FROM slots
       ON CONFLICT (place_id, due_at) WHERE reason = 'schedule' DO NOTHING
       RETURNING id, place_id, area_code, due_at
     )
     INSERT INTO tasks (kind, area_code, subject_type, subject_id, due_at, created_at, details)
     SELECT $4, d.area_code, $5, d.id, d.due_at, $3, jsonb_build_object('place_id', d.place_id, 'reason', 'schedule')
       FROM d
     RETURNING id`,
    [from, until, now, TASK_KIND, SUBJECT_TYPE],
  );
  return { created: r.rowCount };
}

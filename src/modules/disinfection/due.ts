/**
 * A time a place is due (disinfection_due) and its task: the one way both are written, so every due disinfection
 * has its `tasks` row (kind 'env_disinfection') and appears on the responsibility list, where it escalates when
 * late like any other task.
 */
import type { Queryable } from '../../db/types.ts';
import { SUBJECT_TYPE, TASK_KIND } from './rules.ts';

export type DueReason = 'schedule' | 'case_building' | 'case_venue';

/** Writes one due time and its task; answers the due id. */
export async function insertDue(
  tx: Queryable,
  d: { placeId: number; areaCode: string; reason: DueReason; dueAt: Date; now: Date },
): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    `WITH d AS (
       INSERT INTO disinfection_due (place_id, area_code, reason, due_at, created_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING id, place_id, area_code, due_at
     ), t AS (
       INSERT INTO tasks (kind, area_code, subject_type, subject_id, due_at, created_at, details)
       SELECT $6, d.area_code, $7, d.id, d.due_at, $5, jsonb_build_object('place_id', d.place_id, 'reason', $3::text)
         FROM d
     )
     SELECT id FROM d`,
    [d.placeId, d.areaCode, d.reason, d.dueAt, d.now, TASK_KIND, SUBJECT_TYPE],
  );
  return (rows[0] as { id: number }).id;
}

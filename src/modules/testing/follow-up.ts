/**
 * Follow-up of results, set-based so a 1 % positive-pool rate on a million-person round takes one pass:
 * - a positive pool (pool size > 1): every member is held at home (risk status pool_held) and gets a single-tube
 *   re-test task (单管复核) owned by their grid, due within RETEST_HOURS; one 'testing.pool_positive' event per tube;
 * - a positive single tube: the person is a confirmed positive (risk status case), their open re-test tasks are
 *   done, and a 'testing.person_positive' event is written for the tracing module;
 * - a negative single tube: a person held for a positive pool is released from the hold, their re-test done;
 * - an invalid tube: every member gets a re-sampling task.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';

export const RETEST_HOURS = 4;
const RELEASABLE = ['none', 'released', 'discharged', 'home_monitoring'];

export interface FollowUpSummary {
  positivePools: number;
  held: number;
  retestTasks: number;
  positivePersons: number;
  unheld: number;
  resampleTasks: number;
}

export async function followUpResults(
  tx: Queryable,
  clock: Clock,
  tubeIds: readonly number[],
): Promise<FollowUpSummary> {
  const summary: FollowUpSummary = {
    positivePools: 0,
    held: 0,
    retestTasks: 0,
    positivePersons: 0,
    unheld: 0,
    resampleTasks: 0,
  };
  if (tubeIds.length === 0) return summary;
  const now = clock.now();
  const due = new Date(now.getTime() + RETEST_HOURS * 3600_000);
  const ids = [...tubeIds];

  // Positive pools.
  const pools = await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
     SELECT 'testing.pool_positive', 'tube', t.id, t.area_code, $2, jsonb_build_object('barcode', t.barcode, 'round_id', t.round_id, 'members', t.members)
       FROM tubes t WHERE t.id = ANY($1::int8[]) AND t.result = 'positive' AND t.pool_size > 1`,
    [ids, now],
  );
  summary.positivePools = pools.rowCount;
  if (pools.rowCount > 0) {
    const tasks = await tx.query(
      `INSERT INTO tasks (kind, person_id, area_code, subject_type, subject_id, due_at, created_at, details)
       SELECT 'retest_single_tube', s.person_id, coalesce(p.area_code, s.area_code), 'scan', s.id, $2, $3,
              jsonb_build_object('tube', t.barcode, 'round_id', t.round_id)
         FROM tubes t JOIN scans s ON s.tube_id = t.id LEFT JOIN persons p ON p.id = s.person_id
        WHERE t.id = ANY($1::int8[]) AND t.result = 'positive' AND t.pool_size > 1
       ON CONFLICT (kind, subject_type, subject_id) DO NOTHING`,
      [ids, due, now],
    );
    summary.retestTasks = tasks.rowCount;
    const held = await tx.query(
      `UPDATE persons p SET risk_status = 'pool_held', risk_status_at = $2, updated_at = now()
         FROM scans s JOIN tubes t ON t.id = s.tube_id
        WHERE s.person_id = p.id AND t.id = ANY($1::int8[]) AND t.result = 'positive' AND t.pool_size > 1
          AND p.risk_status = ANY($3::text[])`,
      [ids, now, RELEASABLE],
    );
    summary.held = held.rowCount;
  }

  // Positive single tubes: confirmed positives.
  const positives = await tx.query<{ person_id: number }>(
    `UPDATE persons p SET risk_status = 'case', risk_status_at = $2, updated_at = now()
       FROM scans s JOIN tubes t ON t.id = s.tube_id
      WHERE s.person_id = p.id AND t.id = ANY($1::int8[]) AND t.result = 'positive' AND t.pool_size = 1
        AND p.risk_status <> 'case'
     RETURNING p.id AS person_id`,
    [ids, now],
  );
  summary.positivePersons = positives.rowCount;
  if (positives.rowCount > 0) {
    const personIds = positives.rows.map((r) => r.person_id);
    await tx.query(
      `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
       SELECT 'testing.person_positive', 'person', p.id, p.area_code, $2,
              jsonb_build_object('tube', t.barcode, 'round_id', t.round_id, 'scan_id', s.id)
         FROM persons p JOIN scans s ON s.person_id = p.id JOIN tubes t ON t.id = s.tube_id
        WHERE p.id = ANY($1::int8[]) AND t.id = ANY($3::int8[])`,
      [personIds, now, ids],
    );
    await tx.query(
      `UPDATE tasks SET status = 'done', done_at = $2 WHERE person_id = ANY($1::int8[]) AND status = 'open' AND kind = 'retest_single_tube'`,
      [personIds, now],
    );
  }

  // Negative single tubes release a pool hold.
  const unheld = await tx.query<{ person_id: number }>(
    `UPDATE persons p SET risk_status = 'none', risk_status_at = $2, updated_at = now()
       FROM scans s JOIN tubes t ON t.id = s.tube_id
      WHERE s.person_id = p.id AND t.id = ANY($1::int8[]) AND t.result = 'negative' AND t.pool_size = 1
        AND p.risk_status = 'pool_held'
     RETURNING p.id AS person_id`,
    [ids, now],
  );
  summary.unheld = unheld.rowCount;
  if (unheld.rowCount > 0) {
    await tx.query(
      `UPDATE tasks SET status = 'done', done_at = $2 WHERE person_id = ANY($1::int8[]) AND status = 'open' AND kind = 'retest_single_tube'`,
      [unheld.rows.map((r) => r.person_id), now],
    );
  }

  // Invalid tubes: re-sample everyone in them.
  const resample = await tx.query(
    `INSERT INTO tasks (kind, person_id, area_code, subject_type, subject_id, due_at, created_at, details)
     SELECT 'resample_invalid', s.person_id, coalesce(p.area_code, s.area_code), 'scan', s.id, $2, $3,
            jsonb_build_object('tube', t.barcode, 'round_id', t.round_id)
       FROM tubes t JOIN scans s ON s.tube_id = t.id LEFT JOIN persons p ON p.id = s.person_id
      WHERE t.id = ANY($1::int8[]) AND t.result = 'invalid'
     ON CONFLICT (kind, subject_type, subject_id) DO NOTHING`,
    [ids, due, now],
  );
  summary.resampleTasks = resample.rowCount;
  return summary;
}

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
import { type RiskStatus, setRiskStatus } from '../registry/risk.ts';

export const RETEST_HOURS = 4;
const RELEASABLE: RiskStatus[] = ['none', 'released', 'discharged', 'home_monitoring'];

export interface FollowUpSummary {
  positivePools: number;
  held: number;
  retestTasks: number;
  positivePersons: number;
  unheld: number;
  resampleTasks: number;
}

interface Member {
  scan_id: number;
  person_id: number | null;
  area_code: string;
  tube_id: number;
  barcode: string;
  round_id: number;
  pool_size: number;
  result: 'negative' | 'positive' | 'invalid';
  members: number;
  tube_area: string;
}

/**
 * One read of the members of the tubes that need anything (every tube but negative pools), then statements
 * keyed by id arrays only — so the planner cannot pick a bad plan on rows changed earlier in the transaction.
 */
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
  // The tubes' rounds first: named as values, they let the scans be read in those rounds' partitions only (a join
  // on the tube's round is not pruned at plan time, and read every round's partition).
  const rounds = await tx.query<{ round_id: number }>(
    'SELECT DISTINCT round_id FROM tubes WHERE id = ANY($1::int8[])',
    [[...tubeIds]],
  );
  const { rows } = await tx.query<Member>(
    `SELECT s.id AS scan_id, s.person_id, coalesce(p.area_code, s.area_code) AS area_code, t.id AS tube_id, t.barcode,
            t.round_id, t.pool_size, t.result, t.members, t.area_code AS tube_area
       FROM tubes t JOIN scans s ON s.round_id = t.round_id AND s.tube_id = t.id LEFT JOIN persons p ON p.id = s.person_id
      WHERE t.id = ANY($1::int8[]) AND s.round_id = ANY($2::int8[]) AND (t.result <> 'negative' OR t.pool_size = 1)`,
    [[...tubeIds], rounds.rows.map((r) => r.round_id)],
  );
  if (rows.length === 0) return summary;
  const pooledPositive = rows.filter((r) => r.result === 'positive' && r.pool_size > 1);
  const singlePositive = rows.filter(
    (r) => r.result === 'positive' && r.pool_size === 1 && r.person_id !== null,
  );
  const singleNegative = rows.filter(
    (r) => r.result === 'negative' && r.pool_size === 1 && r.person_id !== null,
  );
  const invalid = rows.filter((r) => r.result === 'invalid');
  const persons = (list: Member[]) => [
    ...new Set(list.flatMap((r) => (r.person_id === null ? [] : [r.person_id]))),
  ];
  const tasks = async (kind: string, list: Member[]) => {
    if (list.length === 0) return 0;
    const r = await tx.query(
      `INSERT INTO tasks (kind, person_id, area_code, subject_type, subject_id, due_at, created_at, details)
       SELECT $1, u.person_id, u.area_code, 'scan', u.scan_id, $2, $3, jsonb_build_object('tube', u.barcode, 'round_id', u.round_id)
         FROM unnest($4::int8[], $5::text[], $6::int8[], $7::text[], $8::int8[]) AS u(person_id, area_code, scan_id, barcode, round_id)
       ON CONFLICT (kind, subject_type, subject_id) DO NOTHING`,
      [
        kind,
        due,
        now,
        list.map((m) => m.person_id),
        list.map((m) => m.area_code),
        list.map((m) => m.scan_id),
        list.map((m) => m.barcode),
        list.map((m) => m.round_id),
      ],
    );
    return r.rowCount;
  };
  const closeRetests = (ids: number[]) =>
    tx.query(
      `UPDATE tasks SET status = 'done', done_at = $2 WHERE person_id = ANY($1::int8[]) AND status = 'open' AND kind = 'retest_single_tube'`,
      [ids, now],
    );

  // Positive pools: an event per tube, a re-test task and a hold at home per member.
  if (pooledPositive.length > 0) {
    const tubes = [...new Map(pooledPositive.map((m) => [m.tube_id, m])).values()];
    await tx.query(
      `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
       SELECT 'testing.pool_positive', 'tube', u.id, u.area, $1, jsonb_build_object('barcode', u.barcode, 'round_id', u.round_id, 'members', u.members)
         FROM unnest($2::int8[], $3::text[], $4::text[], $5::int8[], $6::int4[]) AS u(id, area, barcode, round_id, members)`,
      [
        now,
        tubes.map((t) => t.tube_id),
        tubes.map((t) => t.tube_area),
        tubes.map((t) => t.barcode),
        tubes.map((t) => t.round_id),
        tubes.map((t) => t.members),
      ],
    );
    summary.positivePools = tubes.length;
    summary.retestTasks = await tasks('retest_single_tube', pooledPositive);
    const held = await setRiskStatus(tx, persons(pooledPositive), 'pool_held', now, { from: RELEASABLE });
    summary.held = held.length;
  }

  // Positive single tubes: confirmed positives, with an event each for tracing.
  if (singlePositive.length > 0) {
    const raised = await setRiskStatus(tx, persons(singlePositive), 'case', now, { not: ['case'] });
    summary.positivePersons = raised.length;
    const newly = new Set(raised.map((r) => r.id));
    const ev = singlePositive.filter((m) => newly.has(m.person_id as number));
    if (ev.length > 0) {
      await tx.query(
        `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
         SELECT 'testing.person_positive', 'person', u.person_id, u.area, $1, jsonb_build_object('tube', u.barcode, 'round_id', u.round_id, 'scan_id', u.scan_id)
           FROM unnest($2::int8[], $3::text[], $4::text[], $5::int8[], $6::int8[]) AS u(person_id, area, barcode, round_id, scan_id)`,
        [
          now,
          ev.map((m) => m.person_id),
          ev.map((m) => m.area_code),
          ev.map((m) => m.barcode),
          ev.map((m) => m.round_id),
          ev.map((m) => m.scan_id),
        ],
      );
    }
    await closeRetests([...newly]);
  }

  // Negative single tubes lift a pool hold.
  if (singleNegative.length > 0) {
    const unheld = await setRiskStatus(tx, persons(singleNegative), 'none', now, { from: ['pool_held'] });
    summary.unheld = unheld.length;
    if (unheld.length > 0) await closeRetests(unheld.map((r) => r.id));
  }

  // Invalid tubes: everyone in them is sampled again.
  summary.resampleTasks = await tasks('resample_invalid', invalid);
  return summary;
}

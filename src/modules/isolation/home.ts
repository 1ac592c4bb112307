/**
 * Stays at home (居家隔离 / 居家健康监测). Under the 9th edition secondary contacts are isolated at home for 7
 * days (tests on days 1, 4, 7) instead of in a quarantine room; after a release contacts go to home monitoring
 * (8th: 7 days, 9th: 3) and discharged cases to 7 days. Each stay at home is owned by the community of the home:
 * its tests are tasks there, and it ends when due — an isolation only once its tests are done.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { type Edition, TERMS, testSchedule } from '../../domain/terms.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { setRiskStatus } from '../registry/risk.ts';

const DAY = 86_400_000;

/** Secondary contacts waiting under an edition that isolates them at home: their home isolation starts now. */
export async function startHomeIsolation(
  tx: Queryable,
  clock: Clock,
  scope: Scope,
  edition: Edition,
): Promise<number> {
  const term = TERMS[edition].secondary;
  if (term.centralDays > 0 || term.homeDays === 0) return 0;
  const now = clock.now();
  const params: unknown[] = [edition, now, new Date(now.getTime() + term.homeDays * DAY)];
  const started = await tx.query<{ id: number; person_id: number; area_code: string }>(
    `INSERT INTO home_stays (person_id, kind, category, edition, area_code, started_at, due_at)
     SELECT p.id, 'isolation', 'secondary', $1, p.area_code, $2, $3 FROM person_risk r JOIN persons p ON p.id = r.person_id
      WHERE r.risk_status = 'secondary_contact' AND p.purged_at IS NULL AND ${scopeCondition('r.area_code', scope, params)}
        AND NOT EXISTS (SELECT 1 FROM placements s WHERE s.person_id = p.id AND s.status IN ('placed', 'arrived'))
        AND NOT EXISTS (SELECT 1 FROM home_stays h WHERE h.person_id = p.id AND h.status = 'active')
     ORDER BY p.id
     RETURNING id, person_id, area_code`,
    params,
  );
  if (started.rows.length === 0) return 0;
  const dues = testSchedule(now, term);
  const ids = started.rows.map((r) => r.id);
  await tx.query(
    `INSERT INTO tasks (kind, person_id, area_code, subject_type, subject_id, due_at, created_at, details)
     SELECT 'home_test', h.person_id, h.area_code, 'home_stay_test', h.id * 100 + d.n, d.due, $2,
            jsonb_build_object('day', d.day, 'home_stay_id', h.id)
       FROM home_stays h CROSS JOIN unnest($3::timestamptz[], $4::int4[], $5::int4[]) AS d(due, day, n)
      WHERE h.id = ANY($1::int8[])
     ON CONFLICT DO NOTHING`,
    [ids, now, dues, term.testDays, term.testDays.map((_, i) => i + 1)],
  );
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
     SELECT 'isolation.home_started', 'home_stay', h.id, h.area_code, $2, jsonb_build_object('person_id', h.person_id, 'kind', 'isolation')
       FROM home_stays h WHERE h.id = ANY($1::int8[])`,
    [ids, now],
  );
  return ids.length;
}

/** After a release or a discharge: home monitoring for `days` days (none when 0). */
export async function startHomeMonitoring(
  tx: Queryable,
  now: Date,
  s: {
    personId: number;
    category: 'case' | 'close' | 'secondary';
    edition: Edition;
    placementId: number;
    days: number;
  },
): Promise<void> {
  if (s.days <= 0) return;
  await tx.query(
    `INSERT INTO home_stays (person_id, kind, category, edition, from_placement_id, area_code, started_at, due_at)
     SELECT p.id, 'monitoring', $2, $3, $4, p.area_code, $5, $6 FROM persons p WHERE p.id = $1
     ON CONFLICT (person_id) WHERE status = 'active' DO NOTHING`,
    [s.personId, s.category, s.edition, s.placementId, now, new Date(now.getTime() + s.days * DAY)],
  );
}

/**
 * Ends the stays at home that are due: monitoring at its due time, isolation at its due time once its tests are
 * done (those with tests outstanding are listed). The person's status becomes 'released'.
 */
export async function endDueHomeStays(
  tx: Queryable,
  clock: Clock,
  scope: Scope,
): Promise<{
  ended: number;
  held: { home_stay_id: number; person_id: number; tests_outstanding: number }[];
}> {
  const now = clock.now();
  const params: unknown[] = [now];
  const held = await tx.query<{ home_stay_id: number; person_id: number; tests_outstanding: number }>(
    `SELECT h.id AS home_stay_id, h.person_id, count(t.id)::int AS tests_outstanding
       FROM home_stays h JOIN tasks t ON t.kind = 'home_test' AND t.status = 'open' AND (t.details->>'home_stay_id')::int8 = h.id
      WHERE h.status = 'active' AND h.due_at <= $1 AND ${scopeCondition('h.area_code', scope, params)}
      GROUP BY h.id, h.person_id ORDER BY h.id`,
    params,
  );
  const endParams: unknown[] = [now];
  const ended = await tx.query<{ id: number; person_id: number }>(
    `UPDATE home_stays h SET status = 'ended', ended_at = $1
      WHERE h.status = 'active' AND h.due_at <= $1 AND ${scopeCondition('h.area_code', scope, endParams)}
        AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.kind = 'home_test' AND t.status = 'open' AND (t.details->>'home_stay_id')::int8 = h.id)
      RETURNING h.id, h.person_id`,
    endParams,
  );
  const people = ended.rows.map((r) => r.person_id);
  // Released, unless they are in a centralised stay again by now.
  const notPlaced = await tx.query<{ id: number }>(
    `SELECT u.id FROM unnest($1::int8[]) AS u(id)
      WHERE NOT EXISTS (SELECT 1 FROM placements pl WHERE pl.person_id = u.id AND pl.status IN ('placed', 'arrived'))`,
    [people],
  );
  await setRiskStatus(
    tx,
    notPlaced.rows.map((r) => r.id),
    'released',
    now,
    { from: ['secondary_contact', 'home_monitoring'] },
  );
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
     SELECT 'isolation.home_ended', 'home_stay', h.id, h.area_code, $2, jsonb_build_object('person_id', h.person_id)
       FROM home_stays h WHERE h.id = ANY($1::int8[])`,
    [ended.rows.map((r) => r.id), now],
  );
  return { ended: ended.rows.length, held: held.rows };
}

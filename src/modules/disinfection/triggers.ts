/**
 * Case triggers: a case's building gets its lift and stairwell disinfected, and every venue the case checked in at
 * during its exposure window (the tracing module's window and check-ins: domain/contact-rules.ts `exposureWindow`
 * with the rules in force) gets disinfected, both due by the end of the Beijing day the trigger runs (事不过夜:
 * nothing waits overnight). The places are made the first time (one per building, one per venue, owned by the
 * building's community or by the venue).
 *
 * Idempotent: each (place, case) is triggered once (disinfection_triggers). Several cases at a place whose
 * triggered disinfection is still open share it; a case after that disinfection was done gets a new one. Looks at
 * cases found in the last `withinDays` days, so the periodic loop stays cheap and a case from long ago does not
 * send anyone to disinfect now. Serialised by an advisory lock: two servers may run it side by side.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { exposureWindow } from '../../domain/contact-rules.ts';
import { currentTracingRules } from '../tracing/rules.ts';
import { type DueReason, insertDue } from './due.ts';
import { DAY, endOfBeijingDay, SUBJECT_TYPE, TASK_KIND } from './rules.ts';

const TRIGGER_LOCK = 7263024;

export interface TriggerResult {
  placesCreated: number;
  dueCreated: number;
  triggers: number;
}

export async function runCaseTriggers(
  tx: Queryable,
  clock: Clock,
  o: { withinDays?: number } = {},
): Promise<TriggerResult> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [TRIGGER_LOCK]);
  const now = clock.now();
  const since = new Date(now.getTime() - (o.withinDays ?? 3) * DAY);
  const cases = await tx.query<{
    id: number;
    person_id: number;
    onset_date: string | null;
    first_positive_at: Date;
    found_at: Date;
  }>(
    `SELECT k.id, k.person_id, k.onset_date, k.first_positive_at, k.found_at FROM cases k
      WHERE k.found_at >= $1 AND k.found_at <= $2
        AND NOT EXISTS (SELECT 1 FROM disinfection_triggers t WHERE t.case_id = k.id)
      ORDER BY k.id`,
    [since, now],
  );
  // A case is handled whole the first time it has a place to trigger; check-ins fed after that trigger nothing
  // (docs/DISINFECTION.md, not built). A case with no place at all is looked at again while within `withinDays`.
  if (cases.rows.length === 0) return { placesCreated: 0, dueCreated: 0, triggers: 0 };
  const rules = await currentTracingRules(tx);
  const ids = cases.rows.map((k) => k.id);
  const windows = cases.rows.map((k) =>
    exposureWindow(
      { onsetDate: k.onset_date, firstPositiveAt: k.first_positive_at, isolatedAt: k.found_at },
      rules,
    ),
  );
  const K =
    'unnest($1::int8[], $2::int8[], $3::timestamptz[], $4::timestamptz[]) AS k(case_id, person_id, wfrom, wto)';
  const batch = [
    ids,
    cases.rows.map((k) => k.person_id),
    windows.map((w) => w.from),
    windows.map((w) => w.to),
  ];

  // The places, made the first time: the case's building (through the household it lives in) and the venues.
  const buildings = await tx.query(
    `INSERT INTO disinfection_places (kind, name, area_code, building_id, owner, source, created_by, created_at)
     SELECT DISTINCT ON (b.id) 'lift_stairwell', b.address || '（电梯、楼道）', b.area_code, b.id,
            coalesce(c.name, b.area_code), 'case', 'system', $5
       FROM ${K} JOIN persons p ON p.id = k.person_id JOIN households h ON h.id = p.household_id
       JOIN buildings b ON b.id = h.building_id
       LEFT JOIN areas c ON c.code = left(b.area_code, 12)
      ORDER BY b.id
     ON CONFLICT DO NOTHING`,
    [...batch, now],
  );
  const venues = await tx.query(
    `INSERT INTO disinfection_places (kind, name, area_code, venue_id, owner, source, created_by, created_at)
     SELECT DISTINCT ON (v.id) 'venue', v.name, v.area_code, v.id, v.name, 'case', 'system', $5
       FROM ${K} JOIN checkins ci ON ci.person_id = k.person_id AND ci.at BETWEEN k.wfrom AND k.wto
       JOIN venues v ON v.id = ci.venue_id
      ORDER BY v.id
     ON CONFLICT DO NOTHING`,
    [...batch, now],
  );

  // (place, case) pairs to trigger, on active places only.
  const pairs = await tx.query<{ place_id: number; case_id: number; area_code: string; reason: DueReason }>(
    `SELECT DISTINCT dp.id AS place_id, k.case_id, dp.area_code, 'case_building' AS reason
       FROM ${K} JOIN persons p ON p.id = k.person_id JOIN households h ON h.id = p.household_id
       JOIN disinfection_places dp ON dp.building_id = h.building_id AND dp.kind = 'lift_stairwell' AND dp.active
     UNION
     SELECT DISTINCT dp.id, k.case_id, dp.area_code, 'case_venue'
       FROM ${K} JOIN checkins ci ON ci.person_id = k.person_id AND ci.at BETWEEN k.wfrom AND k.wto
       JOIN disinfection_places dp ON dp.venue_id = ci.venue_id AND dp.kind = 'venue' AND dp.active
     ORDER BY 1, 2`,
    batch,
  );
  const dueAt = endOfBeijingDay(now);
  let dueCreated = 0;
  const byPlace = new Map<number, typeof pairs.rows>();
  for (const p of pairs.rows) byPlace.set(p.place_id, [...(byPlace.get(p.place_id) ?? []), p]);
  // A triggered disinfection of a place still open covers its new cases too. One query for every place (per place,
  // a plan made on stale statistics — PGlite has no autovacuum — scanned the tasks each time: 100 ms a place).
  const open = await tx.query<{ place_id: number; id: number }>(
    `SELECT DISTINCT ON (d.place_id) d.place_id, d.id
       FROM disinfection_due d JOIN tasks t ON t.kind = $2 AND t.subject_type = $3 AND t.subject_id = d.id
      WHERE d.place_id = ANY($1::int8[]) AND d.reason <> 'schedule' AND t.status = 'open'
      ORDER BY d.place_id, d.due_at, d.id`,
    [[...byPlace.keys()], TASK_KIND, SUBJECT_TYPE],
  );
  const openOf = new Map(open.rows.map((r) => [r.place_id, r.id]));
  for (const [placeId, list] of byPlace) {
    const first = list[0] as (typeof list)[number];
    let dueId = openOf.get(placeId);
    if (dueId === undefined) {
      dueId = await insertDue(tx, { placeId, areaCode: first.area_code, reason: first.reason, dueAt, now });
      dueCreated++;
    }
    await tx.query(
      `INSERT INTO disinfection_triggers (place_id, case_id, due_id, triggered_at)
       SELECT $1, unnest($2::int8[]), $3, $4 ON CONFLICT DO NOTHING`,
      [placeId, list.map((p) => p.case_id), dueId, now],
    );
  }
  return {
    placesCreated: buildings.rowCount + venues.rowCount,
    dueCreated,
    triggers: pairs.rows.length,
  };
}

/**
 * Transfer dispatch (转运, 即查即转): plan trips for every placed person not yet on a trip, then the driver's steps
 * — depart, pick up (or no-show), deliver (the stay arrives at the site), disinfect the vehicle after cases —
 * and the clocks found → placed → picked up → delivered with the late list (not delivered the day they were found).
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { type DispatchResult, type Passenger, planTrips, type Vehicle } from '../../domain/dispatch.ts';
import { ageOn } from '../../domain/id-number.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { arrive } from '../isolation/stays.ts';

export async function planPendingTrips(
  tx: Queryable,
  clock: Clock,
  scope: Scope,
): Promise<DispatchResult & { passengers: number }> {
  const now = clock.now();
  const params: unknown[] = [];
  const waiting = await tx.query<{
    placement_id: number;
    person_id: number;
    household_id: number;
    category: string;
    severity: string | null;
    birth_date: string;
    pregnant: boolean;
    disabled: boolean;
    area_code: string;
    site_id: number;
  }>(
    `SELECT pl.id AS placement_id, p.id AS person_id, p.household_id, pl.category, c.severity, p.birth_date, p.pregnant, p.disabled,
            p.area_code, pl.site_id
       FROM placements pl JOIN persons p ON p.id = pl.person_id LEFT JOIN cases c ON c.person_id = p.id
      WHERE pl.status = 'placed' AND ${scopeCondition('p.area_code', scope, params)}
        AND NOT EXISTS (SELECT 1 FROM trip_passengers tp WHERE tp.placement_id = pl.id AND tp.status IN ('assigned', 'picked_up'))
      ORDER BY pl.id FOR UPDATE OF pl`,
    params,
  );
  const vehicles = await tx.query<Vehicle>(
    `SELECT v.id, v.kind, v.seats, v.plate FROM vehicles v
      WHERE NOT EXISTS (SELECT 1 FROM trips t WHERE t.vehicle_id = v.id AND t.status IN ('planned', 'departed'))
        AND NOT EXISTS (SELECT 1 FROM trips t WHERE t.vehicle_id = v.id AND t.needs_disinfection AND t.disinfected_at IS NULL)
      ORDER BY v.id FOR UPDATE OF v`,
  );
  const passengers: Passenger[] = waiting.rows.map((w) => {
    const age = ageOn(w.birth_date, now);
    return {
      placementId: w.placement_id,
      personId: w.person_id,
      householdId: w.household_id,
      isCase: w.category === 'case',
      severe: w.category === 'case' && (w.severity === 'severe' || w.severity === 'critical'),
      priority: age >= 60 || age < 14 || w.pregnant || w.disabled,
      areaCode: w.area_code,
      siteId: w.site_id,
    };
  });
  const plan = planTrips(passengers, vehicles.rows);
  const byId = new Map(passengers.map((p) => [p.placementId, p]));
  for (const t of plan.trips) {
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO trips (vehicle_id, class, site_id, reason, planned_at, needs_disinfection) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [t.vehicleId, t.class, t.siteId, t.reason, now, t.class !== 'contact'],
    );
    const tripId = (rows[0] as { id: number }).id;
    const ps = t.placementIds.map((id) => byId.get(id) as Passenger);
    await tx.query(
      `INSERT INTO trip_passengers (trip_id, placement_id, person_id, pickup_area_code)
       SELECT $1, * FROM unnest($2::int8[], $3::int8[], $4::text[])`,
      [tripId, ps.map((p) => p.placementId), ps.map((p) => p.personId), ps.map((p) => p.areaCode)],
    );
  }
  return { ...plan, passengers: passengers.length };
}

interface TripRow {
  id: number;
  status: string;
  class: string;
  site_id: number;
  needs_disinfection: boolean;
  disinfected_at: Date | null;
}

async function lockTrip(tx: Queryable, id: number, scopePrefix: string): Promise<TripRow> {
  const { rows } = await tx.query<TripRow>(
    `SELECT t.id, t.status, t.class, t.site_id, t.needs_disinfection, t.disinfected_at FROM trips t
      WHERE t.id = $1 AND EXISTS (SELECT 1 FROM trip_passengers tp WHERE tp.trip_id = t.id AND starts_with(tp.pickup_area_code, $2))
      FOR UPDATE OF t`,
    [id, scopePrefix],
  );
  if (!rows[0]) throw new AppError(404, 'not_found', `trip ${id} was not found`);
  return rows[0];
}

export async function depart(
  tx: Queryable,
  clock: Clock,
  tripId: number,
  scopePrefix: string,
): Promise<{ status: string }> {
  const t = await lockTrip(tx, tripId, scopePrefix);
  if (t.status !== 'planned')
    throw new AppError(
      409,
      'transition_invalid',
      `trip ${tripId} is ${t.status}; only a planned trip departs`,
    );
  await tx.query(`UPDATE trips SET status = 'departed', departed_at = $2 WHERE id = $1`, [
    tripId,
    clock.now(),
  ]);
  return { status: 'departed' };
}

export async function pickUp(
  tx: Queryable,
  clock: Clock,
  tripId: number,
  personId: number,
  noShow: boolean,
  scopePrefix: string,
): Promise<{ status: string }> {
  const t = await lockTrip(tx, tripId, scopePrefix);
  if (t.status !== 'departed')
    throw new AppError(409, 'transition_invalid', `trip ${tripId} is ${t.status}; pick up after departure`);
  const { rows } = await tx.query<{ id: number; status: string }>(
    'SELECT id, status FROM trip_passengers WHERE trip_id = $1 AND person_id = $2 AND starts_with(pickup_area_code, $3) FOR UPDATE',
    [tripId, personId, scopePrefix],
  );
  const p = rows[0];
  if (!p)
    throw new AppError(
      409,
      'not_on_trip',
      `person ${personId} is not a passenger of trip ${tripId}: pick up only those assigned`,
    );
  if (p.status !== 'assigned')
    throw new AppError(409, 'transition_invalid', `person ${personId} is already ${p.status}`);
  const status = noShow ? 'no_show' : 'picked_up';
  await tx.query('UPDATE trip_passengers SET status = $2, picked_up_at = $3 WHERE id = $1', [
    p.id,
    status,
    noShow ? null : clock.now(),
  ]);
  return { status };
}

/** Delivery at the site: every picked-up passenger arrives (their stay starts); no-shows go back to the queue. */
export async function deliver(
  tx: Queryable,
  clock: Clock,
  tripId: number,
  siteId: number,
  scopePrefix: string,
): Promise<{ delivered: number; no_show: number }> {
  const t = await lockTrip(tx, tripId, scopePrefix);
  if (t.status !== 'departed')
    throw new AppError(
      409,
      'transition_invalid',
      `trip ${tripId} is ${t.status}; only a departed trip delivers`,
    );
  if (siteId !== t.site_id)
    throw new AppError(409, 'wrong_site', `trip ${tripId} goes to site ${t.site_id}, not ${siteId}`);
  const pending = await tx.query<{ n: number }>(
    "SELECT count(*) AS n FROM trip_passengers WHERE trip_id = $1 AND status = 'assigned'",
    [tripId],
  );
  if ((pending.rows[0]?.n ?? 0) > 0) {
    throw new AppError(
      409,
      'pickups_outstanding',
      `${pending.rows[0]?.n} passenger(s) neither picked up nor marked no-show`,
    );
  }
  const now = clock.now();
  const riders = await tx.query<{ id: number; placement_id: number }>(
    "UPDATE trip_passengers SET status = 'delivered', delivered_at = $2 WHERE trip_id = $1 AND status = 'picked_up' RETURNING id, placement_id",
    [tripId, now],
  );
  for (const r of riders.rows) await arrive(tx, clock, r.placement_id, '');
  const noShow = await tx.query<{ n: number }>(
    "SELECT count(*) AS n FROM trip_passengers WHERE trip_id = $1 AND status = 'no_show'",
    [tripId],
  );
  await tx.query(`UPDATE trips SET status = 'delivered', delivered_at = $2 WHERE id = $1`, [tripId, now]);
  return { delivered: riders.rowCount, no_show: noShow.rows[0]?.n ?? 0 };
}

export async function disinfectVehicle(
  tx: Queryable,
  clock: Clock,
  tripId: number,
  scopePrefix: string,
): Promise<{ status: string }> {
  const t = await lockTrip(tx, tripId, scopePrefix);
  if (t.status !== 'delivered')
    throw new AppError(409, 'transition_invalid', `trip ${tripId} is ${t.status}; disinfect after delivery`);
  if (t.disinfected_at)
    throw new AppError(409, 'transition_invalid', `the vehicle of trip ${tripId} was already disinfected`);
  await tx.query('UPDATE trips SET disinfected_at = $2 WHERE id = $1', [tripId, clock.now()]);
  return { status: 'disinfected' };
}

/** found → placed → picked up → delivered, in minutes (p50/p90), and the late list: found that day, not delivered. */
export async function transferClocks(db: Queryable, scope: Scope, day: string, now: Date) {
  const from = new Date(`${day}T00:00:00+08:00`);
  const to = new Date(from.getTime() + 86_400_000);
  const params: unknown[] = [from, to];
  const s = scopeCondition('p.area_code', scope, params);
  const pct = (expr: string, q: number) =>
    `percentile_cont(${q}) WITHIN GROUP (ORDER BY extract(epoch FROM ${expr}) / 60)`;
  const { rows } = await db.query<Record<string, number | null>>(
    `SELECT count(*) AS people,
            ${pct('pl.placed_at - pl.found_at', 0.5)} AS found_to_placed_p50, ${pct('pl.placed_at - pl.found_at', 0.9)} AS found_to_placed_p90,
            ${pct('tp.picked_up_at - pl.found_at', 0.5)} AS found_to_picked_p50, ${pct('tp.picked_up_at - pl.found_at', 0.9)} AS found_to_picked_p90,
            ${pct('tp.delivered_at - pl.found_at', 0.5)} AS found_to_delivered_p50, ${pct('tp.delivered_at - pl.found_at', 0.9)} AS found_to_delivered_p90
       FROM placements pl JOIN persons p ON p.id = pl.person_id
       LEFT JOIN trip_passengers tp ON tp.placement_id = pl.id AND tp.status = 'delivered'
      WHERE pl.found_at >= $1 AND pl.found_at < $2 AND ${s}`,
    params,
  );
  const lateParams: unknown[] = [from, to, now];
  const late = await db.query(
    `SELECT pl.id AS placement_id, pl.person_id, p.area_code, pl.found_at, pl.placed_at, tp.status AS trip_status
       FROM placements pl JOIN persons p ON p.id = pl.person_id
       LEFT JOIN trip_passengers tp ON tp.placement_id = pl.id AND tp.status IN ('assigned', 'picked_up')
      WHERE pl.found_at >= $1 AND pl.found_at < $2 AND pl.status = 'placed' AND $3 >= $2
        AND ${scopeCondition('p.area_code', scope, lateParams)}
      ORDER BY pl.found_at LIMIT 500`,
    lateParams,
  );
  const round = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v));
  const r = rows[0] ?? {};
  return {
    day,
    people: r.people ?? 0,
    minutes: {
      found_to_placed: { p50: round(r.found_to_placed_p50), p90: round(r.found_to_placed_p90) },
      found_to_picked_up: { p50: round(r.found_to_picked_p50), p90: round(r.found_to_picked_p90) },
      found_to_delivered: { p50: round(r.found_to_delivered_p50), p90: round(r.found_to_delivered_p90) },
    },
    late: late.rows,
  };
}

/**
 * Transfer dispatch (转运, 即查即转): plan each vehicle's schedule of trips for the working day for every placed
 * person not yet on a trip, insert urgent people into that plan, then the driver's steps — depart (in the order
 * of the vehicle's day), pick up (or no-show), deliver (the stay arrives at the site), disinfect the vehicle after
 * cases — and the clocks found → placed → picked up → delivered with the late list (not delivered the day they
 * were found).
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import {
  AreaKm,
  DEFAULT_SCHEDULE,
  type Insertion,
  insertUrgent,
  type Passenger,
  type PlannedTrip,
  planTrips,
  type ScheduledTrip,
  type ScheduleOptions,
  type TripClass,
  type Vehicle,
} from '../../domain/dispatch.ts';
import { ageOn } from '../../domain/id-number.ts';
import type { Phrase } from '../../domain/phrase.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { arrive } from '../isolation/stays.ts';
import { countLateTransfers, lateTransfers } from './late-list.ts';

const HOUR = 3_600_000;
const LOCAL = 8 * HOUR; // the response's local time, UTC+8
/** Default start of the working window, local hour. */
export const SHIFT_START_HOUR = 6;

export interface ShiftRequest {
  /** Start of the working window; default 06:00 local of today (of tomorrow once today's window is over). */
  shiftStart?: Date;
  windowHours?: number;
}

export interface Shift {
  day: string; // service day, local date
  start: number;
  end: number;
  options: ScheduleOptions;
}

export function shiftOf(now: Date, req: ShiftRequest = {}): Shift {
  const hours = req.windowHours ?? DEFAULT_SCHEDULE.windowHours;
  let start: number;
  if (req.shiftStart) start = req.shiftStart.getTime();
  else {
    const localMidnight = Math.floor((now.getTime() + LOCAL) / (24 * HOUR)) * 24 * HOUR - LOCAL;
    start = localMidnight + SHIFT_START_HOUR * HOUR;
    if (now.getTime() >= start + hours * HOUR) start += 24 * HOUR;
  }
  return {
    day: new Date(start + LOCAL).toISOString().slice(0, 10),
    start,
    end: start + hours * HOUR,
    options: { ...DEFAULT_SCHEDULE, shiftStart: start, windowHours: hours },
  };
}

interface WaitingRow {
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
  site_area: string;
  site_name: string;
}

// A person moved from another site (转点) is picked up there, not at home.
const WAITING_SQL = `SELECT pl.id AS placement_id, p.id AS person_id, p.household_id, pl.category, c.severity, p.birth_date,
        p.pregnant, p.disabled, coalesce(fs.area_code, p.area_code) AS area_code, pl.site_id, s.area_code AS site_area,
        s.name AS site_name
   FROM placements pl JOIN persons p ON p.id = pl.person_id JOIN sites s ON s.id = pl.site_id
   LEFT JOIN placements fpl ON fpl.id = pl.moved_from LEFT JOIN sites fs ON fs.id = fpl.site_id
   LEFT JOIN cases c ON c.person_id = p.id
  WHERE pl.status = 'placed'
    AND NOT EXISTS (SELECT 1 FROM trip_passengers tp WHERE tp.placement_id = pl.id AND tp.status IN ('assigned', 'picked_up'))`;

function toPassenger(w: WaitingRow, now: Date): Passenger {
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
    siteArea: w.site_area,
    siteName: w.site_name,
  };
}

interface DayTripRow {
  id: number;
  vehicle_id: number;
  sequence: number;
  class: TripClass;
  site_id: number;
  site_area: string;
  status: 'planned' | 'departed' | 'delivered';
  passengers: number;
  stops: string[];
  planned_start: Date;
  planned_end: Date;
  planned_km: number;
  delivered_at: Date | null;
  needs_disinfection: boolean;
  disinfected_at: Date | null;
}

/** Locks the fleet and reads each vehicle's trips of the service day, in order. */
async function loadFleetDay(
  tx: Queryable,
  day: string,
): Promise<{ vehicles: Vehicle[]; trips: DayTripRow[] }> {
  const vehicles = await tx.query<{
    id: number;
    kind: Vehicle['kind'];
    seats: number;
    plate: string;
    depot_area_code: string;
  }>('SELECT id, kind, seats, plate, depot_area_code FROM vehicles ORDER BY id FOR UPDATE');
  const trips = await tx.query<DayTripRow>(
    `SELECT t.id, t.vehicle_id, t.sequence, t.class, t.site_id, s.area_code AS site_area, t.status,
            (SELECT count(*) FROM trip_passengers tp WHERE tp.trip_id = t.id AND tp.status <> 'cancelled') AS passengers,
            t.stops, t.planned_start, t.planned_end, t.planned_km, t.delivered_at, t.needs_disinfection, t.disinfected_at
       FROM trips t JOIN sites s ON s.id = t.site_id
      WHERE t.service_day = $1 AND t.status <> 'cancelled'
      ORDER BY t.vehicle_id, t.sequence`,
    [day],
  );
  return {
    vehicles: vehicles.rows.map((v) => ({
      id: v.id,
      kind: v.kind,
      seats: v.seats,
      plate: v.plate,
      depotArea: v.depot_area_code,
    })),
    trips: trips.rows,
  };
}

/** When a trip of the day leaves its vehicle free: delivered (or planned) end, then disinfection after cases. */
function freeAfterRow(t: DayTripRow, o: ScheduleOptions): number {
  const end = (t.delivered_at ?? t.planned_end).getTime();
  if (!t.needs_disinfection) return end;
  if (t.disinfected_at) return Math.max(end, t.disinfected_at.getTime());
  return end + o.disinfectionMinutes * 60_000;
}

export interface PlannedTripOut extends Omit<PlannedTrip, 'start' | 'end'> {
  id: number;
  /** The vehicle's plate and the site's name, as a dispatcher reads a plan. */
  plate: string;
  siteName: string;
  start: Date;
  end: Date;
}

export interface PlanOutcome {
  serviceDay: string;
  shift: { start: Date; end: Date };
  passengers: number;
  trips: PlannedTripOut[];
  waiting: { placementId: number; personId: number | null; reason: string; phrase?: readonly Phrase[] }[];
}

async function insertTrips(
  tx: Queryable,
  day: string,
  now: Date,
  trips: readonly PlannedTrip[],
  passengers: ReadonlyMap<number, Passenger>,
): Promise<number[]> {
  if (trips.length === 0) return [];
  const { rows } = await tx.query<{ id: number; vehicle_id: number; sequence: number }>(
    `INSERT INTO trips (vehicle_id, class, site_id, reason, planned_at, needs_disinfection, service_day, sequence,
                        planned_start, planned_end, planned_km, stops, reason_phrase)
     SELECT v, c, s, r, $5, c <> 'contact', $6, q, st, en, km, string_to_array(sp, ','), rp
       FROM unnest($1::int8[], $2::text[], $3::int8[], $4::text[], $7::int4[], $8::timestamptz[], $9::timestamptz[],
                   $10::float8[], $11::text[], $12::jsonb[]) AS x(v, c, s, r, q, st, en, km, sp, rp)
     RETURNING id, vehicle_id, sequence`,
    [
      trips.map((t) => t.vehicleId),
      trips.map((t) => t.class),
      trips.map((t) => t.siteId),
      trips.map((t) => t.reason),
      now,
      day,
      trips.map((t) => t.sequence),
      trips.map((t) => new Date(t.start)),
      trips.map((t) => new Date(t.end)),
      trips.map((t) => t.km),
      trips.map((t) => t.stops.join(',')),
      trips.map((t) => (t.phrase ? JSON.stringify(t.phrase) : null)),
    ],
  );
  const idOf = new Map(rows.map((r) => [`${r.vehicle_id}:${r.sequence}`, r.id]));
  const ids = trips.map((t) => idOf.get(`${t.vehicleId}:${t.sequence}`) as number);
  const tp: [number, Passenger][] = trips.flatMap((t, i) =>
    t.placementIds.map((pid) => [ids[i] as number, passengers.get(pid) as Passenger] as [number, Passenger]),
  );
  await tx.query(
    `INSERT INTO trip_passengers (trip_id, placement_id, person_id, pickup_area_code)
     SELECT * FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::text[])`,
    [
      tp.map((x) => x[0]),
      tp.map((x) => x[1].placementId),
      tp.map((x) => x[1].personId),
      tp.map((x) => x[1].areaCode),
    ],
  );
  return ids;
}

/**
 * Plans the working day: every placed person of the scope not yet on a trip gets a trip in some vehicle's
 * schedule, appended after the trips the vehicle already has that day; who cannot be moved is listed with the
 * reason. Vehicles are locked for the plan, so two plans never number a vehicle's trips twice.
 */
export async function planPendingTrips(
  tx: Queryable,
  clock: Clock,
  scope: Scope,
  req: ShiftRequest = {},
): Promise<PlanOutcome> {
  const now = clock.now();
  const shift = shiftOf(now, req);
  const params: unknown[] = [];
  const waiting = await tx.query<WaitingRow>(
    `${WAITING_SQL} AND ${scopeCondition('p.area_code', scope, params)} ORDER BY pl.id FOR UPDATE OF pl`,
    params,
  );
  const fleet = await loadFleetDay(tx, shift.day);
  const lastOf = new Map<number, DayTripRow>();
  for (const t of fleet.trips) lastOf.set(t.vehicle_id, t); // ordered by sequence: the last one stays
  const vehicles: Vehicle[] = fleet.vehicles.map((v) => {
    const last = lastOf.get(v.id);
    return {
      ...v,
      availableAt: Math.max(now.getTime(), shift.start, last ? freeAfterRow(last, shift.options) : 0),
      at: last?.site_area,
      nextSequence: last ? last.sequence + 1 : 1,
    };
  });
  const passengers = waiting.rows.map((w) => toPassenger(w, now));
  const plan = planTrips(passengers, vehicles, shift.options);
  const byId = new Map(passengers.map((p) => [p.placementId, p]));
  const ids = await insertTrips(tx, shift.day, now, plan.trips, byId);
  return {
    serviceDay: shift.day,
    shift: { start: new Date(shift.start), end: new Date(shift.end) },
    passengers: passengers.length,
    trips: plan.trips.map((t, i) => ({
      ...t,
      id: ids[i] as number,
      plate: vehicles.find((v) => v.id === t.vehicleId)?.plate ?? '',
      siteName: passengers.find((p) => p.siteId === t.siteId)?.siteName ?? '',
      start: new Date(t.start),
      end: new Date(t.end),
    })),
    waiting: plan.waiting.map((w) => ({
      ...w,
      personId: passengers.find((p) => p.placementId === w.placementId)?.personId ?? null,
    })),
  };
}

export interface UrgentOutcome {
  serviceDay: string;
  inserted: {
    personIds: number[];
    kind: 'existing' | 'new';
    tripId: number;
    vehicleId: number;
    addedKm: number;
    start: Date;
    end: Date;
    reason: string;
    phrase?: readonly Phrase[];
  }[];
  waiting: { personIds: number[]; reason: string; phrase?: readonly Phrase[] }[];
}

/**
 * Inserts urgent people into the day's plan, one household at a time (the urgent person with the members of
 * their household placed with them and not yet on a trip; a severe case alone): into the planned trip of the
 * same class and site with free seats that grows the least, or as a new trip (see `insertUrgent`). Every person
 * is checked before anything is written: unknown or outside the scope → 404, not placed or already on a trip
 * → 409.
 */
export async function insertUrgentPeople(
  tx: Queryable,
  clock: Clock,
  scope: Scope,
  personIds: readonly number[],
  req: ShiftRequest = {},
): Promise<UrgentOutcome> {
  const now = clock.now();
  const shift = shiftOf(now, req);
  const wanted = [...new Set(personIds)];
  const pParams: unknown[] = [wanted];
  const people = await tx.query<{ id: number; household_id: number }>(
    `SELECT p.id, p.household_id FROM persons p WHERE p.id = ANY($1::int8[]) AND ${scopeCondition('p.area_code', scope, pParams)}`,
    pParams,
  );
  const known = new Set(people.rows.map((r) => r.id));
  const missing = wanted.filter((id) => !known.has(id));
  if (missing.length > 0)
    throw new AppError(404, 'not_found', `person(s) ${missing.join(', ')} not found`, {
      person_ids: missing,
    });
  const households = [...new Set(people.rows.map((r) => r.household_id))];
  const wParams: unknown[] = [households];
  const rows = await tx.query<WaitingRow>(
    `${WAITING_SQL} AND p.household_id = ANY($1::int8[]) AND ${scopeCondition('p.area_code', scope, wParams)}
      ORDER BY pl.id FOR UPDATE OF pl`,
    wParams,
  );
  const pending = rows.rows.map((w) => toPassenger(w, now));
  const pendingIds = new Set(pending.map((p) => p.personId));
  const notPending = wanted.filter((id) => !pendingIds.has(id));
  if (notPending.length > 0) {
    const st = await tx.query<{ person_id: number; on_trip: boolean }>(
      `SELECT pl.person_id, EXISTS (SELECT 1 FROM trip_passengers tp WHERE tp.placement_id = pl.id AND tp.status IN ('assigned', 'picked_up')) AS on_trip
         FROM placements pl WHERE pl.person_id = ANY($1::int8[]) AND pl.status = 'placed'`,
      [notPending],
    );
    const onTrip = st.rows.filter((r) => r.on_trip).map((r) => r.person_id);
    if (onTrip.length > 0)
      throw new AppError(409, 'already_on_trip', `person(s) ${onTrip.join(', ')} already on a trip`, {
        person_ids: onTrip,
      });
    throw new AppError(
      409,
      'not_placed',
      `person(s) ${notPending.join(', ')} have no placement waiting for transfer: place them first`,
      { person_ids: notPending },
    );
  }
  // Households to insert: each urgent person with their pending household members of the same class and site.
  const groups: Passenger[][] = [];
  const done = new Set<number>();
  for (const id of wanted) {
    if (done.has(id)) continue;
    const me = pending.find((p) => p.personId === id) as Passenger;
    const group =
      me.isCase && me.severe
        ? [me]
        : pending.filter(
            (p) =>
              p.householdId === me.householdId &&
              p.siteId === me.siteId &&
              p.isCase === me.isCase &&
              !(p.isCase && p.severe) &&
              !done.has(p.personId),
          );
    for (const p of group) done.add(p.personId);
    groups.push(group);
  }
  const out: UrgentOutcome = { serviceDay: shift.day, inserted: [], waiting: [] };
  const dist = new AreaKm();
  for (const group of groups) {
    const fleet = await loadFleetDay(tx, shift.day);
    const depot = new Map(fleet.vehicles.map((v) => [v.id, v.depotArea]));
    const scheduled: ScheduledTrip[] = [];
    let prev: DayTripRow | undefined;
    for (const t of fleet.trips) {
      const from =
        prev && prev.vehicle_id === t.vehicle_id ? prev.site_area : (depot.get(t.vehicle_id) as string);
      scheduled.push({
        id: t.id,
        vehicleId: t.vehicle_id,
        sequence: t.sequence,
        class: t.class,
        siteId: t.site_id,
        siteArea: t.site_area,
        status: t.status,
        passengers: t.passengers,
        stops: t.stops,
        from,
        start: t.planned_start.getTime(),
        end: (t.delivered_at ?? t.planned_end).getTime(),
        km: t.planned_km,
      });
      prev = t;
    }
    const choice = insertUrgent(group, fleet.vehicles, scheduled, shift.options, now.getTime(), dist);
    const personIds = group.map((p) => p.personId);
    if (choice.kind === 'none') {
      out.waiting.push({ personIds, reason: choice.reason, phrase: choice.phrase });
      continue;
    }
    const tripId = await applyInsertion(tx, shift.day, now, choice, group);
    out.inserted.push({
      personIds,
      kind: choice.kind,
      tripId,
      vehicleId: choice.vehicleId,
      addedKm: choice.addedKm,
      start: new Date(choice.start),
      end: new Date(choice.end),
      reason: choice.reason,
      phrase: choice.phrase,
    });
  }
  return out;
}

async function applyInsertion(
  tx: Queryable,
  day: string,
  now: Date,
  choice: Exclude<Insertion, { kind: 'none' }>,
  group: readonly Passenger[],
): Promise<number> {
  let tripId: number;
  if (choice.kind === 'existing') {
    tripId = choice.tripId;
    await tx.query(
      `UPDATE trips SET stops = $2::text[], planned_km = $3, planned_start = $4, planned_end = $5,
              reason = reason || E'\n' || $6, reason_phrase = reason_phrase || $7::jsonb
        WHERE id = $1 AND status = 'planned'`,
      [
        tripId,
        choice.stops,
        choice.km,
        new Date(choice.start),
        new Date(choice.end),
        choice.reason,
        JSON.stringify(choice.phrase ?? []),
      ],
    );
    for (const s of choice.shifted)
      await tx.query('UPDATE trips SET planned_start = $2, planned_end = $3 WHERE id = $1', [
        s.id,
        new Date(s.start),
        new Date(s.end),
      ]);
  } else {
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO trips (vehicle_id, class, site_id, reason, planned_at, needs_disinfection, service_day, sequence,
                          planned_start, planned_end, planned_km, stops, reason_phrase)
       VALUES ($1, $2, $3, $4, $5, $2 <> 'contact', $6, $7, $8, $9, $10, $11::text[], $12::jsonb) RETURNING id`,
      [
        choice.vehicleId,
        choice.class,
        (group[0] as Passenger).siteId,
        choice.reason,
        now,
        day,
        choice.sequence,
        new Date(choice.start),
        new Date(choice.end),
        choice.km,
        choice.stops,
        choice.phrase ? JSON.stringify(choice.phrase) : null,
      ],
    );
    tripId = (rows[0] as { id: number }).id;
  }
  await tx.query(
    `INSERT INTO trip_passengers (trip_id, placement_id, person_id, pickup_area_code)
     SELECT $1, * FROM unnest($2::int8[], $3::int8[], $4::text[])`,
    [tripId, group.map((p) => p.placementId), group.map((p) => p.personId), group.map((p) => p.areaCode)],
  );
  return tripId;
}

interface TripRow {
  id: number;
  vehicle_id: number;
  service_day: string;
  sequence: number;
  status: string;
  class: string;
  site_id: number;
  needs_disinfection: boolean;
  disinfected_at: Date | null;
}

async function lockTrip(tx: Queryable, id: number, scopePrefix: string): Promise<TripRow> {
  const { rows } = await tx.query<TripRow>(
    `SELECT t.id, t.vehicle_id, t.service_day, t.sequence, t.status, t.class, t.site_id, t.needs_disinfection, t.disinfected_at FROM trips t
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
  // The vehicle's trips run in the order of its day: the previous one delivered (and disinfected after cases).
  await tx.query('SELECT id FROM vehicles WHERE id = $1 FOR UPDATE', [t.vehicle_id]);
  const before = await tx.query<{
    id: number;
    sequence: number;
    service_day: string;
    status: string;
    needs_disinfection: boolean;
    disinfected_at: Date | null;
  }>(
    `SELECT id, sequence, service_day, status, needs_disinfection, disinfected_at FROM trips
      WHERE vehicle_id = $1 AND id <> $2 AND status <> 'cancelled' AND (service_day, sequence) < ($3::date, $4::int)
      ORDER BY service_day DESC, sequence DESC`,
    [t.vehicle_id, t.id, t.service_day, t.sequence],
  );
  const open = before.rows.find((b) => b.status === 'planned' || b.status === 'departed');
  if (open)
    throw new AppError(
      409,
      'previous_trip_open',
      `trip ${open.sequence} of this vehicle on ${open.service_day} (trip ${open.id}) is ${open.status}: deliver it before starting trip ${t.sequence}`,
      { trip_id: open.id },
    );
  const last = before.rows[0];
  if (last?.needs_disinfection && !last.disinfected_at)
    throw new AppError(
      409,
      'vehicle_not_disinfected',
      `the vehicle carried cases on trip ${last.id}: record its disinfection before starting trip ${t.sequence}`,
      { trip_id: last.id },
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
    // Any passenger of a trip the caller may act on (lockTrip): a vehicle's crew runs its whole manifest, whichever
    // district each pickup is in (docs/SECURITY.md, "Write scoping").
    'SELECT id, status FROM trip_passengers WHERE trip_id = $1 AND person_id = $2 FOR UPDATE',
    [tripId, personId],
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

/** A person of the day found and still not delivered once the day is over (GET /api/transfer/clocks `late`). */
/** Rows of the late list the clocks carry (the page shows them and the total; the export has every row). */
export const LATE_SHOWN = 500;

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
  const late = await lateTransfers(db, scope, day, now, { limit: LATE_SHOWN });
  const lateTotal = late.length < LATE_SHOWN ? late.length : await countLateTransfers(db, scope, day, now);
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
    /** the first LATE_SHOWN rows of the late list (oldest first); the export has them all */
    late,
    late_total: lateTotal,
  };
}

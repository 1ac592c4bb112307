/**
 * The trip list (车次) with their passengers: trips with a pickup in the scope, newest first (or, for one vehicle,
 * its days in order), keyset-paged on id for the export: one query for the page, the count and the export.
 */
import type { Queryable } from '../../db/types.ts';
import type { Phrase } from '../../domain/phrase.ts';
import type { ExportSpec } from '../../server/list-export.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';

export interface TripFilter {
  status?: 'planned' | 'departed' | 'delivered';
  vehicleId?: number;
}

export interface TripRow {
  id: number;
  vehicle_id: number;
  plate: string;
  kind: string;
  service_day: string;
  sequence: number;
  class: string;
  site_id: number;
  site: string;
  status: string;
  reason: string | null;
  /** The reason as phrases (domain/phrase.ts), one per planning step; null on trips planned before phrases. */
  reason_phrase: Phrase[] | null;
  planned_at: Date;
  planned_start: Date | null;
  planned_end: Date | null;
  planned_km: number | null;
  stops: string[] | null;
  departed_at: Date | null;
  delivered_at: Date | null;
  needs_disinfection: boolean;
  disinfected_at: Date | null;
  passengers: { person_id: number; area_code: string; status: string }[];
}

export async function listTrips(
  db: Queryable,
  scope: Scope,
  f: TripFilter,
  page: { before?: number | null; limit: number },
): Promise<TripRow[]> {
  const params: unknown[] = [f.status ?? null, f.vehicleId ?? null, page.limit, page.before ?? null];
  const { rows } = await db.query<TripRow>(
    `SELECT t.id, t.vehicle_id, v.plate, v.kind, t.service_day, t.sequence, t.class, t.site_id, s.name AS site, t.status,
            t.reason, t.reason_phrase, t.planned_at, t.planned_start, t.planned_end, t.planned_km, t.stops, t.departed_at,
            t.delivered_at, t.needs_disinfection, t.disinfected_at,
            jsonb_agg(jsonb_build_object('person_id', tp.person_id, 'area_code', tp.pickup_area_code, 'status', tp.status) ORDER BY tp.id) AS passengers
       FROM trips t JOIN vehicles v ON v.id = t.vehicle_id JOIN sites s ON s.id = t.site_id
       JOIN trip_passengers tp ON tp.trip_id = t.id
      WHERE ($1::text IS NULL OR t.status = $1) AND ($2::int8 IS NULL OR t.vehicle_id = $2)
        AND ($4::int8 IS NULL OR t.id < $4)
        -- A trip of the scope (a pickup in it) with its whole manifest: the crew runs every passenger it carries.
        AND EXISTS (SELECT 1 FROM trip_passengers sp WHERE sp.trip_id = t.id
                      AND ${scopeCondition('sp.pickup_area_code', scope, params)})
      GROUP BY t.id, v.plate, v.kind, s.name
      ORDER BY ${f.vehicleId ? 't.service_day DESC, t.sequence' : 't.id DESC'} LIMIT $3`,
    params,
  );
  return rows;
}

export interface VehicleRow {
  id: number;
  plate: string;
  kind: string;
  seats: number;
  depot_area_code: string;
  /** Trips of the vehicle not yet delivered that pick up in the scope (its driver's work still to do). */
  open_trips: number;
  departed: boolean;
}

/**
 * The vehicles a driver or dispatcher of the scope picks from: those based in it, and those with an open trip
 * picking up in it, with how many such trips are open; by plate.
 */
export async function listVehicles(db: Queryable, scope: Scope): Promise<VehicleRow[]> {
  const params: unknown[] = [];
  const depot = scopeCondition('v.depot_area_code', scope, params);
  const pickup = scopeCondition('tp.pickup_area_code', scope, params);
  const { rows } = await db.query<VehicleRow>(
    `WITH open AS (
       SELECT t.vehicle_id, count(DISTINCT t.id)::int AS open_trips, bool_or(t.status = 'departed') AS departed
         FROM trips t JOIN trip_passengers tp ON tp.trip_id = t.id
        WHERE t.status IN ('planned', 'departed') AND ${pickup}
        GROUP BY t.vehicle_id)
     SELECT v.id, v.plate, v.kind, v.seats, v.depot_area_code, coalesce(o.open_trips, 0) AS open_trips,
            coalesce(o.departed, false) AS departed
       FROM vehicles v LEFT JOIN open o ON o.vehicle_id = v.id
      WHERE ${depot} OR o.vehicle_id IS NOT NULL
      ORDER BY v.plate`,
    params,
  );
  return rows;
}

export async function countTrips(db: Queryable, scope: Scope, f: TripFilter): Promise<number> {
  const params: unknown[] = [f.status ?? null, f.vehicleId ?? null];
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM trips t
      WHERE ($1::text IS NULL OR t.status = $1) AND ($2::int8 IS NULL OR t.vehicle_id = $2)
        AND EXISTS (SELECT 1 FROM trip_passengers tp WHERE tp.trip_id = t.id
                      AND ${scopeCondition('tp.pickup_area_code', scope, params)})`,
    params,
  );
  return rows[0]?.n ?? 0;
}

export function tripExport(db: Queryable, scope: Scope, f: TripFilter): ExportSpec<TripRow> {
  return {
    name: ['转运车次', 'trips'],
    areasOf: (r) => r.stops ?? [],
    // By id, newest first, whatever the screen's order for one vehicle: every trip once.
    page: (last) =>
      listTrips(
        db,
        scope,
        { status: f.status, vehicleId: f.vehicleId },
        { before: last?.id ?? null, limit: 1000 },
      ),
    columns: [
      { header: ['车次', 'Trip'], value: (r) => r.id },
      { header: ['车牌', 'Plate'], value: (r) => r.plate },
      { header: ['车型', 'Vehicle'], value: (r, c) => c.word('vehicleKind', r.kind) },
      { header: ['服务日', 'Day'], value: (r) => String(r.service_day).slice(0, 10) },
      { header: ['趟次', 'Sequence'], value: (r) => r.sequence },
      { header: ['类别', 'Class'], value: (r, c) => c.word('tripClass', r.class) },
      { header: ['目的地', 'Destination'], value: (r) => r.site },
      { header: ['状态', 'Status'], value: (r, c) => c.word('tripStatus', r.status) },
      { header: ['乘客人数', 'Passengers'], value: (r) => r.passengers.length },
      {
        header: ['送达人数', 'Delivered'],
        value: (r) =>
          r.status === 'delivered' ? r.passengers.filter((p) => p.status === 'delivered').length : '',
      },
      {
        header: ['未接到人数', 'Not there'],
        value: (r) => r.passengers.filter((p) => p.status === 'no_show').length,
      },
      { header: ['上车点', 'Stops'], value: (r, c) => (r.stops ?? []).map((s) => c.area(s)).join(' → ') },
      { header: ['计划出发', 'Planned start'], value: (r, c) => c.time(r.planned_start) },
      { header: ['计划送达', 'Planned end'], value: (r, c) => c.time(r.planned_end) },
      {
        header: ['里程（公里）', 'km'],
        value: (r) => (r.planned_km === null ? '' : Math.round(r.planned_km * 10) / 10),
      },
      { header: ['出发时间', 'Departed'], value: (r, c) => c.time(r.departed_at) },
      { header: ['送达时间', 'Delivered'], value: (r, c) => c.time(r.delivered_at) },
      { header: ['消杀完成', 'Disinfected'], value: (r, c) => c.time(r.disinfected_at) },
    ],
  };
}

/**
 * Transport to the hospital with the transfer module's fleet (`vehicles`). The transfer module's trips carry
 * placed people to a site (a trip names a site and its passengers name placements), which a patient going to a
 * hospital is not, so a medical run is recorded on the request itself (`vehicle_id`, `vehicle_assigned_at`), not as
 * a trip. Rules: an emergency goes by ambulance (409 `ambulance_required`); a vehicle carries one patient at a time
 * and not while it is on the road for a transfer trip (409 `vehicle_busy`); the vehicle must exist (404
 * `vehicle_unknown`). The fleet is city-wide, as the transfer module plans it.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import type { Scope } from '../access/scope.ts';
import { getRequestRow, type RequestRow } from './requests.ts';
import { lockRequest, recordEvent } from './steps.ts';

export const AMBULANCES = ['ambulance', 'negative_pressure_ambulance'];

export interface FleetVehicle {
  id: number;
  plate: string;
  kind: string;
  seats: number;
  depot_area_code: string;
  busy: 'trip' | 'medical' | null;
}

const BUSY_SQL = `CASE WHEN EXISTS (SELECT 1 FROM trips t WHERE t.vehicle_id = v.id AND t.status = 'departed') THEN 'trip'
                       WHEN EXISTS (SELECT 1 FROM medical_requests m WHERE m.vehicle_id = v.id AND m.status = 'vehicle_assigned') THEN 'medical'
                  END`;

/** The fleet with what each vehicle is doing now; ambulances first. */
export async function fleet(db: Queryable, ambulancesOnly: boolean): Promise<FleetVehicle[]> {
  const { rows } = await db.query<FleetVehicle>(
    `SELECT v.id, v.plate, v.kind, v.seats, v.depot_area_code, ${BUSY_SQL} AS busy FROM vehicles v
      WHERE NOT $1 OR v.kind = ANY($2::text[])
      ORDER BY (v.kind = ANY($2::text[])) DESC, v.id`,
    [ambulancesOnly, AMBULANCES],
  );
  return rows;
}

export async function assignVehicle(
  tx: Queryable,
  clock: Clock,
  id: number,
  vehicleId: number,
  scope: Scope,
): Promise<{ request: RequestRow; already: boolean }> {
  const r = await lockRequest(tx, id, scope);
  if (r.status === 'vehicle_assigned' && r.vehicle_id === vehicleId) return { request: r, already: true };
  if (r.status !== 'routed')
    throw new AppError(
      409,
      'step_out_of_order',
      `request ${id} is ${r.status}: a vehicle is assigned to a routed request`,
      { status: r.status, step: 'vehicle_assigned' },
    );
  const { rows } = await tx.query<FleetVehicle>(
    `SELECT v.id, v.plate, v.kind, v.seats, v.depot_area_code, ${BUSY_SQL} AS busy FROM vehicles v WHERE v.id = $1 FOR UPDATE`,
    [vehicleId],
  );
  const v = rows[0];
  if (!v) throw new AppError(404, 'vehicle_unknown', `vehicle ${vehicleId} was not found`);
  if (r.urgency === 'emergency' && !AMBULANCES.includes(v.kind))
    throw new AppError(
      409,
      'ambulance_required',
      `request ${id} is an emergency: it goes by ambulance, and ${v.plate} is a ${v.kind}`,
      { kind: v.kind },
    );
  if (v.busy)
    throw new AppError(
      409,
      'vehicle_busy',
      `${v.plate} is ${v.busy === 'trip' ? 'on the road for a transfer trip' : 'carrying another patient'}`,
      { busy: v.busy },
    );
  const now = clock.now();
  await tx.query(
    `UPDATE medical_requests SET status = 'vehicle_assigned', vehicle_id = $2, vehicle_assigned_at = $3, last_step_at = $3
      WHERE id = $1`,
    [id, vehicleId, now],
  );
  await recordEvent(tx, 'medical.vehicle_assigned', r, now, { vehicle_id: vehicleId });
  return { request: await getRequestRow(tx, id), already: false };
}

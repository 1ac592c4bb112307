/**
 * Routing a request (and rerouting it after a refusal) to a hospital: the pure rules of domain/medical-routing.ts
 * over the hospitals and what each has left for the service on the day (Beijing time). The hospitals of the
 * patient's colour are locked while the choice is made and written, so two requests routed at once never take the
 * same last place. A hospital chosen by hand goes through the same rules; a wrong one is refused with the rule it
 * breaks (409 `hospital_wrong_colour`, `hospital_no_service`, `hospital_full`, `hospital_refused_before`,
 * `hospital_inactive`); with none adequate, 409 `no_adequate_hospital` with the reason, and nothing is written.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { checkChosenHospital, chooseHospital, type HospitalOption } from '../../domain/medical-routing.ts';
import { AppError } from '../../lib/errors.ts';
import type { Scope } from '../access/scope.ts';
import { getRequestRow, type RequestRow } from './requests.ts';
import { lockRequest, recordEvent } from './steps.ts';
import { beijingDay } from './time.ts';

export async function routeRequest(
  tx: Queryable,
  clock: Clock,
  id: number,
  hospitalId: number | undefined,
  by: string,
  scope: Scope,
): Promise<{ request: RequestRow; already: boolean }> {
  const r = await lockRequest(tx, id, scope);
  if (hospitalId !== undefined && r.status === 'routed' && r.hospital_id === hospitalId)
    return { request: r, already: true };
  if (r.status !== 'requested' && r.status !== 'refused')
    throw new AppError(
      409,
      'request_not_routable',
      `request ${id} is ${r.status}: only a new or refused request is routed`,
      { status: r.status },
    );
  const now = clock.now();
  const day = beijingDay(now);
  const { rows } = await tx.query<HospitalOption & { name: string }>(
    `SELECT h.id, h.name, h.area_code, h.code_colour, h.active, s.daily_capacity AS capacity,
            (SELECT count(*)::int FROM medical_requests m
              WHERE m.hospital_id = h.id AND m.service = $2 AND m.service_day = $3::date AND m.status <> 'refused') AS used
       FROM hospitals h LEFT JOIN hospital_services s ON s.hospital_id = h.id AND s.service = $2
      WHERE h.code_colour = $1 OR h.id = $4
      ORDER BY h.id FOR UPDATE OF h`,
    [r.code_colour, r.service, day, hospitalId ?? null],
  );
  const options = rows.map((h) => ({ ...h, capacity: h.capacity ?? undefined }));
  const refused = await tx.query<{ hospital_id: number }>(
    'SELECT DISTINCT hospital_id FROM medical_refusals WHERE request_id = $1',
    [id],
  );
  const ask = {
    area_code: r.area_code,
    code_colour: r.code_colour,
    service: r.service,
    refused_by: refused.rows.map((x) => x.hospital_id),
  };
  let chosen: number;
  let reason: { code: string; params: Record<string, string | number> };
  if (hospitalId !== undefined) {
    const h = options.find((o) => o.id === hospitalId);
    if (!h) throw new AppError(404, 'hospital_unknown', `hospital ${hospitalId} was not found`);
    const c = checkChosenHospital(ask, h);
    if (!c.ok)
      throw new AppError(
        409,
        `hospital_${c.verdict}`,
        `hospital ${hospitalId} cannot take this request: ${c.verdict.replaceAll('_', ' ')} (a ${r.code_colour}-code patient, ${r.service})`,
        { hospital_id: hospitalId, colour: h.code_colour, patient_colour: r.code_colour, service: r.service },
      );
    chosen = hospitalId;
    reason = c.reason;
  } else {
    const c = chooseHospital(ask, options);
    if (!c.ok)
      throw new AppError(
        409,
        'no_adequate_hospital',
        `no hospital can take request ${id} today: ${c.reason.code.replaceAll('_', ' ')} (a ${r.code_colour}-code patient, ${r.service}); set a hospital's colour or capacity, or raise it to the command`,
        { reason: c.reason },
      );
    chosen = c.hospital_id;
    reason = c.reason;
  }
  const rerouted = r.status === 'refused';
  await tx.query(
    `UPDATE medical_requests SET status = 'routed', hospital_id = $2, service_day = $3::date, route_reason = $4::jsonb,
            routed_by = $5, routed_at = $6, last_step_at = $6, reroutes = reroutes + $7
      WHERE id = $1`,
    [id, chosen, day, JSON.stringify(reason), by, now, rerouted ? 1 : 0],
  );
  if (rerouted)
    // The refusal's item is met: the patient has a hospital again.
    await tx.query(
      `UPDATE tasks SET status = 'done', done_at = $2
        WHERE kind = 'medical_refusal' AND status = 'open' AND (details ->> 'request_id')::int8 = $1`,
      [id, now],
    );
  await recordEvent(tx, rerouted ? 'medical.rerouted' : 'medical.routed', r, now, {
    hospital_id: chosen,
    reason: reason.code,
  });
  return { request: await getRequestRow(tx, id), already: false };
}

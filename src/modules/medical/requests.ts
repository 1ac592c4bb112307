/**
 * Filing a request for care (就医). Who may ask: a person under control — in quarantine (an open stay), at home under
 * an active home stay, or living in a lockdown or control zone (the zones module's overlap rule: the strongest active
 * zone containing their home). Anyone else asks through the ordinary channels: 409 `not_under_control`. The
 * requester's health-code colour is derived then (domain/medical-routing.ts `underControl`) and kept on the request.
 *
 * A request names a person of the caller's jurisdiction (404 `person_unknown` otherwise, as for an unknown id: the
 * answer never tells who lives elsewhere) and a contact phone (400 `contact_required`, `contact_phone_invalid`).
 * The idempotency key makes a retry answer the request already filed (`duplicate: true`) and count once; the same
 * key for another person or service is 409 `idempotency_key_reused`.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import {
  type CodeColour,
  type MedicalService,
  type Reason,
  underControl,
} from '../../domain/medical-routing.ts';
import { AppError } from '../../lib/errors.ts';
import { personsInScope, type Scope } from '../access/scope.ts';
import { effectiveZone, ZONE_RANK } from '../command/zones.ts';
import { riskJoin, riskOf } from '../registry/risk.ts';

export const URGENCIES = ['emergency', 'urgent', 'routine'] as const;
export type Urgency = (typeof URGENCIES)[number];
export const REQUEST_STATUSES = [
  'requested',
  'routed',
  'vehicle_assigned',
  'at_hospital',
  'treated',
  'refused',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export interface RequestRow {
  id: number;
  idempotency_key: string;
  person_id: number;
  area_code: string;
  service: MedicalService;
  urgency: Urgency;
  contact_phone: string;
  note: string;
  code_colour: CodeColour;
  basis: string;
  colour_reason: Reason;
  status: RequestStatus;
  hospital_id: number | null;
  service_day: string | null;
  route_reason: Reason | null;
  routed_by: string | null;
  vehicle_id: number | null;
  requested_by: string;
  requested_at: Date;
  routed_at: Date | null;
  vehicle_assigned_at: Date | null;
  at_hospital_at: Date | null;
  treated_at: Date | null;
  refused_at: Date | null;
  last_step_at: Date;
  reroutes: number;
}

/** The columns of a request, with the service day as text (the same on both backends). */
export const REQUEST_COLUMNS = `r.id, r.idempotency_key, r.person_id, r.area_code, r.service, r.urgency, r.contact_phone, r.note,
  r.code_colour, r.basis, r.colour_reason, r.status, r.hospital_id, r.service_day::text AS service_day, r.route_reason,
  r.routed_by, r.vehicle_id, r.requested_by, r.requested_at, r.routed_at, r.vehicle_assigned_at, r.at_hospital_at,
  r.treated_at, r.refused_at, r.last_step_at, r.reroutes`;

export interface RequestInput {
  key: string;
  personId: number;
  service: MedicalService;
  urgency: Urgency;
  contactPhone: string | undefined;
  note: string;
}

/** A phone as typed: spaces and dashes between digit groups dropped; null when it is no phone number. */
export function normalisePhone(raw: string): string | null {
  const p = raw.normalize('NFKC').replace(/[\s()-]/g, '');
  return /^\+?[0-9]{5,19}$/.test(p) ? p : null;
}

/** Whether and how a person is under control now (their colour and why), from the registry, stays and zones. */
export async function controlOf(tx: Queryable, personId: number) {
  const { rows } = await tx.query<{
    area_code: string;
    risk_status: string;
    health_code: CodeColour;
    stay_category: 'case' | 'close' | 'secondary' | null;
    at_home_stay: boolean;
  }>(
    `SELECT p.area_code, ${riskOf('p')} AS risk_status, p.health_code,
            (SELECT pl.category FROM placements pl WHERE pl.person_id = p.id AND pl.status IN ('placed', 'arrived') LIMIT 1) AS stay_category,
            EXISTS (SELECT 1 FROM home_stays h WHERE h.person_id = p.id AND h.status = 'active') AS at_home_stay
       FROM persons p ${riskJoin('p')} WHERE p.id = $1`,
    [personId],
  );
  const p = rows[0];
  if (!p) return null;
  const zone = await effectiveZone(tx, p.area_code);
  return underControl({
    risk_status: p.risk_status,
    health_code: p.health_code,
    zone_rank: zone ? ZONE_RANK[zone.level] : 0,
    stay_category: p.stay_category,
    at_home_stay: p.at_home_stay,
  });
}

export async function createRequest(
  tx: Queryable,
  clock: Clock,
  input: RequestInput,
  by: string,
  scope: Scope,
): Promise<{ request: RequestRow; duplicate: boolean }> {
  const phoneRaw = input.contactPhone?.trim() ?? '';
  if (phoneRaw === '')
    throw new AppError(
      400,
      'contact_required',
      'a request for care needs a contact phone: the hospital and the driver must reach the patient or their family',
    );
  const phone = normalisePhone(phoneRaw);
  if (!phone)
    throw new AppError(
      400,
      'contact_phone_invalid',
      'the contact phone is not a phone number (5 to 19 digits)',
    );
  // A retry: the request filed under this key, if it is the same request.
  const known = await tx.query<RequestRow>(
    `SELECT ${REQUEST_COLUMNS} FROM medical_requests r WHERE r.idempotency_key = $1`,
    [input.key],
  );
  const prior = known.rows[0];
  if (prior) return { request: sameRequest(prior, input, scope), duplicate: true };
  const inScope = await personsInScope(tx, [input.personId], scope);
  const area = inScope.get(input.personId);
  if (area === undefined)
    throw new AppError(404, 'person_unknown', `no person ${input.personId} in your jurisdiction`);
  const control = await controlOf(tx, input.personId);
  if (!control)
    throw new AppError(
      409,
      'not_under_control',
      `person ${input.personId} is not in quarantine and does not live in a lockdown or control zone: they seek care through the ordinary channels`,
    );
  const now = clock.now();
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO medical_requests (idempotency_key, person_id, area_code, service, urgency, contact_phone, note,
                                   code_colour, basis, colour_reason, requested_by, requested_at, last_step_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $12)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    [
      input.key,
      input.personId,
      area,
      input.service,
      input.urgency,
      phone,
      input.note,
      control.colour,
      control.basis,
      JSON.stringify(control.reason),
      by,
      now,
    ],
  );
  const id = rows[0]?.id;
  if (id === undefined) {
    // The same key committed by a concurrent copy of this request in the meantime.
    const again = await tx.query<RequestRow>(
      `SELECT ${REQUEST_COLUMNS} FROM medical_requests r WHERE r.idempotency_key = $1`,
      [input.key],
    );
    return { request: sameRequest(again.rows[0] as RequestRow, input, scope), duplicate: true };
  }
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
     VALUES ('medical.requested', 'medical_request', $1, $2, $3, $4::jsonb)`,
    [
      id,
      area,
      now,
      JSON.stringify({ service: input.service, urgency: input.urgency, colour: control.colour }),
    ],
  );
  return { request: await getRequestRow(tx, id), duplicate: false };
}

function sameRequest(prior: RequestRow, input: RequestInput, scope: Scope): RequestRow {
  if (
    !prior.area_code.startsWith(scope.prefix) ||
    prior.person_id !== input.personId ||
    prior.service !== input.service ||
    prior.urgency !== input.urgency
  )
    throw new AppError(
      409,
      'idempotency_key_reused',
      `key ${input.key} was used for another request; a new request needs a new key`,
    );
  return prior;
}

export async function getRequestRow(tx: Queryable, id: number): Promise<RequestRow> {
  const { rows } = await tx.query<RequestRow>(
    `SELECT ${REQUEST_COLUMNS} FROM medical_requests r WHERE r.id = $1`,
    [id],
  );
  return rows[0] as RequestRow;
}

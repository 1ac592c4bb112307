/**
 * Requests as the API shows them: the person by name with the ID number and the contact phone masked (as the
 * registry's person list shows people), each step's time, the hospital and vehicle, and the refusals. Scoped to the
 * caller's jurisdiction in SQL; one request outside it answers 404.
 */
import type { Queryable } from '../../db/types.ts';
import { maskIdNumber, maskPhone } from '../../domain/id-number.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { REQUEST_COLUMNS, type RequestRow } from './requests.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentRequest(
  r: RequestRow & {
    person_name?: string | null;
    id_number?: string | null;
    hospital_name?: string | null;
    plate?: string | null;
  },
) {
  return {
    id: r.id,
    person_id: r.person_id,
    person_name: r.person_name ?? null,
    id_number: r.id_number ? maskIdNumber(r.id_number) : null,
    area_code: r.area_code,
    service: r.service,
    urgency: r.urgency,
    contact_phone: maskPhone(r.contact_phone),
    note: r.note,
    code_colour: r.code_colour,
    basis: r.basis,
    colour_reason: r.colour_reason,
    status: r.status,
    hospital_id: r.hospital_id,
    hospital_name: r.hospital_name ?? null,
    service_day: r.service_day,
    route_reason: r.route_reason,
    vehicle_id: r.vehicle_id,
    plate: r.plate ?? null,
    requested_by: r.requested_by,
    requested_at: r.requested_at.toISOString(),
    routed_at: iso(r.routed_at),
    vehicle_assigned_at: iso(r.vehicle_assigned_at),
    at_hospital_at: iso(r.at_hospital_at),
    treated_at: iso(r.treated_at),
    refused_at: iso(r.refused_at),
    last_step_at: r.last_step_at.toISOString(),
    reroutes: r.reroutes,
  };
}
export type RequestView = ReturnType<typeof presentRequest>;

export interface RequestFilter {
  status?: string | undefined;
  urgency?: string | undefined;
  open?: boolean | undefined;
}

const JOINED = `SELECT ${REQUEST_COLUMNS}, p.name AS person_name, p.id_number, h.name AS hospital_name, v.plate
  FROM medical_requests r JOIN persons p ON p.id = r.person_id
  LEFT JOIN hospitals h ON h.id = r.hospital_id LEFT JOIN vehicles v ON v.id = r.vehicle_id`;

function where(scope: Scope, f: RequestFilter, params: unknown[]): string {
  const w = [scopeCondition('r.area_code', scope, params)];
  if (f.status) {
    params.push(f.status);
    w.push(`r.status = $${params.length}`);
  }
  if (f.urgency) {
    params.push(f.urgency);
    w.push(`r.urgency = $${params.length}`);
  }
  if (f.open) w.push(`r.status <> 'treated'`);
  return w.join(' AND ');
}

/** Newest first, keyset by id. */
export async function listRequests(
  db: Queryable,
  scope: Scope,
  f: RequestFilter,
  page: { before?: number | undefined; limit: number },
): Promise<RequestView[]> {
  const params: unknown[] = [];
  const w = where(scope, f, params);
  params.push(page.before ?? Number.MAX_SAFE_INTEGER, page.limit);
  const { rows } = await db.query<Parameters<typeof presentRequest>[0]>(
    `${JOINED} WHERE ${w} AND r.id < $${params.length - 1} ORDER BY r.id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(presentRequest);
}

export async function countRequests(db: Queryable, scope: Scope, f: RequestFilter): Promise<number> {
  const params: unknown[] = [];
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM medical_requests r WHERE ${where(scope, f, params)}`,
    params,
  );
  return Number(rows[0]?.n ?? 0);
}

export async function getRequest(db: Queryable, scope: Scope, id: number) {
  const params: unknown[] = [id];
  const { rows } = await db.query<Parameters<typeof presentRequest>[0]>(
    `${JOINED} WHERE r.id = $1 AND ${scopeCondition('r.area_code', scope, params)}`,
    params,
  );
  const r = rows[0];
  if (!r) throw new AppError(404, 'not_found', `request ${id} was not found`);
  const refusals = await db.query<{
    id: number;
    hospital_id: number;
    hospital_name: string;
    step: string;
    reason: string;
    refused_by: string;
    /** Who recorded it by their name (the account's display name; the recorded name when no account has it). */
    refused_by_name: string;
    refused_at: Date;
  }>(
    `SELECT f.id, f.hospital_id, h.name AS hospital_name, f.step, f.reason, f.refused_by,
            coalesce(u.display_name, f.refused_by) AS refused_by_name, f.refused_at
       FROM medical_refusals f JOIN hospitals h ON h.id = f.hospital_id
            LEFT JOIN users u ON u.username = f.refused_by
      WHERE f.request_id = $1 ORDER BY f.id`,
    [id],
  );
  return {
    ...presentRequest(r),
    refusals: refusals.rows.map((x) => ({ ...x, refused_at: x.refused_at.toISOString() })),
  };
}

/** The refusals of a scope (newest first), for the page's list. */
export async function listRefusals(db: Queryable, scope: Scope, limit: number) {
  const params: unknown[] = [];
  const { rows } = await db.query<{
    id: number;
    request_id: number;
    person_id: number;
    area_code: string;
    hospital_id: number;
    hospital_name: string;
    step: string;
    reason: string;
    refused_by: string;
    /** Who recorded it by their name (the account's display name; the recorded name when no account has it). */
    refused_by_name: string;
    refused_at: Date;
  }>(
    `SELECT f.id, f.request_id, r.person_id, r.area_code, f.hospital_id, h.name AS hospital_name, f.step, f.reason,
            f.refused_by, coalesce(u.display_name, f.refused_by) AS refused_by_name, f.refused_at
       FROM medical_refusals f JOIN medical_requests r ON r.id = f.request_id JOIN hospitals h ON h.id = f.hospital_id
            LEFT JOIN users u ON u.username = f.refused_by
      WHERE ${scopeCondition('r.area_code', scope, params)} ORDER BY f.id DESC LIMIT ${Math.floor(limit)}`,
    params,
  );
  return rows.map((x) => ({ ...x, refused_at: x.refused_at.toISOString() }));
}

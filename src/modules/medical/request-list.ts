/**
 * Requests as the API shows them: the person by name with the ID number and the contact phone masked (as the
 * registry's person list shows people), each step's time, the hospital and vehicle, and the refusals. Scoped to the
 * caller's jurisdiction in SQL; one request outside it answers 404. One query for the page (keyset on the id,
 * newest first) and the export, so both hold the same rows with the same masks; the export never cuts.
 */
import type { Queryable } from '../../db/types.ts';
import { maskIdNumber, maskPhone } from '../../domain/id-number.ts';
import { AppError } from '../../lib/errors.ts';
import type { ExportSpec } from '../../server/list-export.ts';
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

/** Newest first, keyset by id: `after` is the last id of the page before (the rows after it have smaller ids). */
export async function listRequests(
  db: Queryable,
  scope: Scope,
  f: RequestFilter,
  page: { after?: number | undefined; limit: number },
): Promise<RequestView[]> {
  const params: unknown[] = [];
  const w = where(scope, f, params);
  params.push(page.after ?? Number.MAX_SAFE_INTEGER, page.limit);
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

const PAGE = 2_000;

/** Every request of the filters (newest first), as the list shows them, in words: CSV or Excel. */
export function requestExport(db: Queryable, scope: Scope, f: RequestFilter): ExportSpec<RequestView> {
  return {
    name: ['就医申请', 'requests for care'],
    areasOf: (r) => [r.area_code],
    columns: [
      { header: ['申请编号', 'Request'], value: (r) => r.id },
      { header: ['患者', 'Patient'], value: (r) => r.person_name },
      { header: ['身份证号', 'ID number'], value: (r) => r.id_number },
      { header: ['所在区域', 'Area'], value: (r, c) => c.area(r.area_code) },
      { header: ['诊疗服务', 'Service'], value: (r, c) => c.word('medicalService', r.service) },
      { header: ['紧急程度', 'Urgency'], value: (r, c) => c.word('medicalUrgency', r.urgency) },
      { header: ['健康码', 'Health code'], value: (r, c) => c.word('medicalColour', r.code_colour) },
      { header: ['码色依据', 'Colour basis'], value: (r, c) => c.word('medicalBasis', r.basis) },
      { header: ['状态', 'Status'], value: (r, c) => c.word('medicalStatus', r.status) },
      { header: ['医院', 'Hospital'], value: (r) => r.hospital_name },
      { header: ['车辆', 'Vehicle'], value: (r) => r.plate },
      { header: ['联系电话', 'Contact phone'], value: (r) => r.contact_phone },
      { header: ['申请时间', 'Asked at'], value: (r, c) => c.time(r.requested_at) },
      { header: ['派院时间', 'Routed at'], value: (r, c) => c.time(r.routed_at) },
      { header: ['派车时间', 'Vehicle at'], value: (r, c) => c.time(r.vehicle_assigned_at) },
      { header: ['到院时间', 'At hospital at'], value: (r, c) => c.time(r.at_hospital_at) },
      { header: ['诊治时间', 'Treated at'], value: (r, c) => c.time(r.treated_at) },
      { header: ['拒诊时间', 'Refused at'], value: (r, c) => c.time(r.refused_at) },
      { header: ['改派次数', 'Reroutes'], value: (r) => r.reroutes },
      { header: ['备注', 'Note'], value: (r) => r.note },
    ],
    page: (last) => listRequests(db, scope, f, { after: last?.id, limit: PAGE }),
  };
}

export interface RefusalView {
  id: number;
  request_id: number;
  person_id: number;
  /** Only for those who may read people (the export; the page names people through the audited names). */
  person_name?: string | null;
  area_code: string;
  hospital_id: number;
  hospital_name: string;
  step: string;
  reason: string;
  refused_by: string;
  /** Who recorded it by their name (the account's display name; the recorded name when no account has it). */
  refused_by_name: string;
  refused_at: string;
}

/** The refusals of a scope (newest first, keyset by id as the requests), for the page's list and the export. */
export async function listRefusals(
  db: Queryable,
  scope: Scope,
  o: { after?: number | undefined; limit: number; names?: boolean },
): Promise<RefusalView[]> {
  const params: unknown[] = [o.after ?? Number.MAX_SAFE_INTEGER, o.limit, o.names === true];
  const { rows } = await db.query<Omit<RefusalView, 'refused_at'> & { refused_at: Date }>(
    `SELECT f.id, f.request_id, r.person_id, CASE WHEN $3 THEN p.name END AS person_name, r.area_code,
            f.hospital_id, h.name AS hospital_name, f.step, f.reason,
            f.refused_by, coalesce(u.display_name, f.refused_by) AS refused_by_name, f.refused_at
       FROM medical_refusals f JOIN medical_requests r ON r.id = f.request_id JOIN hospitals h ON h.id = f.hospital_id
            JOIN persons p ON p.id = r.person_id LEFT JOIN users u ON u.username = f.refused_by
      WHERE f.id < $1 AND ${scopeCondition('r.area_code', scope, params)} ORDER BY f.id DESC LIMIT $2`,
    params,
  );
  return rows.map(({ person_name, ...x }) => ({
    ...x,
    id: Number(x.id),
    request_id: Number(x.request_id),
    person_id: Number(x.person_id),
    hospital_id: Number(x.hospital_id),
    ...(o.names ? { person_name } : {}),
    refused_at: x.refused_at.toISOString(),
  }));
}

export async function countRefusals(db: Queryable, scope: Scope): Promise<number> {
  const params: unknown[] = [];
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM medical_refusals f JOIN medical_requests r ON r.id = f.request_id
      WHERE ${scopeCondition('r.area_code', scope, params)}`,
    params,
  );
  return Number(rows[0]?.n ?? 0);
}

/** Every refusal of the scope (newest first), in words; the patient's name only for those who may read people. */
export function refusalExport(db: Queryable, scope: Scope, names: boolean): ExportSpec<RefusalView> {
  return {
    name: ['拒诊记录', 'refusals'],
    areasOf: (r) => [r.area_code],
    columns: [
      { header: ['时间', 'At'], value: (r, c) => c.time(r.refused_at) },
      { header: ['申请编号', 'Request'], value: (r) => r.request_id },
      { header: ['人员编号', 'Person'], value: (r) => r.person_id },
      ...(names ? [{ header: ['患者', 'Patient'] as const, value: (r: RefusalView) => r.person_name }] : []),
      { header: ['所在区域', 'Area'], value: (r, c) => c.area(r.area_code) },
      { header: ['拒诊医院', 'Hospital'], value: (r) => r.hospital_name },
      { header: ['拒诊环节', 'Step'], value: (r, c) => c.word('medicalStatus', r.step) },
      { header: ['理由', 'Reason'], value: (r) => r.reason },
      { header: ['登记人', 'Recorded by'], value: (r) => r.refused_by_name },
    ],
    page: (last) => listRefusals(db, scope, { after: last?.id, limit: PAGE, names }),
  };
}

/**
 * Requests and deliveries as the API shows them: a household's person by masked name (张*), items, each step's time,
 * the delivery and its depot. Scoped to the caller's jurisdiction in SQL; one outside answers 404.
 */
import type { Queryable } from '../../db/types.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { maskName } from '../isolation/self-report.ts';
import { itemsOf, type RequestItem, type RequestRow } from './requests.ts';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

type Joined = RequestRow & {
  person_name?: string | null;
  area_name?: string | null;
  depot_name?: string | null;
  dispatched_at?: Date | null;
  at_gate_at?: Date | null;
};

export function presentRequest(r: Joined, items: RequestItem[], now: Date) {
  return {
    id: Number(r.id),
    requester: r.requester,
    person_id: r.person_id === null ? null : Number(r.person_id),
    person_name: r.person_name ? maskName(r.person_name) : null,
    household_id: r.household_id === null ? null : Number(r.household_id),
    area_code: r.area_code,
    area_name: r.area_name ?? null,
    zone_level: r.zone_level,
    deliver_to: r.deliver_to,
    urgency: r.urgency,
    note: r.note,
    status: r.status,
    items,
    delivery_id: r.delivery_id === null ? null : Number(r.delivery_id),
    depot_name: r.depot_name ?? null,
    requested_by: r.requested_by,
    requested_at: r.requested_at.toISOString(),
    due_at: r.due_at.toISOString(),
    dispatched_at: iso(r.dispatched_at),
    at_gate_at: iso(r.at_gate_at),
    handed_at: iso(r.handed_at),
    handed_worker: r.handed_worker,
    handed_worker_kind: r.handed_worker_kind,
    late: r.status !== 'handed' && r.due_at.getTime() <= now.getTime(),
    short: items.reduce((n, i) => n + ((i as RequestItem & { short?: number }).short ?? 0), 0),
  };
}
export type RequestView = ReturnType<typeof presentRequest>;

const JOINED = `SELECT r.*, p.name AS person_name, a.name AS area_name, dp.name AS depot_name,
       d.dispatched_at, d.at_gate_at
  FROM supply_requests r LEFT JOIN persons p ON p.id = r.person_id
  LEFT JOIN areas a ON a.code = r.area_code
  LEFT JOIN supply_deliveries d ON d.id = r.delivery_id LEFT JOIN supply_depots dp ON dp.id = d.depot_id`;

export interface RequestFilter {
  status?: string | undefined;
  open?: boolean | undefined;
  late?: boolean | undefined;
}

function where(scope: Scope, f: RequestFilter, params: unknown[], now: Date): string {
  const w = [scopeCondition('r.area_code', scope, params)];
  if (f.status) {
    params.push(f.status);
    w.push(`r.status = $${params.length}`);
  }
  if (f.open) w.push(`r.status <> 'handed'`);
  if (f.late) {
    params.push(now);
    w.push(`r.status <> 'handed' AND r.due_at <= $${params.length}`);
  }
  return w.join(' AND ');
}

async function withItems(db: Queryable, rows: Joined[], now: Date) {
  const ids = rows.map((r) => Number(r.id));
  const items = await itemsOf(db, ids);
  const shorts = new Map<string, number>();
  if (ids.length > 0) {
    const s = await db.query<{ request_id: number; category: string; short_quantity: number }>(
      'SELECT request_id, category, short_quantity FROM supply_request_items WHERE request_id = ANY($1::int8[]) AND short_quantity > 0',
      [ids],
    );
    for (const x of s.rows) shorts.set(`${x.request_id}|${x.category}`, Number(x.short_quantity));
  }
  return rows.map((r) =>
    presentRequest(
      r,
      (items.get(Number(r.id)) ?? []).map((i) => ({ ...i, short: shorts.get(`${r.id}|${i.category}`) ?? 0 })),
      now,
    ),
  );
}

/** Newest first, keyset by id. */
export async function listRequests(
  db: Queryable,
  scope: Scope,
  f: RequestFilter,
  page: { before?: number | undefined; limit: number },
  now: Date,
): Promise<RequestView[]> {
  const params: unknown[] = [];
  const w = where(scope, f, params, now);
  params.push(page.before ?? Number.MAX_SAFE_INTEGER, page.limit);
  const { rows } = await db.query<Joined>(
    `${JOINED} WHERE ${w} AND r.id < $${params.length - 1} ORDER BY r.id DESC LIMIT $${params.length}`,
    params,
  );
  return withItems(db, rows, now);
}

export async function countRequests(
  db: Queryable,
  scope: Scope,
  f: RequestFilter,
  now: Date,
): Promise<number> {
  const params: unknown[] = [];
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM supply_requests r WHERE ${where(scope, f, params, now)}`,
    params,
  );
  return Number(rows[0]?.n ?? 0);
}

export async function getRequest(db: Queryable, scope: Scope, id: number, now: Date) {
  const params: unknown[] = [id];
  const { rows } = await db.query<Joined>(
    `${JOINED} WHERE r.id = $1 AND ${scopeCondition('r.area_code', scope, params)}`,
    params,
  );
  const r = rows[0];
  if (!r) throw new AppError(404, 'not_found', `supplies request ${id} was not found`);
  return (await withItems(db, [r], now))[0] as RequestView;
}

/** Deliveries of the scope, newest first, with their depot, compound, requests and steps. */
export async function listDeliveries(db: Queryable, scope: Scope, limit: number) {
  const params: unknown[] = [];
  const { rows } = await db.query<{
    id: number;
    depot_id: number;
    depot_name: string;
    area_code: string;
    area_name: string | null;
    status: string;
    planned_by: string;
    planned_at: Date;
    dispatched_at: Date | null;
    at_gate_at: Date | null;
    handed_at: Date | null;
    requests: number;
    handed: number;
    workers: string | null;
  }>(
    `SELECT d.id, d.depot_id, dp.name AS depot_name, d.area_code, a.name AS area_name, d.status, d.planned_by,
            d.planned_at, d.dispatched_at, d.at_gate_at, d.handed_at,
            (SELECT count(*)::int FROM supply_requests r WHERE r.delivery_id = d.id) AS requests,
            (SELECT count(*)::int FROM supply_requests r WHERE r.delivery_id = d.id AND r.status = 'handed') AS handed,
            (SELECT string_agg(DISTINCT s.worker, '、') FROM supply_delivery_steps s WHERE s.delivery_id = d.id AND s.worker <> '') AS workers
       FROM supply_deliveries d JOIN supply_depots dp ON dp.id = d.depot_id LEFT JOIN areas a ON a.code = d.area_code
      WHERE ${scopeCondition('d.area_code', scope, params)} ORDER BY d.id DESC LIMIT ${Math.floor(limit)}`,
    params,
  );
  return rows.map((d) => ({
    ...d,
    id: Number(d.id),
    depot_id: Number(d.depot_id),
    planned_at: d.planned_at.toISOString(),
    dispatched_at: iso(d.dispatched_at),
    at_gate_at: iso(d.at_gate_at),
    handed_at: iso(d.handed_at),
  }));
}

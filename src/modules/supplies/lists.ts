/**
 * Requests and deliveries as the API shows them: a household's person by masked name (张*), items, each step's time,
 * the delivery and its depot. Scoped to the caller's jurisdiction in SQL; one outside answers 404. One query for a
 * list's page (keyset on the id, newest first) and its export, so both hold the same rows with the same masks; the
 * export never cuts.
 */
import type { Queryable } from '../../db/types.ts';
import { AppError } from '../../lib/errors.ts';
import type { ExportSpec } from '../../server/list-export.ts';
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

/** An item as the lists show it: with the packs the depots cannot cover now. */
export type ListedItem = RequestItem & { short: number };

export function presentRequest(r: Joined, items: ListedItem[], now: Date) {
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

/** Newest first, keyset by id: `after` is the last id of the page before (the rows after it have smaller ids). */
export async function listRequests(
  db: Queryable,
  scope: Scope,
  f: RequestFilter,
  page: { after?: number | undefined; limit: number },
  now: Date,
): Promise<RequestView[]> {
  const params: unknown[] = [];
  const w = where(scope, f, params, now);
  params.push(page.after ?? Number.MAX_SAFE_INTEGER, page.limit);
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

const PAGE = 2_000;

/**
 * Every request of the filters (newest first), as the list shows them, in words: CSV or Excel. `now` is the moment
 * of the export (lateness is as of then, for every page).
 */
export function requestExport(
  db: Queryable,
  scope: Scope,
  f: RequestFilter,
  now: Date,
): ExportSpec<RequestView> {
  const sep = (lang: string) => (lang === 'zh' ? '、' : ', ');
  return {
    name: ['保供需求', 'supplies requests'],
    areasOf: (r) => [r.area_code],
    columns: [
      { header: ['需求编号', 'Request'], value: (r) => r.id },
      { header: ['需求方', 'Requester'], value: (r, c) => c.word('supplyRequester', r.requester) },
      { header: ['居民', 'Resident'], value: (r) => r.person_name },
      { header: ['所在区域', 'Area'], value: (r, c) => c.area(r.area_code) },
      { header: ['管控类别', 'Zone'], value: (r, c) => c.word('supplyZone', r.zone_level) },
      { header: ['交付方式', 'Delivery'], value: (r, c) => c.word('supplyDeliverTo', r.deliver_to) },
      {
        header: ['物资', 'Items'],
        value: (r, c) =>
          r.items
            .map((i) =>
              c.lang === 'zh'
                ? `${c.word('supplyCategory', i.category)}${i.quantity}份${i.detail ? `（${i.detail}）` : ''}`
                : `${c.word('supplyCategory', i.category)} ${i.quantity}${i.detail ? ` (${i.detail})` : ''}`,
            )
            .join(sep(c.lang)),
      },
      { header: ['缺货份数', 'Packs short'], value: (r) => r.short },
      { header: ['紧急程度', 'Urgency'], value: (r, c) => c.word('supplyUrgency', r.urgency) },
      { header: ['状态', 'Status'], value: (r, c) => c.word('supplyStatus', r.status) },
      {
        header: ['已逾期', 'Late'],
        value: (r, c) => (r.late ? (c.lang === 'zh' ? '是' : 'yes') : c.lang === 'zh' ? '否' : 'no'),
      },
      { header: ['提出时间', 'Asked'], value: (r, c) => c.time(r.requested_at) },
      { header: ['送达时限', 'Due'], value: (r, c) => c.time(r.due_at) },
      { header: ['发货仓库', 'Depot'], value: (r) => r.depot_name },
      { header: ['出库时间', 'Dispatched'], value: (r, c) => c.time(r.dispatched_at) },
      { header: ['到门口时间', 'At the gate'], value: (r, c) => c.time(r.at_gate_at) },
      { header: ['送达时间', 'Handed'], value: (r, c) => c.time(r.handed_at) },
      { header: ['交付人', 'Handed by'], value: (r) => r.handed_worker },
      { header: ['交付人身份', 'Role'], value: (r, c) => c.word('supplyWorkerKind', r.handed_worker_kind) },
      { header: ['备注', 'Note'], value: (r) => r.note },
    ],
    page: (last) => listRequests(db, scope, f, { after: last?.id, limit: PAGE }, now),
  };
}

export interface DeliveryView {
  id: number;
  depot_id: number;
  depot_name: string;
  area_code: string;
  area_name: string | null;
  status: string;
  planned_by: string;
  planned_at: string;
  dispatched_at: string | null;
  at_gate_at: string | null;
  handed_at: string | null;
  requests: number;
  handed: number;
  workers: string | null;
}

/** Deliveries of the scope, newest first (keyset by id as the requests), with their depot, compound, requests and steps. */
export async function listDeliveries(
  db: Queryable,
  scope: Scope,
  o: { after?: number | undefined; limit: number },
): Promise<DeliveryView[]> {
  const params: unknown[] = [o.after ?? Number.MAX_SAFE_INTEGER, o.limit];
  const { rows } = await db.query<
    Omit<DeliveryView, 'planned_at' | 'dispatched_at' | 'at_gate_at' | 'handed_at'> & {
      planned_at: Date;
      dispatched_at: Date | null;
      at_gate_at: Date | null;
      handed_at: Date | null;
    }
  >(
    `SELECT d.id, d.depot_id, dp.name AS depot_name, d.area_code, a.name AS area_name, d.status, d.planned_by,
            d.planned_at, d.dispatched_at, d.at_gate_at, d.handed_at,
            (SELECT count(*)::int FROM supply_requests r WHERE r.delivery_id = d.id) AS requests,
            (SELECT count(*)::int FROM supply_requests r WHERE r.delivery_id = d.id AND r.status = 'handed') AS handed,
            (SELECT string_agg(DISTINCT s.worker, '、') FROM supply_delivery_steps s WHERE s.delivery_id = d.id AND s.worker <> '') AS workers
       FROM supply_deliveries d JOIN supply_depots dp ON dp.id = d.depot_id LEFT JOIN areas a ON a.code = d.area_code
      WHERE d.id < $1 AND ${scopeCondition('d.area_code', scope, params)} ORDER BY d.id DESC LIMIT $2`,
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

export async function countDeliveries(db: Queryable, scope: Scope): Promise<number> {
  const params: unknown[] = [];
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM supply_deliveries d WHERE ${scopeCondition('d.area_code', scope, params)}`,
    params,
  );
  return Number(rows[0]?.n ?? 0);
}

/** Every delivery of the scope (newest first), in words: CSV or Excel. */
export function deliveryExport(db: Queryable, scope: Scope): ExportSpec<DeliveryView> {
  return {
    name: ['配送单', 'deliveries'],
    areasOf: (r) => [r.area_code],
    columns: [
      { header: ['单号', 'No.'], value: (r) => r.id },
      { header: ['仓库', 'Depot'], value: (r) => r.depot_name },
      { header: ['送达小区', 'Compound'], value: (r, c) => c.area(r.area_code) },
      { header: ['状态', 'Status'], value: (r, c) => c.word('supplyDeliveryStatus', r.status) },
      { header: ['需求数', 'Requests'], value: (r) => r.requests },
      { header: ['已送达户数', 'Handed'], value: (r) => r.handed },
      { header: ['排车时间', 'Planned'], value: (r, c) => c.time(r.planned_at) },
      { header: ['出库时间', 'Dispatched'], value: (r, c) => c.time(r.dispatched_at) },
      { header: ['到门口时间', 'At the gate'], value: (r, c) => c.time(r.at_gate_at) },
      { header: ['送达时间', 'Handed at'], value: (r, c) => c.time(r.handed_at) },
      { header: ['司机/交付人', 'Driver / workers'], value: (r) => r.workers },
    ],
    page: (last) => listDeliveries(db, scope, { after: last?.id, limit: PAGE }),
  };
}

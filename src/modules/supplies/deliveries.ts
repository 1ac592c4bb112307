/**
 * Deliveries (配送): a person confirms one from a depot to a compound's gate, carrying open requests of that compound
 * (named, or all that the depot's available stock covers, urgent first then oldest). A compound with no open
 * request: 409 `no_open_request`. Then the steps — dispatched (the packs leave the depot's stock, guarded: never
 * negative), at the gate — and, per request, handed (to the household at the door in a lockdown zone, picked up at
 * the gate otherwise) by a named community worker or volunteer (the last metre, 最后一米). Each step is recorded
 * once: the same step again with the same key answers `already: true`; with another key (or none) it is 409
 * `step_already_recorded`, naming the first record; a step out of order is 409 `step_out_of_order`. A delivery or
 * request outside the caller's jurisdiction is 404 and nothing is written.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { depotReaches, orderForPlanning, type SupplyCategory } from '../../domain/supply-plan.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { type DepotRow, moveStock, type Packs, stockOf, usable } from './depots.ts';
import { getRequestRow, itemsOf, lockRequest, type RequestRow } from './requests.ts';

export interface DeliveryRow {
  id: number;
  idempotency_key: string;
  depot_id: number;
  area_code: string;
  status: 'planned' | 'dispatched' | 'at_gate' | 'handed';
  planned_by: string;
  planned_at: Date;
  dispatched_at: Date | null;
  at_gate_at: Date | null;
  handed_at: Date | null;
}

export interface DeliveryInput {
  key: string;
  depotId: number;
  areaCode: string;
  requestIds?: number[] | undefined;
}

const packsOf = (items: { category: SupplyCategory; quantity: number }[][]): Packs => {
  const p: Packs = {};
  for (const list of items) for (const i of list) p[i.category] = (p[i.category] ?? 0) + i.quantity;
  return p;
};

export async function createDelivery(
  tx: Queryable,
  clock: Clock,
  input: DeliveryInput,
  by: string,
  scope: Scope,
): Promise<{ delivery: DeliveryRow; request_ids: number[]; duplicate: boolean }> {
  const prior = (
    await tx.query<DeliveryRow>('SELECT * FROM supply_deliveries WHERE idempotency_key = $1', [input.key])
  ).rows[0];
  if (prior) {
    if (
      !prior.area_code.startsWith(scope.prefix) ||
      Number(prior.depot_id) !== input.depotId ||
      prior.area_code !== input.areaCode
    )
      throw new AppError(
        409,
        'idempotency_key_reused',
        `key ${input.key} was used for another delivery; a new delivery needs a new key`,
      );
    const ids = await tx.query<{ id: number }>(
      'SELECT id FROM supply_requests WHERE delivery_id = $1 ORDER BY id',
      [prior.id],
    );
    return { delivery: prior, request_ids: ids.rows.map((r) => Number(r.id)), duplicate: true };
  }
  const area = await tx.query<{ level: number }>('SELECT level FROM areas WHERE code = $1', [input.areaCode]);
  const level = area.rows[0]?.level;
  if (level === undefined) throw new AppError(400, 'area_unknown', `no area ${input.areaCode}`);
  if (!input.areaCode.startsWith(scope.prefix))
    throw new AppError(403, 'out_of_jurisdiction', `area ${input.areaCode} is outside your jurisdiction`);
  if (Number(level) < 5)
    throw new AppError(
      400,
      'area_not_compound',
      'a delivery goes to the gate of a compound: a community or a grid',
    );
  // The open requests of the compound, locked, in the planner's order.
  const open = await tx.query<RequestRow>(
    `SELECT * FROM supply_requests WHERE status = 'open' AND starts_with(area_code, $1) ORDER BY id FOR UPDATE`,
    [input.areaCode],
  );
  if (open.rows.length === 0)
    throw new AppError(
      409,
      'no_open_request',
      `no open supplies request in area ${input.areaCode}: a delivery carries requests, and this compound has none waiting`,
      { area_code: input.areaCode },
    );
  const depot = (
    await tx.query<DepotRow>('SELECT * FROM supply_depots WHERE id = $1 FOR UPDATE', [input.depotId])
  ).rows[0];
  if (!depot) throw new AppError(404, 'depot_unknown', `no depot ${input.depotId}`);
  if (!depotReaches(depot.area_code, input.areaCode))
    throw new AppError(
      409,
      'depot_out_of_reach',
      `depot ${depot.name} serves its own district (or city): not area ${input.areaCode}`,
    );
  const now = clock.now();
  if (!usable(depot, now))
    throw new AppError(
      409,
      'depot_not_usable',
      depot.active
        ? `depot ${depot.name} (a support shipment) arrives at ${depot.arrives_at?.toISOString()}: its stock is not here yet`
        : `depot ${depot.name} is out of service`,
    );
  const items = await itemsOf(
    tx,
    open.rows.map((r) => Number(r.id)),
  );
  const s = (await stockOf(tx, [Number(depot.id)])).get(Number(depot.id)) as { stock: Packs; held: Packs };
  const available: Packs = {};
  for (const [c, n] of Object.entries(s.stock))
    available[c as SupplyCategory] = n - (s.held[c as SupplyCategory] ?? 0);
  let chosen: RequestRow[];
  if (input.requestIds && input.requestIds.length > 0) {
    const byId = new Map(open.rows.map((r) => [Number(r.id), r]));
    const missing = input.requestIds.filter((id) => !byId.has(id));
    if (missing.length > 0)
      throw new AppError(
        409,
        'no_open_request',
        `request ${missing.join(', ')} is not an open request of area ${input.areaCode} (unknown, elsewhere, or already in a delivery)`,
        { request_ids: missing },
      );
    chosen = [...new Set(input.requestIds)].map((id) => byId.get(id) as RequestRow);
  } else {
    // All that fit, urgent first then oldest (the planner's order).
    chosen = [];
    const left = { ...available };
    for (const r of orderForPlanning(open.rows.map((x) => ({ ...x, id: Number(x.id) })))) {
      const list = items.get(r.id) ?? [];
      if (list.every((i) => (left[i.category] ?? 0) >= i.quantity)) {
        for (const i of list) left[i.category] = (left[i.category] ?? 0) - i.quantity;
        chosen.push(r);
      }
    }
  }
  const packs = packsOf(chosen.map((r) => items.get(Number(r.id)) ?? []));
  const short = Object.entries(packs)
    .filter(([c, n]) => (available[c as SupplyCategory] ?? 0) < n)
    .map(([c, n]) => ({
      category: c,
      needed: n,
      available: Math.max(0, available[c as SupplyCategory] ?? 0),
    }));
  if (chosen.length === 0 || short.length > 0)
    throw new AppError(
      409,
      'stock_short',
      `depot ${depot.name} cannot cover ${chosen.length === 0 ? 'any open request of this compound' : short.map((x) => `${x.category} (${x.needed} needed, ${x.available} available)`).join(', ')}`,
      { depot_id: Number(depot.id), short },
    );
  const { rows } = await tx.query<DeliveryRow>(
    `INSERT INTO supply_deliveries (idempotency_key, depot_id, area_code, planned_by, planned_at)
     VALUES ($1, $2, $3, $4, $5) RETURNING *`,
    [input.key, depot.id, input.areaCode, by, now],
  );
  const delivery = rows[0] as DeliveryRow;
  const ids = chosen.map((r) => Number(r.id)).sort((a, b) => a - b);
  await tx.query(
    `UPDATE supply_requests SET status = 'planned', delivery_id = $2 WHERE id = ANY($1::int8[])`,
    [ids, delivery.id],
  );
  await event(tx, 'supplies.delivery_planned', delivery, now, {
    depot_id: Number(depot.id),
    request_ids: ids,
    packs,
  });
  return { delivery, request_ids: ids, duplicate: false };
}

async function event(
  tx: Queryable,
  type: string,
  d: DeliveryRow,
  at: Date,
  payload: Record<string, unknown>,
) {
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
     VALUES ($1, 'supply_delivery', $2, $3, $4, $5::jsonb)`,
    [type, d.id, d.area_code, at, JSON.stringify(payload)],
  );
}

export async function lockDelivery(tx: Queryable, id: number, scope: Scope): Promise<DeliveryRow> {
  const params: unknown[] = [id];
  const { rows } = await tx.query<DeliveryRow>(
    `SELECT * FROM supply_deliveries WHERE id = $1 AND ${scopeCondition('area_code', scope, params)} FOR UPDATE`,
    params,
  );
  const d = rows[0];
  if (!d) throw new AppError(404, 'not_found', `delivery ${id} was not found`);
  return d;
}

const STEP_FROM = { dispatched: 'planned', at_gate: 'dispatched' } as const;

export async function recordDeliveryStep(
  tx: Queryable,
  clock: Clock,
  id: number,
  step: 'dispatched' | 'at_gate',
  input: { key?: string | undefined; worker: string },
  by: string,
  scope: Scope,
): Promise<{ delivery: DeliveryRow; already: boolean }> {
  const d = await lockDelivery(tx, id, scope);
  const first = (
    await tx.query<{
      idempotency_key: string | null;
      worker: string;
      recorded_by: string;
      recorded_at: Date;
    }>(
      'SELECT idempotency_key, worker, recorded_by, recorded_at FROM supply_delivery_steps WHERE delivery_id = $1 AND step = $2',
      [id, step],
    )
  ).rows[0];
  if (first) {
    if (input.key && first.idempotency_key === input.key) return { delivery: d, already: true };
    throw new AppError(
      409,
      'step_already_recorded',
      `delivery ${id} was already recorded ${step.replace('_', ' ')} at ${first.recorded_at.toISOString()} by ${first.recorded_by}${first.worker ? ` (${first.worker})` : ''}`,
      {
        step,
        recorded_at: first.recorded_at.toISOString(),
        recorded_by: first.recorded_by,
        worker: first.worker,
      },
    );
  }
  if (d.status !== STEP_FROM[step])
    throw new AppError(
      409,
      'step_out_of_order',
      `delivery ${id} is ${d.status}: ${step.replace('_', ' ')} follows ${STEP_FROM[step]}`,
      { status: d.status, step },
    );
  if (input.key) {
    const used = await tx.query('SELECT 1 FROM supply_delivery_steps WHERE idempotency_key = $1', [
      input.key,
    ]);
    if (used.rows[0])
      throw new AppError(409, 'idempotency_key_reused', `key ${input.key} was used for another step`);
  }
  const now = clock.now();
  if (step === 'dispatched') {
    const reqs = await tx.query<{ id: number }>('SELECT id FROM supply_requests WHERE delivery_id = $1', [
      id,
    ]);
    const items = await itemsOf(
      tx,
      reqs.rows.map((r) => Number(r.id)),
    );
    const packs = packsOf([...items.values()]);
    // Categories in one order: concurrent dispatches from one depot lock its stock rows alike (no deadlock).
    for (const [c, n] of Object.entries(packs).sort(([a], [b]) => a.localeCompare(b)))
      if (n)
        await moveStock(tx, Number(d.depot_id), c as SupplyCategory, -n, 'dispatch', id, null, '', by, now);
  }
  await tx.query(
    `INSERT INTO supply_delivery_steps (delivery_id, step, idempotency_key, worker, recorded_by, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [id, step, input.key ?? null, input.worker, by, now],
  );
  await tx.query(`UPDATE supply_deliveries SET status = $2, ${step}_at = $3 WHERE id = $1`, [id, step, now]);
  await tx.query(`UPDATE supply_requests SET status = $2 WHERE delivery_id = $1`, [id, step]);
  await event(tx, `supplies.${step}`, d, now, { worker: input.worker });
  return {
    delivery: (await tx.query<DeliveryRow>('SELECT * FROM supply_deliveries WHERE id = $1', [id]))
      .rows[0] as DeliveryRow,
    already: false,
  };
}

/** The last metre: a request handed to its household (or picked up at the gate) by a named worker or volunteer. */
export async function handRequest(
  tx: Queryable,
  clock: Clock,
  id: number,
  input: { key?: string | undefined; worker: string; workerKind: 'community_worker' | 'volunteer' },
  by: string,
  scope: Scope,
): Promise<{ request: RequestRow; already: boolean }> {
  const r = await lockRequest(tx, id, scope);
  if (r.status === 'handed') {
    if (input.key && r.handed_key === input.key) return { request: r, already: true };
    throw new AppError(
      409,
      'step_already_recorded',
      `request ${id} was already handed at ${r.handed_at?.toISOString()} by ${r.handed_worker}, recorded by ${r.handed_by}`,
      {
        step: 'handed',
        recorded_at: r.handed_at?.toISOString(),
        recorded_by: r.handed_by,
        worker: r.handed_worker,
      },
    );
  }
  if (r.status !== 'at_gate')
    throw new AppError(
      409,
      'step_out_of_order',
      `request ${id} is ${r.status}: handed follows at the gate (its delivery reached the compound)`,
      { status: r.status, step: 'handed' },
    );
  if (input.key) {
    const used = await tx.query('SELECT 1 FROM supply_requests WHERE handed_key = $1', [input.key]);
    if (used.rows[0])
      throw new AppError(409, 'idempotency_key_reused', `key ${input.key} was used for another hand-over`);
  }
  const now = clock.now();
  await tx.query(
    `UPDATE supply_requests SET status = 'handed', handed_at = $2, handed_by = $3, handed_worker = $4,
            handed_worker_kind = $5, handed_key = $6 WHERE id = $1`,
    [id, now, by, input.worker, input.workerKind, input.key ?? null],
  );
  // A late request's item is met once it is handed.
  await tx.query(
    `UPDATE tasks SET status = 'done', done_at = $2
      WHERE kind = 'supply_late' AND subject_type = 'supply_request' AND subject_id = $1 AND status = 'open'`,
    [id, now],
  );
  const rest = await tx.query(
    `SELECT 1 FROM supply_requests WHERE delivery_id = $1 AND status <> 'handed' LIMIT 1`,
    [r.delivery_id],
  );
  if (!rest.rows[0])
    await tx.query(`UPDATE supply_deliveries SET status = 'handed', handed_at = $2 WHERE id = $1`, [
      r.delivery_id,
      now,
    ]);
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
     VALUES ('supplies.handed', 'supply_request', $1, $2, $3, $4::jsonb)`,
    [
      id,
      r.area_code,
      now,
      JSON.stringify({ worker: input.worker, kind: input.workerKind, to: r.deliver_to }),
    ],
  );
  return { request: await getRequestRow(tx, id), already: false };
}

/**
 * Depots (供应点/仓库) and their stock. A depot stands in an area of the caller's jurisdiction and serves its
 * district (a city depot: the whole city); a support shipment from another city (外地支援) is a depot with its origin
 * and arrival time, its stock usable from then. Stock comes in by receipts (idempotent by key: a retried receipt
 * counts once) and goes out when a delivery is dispatched (deliveries.ts). `available` is the stock less what
 * planned, not yet dispatched deliveries hold: what the planner and a new delivery may take.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { SUPPLY_CATEGORIES, type SupplyCategory } from '../../domain/supply-plan.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';

export type Packs = Partial<Record<SupplyCategory, number>>;

export interface DepotRow {
  id: number;
  name: string;
  area_code: string;
  source: 'local' | 'support';
  origin: string;
  arrives_at: Date | null;
  active: boolean;
  created_by: string;
  created_at: Date;
}

export interface DepotInput {
  name: string;
  areaCode: string;
  source: 'local' | 'support';
  origin: string;
  arrivesAt?: Date | undefined;
  stock: Packs;
}

export async function createDepot(
  tx: Queryable,
  clock: Clock,
  d: DepotInput,
  by: string,
  scope: Scope,
): Promise<DepotRow> {
  const area = await tx.query('SELECT 1 FROM areas WHERE code = $1', [d.areaCode]);
  if (!area.rows[0]) throw new AppError(400, 'area_unknown', `no area ${d.areaCode}`);
  if (!d.areaCode.startsWith(scope.prefix))
    throw new AppError(403, 'out_of_jurisdiction', `area ${d.areaCode} is outside your jurisdiction`);
  if (d.source === 'support' && (!d.origin || !d.arrivesAt))
    throw new AppError(
      400,
      'support_origin_required',
      'a support shipment from another city names the city it comes from and when it arrives',
    );
  const now = clock.now();
  const { rows } = await tx.query<DepotRow>(
    `INSERT INTO supply_depots (name, area_code, source, origin, arrives_at, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING RETURNING *`,
    [d.name, d.areaCode, d.source, d.origin, d.arrivesAt ?? null, by, now],
  );
  const depot = rows[0];
  if (!depot) throw new AppError(409, 'depot_exists', `a depot is already named ${d.name}`);
  for (const c of SUPPLY_CATEGORIES)
    await tx.query('INSERT INTO supply_stock (depot_id, category, quantity) VALUES ($1, $2, 0)', [
      depot.id,
      c,
    ]);
  for (const [c, n] of Object.entries(d.stock))
    if (n && n > 0)
      await moveStock(tx, depot.id, c as SupplyCategory, n, 'receipt', null, null, '初始库存', by, now);
  return depot;
}

/** One move of stock, guarded: a take larger than the stock is refused (409 `stock_short`), never negative. */
export async function moveStock(
  tx: Queryable,
  depotId: number,
  category: SupplyCategory,
  delta: number,
  kind: 'receipt' | 'dispatch',
  deliveryId: number | null,
  key: string | null,
  note: string,
  by: string,
  at: Date,
): Promise<void> {
  const { rowCount } = await tx.query(
    `UPDATE supply_stock SET quantity = quantity + $3 WHERE depot_id = $1 AND category = $2 AND quantity + $3 >= 0`,
    [depotId, category, delta],
  );
  if (rowCount !== 1)
    throw new AppError(409, 'stock_short', `depot ${depotId} has fewer than ${-delta} packs of ${category}`, {
      depot_id: depotId,
      category,
    });
  await tx.query(
    `INSERT INTO supply_stock_moves (depot_id, category, delta, kind, delivery_id, idempotency_key, note, moved_by, moved_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [depotId, category, delta, kind, deliveryId, key, note, by, at],
  );
}

/** A depot of the scope, locked (the stock it holds is decided under this lock); 404 otherwise. */
export async function lockDepot(tx: Queryable, id: number, scope: Scope): Promise<DepotRow> {
  const params: unknown[] = [id];
  const { rows } = await tx.query<DepotRow>(
    `SELECT * FROM supply_depots WHERE id = $1 AND ${scopeCondition('area_code', scope, params)} FOR UPDATE`,
    params,
  );
  const d = rows[0];
  if (!d) throw new AppError(404, 'depot_unknown', `no depot ${id} in your jurisdiction`);
  return d;
}

/** A receipt of stock at a depot of the scope; a retry with the same key answers `duplicate` and counts once. */
export async function receiveStock(
  tx: Queryable,
  clock: Clock,
  depotId: number,
  input: { key: string; items: { category: SupplyCategory; quantity: number }[]; note: string },
  by: string,
  scope: Scope,
): Promise<{ depot: DepotRow; duplicate: boolean }> {
  const depot = await lockDepot(tx, depotId, scope);
  const prior = await tx.query<{ depot_id: number; category: string; delta: number }>(
    `SELECT depot_id, category, delta FROM supply_stock_moves WHERE left(idempotency_key, length($1) + 1) = $1 || ':'`,
    [input.key],
  );
  if (prior.rows.length > 0) {
    const same =
      prior.rows.every((m) => Number(m.depot_id) === depotId) &&
      prior.rows.length === input.items.length &&
      input.items.every((i) =>
        prior.rows.some((m) => m.category === i.category && Number(m.delta) === i.quantity),
      );
    if (!same)
      throw new AppError(
        409,
        'idempotency_key_reused',
        `key ${input.key} was used for another receipt; a new receipt needs a new key`,
      );
    return { depot, duplicate: true };
  }
  const cats = input.items.map((i) => i.category);
  if (new Set(cats).size !== cats.length)
    throw new AppError(400, 'category_repeated', 'each category appears once in a receipt: add up the packs');
  const now = clock.now();
  for (const i of input.items)
    await moveStock(
      tx,
      depotId,
      i.category,
      i.quantity,
      'receipt',
      null,
      `${input.key}:${i.category}`,
      input.note,
      by,
      now,
    );
  return { depot, duplicate: false };
}

/** Stock per depot and category, and what planned deliveries hold of it. */
export async function stockOf(
  db: Queryable,
  depotIds: readonly number[],
): Promise<Map<number, { stock: Packs; held: Packs }>> {
  const out = new Map<number, { stock: Packs; held: Packs }>();
  for (const id of depotIds) out.set(id, { stock: {}, held: {} });
  if (depotIds.length === 0) return out;
  const s = await db.query<{ depot_id: number; category: SupplyCategory; quantity: number }>(
    'SELECT depot_id, category, quantity FROM supply_stock WHERE depot_id = ANY($1::int8[])',
    [[...depotIds]],
  );
  for (const r of s.rows)
    (out.get(Number(r.depot_id)) as { stock: Packs }).stock[r.category] = Number(r.quantity);
  const h = await db.query<{ depot_id: number; category: SupplyCategory; n: number }>(
    `SELECT d.depot_id, i.category, sum(i.quantity)::int AS n
       FROM supply_deliveries d JOIN supply_requests r ON r.delivery_id = d.id
       JOIN supply_request_items i ON i.request_id = r.id
      WHERE d.status = 'planned' AND d.depot_id = ANY($1::int8[]) GROUP BY 1, 2`,
    [[...depotIds]],
  );
  for (const r of h.rows) (out.get(Number(r.depot_id)) as { held: Packs }).held[r.category] = Number(r.n);
  return out;
}

export const usable = (d: Pick<DepotRow, 'active' | 'arrives_at'>, now: Date): boolean =>
  d.active && (d.arrives_at === null || d.arrives_at.getTime() <= now.getTime());

/**
 * Depots as the page shows them: those standing in the scope and those serving it (the city's, the district's),
 * each with stock, held and available per category. Places, not people: city-wide reads are fine.
 */
export async function listDepots(db: Queryable, scope: Scope, now: Date) {
  const district = scope.prefix.slice(0, 6);
  const { rows } = await db.query<DepotRow>(
    `SELECT * FROM supply_depots
      WHERE $1 = '' OR starts_with(area_code, $1) OR starts_with($1, area_code) OR starts_with($2, left(area_code, 6))
      ORDER BY area_code, id`,
    [scope.prefix, district],
  );
  const stock = await stockOf(
    db,
    rows.map((d) => Number(d.id)),
  );
  return rows.map((d) => {
    const s = stock.get(Number(d.id)) as { stock: Packs; held: Packs };
    return {
      ...d,
      arrives_at: d.arrives_at ? d.arrives_at.toISOString() : null,
      created_at: d.created_at.toISOString(),
      usable: usable(d, now),
      stock: SUPPLY_CATEGORIES.map((c) => ({
        category: c,
        quantity: s.stock[c] ?? 0,
        held: s.held[c] ?? 0,
        available: Math.max(0, (s.stock[c] ?? 0) - (s.held[c] ?? 0)),
      })),
    };
  });
}

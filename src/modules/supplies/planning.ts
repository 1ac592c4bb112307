/**
 * The planner against the database: open requests (in no delivery yet) and the depots' available stock go into the
 * pure planner (domain/supply-plan.ts). `proposePlan` answers the caller's proposals (nothing written: a person
 * confirms one as a delivery, deliveries.ts). `refreshShortfall` runs it city-wide and keeps on every request item
 * what could not be covered (`short_quantity`): the shortfall (缺口) the figures, the dashboard and the page show.
 * It runs after every write of the module (in the write's transaction, serialised by an advisory lock) and every
 * minute (src/server/workers.ts, for support shipments arriving).
 */
import type { Queryable } from '../../db/types.ts';
import {
  compoundOf,
  depotReaches,
  type PlanDepot,
  type PlanRequest,
  planSupplies,
  type SupplyCategory,
} from '../../domain/supply-plan.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { type DepotRow, stockOf, usable } from './depots.ts';
import { itemsOf } from './requests.ts';

const SHORTFALL_LOCK = 7263026;

export async function openRequests(db: Queryable, scope: Scope): Promise<PlanRequest[]> {
  const params: unknown[] = [];
  const { rows } = await db.query<{
    id: number;
    area_code: string;
    urgency: 'urgent' | 'normal';
    requested_at: Date;
  }>(
    `SELECT id, area_code, urgency, requested_at FROM supply_requests
      WHERE status = 'open' AND ${scopeCondition('area_code', scope, params)} ORDER BY id`,
    params,
  );
  const items = await itemsOf(
    db,
    rows.map((r) => Number(r.id)),
  );
  return rows.map((r) => ({
    id: Number(r.id),
    area_code: r.area_code,
    urgency: r.urgency,
    requested_at: r.requested_at,
    items: (items.get(Number(r.id)) ?? []).map((i) => ({ category: i.category, quantity: i.quantity })),
  }));
}

/** Usable depots reaching some part of the scope, with their available stock (stock less planned deliveries). */
export async function depotsFor(
  db: Queryable,
  scope: Scope,
  now: Date,
): Promise<(PlanDepot & { name: string })[]> {
  const { rows } = await db.query<DepotRow>('SELECT * FROM supply_depots WHERE active ORDER BY id');
  const reach = rows.filter(
    (d) =>
      usable(d, now) &&
      (scope.prefix === '' ||
        depotReaches(d.area_code, scope.prefix) ||
        d.area_code.startsWith(scope.prefix)),
  );
  const stock = await stockOf(
    db,
    reach.map((d) => Number(d.id)),
  );
  return reach.map((d) => {
    const s = stock.get(Number(d.id)) as { stock: Record<string, number>; held: Record<string, number> };
    const available: Partial<Record<SupplyCategory, number>> = {};
    for (const [c, n] of Object.entries(s.stock))
      available[c as SupplyCategory] = Math.max(0, n - (s.held[c] ?? 0));
    return { id: Number(d.id), name: d.name, area_code: d.area_code, stock: available };
  });
}

export async function proposePlan(db: Queryable, scope: Scope, now: Date) {
  const requests = await openRequests(db, scope);
  const depots = await depotsFor(db, scope, now);
  const plan = planSupplies(requests, depots);
  const names = new Map(depots.map((d) => [d.id, d.name]));
  const areas = await db.query<{ code: string; name: string }>(
    'SELECT code, name FROM areas WHERE code = ANY($1::text[])',
    [[...new Set(plan.deliveries.map((d) => d.area_code))]],
  );
  const areaName = new Map(areas.rows.map((a) => [a.code, a.name]));
  return {
    deliveries: plan.deliveries.map((d) => ({
      ...d,
      depot_name: names.get(d.depot_id) ?? '',
      area_name: areaName.get(d.area_code) ?? d.area_code,
    })),
    unmet: plan.unmet,
    open: requests.length,
  };
}

/** Recomputes every open request's shortfall city-wide; answers the total packs short. */
export async function refreshShortfall(tx: Queryable, now: Date): Promise<number> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [SHORTFALL_LOCK]);
  const requests = await openRequests(tx, { prefix: '' });
  const depots = await depotsFor(tx, { prefix: '' }, now);
  const plan = planSupplies(requests, depots);
  await tx.query('UPDATE supply_request_items SET short_quantity = 0 WHERE short_quantity > 0');
  let total = 0;
  for (const u of plan.unmet)
    for (const [c, n] of Object.entries(u.short)) {
      if (!n) continue;
      total += n;
      await tx.query(
        'UPDATE supply_request_items SET short_quantity = $3 WHERE request_id = $1 AND category = $2',
        [u.id, c, n],
      );
    }
  return total;
}

export { compoundOf };

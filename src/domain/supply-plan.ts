/**
 * The supplies planner (保供配送计划), a pure function: open requests are taken in order — urgent before normal,
 * then oldest first, then by id — and each goes whole to the nearest depot in reach whose remaining stock covers
 * every item of it (nearest by the platform's schematic distance, placement.ts `schematicKm`, as medical routing
 * measures hospitals; ties: the depot with the most stock left of the request's categories, then the lower id).
 * A depot is in reach of a request when the request lies in the depot's district (the first 6 digits of its area
 * code; a depot of the city, 4 digits, reaches the whole city). A request no depot can cover whole is not split:
 * it is left unmet, and what it lacks per category (the shortfall, 缺口) is what the stock in reach cannot give after
 * the requests before it took theirs. Allocations are grouped into proposed deliveries, one per depot and compound
 * (the community, 12 digits, of the request's area). Nothing here touches a database; a person confirms a proposal.
 */
import { schematicKm } from './placement.ts';

export const SUPPLY_CATEGORIES = ['groceries', 'medicine', 'infant', 'elderly', 'other'] as const;
export type SupplyCategory = (typeof SUPPLY_CATEGORIES)[number];
export type SupplyUrgency = 'urgent' | 'normal';

export interface PlanRequest {
  id: number;
  area_code: string;
  urgency: SupplyUrgency;
  requested_at: Date;
  items: { category: SupplyCategory; quantity: number }[];
}

export interface PlanDepot {
  id: number;
  area_code: string;
  /** Packs usable now per category (stock less what planned deliveries hold). */
  stock: Partial<Record<SupplyCategory, number>>;
}

export interface ProposedDelivery {
  depot_id: number;
  /** The compound: the community (12 digits) of its requests, or the request's own area when shorter. */
  area_code: string;
  request_ids: number[];
  km: number;
  packs: Partial<Record<SupplyCategory, number>>;
}

export interface UnmetRequest {
  id: number;
  area_code: string;
  short: Partial<Record<SupplyCategory, number>>;
}

export interface SupplyPlan {
  deliveries: ProposedDelivery[];
  unmet: UnmetRequest[];
}

/** Whether a depot reaches an area: the area lies in the depot's district (or city, for a city depot). */
export function depotReaches(depotArea: string, area: string): boolean {
  return area.startsWith(depotArea.slice(0, 6));
}

/** The compound a request is delivered to: its community. */
export const compoundOf = (area: string): string => area.slice(0, 12);

export function orderForPlanning<T extends Pick<PlanRequest, 'id' | 'urgency' | 'requested_at'>>(
  requests: readonly T[],
): T[] {
  return [...requests].sort(
    (a, b) =>
      Number(b.urgency === 'urgent') - Number(a.urgency === 'urgent') ||
      a.requested_at.getTime() - b.requested_at.getTime() ||
      a.id - b.id,
  );
}

export function planSupplies(requests: readonly PlanRequest[], depots: readonly PlanDepot[]): SupplyPlan {
  const left = new Map(depots.map((d) => [d.id, { ...d.stock }]));
  const byKey = new Map<string, ProposedDelivery>();
  const unmet: UnmetRequest[] = [];
  for (const r of orderForPlanning(requests)) {
    const reach = depots.filter((d) => depotReaches(d.area_code, r.area_code));
    const covers = reach
      .filter((d) => {
        const s = left.get(d.id) ?? {};
        return r.items.every((i) => (s[i.category] ?? 0) >= i.quantity);
      })
      .map((d) => ({
        d,
        km: schematicKm(r.area_code, d.area_code),
        spare: r.items.reduce((n, i) => n + (left.get(d.id)?.[i.category] ?? 0), 0),
      }))
      .sort((a, b) => a.km - b.km || b.spare - a.spare || a.d.id - b.d.id);
    const best = covers[0];
    if (!best) {
      const short: Partial<Record<SupplyCategory, number>> = {};
      for (const i of r.items) {
        const have = reach.reduce((n, d) => n + (left.get(d.id)?.[i.category] ?? 0), 0);
        if (have < i.quantity) short[i.category] = i.quantity - have;
      }
      // Every item coverable somewhere but by no single depot: the request still waits; it lacks nothing in sum.
      unmet.push({ id: r.id, area_code: r.area_code, short });
      continue;
    }
    const s = left.get(best.d.id) as Partial<Record<SupplyCategory, number>>;
    for (const i of r.items) s[i.category] = (s[i.category] ?? 0) - i.quantity;
    const compound = compoundOf(r.area_code);
    const key = `${best.d.id}|${compound}`;
    let p = byKey.get(key);
    if (!p) {
      p = { depot_id: best.d.id, area_code: compound, request_ids: [], km: best.km, packs: {} };
      byKey.set(key, p);
    }
    p.request_ids.push(r.id);
    for (const i of r.items) p.packs[i.category] = (p.packs[i.category] ?? 0) + i.quantity;
  }
  return { deliveries: [...byKey.values()], unmet };
}

/**
 * The module's figures, one definition for the dashboard, the daily report and the 保供 page
 * (domain/figure-names.ts names them): requests asked and handed in a Beijing day, requests late now (past due and
 * not handed), and the shortfall now (packs of open requests the stock in reach cannot cover, planning.ts).
 * `checkLateSupplies` (every minute, src/server/workers.ts) opens one task 'supply_late' per late request, due at
 * the request's due time, in its area: on the responsibility list of the area's supply leader (function 'supply'),
 * escalating as every overdue item does; idempotent (one task per request), met when the request is handed.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';

/**
 * Rows (area_code, k, n) per exact area code. `from`, `to` and `now` are SQL expressions (parameters).
 */
export function supplyFigureRows(from: string, to: string, now: string): string {
  return `SELECT area_code, 'supply_requests_today' AS k, count(*) AS n FROM supply_requests
           WHERE requested_at >= ${from} AND requested_at < ${to} GROUP BY 1
         UNION ALL
         SELECT area_code, 'supply_handed_today', count(*) FROM supply_requests
           WHERE handed_at >= ${from} AND handed_at < ${to} GROUP BY 1
         UNION ALL
         SELECT area_code, 'supply_late', count(*) FROM supply_requests
           WHERE due_at <= ${now} AND (handed_at IS NULL OR handed_at > ${now}) AND requested_at <= ${now} GROUP BY 1
         UNION ALL
         SELECT r.area_code, 'supply_shortfall', sum(i.short_quantity) FROM supply_requests r
           JOIN supply_request_items i ON i.request_id = r.id
           WHERE r.status = 'open' AND i.short_quantity > 0 GROUP BY 1`;
}

export const SUPPLY_FIGURES = [
  'supply_requests_today',
  'supply_handed_today',
  'supply_late',
  'supply_shortfall',
] as const;
export type SupplyFigures = Record<(typeof SUPPLY_FIGURES)[number], number>;

/** The figures of a scope for the day [from, to), late and shortfall as of `now`. */
export async function supplyFigures(
  db: Queryable,
  scope: Scope,
  from: Date,
  to: Date,
  now: Date,
): Promise<SupplyFigures> {
  const params: unknown[] = [from, to, now];
  const { rows } = await db.query<{ k: string; n: number }>(
    `SELECT k, sum(n)::int AS n FROM (${supplyFigureRows('$1', '$2', '$3::timestamptz')}) m
      WHERE ${scopeCondition('m.area_code', scope, params)} GROUP BY k`,
    params,
  );
  const got = new Map(rows.map((r) => [r.k, Number(r.n)]));
  return Object.fromEntries(SUPPLY_FIGURES.map((k) => [k, got.get(k) ?? 0])) as SupplyFigures;
}

/** Shortfall per community and category (open requests' packs not covered), for the page. */
export async function shortfalls(db: Queryable, scope: Scope) {
  const params: unknown[] = [];
  const { rows } = await db.query<{
    community: string;
    name: string | null;
    category: string;
    short: number;
    requests: number;
  }>(
    `SELECT left(r.area_code, 12) AS community, a.name, i.category, sum(i.short_quantity)::int AS short,
            count(DISTINCT r.id)::int AS requests
       FROM supply_requests r JOIN supply_request_items i ON i.request_id = r.id
       LEFT JOIN areas a ON a.code = left(r.area_code, 12)
      WHERE r.status = 'open' AND i.short_quantity > 0 AND ${scopeCondition('r.area_code', scope, params)}
      GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 3`,
    params,
  );
  return rows.map((r) => ({ ...r, short: Number(r.short), requests: Number(r.requests) }));
}

/** Opens the item of every request late now that has none yet; answers how many were opened. */
export async function checkLateSupplies(db: Queryable, clock: Clock): Promise<number> {
  const now = clock.now();
  const { rowCount } = await db.query(
    `INSERT INTO tasks (kind, person_id, area_code, subject_type, subject_id, due_at, created_at, details)
     SELECT 'supply_late', r.person_id, r.area_code, 'supply_request', r.id, r.due_at, $1,
            jsonb_build_object('request_id', r.id, 'urgency', r.urgency, 'status', r.status, 'deliver_to', r.deliver_to)
       FROM supply_requests r
      WHERE r.status <> 'handed' AND r.due_at <= $1
     ON CONFLICT (kind, subject_type, subject_id) DO NOTHING`,
    [now],
  );
  return rowCount;
}

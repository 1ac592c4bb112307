/**
 * The module's figures, one definition for the dashboard and the daily report (src/domain/figure-names.ts has the
 * names and definitions): rows (area_code, k, n) per exact area code for the Beijing day [from, to), as of `asof`
 * (the end of the day, or now while the day is not over):
 * - forces_on_duty (在岗人数): workers with a shift of a confirmed roster starting that day (a worker counts once
 *   per area; the rest rule allows one 8-hour shift in 24 hours, so one area a day);
 * - forces_shortfall (力量缺口): people missing on the confirmed rosters of that day (Σ demand − assigned per slot);
 * - loop_test_gaps (闭环检测缺漏): closed-loop tests due that day whose due time passed without a test (the
 *   'loop_test_gap' tasks not cancelled, counted open or met after `asof`).
 */
import type { Queryable } from '../../db/types.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';

export function forcesFigureRows(from: string, to: string, asof: string): string {
  return `SELECT s.area_code, 'forces_on_duty' AS k, count(DISTINCT s.worker_id) AS n
            FROM roster_shifts s JOIN rosters r ON r.id = s.roster_id
           WHERE r.status = 'confirmed' AND s.status = 'confirmed' AND s.starts_at >= ${from} AND s.starts_at < ${to}
           GROUP BY 1
         UNION ALL
         SELECT f.area_code, 'forces_shortfall', sum(f.short) FROM roster_shortfalls f JOIN rosters r ON r.id = f.roster_id
           WHERE r.status = 'confirmed' AND f.starts_at >= ${from} AND f.starts_at < ${to} GROUP BY 1
         UNION ALL
         SELECT area_code, 'loop_test_gaps', count(*) FROM tasks
          WHERE kind = 'loop_test_gap' AND status <> 'cancelled' AND due_at >= ${from} AND due_at < ${to}
            AND due_at <= ${asof} AND (status = 'open' OR done_at > ${asof}) GROUP BY 1`;
}

export const FORCES_FIGURES = ['forces_on_duty', 'forces_shortfall', 'loop_test_gaps'] as const;
export type ForcesFigures = Record<(typeof FORCES_FIGURES)[number], number>;

/** The figures of a scope for the day [from, to), as of min(now, to) (the daily report and the module's page). */
export async function forcesFigures(
  db: Queryable,
  scope: Scope,
  from: Date,
  to: Date,
  now: Date,
): Promise<ForcesFigures> {
  const asof = now.getTime() < to.getTime() ? now : to;
  const params: unknown[] = [from, to, asof];
  const { rows } = await db.query<{ k: string; n: number }>(
    `SELECT k, sum(n)::int AS n FROM (${forcesFigureRows('$1::timestamptz', '$2::timestamptz', '$3::timestamptz')}) m
      WHERE ${scopeCondition('m.area_code', scope, params)} GROUP BY k`,
    params,
  );
  const got = new Map(rows.map((r) => [r.k, Number(r.n)]));
  return Object.fromEntries(FORCES_FIGURES.map((k) => [k, got.get(k) ?? 0])) as ForcesFigures;
}

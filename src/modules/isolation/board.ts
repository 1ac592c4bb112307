/**
 * The 清仓 board for one (Beijing) day: stays due, released and discharged that day, rooms and beds back in service
 * and their turnover time (vacated → available, p50/p90), units stuck in disinfection and since when, the backlog of
 * people found but not placed (with how long they have waited), and occupancy per site.
 */
import type { Queryable } from '../../db/types.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { siteTakesPeople } from './waiting.ts';

export function beijingDayBounds(day: string): { from: Date; to: Date } {
  const from = new Date(`${day}T00:00:00+08:00`);
  return { from, to: new Date(from.getTime() + 86_400_000) };
}

export async function turnoverBoard(db: Queryable, scope: Scope, day: string, now: Date) {
  const { from, to } = beijingDayBounds(day);
  const params: unknown[] = [from, to];
  const site = scopeCondition('s.area_code', scope, params);
  const counts = await db.query<Record<string, number>>(
    `SELECT
       (SELECT count(*) FROM placements pl JOIN sites s ON s.id = pl.site_id WHERE pl.status = 'arrived' AND pl.due_at >= $1 AND pl.due_at < $2 AND ${site}) AS due_today,
       (SELECT count(*) FROM placements pl JOIN sites s ON s.id = pl.site_id WHERE pl.release_kind = 'released' AND pl.released_at >= $1 AND pl.released_at < $2 AND ${site}) AS released_today,
       (SELECT count(*) FROM placements pl JOIN sites s ON s.id = pl.site_id WHERE pl.release_kind = 'discharged' AND pl.released_at >= $1 AND pl.released_at < $2 AND ${site}) AS discharged_today,
       (SELECT count(*) FROM placements pl JOIN sites s ON s.id = pl.site_id WHERE pl.placed_at >= $1 AND pl.placed_at < $2 AND ${site}) AS placed_today`,
    params,
  );
  const tParams: unknown[] = [from, to];
  const turnover = await db.query<{ freed: number; p50: number | null; p90: number | null }>(
    `SELECT count(*) AS freed,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.done_at - t.created_at) / 60) AS p50,
            percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM t.done_at - t.created_at) / 60) AS p90
       FROM tasks t WHERE t.kind = 'terminal_disinfection' AND t.status = 'done' AND t.done_at >= $1 AND t.done_at < $2
        AND ${scopeCondition('t.area_code', scope, tParams)}`,
    tParams,
  );
  const stuckParams: unknown[] = [new Date(now.getTime() - 12 * 3600_000)];
  const stuck = await db.query(
    `SELECT 'room' AS kind, u.id, u.code, s.name AS site, u.status, u.vacated_at FROM rooms u JOIN sites s ON s.id = u.site_id
      WHERE u.status IN ('awaiting_disinfection', 'disinfecting') AND u.vacated_at < $1 AND ${scopeCondition('s.area_code', scope, stuckParams)}
     UNION ALL
     SELECT 'bed', u.id, u.code, s.name, u.status, u.vacated_at FROM beds u JOIN sites s ON s.id = u.site_id
      WHERE u.status IN ('awaiting_disinfection', 'disinfecting') AND u.vacated_at < $1 AND ${scopeCondition('s.area_code', scope, stuckParams)}
     ORDER BY vacated_at LIMIT 200`,
    stuckParams,
  );
  const occParams: unknown[] = [];
  const occupancy = await db.query(
    `SELECT s.id, s.name, s.kind, s.status, ${siteTakesPeople('s')} AS takes_people,
            -- Free: available units of a site that takes people now (siteTakesPeople), the same figure as every
            -- screen's; a reserve, inspecting or closing site's available units are idle, not free.
            count(*) FILTER (WHERE u.status = 'available' AND ${siteTakesPeople('s')}) AS available,
            count(*) FILTER (WHERE u.status = 'available' AND NOT ${siteTakesPeople('s')}) AS idle,
            count(*) FILTER (WHERE u.status = 'reserved') AS reserved,
            count(*) FILTER (WHERE u.status = 'occupied') AS occupied,
            count(*) FILTER (WHERE u.status IN ('awaiting_disinfection', 'disinfecting')) AS in_turnover,
            count(*) FILTER (WHERE u.status = 'out_of_service') AS out_of_service
       FROM sites s JOIN (SELECT site_id, status FROM rooms UNION ALL SELECT site_id, status FROM beds) u ON u.site_id = s.id
      WHERE ${scopeCondition('s.area_code', scope, occParams)}
      GROUP BY s.id ORDER BY s.id`,
    occParams,
  );
  const c = counts.rows[0] as Record<string, number>;
  const t = turnover.rows[0] as { freed: number; p50: number | null; p90: number | null };
  return {
    day,
    due_today: c.due_today,
    placed_today: c.placed_today,
    released_today: c.released_today,
    discharged_today: c.discharged_today,
    units_freed_today: t.freed,
    turnover_minutes: {
      p50: t.p50 === null ? null : Math.round(t.p50),
      p90: t.p90 === null ? null : Math.round(t.p90),
    },
    stuck_in_disinfection: stuck.rows,
    occupancy: occupancy.rows,
  };
}

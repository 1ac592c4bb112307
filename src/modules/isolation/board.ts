/**
 * The 清仓 board for one (Beijing) day: stays due, released and discharged that day, rooms and beds back in service
 * and their turnover time (vacated → available, p50/p90), units stuck in disinfection and since when, the backlog of
 * people found but not placed (with how long they have waited), and occupancy per site.
 */
import type { Queryable } from '../../db/types.ts';
import type { ExportSpec } from '../../server/list-export.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { siteTakesPeople } from './waiting.ts';

export function beijingDayBounds(day: string): { from: Date; to: Date } {
  const from = new Date(`${day}T00:00:00+08:00`);
  return { from, to: new Date(from.getTime() + 86_400_000) };
}

/** A room or bed vacated more than STUCK_HOURS ago and still awaiting or in disinfection. */
export interface StuckUnit {
  kind: 'room' | 'bed';
  id: number;
  code: string;
  site: string;
  status: string;
  vacated_at: Date;
}

export const STUCK_HOURS = 12;
/** Units the board carries; the page says how many there are and the export walks them all. */
export const STUCK_SHOWN = 200;

const stuckSql = (where: (alias: string) => string) =>
  `SELECT 'room' AS kind, u.id, u.code, s.name AS site, u.status, u.vacated_at FROM rooms u JOIN sites s ON s.id = u.site_id
    WHERE u.status IN ('awaiting_disinfection', 'disinfecting') AND u.vacated_at < $1 AND ${where('s.area_code')}
   UNION ALL
   SELECT 'bed', u.id, u.code, s.name, u.status, u.vacated_at FROM beds u JOIN sites s ON s.id = u.site_id
    WHERE u.status IN ('awaiting_disinfection', 'disinfecting') AND u.vacated_at < $1 AND ${where('s.area_code')}`;

/** Units stuck in disinfection, longest first (keyset on vacated time, kind and id after `after`). */
export async function stuckUnits(
  db: Queryable,
  scope: Scope,
  now: Date,
  o: { limit: number; after?: Pick<StuckUnit, 'vacated_at' | 'kind' | 'id'> },
): Promise<StuckUnit[]> {
  const params: unknown[] = [
    new Date(now.getTime() - STUCK_HOURS * 3600_000),
    o.limit,
    o.after?.vacated_at ?? null,
    o.after?.kind ?? '',
    o.after?.id ?? 0,
  ];
  const { rows } = await db.query<StuckUnit>(
    `SELECT * FROM (${stuckSql((col) => scopeCondition(col, scope, params))}) u
      WHERE $3::timestamptz IS NULL OR (u.vacated_at, u.kind, u.id) > ($3, $4::text, $5::int8)
      ORDER BY u.vacated_at, u.kind, u.id LIMIT $2`,
    params,
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export async function countStuckUnits(db: Queryable, scope: Scope, now: Date): Promise<number> {
  const params: unknown[] = [new Date(now.getTime() - STUCK_HOURS * 3600_000)];
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (${stuckSql((col) => scopeCondition(col, scope, params))}) u`,
    params,
  );
  return Number(rows[0]?.n ?? 0);
}

/** The whole stuck list as CSV or Excel, in words. */
export function stuckUnitExport(db: Queryable, scope: Scope, now: Date): ExportSpec<StuckUnit> {
  return {
    name: ['消杀滞留房间', 'units stuck in disinfection'],
    columns: [
      { header: ['类型', 'Kind'], value: (r, c) => c.word('unitKind', r.kind) },
      { header: ['编号', 'Code'], value: (r) => r.code },
      { header: ['隔离场所', 'Site'], value: (r) => r.site },
      { header: ['状态', 'Status'], value: (r, c) => c.word('unitStatus', r.status) },
      { header: ['腾空时间', 'Vacated'], value: (r, c) => c.time(r.vacated_at) },
    ],
    page: (last) => stuckUnits(db, scope, now, { limit: 5_000, after: last ?? undefined }),
  };
}

/** A site's rooms and beds by status, as the board shows them. */
export interface SiteOccupancy {
  id: number;
  name: string;
  kind: string;
  status: string;
  /** Whether the site takes people now (active and accepted): only then are its available units free. */
  takes_people: boolean;
  /** Free units (available, in a site that takes people). */
  available: number;
  /** Available units of a site that takes nobody now (reserve, under inspection, closing, closed). */
  idle: number;
  reserved: number;
  occupied: number;
  in_turnover: number;
  out_of_service: number;
}

/** The day's counts of the board. */
interface DayCounts {
  due_today: number;
  released_today: number;
  discharged_today: number;
  placed_today: number;
}

export async function turnoverBoard(db: Queryable, scope: Scope, day: string, now: Date) {
  const { from, to } = beijingDayBounds(day);
  const params: unknown[] = [from, to];
  const site = scopeCondition('s.area_code', scope, params);
  const counts = await db.query<DayCounts>(
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
  const stuck = await stuckUnits(db, scope, now, { limit: STUCK_SHOWN });
  const stuckTotal = stuck.length < STUCK_SHOWN ? stuck.length : await countStuckUnits(db, scope, now);
  const occParams: unknown[] = [];
  const occupancy = await db.query<SiteOccupancy>(
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
  const c = counts.rows[0] as DayCounts;
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
    /** the first STUCK_SHOWN units stuck longest (the export has them all) */
    stuck_in_disinfection: stuck,
    stuck_total: stuckTotal,
    occupancy: occupancy.rows,
  };
}

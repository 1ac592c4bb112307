/**
 * The late list of the transfer clocks: people found on a (Beijing) day and still not delivered once the day is
 * over, oldest first. The clocks page shows its first rows and says how many there are; the export walks them all
 * (keyset on found time and stay), in words.
 */
import type { Queryable } from '../../db/types.ts';
import type { ExportSpec } from '../../server/list-export.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';

export interface LateTransferRow {
  placement_id: number;
  person_id: number;
  /** the person's name, only for a reader allowed to see names (person.read) and only in exports */
  person_name?: string | null;
  area_code: string;
  found_at: Date;
  placed_at: Date | null;
  /** The open trip's passenger status (assigned, picked_up), or null when on no trip. */
  trip_status: string | null;
}

export function beijingDay(day: string): { from: Date; to: Date } {
  const from = new Date(`${day}T00:00:00+08:00`);
  return { from, to: new Date(from.getTime() + 86_400_000) };
}

/** Rows of the late list (nothing before the day is over), after `after` when given. */
export async function lateTransfers(
  db: Queryable,
  scope: Scope,
  day: string,
  now: Date,
  o: { limit: number; after?: { found_at: Date; placement_id: number }; names?: boolean },
): Promise<LateTransferRow[]> {
  const { from, to } = beijingDay(day);
  const params: unknown[] = [
    from,
    to,
    now,
    o.limit,
    o.after?.found_at ?? null,
    o.after?.placement_id ?? 0,
    o.names === true,
  ];
  const { rows } = await db.query<LateTransferRow>(
    `SELECT pl.id AS placement_id, pl.person_id, CASE WHEN $7 THEN p.name END AS person_name, p.area_code,
            pl.found_at, pl.placed_at, tp.status AS trip_status
       FROM placements pl JOIN persons p ON p.id = pl.person_id
       LEFT JOIN trip_passengers tp ON tp.placement_id = pl.id AND tp.status IN ('assigned', 'picked_up')
      WHERE pl.found_at >= $1 AND pl.found_at < $2 AND pl.status = 'placed' AND $3 >= $2
        AND ($5::timestamptz IS NULL OR (pl.found_at, pl.id) > ($5, $6::int8))
        AND ${scopeCondition('p.area_code', scope, params)}
      ORDER BY pl.found_at, pl.id LIMIT $4`,
    params,
  );
  return rows.map((r) => {
    const out: LateTransferRow = {
      ...r,
      placement_id: Number(r.placement_id),
      person_id: Number(r.person_id),
    };
    if (!o.names) delete out.person_name;
    return out;
  });
}

/** How many rows the late list has. */
export async function countLateTransfers(
  db: Queryable,
  scope: Scope,
  day: string,
  now: Date,
): Promise<number> {
  const { from, to } = beijingDay(day);
  const params: unknown[] = [from, to, now];
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM placements pl JOIN persons p ON p.id = pl.person_id
      WHERE pl.found_at >= $1 AND pl.found_at < $2 AND pl.status = 'placed' AND $3 >= $2
        AND ${scopeCondition('p.area_code', scope, params)}`,
    params,
  );
  return Number(rows[0]?.n ?? 0);
}

const PAGE = 5_000;

/** The whole late list of a day, as CSV or Excel (names only for person.read). */
export function lateTransferExport(
  db: Queryable,
  scope: Scope,
  day: string,
  now: Date,
  names: boolean,
): ExportSpec<LateTransferRow> {
  return {
    name: [`转运超时-${day}`, `late transfers ${day}`],
    areasOf: (r) => [r.area_code],
    columns: [
      { header: ['安置编号', 'Stay'], value: (r) => r.placement_id },
      ...(names ? [{ header: ['姓名', 'Name'] as const, value: (r: LateTransferRow) => r.person_name }] : []),
      { header: ['所在区域', 'Area'], value: (r, c) => c.area(r.area_code) },
      { header: ['发现时间', 'Found'], value: (r, c) => c.time(r.found_at) },
      { header: ['安置时间', 'Placed'], value: (r, c) => c.time(r.placed_at) },
      {
        header: ['转运状态', 'Trip'],
        value: (r, c) =>
          r.trip_status
            ? c.word('passengerStatus', r.trip_status)
            : c.lang === 'en'
              ? 'No trip yet'
              : '未派车',
      },
    ],
    page: (last) =>
      lateTransfers(db, scope, day, now, {
        limit: PAGE,
        after: last ? { found_at: last.found_at, placement_id: last.placement_id } : undefined,
        names,
      }),
  };
}

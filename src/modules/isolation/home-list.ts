/**
 * 居家隔离/居家健康监测: the list of people at home (GET /isolation/home) and its export. One query for both, so the
 * page and the file hold the same rows: active home stays of the jurisdiction's people, due first. The export is
 * keyset-paged on (due_at, id) and never cut at the page's 1,000 rows. Names only for those who may read people
 * (the caller audits the read).
 */
import type { Queryable } from '../../db/types.ts';
import type { ExportSpec } from '../../server/list-export.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';

export type HomeKind = 'isolation' | 'monitoring';

export interface HomeStayRow {
  id: number;
  person_id: number;
  person_name?: string | null;
  area_code: string;
  kind: HomeKind;
  category: string;
  edition: string;
  from_placement_id: number | null;
  started_at: Date;
  due_at: Date;
  tests_open: number;
}

/** A page of active home stays, due first; `after` continues after a row (keyset). */
export async function homeStays(
  db: Queryable,
  scope: Scope,
  o: { kind?: HomeKind; limit: number; after?: { due_at: Date; id: number }; names?: boolean },
): Promise<HomeStayRow[]> {
  const params: unknown[] = [
    o.kind ?? null,
    o.limit,
    o.after?.due_at ?? null,
    o.after?.id ?? 0,
    o.names === true,
  ];
  const { rows } = await db.query<HomeStayRow>(
    `SELECT h.id, h.person_id, CASE WHEN $5 THEN p.name END AS person_name, h.area_code, h.kind, h.category,
            h.edition, h.from_placement_id, h.started_at, h.due_at,
            (SELECT count(*) FROM tasks t WHERE t.kind = 'home_test' AND t.status = 'open'
               AND (t.details->>'home_stay_id')::int8 = h.id)::int AS tests_open
       FROM home_stays h JOIN persons p ON p.id = h.person_id
      WHERE h.status = 'active' AND ($1::text IS NULL OR h.kind = $1)
        AND ($3::timestamptz IS NULL OR (h.due_at, h.id) > ($3, $4::int8))
        AND ${scopeCondition('h.area_code', scope, params)}
      ORDER BY h.due_at, h.id LIMIT $2`,
    params,
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), person_id: Number(r.person_id) }));
}

/** How many active home stays the list has (of a kind, or all). */
export async function countHomeStays(db: Queryable, scope: Scope, kind?: HomeKind): Promise<number> {
  const params: unknown[] = [kind ?? null];
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM home_stays h
      WHERE h.status = 'active' AND ($1::text IS NULL OR h.kind = $1) AND ${scopeCondition('h.area_code', scope, params)}`,
    params,
  );
  return Number(rows[0]?.n ?? 0);
}

const PAGE = 5_000;

export function homeStayExport(
  db: Queryable,
  scope: Scope,
  kind: HomeKind | undefined,
  names: boolean,
): ExportSpec<HomeStayRow> {
  return {
    name: ['居家人员', 'people at home'],
    areasOf: (r) => [r.area_code],
    columns: [
      { header: ['居家编号', 'Home stay'], value: (r) => r.id },
      ...(names ? [{ header: ['姓名', 'Name'] as const, value: (r: HomeStayRow) => r.person_name }] : []),
      { header: ['所在区域', 'Area'], value: (r, c) => c.area(r.area_code) },
      { header: ['类型', 'Kind'], value: (r, c) => c.word('homeKind', r.kind) },
      { header: ['人员类别', 'Category'], value: (r, c) => c.word('category', r.category) },
      { header: ['方案版本', 'Edition'], value: (r, c) => c.word('edition', r.edition) },
      { header: ['开始', 'From'], value: (r, c) => c.time(r.started_at) },
      { header: ['到期', 'Due'], value: (r, c) => c.time(r.due_at) },
      { header: ['待做检测', 'Tests open'], value: (r) => r.tests_open },
    ],
    page: (last) =>
      homeStays(db, scope, {
        kind,
        limit: PAGE,
        after: last ? { due_at: last.due_at, id: last.id } : undefined,
        names,
      }),
  };
}

/**
 * Transmission chains: a case B is linked to an earlier case A when B was found as A's contact before B became a
 * case. Clusters are the connected components of those links (union-find); each case's infector is the earliest
 * such A. An infector always comes strictly before its case in (found_at, id) order, so links can never form a
 * cycle, even when two cases found at the same instant were each traced as the other's contact. Exported as JSON and CSV.
 */
import type { Queryable } from '../../db/types.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';

export interface ChainCase {
  case_id: number;
  case_no: string;
  found_at: Date;
  area_code: string;
  infector_case_id: number | null;
  via_source: string | null;
}

export interface Cluster {
  cluster: number;
  cases: ChainCase[];
}

export async function chains(db: Queryable, scope: Scope): Promise<Cluster[]> {
  const params: unknown[] = [];
  const { rows } = await db.query<ChainCase>(
    `SELECT c.id AS case_id, c.case_no, c.found_at, c.area_code, e.case_id AS infector_case_id, e.source AS via_source
       FROM cases c
       LEFT JOIN LATERAL (
         SELECT cl.case_id, cl.source FROM contact_links cl JOIN cases a ON a.id = cl.case_id
          WHERE cl.person_id = c.person_id AND cl.found_at <= c.found_at
            AND (a.found_at, a.id) < (c.found_at, c.id)
          ORDER BY a.found_at, cl.level = 'close' DESC, cl.id LIMIT 1
       ) e ON true
      WHERE ${scopeCondition('c.area_code', scope, params)}
      ORDER BY c.found_at, c.id`,
    params,
  );
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.get(r) !== undefined && parent.get(r) !== r) r = parent.get(r) as number;
    parent.set(x, r);
    return r;
  };
  for (const r of rows) parent.set(r.case_id, r.case_id);
  for (const r of rows) {
    if (r.infector_case_id !== null && parent.has(r.infector_case_id))
      parent.set(find(r.case_id), find(r.infector_case_id));
  }
  const clusters = new Map<number, ChainCase[]>();
  for (const r of rows) {
    const root = find(r.case_id);
    const list = clusters.get(root) ?? [];
    list.push(r);
    clusters.set(root, list);
  }
  return [...clusters.values()]
    .sort((a, b) => b.length - a.length || (a[0] as ChainCase).case_id - (b[0] as ChainCase).case_id)
    .map((cases, i) => ({ cluster: i + 1, cases }));
}

export function chainsCsv(clusters: readonly Cluster[]): string {
  const byId = new Map(clusters.flatMap((c) => c.cases.map((k) => [k.case_id, k.case_no] as const)));
  const lines = ['cluster,case_no,found_at,area_code,infector_case_no,via_source'];
  for (const c of clusters) {
    for (const k of c.cases) {
      lines.push(
        [
          c.cluster,
          k.case_no,
          k.found_at.toISOString(),
          k.area_code,
          k.infector_case_id ? (byId.get(k.infector_case_id) ?? '') : '',
          k.via_source ?? '',
        ].join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

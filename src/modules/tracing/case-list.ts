/**
 * The case list (流调 · 病例), newest first, keyset-paged by id, with its total: one query for the page, the
 * export of the whole list (server/list-export.ts) and the count, so the screen and the file list the same cases.
 */
import type { Queryable } from '../../db/types.ts';
import type { ExportSpec } from '../../server/list-export.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';

export interface CaseListRow {
  id: number;
  case_no: string;
  person_id: number;
  area_code: string;
  severity: string;
  onset_date: string | null;
  first_positive_at: Date;
  found_at: Date;
  reclassified_at: Date | null;
  outcome: string | null;
  traced_at: Date | null;
  close_contacts: number;
  secondary_contacts: number;
}

export async function listCases(
  db: Queryable,
  scope: Scope,
  page: { before?: number | null; limit: number },
): Promise<CaseListRow[]> {
  const params: unknown[] = [page.limit, page.before ?? null];
  const { rows } = await db.query<CaseListRow>(
    `SELECT c.id, c.case_no, c.person_id, c.area_code, c.severity, c.onset_date, c.first_positive_at, c.found_at,
            c.reclassified_at, c.outcome, c.traced_at,
            (SELECT count(DISTINCT person_id) FROM contact_links l WHERE l.case_id = c.id AND l.level = 'close') AS close_contacts,
            (SELECT count(DISTINCT person_id) FROM contact_links l WHERE l.case_id = c.id AND l.level = 'secondary') AS secondary_contacts
       FROM cases c WHERE ${scopeCondition('c.area_code', scope, params)} AND ($2::int8 IS NULL OR c.id < $2)
      ORDER BY c.id DESC LIMIT $1`,
    params,
  );
  return rows;
}

export async function countCases(db: Queryable, scope: Scope): Promise<number> {
  const params: unknown[] = [];
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM cases c WHERE ${scopeCondition('c.area_code', scope, params)}`,
    params,
  );
  return rows[0]?.n ?? 0;
}

export function caseExport(db: Queryable, scope: Scope): ExportSpec<CaseListRow> {
  return {
    name: ['病例', 'cases'],
    areasOf: (r) => [r.area_code],
    page: (last) => listCases(db, scope, { before: last?.id ?? null, limit: 2000 }),
    columns: [
      { header: ['病例编号', 'Case number'], value: (r) => r.case_no },
      { header: ['所在区域', 'Area'], value: (r, c) => c.area(r.area_code) },
      { header: ['临床分型', 'Severity'], value: (r, c) => c.word('severity', r.severity) },
      { header: ['发病日期', 'Onset'], value: (r) => r.onset_date ?? '' },
      { header: ['首次阳性时间', 'First positive'], value: (r, c) => c.time(r.first_positive_at) },
      { header: ['发现时间', 'Found'], value: (r, c) => c.time(r.found_at) },
      { header: ['流调完成时间', 'Traced'], value: (r, c) => c.time(r.traced_at) },
      { header: ['密接人数', 'Close contacts'], value: (r) => Number(r.close_contacts) },
      { header: ['次密接人数', 'Secondary contacts'], value: (r) => Number(r.secondary_contacts) },
      { header: ['无症状转确诊时间', 'Reclassified'], value: (r, c) => c.time(r.reclassified_at) },
      { header: ['转归', 'Outcome'], value: (r, c) => c.word('outcome', r.outcome) },
    ],
  };
}

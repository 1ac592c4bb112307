/**
 * General contacts (一般接触者): people linked to a case only at the general level (no close or secondary link), kept
 * apart from risk persons — health monitoring, no isolation. One row per person with their cases and how they were
 * found. One query for the page (GET /tracing/general-contacts, keyset on the person id) and the export, so both
 * hold the same rows; the export never cuts. Names only for those who may read people (the caller audits).
 */
import type { Queryable } from '../../db/types.ts';
import type { ExportSpec } from '../../server/list-export.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { riskJoin, riskOf } from '../registry/risk.ts';

export interface GeneralContactRow {
  person_id: number;
  person_name?: string | null;
  area_code: string;
  risk_status: string;
  first_exposure_at: Date;
  found_at: Date;
  cases: string[];
  sources: string[];
}

const GENERAL_ONLY = `l.level = 'general'
  AND NOT EXISTS (SELECT 1 FROM contact_links s WHERE s.person_id = l.person_id AND s.level <> 'general')`;

export async function generalContacts(
  db: Queryable,
  scope: Scope,
  o: { after?: number; limit: number; names?: boolean },
): Promise<GeneralContactRow[]> {
  const params: unknown[] = [o.limit, o.after ?? 0, o.names === true];
  const { rows } = await db.query<GeneralContactRow>(
    `SELECT l.person_id, CASE WHEN $3 THEN p.name END AS person_name, p.area_code, ${riskOf('p')} AS risk_status,
            min(l.exposure_at) AS first_exposure_at, min(l.found_at) AS found_at,
            array_agg(DISTINCT c.case_no ORDER BY c.case_no) AS cases,
            array_agg(DISTINCT l.source ORDER BY l.source) AS sources
       FROM contact_links l JOIN persons p ON p.id = l.person_id JOIN cases c ON c.id = l.case_id ${riskJoin('p')}
      WHERE ${GENERAL_ONLY} AND l.person_id > $2 AND ${scopeCondition('p.area_code', scope, params)}
      GROUP BY l.person_id, p.name, p.area_code, p_risk.risk_status
      ORDER BY l.person_id LIMIT $1`,
    params,
  );
  return rows.map((r) => ({ ...r, person_id: Number(r.person_id) }));
}

/** How many general contacts the list has: exact up to `cap`, else `more`. */
export async function countGeneralContacts(
  db: Queryable,
  scope: Scope,
  cap = 10_000,
): Promise<{ total: number; more: boolean }> {
  const params: unknown[] = [cap + 1];
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT DISTINCT l.person_id FROM contact_links l JOIN persons p ON p.id = l.person_id
        WHERE ${GENERAL_ONLY} AND ${scopeCondition('p.area_code', scope, params)} LIMIT $1) x`,
    params,
  );
  const n = Number(rows[0]?.n ?? 0);
  return { total: Math.min(n, cap), more: n > cap };
}

const PAGE = 5_000;

export function generalContactExport(
  db: Queryable,
  scope: Scope,
  names: boolean,
): ExportSpec<GeneralContactRow> {
  return {
    name: ['一般接触者', 'general contacts'],
    areasOf: (r) => [r.area_code],
    columns: [
      { header: ['人员编号', 'Person'], value: (r) => r.person_id },
      ...(names
        ? [{ header: ['姓名', 'Name'] as const, value: (r: GeneralContactRow) => r.person_name }]
        : []),
      { header: ['所在区域', 'Area'], value: (r, c) => c.area(r.area_code) },
      { header: ['风险状态', 'Risk status'], value: (r, c) => c.word('riskStatus', r.risk_status) },
      { header: ['关联病例', 'Cases'], value: (r, c) => r.cases.join(c.lang === 'zh' ? '、' : ', ') },
      {
        header: ['发现方式', 'Found through'],
        value: (r, c) => r.sources.map((x) => c.word('contactSource', x)).join(c.lang === 'zh' ? '、' : ', '),
      },
      { header: ['最早接触', 'First exposure'], value: (r, c) => c.time(r.first_exposure_at) },
      { header: ['发现时间', 'Found'], value: (r, c) => c.time(r.found_at) },
    ],
    page: (last) => generalContacts(db, scope, { after: last?.person_id, limit: PAGE, names }),
  };
}

/**
 * People's risk status (风险状态: pool hold, case, contact, released …), kept in the register of the people at
 * risk (`person_risk`, migration 0040), not in the registry's `persons`: a person without a row there has never
 * been at risk ('none'); one back at no risk keeps a row at 'none' with the time. Queries read it through these
 * fragments (a query starting from the register names the statuses it wants), and every change goes through
 * setRiskStatus.
 */
import type { Queryable } from '../../db/types.ts';

export const RISK_STATUSES = [
  'none',
  'pool_held',
  'suspected',
  'case',
  'close_contact',
  'secondary_contact',
  'general_contact',
  'released',
  'discharged',
  'home_monitoring',
] as const;
export type RiskStatus = (typeof RISK_STATUSES)[number];

/** Joins the risk of the persons row aliased `p` (as `p_risk`); read it with riskOf(p) and riskAtOf(p). */
export const riskJoin = (p: string): string =>
  `LEFT JOIN person_risk ${p}_risk ON ${p}_risk.person_id = ${p}.id`;
/**
 * A FROM item: the people at risk, as persons rows aliased `p` with their register row `p_risk` (riskOf(p) and
 * riskAtOf(p) read it). A query that wants some statuses only starts here, from the register's index.
 */
export const atRisk = (p: string): string =>
  `person_risk ${p}_risk JOIN persons ${p} ON ${p}.id = ${p}_risk.person_id`;
/** The status of the persons row aliased `p` (riskJoin(p) or atRisk(p) in the query). */
export const riskOf = (p: string): string => `coalesce(${p}_risk.risk_status, 'none')`;
/** Since when (null for people at no risk). */
export const riskAtOf = (p: string): string => `${p}_risk.risk_status_at`;

export interface RiskGuard {
  /** Only people whose status is one of these now ('none' included). */
  from?: readonly RiskStatus[];
  /** Not people whose status is one of these now. */
  not?: readonly RiskStatus[];
}

/**
 * Sets the status of people (those the guard allows), since `at`: returns the people changed, with their area.
 * Set-based: a positive pool's 90k members are one statement. Concurrent changes of one person are decided on
 * the register's row, each guard checked again on the row as it is then.
 */
export async function setRiskStatus(
  tx: Queryable,
  ids: readonly number[],
  to: RiskStatus,
  at: Date,
  guard: RiskGuard = {},
): Promise<{ id: number; area_code: string }[]> {
  if (ids.length === 0) return [];
  const from = guard.from ? [...guard.from] : null;
  const not = [...(guard.not ?? [])];
  const guardSql = `($4::text[] IS NULL OR pr.risk_status = ANY($4::text[])) AND NOT (pr.risk_status = ANY($5::text[]))`;
  // Never a read of the register in the statement that writes it: a plan made while the register looked empty
  // scanned it whole for each person written (37 s for a pool hold of 90k at 9M people). The register's rows are
  // written or changed by the key alone, the guard checked on the row as it is. An existing row's area is never
  // written here: the registry's trigger keeps it. Back to none is a change of the rows at risk only.
  const fromNone = to !== 'none' && (from === null || from.includes('none')) && !not.includes('none');
  const { rows } = fromNone
    ? await tx.query<{ id: number; area_code: string }>(
        `INSERT INTO person_risk AS pr (person_id, risk_status, risk_status_at, area_code)
         SELECT p.id, $2, $3, p.area_code FROM persons p WHERE p.id = ANY($1::int8[]) ORDER BY p.id
         ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at
          WHERE ${guardSql}
         RETURNING pr.person_id AS id, pr.area_code`,
        [[...ids], to, at, from, not],
      )
    : await tx.query<{ id: number; area_code: string }>(
        `UPDATE person_risk pr SET risk_status = $2, risk_status_at = $3
          WHERE pr.person_id = ANY($1::int8[]) AND pr.risk_status <> $2 AND ${guardSql}
         RETURNING pr.person_id AS id, pr.area_code`,
        [[...ids], to, at, from, not],
      );
  return rows;
}

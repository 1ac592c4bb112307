/**
 * People's risk status (风险状态: pool hold, case, contact, released …), kept in the register of the people at
 * risk (`person_risk`, migration 0040), not in the registry's `persons`: a person without a row there is at no
 * risk ('none'). Queries read it through these fragments, and every change goes through setRiskStatus.
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
  if (to === 'none') {
    const { rows } = await tx.query<{ id: number; area_code: string }>(
      `DELETE FROM person_risk WHERE person_id = ANY($1::int8[])
          AND ($2::text[] IS NULL OR risk_status = ANY($2::text[])) AND NOT (risk_status = ANY($3::text[]))
       RETURNING person_id AS id, area_code`,
      [[...ids], from, not],
    );
    return rows;
  }
  const { rows } = await tx.query<{ id: number; area_code: string }>(
    `WITH now_at AS (
       SELECT p.id, p.area_code, coalesce(r.risk_status, 'none') AS s
         FROM persons p LEFT JOIN person_risk r ON r.person_id = p.id
        WHERE p.id = ANY($1::int8[])
        ORDER BY p.id
     )
     INSERT INTO person_risk AS pr (person_id, risk_status, risk_status_at, area_code)
     SELECT id, $2, $3, area_code FROM now_at
      WHERE ($4::text[] IS NULL OR s = ANY($4::text[])) AND NOT (s = ANY($5::text[]))
     ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at
      WHERE ($4::text[] IS NULL OR pr.risk_status = ANY($4::text[])) AND NOT (pr.risk_status = ANY($5::text[]))
     RETURNING pr.person_id AS id, pr.area_code`,
    [[...ids], to, at, from, not],
  );
  return rows;
}

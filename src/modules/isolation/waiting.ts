/**
 * One definition, used by every screen that shows it (dashboard, stock, responsibility list, the twin):
 * - waiting for a place: a case, close contact or secondary contact with no open stay (placed or arrived), except a
 *   secondary contact isolated at home (the 9th edition isolates them at home instead). Someone at home for
 *   monitoring after a stay who is a contact again waits again: the placement engine places them.
 * - a site in service: active, full or closing (its rooms and beds count as free, in use or in turnover).
 */

export const WAITING_STATUSES = ['case', 'close_contact', 'secondary_contact'] as const;

/** SQL condition on a persons row `p` read with its risk (`FROM ${atRisk('p')}`): the person waits for a place. */
export function waitingForPlace(p: string): string {
  return `${p}_risk.risk_status IN ('case', 'close_contact', 'secondary_contact') AND ${p}.purged_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM placements wpl WHERE wpl.person_id = ${p}.id AND wpl.status IN ('placed', 'arrived'))
    AND NOT (${p}_risk.risk_status = 'secondary_contact'
      AND EXISTS (SELECT 1 FROM home_stays wh WHERE wh.person_id = ${p}.id AND wh.status = 'active' AND wh.kind = 'isolation'))`;
}

export const SITE_IN_SERVICE = ['active', 'full', 'closing'] as const;

/**
 * SQL condition on a sites row `s`: the site takes people now — active and accepted (验收). Its available rooms and
 * beds are the free ones: what placement fills, what the sites page and the forecast count as free. One definition.
 */
export function siteTakesPeople(s: string): string {
  return `(${s}.status = 'active' AND ${s}.accepted_at IS NOT NULL)`;
}

/** SQL condition on a sites row `s`: the site is in service. */
export function siteInService(s: string): string {
  return `${s}.status IN ('active', 'full', 'closing')`;
}

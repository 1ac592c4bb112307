/**
 * Retention: anonymise the personal data of people whose records are closed, keeping what statistics need.
 * A person is closed when their risk status is none, released or discharged and has not changed since
 * `before`. Anonymised: ID number, name, phone and the address (cut to the community); the birth date keeps
 * its year. Kept: sex, birth year, area, household link, statuses — so counts by area, age and sex still hold.
 * The audit log keeps no personal data (ids and area codes only), so it is not touched.
 *
 * Travellers sampled without a registry record are known only by the ID number on their scan: scans taken before
 * `before` keep the number's region and birth year (its first 10 characters) and lose the rest.
 */
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { appendAudit } from './audit.ts';
import type { Principal } from './principal.ts';
import { type Scope, scopeCondition } from './scope.ts';

export const CLOSED_STATUSES = ['none', 'released', 'discharged'] as const;

export interface PurgeResult {
  anonymised: number;
  /** Scans of travellers (not in the registry) whose ID number was cut to region and birth year. */
  travellerScans: number;
  before: string;
  dryRun: boolean;
}

export async function purgePersons(
  db: Db,
  clock: Clock,
  actor: Principal,
  scope: Scope,
  options: { before: Date; reason: string; dryRun?: boolean },
): Promise<PurgeResult> {
  if (options.before.getTime() > clock.now().getTime()) {
    throw new RangeError(
      '--before must not be in the future: only records closed before a past day are purged',
    );
  }
  const before = options.before.toISOString();
  return db.transaction(async (tx) => {
    const params: unknown[] = [CLOSED_STATUSES, options.before];
    // On persons rows `p`: their status (none when not in the register of the people at risk) and since when.
    const where = `p.purged_at IS NULL AND ${scopeCondition('p.area_code', scope, params)}
      AND coalesce((SELECT r.risk_status FROM person_risk r WHERE r.person_id = p.id), 'none') = ANY($1::text[])
      AND coalesce((SELECT r.risk_status_at FROM person_risk r WHERE r.person_id = p.id), p.created_at) < $2`;
    const scanParams: unknown[] = [options.before];
    const scanWhere = `person_id IS NULL AND scanned_at < $1 AND length(id_number) = 18
      AND ${scopeCondition('area_code', scope, scanParams)}`;
    let anonymised: number;
    let travellerScans: number;
    if (options.dryRun) {
      const { rows } = await tx.query<{ n: number }>(
        `SELECT count(*) AS n FROM persons p WHERE ${where}`,
        params,
      );
      anonymised = rows[0]?.n ?? 0;
      const t = await tx.query<{ n: number }>(
        `SELECT count(*) AS n FROM scans WHERE ${scanWhere}`,
        scanParams,
      );
      travellerScans = t.rows[0]?.n ?? 0;
    } else {
      const t = await tx.query(
        `UPDATE scans SET id_number = left(id_number, 10) || '-' WHERE ${scanWhere}`,
        scanParams,
      );
      travellerScans = t.rowCount;
      params.push(clock.now());
      const r = await tx.query(
        `UPDATE persons p SET
           id_number = NULL, name = '已匿名', phone = NULL,
           address = coalesce((SELECT a.name FROM areas a WHERE a.code = left(p.area_code, 12)), ''),
           birth_date = date_trunc('year', birth_date)::date,
           purged_at = $${params.length}, updated_at = now()
         WHERE ${where}`,
        params,
      );
      anonymised = r.rowCount;
    }
    await appendAudit(tx, clock, actor, {
      action: options.dryRun ? 'data.purge_dry_run' : 'data.purge',
      subjectType: 'person',
      areaCode: scope.prefix || undefined,
      reason: options.reason,
      details: { anonymised, traveller_scans: travellerScans, before },
    });
    return { anonymised, travellerScans, before, dryRun: options.dryRun ?? false };
  });
}

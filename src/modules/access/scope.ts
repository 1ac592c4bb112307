/**
 * Jurisdiction scoping in the data layer. Area codes are paths (a descendant's code starts with its
 * ancestor's), so "inside the jurisdiction" is a code range: code >= J AND code < J || ':' ('9' < ':').
 * Every query that returns people or their records takes a Scope and adds its range in SQL.
 *
 * Writes follow the same rule as reads (docs/SECURITY.md, "Write scoping"): a record that names a person belongs
 * to the person's jurisdiction, so a change naming a person checks the person with `personsInScope`; a stay also
 * belongs to its site's jurisdiction (isolation/stay-scope.ts); places (sites, rooms, zones, points, tubes …) are
 * scoped by their own area code. Outside, a change is refused exactly as an unknown id is: nothing is written.
 */
import type { Queryable } from '../../db/types.ts';
import { AppError } from '../../lib/errors.ts';
import type { Principal } from './principal.ts';

export interface Scope {
  /** Area-code prefix; '' = everything (CLI operator, system jobs). */
  readonly prefix: string;
}

export const scopeOf = (p: Principal): Scope => ({ prefix: p.jurisdiction });

/** Everything: for the CLI operator and system jobs only. */
export const UNSCOPED: Scope = { prefix: '' };

export function inScope(scope: Scope, areaCode: string): boolean {
  return areaCode.startsWith(scope.prefix);
}

/**
 * The scope narrowed to an area the caller asked for: the area itself when it lies inside the scope, the scope
 * when the area contains it, and null when the two are disjoint (the answer is then empty, never a leak).
 */
export function narrow(scope: Scope, areaCode: string | undefined): Scope | null {
  if (!areaCode) return scope;
  if (areaCode.startsWith(scope.prefix)) return { prefix: areaCode };
  if (scope.prefix.startsWith(areaCode)) return scope;
  return null;
}

/** `narrow`, refusing an area outside the scope with 403 `out_of_jurisdiction` (for exports and writes). */
export function narrowOrRefuse(scope: Scope, areaCode: string | undefined): Scope {
  const narrowed = narrow(scope, areaCode);
  if (!narrowed)
    throw new AppError(403, 'out_of_jurisdiction', `area ${areaCode} is outside your jurisdiction`);
  return narrowed;
}

/** Appends the range condition on `column` to a WHERE clause under construction; returns the SQL fragment. */
export function scopeCondition(column: string, scope: Scope, params: unknown[]): string {
  if (scope.prefix === '') return 'TRUE';
  params.push(scope.prefix, `${scope.prefix}:`);
  return `(${column} >= $${params.length - 1} AND ${column} < $${params.length})`;
}

/**
 * The people among `ids` that a change may name: registered, not anonymised, and living inside the scope (id →
 * area code). Unknown people and people elsewhere are both simply absent, so callers refuse them alike and never
 * tell who exists outside the jurisdiction.
 */
export async function personsInScope(
  q: Queryable,
  ids: readonly number[],
  scope: Scope,
): Promise<Map<number, string>> {
  const params: unknown[] = [[...new Set(ids)]];
  const { rows } = await q.query<{ id: number; area_code: string }>(
    `SELECT id, area_code FROM persons
      WHERE id = ANY($1::int8[]) AND purged_at IS NULL AND ${scopeCondition('area_code', scope, params)}`,
    params,
  );
  return new Map(rows.map((r) => [r.id, r.area_code]));
}

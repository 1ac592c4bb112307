/**
 * Jurisdiction scoping in the data layer. Area codes are paths (a descendant's code starts with its
 * ancestor's), so "inside the jurisdiction" is a code range: code >= J AND code < J || ':' ('9' < ':').
 * Every query that returns people or their records takes a Scope and adds its range in SQL.
 */
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

/** Appends the range condition on `column` to a WHERE clause under construction; returns the SQL fragment. */
export function scopeCondition(column: string, scope: Scope, params: unknown[]): string {
  if (scope.prefix === '') return 'TRUE';
  params.push(scope.prefix, `${scope.prefix}:`);
  return `(${column} >= $${params.length - 1} AND ${column} < $${params.length})`;
}

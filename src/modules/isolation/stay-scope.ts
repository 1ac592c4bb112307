/**
 * Which jurisdictions own a quarantine stay (placement): the one rule for every read and every change of stays.
 * A record that names a person belongs to the person's jurisdiction; a stay also belongs to the jurisdiction of
 * the site it is in, because the site's staff look after whoever is placed there (placing people across districts
 * is normal). So a stay is in scope when its person's area OR its site's area is inside the jurisdiction — for the
 * list of stays, arrival, release, discharge, moves, health checks and self-report links alike; outside, it is not
 * found (404) and nothing is written. Rooms, beds and sites name no person: they go by the site's area alone.
 */
import type { Queryable } from '../../db/types.ts';
import type { Edition } from '../../domain/terms.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';

export interface PlacementRow {
  id: number;
  person_id: number;
  category: 'case' | 'close' | 'secondary';
  site_id: number;
  room_id: number | null;
  bed_id: number | null;
  status: string;
  edition: Edition;
  arrived_at: Date | null;
  due_at: Date | null;
  released_at: Date | null;
  found_at: Date;
  /** The first arrival of the term (a moved stay keeps its predecessor's). */
  term_started_at: Date | null;
  moved_from: number | null;
  site_area: string;
  person_area: string;
}

/**
 * SQL condition: the stay `alias` (a placements row) is in the scope by its person's area or its site's area. Both
 * are kept on the stay (migration 0030, set by trigger from the person and the site), so the condition is two index
 * ranges on open stays: a community's list no longer walks every open stay of the city, nor a district's every person.
 */
export function stayScopeCondition(alias: string, scope: Scope, params: unknown[]): string {
  if (scope.prefix === '') return 'TRUE';
  return `(${scopeCondition(`${alias}.person_area`, scope, params)} OR ${scopeCondition(`${alias}.site_area`, scope, params)})`;
}

/** The stay, row-locked, if it is in the scope; 404 otherwise (as if it did not exist). */
export async function lockStay(tx: Queryable, id: number, scope: Scope): Promise<PlacementRow> {
  const params: unknown[] = [id];
  const { rows } = await tx.query<PlacementRow>(
    `SELECT pl.* FROM placements pl
      WHERE pl.id = $1 AND ${stayScopeCondition('pl', scope, params)}
      FOR UPDATE`,
    params,
  );
  if (!rows[0]) throw new AppError(404, 'not_found', `stay ${id} was not found`);
  return rows[0];
}

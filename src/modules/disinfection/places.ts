/**
 * Places to disinfect (消杀点位): markets, supermarkets, a building's lift and stairwell, sampling points, vehicles,
 * garbage points, common areas of quarantine sites, venues. A place is scoped by its own area code (a district or
 * smaller area of the creator's jurisdiction); a place that names a building, venue, site or vehicle must lie
 * where that object is. Frequency: every N hours from a first time, once at a time, or only when triggered.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { type PlaceKind, SUBJECT_TYPE, TARGET_OF_KIND, TASK_KIND } from './rules.ts';

export interface PlaceRow {
  id: number;
  kind: PlaceKind;
  name: string;
  area_code: string;
  building_id: number | null;
  venue_id: number | null;
  site_id: number | null;
  vehicle_id: number | null;
  every_hours: number | null;
  starts_at: Date | null;
  owner: string;
  active: boolean;
  source: 'manual' | 'case';
  created_by: string;
  created_at: Date;
}

export interface PlaceInput {
  kind: PlaceKind;
  name: string;
  areaCode: string;
  buildingId?: number | undefined;
  venueId?: number | undefined;
  siteId?: number | undefined;
  vehicleId?: number | undefined;
  everyHours?: number | undefined;
  startsAt?: Date | undefined;
  owner: string;
}

const TARGET_SQL = {
  building: 'SELECT area_code FROM buildings WHERE id = $1',
  venue: 'SELECT area_code FROM venues WHERE id = $1',
  site: 'SELECT area_code FROM sites WHERE id = $1',
  vehicle: 'SELECT depot_area_code AS area_code FROM vehicles WHERE id = $1',
} as const;

export async function createPlace(
  tx: Queryable,
  clock: Clock,
  input: PlaceInput,
  by: string,
  scope: Scope,
): Promise<PlaceRow> {
  if (!input.areaCode.startsWith(scope.prefix))
    throw new AppError(403, 'out_of_jurisdiction', `area ${input.areaCode} is outside your jurisdiction`);
  const area = await tx.query('SELECT 1 FROM areas WHERE code = $1', [input.areaCode]);
  if (area.rows.length === 0)
    throw new AppError(400, 'area_unknown', `area ${input.areaCode} is not in the registry`);
  const targets = (
    [
      ['building', input.buildingId],
      ['venue', input.venueId],
      ['site', input.siteId],
      ['vehicle', input.vehicleId],
    ] as const
  ).filter(([, id]) => id !== undefined);
  if (targets.length > 1)
    throw new AppError(
      400,
      'disinfection_target_ambiguous',
      'a place names at most one of building, venue, site or vehicle',
      { targets: targets.map(([t]) => t) },
    );
  const needed = TARGET_OF_KIND[input.kind];
  if (needed && targets[0]?.[0] !== needed)
    throw new AppError(
      400,
      'disinfection_target_required',
      `a place of kind ${input.kind} names its ${needed} (${needed}_id)`,
      { kind: input.kind, target: needed },
    );
  const target = targets[0];
  if (target) {
    const [what, id] = target;
    const found = (await tx.query<{ area_code: string }>(TARGET_SQL[what], [id])).rows[0];
    // Unknown and outside the jurisdiction are refused alike: nothing tells what exists elsewhere.
    if (!found?.area_code.startsWith(scope.prefix))
      throw new AppError(404, 'disinfection_target_unknown', `no ${what} ${id} in your jurisdiction`, {
        target: what,
        id,
      });
    if (!found.area_code.startsWith(input.areaCode))
      throw new AppError(
        400,
        'disinfection_target_elsewhere',
        `${what} ${id} is in area ${found.area_code}, not inside ${input.areaCode}: give the place the area of its ${what}`,
        { target: what, id, area_code: found.area_code },
      );
  }
  if (input.everyHours !== undefined && input.startsAt === undefined)
    throw new AppError(
      400,
      'disinfection_start_required',
      'a place disinfected every N hours needs the time of its first disinfection (starts_at)',
    );
  const { rows } = await tx.query<PlaceRow>(
    `INSERT INTO disinfection_places (kind, name, area_code, building_id, venue_id, site_id, vehicle_id, every_hours,
                                      starts_at, owner, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT DO NOTHING RETURNING *`,
    [
      input.kind,
      input.name,
      input.areaCode,
      input.buildingId ?? null,
      input.venueId ?? null,
      input.siteId ?? null,
      input.vehicleId ?? null,
      input.everyHours ?? null,
      input.startsAt ?? null,
      input.owner,
      by,
      clock.now(),
    ],
  );
  if (!rows[0]) {
    const kind = TARGET_OF_KIND[input.kind];
    throw new AppError(
      409,
      'disinfection_place_exists',
      kind === 'building' || kind === 'venue'
        ? `that ${kind} already has its disinfection place`
        : `area ${input.areaCode} already has a place named "${input.name}"`,
    );
  }
  return rows[0];
}

/** A place of the scope (404 outside, as unknown). `lock` takes its row for the rest of the transaction. */
export async function placeInScope(q: Queryable, id: number, scope: Scope, lock = false): Promise<PlaceRow> {
  const params: unknown[] = [id];
  const { rows } = await q.query<PlaceRow>(
    `SELECT * FROM disinfection_places WHERE id = $1 AND ${scopeCondition('area_code', scope, params)}${lock ? ' FOR UPDATE' : ''}`,
    params,
  );
  if (!rows[0])
    throw new AppError(
      404,
      'disinfection_place_unknown',
      `no disinfection place ${id} in your jurisdiction`,
      {
        place_id: id,
      },
    );
  return rows[0];
}

/**
 * Takes a place out of service (its open disinfections not yet due are cancelled; late ones stay on the list until
 * done) or back in (its schedule resumes from now at the next run).
 */
export async function setPlaceActive(
  tx: Queryable,
  clock: Clock,
  id: number,
  active: boolean,
  scope: Scope,
): Promise<{ place: PlaceRow; cancelled: number }> {
  const place = await placeInScope(tx, id, scope, true);
  const now = clock.now();
  await tx.query('UPDATE disinfection_places SET active = $2 WHERE id = $1', [id, active]);
  let cancelled = 0;
  if (!active) {
    const r = await tx.query(
      `UPDATE tasks t SET status = 'cancelled' FROM disinfection_due d
        WHERE t.kind = $1 AND t.subject_type = $2 AND t.subject_id = d.id AND d.place_id = $3
          AND t.status = 'open' AND t.due_at > $4`,
      [TASK_KIND, SUBJECT_TYPE, id, now],
    );
    cancelled = r.rowCount;
  }
  return { place: { ...place, active }, cancelled };
}

export interface PlaceListItem extends PlaceRow {
  open: number;
  late: number;
  next_due_at: Date | null;
  last_done_at: Date | null;
}

export interface PlaceFilter {
  kind?: PlaceKind | undefined;
  active?: boolean | undefined;
  q?: string | undefined;
}

/** Places of a scope (area code, then id), with their open and late disinfections and the last one done. */
export async function listPlaces(
  db: Queryable,
  scope: Scope,
  f: PlaceFilter,
  now: Date,
  limit: number,
): Promise<{ items: PlaceListItem[]; total: number }> {
  const params: unknown[] = [];
  const where = [scopeCondition('p.area_code', scope, params)];
  if (f.kind) {
    params.push(f.kind);
    where.push(`p.kind = $${params.length}`);
  }
  if (f.active !== undefined) {
    params.push(f.active);
    where.push(`p.active = $${params.length}`);
  }
  if (f.q) {
    params.push(`%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(p.name ILIKE $${params.length} OR p.owner ILIKE $${params.length})`);
  }
  const total = await db.query<{ n: number }>(
    `SELECT count(*) AS n FROM disinfection_places p WHERE ${where.join(' AND ')}`,
    params,
  );
  const base = params.length;
  // One pass over the listed places' open tasks and records (not three subqueries per place).
  const { rows } = await db.query<PlaceListItem>(
    `WITH pl AS (
       SELECT p.* FROM disinfection_places p WHERE ${where.join(' AND ')} ORDER BY p.area_code, p.id LIMIT $${base + 4}
     ), o AS (
       SELECT d.place_id, count(*) AS open, count(*) FILTER (WHERE t.due_at < $${base + 3}) AS late, min(t.due_at) AS next_due_at
         FROM pl JOIN disinfection_due d ON d.place_id = pl.id
         JOIN tasks t ON t.kind = $${base + 1} AND t.subject_type = $${base + 2} AND t.subject_id = d.id AND t.status = 'open'
        GROUP BY d.place_id
     ), x AS (
       SELECT x.place_id, max(x.done_at) AS last_done_at FROM pl JOIN disinfections x ON x.place_id = pl.id GROUP BY 1
     )
     SELECT pl.*, coalesce(o.open, 0) AS open, coalesce(o.late, 0) AS late, o.next_due_at, x.last_done_at
       FROM pl LEFT JOIN o ON o.place_id = pl.id LEFT JOIN x ON x.place_id = pl.id
      ORDER BY pl.area_code, pl.id`,
    [...params, TASK_KIND, SUBJECT_TYPE, now, limit],
  );
  return { items: rows, total: total.rows[0]?.n ?? 0 };
}

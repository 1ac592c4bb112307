/**
 * Registry reads. Every read of people takes a Scope (the caller's jurisdiction, possibly narrowed to an area)
 * and adds its area-code range in SQL: nothing outside it can come back.
 */
import type { Queryable } from '../../db/types.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { riskAtOf, riskJoin, riskOf } from './risk.ts';

export interface RegistryStats {
  areas: {
    provinces: number;
    cities: number;
    districts: number;
    streets: number;
    communities: number;
    grids: number;
  };
  buildings: number;
  /** Open households (closed_at IS NULL): those with members; one emptied by a move is closed. */
  households: number;
  persons: number;
  venues: number;
  sites: Record<string, number>;
  rooms: number;
  room_places: number;
  beds: number;
  labs: number;
  lab_daily_capacity_tubes: number;
  vehicles: Record<string, number>;
}

export async function registryStats(db: Queryable, scope: Scope): Promise<RegistryStats> {
  const params: unknown[] = [];
  const area = scopeCondition('area_code', scope, params);
  const areaOfCode = area.replaceAll('area_code', 'code');
  const siteArea = area.replaceAll('area_code', 's.area_code');
  const depot = area.replaceAll('area_code', 'depot_area_code');
  const { rows } = await db.query<{ level: number; n: number }>(
    `SELECT level, count(*) AS n FROM areas WHERE ${areaOfCode} GROUP BY level`,
    params,
  );
  const byLevel = new Map(rows.map((r) => [r.level, r.n]));
  const counts = await db.query<Record<string, number>>(
    `SELECT
      (SELECT count(*) FROM buildings WHERE ${area}) AS buildings,
      (SELECT count(*) FROM households WHERE ${area} AND closed_at IS NULL) AS households,
      (SELECT count(*) FROM persons WHERE ${area}) AS persons,
      (SELECT count(*) FROM venues WHERE ${area}) AS venues,
      (SELECT count(*) FROM rooms r JOIN sites s ON s.id = r.site_id WHERE ${siteArea}) AS rooms,
      (SELECT coalesce(sum(capacity), 0)::int8 FROM rooms r JOIN sites s ON s.id = r.site_id WHERE ${siteArea}) AS room_places,
      (SELECT count(*) FROM beds b JOIN sites s ON s.id = b.site_id WHERE ${siteArea}) AS beds,
      (SELECT count(*) FROM labs WHERE ${area}) AS labs,
      (SELECT coalesce(sum(daily_capacity_tubes), 0)::int8 FROM labs WHERE ${area}) AS lab_capacity`,
    params,
  );
  const c = counts.rows[0] as Record<string, number>;
  const sites = await db.query<{ kind: string; n: number }>(
    `SELECT kind, count(*) AS n FROM sites WHERE ${area} GROUP BY kind ORDER BY kind`,
    params,
  );
  const vehicles = await db.query<{ kind: string; n: number }>(
    `SELECT kind, count(*) AS n FROM vehicles WHERE ${depot} GROUP BY kind ORDER BY kind`,
    params,
  );
  return {
    areas: {
      provinces: byLevel.get(1) ?? 0,
      cities: byLevel.get(2) ?? 0,
      districts: byLevel.get(3) ?? 0,
      streets: byLevel.get(4) ?? 0,
      communities: byLevel.get(5) ?? 0,
      grids: byLevel.get(6) ?? 0,
    },
    buildings: c.buildings as number,
    households: c.households as number,
    persons: c.persons as number,
    venues: c.venues as number,
    sites: Object.fromEntries(sites.rows.map((r) => [r.kind, r.n])),
    rooms: c.rooms as number,
    room_places: c.room_places as number,
    beds: c.beds as number,
    labs: c.labs as number,
    lab_daily_capacity_tubes: c.lab_capacity as number,
    vehicles: Object.fromEntries(vehicles.rows.map((r) => [r.kind, r.n])),
  };
}

export interface AreaRow {
  code: string;
  parent_code: string | null;
  level: number;
  name: string;
  kind: string | null;
}

export async function getArea(db: Queryable, code: string): Promise<AreaRow | undefined> {
  const { rows } = await db.query<AreaRow>(
    'SELECT code, parent_code, level, name, kind FROM areas WHERE code = $1',
    [code],
  );
  return rows[0];
}

/** The chain from the province down to the area itself. */
export async function areaPath(db: Queryable, code: string): Promise<AreaRow[]> {
  const prefixes = [2, 4, 6, 9, 12, 15].filter((n) => n <= code.length).map((n) => code.slice(0, n));
  const { rows } = await db.query<AreaRow>(
    'SELECT code, parent_code, level, name, kind FROM areas WHERE code = ANY($1::text[]) ORDER BY level',
    [prefixes],
  );
  return rows;
}

export interface AreaName {
  code: string;
  name: string;
  level: number;
  /** The names from the district (or the area's own level, if higher) down to the area: "船营区 北京路街道 …". */
  full: string;
}

/**
 * Names of the given area codes, each with its path of names, for screens and exports that would otherwise show
 * bare codes. Unknown codes are left out. The hierarchy is public (GB/T 2260 and its grids), so no scope applies.
 */
export async function areaNames(db: Queryable, codes: readonly string[]): Promise<AreaName[]> {
  if (codes.length === 0) return [];
  const { rows } = await db.query<AreaName>(
    `SELECT a.code, a.name, a.level,
            (SELECT string_agg(p.name, ' ' ORDER BY p.level) FROM areas p
              WHERE p.code = ANY (ARRAY[left(a.code, 6), left(a.code, 9), left(a.code, 12), left(a.code, 15), a.code])
                AND (p.level >= 3 OR p.code = a.code)) AS full
       FROM areas a WHERE a.code = ANY($1::text[])`,
    [[...new Set(codes)]],
  );
  return rows;
}

/**
 * Areas under `under` for the area picker's search: the area's own name contains the last word of `q`, and its
 * path of names (district down) contains every word ("江南 第1网格" finds that community's grid), shallowest first.
 */
export async function searchAreas(db: Queryable, q: string, under: string, limit = 20): Promise<AreaName[]> {
  const words = q.split(/\s+/).filter((w) => w !== '');
  const { rows } = await db.query<AreaName>(
    `SELECT code, name, level, "full" FROM (
       SELECT a.code, a.name, a.level,
              (SELECT string_agg(p.name, ' ' ORDER BY p.level) FROM areas p
                WHERE p.code = ANY (ARRAY[left(a.code, 6), left(a.code, 9), left(a.code, 12), left(a.code, 15), a.code])
                  AND (p.level >= 3 OR p.code = a.code)) AS full
         FROM areas a
        WHERE starts_with(a.code, $2) AND strpos(a.name, $4) > 0
     ) x
     WHERE (SELECT bool_and(strpos(coalesce(x."full", x.name), w) > 0) FROM unnest($1::text[]) AS w)
     ORDER BY level, code LIMIT $3`,
    [words, under, limit, words.at(-1) ?? ''],
  );
  return rows;
}

export interface AreaChild extends AreaRow {
  /** Residents counted within the caller's scope; null for an area outside it. */
  persons: number | null;
}

/**
 * Children of an area with their resident counts. The hierarchy is public (GB/T 2260); the counts are
 * given only for areas that overlap the caller's scope.
 */
export async function areaChildren(db: Queryable, scope: Scope, code: string | null): Promise<AreaChild[]> {
  const params: unknown[] = [code];
  const inside = scopeCondition('p.area_code', scope, params);
  params.push(scope.prefix);
  const overlap = `(starts_with(a.code, $${params.length}) OR starts_with($${params.length}, a.code))`;
  const { rows } = await db.query<AreaChild>(
    `SELECT a.code, a.parent_code, a.level, a.name, a.kind,
            CASE WHEN ${overlap} THEN
              (SELECT count(*) FROM persons p WHERE p.area_code >= a.code AND p.area_code < a.code || ':' AND ${inside})
            END AS persons
       FROM areas a WHERE a.parent_code IS NOT DISTINCT FROM $1 ORDER BY a.code`,
    params,
  );
  return rows;
}

export interface PersonRow {
  id: number;
  id_number: string;
  name: string;
  sex: 'M' | 'F';
  birth_date: string;
  phone: string | null;
  household_id: number;
  area_code: string;
  address: string;
  pregnant: boolean;
  disabled: boolean;
  chronic_illness: boolean;
  health_code: string;
  risk_status: string;
  risk_status_at: Date | null;
}

/** A persons row `p` with its risk (riskJoin('p') in the query). */
const PERSON_FIELDS = `p.id, p.id_number, p.name, p.sex, p.birth_date, p.phone, p.household_id, p.area_code, p.address,
  p.pregnant, p.disabled, p.chronic_illness, p.health_code, ${riskOf('p')} AS risk_status, ${riskAtOf('p')} AS risk_status_at`;

export interface PersonFilter {
  riskStatus?: string;
  /** Name prefix, or a full ID number. */
  q?: string;
  /**
   * Keyset pagination: the people after this one (the last of the previous page), in the list's order: by area
   * code, then id. The cursor stays a person id; its area is looked up (or given, as `afterArea`).
   */
  after?: number;
  afterArea?: string;
  limit: number;
}

/**
 * The list's order: by area, then person. People of one status at risk are walked in the register's index
 * (status, area, person), which holds the same area as the registry; everyone else in the registry's.
 */
function personKey(f: Pick<PersonFilter, 'riskStatus'>): { area: string; id: string } {
  return f.riskStatus && f.riskStatus !== 'none'
    ? { area: 'p_risk.area_code', id: 'p_risk.person_id' }
    : { area: 'p.area_code', id: 'p.id' };
}

/** The filter's conditions (not the cursor) on persons `p` with their risk, parameters appended to `params`. */
function personConditions(
  scope: Scope,
  f: Omit<PersonFilter, 'after' | 'afterArea' | 'limit'>,
  params: unknown[],
) {
  let where = `p.purged_at IS NULL AND ${scopeCondition(personKey(f).area, scope, params)}`;
  if (f.riskStatus === 'none') where += ` AND ${riskOf('p')} = 'none'`;
  else if (f.riskStatus) {
    params.push(f.riskStatus);
    where += ` AND p_risk.risk_status = $${params.length}`;
  }
  if (f.q) {
    if (/^\d{17}[\dXx]$/.test(f.q)) {
      params.push(f.q.toUpperCase());
      where += ` AND p.id_number = $${params.length}`;
    } else {
      params.push(`${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
      where += ` AND p.name LIKE $${params.length}`;
    }
  }
  return where;
}

/**
 * People of a scope, in order of area code then id: a jurisdiction is a range of area codes, so a page is one
 * short walk of the (area_code, id) index wherever the scope's people are in the table — ordering by id alone made
 * a district's first page scan every person of the districts registered before it (0.85 s at 1M people).
 */
export async function listPersons(db: Queryable, scope: Scope, f: PersonFilter): Promise<PersonRow[]> {
  const params: unknown[] = [f.limit];
  // No cursor on the first page: a row comparison from ('', 0) would make the index walk start at the table's first
  // area instead of the scope's (0.19 s for a district at 1M people).
  const key = personKey(f);
  let cursor = 'TRUE';
  if (f.after || f.afterArea) {
    params.push(f.after ?? 0, f.afterArea ?? null);
    cursor = `(${key.area}, ${key.id}) > (COALESCE($3::text, (SELECT c.area_code FROM persons c WHERE c.id = $2), ''), $2::int8)`;
  }
  const where = `${cursor} AND ${personConditions(scope, f, params)}`;
  const { rows } = await db.query<PersonRow>(
    `SELECT ${PERSON_FIELDS} FROM persons p ${riskJoin('p')} WHERE ${where} ORDER BY ${key.area}, ${key.id} LIMIT $1`,
    params,
  );
  return rows;
}

/**
 * Counted up to this many; past it a list says "more than" (a district of 10⁵–10⁶ people needs no exact figure on a
 * page). A name search counts to a lower cap: its matches are spread over the whole scope, so counting 10,000 of
 * them walks ten times as many rows (0.2 s for a district of 140,000 people).
 */
export const PERSON_COUNT_CAP = 10_000;
export const PERSON_SEARCH_COUNT_CAP = 1_000;

/** How many people the filter gives, exactly up to the cap: `{ count, more }`, `more` when there are more. */
export async function countPersons(
  db: Queryable,
  scope: Scope,
  f: Omit<PersonFilter, 'after' | 'afterArea' | 'limit'>,
): Promise<{ count: number; more: boolean }> {
  const cap = f.q ? PERSON_SEARCH_COUNT_CAP : PERSON_COUNT_CAP;
  const params: unknown[] = [cap + 1];
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n
       FROM (SELECT 1 FROM persons p ${riskJoin('p')} WHERE ${personConditions(scope, f, params)}
              ORDER BY ${personKey(f).area}, ${personKey(f).id} LIMIT $1) t`,
    params,
  );
  const n = rows[0]?.n ?? 0;
  return n > cap ? { count: cap, more: true } : { count: n, more: false };
}

export async function getPerson(db: Queryable, scope: Scope, id: number): Promise<PersonRow | undefined> {
  const params: unknown[] = [id];
  const { rows } = await db.query<PersonRow>(
    `SELECT ${PERSON_FIELDS} FROM persons p ${riskJoin('p')}
      WHERE p.id = $1 AND p.purged_at IS NULL AND ${scopeCondition('p.area_code', scope, params)}`,
    params,
  );
  return rows[0];
}

export async function householdMembers(
  db: Queryable,
  scope: Scope,
  householdId: number,
): Promise<PersonRow[]> {
  const params: unknown[] = [householdId];
  const { rows } = await db.query<PersonRow>(
    `SELECT ${PERSON_FIELDS} FROM persons p ${riskJoin('p')}
      WHERE p.household_id = $1 AND p.purged_at IS NULL AND ${scopeCondition('p.area_code', scope, params)} ORDER BY p.id`,
    params,
  );
  return rows;
}

export async function cityInfo(db: Queryable): Promise<{ code: string; name: string } | undefined> {
  const { rows } = await db.query<{ value: { code: string; name: string } }>(
    "SELECT value FROM settings WHERE key = 'city'",
  );
  return rows[0]?.value;
}

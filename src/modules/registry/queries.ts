/** Registry reads. Every read of people is filtered by an area prefix (the caller's jurisdiction or filter). */
import type { Queryable } from '../../db/types.ts';

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

export async function registryStats(db: Queryable): Promise<RegistryStats> {
  const { rows } = await db.query<{ level: number; n: number }>(
    'SELECT level, count(*) AS n FROM areas GROUP BY level',
  );
  const byLevel = new Map(rows.map((r) => [r.level, r.n]));
  const counts = await db.query<Record<string, number>>(`SELECT
      (SELECT count(*) FROM buildings) AS buildings,
      (SELECT count(*) FROM households) AS households,
      (SELECT count(*) FROM persons) AS persons,
      (SELECT count(*) FROM venues) AS venues,
      (SELECT count(*) FROM rooms) AS rooms,
      (SELECT coalesce(sum(capacity), 0)::int8 FROM rooms) AS room_places,
      (SELECT count(*) FROM beds) AS beds,
      (SELECT count(*) FROM labs) AS labs,
      (SELECT coalesce(sum(daily_capacity_tubes), 0)::int8 FROM labs) AS lab_capacity`);
  const c = counts.rows[0] as Record<string, number>;
  const sites = await db.query<{ kind: string; n: number }>(
    'SELECT kind, count(*) AS n FROM sites GROUP BY kind ORDER BY kind',
  );
  const vehicles = await db.query<{ kind: string; n: number }>(
    'SELECT kind, count(*) AS n FROM vehicles GROUP BY kind ORDER BY kind',
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

export interface AreaChild extends AreaRow {
  persons: number;
}

/** Children of an area with their resident counts (a prefix range per child). */
export async function areaChildren(db: Queryable, code: string | null): Promise<AreaChild[]> {
  const { rows } = await db.query<AreaChild>(
    `SELECT a.code, a.parent_code, a.level, a.name, a.kind,
            (SELECT count(*) FROM persons p WHERE p.area_code >= a.code AND p.area_code < a.code || ':') AS persons
       FROM areas a WHERE a.parent_code IS NOT DISTINCT FROM $1 ORDER BY a.code`,
    [code],
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

const PERSON_FIELDS = `id, id_number, name, sex, birth_date, phone, household_id, area_code, address, pregnant, disabled,
  chronic_illness, health_code, risk_status, risk_status_at`;

export interface PersonFilter {
  /** Only people whose area code starts with this (a jurisdiction or a chosen area). Required: no unscoped reads. */
  areaPrefix: string;
  riskStatus?: string;
  /** Name prefix, or a full ID number. */
  q?: string;
  /** Keyset pagination: ids greater than this. */
  after?: number;
  limit: number;
}

export async function listPersons(db: Queryable, f: PersonFilter): Promise<PersonRow[]> {
  const params: unknown[] = [f.areaPrefix, `${f.areaPrefix}:`, f.after ?? 0, f.limit];
  let where = 'area_code >= $1 AND area_code < $2 AND id > $3';
  if (f.riskStatus) {
    params.push(f.riskStatus);
    where += ` AND risk_status = $${params.length}`;
  }
  if (f.q) {
    if (/^\d{17}[\dXx]$/.test(f.q)) {
      params.push(f.q.toUpperCase());
      where += ` AND id_number = $${params.length}`;
    } else {
      params.push(`${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
      where += ` AND name LIKE $${params.length}`;
    }
  }
  const { rows } = await db.query<PersonRow>(
    `SELECT ${PERSON_FIELDS} FROM persons WHERE ${where} ORDER BY id LIMIT $4`,
    params,
  );
  return rows;
}

export async function getPerson(
  db: Queryable,
  id: number,
  areaPrefix: string,
): Promise<PersonRow | undefined> {
  const { rows } = await db.query<PersonRow>(
    `SELECT ${PERSON_FIELDS} FROM persons WHERE id = $1 AND area_code >= $2 AND area_code < $3`,
    [id, areaPrefix, `${areaPrefix}:`],
  );
  return rows[0];
}

export async function householdMembers(
  db: Queryable,
  householdId: number,
  areaPrefix: string,
): Promise<PersonRow[]> {
  const { rows } = await db.query<PersonRow>(
    `SELECT ${PERSON_FIELDS} FROM persons WHERE household_id = $1 AND area_code >= $2 AND area_code < $3 ORDER BY id`,
    [householdId, areaPrefix, `${areaPrefix}:`],
  );
  return rows;
}

export async function cityInfo(db: Queryable): Promise<{ code: string; name: string } | undefined> {
  const { rows } = await db.query<{ value: { code: string; name: string } }>(
    "SELECT value FROM settings WHERE key = 'city'",
  );
  return rows[0]?.value;
}

/**
 * Seeds the demo city into the database: the real hierarchy of one city, a generated population and the
 * response's resources, all in one transaction (a seed that fails leaves nothing behind).
 */

import { copyRows } from '../../db/bulk.ts';
import type { Db, Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { type CityBatch, generateCity } from './city-generator.ts';
import {
  AREA_COLUMNS,
  BED_COLUMNS,
  BUILDING_COLUMNS,
  HOUSEHOLD_COLUMNS,
  LAB_COLUMNS,
  PERSON_COLUMNS,
  ROOM_COLUMNS,
  SITE_COLUMNS,
  VEHICLE_COLUMNS,
  VENUE_COLUMNS,
} from './columns.ts';
import { allCountyCodes, denseCity, loadCityDivisions, provinceCountyCodes } from './divisions.ts';
import { generateResources, type ResourcePlace } from './resources.ts';

export interface SeedOptions {
  city: string;
  people: number;
  seed: number;
  /** Reference day for ages (YYYY-MM-DD); fixed by default so a seed always gives the same city. */
  asOf?: string;
  /** Only the first N urban communities of the city (a denser city: see `denseCity`); default all. */
  communities?: number;
  /** Wipe the registry (and everything that hangs on it) first. */
  reset?: boolean;
  clock: Clock;
  onProgress?: (personsWritten: number, personsTotal: number) => void;
}

export interface SeedSummary {
  city: string;
  cityName: string;
  people: number;
  households: number;
  buildings: number;
  areas: number;
  venues: number;
  sites: number;
  rooms: number;
  beds: number;
  labs: number;
  vehicles: number;
  seconds: number;
}

export class SeedConflictError extends Error {
  readonly code = 'registry_not_empty';
}

export const DEFAULT_AS_OF = '2022-03-01';
export const MAX_PEOPLE = 20_000_000;

const PLATE_PREFIX: Record<string, string> = { '2201': '吉A', '2202': '吉B' };

/**
 * Tables the seed writes, children first, for a reset; with the tables naming people without a foreign key (the
 * CASCADE would not reach them, and the people's ids start again).
 */
const REGISTRY_TABLES = [
  'person_risk',
  'tasks',
  'scans',
  'round_people',
  'persons',
  'households',
  'buildings',
  'venues',
  'rooms',
  'beds',
  'sites',
  'labs',
  'vehicles',
  'areas',
];

/** Loads only the real hierarchy of a city (province → community), keeping what is there: for production set-up. */
export async function loadCityAreas(
  db: Db,
  city: string,
): Promise<{ city: string; cityName: string; areas: number }> {
  const div = await loadCityDivisions(city);
  const rows = [div.province, div.city, ...div.districts, ...div.streets, ...div.communities].map((d) => [
    d.code,
    d.parentCode,
    d.level,
    d.name,
    d.kind,
  ]);
  const areas = await db.transaction((tx) =>
    tx.bulkInsert('areas', AREA_COLUMNS, rows, { onConflict: 'ON CONFLICT (code) DO NOTHING' }),
  );
  return { city: div.city.code, cityName: div.city.name, areas };
}

export async function registryIsEmpty(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT (SELECT count(*) FROM areas) + (SELECT count(*) FROM persons) AS n',
  );
  return rows[0]?.n === 0;
}

/** Foreign keys of the tables the generator fills (quoted names, their definitions as PostgreSQL prints them). */
async function registryForeignKeys(tx: Queryable): Promise<{ tbl: string; name: string; def: string }[]> {
  const { rows } = await tx.query<{ tbl: string; name: string; def: string }>(
    `SELECT quote_ident(c.relname) AS tbl, quote_ident(k.conname) AS name, pg_get_constraintdef(k.oid) AS def
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
      WHERE k.contype = 'f' AND c.relname = ANY($1::text[]) AND c.relnamespace = to_regnamespace(current_schema())
      ORDER BY c.relname, k.conname`,
    [['areas', 'buildings', 'households', 'persons', 'venues']],
  );
  return rows;
}

export async function seedCity(db: Db, options: SeedOptions): Promise<SeedSummary> {
  const started = performance.now();
  if (!Number.isInteger(options.people) || options.people < 1 || options.people > MAX_PEOPLE) {
    throw new RangeError(
      `people must be a whole number from 1 to ${MAX_PEOPLE.toLocaleString('en')}, got ${options.people}`,
    );
  }
  if (!Number.isInteger(options.seed))
    throw new RangeError(`seed must be a whole number, got ${options.seed}`);
  const all = await loadCityDivisions(options.city);
  const div = options.communities ? denseCity(all, options.communities) : all;
  if (div.communities.length === 0)
    throw new RangeError(`city ${options.city} has no urban community to put people in`);
  const asOf = options.asOf ?? DEFAULT_AS_OF;
  const counts = { areas: 0, buildings: 0, households: 0, people: 0, venues: 0 };

  await db.transaction(async (tx) => {
    if (options.reset) {
      await tx.exec(`TRUNCATE ${REGISTRY_TABLES.join(', ')} RESTART IDENTITY CASCADE`);
    } else if (!(await registryIsEmpty(tx))) {
      throw new SeedConflictError(
        'the registry already holds a city; seed again with --reset to replace it (this deletes its people), or use another database',
      );
    }
    // The registry's own foreign keys are checked once at the end (one join per key) rather than row by row
    // while a million rows stream in: dropped here and put back with their own definitions, in this transaction,
    // so a failed check undoes the whole seed.
    const keys = await registryForeignKeys(tx);
    for (const k of keys) await tx.exec(`ALTER TABLE ${k.tbl} DROP CONSTRAINT ${k.name}`);
    const top = [div.province, div.city, ...div.districts, ...div.streets, ...div.communities].map((d) => [
      d.code,
      d.parentCode,
      d.level,
      d.name,
      d.kind,
    ]);
    counts.areas += await tx.bulkInsert('areas', AREA_COLUMNS, top);

    const pending: CityBatch = { areas: [], buildings: [], households: [], persons: [], venues: [] };
    const places: ResourcePlace[] = [];
    // Binary COPY: the registry is most of a city's rows (a million people), new rows only. One batch is written
    // while the next is generated (the database works while this process computes); at most two are in memory.
    const write = async (b: CityBatch) => {
      counts.areas += await copyRows(tx, 'areas', AREA_COLUMNS, b.areas);
      counts.buildings += await copyRows(tx, 'buildings', BUILDING_COLUMNS, b.buildings);
      counts.households += await copyRows(tx, 'households', HOUSEHOLD_COLUMNS, b.households);
      counts.people += await copyRows(tx, 'persons', PERSON_COLUMNS, b.persons);
      counts.venues += await copyRows(tx, 'venues', VENUE_COLUMNS, b.venues);
      options.onProgress?.(counts.people, options.people);
    };
    let writing: Promise<void> = Promise.resolve();
    const flush = async () => {
      const batch = { ...pending };
      for (const k of Object.keys(pending) as (keyof CityBatch)[]) pending[k] = [];
      await writing;
      writing = write(batch);
      writing.catch(() => {}); // awaited at the next flush or at the end; not an unhandled rejection meanwhile
    };
    const generator = generateCity(div, {
      people: options.people,
      seed: options.seed,
      asOf,
      provinceCountyCodes: provinceCountyCodes(div.province.code),
      allCountyCodes: allCountyCodes(),
    });
    let sinceYield = 0;
    for (const batch of generator) {
      for (const k of Object.keys(pending) as (keyof CityBatch)[]) {
        for (const row of batch[k]) pending[k].push(row);
      }
      const first = batch.households[0];
      if (first)
        places.push({ code: first[1] as string, address: (first[6] as string).replace(/\d+号.*$/, '') });
      if (pending.persons.length >= 20_000) await flush();
      // Let the batch being written move (the generator itself never waits).
      sinceYield += batch.persons.length;
      if (sinceYield >= 2_000) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    await flush();
    await writing;

    for (const k of keys) await tx.exec(`ALTER TABLE ${k.tbl} ADD CONSTRAINT ${k.name} ${k.def}`);

    const res = generateResources(
      options.people,
      places,
      options.seed,
      div.city.name,
      PLATE_PREFIX[div.city.code] ?? `${div.city.code}-`,
    );
    await tx.bulkInsert('sites', SITE_COLUMNS, res.sites);
    // Sites that start active have passed their acceptance inspection (验收).
    await tx.query("UPDATE sites SET accepted_at = $1 WHERE status = 'active'", [options.clock.now()]);
    await tx.bulkInsert('rooms', ROOM_COLUMNS, res.rooms);
    await tx.bulkInsert('beds', BED_COLUMNS, res.beds);
    await tx.bulkInsert('labs', LAB_COLUMNS, res.labs);
    await tx.bulkInsert('vehicles', VEHICLE_COLUMNS, res.vehicles);

    // Identity sequences continue after the IDs the generator assigned.
    for (const t of ['buildings', 'households', 'persons', 'sites']) {
      await tx.query(
        `SELECT setval(pg_get_serial_sequence('${t}', 'id'), GREATEST((SELECT max(id) FROM ${t}), 1))`,
      );
    }
    const city = {
      code: div.city.code,
      name: div.city.name,
      people: options.people,
      seed: options.seed,
      asOf,
      ...(options.communities ? { communities: options.communities } : {}),
    };
    await tx.query(
      `INSERT INTO settings (key, value) VALUES ('city', $1::jsonb)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`,
      [JSON.stringify(city)],
    );
    await tx.query(
      `INSERT INTO events (type, subject_type, area_code, occurred_at, payload) VALUES ('registry.city_seeded', 'city', $1, $2, $3::jsonb)`,
      [div.city.code, options.clock.now(), JSON.stringify({ ...city, ...counts })],
    );
  });

  const stats = await db.query<Record<string, number>>(
    `SELECT (SELECT count(*) FROM sites) AS sites, (SELECT count(*) FROM rooms) AS rooms, (SELECT count(*) FROM beds) AS beds,
            (SELECT count(*) FROM labs) AS labs, (SELECT count(*) FROM vehicles) AS vehicles`,
  );
  const s = stats.rows[0] as Record<string, number>;
  return {
    city: div.city.code,
    cityName: div.city.name,
    ...counts,
    sites: s.sites as number,
    rooms: s.rooms as number,
    beds: s.beds as number,
    labs: s.labs as number,
    vehicles: s.vehicles as number,
    seconds: (performance.now() - started) / 1000,
  };
}

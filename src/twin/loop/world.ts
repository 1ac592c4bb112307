/**
 * The twin's world: a fresh database with the scenario's city seeded by the registry (the same generator, seed
 * and communities as the twin's population, so agent i is registry person `population.personId[i]`), and the
 * response's resources: a share of the vehicles, a share of the rooms.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../db/migrate.ts';
import { openPglite } from '../../db/pglite.ts';
import { openPostgres } from '../../db/postgres.ts';
import { createTempDatabase } from '../../db/temp-database.ts';
import type { Db } from '../../db/types.ts';
import { ManualClock } from '../../domain/clock.ts';
import { generateCity } from '../../modules/registry/city-generator.ts';
import {
  allCountyCodes,
  denseCity,
  loadCityDivisions,
  provinceCountyCodes,
} from '../../modules/registry/divisions.ts';
import { DEFAULT_AS_OF, seedCity } from '../../modules/registry/seed-city.ts';
import type { ModelParams } from '../params.ts';
import { buildPopulation, communitiesFromCity, type Population } from '../population.ts';
import type { Response } from './scenario.ts';

/** People per community of the twin's dense city: big enough for a school in each (see `denseCity`). */
export const PEOPLE_PER_COMMUNITY = 5_000;

export interface CitySpec {
  city: string;
  people: number;
  /** the registry generator's seed (the city's shape), not the epidemic's */
  citySeed: number;
}

export function communitiesFor(people: number): number {
  return Math.max(1, Math.round(people / PEOPLE_PER_COMMUNITY));
}

/** The twin's population for a city seeded with `seedCity({ …, communities: communitiesFor(people) })`. */
export async function populationOf(spec: CitySpec, params?: Partial<ModelParams>): Promise<Population> {
  const div = denseCity(await loadCityDivisions(spec.city), communitiesFor(spec.people));
  const batches = generateCity(div, {
    people: spec.people,
    seed: spec.citySeed,
    asOf: DEFAULT_AS_OF,
    provinceCountyCodes: provinceCountyCodes(div.province.code),
    allCountyCodes: allCountyCodes(),
  });
  return buildPopulation(communitiesFromCity(batches, DEFAULT_AS_OF), { seed: spec.citySeed, params });
}

export interface OpenedDb {
  db: Db;
  dispose: () => Promise<void>;
  backend: 'pglite' | 'postgresql';
  /** PGlite's temporary directory (removed by dispose) */
  dir?: string;
  /** the temporary PostgreSQL database's URL (dropped by dispose) */
  url?: string;
}

/**
 * A fresh database: PostgreSQL (a temporary database made and dropped) when `adminUrl` is given, else PGlite in a
 * temporary directory (removed by `dispose`). On disk, not in memory: PGlite's in-memory files grow by copying, so a
 * 200,000-person run's round slowed from 8.5 s to 17 s in 24 days and the process reached 5 GB (10 GB by day 60);
 * on disk the round stays at about 7 s and the process at about 1.2 GB.
 */
export async function openTwinDb(adminUrl?: string): Promise<OpenedDb> {
  if (!adminUrl) {
    const dir = await mkdtemp(join(tmpdir(), 'qingcang-twin-'));
    let db: Db | undefined;
    try {
      db = await openPglite(dir);
      await migrate(db);
      const opened = db;
      return {
        db: opened,
        backend: 'pglite',
        dir,
        dispose: async () => {
          try {
            await opened.close();
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        },
      };
    } catch (err) {
      await db?.close();
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }
  const temp = await createTempDatabase(adminUrl, 'qc_twin');
  const db = await openPostgres(temp.url);
  await migrate(db);
  return {
    db,
    backend: 'postgresql',
    url: temp.url,
    dispose: async () => {
      await db.close();
      await temp.drop();
    },
  };
}

/** Seeds the city and fits its resources to the response. Returns the resources as set. */
export async function seedWorld(
  db: Db,
  spec: CitySpec,
  response: Pick<Response, 'vehicles_share' | 'rooms_share'>,
  start: Date,
): Promise<{ vehicles: number; rooms: number; beds: number }> {
  await seedCity(db, {
    city: spec.city,
    people: spec.people,
    seed: spec.citySeed,
    communities: communitiesFor(spec.people),
    clock: new ManualClock(start),
  });
  await db.transaction(async (tx) => {
    // A smaller fleet: the vehicles past the share are taken out (none has a trip yet). Ambulances are kept
    // in the same share, rounded up, so severe cases can always be moved.
    if (response.vehicles_share < 1) {
      await tx.query(
        `DELETE FROM vehicles v USING (
           SELECT id, row_number() OVER (PARTITION BY kind ORDER BY id) AS n, count(*) OVER (PARTITION BY kind) AS total FROM vehicles
         ) r WHERE r.id = v.id AND r.n > ceil(r.total * $1::float8)`,
        [response.vehicles_share],
      );
    }
    // Rooms: fewer → close active sites past the share of rooms (in id order); more → open reserve sites until
    // the active rooms reach the share.
    const share = response.rooms_share;
    if (share !== 1) {
      const { rows } = await tx.query<{ id: number; status: string; rooms: number }>(
        `SELECT s.id, s.status, (SELECT count(*) FROM rooms r WHERE r.site_id = s.id)::int AS rooms
           FROM sites s WHERE s.kind NOT IN ('designated_hospital', 'shelter_hospital') ORDER BY s.id`,
      );
      const active = rows.filter((r) => r.status === 'active');
      const target = Math.round(active.reduce((a, r) => a + r.rooms, 0) * share);
      let have = 0;
      const keep: number[] = [];
      for (const r of share < 1 ? active : [...active, ...rows.filter((x) => x.status === 'reserve')]) {
        if (have >= target) break;
        keep.push(r.id);
        have += r.rooms;
      }
      await tx.query(
        `UPDATE sites SET status = CASE WHEN id = ANY($1::int8[]) THEN 'active' ELSE 'reserve' END,
                accepted_at = CASE WHEN id = ANY($1::int8[]) THEN coalesce(accepted_at, $2) ELSE accepted_at END
          WHERE kind NOT IN ('designated_hospital', 'shelter_hospital')`,
        [keep, start],
      );
    }
  });
  const { rows } = await db.query<{ vehicles: number; rooms: number; beds: number }>(
    `SELECT (SELECT count(*) FROM vehicles)::int AS vehicles,
            (SELECT count(*) FROM rooms r JOIN sites s ON s.id = r.site_id WHERE s.status = 'active')::int AS rooms,
            (SELECT count(*) FROM beds b JOIN sites s ON s.id = b.site_id WHERE s.status = 'active')::int AS beds`,
  );
  return rows[0] as { vehicles: number; rooms: number; beds: number };
}

/**
 * Tracing benchmark (流调): a city of N people (default 1,000,000) with D days (default 14) of venue check-ins,
 * K a person a day (default 5), and C co-location records a person a day (default 1) on native PostgreSQL; then
 * M new cases (default 3,500, Jilin city's worst day) become cases and have their close, secondary and general
 * contacts derived by W tracing workers side by side (default 1; on 2 cores a second one gained nothing), as in production. Target: all M traced in under 60 s.
 *
 * The synthetic mobility, generated inside PostgreSQL (deterministic hashes, no randomness):
 * - venues: besides the registry's (workplaces, restaurants, markets, schools…), one small venue code per 25
 *   residents of each community (shops, buses, building gates: kind 'other'), about the density of venue codes in
 *   2022 cities;
 * - check-ins: a working-age adult checks in at their workplace (one fixed workplace venue in their district) on
 *   half of the days, in the morning; every other check-in is at a venue of their own street, at spread-out hours;
 * - co-location: stays of 20–120 minutes in one of the street's cells (about one cell per 200 residents).
 * This is pre-lockdown mobility (everyone out five times a day), so a case has far more venue contacts than in
 * Jilin's lockdown, where contacts were mostly household and building: the load is heavier than the real one.
 *
 *   npm run bench -- tracing [--people N] [--days D] [--checkins K] [--colocations C] [--cases M] [--workers W] [--keep]
 */
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { createTempDatabase } from '../src/db/temp-database.ts';
import { ManualClock } from '../src/domain/clock.ts';
import { seedCity } from '../src/modules/registry/seed-city.ts';
import { runTracing } from '../src/modules/tracing/run-tracing.ts';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
  return v;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

const secondsSince = (t0: number) => (performance.now() - t0) / 1000;

/** The day the cases are found (Beijing noon); the feeds cover the D days before it. */
const NOW = '2022-03-14T04:00:00Z';
const FIRST_DAY = '2022-03-14T00:00:00+08:00';

async function generateFeeds(
  client: pg.Client,
  o: { days: number; checkins: number; colocations: number },
): Promise<{ checkins: number; colocations: number; seconds: number }> {
  const t0 = performance.now();
  const step = Math.floor(840 / o.checkins); // check-ins spread over 07:00–21:00, one slot each
  await client.query(`SET maintenance_work_mem = '1GB'`);
  await client.query(`
    INSERT INTO venues (area_code, kind, name, address, venue_code, capacity)
    SELECT c.code, 'other', c.name || '商户' || n, c.name || '商户' || n, 'B' || c.code || lpad(n::text, 4, '0'), 30
      FROM (SELECT left(area_code, 12) AS code, count(*) AS people FROM persons GROUP BY 1) pc
      JOIN areas c ON c.code = pc.code CROSS JOIN LATERAL generate_series(1, greatest(1, pc.people / 25)::int) AS n;
    CREATE TEMP TABLE street_venues AS
      SELECT left(area_code, 9) AS street, array_agg(id ORDER BY id) AS ids FROM venues GROUP BY 1;
    CREATE TEMP TABLE district_workplaces AS
      SELECT left(area_code, 6) AS district, array_agg(id ORDER BY id) AS ids FROM venues WHERE kind = 'workplace' GROUP BY 1;
    CREATE TEMP TABLE street_cells AS
      SELECT left(area_code, 9) AS street, greatest(1, count(*) / 200)::int AS cells FROM persons GROUP BY 1;
    CREATE TEMP TABLE movers AS
      SELECT p.id, left(p.area_code, 9) AS street,
             CASE WHEN p.birth_date BETWEEN date '${NOW.slice(0, 10)}' - interval '60 years' AND date '${NOW.slice(0, 10)}' - interval '18 years'
                  THEN w.ids[1 + (hashint8extended(p.id, 7) & 2147483647) % cardinality(w.ids)] END AS workplace
        FROM persons p LEFT JOIN district_workplaces w ON w.district = left(p.area_code, 6);
    ANALYZE street_venues; ANALYZE movers;`);
  // The feeds' day partitions (migration 0034), made ahead as the platform's job makes them, for every day loaded.
  await client.query(
    `SELECT feed_partition_for(f, (date '${FIRST_DAY.slice(0, 10)}' - d)::date)
       FROM unnest(array['checkins', 'colocations']) f CROSS JOIN generate_series(0, ${o.days}) d`,
  );
  // Load without the indexes and keys, then build them (as a bulk load would), so the schema ends as migrated.
  await client.query(`
    ALTER TABLE checkins DROP CONSTRAINT checkins_person_id_fkey, DROP CONSTRAINT checkins_venue_id_fkey,
      DROP CONSTRAINT checkins_person_id_venue_id_at_key;
    DROP INDEX checkins_venue_at; DROP INDEX checkins_person_at;
    ALTER TABLE colocations DROP CONSTRAINT colocations_person_id_fkey, DROP CONSTRAINT colocations_person_id_cell_id_starts_at_key;
    DROP INDEX colocations_cell; DROP INDEX colocations_person;`);
  for (let d = 0; d < o.days; d++) {
    const day = `timestamptz '${FIRST_DAY}' - interval '${o.days - d} days'`;
    await client.query(`
      INSERT INTO checkins (person_id, venue_id, at, received_at)
      SELECT m.id,
             CASE WHEN s = 0 AND m.workplace IS NOT NULL AND (hashint8extended(m.id * 4096 + ${d}, 5) & 1) = 0 THEN m.workplace
                  ELSE sv.ids[1 + (hashint8extended(m.id * 4096 + ${d} * 64 + s, 11) & 2147483647) % cardinality(sv.ids)] END,
             t.at, t.at + interval '1 minute'
        FROM movers m JOIN street_venues sv ON sv.street = m.street
             CROSS JOIN generate_series(0, ${o.checkins - 1}) AS s
             CROSS JOIN LATERAL (SELECT ${day} + make_interval(mins => 420 + s * ${step}
                  + ((hashint8extended(m.id * 4096 + ${d} * 64 + s, 13) & 2147483647) % ${step})::int) AS at) t`);
    await client.query(`
      INSERT INTO colocations (person_id, cell_id, starts_at, ends_at, received_at)
      SELECT m.id, 'C' || m.street || '-' || ((hashint8extended(m.id * 4096 + ${d} * 64 + s, 17) & 2147483647) % sc.cells),
             t.at, t.at + make_interval(mins => 20 + ((hashint8extended(m.id * 4096 + ${d} * 64 + s, 19) & 2147483647) % 100)::int),
             t.at + interval '2 hours'
        FROM movers m JOIN street_cells sc ON sc.street = m.street
             CROSS JOIN generate_series(0, ${o.colocations - 1}) AS s
             CROSS JOIN LATERAL (SELECT ${day} + make_interval(mins => 420 + s * ${Math.floor(780 / o.colocations)}
                  + ((hashint8extended(m.id * 4096 + ${d} * 64 + s, 23) & 2147483647) % ${Math.floor(780 / o.colocations)})::int) AS at) t`);
    process.stdout.write(`  day ${d + 1}/${o.days} of feeds after ${secondsSince(t0).toFixed(0)} s\n`);
  }
  process.stdout.write('  building indexes and keys…\n');
  await client.query(`
    ALTER TABLE checkins ADD CONSTRAINT checkins_person_id_venue_id_at_key UNIQUE (person_id, venue_id, at);
    CREATE INDEX checkins_venue_at ON checkins (venue_id, at) INCLUDE (person_id);
    CREATE INDEX checkins_person_at ON checkins (person_id, at);
    ALTER TABLE checkins ADD CONSTRAINT checkins_person_id_fkey FOREIGN KEY (person_id) REFERENCES persons (id),
      ADD CONSTRAINT checkins_venue_id_fkey FOREIGN KEY (venue_id) REFERENCES venues (id);
    ALTER TABLE colocations ADD CONSTRAINT colocations_person_id_cell_id_starts_at_key UNIQUE (person_id, cell_id, starts_at);
    CREATE INDEX colocations_cell ON colocations (cell_id, starts_at) INCLUDE (ends_at, person_id);
    CREATE INDEX colocations_person ON colocations (person_id, starts_at);
    ALTER TABLE colocations ADD CONSTRAINT colocations_person_id_fkey FOREIGN KEY (person_id) REFERENCES persons (id);
    `);
  // As autovacuum does on a live database after a feed's inserts: statistics and the visibility map.
  await client.query('VACUUM ANALYZE checkins');
  await client.query('VACUUM ANALYZE colocations');
  const n = await client.query<{ c: string; l: string }>(
    'SELECT (SELECT count(*) FROM checkins) AS c, (SELECT count(*) FROM colocations) AS l',
  );
  return { checkins: Number(n.rows[0]?.c), colocations: Number(n.rows[0]?.l), seconds: secondsSince(t0) };
}

export async function main(args: string[]): Promise<void> {
  const people = arg(args, '--people', 1_000_000);
  const days = arg(args, '--days', 14);
  const perDay = arg(args, '--checkins', 5);
  const coPerDay = arg(args, '--colocations', 1);
  const cases = arg(args, '--cases', 3_500);
  const workers = arg(args, '--workers', 1);
  if (!process.env.DATABASE_URL) {
    console.error(
      'the tracing benchmark needs a PostgreSQL server: set DATABASE_URL (the role needs CREATEDB)',
    );
    process.exit(2);
  }
  const temp = await createTempDatabase(process.env.DATABASE_URL, 'qc_bench_tracing');
  const db = await openPostgres(temp.url);
  const client = new pg.Client({ connectionString: temp.url });
  await client.connect();
  try {
    await migrate(db);
    const clock = new ManualClock(NOW);
    let t0 = performance.now();
    console.log(`seeding ${people.toLocaleString('en')} people…`);
    await seedCity(db, { city: '2202', people, seed: 42, clock });
    console.log(`  seeded in ${secondsSince(t0).toFixed(1)} s`);
    console.log(
      `generating ${days} days of feeds (${perDay} check-ins and ${coPerDay} co-location records a day)…`,
    );
    const feeds = await generateFeeds(client, { days, checkins: perDay, colocations: coPerDay });
    console.log(
      `  ${feeds.checkins.toLocaleString('en')} check-ins, ${feeds.colocations.toLocaleString('en')} co-location records in ${feeds.seconds.toFixed(1)} s`,
    );
    // The day's positives, spread over the morning, as the testing module emits them.
    await client.query(
      `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
       SELECT 'testing.person_positive', 'person', id, area_code,
              timestamptz '${FIRST_DAY}' + make_interval(mins => (hashint8extended(id, 29) & 2147483647)::int % 600), '{}'::jsonb
         FROM persons ORDER BY hashint8extended(id, 31) LIMIT $1`,
      [cases],
    );
    await client.query('VACUUM ANALYZE persons');
    console.log(`tracing ${cases.toLocaleString('en')} new cases…`);
    t0 = performance.now();
    const perCase: number[] = [];
    let created = 0;
    let lastPrint = t0;
    // Several workers side by side, as several server processes would run them (SKIP LOCKED batches).
    const worker = async () => {
      for (;;) {
        const run = await runTracing(db, clock);
        created += run.casesCreated;
        for (const s of run.traced) perCase.push(s.ms);
        if (run.casesCreated === 0 && run.traced.length === 0) {
          const left = await db.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM cases WHERE traced_at IS NULL',
          );
          if ((left.rows[0]?.n ?? 0) === 0) break;
          await new Promise((r) => setTimeout(r, 20)); // another worker holds the rest
        }
        if (performance.now() - lastPrint > 5000) {
          lastPrint = performance.now();
          console.log(
            `  ${perCase.length.toLocaleString('en')} traced after ${secondsSince(t0).toFixed(1)} s`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
    const seconds = secondsSince(t0);
    const counts = await client.query<{ level: string; people: string; links: string }>(
      'SELECT level, count(DISTINCT person_id) AS people, count(*) AS links FROM contact_links GROUP BY level',
    );
    const by = new Map(
      counts.rows.map((r) => [r.level, { people: Number(r.people), links: Number(r.links) }]),
    );
    const sources = await client.query<{ source: string; level: string; n: string }>(
      'SELECT source, level, count(*) AS n FROM contact_links GROUP BY 1, 2 ORDER BY 1, 2',
    );
    const events = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM events WHERE type = 'tracing.risk_person_found'",
    );
    perCase.sort((a, b) => a - b);
    const p50 = quantile(perCase, 0.5);
    const p99 = quantile(perCase, 0.99);
    const close = by.get('close')?.people ?? 0;
    const secondary = by.get('secondary')?.people ?? 0;
    const general = by.get('general')?.people ?? 0;
    console.log(`people             ${people.toLocaleString('en')}`);
    console.log(`check-ins          ${feeds.checkins.toLocaleString('en')} (${days} days)`);
    console.log(`co-location recs   ${feeds.colocations.toLocaleString('en')}`);
    console.log(
      `cases              ${created.toLocaleString('en')} created, ${perCase.length.toLocaleString('en')} traced`,
    );
    console.log(`seconds            ${seconds.toFixed(2)} (target < 60)`);
    console.log(`per case           p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
    console.log(
      `close contacts     ${close.toLocaleString('en')} people (${(close / created).toFixed(1)} per case)`,
    );
    console.log(`secondary contacts ${secondary.toLocaleString('en')} people`);
    console.log(`general contacts   ${general.toLocaleString('en')} people`);
    console.log(`risk events        ${Number(events.rows[0]?.n).toLocaleString('en')}`);
    console.log(`links by source    ${sources.rows.map((r) => `${r.source}/${r.level} ${r.n}`).join(', ')}`);
    console.log(
      JSON.stringify({
        bench: 'tracing',
        backend: 'postgresql',
        people,
        days,
        checkins: feeds.checkins,
        colocations: feeds.colocations,
        cases: created,
        workers,
        seconds: Number(seconds.toFixed(3)),
        per_case_p50_ms: Number(p50.toFixed(2)),
        per_case_p99_ms: Number(p99.toFixed(2)),
        close_contacts: close,
        secondary_contacts: secondary,
        general_contacts: general,
        links: [...by.values()].reduce((a, b) => a + b.links, 0),
        feed_generation_seconds: Number(feeds.seconds.toFixed(1)),
      }),
    );
  } finally {
    await client.end();
    await db.close();
    if (args.includes('--keep')) console.log(`kept the database: ${temp.url}`);
    else await temp.drop();
  }
}

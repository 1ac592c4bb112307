/**
 * Seeding benchmark: the demo city with N people (default 1,000,000) into a fresh database, then, as a baseline
 * in the same run, raw PostgreSQL COPY of the same person rows into a table of the same shape.
 * Uses DATABASE_URL (a real PostgreSQL server; a temporary database is created and dropped) or, with
 * --pglite, the embedded database in memory. Target (foundation issue): 1M people into native PostgreSQL < 60 s.
 *
 *   npm run bench -- seed [--people N] [--pglite]
 */
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { migrate } from '../src/db/migrate.ts';
import { openPglite } from '../src/db/pglite.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { createTempDatabase } from '../src/db/temp-database.ts';
import type { Db } from '../src/db/types.ts';
import { ManualClock } from '../src/domain/clock.ts';
import { seedCity } from '../src/modules/registry/seed-city.ts';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function copyBaseline(url: string): Promise<{ rows: number; seconds: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // A logged table like the seeded one (a TEMP table skips the WAL, which the seed cannot).
    await client.query(
      'CREATE TABLE persons_copy (LIKE persons INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)',
    );
    // Take the rows out as COPY text first (not timed), then time the raw COPY load alone.
    const chunks: Buffer[] = [];
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => chunks.push(c));
    await pipeline(client.query(copyTo('COPY persons TO STDOUT')), sink);
    const t0 = performance.now();
    const stream = client.query(copyFrom('COPY persons_copy FROM STDIN'));
    const src = new PassThrough();
    const done = pipeline(src, stream);
    for (const c of chunks) if (!src.write(c)) await new Promise((r) => src.once('drain', r));
    src.end();
    await done;
    const seconds = (performance.now() - t0) / 1000;
    const { rows } = await client.query('SELECT count(*)::int AS n FROM persons_copy');
    await client.query('DROP TABLE persons_copy');
    return { rows: rows[0].n as number, seconds };
  } finally {
    await client.end();
  }
}

export async function main(args: string[]): Promise<void> {
  const people = Number(arg(args, '--people') ?? 1_000_000);
  const usePglite = args.includes('--pglite') || !process.env.DATABASE_URL;
  let db: Db;
  let url: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  if (usePglite) {
    if (!args.includes('--pglite'))
      console.log('DATABASE_URL is not set: measuring the embedded PGlite database (no COPY baseline)');
    db = await openPglite();
  } else {
    const temp = await createTempDatabase(process.env.DATABASE_URL as string, 'qc_bench_seed');
    url = temp.url;
    db = await openPostgres(url);
    drop = temp.drop;
  }
  try {
    await migrate(db);
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const t0 = performance.now();
    let lastPrint = t0;
    const s = await seedCity(db, {
      city: '2202',
      people,
      seed: 42,
      clock: new ManualClock('2022-03-14T00:00:00Z'),
      onProgress: (n) => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        const now = performance.now();
        if (now - lastPrint > 5000) {
          lastPrint = now;
          console.log(`  ${n.toLocaleString('en')} people after ${((now - t0) / 1000).toFixed(1)} s`);
        }
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const rows = s.people + s.households + s.buildings + s.areas + s.venues + s.rooms + s.beds;
    console.log(`backend            ${db.describe().kind}`);
    console.log(`people             ${s.people.toLocaleString('en')}`);
    console.log(
      `rows written       ${rows.toLocaleString('en')} (people, households, buildings, areas, venues, rooms, beds)`,
    );
    console.log(`seconds            ${seconds.toFixed(2)}`);
    console.log(`rows/s             ${Math.round(rows / seconds).toLocaleString('en')}`);
    console.log(`people/s           ${Math.round(s.people / seconds).toLocaleString('en')}`);
    console.log(`peak RSS           ${Math.round(peakRss / 2 ** 20)} MiB`);
    const result: Record<string, unknown> = {
      bench: 'seed',
      backend: db.describe().kind,
      people: s.people,
      rows,
      seconds: Number(seconds.toFixed(3)),
      rows_per_s: Math.round(rows / seconds),
      people_per_s: Math.round(s.people / seconds),
      peak_rss_mib: Math.round(peakRss / 2 ** 20),
    };
    if (url) {
      const base = await copyBaseline(url);
      const copyRate = base.rows / base.seconds;
      const ratio = s.people / seconds / copyRate;
      console.log(
        `baseline: raw COPY of the same ${base.rows.toLocaleString('en')} person rows: ${base.seconds.toFixed(2)} s, ${Math.round(copyRate).toLocaleString('en')} rows/s`,
      );
      console.log(`ratio (seed people/s ÷ COPY rows/s): ${ratio.toFixed(2)}`);
      Object.assign(result, {
        copy_rows_per_s: Math.round(copyRate),
        copy_seconds: Number(base.seconds.toFixed(3)),
        ratio_to_copy: Number(ratio.toFixed(3)),
      });
    }
    console.log(JSON.stringify(result));
  } finally {
    await db.close();
    await drop?.();
  }
}

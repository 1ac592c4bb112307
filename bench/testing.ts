/**
 * Mass-testing benchmark: one full round (采、送、检、报) for a city of N people (default 1,000,000).
 *
 * 1. Seeds the demo city (2202, seed 42) into a temporary database and starts a round over the whole city.
 * 2. Bulk scan registration: every resident scanned once into 20-in-1 tubes, written to one CSV scan file (not
 *    timed) and registered through `importScanFile` (what POST /rounds/:id/scans/file and `qingcang scans import`
 *    do). Baseline in the same run: raw `COPY … FROM STDIN` of the same scan rows, as stored, into a table made
 *    with `LIKE scans INCLUDING ALL` (the same primary key, unique key, indexes, defaults and CHECK), logged like
 *    scans itself; and, for reference, into a TEMP table (no WAL, so not durable).
 * 3. Single-scan HTTP rate: the real app in a child process (so the load generator and the server do not share
 *    one event loop), an API token of role 'testing' on 2202, autocannon with ONE scan per POST, each connection
 *    a sampler filling its own fresh 20-in-1 tubes of a second round with people of the registry.
 * 4. Tubes closed, boxed, shipped and received (transport.ts, in batches); results for every tube through
 *    `ingestResults` in batches of 5,000, except the ~1 % positive pools, which come from a lab's CSV file through
 *    `importResultsFile`: the follow-up time is that import, from its start to every re-test task committed.
 *
 * Uses DATABASE_URL (a temporary database is created and dropped) or, without it or with --pglite, the embedded
 * database in memory (no COPY baseline; the HTTP server then runs in this process).
 *
 *   npm run bench -- testing [--people N] [--pglite] [--duration S] [--connections C] [--processes P] [--cpu-prof] [--keep]
 *
 * --processes P (PostgreSQL only) serves the single scans from the platform's own cluster, `qingcang serve --role api
 * --processes P` (P API processes sharing one port), instead of one server process.
 * --cpu-prof keeps a CPU profile of the server process; --keep keeps the temporary database for inspection.
 * On PostgreSQL it also prints the database's size after seeding and what one round's scans add, per 1M people.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createReadStream, createWriteStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { migrate } from '../src/db/migrate.ts';
import { openPglite } from '../src/db/pglite.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { createTempDatabase } from '../src/db/temp-database.ts';
import type { BulkColumn, BulkInsertOptions, Db, Queryable, QueryResult } from '../src/db/types.ts';
import { type Clock, ManualClock, systemClock } from '../src/domain/clock.ts';
import { createToken } from '../src/modules/access/accounts.ts';
import { seedCity } from '../src/modules/registry/seed-city.ts';
import { ingestResults, type ResultInput } from '../src/modules/testing/results.ts';
import { importResultsFile } from '../src/modules/testing/results-file.ts';
import { createRound } from '../src/modules/testing/rounds.ts';
import { importScanFile } from '../src/modules/testing/scan-import.ts';
import { closeTubes, packBox, receiveBox, shipBox } from '../src/modules/testing/transport.ts';
import { buildApp } from '../src/server/app.ts';
import { startPlatform } from './_http.ts';

const CITY = '2202';
const SEED = 42;
const POOL = 20;
const RESULT_BATCH = 5000;
const TUBES_PER_BOX = 100;
const BOXES_PER_TX = 10;
/** Tube i (in id order) of round 1 is a positive pool when i % POSITIVE_EVERY === POSITIVE_AT: 1 %. */
const POSITIVE_EVERY = 100;
const POSITIVE_AT = 37;

// ------------------------------------------------------------------------------------------- helpers

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const mib = (b: number) => Math.round(b / 2 ** 20);

let peakRss = 0;
function sampleRss(): void {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}

/**
 * Busy and total CPU ticks of the machine, and the ticks of each PostgreSQL process by pid (Linux /proc). Kept by
 * pid so that a backend that ends between two samples (a closed connection, autovacuum) does not take its earlier
 * ticks out of the difference.
 */
function cpuTicks(
  root?: number,
): { busy: number; total: number; postgres: Map<string, number>; server: Map<string, number> } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const postgres = new Map<string, number>();
    const server = new Map<string, number>(); // the server's processes: `root` and its children
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const close = s.lastIndexOf(')');
        const f = s.slice(close + 2).split(' ');
        const ticks = Number(f[11]) + Number(f[12]); // utime, stime
        if (root !== undefined && (Number(pid) === root || Number(f[1]) === root)) server.set(pid, ticks);
        else if (s.slice(s.indexOf('(') + 1, close) === 'postgres') postgres.set(pid, ticks);
      } catch {
        // the process ended meanwhile
      }
    }
    return { busy: total - idle, total, postgres, server };
  } catch {
    return undefined;
  }
}

/** Statement counts and times, to see where a request's time goes (wraps the Db the code under test gets). */
interface QueryStats {
  statements: Map<string, { n: number; ms: number }>;
  transactions: number;
  txMs: number;
}

function newStats(): QueryStats {
  return { statements: new Map(), transactions: 0, txMs: 0 };
}

function record(stats: QueryStats, sql: string, ms: number): void {
  const key = sql.replace(/\s+/g, ' ').trim().slice(0, 90);
  const s = stats.statements.get(key);
  if (s) {
    s.n++;
    s.ms += ms;
  } else stats.statements.set(key, { n: 1, ms });
}

function instrument(q: Queryable, stats: QueryStats): Queryable {
  return {
    kind: q.kind,
    async query<T = Record<string, unknown>>(
      sql: string,
      params?: readonly unknown[],
    ): Promise<QueryResult<T>> {
      const t0 = performance.now();
      try {
        return await q.query<T>(sql, params);
      } finally {
        record(stats, sql, performance.now() - t0);
      }
    },
    async bulkInsert(
      table: string,
      columns: readonly BulkColumn[],
      rows: readonly unknown[][],
      options?: BulkInsertOptions,
    ): Promise<number> {
      const t0 = performance.now();
      try {
        return await q.bulkInsert(table, columns, rows, options);
      } finally {
        record(stats, `bulkInsert ${table} ${options?.onConflict ?? ''}`, performance.now() - t0);
      }
    },
    async exec(sql: string): Promise<void> {
      const t0 = performance.now();
      try {
        await q.exec(sql);
      } finally {
        record(stats, sql, performance.now() - t0);
      }
    },
    copyTo(sql: string): AsyncIterable<Buffer> {
      return q.copyTo(sql);
    },
    async copyFrom(
      sql: string,
      source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
    ): Promise<number> {
      const t0 = performance.now();
      try {
        return await q.copyFrom(sql, source);
      } finally {
        record(stats, sql, performance.now() - t0);
      }
    },
  };
}

function instrumentDb(db: Db, stats: QueryStats): Db {
  return {
    ...instrument(db, stats),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const t0 = performance.now();
      stats.transactions++;
      try {
        return await db.transaction((tx) => fn(instrument(tx, stats)));
      } finally {
        stats.txMs += performance.now() - t0;
      }
    },
    close: () => db.close(),
    describe: () => db.describe(),
  };
}

type StatementRow = { sql: string; n: number; ms: number };
function topStatements(stats: QueryStats, limit = 12): StatementRow[] {
  return [...stats.statements.entries()]
    .map(([sql, s]) => ({ sql, n: s.n, ms: s.ms }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, limit);
}

function printStatements(rows: StatementRow[], per: number, perName: string): void {
  for (const r of rows) {
    console.log(
      `    ${(r.n / per).toFixed(2).padStart(6)} / ${perName}  ${(r.ms / r.n).toFixed(2).padStart(7)} ms each  ${r.sql}`,
    );
  }
}

// ------------------------------------------------------------------------------------------- sizes on disk

const REGISTRY_TABLES = ['persons', 'households', 'buildings', 'areas'];
const ROUND_TABLES = ['scans', 'tubes', 'round_people', 'sampling_points'];

/**
 * Bytes of the named tables (with their indexes and TOAST) and of the whole database. A partitioned table (scans,
 * round people) holds nothing itself: its partitions are counted, found with pg_partition_tree.
 */
async function sizes(db: Db, tables: readonly string[]): Promise<{ tables: number; database: number }> {
  const { rows } = await db.query<{ tables: string; database: string }>(
    `SELECT coalesce(sum(pg_total_relation_size(coalesce(t.relid, c.oid))), 0)::text AS tables,
            pg_database_size(current_database())::text AS database
       FROM pg_class c LEFT JOIN LATERAL pg_partition_tree(c.oid) t ON c.relkind = 'p'
      WHERE c.relname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND (t.relid IS NULL OR t.isleaf)`,
    [tables],
  );
  return { tables: Number(rows[0]?.tables ?? 0), database: Number(rows[0]?.database ?? 0) };
}

// ------------------------------------------------------------------------------------------- HTTP server

/** A TCP port free now on 127.0.0.1 (asked of the kernel, then released for the server to take). */
async function startServer(db: Db, clock: Clock): Promise<{ port: number; close: () => Promise<void> }> {
  const app = await buildApp({ db, clock, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the server has no TCP address');
  return { port: address.port, close: () => app.close() };
}

type ParentMessage = { cmd: 'reset' } | { cmd: 'stats' } | { cmd: 'stop' };
interface ChildStats {
  type: 'stats';
  cpuMs: number;
  peakRss: number;
  transactions: number;
  txMs: number;
  statements: StatementRow[];
  statementCount: number;
}
type ChildMessage = { type: 'ready'; port: number } | ChildStats;

/** Child-process mode: the real app on native PostgreSQL (BENCH_DATABASE_URL), answering the parent over IPC. */
async function serveChild(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url || !process.send) throw new Error('--serve is for the benchmark child process');
  const stats = newStats();
  const raw = await openPostgres(url);
  const server = await startServer(instrumentDb(raw, stats), systemClock);
  let cpu = process.cpuUsage();
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 200);
  process.on('message', (m: ParentMessage) => {
    if (m.cmd === 'reset') {
      stats.statements.clear();
      stats.transactions = 0;
      stats.txMs = 0;
      cpu = process.cpuUsage();
    } else if (m.cmd === 'stats') {
      const c = process.cpuUsage(cpu);
      const msg: ChildStats = {
        type: 'stats',
        cpuMs: (c.user + c.system) / 1000,
        peakRss: peak,
        transactions: stats.transactions,
        txMs: stats.txMs,
        statements: topStatements(stats, 20),
        statementCount: [...stats.statements.values()].reduce((a, s) => a + s.n, 0),
      };
      process.send?.(msg);
    } else if (m.cmd === 'stop') {
      clearInterval(timer);
      void server
        .close()
        .then(() => raw.close())
        .then(() => process.exit(0));
    }
  });
  process.send({ type: 'ready', port: server.port } satisfies ChildMessage);
}

// ------------------------------------------------------------------------------------------- autocannon

interface Histogram {
  average: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  total: number;
}
interface CannonResult {
  requests: Histogram & { sent: number };
  latency: Histogram;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
}
interface CannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  setupRequest?: (req: Record<string, unknown>, context: Record<string, unknown>) => Record<string, unknown>;
}
interface CannonClient {
  setRequests(requests: CannonRequest[]): void;
}
type Autocannon = (
  opts: {
    url: string;
    connections: number;
    duration: number;
    timeout?: number;
    setupClient?: (client: CannonClient) => void;
    requests?: CannonRequest[];
  },
  cb: (err: Error | null, result: CannonResult) => void,
) => unknown;

function runCannon(autocannon: Autocannon, opts: Parameters<Autocannon>[0]): Promise<CannonResult> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

// ------------------------------------------------------------------------------------------- database

interface Target {
  db: Db;
  url?: string;
  drop?: () => Promise<void>;
}

async function openTarget(args: string[]): Promise<Target> {
  if (args.includes('--pglite') || !process.env.DATABASE_URL) {
    if (!args.includes('--pglite'))
      console.log(
        'DATABASE_URL is not set: measuring the embedded PGlite database in memory (no COPY baseline; the HTTP server runs in this process)',
      );
    return { db: await openPglite() };
  }
  const temp = await createTempDatabase(process.env.DATABASE_URL as string, 'qc_bench_testing');
  return { db: await openPostgres(temp.url), url: temp.url, drop: temp.drop };
}

type CopyVariant = 'temp' | 'logged';

/**
 * Raw COPY of the round's scan rows (exported to a file first, not timed) into a table made with
 * `LIKE scans INCLUDING ALL`: a logged table like scans itself (the baseline: the same rows stored as durably), and
 * a TEMP table (no WAL, not durable; for reference).
 */
async function copyBaseline(
  url: string,
  roundId: number,
  file: string,
  variant: CopyVariant,
): Promise<{ rows: number; seconds: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = `scans_copy_${variant}`;
    await client.query(
      `CREATE ${variant === 'temp' ? 'TEMP ' : ''}TABLE ${table} (LIKE scans INCLUDING ALL)`,
    );
    if (variant === 'logged')
      await pipeline(
        client.query(copyTo(`COPY (SELECT * FROM scans WHERE round_id = ${roundId} ORDER BY id) TO STDOUT`)),
        createWriteStream(file),
      );
    await client.query('CHECKPOINT'); // the bulk phase's dirty pages are not this COPY's to write
    const t0 = performance.now();
    await pipeline(
      createReadStream(file, { highWaterMark: 1 << 20 }),
      client.query(copyFrom(`COPY ${table} FROM STDIN`)),
    );
    const seconds = (performance.now() - t0) / 1000;
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${table}`);
    await client.query(`DROP TABLE ${table}`);
    return { rows: rows[0].n as number, seconds };
  } finally {
    await client.end();
  }
}

// ------------------------------------------------------------------------------------------- main

export async function main(args: string[]): Promise<void> {
  if (args[0] === '--serve') return serveChild();
  const people = Number(arg(args, '--people') ?? 1_000_000);
  const duration = Number(arg(args, '--duration') ?? 15);
  const connections = Number(arg(args, '--connections') ?? 50);
  const cpuProf = args.includes('--cpu-prof');
  const processes = Number(arg(args, '--processes') ?? 1);
  if (!Number.isInteger(processes) || processes < 1 || processes > 16)
    throw new RangeError('--processes must be a whole number from 1 to 16');
  if (processes > 1 && (args.includes('--pglite') || !process.env.DATABASE_URL))
    throw new RangeError('--processes above 1 needs PostgreSQL: set DATABASE_URL');
  if (!Number.isInteger(people) || people < 100)
    throw new RangeError('--people must be a whole number ≥ 100');

  const rssTimer = setInterval(sampleRss, 250);
  rssTimer.unref();
  const target = await openTarget(args);
  const { db, url } = target;
  const dir = await mkdtemp(join(tmpdir(), 'qc-bench-testing-'));
  const clock = new ManualClock('2022-03-14T06:00:00Z');
  const phase: Record<string, number> = {};
  const result: Record<string, unknown> = { bench: 'testing', backend: db.describe().kind, people };
  const started = performance.now();
  console.log(
    `${db.describe().kind}, ${fmt(people)} people; load average at start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (other work on this machine skews every figure)`,
  );
  try {
    await migrate(db);

    // ---------------------------------------------------------------- 1. city, round, points
    let t0 = performance.now();
    let lastPrint = t0;
    await seedCity(db, {
      city: CITY,
      people,
      seed: SEED,
      clock,
      onProgress: (n) => {
        const now = performance.now();
        if (now - lastPrint > 10_000) {
          lastPrint = now;
          console.log(`  seeding: ${fmt(n)} people after ${((now - t0) / 1000).toFixed(0)} s`);
        }
      },
    });
    phase.seed_s = (performance.now() - t0) / 1000;
    console.log(`seeded ${fmt(people)} people in ${phase.seed_s.toFixed(1)} s`);
    const sizeAfterSeed = url ? await sizes(db, REGISTRY_TABLES) : undefined;
    if (sizeAfterSeed) {
      const perM = (b: number) => mib((b * 1e6) / people);
      console.log(
        `on disk after seeding: registry tables ${mib(sizeAfterSeed.tables)} MiB (${perM(sizeAfterSeed.tables)} MiB per 1M people, indexes included: ${REGISTRY_TABLES.join(', ')}); database ${mib(sizeAfterSeed.database)} MiB`,
      );
      Object.assign(result, {
        registry_mib_per_1m: perM(sizeAfterSeed.tables),
        database_mib_after_seed: mib(sizeAfterSeed.database),
      });
    }

    t0 = performance.now();
    const round1 = await db.transaction((tx) =>
      createRound(tx, clock, { name: '第1轮全员核酸 (bench)', areas: [CITY], createdBy: 'bench' }, CITY),
    );
    const roundId = round1.round.id;
    const points = await db.query<{ id: number; area_code: string }>(
      'SELECT id, area_code FROM sampling_points WHERE round_id = $1 ORDER BY id',
      [roundId],
    );
    const pointsOf = new Map<string, number[]>();
    for (const p of points.rows) {
      const list = pointsOf.get(p.area_code);
      if (list) list.push(p.id);
      else pointsOf.set(p.area_code, [p.id]);
    }
    phase.round_s = (performance.now() - t0) / 1000;
    console.log(
      `round ${roundId} over ${CITY}: ${fmt(points.rows.length)} sampling points in ${fmt(pointsOf.size)} communities (${phase.round_s.toFixed(2)} s)`,
    );

    // The registry in id order, as typed arrays (9M people fit): person id and community index.
    const ids = new Int32Array(people);
    const community = new Uint16Array(people);
    const communities: string[] = [];
    const communityIndex = new Map<string, number>();
    let loaded = 0;
    for (let after = 0; ; ) {
      const page = await db.query<{ id: number; c: string }>(
        'SELECT id, left(area_code, 12) AS c FROM persons WHERE id > $1 ORDER BY id LIMIT 50000',
        [after],
      );
      if (page.rows.length === 0) break;
      for (const r of page.rows) {
        let ci = communityIndex.get(r.c);
        if (ci === undefined) {
          ci = communities.push(r.c) - 1;
          communityIndex.set(r.c, ci);
        }
        ids[loaded] = r.id;
        community[loaded] = ci;
        loaded++;
      }
      after = page.rows[page.rows.length - 1]?.id as number;
    }
    if (loaded !== people) throw new Error(`expected ${people} people, found ${loaded}`);
    const pointsByCommunity = communities.map((c) => pointsOf.get(c) ?? []);

    // ---------------------------------------------------------------- 2. bulk scan registration
    // Every resident scanned once into 20-in-1 tubes at a point of their community, written as a scan file (not
    // timed), then registered through importScanFile: COPY into staging, set-based checks, tubes, round_people, scans.
    const perCommunity = new Uint32Array(communities.length);
    const tubeOf = new Map<number, { no: number; fill: number }>();
    const base = Date.parse('2022-03-14T01:00:00Z');
    const scanFile = join(dir, 'scans.csv');
    {
      const out = createWriteStream(scanFile, { highWaterMark: 1 << 20 });
      const write = (s: string) =>
        out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
      await write('key,tube,person_id,point_id,scanned_at\n');
      let lines: string[] = [];
      for (let i = 0; i < people; i++) {
        const ci = community[i] as number;
        const list = pointsByCommunity[ci] as number[];
        const pointId = list[(perCommunity[ci] as number) % list.length] as number;
        perCommunity[ci] = (perCommunity[ci] as number) + 1;
        let tube = tubeOf.get(pointId);
        if (!tube) {
          tube = { no: 0, fill: 0 };
          tubeOf.set(pointId, tube);
        }
        if (tube.fill === POOL) {
          tube.no++;
          tube.fill = 0;
        }
        tube.fill++;
        const personId = ids[i] as number;
        lines.push(
          `r${roundId}-${String(personId).padStart(9, '0')},R${roundId}P${pointId}T${tube.no},${personId},${pointId},${new Date(base + i).toISOString()}\n`,
        );
        if (lines.length === 10_000) {
          await write(lines.join(''));
          lines = [];
        }
      }
      await write(lines.join(''));
      await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())));
    }
    const fileBytes = statSync(scanFile).size;
    console.log(
      `bulk scans: ${fmt(people)} scans, ${POOL}-in-1, in one CSV file of ${(fileBytes / 2 ** 20).toFixed(0)} MiB through importScanFile`,
    );
    if (url) await db.query('CHECKPOINT'); // seeding's dirty pages are not the import's to write (as for COPY below)
    t0 = performance.now();
    lastPrint = t0;
    const bulk = await importScanFile(db, clock, scanFile, {
      roundId,
      fileName: 'scans.csv',
      uploader: 'token:bench-sampler',
      scopePrefix: CITY,
      onProgress: (p) => {
        const now = performance.now();
        if (now - lastPrint > 10_000) {
          lastPrint = now;
          console.log(
            `  ${p.phase === 'check' ? 'checking' : 'writing'}: ${((p.bytes / p.totalBytes) * 100).toFixed(0)} % of the file after ${((now - t0) / 1000).toFixed(0)} s`,
          );
        }
      },
    });
    phase.bulk_scans_s = (performance.now() - t0) / 1000;
    const bulkRate = people / phase.bulk_scans_s;
    const tubeCount = await db.query<{ n: number; open: number }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE status = 'open') AS open FROM tubes WHERE round_id = $1`,
      [roundId],
    );
    const tubes = tubeCount.rows[0]?.n ?? 0;
    const flagged = Object.values(bulk.flags).reduce((a, b) => a + b, 0);
    console.log(
      `bulk scans         ${fmt(people)} rows in ${phase.bulk_scans_s.toFixed(2)} s = ${fmt(bulkRate)} rows/s (${fmt(tubes)} tubes, ${fmt(tubeCount.rows[0]?.open ?? 0)} left open; accepted ${fmt(bulk.accepted)}, rejected ${bulk.rejected}, duplicates ${bulk.duplicates}, flagged ${flagged})`,
    );
    console.log(
      `                   steps (ms): ${Object.entries(bulk.ms)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ')}; per-row rechecks: ${JSON.stringify(bulk.rechecked)}`,
    );
    if (bulk.accepted !== people) throw new Error(`${people - bulk.accepted} scans were not accepted`);
    if (sizeAfterSeed) {
      // These tables held nothing before this first round (the points were made with it).
      const after = await sizes(db, ROUND_TABLES);
      const grown = after.tables;
      const perM = (b: number) => mib((b * 1e6) / people);
      console.log(
        `on disk, one round: its scan rows, tubes, round people and points ${mib(grown)} MiB (${perM(grown)} MiB per 1M people sampled, indexes included; WAL not counted); database ${mib(sizeAfterSeed.database)} → ${mib(after.database)} MiB`,
      );
      Object.assign(result, { round_mib_per_1m: perM(grown) });
    }
    Object.assign(result, {
      scans: people,
      tubes,
      bulk_rows_per_s: Math.round(bulkRate),
      bulk_seconds: Number(phase.bulk_scans_s.toFixed(3)),
      bulk_steps_ms: bulk.ms,
    });

    if (url) {
      t0 = performance.now();
      const file = join(dir, 'scans.copy');
      const copy = {} as Record<CopyVariant, { rows: number; seconds: number; rate: number }>;
      for (const v of ['logged', 'temp'] as const) {
        const r = await copyBaseline(url, roundId, file, v);
        copy[v] = { ...r, rate: r.rows / r.seconds };
      }
      phase.copy_baseline_s = (performance.now() - t0) / 1000;
      const line = (v: CopyVariant, what: string) =>
        console.log(
          `${v === 'logged' ? 'baseline COPY     ' : '                  '} ${what}: ${fmt(copy[v].rows)} rows in ${copy[v].seconds.toFixed(2)} s = ${fmt(copy[v].rate)} rows/s; bulk ÷ COPY ${(bulkRate / copy[v].rate).toFixed(2)}`,
        );
      line(
        'logged',
        'the same scan rows into a table LIKE scans INCLUDING ALL (logged like scans; PK, unique key, its B-tree and BRIN indexes, CHECK)',
      );
      line('temp', '… into a TEMP table of the same shape (no WAL: not durable, shown for reference)');
      console.log(
        `ratio bulk ÷ COPY  ${(bulkRate / copy.logged.rate).toFixed(2)} against the logged table (target ≥ 0.5): ${bulkRate / copy.logged.rate >= 0.5 ? 'met' : 'NOT met'}`,
      );
      Object.assign(result, {
        copy_rows_per_s: Math.round(copy.logged.rate),
        copy_seconds: Number(copy.logged.seconds.toFixed(3)),
        copy_table:
          'LIKE scans INCLUDING ALL, logged (same PK, unique key, indexes, CHECK; scans has no FKs)',
        bulk_vs_copy: Number((bulkRate / copy.logged.rate).toFixed(3)),
        copy_temp_rows_per_s: Math.round(copy.temp.rate),
        bulk_vs_copy_temp: Number((bulkRate / copy.temp.rate).toFixed(3)),
      });
    }

    // ---------------------------------------------------------------- 3. single-scan HTTP rate
    t0 = performance.now();
    const round2 = await db.transaction((tx) =>
      createRound(tx, systemClock, { name: '第2轮 (bench HTTP)', areas: [CITY], createdBy: 'bench' }, CITY),
    );
    const round2Id = round2.round.id;
    const points2 = (
      await db.query<{ id: number }>('SELECT id FROM sampling_points WHERE round_id = $1 ORDER BY id', [
        round2Id,
      ])
    ).rows.map((r) => r.id);
    const { token } = await createToken(db, systemClock, {
      name: 'bench-testing',
      role: 'testing',
      jurisdiction: CITY,
      days: 1,
      createdBy: null,
    });
    let child: ReturnType<typeof fork> | undefined;
    let cluster: ChildProcess | undefined;
    let closeLocal: (() => Promise<void>) | undefined;
    let port: number;
    const profDir = join(dir, 'cpu-prof');
    if (url && processes > 1) {
      // The platform's own cluster (`qingcang serve --role api --processes N`): N API processes sharing one port.
      const platform = await startPlatform(url, processes);
      cluster = platform.process;
      port = platform.port;
    } else if (url) {
      child = fork(fileURLToPath(new URL('./run.ts', import.meta.url)), ['testing', '--serve'], {
        env: { ...process.env, BENCH_DATABASE_URL: url },
        execArgv: cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
      });
      port = await new Promise<number>((resolve, reject) => {
        child?.once('error', reject);
        child?.once('exit', (code) => reject(new Error(`the server process exited (${code})`)));
        child?.on('message', (m: ChildMessage) => {
          if (m.type === 'ready') resolve(m.port);
        });
      });
    } else {
      const s = await startServer(db, systemClock);
      port = s.port;
      closeLocal = s.close;
    }
    const childStats = (): Promise<ChildStats | undefined> =>
      child
        ? new Promise((resolve) => {
            const on = (m: ChildMessage) => {
              if (m.type === 'stats') {
                child?.off('message', on);
                resolve(m);
              }
            };
            child?.on('message', on);
            child?.send({ cmd: 'stats' } satisfies ParentMessage);
          })
        : Promise.resolve(undefined);

    const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
    const path = `/api/testing/rounds/${round2Id}/scans`;
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    let nextClient = 0;
    let nextPerson = 0;
    // Each connection is one sampler at one point, filling its own tubes one swab at a time.
    const setupClient = (client: CannonClient) => {
      const c = nextClient++;
      const pointId = points2[c % points2.length] as number;
      let n = 0;
      client.setRequests([
        {
          method: 'POST',
          path,
          headers,
          setupRequest: (req) => {
            const personId = ids[nextPerson++ % people] as number;
            const body = JSON.stringify({
              items: [
                {
                  key: `h${round2Id}-c${c}-${n}`,
                  tube: `H${round2Id}C${c}T${Math.floor(n / POOL)}`,
                  person_id: personId,
                  point_id: pointId,
                  scanned_at: new Date().toISOString(),
                },
              ],
            });
            n++;
            return { ...req, body };
          },
        },
      ]);
    };
    const cannonOpts = {
      url: `http://127.0.0.1:${port}`,
      connections,
      setupClient,
      requests: [{ method: 'POST', path, headers }],
    };
    console.log(
      `HTTP single scans: ${cluster ? `the platform's cluster, ${processes} API processes` : url ? 'server in a child process' : 'server in this process'}, ${connections} connections, warm-up 3 s, then ${duration} s`,
    );
    await runCannon(autocannon, { ...cannonOpts, duration: 3 });
    child?.send({ cmd: 'reset' } satisfies ParentMessage);
    const cpu0 = cpuTicks(cluster?.pid);
    const self0 = process.cpuUsage();
    const ac = await runCannon(autocannon, { ...cannonOpts, duration });
    const self = process.cpuUsage(self0);
    const cpu1 = cpuTicks(cluster?.pid);
    const server = await childStats();
    const requestsSent = nextPerson;
    if (cluster) {
      const exited = new Promise((r) => cluster?.once('exit', r));
      cluster.kill('SIGTERM');
      await exited;
    } else if (child) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.send({ cmd: 'stop' } satisfies ParentMessage);
      await exited;
    } else await closeLocal?.();
    phase.http_s = (performance.now() - t0) / 1000;
    const ok = ac['2xx'];
    const rps = ok / ac.duration;
    const stored = await db.query<{ n: number; twice: number }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE 'sampled_twice' = ANY(flags)) AS twice FROM scans WHERE round_id = $1`,
      [round2Id],
    );
    console.log(
      `scan requests      ${fmt(ok)} answered 2xx in ${ac.duration.toFixed(1)} s = ${fmt(rps)} req/s; latency p50 ${ac.latency.p50} ms, p90 ${ac.latency.p90} ms, p99 ${ac.latency.p99} ms, max ${ac.latency.max} ms`,
    );
    console.log(
      `                   non-2xx ${ac.non2xx}, errors ${ac.errors}, timeouts ${ac.timeouts}; status codes ${JSON.stringify(ac.statusCodeStats)}`,
    );
    console.log(
      `                   scans stored in round ${round2Id} (warm-up included): ${fmt(stored.rows[0]?.n ?? 0)} of ${fmt(requestsSent)} requests built; sampled_twice ${fmt(stored.rows[0]?.twice ?? 0)}${requestsSent > people ? ' (more requests than people: the registry was reused)' : ''}`,
    );
    console.log(
      `targets            ≥ 3,000 req/s: ${rps >= 3000 ? 'met' : 'NOT met'} · p99 < 50 ms: ${ac.latency.p99 < 50 ? 'met' : 'NOT met'} · non-2xx = 0: ${ac.non2xx === 0 ? 'met' : 'NOT met'}`,
    );
    Object.assign(result, {
      scan_processes: processes,
      scan_rps: Math.round(rps),
      scan_p50_ms: ac.latency.p50,
      scan_p99_ms: ac.latency.p99,
      scan_non2xx: ac.non2xx,
      scan_errors: ac.errors,
      scan_connections: connections,
    });
    if (server && cpu0 && cpu1) {
      const seconds = ac.duration;
      const ticks = 100; // USER_HZ
      const cores = (cpu1.total - cpu0.total) / ticks / seconds;
      const busy = (cpu1.busy - cpu0.busy) / ticks / seconds;
      let pgTicks = 0; // processes alive at the end: their ticks since the start (or since they began)
      for (const [pid, t] of cpu1.postgres) pgTicks += t - (cpu0.postgres.get(pid) ?? 0);
      const postgres = pgTicks / ticks / seconds;
      const node = server.cpuMs / 1000 / seconds;
      const gen = (self.user + self.system) / 1e6 / seconds;
      const perReq = server.statementCount / ok;
      console.log(
        `CPU (cores busy)   machine ${busy.toFixed(2)} of ${cores.toFixed(1)}: server (Node) ${node.toFixed(2)}, PostgreSQL ${postgres.toFixed(2)}, autocannon ${gen.toFixed(2)}, other processes and kernel ${Math.max(0, busy - node - postgres - gen).toFixed(2)}; per request: server ${((server.cpuMs * 1000) / ok).toFixed(0)} µs, PostgreSQL ${((postgres * seconds * 1e6) / ok).toFixed(0)} µs`,
      );
      console.log(
        `statements         ${perReq.toFixed(1)} per request (+ BEGIN/COMMIT of ${(server.transactions / ok).toFixed(2)} transactions); server peak RSS ${mib(server.peakRss)} MiB; by total time:`,
      );
      printStatements(server.statements, ok, 'req');
      Object.assign(result, {
        scan_statements_per_req: Number(perReq.toFixed(2)),
        scan_cpu_server_cores: Number(node.toFixed(2)),
        scan_cpu_postgres_cores: Number(postgres.toFixed(2)),
        scan_cpu_autocannon_cores: Number(gen.toFixed(2)),
        scan_cpu_other_cores: Number(Math.max(0, busy - node - postgres - gen).toFixed(2)),
        server_peak_rss_mib: mib(server.peakRss),
      });
    }
    if (cluster && cpu0 && cpu1) {
      const seconds = ac.duration;
      const ticks = 100; // USER_HZ
      const delta = (a: Map<string, number>, b: Map<string, number>) => {
        let n = 0;
        for (const [pid, t] of b) n += t - (a.get(pid) ?? 0);
        return n / ticks / seconds;
      };
      const cores = (cpu1.total - cpu0.total) / ticks / seconds;
      const busy = (cpu1.busy - cpu0.busy) / ticks / seconds;
      const node = delta(cpu0.server, cpu1.server);
      const postgres = delta(cpu0.postgres, cpu1.postgres);
      const gen = (self.user + self.system) / 1e6 / seconds;
      console.log(
        `CPU (cores busy)   machine ${busy.toFixed(2)} of ${cores.toFixed(1)}: ${processes} API processes and their primary ${node.toFixed(2)}, PostgreSQL ${postgres.toFixed(2)}, autocannon ${gen.toFixed(2)}, other processes and kernel ${Math.max(0, busy - node - postgres - gen).toFixed(2)}; per request: server ${((node * seconds * 1e6) / ok).toFixed(0)} µs, PostgreSQL ${((postgres * seconds * 1e6) / ok).toFixed(0)} µs`,
      );
      Object.assign(result, {
        scan_cpu_server_cores: Number(node.toFixed(2)),
        scan_cpu_postgres_cores: Number(postgres.toFixed(2)),
        scan_cpu_autocannon_cores: Number(gen.toFixed(2)),
        scan_cpu_machine_busy_cores: Number(busy.toFixed(2)),
      });
    }
    if (cpuProf && child) console.log(`CPU profile of the server: ${profDir} (kept)`);

    // ---------------------------------------------------------------- 4. transport, results, follow-up
    clock.set('2022-03-14T10:00:00Z');
    t0 = performance.now();
    const open = await db.query<{ barcode: string }>(
      `SELECT barcode FROM tubes WHERE round_id = $1 AND status = 'open' ORDER BY id`,
      [roundId],
    );
    for (let i = 0; i < open.rows.length; i += 1000) {
      const chunk = open.rows.slice(i, i + 1000).map((r) => r.barcode);
      const out = await db.transaction((tx) => closeTubes(tx, clock, chunk, CITY));
      if (out.some((o) => o.status !== 'ok')) throw new Error('closeTubes refused a tube');
    }
    phase.close_s = (performance.now() - t0) / 1000;

    t0 = performance.now();
    const closed = await db.query<{ barcode: string; sampling_point_id: number }>(
      `SELECT barcode, sampling_point_id FROM tubes WHERE round_id = $1 AND status = 'closed' ORDER BY sampling_point_id, id`,
      [roundId],
    );
    const boxes: { box: string; tubes: string[] }[] = [];
    let current: { box: string; tubes: string[]; point: number } | undefined;
    for (const t of closed.rows) {
      if (!current || current.point !== t.sampling_point_id || current.tubes.length === TUBES_PER_BOX) {
        current = { box: `B${roundId}-${boxes.length + 1}`, tubes: [], point: t.sampling_point_id };
        boxes.push(current);
      }
      current.tubes.push(t.barcode);
    }
    for (let i = 0; i < boxes.length; i += BOXES_PER_TX) {
      const group = boxes.slice(i, i + BOXES_PER_TX);
      await db.transaction(async (tx) => {
        for (const b of group) {
          const res = await packBox(tx, clock, { roundId, box: b.box, tubes: b.tubes, scopePrefix: CITY });
          if (res.tubes.some((o) => o.status !== 'ok')) throw new Error(`packBox refused a tube of ${b.box}`);
        }
      });
    }
    phase.pack_s = (performance.now() - t0) / 1000;

    clock.set('2022-03-14T11:00:00Z');
    t0 = performance.now();
    for (let i = 0; i < boxes.length; i += BOXES_PER_TX) {
      const group = boxes.slice(i, i + BOXES_PER_TX);
      await db.transaction(async (tx) => {
        for (const b of group) await shipBox(tx, clock, b.box, CITY);
      });
    }
    phase.ship_s = (performance.now() - t0) / 1000;

    clock.set('2022-03-14T12:00:00Z');
    const labs = (await db.query<{ id: number }>('SELECT id FROM labs ORDER BY id')).rows.map((r) => r.id);
    t0 = performance.now();
    for (let i = 0; i < boxes.length; i += BOXES_PER_TX) {
      const group = boxes.slice(i, i + BOXES_PER_TX);
      await db.transaction(async (tx) => {
        for (const [j, b] of group.entries()) {
          const r = await receiveBox(tx, clock, b.box, labs[(i + j) % labs.length] as number, CITY);
          if (r.tubes !== b.tubes.length)
            throw new Error(`box ${b.box}: ${r.tubes} of ${b.tubes.length} received`);
        }
      });
    }
    phase.receive_s = (performance.now() - t0) / 1000;
    const transportS = phase.close_s + phase.pack_s + phase.ship_s + phase.receive_s;
    console.log(
      `transport          ${fmt(open.rows.length)} open tubes closed ${phase.close_s.toFixed(2)} s · ${fmt(closed.rows.length)} tubes packed into ${fmt(boxes.length)} boxes ${phase.pack_s.toFixed(2)} s · shipped ${phase.ship_s.toFixed(2)} s · received at ${labs.length} labs ${phase.receive_s.toFixed(2)} s (${fmt(closed.rows.length / transportS)} tubes/s over the four steps)`,
    );

    // Results: the 99 % through ingestResults (batches of 5,000); the 1 % positive pools from a CSV file.
    clock.set('2022-03-14T15:00:00Z');
    const received = await db.query<{ barcode: string; members: number }>(
      `SELECT barcode, members FROM tubes WHERE round_id = $1 AND status = 'received' ORDER BY id`,
      [roundId],
    );
    const negatives: ResultInput[] = [];
    const positives: { barcode: string; members: number }[] = [];
    const testedAt = new Date('2022-03-14T14:30:00Z');
    for (const [i, t] of received.rows.entries()) {
      if (i % POSITIVE_EVERY === POSITIVE_AT) positives.push(t);
      else negatives.push({ tube: t.barcode, result: 'negative', testedAt, labCode: 'BENCH-LAB' });
    }
    const resultsStats = newStats();
    const resultsDb = instrumentDb(db, resultsStats);
    t0 = performance.now();
    let recorded = 0;
    for (let i = 0; i < negatives.length; i += RESULT_BATCH) {
      const chunk = negatives.slice(i, i + RESULT_BATCH);
      const res = await resultsDb.transaction((tx) => ingestResults(tx, clock, chunk, 'api', CITY));
      recorded += res.outcomes.filter((o) => o.status === 'recorded').length;
    }
    phase.results_s = (performance.now() - t0) / 1000;
    if (recorded !== negatives.length) throw new Error(`${negatives.length - recorded} results not recorded`);
    const resultsRate = negatives.length / phase.results_s;
    console.log(
      `results (API)      ${fmt(negatives.length)} negative tubes through ingestResults in batches of ${fmt(RESULT_BATCH)}: ${phase.results_s.toFixed(2)} s = ${fmt(resultsRate)} rows/s`,
    );

    printStatements(topStatements(resultsStats, 6), resultsStats.transactions, 'batch');
    const csv = join(dir, 'lis-export.csv');
    const lines = ['试管条码,检测结果,检测时间,ORF1ab基因Ct值,N基因Ct值,检测机构'];
    for (const [i, t] of positives.entries())
      lines.push(
        `${t.barcode},阳性,2022-03-14 22:30,${(28 + (i % 7) * 0.5).toFixed(1)},${(27 + (i % 5) * 0.4).toFixed(1)},BENCH-LAB`,
      );
    await writeFile(csv, `${lines.join('\r\n')}\r\n`);
    const expected = positives.reduce((a, t) => a + t.members, 0);
    const fileStats = newStats();
    t0 = performance.now();
    const report = await importResultsFile(instrumentDb(db, fileStats), clock, csv, {
      fileName: 'lis-export.csv',
      scopePrefix: CITY,
    });
    const followupMs = performance.now() - t0;
    phase.followup_s = followupMs / 1000;
    const tasks = await db.query<{ n: number }>(
      `SELECT count(*) AS n FROM tasks WHERE kind = 'retest_single_tube' AND status = 'open' AND (details->>'round_id')::int8 = $1`,
      [roundId],
    );
    // Targets: 2 s for a city of a million, 5 s for a city of 9 million (a positive pool's members grow with it).
    const followTargetMs = people > 1_000_000 ? 5000 : 2000;
    const held = await db.query<{ n: number }>(
      `SELECT count(*) AS n FROM person_risk WHERE risk_status = 'pool_held'`,
    );
    const taskCount = tasks.rows[0]?.n ?? 0;
    console.log(
      `follow-up          CSV of ${fmt(positives.length)} positive pools (${((100 * positives.length) / received.rows.length).toFixed(2)} % of ${fmt(received.rows.length)} tubes) imported with importResultsFile: ${followupMs.toFixed(0)} ms from the start of the import to every re-test task committed`,
    );
    console.log(
      `                   ${fmt(taskCount)} re-test tasks (expected ${fmt(expected)}, the members of the positive pools: ${taskCount === expected ? 'equal' : 'DIFFERENT'}), ${fmt(held.rows[0]?.n ?? 0)} people held at home; summary ${JSON.stringify(report.followUp)}; target < ${followTargetMs / 1000} s: ${followupMs < followTargetMs ? 'met' : 'NOT met'}`,
    );
    console.log('                   statements of the import, by total time:');
    printStatements(topStatements(fileStats, 8), 1, 'file');
    if (taskCount !== expected) throw new Error(`tasks ${taskCount} ≠ members of positive pools ${expected}`);
    const totalS = (performance.now() - started) / 1000;
    sampleRss();
    console.log(
      `phases (s)         ${Object.entries(phase)
        .map(([k, v]) => `${k.replace(/_s$/, '')} ${v.toFixed(1)}`)
        .join(' · ')} · total ${totalS.toFixed(1)}`,
    );
    console.log(`peak RSS           ${mib(peakRss)} MiB (this process)`);
    Object.assign(result, {
      boxes: boxes.length,
      results_rows: negatives.length,
      results_rows_per_s: Math.round(resultsRate),
      followup_ms: Math.round(followupMs),
      positive_pools: positives.length,
      tasks: taskCount,
      held: held.rows[0]?.n ?? 0,
      phase_seconds: Object.fromEntries(
        Object.entries(phase).map(([k, v]) => [k.replace(/_s$/, ''), Number(v.toFixed(2))]),
      ),
      total_seconds: Number(totalS.toFixed(1)),
      peak_rss_mib: mib(peakRss),
    });
    console.log(JSON.stringify(result));
  } finally {
    clearInterval(rssTimer);
    await db.close();
    if (args.includes('--keep') && target.url)
      console.log(`kept the database: ${target.url.replace(/:[^:@/]*@/, ':***@')}`);
    else await target.drop?.();
    if (!cpuProf) await rm(dir, { recursive: true, force: true });
  }
}

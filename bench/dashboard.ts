/**
 * Dashboard benchmark (指挥大屏): a city of N people (default 1,000,000) on native PostgreSQL with three days of
 * activity as the tracing and isolation modules produce it — 1,000, 2,000 and 3,500 new cases a day (Jilin city's
 * worst day), their household and stairwell contacts traced, everyone placed that the rooms and beds allow, half
 * of each day's placements arrived — then the real server (a child process, with its background refresh every
 * 15 s running as in production) under C concurrent clients (default 50, autocannon) on every dashboard endpoint
 * in turn. Target (command issue): p95 < 100 ms for every endpoint.
 *
 *   npm run bench -- dashboard [--people N] [--connections C] [--duration S]
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { migrate } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { createTempDatabase } from '../src/db/temp-database.ts';
import { ManualClock } from '../src/domain/clock.ts';
import { createToken } from '../src/modules/access/accounts.ts';
import { UNSCOPED } from '../src/modules/access/scope.ts';
import { refreshDashboard } from '../src/modules/command/dashboard.ts';
import { placeBacklog } from '../src/modules/isolation/place-backlog.ts';
import { arrive } from '../src/modules/isolation/stays.ts';
import { seedCity } from '../src/modules/registry/seed-city.ts';
import { runTracing } from '../src/modules/tracing/run-tracing.ts';
import { buildApp } from '../src/server/app.ts';

const DAYS = [
  { at: '2022-03-19T02:00:00Z', cases: 1_000 },
  { at: '2022-03-20T02:00:00Z', cases: 2_000 },
  { at: '2022-03-21T02:00:00Z', cases: 3_500 },
];
const NOW = '2022-03-21T08:00:00Z'; // 16:00 Beijing time, the screens on the wall
const CITY = '2202';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
  return v;
}
const secondsSince = (t0: number) => (performance.now() - t0) / 1000;

/** Child-process mode: the real app with its workers on BENCH_DATABASE_URL, on the benchmark's day. */
async function serveChild(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url || !process.send) throw new Error('--serve is for the benchmark child process');
  const db = await openPostgres(url);
  const app = await buildApp({ db, clock: new ManualClock(NOW), logger: false, workers: true });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the server has no TCP address');
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'stop')
      void app
        .close()
        .then(() => db.close())
        .then(() => process.exit(0));
  });
  process.send({ type: 'ready', port: address.port });
}

interface Histogram {
  p50: number;
  p90: number;
  p97_5: number;
  p99: number;
  average: number;
  max: number;
}
interface CannonResult {
  latency: Histogram;
  requests: { average: number; total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (
  opts: { url: string; connections: number; duration: number; headers: Record<string, string> },
  cb: (err: Error | null, r: CannonResult) => void,
) => unknown;

/** p95 is not in autocannon's summary: it is taken from every response's latency, recorded as it arrives. */
function runCannon(
  autocannon: Autocannon,
  opts: Parameters<Autocannon>[0],
): Promise<{ result: CannonResult; p95: number }> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => {
      if (err) reject(err);
      else resolve({ result, p95: Number(p95Of(latencies).toFixed(2)) });
    }) as { on(event: 'response', f: (c: unknown, code: number, bytes: number, ms: number) => void): void };
    const latencies: number[] = [];
    instance.on('response', (_c, _code, _bytes, ms) => latencies.push(ms));
  });
}
function p95Of(samples: number[]): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))] as number;
}

async function makeActivity(db: Awaited<ReturnType<typeof openPostgres>>, clock: ManualClock): Promise<void> {
  for (const d of DAYS) {
    const t0 = performance.now();
    clock.set(d.at);
    await db.query(
      `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
       SELECT 'testing.person_positive', 'person', id, area_code, $2, '{}'::jsonb
         FROM persons WHERE risk_status = 'none' ORDER BY hashint8extended(id, $3) LIMIT $1`,
      [d.cases, d.at, d.cases],
    );
    let traced = 0;
    for (;;) {
      const r = await runTracing(db, clock);
      traced += r.traced.length;
      if (r.casesCreated === 0 && r.traced.length === 0) break;
    }
    clock.set(new Date(new Date(d.at).getTime() + 3 * 3600_000));
    const placed = await db.transaction((tx) => placeBacklog(tx, clock, UNSCOPED, '8th'));
    clock.set(new Date(new Date(d.at).getTime() + 5 * 3600_000));
    const stays = await db.query<{ id: number }>(
      "SELECT id FROM placements WHERE status = 'placed' AND id % 2 = 0 ORDER BY id",
    );
    for (let i = 0; i < stays.rows.length; i += 500) {
      await db.transaction(async (tx) => {
        for (const s of stays.rows.slice(i, i + 500)) await arrive(tx, clock, s.id, '');
      });
    }
    console.log(
      `  ${d.at.slice(0, 10)}: ${d.cases.toLocaleString('en')} cases traced (${traced}), ${placed.placed.toLocaleString('en')} placed, ${placed.waiting.length.toLocaleString('en')} waiting, ${stays.rows.length.toLocaleString('en')} arrived, ${secondsSince(t0).toFixed(1)} s`,
    );
  }
  clock.set(NOW);
}

export async function main(args: string[]): Promise<void> {
  if (args.includes('--serve')) return serveChild();
  const people = arg(args, '--people', 1_000_000);
  const connections = arg(args, '--connections', 50);
  const duration = arg(args, '--duration', 10);
  if (!process.env.DATABASE_URL) {
    console.error(
      'the dashboard benchmark needs a PostgreSQL server: set DATABASE_URL (the role needs CREATEDB)',
    );
    process.exit(2);
  }
  const temp = await createTempDatabase(process.env.DATABASE_URL, 'qc_bench_dashboard');
  const db = await openPostgres(temp.url);
  let child: ReturnType<typeof fork> | undefined;
  try {
    await migrate(db);
    const clock = new ManualClock(DAYS[0]?.at as string);
    let t0 = performance.now();
    console.log(`seeding ${people.toLocaleString('en')} people…`);
    await seedCity(db, { city: CITY, people, seed: 42, clock });
    console.log(`  seeded in ${secondsSince(t0).toFixed(1)} s`);
    console.log('three days of activity…');
    await makeActivity(db, clock);
    await db.query('VACUUM ANALYZE');
    t0 = performance.now();
    const refresh = await refreshDashboard(db, clock);
    const refreshS = secondsSince(t0);
    console.log(`refresh: ${refresh.areas.toLocaleString('en')} areas in ${refreshS.toFixed(2)} s`);
    const { token } = await createToken(db, clock, {
      name: 'bench-dashboard',
      role: 'viewer',
      jurisdiction: CITY,
      days: 1,
      createdBy: null,
    });
    const district = (
      await db.query<{ code: string }>(
        "SELECT area_code AS code FROM dashboard_figures WHERE length(area_code) = 6 AND starts_with(area_code, $1) ORDER BY (figures->>'cases')::int DESC NULLS LAST LIMIT 1",
        [CITY],
      )
    ).rows[0]?.code as string;

    child = fork(fileURLToPath(new URL('./run.ts', import.meta.url)), ['dashboard', '--serve'], {
      env: { ...process.env, BENCH_DATABASE_URL: temp.url },
    });
    const port = await new Promise<number>((resolve, reject) => {
      child?.once('error', reject);
      child?.once('exit', (code) => reject(new Error(`the server process exited (${code})`)));
      child?.on('message', (m: { type: string; port: number }) => {
        if (m.type === 'ready') resolve(m.port);
      });
    });
    const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
    const headers = { authorization: `Bearer ${token}` };
    const endpoints = [
      '/api/dashboard/kpis',
      `/api/dashboard/kpis?area=${district}`,
      `/api/dashboard/areas?parent=${CITY}`,
      `/api/dashboard/areas?parent=${district}`,
      '/api/dashboard/series?days=14',
      '/api/dashboard/funnel',
    ];
    // Warm-up: the first request loads the snapshot into the server's memory.
    await fetch(`http://127.0.0.1:${port}${endpoints[0]}`, { headers });
    const results: { path: string; rps: number; p50: number; p95: number; p99: number; errors: number }[] =
      [];
    for (const path of endpoints) {
      const { result, p95 } = await runCannon(autocannon, {
        url: `http://127.0.0.1:${port}${path}`,
        connections,
        duration,
        headers,
      });
      const row = {
        path,
        rps: Math.round(result.requests.average),
        p50: result.latency.p50,
        p95,
        p99: result.latency.p99,
        errors: result.errors + result.timeouts + result.non2xx,
      };
      results.push(row);
      console.log(
        `${path.padEnd(42)} ${String(row.rps).padStart(6)} req/s  p50 ${row.p50} ms  p95 ${row.p95} ms  p99 ${row.p99} ms  errors ${row.errors}`,
      );
    }
    const p95Max = Math.max(...results.map((r) => r.p95));
    const errors = results.reduce((a, r) => a + r.errors, 0);
    console.log(`people             ${people.toLocaleString('en')}`);
    console.log(
      `connections        ${connections}, ${duration} s per endpoint (background refresh every 15 s)`,
    );
    console.log(`p95 max            ${p95Max} ms (target < 100)`);
    console.log(
      JSON.stringify({
        bench: 'dashboard',
        backend: 'postgresql',
        people,
        connections,
        duration_s_per_endpoint: duration,
        refresh_seconds: Number(refreshS.toFixed(3)),
        areas: refresh.areas,
        endpoints: results.map((r) => ({
          path: r.path,
          rps: r.rps,
          p50_ms: r.p50,
          p95_ms: r.p95,
          p99_ms: r.p99,
          errors: r.errors,
        })),
        p95_ms_max: p95Max,
        errors,
      }),
    );
  } finally {
    if (child) {
      const c = child;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.send({ cmd: 'stop' });
        setTimeout(() => {
          c.kill();
          resolve();
        }, 10_000).unref();
      });
    }
    await db.close();
    await temp.drop();
  }
}

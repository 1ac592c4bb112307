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
import { migrate } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { createTempDatabase } from '../src/db/temp-database.ts';
import { createToken } from '../src/modules/access/accounts.ts';
import { ACTIVITY_NOW, cityWithActivity } from './_activity.ts';
import { intArg as arg, runCannon, type ServerChild, serveChild, startServer } from './_http.ts';

const CITY = '2202';

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
  let child: ServerChild | undefined;
  try {
    await migrate(db);
    const { clock, refreshSeconds: refreshS, areas } = await cityWithActivity(db, people);
    console.log(`refresh: ${areas.toLocaleString('en')} areas in ${refreshS.toFixed(2)} s`);
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

    child = await startServer('dashboard', temp.url, ACTIVITY_NOW);
    const port = child.port;
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
      const { result, p95 } = await runCannon({
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
        areas,
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
    await child?.stop();
    await db.close();
    await temp.drop();
  }
}

/**
 * Lists benchmark (issue: scale): the list pages a user hits first, at city scale, on native PostgreSQL.
 *
 * A city of N people (default 1,000,000) with three days of an outbreak (1,000, 2,000 and 3,500 cases a day,
 * traced and placed: bench/_activity.ts), then the real server in a child process, with its background work
 * (tracing worker, dashboard refresh every 15 s) running as in production. Two users, as the field has them: a
 * district commander (the most populous district) and a community's commander. For each, every list endpoint in
 * turn under C concurrent clients (default 20, autocannon):
 *   1. steady;
 *   2. while the dashboard's figures are being recomputed (the benchmark runs the refresh back to back on its own
 *      connection for the whole phase, a worse case than production's one refresh in 15 s);
 *   3. right after a start (a new server process, hit at once, while its first refresh runs).
 * Every list of people is an audited read: the audit entries written are counted against the 2xx answers (none
 * lost, none doubled) and the chain is verified at the end. Then the district's people are exported whole, CSV and
 * XLSX, streamed (time, rows, bytes, and the server's resident memory before and at its peak).
 *
 * Targets: p95 < 200 ms for every list (both users, every phase), ≥ 2,000 audited reads a second for the people
 * list, exports of 1M rows < 60 s with flat memory.
 *
 *   npm run bench -- lists [--people N] [--connections C] [--duration S] [--no-export] [--keep]
 *                          [--processes P] [--steady-only]
 *
 * `--processes P` serves the lists from the platform's own cluster, `qingcang serve --role api --processes P` (P
 * API processes on one port, the system clock, no background work in them), instead of one server process with
 * its workers; the exports are then skipped (their memory is measured on one process). `--steady-only` runs the
 * first phase only.
 *
 * `--keep` leaves the seeded database in place and prints its URL; `BENCH_LISTS_DATABASE_URL=URL` runs on such a
 * database again without seeding (for trying an index or a query change; the first run's figures are the ones
 * to report).
 */
import { migrate } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { createTempDatabase } from '../src/db/temp-database.ts';
import type { Db } from '../src/db/types.ts';
import { systemClock } from '../src/domain/clock.ts';
import { createToken } from '../src/modules/access/accounts.ts';
import { verifyAudit } from '../src/modules/access/audit.ts';
import { refreshDashboard } from '../src/modules/command/dashboard.ts';
import { ACTIVITY_NOW, cityWithActivity } from './_activity.ts';
import {
  intArg,
  runCannon,
  type ServerChild,
  secondsSince,
  serveChild,
  startPlatform,
  startServer,
} from './_http.ts';

const CITY = '2202';

interface Row {
  phase: string;
  user: string;
  path: string;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  ok: number;
  errors: number;
}

const LISTS = [
  '/api/persons?limit=50',
  '/api/persons?limit=50&risk_status=close_contact',
  '/api/persons?limit=50&q=%E7%8E%8B', // 王: the commonest surname, a prefix search
  '/api/tracing/cases?limit=100',
  '/api/tracing/general-contacts?limit=200',
  '/api/isolation/stays?limit=200',
  '/api/isolation/home?limit=200',
  '/api/tasks?limit=200',
  '/api/transfer/trips?limit=100',
  '/api/responsibility?limit=200',
];
/** The lists whose every 2xx answer writes one audit entry (they name people). */
const AUDITED = /^\/api\/persons\?/;

async function auditCount(db: Db, actor: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_log WHERE action = 'person.list' AND actor_name = $1 AND details->>'list' IS NULL",
    [actor],
  );
  return rows[0]?.n ?? 0;
}

async function exportOnce(
  server: ServerChild,
  token: string,
  area: string,
  format: 'csv' | 'xlsx',
): Promise<{ seconds: number; bytes: number; rows: number; rssBeforeMiB: number; peakMiB: number }> {
  const rssBeforeMiB = server.rssMiB();
  let peak = rssBeforeMiB;
  const sampler = setInterval(() => {
    peak = Math.max(peak, server.rssMiB());
  }, 100);
  const t0 = performance.now();
  const res = await fetch(
    `http://127.0.0.1:${server.port}/api/persons/export?area=${area}&format=${format}`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  );
  if (!res.ok || !res.body) throw new Error(`export ${format}: HTTP ${res.status} ${await res.text()}`);
  let bytes = 0;
  let newlines = 0;
  for await (const chunk of res.body) {
    bytes += chunk.byteLength;
    if (format === 'csv') for (const b of chunk) if (b === 10) newlines++;
  }
  clearInterval(sampler);
  peak = Math.max(peak, server.rssMiB());
  return {
    seconds: Number(secondsSince(t0).toFixed(2)),
    bytes,
    rows: format === 'csv' ? newlines - 1 : Number.NaN,
    rssBeforeMiB: Math.round(rssBeforeMiB),
    peakMiB: Math.round(peak),
  };
}

export async function main(args: string[]): Promise<void> {
  if (args.includes('--serve')) return serveChild();
  const people = intArg(args, '--people', 1_000_000);
  const connections = intArg(args, '--connections', 20);
  const duration = intArg(args, '--duration', 8);
  // 0: one server process with its workers (the default); P: the platform's cluster of P API processes.
  const processes = args.includes('--processes') ? intArg(args, '--processes', 1) : 0;
  const steadyOnly = args.includes('--steady-only');
  const withExport = !args.includes('--no-export') && processes === 0;
  const serve = () =>
    processes > 0 ? startPlatform(temp.url, processes) : startServer('lists', temp.url, ACTIVITY_NOW);
  if (!process.env.DATABASE_URL) {
    console.error(
      'the lists benchmark needs a PostgreSQL server: set DATABASE_URL (the role needs CREATEDB)',
    );
    process.exit(2);
  }
  const reuse = process.env.BENCH_LISTS_DATABASE_URL;
  const temp = reuse
    ? { url: reuse, drop: async () => {} }
    : await createTempDatabase(process.env.DATABASE_URL, 'qc_bench_lists');
  const keep = args.includes('--keep') || reuse !== undefined;
  const db = await openPostgres(temp.url);
  let server: ServerChild | undefined;
  try {
    await migrate(db);
    if (reuse) console.log(`reusing ${reuse} as seeded by an earlier run`);
    const { clock, refreshSeconds: refreshS } = await cityWithActivity(db, people, reuse !== undefined);
    let t0 = performance.now();
    console.log(`dashboard refresh alone: ${refreshS.toFixed(2)} s`);

    const largest = async (level: number) =>
      (
        await db.query<{ code: string; n: number }>(
          `SELECT a.code, count(*)::int AS n FROM areas a JOIN persons p ON p.area_code >= a.code AND p.area_code < a.code || ':'
            WHERE a.level = $1 GROUP BY a.code ORDER BY n DESC LIMIT 1`,
          [level],
        )
      ).rows[0] as { code: string; n: number };
    const district = await largest(3);
    const community = await largest(5);
    const users = [
      { name: 'district', area: district },
      { name: 'community', area: community },
    ];
    const tokens = new Map<string, string>();
    // The platform's cluster runs on the system clock: its tokens must be valid now, not on the city's day.
    const tokenClock = processes > 0 ? systemClock : clock;
    for (const u of users) {
      const { token } = await createToken(db, tokenClock, {
        name: `bench-lists-${u.name}-${process.pid}`,
        role: 'commander',
        jurisdiction: u.area.code,
        days: 1,
        createdBy: null,
      });
      tokens.set(u.name, token);
      console.log(`${u.name.padEnd(10)} ${u.area.code}: ${u.area.n.toLocaleString('en')} people`);
    }

    const rows: Row[] = [];
    const audited = new Map<string, number>();
    const runPhase = async (phase: string, port: number) => {
      for (const u of users) {
        for (const path of LISTS) {
          const { result, p95 } = await runCannon({
            url: `http://127.0.0.1:${port}${path}`,
            connections,
            duration,
            headers: { authorization: `Bearer ${tokens.get(u.name)}` },
          });
          const row: Row = {
            phase,
            user: u.name,
            path,
            rps: Math.round(result.requests.average),
            p50: result.latency.p50,
            p95,
            p99: result.latency.p99,
            ok: result['2xx'],
            errors: result.errors + result.timeouts + result.non2xx,
          };
          rows.push(row);
          if (AUDITED.test(path)) audited.set(u.name, (audited.get(u.name) ?? 0) + row.ok);
          console.log(
            `${phase.padEnd(8)} ${u.name.padEnd(9)} ${path.padEnd(50)} ${String(row.rps).padStart(6)} req/s  p50 ${row.p50}  p95 ${row.p95}  p99 ${row.p99} ms  errors ${row.errors}`,
          );
        }
      }
    };

    server = await serve();
    // Warm-up: the first request loads the dashboard snapshot and the code paths.
    for (const u of users)
      for (const path of LISTS)
        await fetch(`http://127.0.0.1:${server.port}${path}`, {
          headers: { authorization: `Bearer ${tokens.get(u.name)}` },
        });
    const warmAudited = new Map<string, number>();
    for (const u of users)
      warmAudited.set(u.name, await auditCount(db, `bench-lists-${u.name}-${process.pid}`));

    console.log(
      `steady: ${connections} clients, ${duration} s per list; whole lists kept ${process.env.QINGCANG_LIST_CACHE_MS ?? 5000} ms (QINGCANG_LIST_CACHE_MS)`,
    );
    await runPhase('steady', server.port);

    let refreshes = 0;
    if (!steadyOnly) {
      console.log('during the dashboard refresh (run back to back for the whole phase)');
      let refreshing = true;
      const refreshLoop = (async () => {
        while (refreshing) {
          await refreshDashboard(db, clock);
          refreshes++;
        }
      })();
      await runPhase('refresh', server.port);
      refreshing = false;
      await refreshLoop;
      console.log(`  ${refreshes} refreshes ran during the phase`);

      console.log('right after a start: a new server process, hit at once');
      await server.stop();
      server = await serve();
      await runPhase('start', server.port);
    }

    // Every audited answer wrote its entry once.
    const auditCheck = [];
    for (const u of users) {
      const written =
        (await auditCount(db, `bench-lists-${u.name}-${process.pid}`)) - (warmAudited.get(u.name) ?? 0);
      auditCheck.push({ user: u.name, answered: audited.get(u.name) ?? 0, written });
    }
    // Answers still in flight when a run's time is up are served (and recorded) but not counted by the load
    // generator: at most one per connection per run.
    const inFlight = connections * (steadyOnly ? 1 : 3) * LISTS.filter((l) => AUDITED.test(l)).length;
    for (const a of auditCheck)
      console.log(
        `audit: ${a.user} ${a.answered} people-list answers counted, ${a.written} entries written (${a.written - a.answered} more: answers in flight at the end of a run, at most ${inFlight}) ${a.written >= a.answered && a.written - a.answered <= inFlight ? 'ok' : 'MISMATCH'}`,
      );

    // The whole city's people, as the city's commander exports them.
    const exports: Record<string, unknown>[] = [];
    if (withExport) {
      const { token } = await createToken(db, clock, {
        name: `bench-lists-city-${process.pid}`,
        role: 'commander',
        jurisdiction: CITY,
        days: 1,
        createdBy: null,
      });
      for (const format of ['csv', 'xlsx'] as const) {
        const e = await exportOnce(server, token, CITY, format);
        exports.push({ format, people, ...e });
        console.log(
          `export ${format.padEnd(4)} ${people.toLocaleString('en')} people: ${e.seconds} s, ${(e.bytes / 1e6).toFixed(1)} MB${format === 'csv' ? `, ${e.rows.toLocaleString('en')} rows` : ''}, server RSS ${e.rssBeforeMiB} → peak ${e.peakMiB} MiB`,
        );
      }
    }
    await server.stop();
    server = undefined;
    t0 = performance.now();
    const verified = await verifyAudit(db);
    console.log(
      `audit chain: ${verified.ok ? 'intact' : `BROKEN at ${verified.brokenAt}`}, ${verified.checked.toLocaleString('en')} entries verified in ${secondsSince(t0).toFixed(1)} s`,
    );

    const p95Max = Math.max(...rows.map((r) => r.p95));
    const worst = rows.reduce((a, r) => (r.p95 > a.p95 ? r : a));
    const personsRps = Object.fromEntries(
      rows.filter((r) => r.path === LISTS[0]).map((r) => [`${r.phase}_${r.user}`, r.rps]),
    );
    const errors = rows.reduce((a, r) => a + r.errors, 0);
    console.log(`people             ${people.toLocaleString('en')}`);
    console.log(
      `p95 max            ${p95Max} ms (${worst.phase}, ${worst.user}, ${worst.path}; target < 200)`,
    );
    console.log(`people list req/s  ${JSON.stringify(personsRps)} (target ≥ 2,000 audited reads/s)`);
    console.log(
      JSON.stringify({
        bench: 'lists',
        backend: 'postgresql',
        server:
          processes > 0
            ? `qingcang serve --role api --processes ${processes}`
            : 'one process with its workers',
        people,
        connections,
        duration_s_per_list: duration,
        list_cache_ms: Number(process.env.QINGCANG_LIST_CACHE_MS ?? 5000),
        district: district.code,
        district_people: district.n,
        community: community.code,
        community_people: community.n,
        dashboard_refresh_s: Number(refreshS.toFixed(2)),
        refreshes_during_phase: refreshes,
        p95_ms_max: p95Max,
        people_list_rps: personsRps,
        errors,
        audit: auditCheck,
        audit_chain_ok: verified.ok,
        exports,
        lists: rows,
      }),
    );
  } finally {
    await server?.stop();
    await db.close();
    // On stderr: the JSON line stays the last line of the output.
    if (keep) console.error(`kept the database: BENCH_LISTS_DATABASE_URL=${temp.url}`);
    else await temp.drop();
  }
}

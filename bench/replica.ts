/**
 * Replica benchmark (issue: scale): the API's reads on a real streaming replica, on this machine.
 *
 * scripts/pg-replica.sh makes a second Debian PostgreSQL cluster, a hot standby of the local one (pg_basebackup,
 * streaming). A city of N people (default 200,000) with three days of an outbreak (bench/_activity.ts) is seeded on
 * the primary and streams to the standby. Then, for a district commander under C concurrent clients (default 20):
 *   1. the list pages, with the server reading from the primary only, then from the replica (same lists, same
 *      run); the standby's own transaction count shows the reads it served;
 *   2. the replica's lag (pg_stat_replication.replay_lag, sampled every 200 ms) while the dashboard's figures
 *      are recomputed back to back on the primary, with the people list read from the replica meanwhile;
 *   3. read-your-writes: an admin creates an account and at once lists the accounts, K times (default 50),
 *      through the replica-reading server: every new account must be in the list that follows; then the same
 *      with the stickiness off, to show what it prevents;
 *   4. the replica killed (immediate stop) in the middle of a load, then started again: the answers' errors, and
 *      whether reads went back to the replica afterwards.
 *
 *   npm run bench -- replica [--people N] [--connections C] [--duration S] [--writes K] [--keep-replica]
 *
 * Needs DATABASE_URL (the local cluster of scripts/ci-postgres.sh) and root or passwordless sudo (the second
 * cluster). The standby is dropped at the end unless --keep-replica. On 2 cores both clusters and the server share
 * the same CPUs: the replica moves reads off the primary, it cannot add throughput here; the figures say what it
 * costs and that it holds.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { createTempDatabase } from '../src/db/temp-database.ts';
import { createToken, createUser } from '../src/modules/access/accounts.ts';
import { refreshDashboard } from '../src/modules/command/dashboard.ts';
import { ACTIVITY_NOW, cityWithActivity } from './_activity.ts';
import { intArg, runCannon, type ServerChild, secondsSince, serveChild, startServer } from './_http.ts';

const ADMIN_PASSWORD = 'bench replica admin password';
const SCRIPT = fileURLToPath(new URL('../scripts/pg-replica.sh', import.meta.url));
const LISTS = [
  '/api/persons?limit=50',
  '/api/persons?limit=50&risk_status=close_contact',
  '/api/tracing/cases?limit=100',
  '/api/isolation/stays?limit=200',
  '/api/responsibility?limit=200',
];

function replicaCommand(cmd: 'start' | 'kill' | 'drop'): string {
  return execFileSync('bash', [SCRIPT, cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/** One query on its own connection (the standby may be down between calls). */
async function queryOnce<T>(url: string, sql: string, params: unknown[] = []): Promise<T | null> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return ((await c.query(sql, params)).rows[0] as T) ?? null;
  } catch {
    return null;
  } finally {
    await c.end().catch(() => {});
  }
}

/** Transactions the standby has run in the database (its own statistics): the reads it served. */
async function replicaXacts(replicaUrl: string, dbName: string): Promise<number> {
  // Statistics on a standby count its own sessions; pg_stat_force_next_flush is per session, so a short wait
  // lets the server processes' counts reach the shared statistics.
  await new Promise((r) => setTimeout(r, 1200));
  const r = await queryOnce<{ n: string }>(
    replicaUrl,
    'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1',
    [dbName],
  );
  return Number(r?.n ?? 0);
}

export async function main(args: string[]): Promise<void> {
  if (args.includes('--serve')) return serveChild();
  const people = intArg(args, '--people', 200_000);
  const connections = intArg(args, '--connections', 20);
  const duration = intArg(args, '--duration', 8);
  const writes = intArg(args, '--writes', 50);
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    console.error(
      'the replica benchmark needs the local PostgreSQL: set DATABASE_URL (scripts/ci-postgres.sh)',
    );
    process.exit(2);
  }
  const started = replicaCommand('start');
  const replicaBase = /DATABASE_REPLICA_URL=(\S+)/.exec(started)?.[1];
  if (!replicaBase) throw new Error(`scripts/pg-replica.sh start printed no URL: ${started}`);
  const temp = await createTempDatabase(adminUrl, 'qc_bench_replica');
  const dbName = new URL(temp.url).pathname.slice(1);
  const replicaUrl = (() => {
    const u = new URL(replicaBase);
    u.pathname = `/${dbName}`;
    return u.toString();
  })();
  const db = await openPostgres(temp.url);
  const servers: ServerChild[] = [];
  try {
    await migrate(db);
    const { clock } = await cityWithActivity(db, people);
    const sizeMiB =
      Number(
        (await db.query<{ b: string }>('SELECT pg_database_size(current_database()) AS b')).rows[0]?.b ?? 0,
      ) /
      2 ** 20;
    // The standby has everything the primary wrote.
    const t0 = performance.now();
    for (;;) {
      const r = await db.query<{ behind: string | null }>(
        `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS behind FROM pg_stat_replication
          WHERE application_name = 'qcreplica'`,
      );
      if (r.rows[0] && Number(r.rows[0].behind) === 0) break;
      if (secondsSince(t0) > 120) throw new Error('the standby did not catch up within 120 s');
      await new Promise((res) => setTimeout(res, 200));
    }
    console.log(`standby caught up in ${secondsSince(t0).toFixed(1)} s (database ${sizeMiB.toFixed(0)} MiB)`);

    const district = (
      await db.query<{ code: string; n: number }>(
        `SELECT left(area_code, 6) AS code, count(*)::int AS n FROM persons GROUP BY 1 ORDER BY n DESC LIMIT 1`,
      )
    ).rows[0] as { code: string; n: number };
    const commander = await createToken(db, clock, {
      name: `bench-replica-district-${process.pid}`,
      role: 'commander',
      jurisdiction: district.code,
      days: 1,
      createdBy: null,
    });
    // An administrator in a browser session (tokens are for devices and feeds, not for people's roles).
    const adminName = `bench-replica-admin-${process.pid}`;
    await createUser(db, {
      username: adminName,
      displayName: adminName,
      password: ADMIN_PASSWORD,
      role: 'admin',
      jurisdiction: '2202',
    });
    console.log(`district ${district.code}: ${district.n.toLocaleString('en')} people`);

    const primaryOnly = await startServer('replica', temp.url, ACTIVITY_NOW);
    servers.push(primaryOnly);
    const withReplica = await startServer('replica', temp.url, ACTIVITY_NOW, {
      BENCH_REPLICA_URL: replicaUrl,
    });
    servers.push(withReplica);
    const auth = { authorization: `Bearer ${commander.token}` };
    for (const s of [primaryOnly, withReplica])
      for (const path of LISTS) await fetch(`http://127.0.0.1:${s.port}${path}`, { headers: auth });

    // 1. The lists, primary only, then from the replica.
    const rows: Record<string, unknown>[] = [];
    const listRun = async (mode: string, server: ServerChild, path: string) => {
      const { result, p95 } = await runCannon({
        url: `http://127.0.0.1:${server.port}${path}`,
        connections,
        duration,
        headers: auth,
      });
      const row = {
        mode,
        path,
        rps: Math.round(result.requests.average),
        p50: result.latency.p50,
        p95,
        p99: result.latency.p99,
        errors: result.errors + result.timeouts + result.non2xx,
      };
      rows.push(row);
      console.log(
        `${mode.padEnd(8)} ${path.padEnd(50)} ${String(row.rps).padStart(6)} req/s  p50 ${row.p50}  p95 ${row.p95}  p99 ${row.p99} ms  errors ${row.errors}`,
      );
    };
    const standby: Record<string, number> = {};
    for (const [mode, server] of [
      ['primary', primaryOnly],
      ['replica', withReplica],
    ] as const) {
      const before = await replicaXacts(replicaUrl, dbName);
      for (const path of LISTS) await listRun(mode, server, path);
      standby[mode] = (await replicaXacts(replicaUrl, dbName)) - before;
      console.log(
        `  the standby ran ${(standby[mode] ?? 0).toLocaleString('en')} transactions in this database meanwhile`,
      );
    }

    // 2. The replica's lag while the primary writes hard (the dashboard's figures recomputed back to back), and
    //    the people list read from the replica meanwhile.
    const lags: number[] = [];
    let busy = true;
    let refreshes = 0;
    const writer = (async () => {
      while (busy) {
        await refreshDashboard(db, clock);
        refreshes++;
      }
    })();
    const sampler = (async () => {
      while (busy) {
        const r = await db.query<{ lag: string | null }>(
          `SELECT EXTRACT(EPOCH FROM replay_lag) * 1000 AS lag FROM pg_stat_replication WHERE application_name = 'qcreplica'`,
        );
        lags.push(Number(r.rows[0]?.lag ?? 0));
        await new Promise((res) => setTimeout(res, 200));
      }
    })();
    await listRun('writing', withReplica, LISTS[0] as string);
    busy = false;
    await Promise.all([writer, sampler]);
    lags.sort((a, b) => a - b);
    const lagP95 = lags[Math.floor(lags.length * 0.95)] ?? 0;
    const lagMax = lags[lags.length - 1] ?? 0;
    console.log(
      `replay lag while the primary recomputed the dashboard ${refreshes} times: p95 ${lagP95.toFixed(1)} ms, max ${lagMax.toFixed(1)} ms (${lags.length} samples)`,
    );

    // 3. Read-your-writes through a replica-reading server, as a browser: its cookies kept and sent back. Then the
    //    same with the stickiness off (QINGCANG_REPLICA_STICKY_MS=0), to see what it prevents.
    const readYourWrites = async (server: ServerChild, label: string) => {
      const jar = new Map<string, string>();
      let csrf = '';
      const api = async (method: string, path: string, body?: unknown) => {
        const r = await fetch(`http://127.0.0.1:${server.port}${path}`, {
          method,
          headers: {
            cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
            ...(csrf ? { 'x-csrf-token': csrf } : {}),
            ...(body ? { 'content-type': 'application/json' } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
        });
        for (const c of r.headers.getSetCookie()) {
          const [pair] = c.split(';');
          const at = pair?.indexOf('=') ?? -1;
          if (pair && at > 0) jar.set(pair.slice(0, at), pair.slice(at + 1));
        }
        return r;
      };
      const login = await api('POST', '/api/auth/login', { username: adminName, password: ADMIN_PASSWORD });
      if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
      csrf = ((await login.json()) as { csrf_token: string }).csrf_token;
      let missing = 0;
      const t = performance.now();
      for (let i = 0; i < writes; i++) {
        const username = `bench-ryw-${process.pid}-${label.replace(/[^a-z0-9]+/g, '')}-${i}`;
        const made = await api('POST', '/api/users', {
          username,
          display_name: `读写 ${i}`,
          role: 'sampler',
          jurisdiction: district.code,
        });
        if (!made.ok) throw new Error(`creating an account failed: ${made.status} ${await made.text()}`);
        const list = (await (await api('GET', '/api/users')).json()) as { items: { username: string }[] };
        if (!list.items.some((u) => u.username === username)) missing++;
      }
      console.log(
        `read-your-writes (${label}): ${writes} accounts created and listed at once, ${missing} missing from the list (${((secondsSince(t) / writes) * 1000).toFixed(1)} ms a pair)`,
      );
      return missing;
    };
    const missing = await readYourWrites(withReplica, 'sticky 5 s');
    const unsticky = await startServer('replica', temp.url, ACTIVITY_NOW, {
      BENCH_REPLICA_URL: replicaUrl,
      QINGCANG_REPLICA_STICKY_MS: '0',
    });
    servers.push(unsticky);
    const missingUnsticky = await readYourWrites(unsticky, 'sticky off');
    await unsticky.stop();

    // 4. The standby killed during a load, then started again (its statistics start again from zero).
    const load = runCannon({
      url: `http://127.0.0.1:${withReplica.port}${LISTS[0]}`,
      connections,
      duration: 12,
      headers: auth,
    });
    await new Promise((r) => setTimeout(r, 3000));
    replicaCommand('kill');
    console.log('standby killed (immediate stop) 3 s into a 12 s load');
    await new Promise((r) => setTimeout(r, 3000));
    replicaCommand('start');
    console.log('standby started again 3 s later');
    const { result, p95 } = await load;
    const afterKill = await replicaXacts(replicaUrl, dbName);
    // After the retry pause (5 s), reads go back to the standby.
    await new Promise((r) => setTimeout(r, 6000));
    const probe = await runCannon({
      url: `http://127.0.0.1:${withReplica.port}${LISTS[0]}`,
      connections,
      duration: 3,
      headers: auth,
    });
    const back = (await replicaXacts(replicaUrl, dbName)) - afterKill;
    const failover = {
      requests: result['2xx'] + result.non2xx,
      ok: result['2xx'],
      errors: result.errors + result.timeouts + result.non2xx,
      p95,
      p99: result.latency.p99,
      standby_transactions_after: back,
      after_ok: probe.result['2xx'],
    };
    console.log(
      `failover: ${failover.ok.toLocaleString('en')} answers, ${failover.errors} errors, p95 ${p95} ms, p99 ${result.latency.p99} ms; afterwards the standby served again: ${back > 0 ? 'yes' : 'NO'} (${back} transactions)`,
    );

    const mean = (mode: string) => {
      const r = rows.filter((x) => x.mode === mode && typeof x.rps === 'number') as {
        rps: number;
        p95: number;
      }[];
      return {
        rps: Math.round(r.reduce((a, x) => a + x.rps, 0) / r.length),
        p95_max: Math.max(...r.map((x) => x.p95)),
      };
    };
    console.log(
      JSON.stringify({
        bench: 'replica',
        people,
        connections,
        duration_s_per_list: duration,
        database_mib: Math.round(sizeMiB),
        primary_only: { ...mean('primary'), standby_transactions: standby.primary },
        with_replica: { ...mean('replica'), standby_transactions: standby.replica },
        replay_lag_ms: {
          p95: Number(lagP95.toFixed(1)),
          max: Number(lagMax.toFixed(1)),
          samples: lags.length,
        },
        read_your_writes: { pairs: writes, missing, missing_without_stickiness: missingUnsticky },
        failover,
        lists: rows,
      }),
    );
  } finally {
    for (const s of servers) await s.stop();
    await db.close();
    await temp.drop();
    if (!args.includes('--keep-replica')) replicaCommand('drop');
  }
}

/**
 * `npm run faults`: the server under a sampler load, with faults.
 *
 *   npm run faults -- [--trials N] [--restarts N] [--pglite-kills N] [--quick] [--seed S] [--people N]
 *                     [--clients N] [--root DIR] [--no-pglite] [--no-disk-full] [--keep]
 *
 * 1. PostgreSQL (its own cluster, initdb in a temporary directory, a free port from 55432): the demo city, a round,
 *    a sampler token and a lab token made with the CLI; `qingcang serve` as a child process; the load (load.ts).
 *    - kill trials (--trials, default 10): at a random moment the server gets SIGKILL, is started again, and the
 *      clients keep sending what was not acknowledged;
 *    - restart trials (--restarts, default 3: fast, immediate, fast): PostgreSQL is stopped (-m fast or immediate)
 *      under load, stays away 2–4 s, and comes back; after an immediate stop it first comes back as a database
 *      still recovering (a standby refusing connections with 57P03) for 2 s, then is promoted. Meanwhile the API
 *      must answer 503 with Retry-After, the server must not die, and it must serve again within 5 s of the
 *      database's return. `qingcang stats` (and `qingcang serve` while recovering) must exit 5.
 * 2. PGlite (a data directory in the work directory): a second process on the directory (`stats`, `serve`) must exit
 *    5 while the server holds it; SIGKILL trials (--pglite-kills, default 2), each checked on a copy of the directory
 *    as the kill left it; the server then starts again on it (after the lock goes stale).
 * 3. Disk full: the PGlite directory on a small tmpfs, nearly filled by a ballast file; load until writes fail; the
 *    API must answer errors (and lose nothing it acknowledged), must not die, and must serve again once the ballast is
 *    removed (or at least start again cleanly). Skipped, with the reason, when tmpfs cannot be mounted.
 * After each trial: every acknowledged scan, state change and result present exactly once (verify.ts).
 *
 * Progress on stderr; figures on stdout, the last line one JSON object. Exit code 1 when anything was lost or
 * duplicated, the server died, a recovery took over 5 s, the API answered other than 503 + Retry-After during an
 * outage, or a command's exit code was wrong.
 */
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statfsSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { freePort, prng, progress, round2, run, sleep, tail } from './lib.ts';
import { call, Ledger, Load, type LoadEnv, Timeline } from './load.ts';
import { findPgBin, PgCluster } from './pg-cluster.ts';
import { type Death, ServerProc, waitHealthy } from './server.ts';
import { type Q, sumDuplicated, sumLost, type Verdict, verify } from './verify.ts';

// ------------------------------------------------------------------------------------------- arguments

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const intOpt = (name: string, dflt: number): number => {
  const v = opt(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`${name} must be a whole number ≥ 0, got ${v}`);
    process.exit(2);
  }
  return n;
};
if (flag('--help') || flag('-h')) {
  console.log(
    'usage: npm run faults -- [--trials N] [--restarts N] [--pglite-kills N] [--quick] [--seed S] [--people N] [--clients N] [--root DIR] [--no-pglite] [--no-disk-full] [--keep]',
  );
  process.exit(0);
}
const quick = flag('--quick');
const KILLS = intOpt('--trials', quick ? 2 : 10);
const RESTARTS = intOpt('--restarts', quick ? 1 : 3);
const PGLITE_KILLS = intOpt('--pglite-kills', quick ? 1 : 2);
const SEED = intOpt('--seed', Date.now() % 1_000_000);
const PEOPLE = intOpt('--people', 20_000);
const CLIENTS = intOpt('--clients', 4);
const WITH_PGLITE = !flag('--no-pglite');
const WITH_DISK_FULL = !flag('--no-disk-full');
const KEEP = flag('--keep');
const ROOT = resolve(opt('--root') ?? fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin/qingcang.js');
const CITY = '2202';
/** The API must serve again within this long after the database accepts connections. */
const RECOVERY_LIMIT_S = 5;

const rng = prng(SEED);
const runTag = Math.floor(rng() * 36 ** 4)
  .toString(36)
  .padStart(4, '0');

// ------------------------------------------------------------------------------------------- clean-up

const cleanups: (() => Promise<void> | void)[] = [];
let cleaning = false;
async function cleanup(): Promise<void> {
  if (cleaning) return;
  cleaning = true;
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch (err) {
      progress(`clean-up step failed: ${(err as Error).message}`);
    }
  }
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    progress(`${sig}: cleaning up`);
    void cleanup().then(() => process.exit(130));
  });
}

const work = mkdtempSync(join(tmpdir(), 'qingcang-faults-'));
cleanups.push(() => {
  if (KEEP) progress(`work directory kept: ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------------- records

interface TrialRecord {
  n: number;
  kind: string;
  backend: 'postgresql' | 'pglite';
  at_s: number;
  ok: boolean;
  note: string;
  recovery_s?: number;
  restart_s?: number;
  lost: number;
  duplicated: number;
}

interface CliProbe {
  trial: string;
  phase: string;
  command: string;
  code: number | null;
  expected: number;
  ms: number;
  stderr: string;
}

const trials: TrialRecord[] = [];
const cliProbes: CliProbe[] = [];
const deaths: Death[] = [];
const finalVerdicts: { backend: string; verdict: Verdict }[] = [];
const skipped: { trial: string; reason: string }[] = [];
const cleanStops: { server: string; code: number | null; signal: string | null; forced: boolean }[] = [];
let maxRecovery = 0;
let maxRestart = 0;
const T0 = performance.now();
const timelines: Timeline[] = [];
const ledgers: Ledger[] = [];
const diskFull: Record<string, unknown> = {};

function cliEnv(extra: NodeJS.ProcessEnv, pglite: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...extra };
  if (pglite) delete env.DATABASE_URL;
  delete env.NODE_ENV;
  return env;
}

async function cli(env: NodeJS.ProcessEnv, args: string[], timeoutMs = 120_000) {
  return run(process.execPath, [BIN, ...args], { env, cwd: ROOT, timeoutMs });
}

async function cliOk(env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  const r = await cli(env, args);
  if (r.code !== 0) throw new Error(`qingcang ${args.join(' ')} exited ${r.code}: ${tail(r.stderr, 20)}`);
  return r.stdout;
}

async function cliProbe(
  trial: string,
  phase: string,
  env: NodeJS.ProcessEnv,
  args: string[],
  expected: number,
) {
  const r = await cli(env, args, 40_000);
  const p: CliProbe = {
    trial,
    phase,
    command: `qingcang ${args.join(' ')}`,
    code: r.code,
    expected,
    ms: Math.round(r.ms),
    // The command's own message (its first lines), not the end of a stack trace.
    stderr: r.stderr.trim().split('\n').slice(0, 3).join('\n'),
  };
  cliProbes.push(p);
  progress(
    `  ${p.command} (${phase}): exit ${r.code}${r.code === expected ? '' : ` — EXPECTED ${expected}`}${r.code === expected ? '' : `: ${p.stderr.split('\n')[0]}`}`,
  );
  return p;
}

/** Seeds a city, makes a round and two API tokens with the CLI. */
async function prepareDatabase(env: NodeJS.ProcessEnv) {
  const seeded = JSON.parse(
    (await cliOk(env, ['seed', '--city', CITY, '--people', String(PEOPLE), '--json']))
      .trim()
      .split('\n')
      .pop() ?? '{}',
  ) as { people?: number };
  const samplerToken = (
    await cliOk(env, [
      'token',
      'create',
      '--name',
      'faults sampler',
      '--role',
      'sampler',
      '--jurisdiction',
      CITY,
      '--days',
      '2',
    ])
  ).trim();
  const labToken = (
    await cliOk(env, [
      'token',
      'create',
      '--name',
      'faults lab',
      '--role',
      'lab',
      '--jurisdiction',
      CITY,
      '--days',
      '2',
    ])
  ).trim();
  const started = await cliOk(env, ['round', 'start', '--name', '故障演练', '--areas', CITY]);
  const roundId = Number(/round (\d+)/.exec(started)?.[1]);
  if (!roundId) throw new Error(`no round id in: ${started}`);
  return { people: seeded.people ?? 0, samplerToken, labToken, roundId };
}

async function refsFrom(q: Q) {
  const persons = (await q('SELECT id::int AS id FROM persons WHERE purged_at IS NULL ORDER BY id')).map(
    (r) => Number(r.id),
  );
  const lab = (await q('SELECT id::int AS id FROM labs ORDER BY id LIMIT 1'))[0];
  if (!lab || persons.length < 100) throw new Error('the seeded database has no lab or too few people');
  return { persons, labId: Number(lab.id) };
}

async function withPg<T>(url: string, fn: (q: Q) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  c.on('error', () => {});
  await c.connect();
  try {
    return await fn(async (sql, params) => (await c.query(sql, params as unknown[])).rows);
  } finally {
    await c.end().catch(() => {});
  }
}

/** Opens a PGlite directory in this process (the caller makes sure no server has it). */
async function withPglite<T>(pgdata: string, fn: (q: Q) => Promise<T>): Promise<T> {
  const db = await PGlite.create(pgdata);
  try {
    return await fn(
      async (sql, params) => (await db.query<Record<string, unknown>>(sql, params as unknown[])).rows,
    );
  } finally {
    await db.close();
  }
}

async function pointsFrom(server: ServerProc, roundId: number, token: string): Promise<number[]> {
  const a = await call(server.url, 'GET', `/api/testing/rounds/${roundId}/points`, token);
  if (a.status !== 200) throw new Error(`points: ${a.status} ${a.text.slice(0, 300)}`);
  const points = (JSON.parse(a.text) as { items: { id: number }[] }).items.map((p) => p.id);
  // Points spread over the city, one a client.
  const step = Math.max(1, Math.floor(points.length / CLIENTS));
  return points.filter((_, i) => i % step === 0).slice(0, CLIENTS);
}

function record(t: Omit<TrialRecord, 'n' | 'at_s'>): TrialRecord {
  const rec = { n: trials.length + 1, at_s: Math.round((performance.now() - T0) / 1000), ...t };
  trials.push(rec);
  progress(
    `trial ${rec.n} ${rec.kind} (${rec.backend}): ${rec.ok ? 'ok' : 'FAILED'} — ${rec.note}; lost ${rec.lost}, duplicated ${rec.duplicated}`,
  );
  return rec;
}

function describeVerdict(v: Verdict): string {
  return `acknowledged ${v.acknowledged.scans} scans, ${v.acknowledged.state_changes} state changes, ${v.acknowledged.results} results`;
}

function reportProblems(v: Verdict): void {
  for (const p of v.problems.slice(0, 10)) progress(`  ! ${p}`);
  for (const c of v.corrupt) progress(`  ! CORRUPT ${c}`);
}

/** A server that died unexpectedly is started again (once the database is there), with a 'death' window meanwhile. */
function guard(server: ServerProc, timeline: Timeline): { ensure: () => Promise<void> } {
  let deathWindow: ReturnType<Timeline['open']> | undefined;
  server.onDeath = (d) => {
    deaths.push(d);
    deathWindow = timeline.open('death', `death of ${server.name}`);
  };
  return {
    ensure: async () => {
      if (server.alive()) return;
      progress(`  starting ${server.name} again after its death`);
      const r = await server.startRetrying(60_000);
      const healthy = r.ok ? await waitHealthy(server.url, 30_000) : undefined;
      if (deathWindow) timeline.close(deathWindow, (healthy ?? performance.now()) + 1000);
      deathWindow = undefined;
      if (!healthy)
        throw new Error(`${server.name} does not start again: ${tail(r.tries.at(-1)?.stderr ?? '', 20)}`);
    },
  };
}

// ------------------------------------------------------------------------------------------- PostgreSQL

async function postgresPhase(): Promise<void> {
  const bin = findPgBin();
  if (!bin) {
    skipped.push({ trial: 'postgresql', reason: 'no PostgreSQL ≥ 15 binaries (set FAULTS_PG_BIN)' });
    progress('no PostgreSQL binaries: PostgreSQL trials skipped');
    return;
  }
  const cluster = new PgCluster(bin, await freePort(55432));
  cleanups.push(() => cluster.destroy());
  progress(`PostgreSQL: initdb and start on port ${cluster.port} (${bin})`);
  await cluster.init();
  const env = cliEnv({ DATABASE_URL: cluster.url() }, false);
  progress(`seeding ${PEOPLE} people, a round and tokens (CLI)`);
  const db = await prepareDatabase(env);
  const refs = await withPg(cluster.url(), refsFrom);
  const server = new ServerProc('postgresql', ROOT, env, await freePort(3900), work);
  cleanups.push(() => server.kill9());
  const first = await server.start();
  if (!first.ok) throw new Error(`the server does not start: ${tail(first.stderr, 20)}`);
  const points = await pointsFrom(server, db.roundId, db.samplerToken);
  const ledger = new Ledger(`P${runTag}`);
  const timeline = new Timeline();
  ledgers.push(ledger);
  timelines.push(timeline);
  const { ensure } = guard(server, timeline);
  const envLoad: LoadEnv = {
    base: () => server.url,
    roundId: db.roundId,
    samplerToken: db.samplerToken,
    labToken: db.labToken,
    labId: refs.labId,
    points,
    persons: refs.persons,
    ledger,
    timeline,
    rng,
  };
  const load = new Load(envLoad, CLIENTS);
  load.start();
  progress(
    `load: ${CLIENTS} samplers at points ${points.join(', ')}, batches of 20 scans; transport and lab client; prober`,
  );
  await sleep(3000);

  // The plan: restarts spread among the kills.
  const plan: ({ kind: 'kill' } | { kind: 'restart'; mode: 'fast' | 'immediate' })[] = [];
  const modes = Array.from({ length: RESTARTS }, (_, i): 'fast' | 'immediate' =>
    RESTARTS === 1 || i % 3 === 1 ? 'immediate' : 'fast',
  );
  for (let k = 0, r = 0; k < KILLS || r < RESTARTS; ) {
    const restartDue = r < RESTARTS && (k >= KILLS || (k + 1) / (KILLS + 1) >= (r + 1) / (RESTARTS + 1));
    if (restartDue) plan.push({ kind: 'restart', mode: modes[r++] as 'fast' | 'immediate' });
    else {
      plan.push({ kind: 'kill' });
      k++;
    }
  }

  const check = async (label: string): Promise<Verdict> => {
    const v = await withPg(cluster.url(), (q) => verify(q, ledger, db.roundId));
    reportProblems(v);
    if (v.corrupt.length > 0) progress(`  ${label}: index/table disagreement`);
    return v;
  };

  for (const step of plan) {
    const label = step.kind === 'kill' ? 'SIGKILL' : `PostgreSQL restart -m ${step.mode}`;
    timeline.trial = label;
    server.activity = label;
    await ensure();
    await timeline.quiet();
    await sleep(1000 + rng() * 4000); // a random moment under load
    await ensure();
    if (step.kind === 'kill') {
      const w = timeline.open('kill', label);
      const before = ledger.scans.size;
      await server.kill9();
      await sleep(200 + rng() * 800);
      const t1 = performance.now();
      const started = await server.startRetrying(60_000);
      const healthy = started.ok ? await waitHealthy(server.url, 30_000) : undefined;
      timeline.close(w, (healthy ?? performance.now()) + 1000);
      const restartS = healthy ? (healthy - t1) / 1000 : Number.POSITIVE_INFINITY;
      maxRestart = Math.max(maxRestart, restartS);
      await sleep(2000);
      await ensure();
      const v = await check(label);
      record({
        kind: 'kill -9',
        backend: 'postgresql',
        ok: Boolean(healthy) && sumLost(v) + sumDuplicated(v) === 0 && v.corrupt.length === 0,
        note: `killed with ${before} scans acknowledged; up again in ${restartS.toFixed(2)} s (spawn → health 200); ${describeVerdict(v)}`,
        restart_s: round2(restartS),
        lost: sumLost(v),
        duplicated: sumDuplicated(v),
      });
    } else {
      const deathsBefore = deaths.length;
      const pid = server.child?.pid;
      const w = timeline.open('db', label);
      progress(`PostgreSQL stop -m ${step.mode} under load (server pid ${pid})`);
      await cluster.stop(step.mode);
      const tDown = performance.now();
      await cliProbe(label, 'database down', env, ['stats', '--json'], 5);
      if (step.mode === 'immediate') {
        await cluster.startRecovering();
        const tRec = performance.now();
        progress('PostgreSQL back as a database still recovering (57P03 on every connection)');
        await Promise.all([
          cliProbe(label, 'database recovering', env, ['stats', '--json'], 5),
          cliProbe(label, 'database recovering', env, ['serve', '--port', String(await freePort(3950))], 5),
        ]);
        const left = 2000 - (performance.now() - tRec);
        if (left > 0) await sleep(left);
        await cluster.promote();
      } else {
        const left = 2000 + rng() * 2000 - (performance.now() - tDown);
        if (left > 0) await sleep(left);
        await cluster.start();
      }
      const tReady = await cluster.waitReady();
      timeline.close(w, tReady + RECOVERY_LIMIT_S * 1000);
      const outage = (tReady - tDown) / 1000;
      progress(`PostgreSQL accepts connections again after ${outage.toFixed(1)} s`);
      const died = deaths.length > deathsBefore;
      if (died) await ensure();
      const serving = await load.waitServing(tReady, 30_000);
      const recovery = serving ? (serving - tReady) / 1000 : Number.POSITIVE_INFINITY;
      maxRecovery = Math.max(maxRecovery, recovery);
      await sleep(2000);
      await ensure();
      const v = await check(label);
      const d = deaths.slice(deathsBefore);
      record({
        kind: `postgresql restart (${step.mode})`,
        backend: 'postgresql',
        ok:
          !died &&
          recovery <= RECOVERY_LIMIT_S &&
          sumLost(v) + sumDuplicated(v) === 0 &&
          cliProbes.filter((p) => p.trial === label && p.code !== p.expected).length === 0,
        note: `${died ? `SERVER DIED (exit ${d.map((x) => `${x.code ?? x.signal}`).join(', ')}), ` : 'server stayed up, '}outage ${outage.toFixed(1)} s, serving again ${recovery.toFixed(2)} s after the database returned; ${describeVerdict(v)}`,
        recovery_s: round2(recovery),
        lost: sumLost(v),
        duplicated: sumDuplicated(v),
      });
    }
  }

  timeline.trial = 'drain';
  server.activity = 'drain';
  progress('draining the load (clients finish what they hold)');
  await load.drain(30_000);
  await ensure();
  const v = await check('final');
  finalVerdicts.push({ backend: 'postgresql', verdict: v });
  progress(
    `PostgreSQL final check: ${describeVerdict(v)}; lost ${sumLost(v)}, duplicated ${sumDuplicated(v)}`,
  );
  const stop = await server.stop();
  cleanStops.push({ server: server.name, code: stop.code, signal: stop.signal, forced: stop.forced });
  progress(`server stopped (SIGTERM): exit ${stop.code}${stop.forced ? ' (had to be killed)' : ''}`);
}

// ------------------------------------------------------------------------------------------- PGlite

/** A PGlite template: seeded, with a round and tokens; copied for each PGlite trial. */
async function pgliteTemplate() {
  const dir = join(work, 'pglite-template');
  const env = cliEnv({ QINGCANG_DATA_DIR: dir }, true);
  progress(`PGlite: seeding ${PEOPLE} people, a round and tokens into a template directory (CLI)`);
  const t0 = performance.now();
  const db = await prepareDatabase(env);
  const refs = await withPglite(join(dir, 'pgdata'), refsFrom);
  progress(`PGlite template ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { dir, ...db, ...refs };
}

type Template = Awaited<ReturnType<typeof pgliteTemplate>>;

/** Checks a PGlite directory as it is now, through a copy (so the server still does its own recovery on it). */
async function checkPgliteCopy(dataDir: string, ledger: Ledger, roundId: number): Promise<Verdict> {
  const copy = join(work, `check-${Date.now()}`);
  cpSync(join(dataDir, 'pgdata'), copy, { recursive: true });
  try {
    return await withPglite(copy, (q) => verify(q, ledger, roundId));
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

function startPgliteLoad(server: ServerProc, t: Template, tagLetter: string, points: number[]) {
  const ledger = new Ledger(`${tagLetter}${runTag}`);
  const timeline = new Timeline();
  ledgers.push(ledger);
  timelines.push(timeline);
  const load = new Load(
    {
      base: () => server.url,
      roundId: t.roundId,
      samplerToken: t.samplerToken,
      labToken: t.labToken,
      labId: t.labId,
      points,
      persons: t.persons,
      ledger,
      timeline,
      rng,
    },
    CLIENTS,
  );
  load.start();
  return { ledger, timeline, load };
}

async function pglitePhase(t: Template): Promise<void> {
  const dataDir = join(work, 'pglite-a');
  cpSync(t.dir, dataDir, { recursive: true });
  const env = cliEnv({ QINGCANG_DATA_DIR: dataDir }, true);
  const server = new ServerProc('pglite', ROOT, env, await freePort(3920), work);
  cleanups.push(() => server.kill9());
  const first = await server.start();
  if (!first.ok) throw new Error(`the PGlite server does not start: ${tail(first.stderr, 20)}`);
  progress(`PGlite server started in ${(first.ms / 1000).toFixed(1)} s`);
  const points = await pointsFrom(server, t.roundId, t.samplerToken);
  const { ledger, timeline, load } = startPgliteLoad(server, t, 'L', points);
  const { ensure } = guard(server, timeline);
  progress(`PGlite server on ${dataDir}: load started`);
  await sleep(3000);

  // A second process on the same directory.
  timeline.trial = 'pglite second process';
  server.activity = timeline.trial;
  const deathsBefore = deaths.length;
  const a = await cliProbe(timeline.trial, 'server holds the directory', env, ['stats', '--json'], 5);
  const b = await cliProbe(
    timeline.trial,
    'server holds the directory',
    env,
    ['serve', '--port', String(await freePort(3960))],
    5,
  );
  const locked = [a, b].every((p) => p.code === 5 && /in use by another qingcang process/.test(p.stderr));
  await sleep(1500);
  const servingAfter = (await call(server.url, 'GET', '/api/health', undefined)).status === 200;
  record({
    kind: 'pglite second process',
    backend: 'pglite',
    ok: locked && servingAfter && deaths.length === deathsBefore,
    note: `stats exit ${a.code}, serve exit ${b.code} (want 5, data_dir_locked); the server ${servingAfter ? 'kept serving' : 'STOPPED SERVING'}`,
    lost: 0,
    duplicated: 0,
  });

  for (let i = 0; i < PGLITE_KILLS; i++) {
    const label = 'SIGKILL (PGlite)';
    timeline.trial = label;
    server.activity = label;
    await ensure();
    await sleep(1000 + rng() * 4000);
    await ensure();
    const w = timeline.open('kill', label);
    const before = ledger.scans.size;
    await server.kill9();
    // The directory exactly as the kill left it, checked on a copy.
    const v = await checkPgliteCopy(dataDir, ledger, t.roundId);
    reportProblems(v);
    const t1 = performance.now();
    const started = await server.startRetrying(60_000, 1000);
    const refused = started.tries.filter((x) => !x.ok);
    const healthy = started.ok ? await waitHealthy(server.url, 30_000) : undefined;
    timeline.close(w, (healthy ?? performance.now()) + 1000);
    const restartS = healthy ? (healthy - t1) / 1000 : Number.POSITIVE_INFINITY;
    const codes = [...new Set(refused.map((x) => x.code))];
    record({
      kind: 'kill -9',
      backend: 'pglite',
      ok:
        Boolean(healthy) &&
        sumLost(v) + sumDuplicated(v) === 0 &&
        v.corrupt.length === 0 &&
        codes.every((c) => c === 5),
      note: `killed with ${before} scans acknowledged; the directory as left: ${describeVerdict(v)}${v.corrupt.length ? `, CORRUPT: ${v.corrupt.join('; ')}` : ''}; started again in ${restartS.toFixed(1)} s after ${refused.length} refused start(s) (exit ${codes.join(', ') || '–'}: the lock of the killed process goes stale after 10 s)`,
      restart_s: round2(restartS),
      lost: sumLost(v),
      duplicated: sumDuplicated(v),
    });
    await sleep(2000);
  }

  timeline.trial = 'drain';
  server.activity = 'drain';
  await load.drain(30_000);
  await ensure();
  const stop = await server.stop();
  cleanStops.push({ server: server.name, code: stop.code, signal: stop.signal, forced: stop.forced });
  progress(`PGlite server stopped (SIGTERM): exit ${stop.code}${stop.forced ? ' (had to be killed)' : ''}`);
  const v = await withPglite(join(dataDir, 'pgdata'), (q) => verify(q, ledger, t.roundId));
  reportProblems(v);
  finalVerdicts.push({ backend: 'pglite', verdict: v });
  progress(`PGlite final check: ${describeVerdict(v)}; lost ${sumLost(v)}, duplicated ${sumDuplicated(v)}`);
}

// ------------------------------------------------------------------------------------------- disk full

const TMPFS_MB = 256;
const HEADROOM_MB = 12;

async function diskFullPhase(t: Template): Promise<void> {
  const mnt = join(work, 'full');
  mkdirSync(mnt);
  const m = await run('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_MB}m`, 'tmpfs', mnt]);
  if (m.code !== 0) {
    const reason = `cannot mount a tmpfs (${tail(m.stderr, 2) || `exit ${m.code}`}); run as root or with CAP_SYS_ADMIN`;
    skipped.push({ trial: 'disk full', reason });
    diskFull.skipped = reason;
    progress(`disk full skipped: ${reason}`);
    return;
  }
  let mounted = true;
  const umount = async () => {
    if (!mounted) return;
    mounted = false;
    const u = await run('umount', [mnt]);
    if (u.code !== 0) await run('umount', ['-l', mnt]);
  };
  cleanups.push(umount);
  const dataDir = join(mnt, 'data');
  cpSync(t.dir, dataDir, { recursive: true });
  const ballast = join(mnt, 'ballast');
  const free = () => {
    const s = statfsSync(mnt);
    return s.bavail * s.bsize;
  };
  const fd = openSync(ballast, 'w');
  const chunk = Buffer.alloc(4 << 20, 1);
  while (free() > HEADROOM_MB * 2 ** 20 + chunk.length) writeSync(fd, chunk);
  closeSync(fd);
  progress(
    `disk full: PGlite on a ${TMPFS_MB} MiB tmpfs, ${Math.round(free() / 2 ** 20)} MiB left free by a ballast file`,
  );

  const env = cliEnv({ QINGCANG_DATA_DIR: dataDir }, true);
  const server = new ServerProc('pglite-full', ROOT, env, await freePort(3940), work);
  cleanups.push(() => server.kill9());
  const first = await server.start();
  if (!first.ok) throw new Error(`the PGlite server does not start on the tmpfs: ${tail(first.stderr, 20)}`);
  const points = await pointsFrom(server, t.roundId, t.samplerToken);
  const { ledger, timeline, load } = startPgliteLoad(server, t, 'D', points);
  const deathsBefore = deaths.length;
  let died = false;
  server.onDeath = (d) => {
    deaths.push(d);
    died = true;
    timeline.open('death', 'death of pglite-full');
  };
  timeline.trial = 'disk full';
  server.activity = 'disk full';
  const wFull = timeline.open('full', 'disk full');
  // Load until scans fail for 5 s in a row (or the server dies, or 120 s pass).
  const tStart = performance.now();
  let filledAt: number | undefined;
  while (performance.now() - tStart < 120_000 && !died) {
    await sleep(500);
    const sinceOk = performance.now() - Math.max(load.lastScanOk, tStart);
    if (free() < 2 ** 20 && sinceOk > 5000) {
      filledAt = performance.now();
      break;
    }
  }
  const ackedFull = ledger.scans.size;
  const aliveFull = server.alive();
  const health = aliveFull
    ? await call(server.url, 'GET', '/api/health', undefined, undefined, 5000)
    : undefined;
  progress(
    `disk full ${filledAt ? `after ${((filledAt - tStart) / 1000).toFixed(1)} s` : 'NOT reached'}: ${Math.round(free() / 1024)} KiB free, ${ackedFull} scans acknowledged, server ${aliveFull ? `alive (health ${health?.status})` : 'DEAD'}`,
  );
  // Free the space; does it serve again by itself?
  unlinkSync(ballast);
  const tFree = performance.now();
  let recoveredS: number | undefined;
  while (!died && performance.now() - tFree < 20_000) {
    if (load.lastScanOk > tFree) {
      recoveredS = (load.lastScanOk - tFree) / 1000;
      break;
    }
    await sleep(200);
  }
  let restarted: string | undefined;
  if (recoveredS === undefined) {
    // Not by itself: stop it (or find it dead) and start it again.
    const wr = timeline.open('restart', 'restart after disk full');
    const stop = await server.stop(20_000);
    const r = await server.startRetrying(60_000, 1000);
    const healthy = r.ok ? await waitHealthy(server.url, 30_000) : undefined;
    timeline.close(wr, (healthy ?? performance.now()) + 1000);
    restarted = `${died ? 'the server had died' : `stopped with exit ${stop.code}${stop.forced ? ' (SIGTERM ignored for 20 s, killed)' : ''}`}; started again: ${healthy ? `yes, after ${r.tries.length} start(s)` : `NO (${tail(r.tries.at(-1)?.stderr ?? '', 5)})`}`;
    await sleep(3000);
    if (load.lastScanOk > tFree) recoveredS = (load.lastScanOk - tFree) / 1000;
  }
  timeline.close(wFull);
  timeline.trial = 'drain';
  server.activity = 'drain';
  await load.drain(30_000);
  const stop = await server.stop();
  cleanStops.push({ server: server.name, code: stop.code, signal: stop.signal, forced: stop.forced });
  const v = await withPglite(join(dataDir, 'pgdata'), (q) => verify(q, ledger, t.roundId));
  reportProblems(v);
  finalVerdicts.push({ backend: 'pglite (disk full)', verdict: v });
  const statuses = Object.fromEntries(timeline.fullAnswers);
  // What the server logged while full: its error messages, by count.
  const errors = new Map<string, number>();
  for (const line of readFileSync(server.logFile, 'utf8').split('\n')) {
    const m = /"message":"((?:[^"\\]|\\.)*)"/.exec(line);
    if (m?.[1] && /"level":(50|60)/.test(line)) {
      const msg = m[1].replace(/\d+/g, 'N');
      errors.set(msg, (errors.get(msg) ?? 0) + 1);
    }
  }
  Object.assign(diskFull, {
    filled: filledAt !== undefined,
    fill_s: filledAt ? round2((filledAt - tStart) / 1000) : null,
    acknowledged_before_full: ackedFull,
    server_died: died,
    answers_while_full: statuses,
    server_errors: Object.fromEntries([...errors].sort((a, b) => b[1] - a[1]).slice(0, 6)),
    recovered_by_itself: restarted === undefined && recoveredS !== undefined,
    serving_again_s: recoveredS === undefined ? null : round2(recoveredS),
    restart: restarted ?? null,
  });
  const deathNote = deaths
    .slice(deathsBefore)
    .map((d) => `exit ${d.code ?? d.signal}`)
    .join(', ');
  record({
    kind: 'disk full',
    backend: 'pglite',
    ok:
      !died &&
      filledAt !== undefined &&
      sumLost(v) + sumDuplicated(v) === 0 &&
      recoveredS !== undefined &&
      v.corrupt.length === 0,
    note: `${filledAt ? 'filled' : 'never filled'}; answers while full ${JSON.stringify(statuses)}; ${died ? `SERVER DIED (${deathNote})` : 'server stayed up'}; ${restarted === undefined ? (recoveredS !== undefined ? `served again ${recoveredS.toFixed(1)} s after the space was freed, without a restart` : 'did not serve again') : `no recovery by itself: ${restarted}`}; ${describeVerdict(v)}`,
    lost: sumLost(v),
    duplicated: sumDuplicated(v),
  });
  await umount();
}

// ------------------------------------------------------------------------------------------- main

async function main(): Promise<number> {
  if (!existsSync(BIN)) throw new Error(`no ${BIN}`);
  progress(
    `fault harness: root ${ROOT}, seed ${SEED}, ${KILLS} kills, ${RESTARTS} PostgreSQL restarts, ${WITH_PGLITE ? `${PGLITE_KILLS} PGlite kills` : 'no PGlite'}, work ${work}`,
  );
  await postgresPhase();
  if (WITH_PGLITE || WITH_DISK_FULL) {
    const t = await pgliteTemplate();
    if (WITH_PGLITE) await pglitePhase(t);
    else skipped.push({ trial: 'pglite', reason: '--no-pglite' });
    if (WITH_DISK_FULL) await diskFullPhase(t);
    else skipped.push({ trial: 'disk full', reason: '--no-disk-full' });
  }
  return summary();
}

/** The lines of a crash log that say what happened (the throw, the error, its code), not the whole stack. */
function deathExcerpt(log: string): string[] {
  const lines = log.split('\n');
  const picked = lines.filter((l) =>
    /Unhandled|throw |^\S*(Error|error)\b|Emitted 'error'|^\s+(code|severity|routine|errno|syscall):|"level":(50|60)|FATAL|fatal/.test(
      l,
    ),
  );
  return (picked.length > 0 ? picked : lines.slice(-12)).slice(0, 14);
}

function summary(): number {
  const sum = (f: (v: Verdict) => number) => finalVerdicts.reduce((a, x) => a + f(x.verdict), 0);
  // Lost or duplicated seen in any trial stays in the final check of the same database; take the larger.
  const trialLost = trials.reduce((a, t) => Math.max(a, t.lost), 0);
  const trialDup = trials.reduce((a, t) => Math.max(a, t.duplicated), 0);
  const lost = Math.max(sum(sumLost), trialLost);
  const duplicated = Math.max(sum(sumDuplicated), trialDup);
  const badOutage = timelines.reduce((a, t) => a + t.badOutageAnswers(), 0);
  const unexpected = timelines.reduce((a, t) => a + t.unexpectedAnswers(), 0);
  const wrongExit = cliProbes.filter((p) => p.code !== p.expected);
  const corrupt = finalVerdicts.flatMap((f) => f.verdict.corrupt.map((c) => `${f.backend}: ${c}`));
  const uncleanStops = cleanStops.filter((s) => s.code !== 0);
  const count = (kind: string, backend?: string) =>
    trials.filter((t) => t.kind === kind && (backend === undefined || t.backend === backend)).length;

  const out: string[] = [];
  out.push('', '== fault trials ==');
  for (const t of trials)
    out.push(
      `${String(t.n).padStart(3)} ${t.ok ? 'ok    ' : 'FAILED'} ${t.kind.padEnd(30)} ${t.backend.padEnd(10)} ${t.note}`,
    );
  out.push('', '== acknowledged and checked (final check of each database) ==');
  for (const f of finalVerdicts) {
    const v = f.verdict;
    out.push(
      `${f.backend.padEnd(20)} scans ${v.acknowledged.scans}, state changes ${v.acknowledged.state_changes}, results ${v.acknowledged.results}; lost ${JSON.stringify(v.lost)}, duplicated ${JSON.stringify(v.duplicated)}${v.corrupt.length ? `; CORRUPT ${v.corrupt.join('; ')}` : ''}`,
    );
    for (const p of v.problems.slice(0, 10)) out.push(`    ! ${p}`);
  }
  for (const l of ledgers) {
    out.push(
      `clients ${l.tag}: ${l.sentBatches} batch posts (${l.retriedBatches} retries), ${l.duplicateAnswers} 'duplicate' answers, ${l.abandonedBoxes} boxes abandoned, rejected ${JSON.stringify(Object.fromEntries(l.rejected))}`,
    );
    for (const s of l.rejectedSamples.slice(0, 5)) out.push(`    rejected: ${s}`);
  }
  out.push('', '== answers during PostgreSQL outages ==');
  for (const tl of timelines)
    if (tl.outageAnswers.size > 0) out.push(JSON.stringify(Object.fromEntries(tl.outageAnswers)));
  out.push('', '== anomalies (answers that should not have happened) ==');
  const anomalies = timelines.flatMap((t) => t.anomalies);
  if (anomalies.length === 0) out.push('none');
  const byKind = new Map<string, typeof anomalies>();
  for (const a of anomalies) byKind.set(a.kind, [...(byKind.get(a.kind) ?? []), a]);
  for (const tl of timelines) for (const [k, n] of tl.counts) out.push(`${k}: ${n}`);
  for (const [k, list] of byKind)
    for (const a of list.slice(0, 3))
      out.push(
        `  e.g. ${k} at ${a.at_s} s in "${a.trial}": ${a.path} → ${a.status || a.error}${a.retryAfter ? ` (Retry-After ${a.retryAfter})` : ''} ${a.body.slice(0, 200)}`,
      );
  out.push('', '== server deaths ==');
  if (deaths.length === 0) out.push('none');
  for (const d of deaths) {
    out.push(
      `${d.server} pid ${d.pid}: exit code ${d.code}, signal ${d.signal}, during "${d.during}"; last log lines:`,
    );
    for (const l of deathExcerpt(d.logTail)) out.push(`    ${l.slice(0, 400)}`);
  }
  out.push('', '== command exit codes ==');
  for (const p of cliProbes)
    out.push(
      `${p.code === p.expected ? 'ok   ' : 'WRONG'} ${p.command} (${p.phase}, ${p.trial}): exit ${p.code}, want ${p.expected}${p.code === p.expected ? '' : `\n    ${p.stderr.split('\n').join('\n    ')}`}`,
    );
  if (uncleanStops.length)
    out.push('', `== unclean stops (SIGTERM) ==`, ...uncleanStops.map((s) => JSON.stringify(s)));
  if (Object.keys(diskFull).length) out.push('', '== disk full ==', JSON.stringify(diskFull));
  if (skipped.length) out.push('', '== skipped ==', ...skipped.map((s) => `${s.trial}: ${s.reason}`));

  const acknowledged = finalVerdicts.reduce(
    (a, f) =>
      a +
      f.verdict.acknowledged.scans +
      f.verdict.acknowledged.results +
      f.verdict.acknowledged.state_changes,
    0,
  );
  const maxRec = Number.isFinite(maxRecovery) ? round2(maxRecovery) : null;
  const ok =
    lost === 0 &&
    duplicated === 0 &&
    deaths.length === 0 &&
    maxRecovery <= RECOVERY_LIMIT_S &&
    badOutage === 0 &&
    wrongExit.length === 0 &&
    corrupt.length === 0 &&
    trials.every((t) => t.ok);
  const json = {
    trials: trials.length,
    acknowledged,
    lost,
    duplicated,
    server_deaths: deaths.length,
    max_recovery_s: maxRec,
    kills: count('kill -9', 'postgresql'),
    kills_pglite: count('kill -9', 'pglite'),
    restarts_fast: count('postgresql restart (fast)'),
    restarts_immediate: count('postgresql restart (immediate)'),
    second_process: count('pglite second process'),
    disk_full: count('disk full'),
    acknowledged_scans: sum((v) => v.acknowledged.scans),
    acknowledged_state_changes: sum((v) => v.acknowledged.state_changes),
    acknowledged_results: sum((v) => v.acknowledged.results),
    retried_batches: ledgers.reduce((a, l) => a + l.retriedBatches, 0),
    duplicate_answers: ledgers.reduce((a, l) => a + l.duplicateAnswers, 0),
    bad_outage_answers: badOutage,
    unexpected_answers: unexpected,
    wrong_exit_codes: wrongExit.length,
    corrupt: corrupt.length,
    unclean_stops: uncleanStops.length,
    max_restart_s: Number.isFinite(maxRestart) ? round2(maxRestart) : null,
    failed_trials: trials.filter((t) => !t.ok).length,
    skipped: skipped.map((s) => `${s.trial}: ${s.reason}`),
    seed: SEED,
    seconds: Math.round((performance.now() - T0) / 1000),
    ok,
  };
  out.push('', JSON.stringify(json));
  process.stdout.write(`${out.join('\n')}\n`);
  return ok ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  progress(`harness error: ${(err as Error).stack ?? String(err)}`);
  try {
    summary();
  } catch {
    // nothing more to say
  }
  code = 3;
} finally {
  await cleanup();
}
// Leftover handles (keep-alive sockets) must not keep the harness alive.
process.exit(code);

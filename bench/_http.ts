/**
 * Shared by the HTTP benchmarks: options, autocannon with p95 taken from every response, and the real server in
 * a child process (so the load generator and the server do not share one event loop).
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { openPostgres } from '../src/db/postgres.ts';
import { withReplica } from '../src/db/replica.ts';
import { ManualClock } from '../src/domain/clock.ts';
import { buildApp } from '../src/server/app.ts';

export function intArg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
  return v;
}

export const secondsSince = (t0: number) => (performance.now() - t0) / 1000;

interface Histogram {
  p50: number;
  p90: number;
  p97_5: number;
  p99: number;
  average: number;
  max: number;
}
export interface CannonResult {
  latency: Histogram;
  requests: { average: number; total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}
export interface CannonOptions {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: string;
}
type Autocannon = (opts: CannonOptions, cb: (err: Error | null, r: CannonResult) => void) => unknown;

export function p95Of(samples: number[]): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))] as number;
}

/** autocannon's run; p95 (not in its summary) is taken from every response's latency, recorded as it arrives. */
export function runCannon(opts: CannonOptions): Promise<{ result: CannonResult; p95: number }> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const instance = autocannon(opts, (err, result) => {
      if (err) reject(err);
      else resolve({ result, p95: Number(p95Of(latencies).toFixed(2)) });
    }) as { on(event: 'response', f: (c: unknown, code: number, bytes: number, ms: number) => void): void };
    instance.on('response', (_c, _code, _bytes, ms) => latencies.push(ms));
  });
}

/** Child-process mode (`--serve`): the real app with its background workers on BENCH_DATABASE_URL at BENCH_NOW. */
export async function serveChild(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL;
  const now = process.env.BENCH_NOW;
  if (!url || !now || !process.send) throw new Error('--serve is for the benchmark child process');
  // BENCH_REPLICA_URL: GET requests read from that replica (src/db/replica.ts), as with DATABASE_REPLICA_URL.
  const replicaUrl = process.env.BENCH_REPLICA_URL;
  const primary = await openPostgres(url);
  const db = replicaUrl
    ? withReplica(primary, await openPostgres(replicaUrl, { probe: false, connectionTimeoutMillis: 2000 }))
    : primary;
  // As served: whole lists kept QINGCANG_LIST_CACHE_MS (default 5,000 ms; 0 measures them computed per request).
  const listCacheMs = Number(process.env.QINGCANG_LIST_CACHE_MS ?? 5000);
  const replicaStickyMs = Number(process.env.QINGCANG_REPLICA_STICKY_MS ?? 5000);
  const app = await buildApp({
    db,
    clock: new ManualClock(now),
    logger: false,
    workers: true,
    listCacheMs,
    replicaStickyMs,
  });
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

export interface ServerChild {
  port: number;
  process: ChildProcess;
  /** Peak resident memory of the server process so far (VmHWM), in MiB. */
  peakMiB(): number;
  /** Resident memory now (VmRSS), in MiB. */
  rssMiB(): number;
  stop(): Promise<void>;
}

function procStatus(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Forks `bench/run.ts NAME --serve` and resolves when it listens. */
export async function startServer(
  bench: string,
  databaseUrl: string,
  now: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ServerChild> {
  const child = fork(fileURLToPath(new URL('./run.ts', import.meta.url)), [bench, '--serve'], {
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl, BENCH_NOW: now, ...env },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the server process exited (${code})`)));
    child.on('message', (m: { type: string; port: number }) => {
      if (m.type === 'ready') resolve(m.port);
    });
  });
  return serverChild(port, child, () => child.send({ cmd: 'stop' }), 10_000);
}

/** A server child process: its port, memory, and a stop that asks (`ask`) and kills it after `killAfterMs`. */
function serverChild(port: number, child: ChildProcess, ask: () => void, killAfterMs: number): ServerChild {
  const pid = child.pid as number;
  return {
    port,
    process: child,
    peakMiB: () => procStatus(pid, 'VmHWM'),
    rssMiB: () => procStatus(pid, 'VmRSS'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        ask();
        setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, killAfterMs).unref();
      }),
  };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** Waits until the server answers its health check (or fails if it exits first, or after 60 s). */
export async function waitForHealth(port: number, proc: ChildProcess): Promise<void> {
  let exited: number | null | undefined;
  proc.once('exit', (code) => {
    exited = code;
  });
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (exited !== undefined) throw new Error(`the server exited (${exited}) before answering`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/health`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the server did not answer on port ${port} within 60 s`);
}

/**
 * The platform's own server as operators run it, `qingcang serve --role api --processes P` (P API processes on one
 * port, the system clock, no background work), on `databaseUrl`.
 */
export async function startPlatform(
  databaseUrl: string,
  processes: number,
  env: NodeJS.ProcessEnv = {},
): Promise<ServerChild> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('../bin/qingcang.js', import.meta.url)),
      'serve',
      '--role',
      'api',
      '--processes',
      String(processes),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
    ],
    {
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  await waitForHealth(port, child);
  return serverChild(port, child, () => child.kill('SIGTERM'), 15_000);
}

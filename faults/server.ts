/**
 * The server under test as a child process (`qingcang serve --port P`), on a fixed port so clients keep their URL
 * across restarts. Every exit the harness did not cause (SIGKILL, SIGTERM) is a death, kept with the tail of the
 * server's log as evidence. The whole log of every start is also written to a file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { progress, sleep, tail } from './lib.ts';

export interface Death {
  server: string;
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() of the exit. */
  at: number;
  during: string;
  logTail: string;
}

export interface StartOutcome {
  ok: boolean;
  code?: number | null;
  signal?: NodeJS.Signals | null;
  ms: number;
  stderr: string;
}

const KEEP = 64 * 1024;

export class ServerProc {
  readonly name: string;
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly port: number;
  readonly logFile: string;
  child: ChildProcess | undefined;
  /** Recent stderr of the current (or last) process. */
  recent = '';
  deaths: Death[] = [];
  /** What the harness is doing now, written into a death record. */
  activity = 'setup';
  onDeath: ((d: Death) => void) | undefined;
  private expectExit = false;
  starts = 0;

  constructor(name: string, root: string, env: NodeJS.ProcessEnv, port: number, workDir: string) {
    this.name = name;
    this.root = root;
    this.env = env;
    this.port = port;
    this.logFile = join(workDir, `server-${name}.log`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the server; resolves when it says it serves, or when it exits first (a failed start). */
  start(timeoutMs = 60_000): Promise<StartOutcome> {
    const started = performance.now();
    this.starts++;
    this.expectExit = false;
    this.recent = '';
    appendFileSync(this.logFile, `\n===== start ${this.starts} (${new Date().toISOString()}) =====\n`);
    const child = spawn(
      process.execPath,
      [join(this.root, 'bin/qingcang.js'), 'serve', '--port', String(this.port), '--host', '127.0.0.1'],
      { env: this.env, cwd: this.root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    const keep = (d: Buffer) => {
      const s = String(d);
      appendFileSync(this.logFile, s);
      this.recent = (this.recent + s).slice(-KEEP);
    };
    child.stderr?.on('data', keep);
    let out = '';
    return new Promise((resolve) => {
      let serving = false;
      const timer = setTimeout(() => {
        if (serving) return;
        this.expectExit = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.stdout?.on('data', (d: Buffer) => {
        keep(d);
        out += String(d);
        if (!serving && /serving on http/.test(out)) {
          serving = true;
          clearTimeout(timer);
          resolve({ ok: true, ms: performance.now() - started, stderr: '' });
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!serving) {
          resolve({ ok: false, code, signal, ms: performance.now() - started, stderr: this.recent });
          return;
        }
        if (this.expectExit) return;
        const death: Death = {
          server: this.name,
          pid: child.pid,
          code,
          signal,
          at: performance.now(),
          during: this.activity,
          logTail: tail(this.recent, 120),
        };
        this.deaths.push(death);
        progress(
          `SERVER DEATH (${this.name}, pid ${child.pid}): exit code ${code}, signal ${signal}, during ${this.activity}`,
        );
        this.onDeath?.(death);
      });
    });
  }

  /** Starts, retrying while the start is refused (e.g. exit 5 on a PGlite lock still held); returns every try. */
  async startRetrying(
    maxMs: number,
    everyMs = 500,
  ): Promise<{ ok: boolean; tries: StartOutcome[]; ms: number }> {
    const t0 = performance.now();
    const tries: StartOutcome[] = [];
    while (performance.now() - t0 < maxMs) {
      const r = await this.start();
      tries.push(r);
      if (r.ok) return { ok: true, tries, ms: performance.now() - t0 };
      await sleep(everyMs);
    }
    return { ok: false, tries, ms: performance.now() - t0 };
  }

  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive()) return;
    this.expectExit = true;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM (graceful), SIGKILL after `graceMs`; returns the exit code (null when it had to be killed). */
  async stop(
    graceMs = 20_000,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; forced: boolean }> {
    const child = this.child;
    if (!child || !this.alive()) return { code: child?.exitCode ?? null, signal: null, forced: false };
    this.expectExit = true;
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) =>
      child.once('exit', (code, signal) => r([code, signal])),
    );
    child.kill('SIGTERM');
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      child.kill('SIGKILL');
    }, graceMs);
    const [code, signal] = await exited;
    clearTimeout(timer);
    return { code, signal, forced };
  }
}

/** Polls GET /api/health until it answers 200; returns the moment (performance.now()) or undefined on timeout. */
export async function waitHealthy(url: string, timeoutMs: number, everyMs = 50): Promise<number | undefined> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    try {
      const r = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      if (r.status === 200) return performance.now();
    } catch {
      // not up yet
    }
    await sleep(everyMs);
  }
  return undefined;
}

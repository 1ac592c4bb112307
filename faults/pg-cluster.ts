/**
 * The harness's own PostgreSQL cluster: initdb in a temporary directory, its own port on 127.0.0.1 (trust auth),
 * started, stopped (fast or immediate), started as a standby that refuses connections (a database "still
 * recovering", SQLSTATE 57P03) and promoted, and removed at the end. As root the binaries run as the `postgres`
 * user (PostgreSQL refuses to run as root).
 */
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { progress, run, sleep } from './lib.ts';

export function findPgBin(): string | undefined {
  const env = process.env.FAULTS_PG_BIN;
  if (env) return existsSync(join(env, 'pg_ctl')) ? env : undefined;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => /^\d+$/.test(v) && Number(v) >= 15 && existsSync(join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(a) - Number(b));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

function postgresUid(): { uid: number; gid: number } | undefined {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('postgres:'));
    if (!line) return undefined;
    const f = line.split(':');
    return { uid: Number(f[2]), gid: Number(f[3]) };
  } catch {
    return undefined;
  }
}

export class PgCluster {
  readonly bin: string;
  readonly port: number;
  readonly dir: string;
  readonly dataDir: string;
  readonly logFile: string;
  private readonly asRoot: boolean;
  running = false;

  constructor(bin: string, port: number) {
    this.bin = bin;
    this.port = port;
    this.asRoot = userInfo().uid === 0;
    this.dir = mkdtempSync(join(tmpdir(), 'qingcang-faults-pg-'));
    this.dataDir = join(this.dir, 'data');
    this.logFile = join(this.dir, 'postgresql.log');
    if (this.asRoot) {
      const pgUser = postgresUid();
      if (!pgUser) throw new Error('running as root but there is no `postgres` user to run PostgreSQL as');
      chownSync(this.dir, pgUser.uid, pgUser.gid);
    }
  }

  url(database = 'qingcang'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private cmd(tool: string, args: string[], timeoutMs = 120_000) {
    const exe = join(this.bin, tool);
    return this.asRoot
      ? run('runuser', ['-u', 'postgres', '--', exe, ...args], { timeoutMs })
      : run(exe, args, { timeoutMs });
  }

  private options(extra = ''): string {
    return `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir} -c max_connections=60 -c shared_buffers=64MB ${extra}`.trim();
  }

  async init(): Promise<void> {
    const r = await this.cmd('initdb', [
      '-D',
      this.dataDir,
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--locale',
      'C',
      '--no-sync',
    ]);
    if (r.code !== 0) throw new Error(`initdb failed (${r.code}): ${r.stderr}`);
    await this.start();
    const c = new pg.Client({ connectionString: this.url('postgres') });
    c.on('error', () => {});
    await c.connect();
    await c.query('CREATE DATABASE qingcang');
    await c.end();
  }

  async start(): Promise<void> {
    const r = await this.cmd('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      this.logFile,
      '-o',
      this.options(),
      '-w',
      'start',
    ]);
    if (r.code !== 0) throw new Error(`pg_ctl start failed (${r.code}): ${r.stdout}${r.stderr}`);
    this.running = true;
  }

  /** Stops with the given mode; returns when the postmaster is gone. */
  async stop(mode: 'fast' | 'immediate'): Promise<void> {
    const r = await this.cmd('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', 'stop']);
    if (r.code !== 0) throw new Error(`pg_ctl stop -m ${mode} failed (${r.code}): ${r.stdout}${r.stderr}`);
    this.running = false;
  }

  /**
   * Starts as a standby with hot_standby off: the postmaster is up and recovering, and every connection is refused
   * with 57P03 ("the database system is not accepting connections") until promote() — a database that is still
   * recovering, for as long as the trial needs.
   */
  async startRecovering(): Promise<void> {
    const signal = join(this.dataDir, 'standby.signal');
    writeFileSync(signal, '');
    if (this.asRoot) {
      const u = postgresUid();
      if (u) chownSync(signal, u.uid, u.gid);
    }
    const r = await this.cmd('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      this.logFile,
      '-o',
      this.options('-c hot_standby=off'),
      'start',
    ]);
    if (r.code !== 0) throw new Error(`pg_ctl start (standby) failed (${r.code}): ${r.stdout}${r.stderr}`);
    // Wait until the postmaster answers (with 57P03), not for readiness.
    for (let i = 0; i < 100; i++) {
      if ((await this.probe()) === 'recovering') break;
      await sleep(100);
    }
    this.running = true;
  }

  async promote(): Promise<void> {
    const r = await this.cmd('pg_ctl', ['-D', this.dataDir, '-w', 'promote']);
    if (r.code !== 0) throw new Error(`pg_ctl promote failed (${r.code}): ${r.stdout}${r.stderr}`);
  }

  /** One connection attempt: 'ready', 'recovering' (57P03) or 'down'. */
  async probe(): Promise<'ready' | 'recovering' | 'down'> {
    const c = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 2000 });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.query('SELECT 1');
      return 'ready';
    } catch (err) {
      return (err as { code?: string }).code === '57P03' ? 'recovering' : 'down';
    } finally {
      await c.end().catch(() => {});
    }
  }

  /** Polls until a connection succeeds; returns the moment it did (performance.now()). */
  async waitReady(timeoutMs = 60_000): Promise<number> {
    const until = performance.now() + timeoutMs;
    while (performance.now() < until) {
      if ((await this.probe()) === 'ready') return performance.now();
      await sleep(25);
    }
    throw new Error(`PostgreSQL did not accept connections within ${timeoutMs} ms`);
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Stops (immediate) if running and removes the directory. Safe to call twice. */
  async destroy(): Promise<void> {
    if (existsSync(join(this.dataDir, 'postmaster.pid'))) {
      await this.cmd('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop'], 30_000).catch(() => {});
    }
    this.running = false;
    rmSync(this.dir, { recursive: true, force: true });
    progress(`PostgreSQL cluster on port ${this.port} stopped and removed`);
  }
}

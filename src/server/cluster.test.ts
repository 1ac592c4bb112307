/**
 * `qingcang serve --processes N` as an operator runs it: API processes sharing one port, one background worker,
 * a process that dies started again, SIGTERM stopping all of them cleanly; refused on the embedded database.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDatabase } from '../db/temp-database.ts';

const BIN = join(import.meta.dirname, '../../bin/qingcang.js');
const TOKEN = 'cluster-test-token-0123456789';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** One request on a connection of its own (so the cluster deals each to a process of its choosing). */
function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(what: string, f: () => T | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('serve --processes on the embedded database', () => {
  it('is refused with a usage error', () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOG_LEVEL: 'warn',
      QINGCANG_DATA_DIR: '/nonexistent/qc-cluster',
    };
    delete env.DATABASE_URL;
    const r = spawnSync(process.execPath, [BIN, 'serve', '--processes', '2', '--port', '0'], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--processes above 1 needs PostgreSQL \(set DATABASE_URL\)/);
    const bad = spawnSync(process.execPath, [BIN, 'serve', '--role', 'everything'], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Allowed choices are api, worker, all/);
  });
});

describe.skipIf(!process.env.DATABASE_URL)('serve --processes 2 on PostgreSQL', () => {
  let temp: { url: string; drop: () => Promise<void> };
  let server: ChildProcess | undefined;
  const lines: Record<string, unknown>[] = [];
  let stdout = '';

  beforeAll(async () => {
    temp = await createTempDatabase(process.env.DATABASE_URL as string, 'qc_cluster');
  });
  afterAll(async () => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    for (const l of lines) {
      const pid = (l.child as { pid?: number } | undefined)?.pid;
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    }
    await temp?.drop();
  });

  it('shares the port among API processes, runs one worker, restarts a dead process, stops on SIGTERM', async () => {
    const port = await freePort();
    const env = {
      ...process.env,
      DATABASE_URL: temp.url,
      LOG_LEVEL: 'info',
      QINGCANG_METRICS_TOKEN: TOKEN,
    };
    const proc = spawn(process.execPath, [BIN, 'serve', '--processes', '2', '--port', String(port)], { env });
    server = proc;
    let partial = '';
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
      const parts = (partial + d).split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) if (p.startsWith('{')) lines.push(JSON.parse(p));
    });
    proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    await until(
      'the cluster to serve',
      () => stdout.includes('with 2 API processes and 1 background worker'),
      90_000,
    );
    const started = () =>
      lines
        .filter((l) => l.msg === 'cluster: process started')
        .map((l) => l.child as { pid: number; role: string });
    expect(
      started()
        .map((c) => c.role)
        .sort(),
    ).toEqual(['api', 'api', 'worker']);
    const apiPids = started()
      .filter((c) => c.role === 'api')
      .map((c) => c.pid);

    // Requests on their own connections are answered by both API processes (each logs its pid with the id).
    const answeredBy = async (n: number, tag: string) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const r = await get(port, '/api/health', { 'x-request-id': `${tag}-${i}` });
        expect(r.status).toBe(200);
        expect(r.headers['x-request-id']).toBe(`${tag}-${i}`);
        ids.push(`${tag}-${i}`);
      }
      return until(`the request log lines of ${tag}`, () => {
        const done = lines.filter((l) => l.msg === 'request completed' && ids.includes(l.reqId as string));
        return done.length === n ? new Set(done.map((l) => l.pid as number)) : undefined;
      });
    };
    const first = await answeredBy(12, 'first');
    expect([...first].sort()).toEqual([...apiPids].sort());

    // One scrape shows the whole cluster: two API processes and the worker, the jobs run by the worker.
    const scrape = async () => (await get(port, '/metrics', { authorization: `Bearer ${TOKEN}` })).body;
    const text = await scrape();
    expect(text).toContain('qingcang_process_up{role="api"} 2');
    expect(text).toContain('qingcang_process_up{role="worker"} 1');
    expect(text).toMatch(
      /qingcang_http_requests_total\{method="GET",route="\/api\/health",status="200"\} (1[2-9]|[2-9]\d)/,
    );
    expect((await get(port, '/metrics')).status).toBe(401);

    // A dead API process is started again; the port keeps answering meanwhile.
    const victim = apiPids[0] as number;
    process.kill(victim, 'SIGKILL');
    const replacement = await until('a new API process', () =>
      started().find((c) => c.role === 'api' && !apiPids.includes(c.pid)),
    );
    expect(
      lines.some(
        (l) =>
          l.msg === 'cluster: a process died; starting another' &&
          (l.child as { pid: number }).pid === victim,
      ),
    ).toBe(true);
    await until('the new process to listen', () =>
      lines.some((l) => l.pid === replacement.pid && String(l.msg).startsWith('Server listening')),
    );
    const second = await answeredBy(12, 'second');
    expect(second.has(replacement.pid)).toBe(true);
    expect(second.has(victim)).toBe(false);
    expect(await scrape()).toContain('qingcang_cluster_worker_restarts_total{role="api"} 1');

    // SIGTERM to the primary: every process finishes and stops, the primary exits 0.
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    const children = started().map((c) => c.pid);
    expect(children.filter(alive)).toEqual([]);
    expect(lines.filter((l) => l.msg === 'stopped cleanly').length).toBe(3);
    expect(lines.some((l) => l.msg === 'cluster: stopped cleanly')).toBe(true);
  }, 240_000);
});

describe.skipIf(!process.env.DATABASE_URL)('a cluster that cannot start', () => {
  it('stops every process and exits 1 when one dies while starting, instead of restarting it forever', async () => {
    const temp = await createTempDatabase(process.env.DATABASE_URL as string, 'qc_cluster');
    try {
      const env = {
        ...process.env,
        DATABASE_URL: temp.url,
        LOG_LEVEL: 'info',
        QINGCANG_DASHBOARD_REFRESH_MS: '5',
      };
      const proc = spawn(
        process.execPath,
        [BIN, 'serve', '--processes', '2', '--port', String(await freePort())],
        {
          env,
        },
      );
      let stderr = '';
      proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
      expect(code, stderr).toBe(1);
      expect(stderr).toMatch(/QINGCANG_DASHBOARD_REFRESH_MS must be a number of milliseconds/);
      expect(stderr).toMatch(/a worker process exited \(code 1\) while starting/);
      const pids = [...new Set([...stderr.matchAll(/"child":\{"pid":(\d+)/g)].map((m) => Number(m[1])))];
      expect(pids).toHaveLength(3);
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      await temp.drop();
    }
  }, 120_000);
});

describe('QINGCANG_TRUST_PROXY', () => {
  it('reads false, true, a number of hops or addresses, and refuses anything else', async () => {
    const { trustProxyFromEnv } = await import('../cli/commands/serve.ts');
    expect(trustProxyFromEnv(undefined)).toBe(false);
    expect(trustProxyFromEnv('false')).toBe(false);
    expect(trustProxyFromEnv('true')).toBe(true);
    expect(trustProxyFromEnv('1')).toBe(1);
    expect(trustProxyFromEnv('10.0.0.0/8, 127.0.0.1')).toBe('10.0.0.0/8, 127.0.0.1');
    expect(() => trustProxyFromEnv('nginx')).toThrow(/QINGCANG_TRUST_PROXY must be/);
  });
});

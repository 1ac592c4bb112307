/** /metrics (its token, its figures), request ids in answers and log lines, the worker role's app and its jobs. */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackends } from '../db/testing.ts';
import { ManualClock } from '../domain/clock.ts';
import { loggerOptions } from '../lib/logger.ts';
import { buildApp } from './app.ts';
import { metricsTokenFromEnv } from './metrics.ts';
import { buildWorkerApp, restartDelayMs } from './serve.ts';

const clock = new ManualClock('2022-03-14T08:00:00Z');
const TOKEN = 'metrics-token-0123456789';

/** The value of one series in Prometheus text, or 0 when absent. */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describeBackends('metrics and request ids', (ctx) => {
  let app: FastifyInstance;
  const lines: Record<string, unknown>[] = [];
  const scrape = async () => {
    const r = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    return r.body;
  };

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    app = await buildApp({
      db: ctx.db,
      clock,
      logger: pino(loggerOptions('info'), sink),
      metricsToken: TOKEN,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers /metrics only with its bearer token', async () => {
    const none = await app.inject({ method: 'GET', url: '/metrics' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('unauthenticated');
    const wrong = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer metrics-token-0123456780' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('token_invalid');
    // A session or an API token is not the metrics token.
    const session = await app.inject({ method: 'GET', url: '/metrics', headers: { cookie: 'qc_session=x' } });
    expect(session.statusCode).toBe(401);
    expect(await scrape()).toContain('# TYPE qingcang_http_requests_total counter');
  });

  it('counts requests by route pattern, never by raw URL', async () => {
    const series = 'qingcang_http_requests_total{method="GET",route="/api/areas/:code",status="401"}';
    const before = value(await scrape(), series);
    for (const code of ['220202', '220203'])
      expect((await app.inject({ method: 'GET', url: `/api/areas/${code}` })).statusCode).toBe(401);
    await app.inject({ method: 'GET', url: '/api/no-such-route/220204' });
    const text = await scrape();
    expect(value(text, series)).toBe(before + 2);
    expect(text).not.toMatch(/route="[^"]*22020[234]/);
    expect(
      value(text, 'qingcang_http_requests_total{method="GET",route="unmatched",status="404"}'),
    ).toBeGreaterThan(0);
    expect(
      value(
        text,
        'qingcang_http_request_duration_seconds_count{method="GET",route="/api/areas/:code",status="401"}',
      ),
    ).toBe(before + 2);
  });

  it("reports the database pool and Node's process metrics", async () => {
    const text = await scrape();
    expect(value(text, `qingcang_db_pool_total{backend="${ctx.kind}"}`)).toBeGreaterThanOrEqual(1);
    if (ctx.kind === 'postgresql') {
      expect(value(text, 'qingcang_db_pool_max{backend="postgresql"}')).toBe(10);
      expect(text).toContain('qingcang_db_pool_waiting{backend="postgresql"} 0');
    } else expect(value(text, 'qingcang_db_pool_max{backend="pglite"}')).toBe(1);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('keeps a safe X-Request-ID, replaces an unsafe one, and logs it on every line of the request', async () => {
    const kept = await app.inject({
      method: 'GET',
      url: '/api/health',
      headers: { 'x-request-id': 'nginx-4f2a.9:1' },
    });
    expect(kept.headers['x-request-id']).toBe('nginx-4f2a.9:1');
    for (const bad of ['a b', 'x'.repeat(65), 'id\nforged', '"quoted"', '']) {
      const r = await app.inject({ method: 'GET', url: '/api/health', headers: { 'x-request-id': bad } });
      expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const fresh = await app.inject({ method: 'GET', url: '/api/persons' }); // refused: an error answer has it too
    expect(fresh.statusCode).toBe(401);
    const id = fresh.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const other = await app.inject({ method: 'GET', url: '/api/persons' });
    expect(other.headers['x-request-id']).not.toBe(id);
    const mine = lines.filter((l) => l.reqId === id);
    expect(mine.map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
    expect(lines.filter((l) => l.reqId === 'nginx-4f2a.9:1')).toHaveLength(2);
    // Every line logged while answering a request carries its id.
    expect(lines.filter((l) => 'req' in l || 'res' in l).every((l) => typeof l.reqId === 'string')).toBe(
      true,
    );
  });

  it("the worker role's app answers health and metrics only", async () => {
    const worker = await buildWorkerApp({ db: ctx.db, clock, logger: false, metricsToken: undefined });
    try {
      const health = await worker.inject({ method: 'GET', url: '/api/health' });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toMatchObject({ status: 'ok', role: 'worker', database: ctx.kind });
      expect((await worker.inject({ method: 'GET', url: '/api/persons' })).statusCode).toBe(404);
      // No token configured: nothing at /metrics.
      const m = await worker.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(m.statusCode).toBe(404);
    } finally {
      await worker.close();
    }
  });

  it("runs the worker's periodic jobs through the job queue and counts the queue in /metrics", async () => {
    const worker = await buildWorkerApp({ db: ctx.db, clock, logger: false, metricsToken: TOKEN });
    try {
      await worker.ready();
      const done = async () =>
        (
          await ctx.db.query<{ name: string }>(
            "SELECT DISTINCT name FROM pgboss.job WHERE state = 'completed' AND name IN ('tracing-worker', 'dashboard-refresh')",
          )
        ).rows.map((r) => r.name);
      const end = Date.now() + 20_000;
      while ((await done()).length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      expect((await done()).sort()).toEqual(['dashboard-refresh', 'tracing-worker']);
      const m = await worker.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(value(m.body, 'qingcang_job_runs_total{job="tracing worker"}')).toBeGreaterThan(0);
      expect(m.body).toContain('qingcang_job_queue_jobs{queue="dead-letters",state="queued"}');
      expect(m.body).toContain('qingcang_job_queue_jobs{queue="tracing-worker",state="active"}');
    } finally {
      await worker.close();
    }
  });
});

describe('settings', () => {
  it('reads the metrics token: unset means none, a short one is refused', () => {
    expect(metricsTokenFromEnv({})).toBeUndefined();
    expect(metricsTokenFromEnv({ QINGCANG_METRICS_TOKEN: '' })).toBeUndefined();
    expect(() => metricsTokenFromEnv({ QINGCANG_METRICS_TOKEN: 'short' })).toThrow(/at least 16/);
    expect(metricsTokenFromEnv({ QINGCANG_METRICS_TOKEN: TOKEN })).toBe(TOKEN);
  });

  it('waits longer before restarting a process that keeps dying young', () => {
    expect([1, 2, 3, 4, 7, 20].map(restartDelayMs)).toEqual([500, 1000, 2000, 4000, 30_000, 30_000]);
  });
});

describe('no metrics without a token', () => {
  it('answers 404 at /metrics when QINGCANG_METRICS_TOKEN is not set', async () => {
    const { openPglite } = await import('../db/pglite.ts');
    const db = await openPglite();
    const app = await buildApp({ db, clock, logger: false, metricsToken: undefined });
    try {
      const r = await app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(r.statusCode).toBe(404);
      expect(r.json().error.code).toBe('route_not_found');
    } finally {
      await app.close();
      await db.close();
    }
  });
});

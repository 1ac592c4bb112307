/** 推演 runs through the API and the background runner: queued, run in a worker thread, kept, cancelled. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { seedCity } from '../../modules/registry/seed-city.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { TwinRunner } from './runner.ts';
import { MAX_QUEUED } from './runs.ts';

const clock = new ManualClock('2022-03-14T06:00:00Z');

describeBackends('推演 runs', (ctx) => {
  let app: FastifyInstance;
  let cmd: TestSession;
  let viewer: TestSession;
  const call = (s: TestSession, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: s.headers, payload: payload as never });
  const tiny = {
    scenario: 'jilin-city-2022',
    strategies: ['as-it-happened', 'daily-rounds'],
    days: 3,
    seeds: 2,
    people: 2000,
  };

  beforeAll(async () => {
    await seedCity(ctx.db, { city: '2202', people: 1000, seed: 1, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    cmd = await loginAs(app, ctx.db, 'commander', '2202');
    viewer = await loginAs(app, ctx.db, 'viewer', '2202');
  });
  afterAll(async () => {
    await app.close();
  });

  it('offers the scenarios and strategies by name, to commanders only', async () => {
    const o = await call(cmd, 'GET', '/api/twin/options');
    expect(o.statusCode, o.body).toBe(200);
    expect(o.json().scenarios[0]).toMatchObject({
      name: 'jilin-city-2022',
      title_zh: expect.stringMatching(/吉林/),
    });
    expect(o.json().strategies).toContainEqual({
      name: 'daily-rounds',
      zh: '每日一轮全员核酸',
      en: 'a round every day',
    });
    expect((await call(viewer, 'GET', '/api/twin/options')).statusCode).toBe(403);
    expect((await call(viewer, 'POST', '/api/twin/runs', tiny)).statusCode).toBe(403);
  });

  it('refuses runs it cannot do, with the field named', async () => {
    for (const [body, path] of [
      [{ ...tiny, strategies: ['no-such'] }, '/strategies/0'],
      [{ ...tiny, strategies: ['pool-10', 'pool-10'] }, '/strategies'],
      [{ ...tiny, people: 5_000_000 }, '/people'],
      [{ ...tiny, days: 0 }, '/days'],
      [{ ...tiny, scenario: 'wuhan' }, '/scenario'],
    ] as const) {
      const r = await call(cmd, 'POST', '/api/twin/runs', body);
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
  });

  it('runs a queued run in the background to its bands and summary, and keeps it', async () => {
    const q = await call(cmd, 'POST', '/api/twin/runs', tiny);
    expect(q.statusCode, q.body).toBe(202);
    expect(q.json()).toMatchObject({ status: 'queued', params: tiny, progress: 0 });
    const id = q.json().id;
    const runner = new TwinRunner(ctx.db, clock, app.log);
    const draining = runner.drain(); // claims it and runs it in a worker thread
    let run = (await call(cmd, 'GET', `/api/twin/runs/${id}`)).json();
    for (let i = 0; i < 100 && run.status === 'queued'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      run = (await call(cmd, 'GET', `/api/twin/runs/${id}`)).json();
    }
    expect(run.status).toBe('running');
    for (let i = 0; i < 600 && run.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      run = (await call(cmd, 'GET', `/api/twin/runs/${id}`)).json();
    }
    expect(run.status, run.error).toBe('done');
    expect(run.progress).toBe(1);
    expect(run.result.summary.map((s: { strategy: string }) => s.strategy)).toEqual(tiny.strategies);
    expect(run.result.bands).toHaveLength(2 * 3); // strategies × days
    expect(run.result.bands[0]).toMatchObject({
      strategy: 'as-it-happened',
      day: 0,
      true_infections: expect.any(Number),
    });
    expect(run.result.runs).toHaveLength(4); // strategies × seeds, with their times and invariant failures
    expect(run.result.runs.every((x: { failures: number }) => x.failures === 0)).toBe(true);
    const list = (await call(cmd, 'GET', '/api/twin/runs')).json().items;
    expect(list[0]).toMatchObject({ id, status: 'done', params: tiny });
    expect(list[0].result).toBeUndefined(); // the list stays light
    expect(await draining).toBe(1); // the job ends when nothing waits
    await runner.stop();
  }, 180_000);

  it('cancels a waiting run, refuses to cancel a finished one, and caps the queue', async () => {
    const q = (await call(cmd, 'POST', '/api/twin/runs', tiny)).json();
    const c = await call(cmd, 'POST', `/api/twin/runs/${q.id}/cancel`);
    expect(c.json()).toMatchObject({ id: q.id, status: 'cancelled' });
    const again = await call(cmd, 'POST', `/api/twin/runs/${q.id}/cancel`);
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'twin_run_finished']);
    expect((await call(cmd, 'POST', '/api/twin/runs/999999/cancel')).statusCode).toBe(404);
    const ids: number[] = [];
    for (let i = 0; i < MAX_QUEUED; i++)
      ids.push((await call(cmd, 'POST', '/api/twin/runs', tiny)).json().id);
    const full = await call(cmd, 'POST', '/api/twin/runs', tiny);
    expect([full.statusCode, full.json().error.code]).toEqual([409, 'twin_queue_full']);
    for (const id of ids) await call(cmd, 'POST', `/api/twin/runs/${id}/cancel`);
  });

  it('puts a run that a stop interrupted back in the queue', async () => {
    const q = (await call(cmd, 'POST', '/api/twin/runs', { ...tiny, days: 60, people: 20_000 })).json();
    const runner = new TwinRunner(ctx.db, clock, app.log);
    const draining = runner.drain();
    let status = 'queued';
    for (let i = 0; i < 100 && status === 'queued'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await call(cmd, 'GET', `/api/twin/runs/${q.id}`)).json().status;
    }
    expect(status).toBe('running');
    await runner.stop();
    expect(await draining).toBe(1);
    expect((await call(cmd, 'GET', `/api/twin/runs/${q.id}`)).json()).toMatchObject({
      status: 'queued',
      progress: 0,
    });
    // The next job finds it queued and runs it; a run left running by a process that died goes back first.
    await ctx.db.query("UPDATE twin_runs SET status = 'running' WHERE id = $1", [q.id]);
    const next = new TwinRunner(ctx.db, clock, app.log);
    const again = next.drain();
    let progress = 0;
    for (let i = 0; i < 600 && progress === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      progress = (await call(cmd, 'GET', `/api/twin/runs/${q.id}`)).json().progress;
    }
    expect(progress).toBeGreaterThan(0); // its worker runs it again
    // Cancelled while it runs: its worker is stopped within the check interval and the job ends.
    await call(cmd, 'POST', `/api/twin/runs/${q.id}/cancel`);
    expect(await again).toBe(1);
    expect((await call(cmd, 'GET', `/api/twin/runs/${q.id}`)).json().status).toBe('cancelled');
  });
});

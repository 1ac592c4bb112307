import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { seedCity } from '../registry/seed-city.ts';
import { createCase } from '../tracing/trace-case.ts';
import { autoPlace, autoPlacementEveryMs } from './placement-runs.ts';

const clock = new ManualClock('2022-03-21T04:00:00Z');

describeBackends('placement runs and auto placement', (ctx) => {
  let app: FastifyInstance;
  let districtA: string;
  let districtB: string;
  let a: TestSession;
  let b: TestSession;
  let city: TestSession;

  /** Cases in a district, not placed yet. */
  async function casesIn(district: string, n: number): Promise<number[]> {
    const people = await ctx.db.query<{ id: number }>(
      `SELECT id FROM persons WHERE starts_with(area_code, $1) AND NOT EXISTS (SELECT 1 FROM person_risk r WHERE r.person_id = persons.id) ORDER BY id LIMIT $2`,
      [district, n],
    );
    await ctx.db.transaction(async (tx) => {
      for (const p of people.rows)
        await createCase(tx, clock, { personId: p.id, firstPositiveAt: clock.now(), severity: 'mild' });
    });
    return people.rows.map((p) => p.id);
  }
  const openPlacements = async (ids: number[]) =>
    (
      await ctx.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM placements WHERE person_id = ANY($1::int8[]) AND status IN ('placed', 'arrived')`,
        [ids],
      )
    ).rows[0]?.n;
  const auditCount = async () =>
    (await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log')).rows[0]?.n ?? 0;

  beforeAll(async () => {
    clock.set('2022-03-21T04:00:00Z');
    await seedCity(ctx.db, { city: '2202', people: 4_000, seed: 11, clock });
    const d = await ctx.db.query<{ code: string }>(
      `SELECT left(area_code, 6) AS code FROM persons GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2`,
    );
    [districtA, districtB] = d.rows.map((r) => r.code) as [string, string];
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    a = await loginAs(app, ctx.db, 'dispatcher', districtA);
    b = await loginAs(app, ctx.db, 'dispatcher', districtB);
    city = await loginAs(app, ctx.db, 'commander', '2202');
  });
  afterAll(async () => {
    await app.close();
  });

  const call = (s: TestSession, method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) =>
    app.inject(
      payload === undefined
        ? { method, url, headers: s.headers }
        : { method, url, headers: s.headers, payload },
    );

  it("places a district's backlog every few minutes once switched on, and only that district's", async () => {
    expect(autoPlacementEveryMs(undefined)).toBe(300_000);
    expect(() => autoPlacementEveryMs('soon')).toThrow(/QINGCANG_AUTO_PLACEMENT_EVERY_MS/);
    const inA = await casesIn(districtA, 4);
    const inB = await casesIn(districtB, 3);
    expect((await call(a, 'GET', '/api/isolation/auto-placement')).json()).toMatchObject({
      enabled: false,
      covered_by: null,
      every_seconds: 300,
    });
    expect(await autoPlace(ctx.db, clock)).toEqual({ scopes: 0, placed: 0, waiting: 0 });

    const on = await call(a, 'PUT', '/api/isolation/auto-placement', { enabled: true, edition: '8th' });
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json()).toMatchObject({ enabled: true, edition: '8th', enabled_by: `user:${a.username}` });
    const run = await autoPlace(ctx.db, clock);
    expect(run).toMatchObject({ scopes: 1, placed: 4 });
    expect(await openPlacements(inA)).toBe(4);
    expect(await openPlacements(inB)).toBe(0);

    // Idle runs (most of them) write nothing: no run, no audit entry.
    const audits = await auditCount();
    expect(await autoPlace(ctx.db, clock)).toEqual({ scopes: 1, placed: 0, waiting: 0 });
    expect(await auditCount()).toBe(audits);
    const runs = (await call(a, 'GET', '/api/isolation/placement-runs')).json().items;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      scope_prefix: districtA,
      trigger: 'auto',
      actor: 'system:auto-placement',
      placed: 4,
      waiting: 0,
    });
    const state = (await call(a, 'GET', '/api/isolation/auto-placement')).json();
    expect(state.last_run_at).toBe(clock.now().toISOString());
    expect(state.last_waiting).toBe(0);
    const entry = await ctx.db.query<{ actor_kind: string; details: { trigger: string; placed: number } }>(
      "SELECT actor_kind, details FROM audit_log WHERE action = 'isolation.placed' ORDER BY id DESC LIMIT 1",
    );
    expect(entry.rows[0]).toMatchObject({ actor_kind: 'system', details: { trigger: 'auto', placed: 4 } });

    // District B sees none of A's runs; its own backlog waits until it places by hand.
    expect((await call(b, 'GET', '/api/isolation/placement-runs')).json().items).toEqual([]);
    const manual = await call(b, 'POST', '/api/isolation/place', { edition: '8th' });
    expect(manual.json()).toMatchObject({ placed: 3 });
    const bRuns = (await call(b, 'GET', '/api/isolation/placement-runs')).json().items;
    expect(bRuns).toHaveLength(1);
    expect(bRuns[0]).toMatchObject({ trigger: 'manual', actor: `user:${b.username}`, placed: 3 });
    // The city sees both.
    expect((await call(city, 'GET', '/api/isolation/placement-runs')).json().items).toHaveLength(2);
  });

  it("covers a district from the city's switch, and switches off", async () => {
    await call(city, 'PUT', '/api/isolation/auto-placement', { enabled: true, edition: '9th' });
    expect((await call(b, 'GET', '/api/isolation/auto-placement')).json()).toMatchObject({
      enabled: false,
      covered_by: { scope_prefix: '2202', edition: '9th' },
    });
    const inB = await casesIn(districtB, 2);
    // The city's run (the widest first) places B's new cases; A's own run then finds nothing.
    expect(await autoPlace(ctx.db, clock)).toMatchObject({ scopes: 2, placed: 2 });
    expect(await openPlacements(inB)).toBe(2);
    const latest = (await call(b, 'GET', '/api/isolation/placement-runs?limit=1')).json().items;
    // A wider jurisdiction's run: its counts, not who ran it.
    expect(latest[0]).toMatchObject({
      scope_prefix: '2202',
      trigger: 'auto',
      edition: '9th',
      placed: 2,
      actor: null,
    });

    // Clicks beside the job's run over the same people: one places them, the others find them placed.
    const together = await casesIn(districtA, 3);
    const [job, click, cityClick] = await Promise.all([
      autoPlace(ctx.db, clock),
      call(a, 'POST', '/api/isolation/place', { edition: '8th' }),
      call(city, 'POST', '/api/isolation/place', { edition: '8th' }),
    ]);
    expect(click.statusCode, click.body).toBe(200);
    expect(cityClick.statusCode, cityClick.body).toBe(200);
    expect(job.placed + click.json().placed + cityClick.json().placed).toBe(3);
    expect(await openPlacements(together)).toBe(3);

    for (const s of [a, city]) {
      const off = await call(s, 'PUT', '/api/isolation/auto-placement', { enabled: false });
      expect(off.json()).toMatchObject({ enabled: false, edition: null });
    }
    expect(await autoPlace(ctx.db, clock)).toEqual({ scopes: 0, placed: 0, waiting: 0 });
    const actions = await ctx.db.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE action LIKE 'isolation.auto_placement_%' ORDER BY id",
    );
    expect(actions.rows.map((r) => r.action)).toEqual([
      'isolation.auto_placement_on',
      'isolation.auto_placement_on',
      'isolation.auto_placement_off',
      'isolation.auto_placement_off',
    ]);
  });

  it('refuses a malformed switch and a reader without the right', async () => {
    const bad = await call(a, 'PUT', '/api/isolation/auto-placement', { enabled: 'yes' });
    expect(bad.statusCode).toBe(400);
    const edition = await call(a, 'PUT', '/api/isolation/auto-placement', { enabled: true, edition: '10th' });
    expect(edition.statusCode).toBe(400);
    const viewer = await loginAs(app, ctx.db, 'viewer', districtA);
    expect((await call(viewer, 'PUT', '/api/isolation/auto-placement', { enabled: true })).statusCode).toBe(
      403,
    );
    expect((await call(viewer, 'GET', '/api/isolation/placement-runs')).statusCode).toBe(403);
    expect((await call(a, 'GET', '/api/isolation/auto-placement')).json().enabled).toBe(false);
  });
});

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { UNSCOPED } from '../access/scope.ts';
import { placeBacklog } from '../isolation/place-backlog.ts';
import { arrive } from '../isolation/stays.ts';
import { seedCity } from '../registry/seed-city.ts';
import { createCase, traceCase } from '../tracing/trace-case.ts';
import { type Figures, funnel, refreshDashboard } from './dashboard.ts';

const clock = new ManualClock('2022-03-21T04:00:00Z'); // 12:00 Beijing time

describeBackends('dashboard', (ctx) => {
  let app: FastifyInstance;
  let viewer: TestSession;
  let district: string;

  beforeAll(async () => {
    clock.set('2022-03-20T04:00:00Z');
    await seedCity(ctx.db, { city: '2202', people: 8_000, seed: 21, clock });
    const people = await ctx.db.query<{ id: number; area_code: string }>(
      'SELECT DISTINCT ON (left(area_code, 6)) id, area_code FROM persons ORDER BY left(area_code, 6), id LIMIT 4',
    );
    district = (people.rows[0] as { area_code: string }).area_code.slice(0, 6);
    // Two cases yesterday, two today; their contacts placed, half of the stays arrived.
    for (const [i, p] of people.rows.entries()) {
      if (i === 2) clock.set('2022-03-21T03:00:00Z');
      await ctx.db.transaction(async (tx) => {
        const c = await createCase(tx, clock, {
          personId: p.id,
          firstPositiveAt: clock.now(),
          severity: i === 0 ? 'asymptomatic' : 'mild',
        });
        await traceCase(tx, clock, c.case.id);
      });
    }
    await ctx.db.transaction((tx) => placeBacklog(tx, clock, UNSCOPED, '8th'));
    clock.set('2022-03-21T04:00:00Z');
    const stays = await ctx.db.query<{ id: number }>(
      "SELECT id FROM placements WHERE status = 'placed' ORDER BY id",
    );
    for (const s of stays.rows.filter((_, i) => i % 2 === 0))
      await ctx.db.transaction((tx) => arrive(tx, clock, s.id, ''));
    app = await buildApp({
      db: ctx.db,
      clock,
      logger: false,
      loginRateLimit: 100_000,
      dashboardCheckEveryMs: 0,
    });
    viewer = await loginAs(app, ctx.db, 'viewer', '2202');
  });
  afterAll(async () => {
    await app.close();
  });

  const get = (url: string, s = viewer) => app.inject({ method: 'GET', url, headers: s.headers });
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await ctx.db.query<{ n: number }>(sql, params)).rows[0]?.n);

  it('computes a snapshot on first use, then answers from it until a refresh', async () => {
    const k = (await get('/api/dashboard/kpis')).json();
    expect(k.area).toEqual({ code: '2202', name: '吉林市' });
    expect(k.figures.population).toBe(
      await count("SELECT count(*) AS n FROM persons WHERE starts_with(area_code, '2202')"),
    );
    expect(k.figures.cases).toBe(4);
    expect(k.figures.cases_today).toBe(2);
    expect(k.figures.cases_asymptomatic).toBe(1);
    // A new case is not seen until the next refresh.
    const p = await ctx.db.query<{ id: number }>(
      'SELECT id FROM persons WHERE NOT EXISTS (SELECT 1 FROM person_risk r WHERE r.person_id = persons.id) ORDER BY id DESC LIMIT 1',
    );
    await ctx.db.transaction((tx) =>
      createCase(tx, clock, { personId: (p.rows[0] as { id: number }).id, firstPositiveAt: clock.now() }),
    );
    expect((await get('/api/dashboard/kpis')).json().figures.cases).toBe(4);
    await refreshDashboard(ctx.db, clock);
    const after = (await get('/api/dashboard/kpis')).json();
    expect(after.figures.cases).toBe(5);
    expect(new Date(after.computed_at).getTime()).toBe(clock.now().getTime());
  });

  it('matches the tables for every area, and children add up to their parent', async () => {
    await refreshDashboard(ctx.db, clock);
    const snap = (
      await ctx.db.query<{ area_code: string; figures: Figures }>('SELECT * FROM dashboard_figures')
    ).rows;
    const by = new Map(snap.map((r) => [r.area_code, r.figures]));
    for (const code of ['', '22', '2202', district]) {
      const f = by.get(code) as Figures;
      expect(f.population, code).toBe(
        await count('SELECT count(*) AS n FROM persons WHERE starts_with(area_code, $1)', [code]),
      );
      expect(f.status_close_contact ?? 0, code).toBe(
        await count(
          "SELECT count(*) AS n FROM person_risk WHERE risk_status = 'close_contact' AND starts_with(area_code, $1)",
          [code],
        ),
      );
      const isolated = Object.entries(f)
        .filter(([key]) => key.startsWith('isolated_'))
        .reduce((a, [, n]) => a + n, 0);
      expect(isolated, code).toBe(
        await count(
          "SELECT count(*) AS n FROM placements pl JOIN persons p ON p.id = pl.person_id WHERE pl.status = 'arrived' AND starts_with(p.area_code, $1)",
          [code],
        ),
      );
      const waiting = (f.waiting ?? 0) + (f.waiting_over_24h ?? 0);
      expect(waiting, code).toBe(
        await count(
          `SELECT count(*) AS n FROM persons p JOIN person_risk r ON r.person_id = p.id WHERE r.risk_status IN ('case', 'close_contact', 'secondary_contact') AND starts_with(p.area_code, $1)
             AND NOT EXISTS (SELECT 1 FROM placements pl WHERE pl.person_id = p.id)`,
          [code],
        ),
      );
    }
    // Every district's population adds up to the city's (persons live in grids or communities, never higher).
    const districts = snap.filter((r) => r.area_code.length === 6 && r.area_code.startsWith('2202'));
    expect(districts.reduce((a, r) => a + (r.figures.population ?? 0), 0)).toBe(by.get('2202')?.population);
  });

  it('serves per-area figures, zero-filled daily series and the 清仓 funnel, within the jurisdiction', async () => {
    await refreshDashboard(ctx.db, clock);
    const areas = (await get('/api/dashboard/areas?parent=2202')).json();
    expect(areas.items.length).toBeGreaterThan(3);
    for (const a of areas.items) expect(a.code).toMatch(/^2202\d{2}$/);
    expect(areas.items.find((a: { code: string }) => a.code === district).figures.cases).toBeGreaterThan(0);
    const series = (await get('/api/dashboard/series?days=7')).json();
    expect(series.items.map((d: { day: string }) => d.day)).toEqual([
      '2022-03-15',
      '2022-03-16',
      '2022-03-17',
      '2022-03-18',
      '2022-03-19',
      '2022-03-20',
      '2022-03-21',
    ]);
    expect(series.items[5].figures.cases).toBe(2);
    expect(series.items[6].figures.cases).toBe(3);
    expect(series.items[0].figures).toEqual({});
    const f = (await get('/api/dashboard/funnel')).json();
    expect(f.stages.map((s: { key: string }) => s.key)).toEqual([
      'found',
      'placed',
      'isolated',
      'released',
      'room_freed',
    ]);
    const isolated = f.stages[2];
    expect(isolated.now).toBe(await count("SELECT count(*) AS n FROM placements WHERE status = 'arrived'"));
    expect(isolated.today).toBe(isolated.now);
    expect(f.clocks.p50_placed_to_arrived_min).toBeGreaterThanOrEqual(0);
    expect(funnel({}).stages.every((s) => s.today === 0)).toBe(true);

    // A district's viewer sees only their district, and nothing above or beside it.
    const local = await loginAs(app, ctx.db, 'viewer', district);
    const mine = (await get('/api/dashboard/kpis', local)).json();
    expect(mine.area.code).toBe(district);
    expect(mine.figures.population).toBe(
      await count('SELECT count(*) AS n FROM persons WHERE starts_with(area_code, $1)', [district]),
    );
    for (const url of [
      '/api/dashboard/kpis?area=2202',
      '/api/dashboard/areas?parent=2202',
      '/api/dashboard/funnel?area=22',
    ]) {
      const res = await get(url, local);
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error.code).toBe('out_of_jurisdiction');
    }
    const bad = await get('/api/dashboard/series?area=12345');
    expect(bad.statusCode).toBe(400);
    expect((await get('/api/dashboard/series?days=99')).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/api/dashboard/kpis' })).statusCode).toBe(401);
  });
});

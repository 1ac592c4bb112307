import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { siteInService, siteTakesPeople } from '../isolation/waiting.ts';
import { seedCity } from '../registry/seed-city.ts';
import { createCase } from '../tracing/trace-case.ts';
import { dayBefore, issueDailyReports } from './issued-reports.ts';

const clock = new ManualClock('2022-03-21T04:00:00Z'); // 12:00 Beijing time, 21 March

describeBackends('issued daily reports', (ctx) => {
  let app: FastifyInstance;
  let city: TestSession;
  let district: TestSession;
  let street: TestSession;
  let community: TestSession;
  let communityCode: string;
  let districtCode: string;
  let streetCode: string;
  let issuingScopes: number;

  beforeAll(async () => {
    clock.set('2022-03-21T04:00:00Z');
    await seedCity(ctx.db, { city: '2202', people: 2_000, seed: 7, clock });
    const people = await ctx.db.query<{ id: number; area_code: string }>(
      'SELECT id, area_code FROM persons ORDER BY id LIMIT 3',
    );
    await ctx.db.transaction(async (tx) => {
      for (const [i, p] of people.rows.entries())
        await createCase(tx, clock, {
          personId: p.id,
          firstPositiveAt: clock.now(),
          severity: i === 0 ? 'mild' : 'asymptomatic',
        });
    });
    districtCode = (people.rows[0] as { area_code: string }).area_code.slice(0, 6);
    const areas = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM areas WHERE level <= 4');
    issuingScopes = 1 + (areas.rows[0]?.n ?? 0);
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    streetCode = (people.rows[0] as { area_code: string }).area_code.slice(0, 9);
    communityCode = (people.rows[0] as { area_code: string }).area_code.slice(0, 12);
  });
  /** Sessions expire while the clock moves days: each test logs in at its own time. */
  async function logIn() {
    city = await loginAs(app, ctx.db, 'viewer', '2202');
    district = await loginAs(app, ctx.db, 'viewer', districtCode);
    street = await loginAs(app, ctx.db, 'viewer', streetCode);
    community = await loginAs(app, ctx.db, 'viewer', communityCode);
  }
  afterAll(async () => {
    await app.close();
  });

  const get = (url: string, session = city) => app.inject({ method: 'GET', url, headers: session.headers });

  it('issues the day that ended once, after midnight, for the installation and every province, city, district and street', async () => {
    expect(dayBefore('2022-03-01')).toBe('2022-02-28');
    clock.set('2022-03-21T16:02:00Z'); // 00:02 on the 22nd: the day's late results are still being traced
    expect(await issueDailyReports(ctx.db, clock)).toEqual({ day: null, issued: 0 });
    clock.set('2022-03-21T16:06:00Z');
    // Two runs at once (two worker processes, a retry): each report is issued once.
    const [a, b] = await Promise.all([issueDailyReports(ctx.db, clock), issueDailyReports(ctx.db, clock)]);
    expect(a.day).toBe('2022-03-21');
    expect(a.issued + b.issued).toBe(issuingScopes);
    expect(await issueDailyReports(ctx.db, clock)).toEqual({ day: '2022-03-21', issued: 0 });
    const stored = await ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM issued_daily_reports WHERE day = '2022-03-21'",
    );
    expect(stored.rows[0]?.n).toBe(issuingScopes);
  });

  it("keeps the day's resources and figures as issued; live recomputes them; district and street get their own, a community none", async () => {
    await logIn();
    const live0 = (await get('/api/reports/daily?date=2022-03-21&basis=live')).json();
    const first = await get('/api/reports/daily?date=2022-03-21');
    expect(first.statusCode, first.body).toBe(200);
    const before = first.json();
    expect(before.issued_at).toBe('2022-03-21T16:06:00.000Z');
    expect(before.cases).toMatchObject({ new_confirmed: 1, new_asymptomatic: 2 });
    // The next morning a room is taken and an asymptomatic case is reclassified.
    clock.set('2022-03-22T01:00:00Z');
    await logIn();
    const room = await ctx.db.query(
      `UPDATE rooms SET status = 'occupied' WHERE id = (SELECT r.id FROM rooms r JOIN sites s ON s.id = r.site_id
         WHERE r.status = 'available' AND ${siteInService('s')} AND ${siteTakesPeople('s')} ORDER BY r.id LIMIT 1)`,
    );
    expect(room.rowCount).toBe(1);
    await ctx.db.query(
      "UPDATE cases SET severity = 'mild' WHERE id = (SELECT id FROM cases WHERE severity = 'asymptomatic' ORDER BY id LIMIT 1)",
    );
    const issued = await get('/api/reports/daily?date=2022-03-21');
    expect(issued.json()).toEqual(before);
    // Kept as issued, to the order of its keys: the same text as a report computed then.
    expect(Object.keys(issued.json())).toEqual(Object.keys(live0));
    const live = (await get('/api/reports/daily?date=2022-03-21&basis=live')).json();
    expect(live.issued_at).toBeNull();
    expect(live.generated_at).toBe('2022-03-22T01:00:00.000Z');
    expect(live.cases).toMatchObject({ new_confirmed: 2, new_asymptomatic: 1 });
    expect(live.capacity.quarantine_rooms_free).toBe(before.capacity.quarantine_rooms_free - 1);
    expect(live.capacity.quarantine_rooms_occupied).toBe(before.capacity.quarantine_rooms_occupied + 1);
    // Today is always computed now.
    expect((await get('/api/reports/daily')).json().issued_at).toBeNull();

    const own = (await get('/api/reports/daily?date=2022-03-21', district)).json();
    expect(own.area.code).toBe(districtCode);
    expect(own.issued_at).toBe('2022-03-21T16:06:00.000Z');
    expect(own.cases.by_district.map((d: { code: string }) => d.code)).toEqual([districtCode]);
    const streetReport = (await get('/api/reports/daily?date=2022-03-21', street)).json();
    expect(streetReport.area.code).toBe(streetCode);
    expect(streetReport.issued_at).toBe('2022-03-21T16:06:00.000Z');
    const small = (await get('/api/reports/daily?date=2022-03-21', community)).json();
    expect(small.area.code).toBe(communityCode);
    expect(small.issued_at).toBeNull();

    const md = (await get('/api/reports/daily?date=2022-03-21&format=md')).body;
    expect(md).toContain('本通报于2022-03-22 00:06（北京时间）发布，资源数字为发布时的状态。');
    const mdLive = (await get('/api/reports/daily?date=2022-03-21&format=md&basis=live&lang=en')).body;
    expect(mdLive).toContain('Generated on request at 2022-03-22 09:00 Beijing time');
  });

  it('lists the issued reports of the jurisdiction, and issues only the day just ended', async () => {
    // The server was down on the 22nd's close: the 22nd is issued late on the 23rd, never the 21st again, and
    // nothing is back-filled for older days on the 25th.
    clock.set('2022-03-23T02:00:00Z');
    expect((await issueDailyReports(ctx.db, clock)).day).toBe('2022-03-22');
    clock.set('2022-03-25T02:00:00Z');
    expect((await issueDailyReports(ctx.db, clock)).day).toBe('2022-03-24');
    await logIn();
    const list = (await get('/api/reports/daily/issued')).json();
    expect(list.items.map((i: { date: string }) => i.date)).toEqual([
      '2022-03-24',
      '2022-03-22',
      '2022-03-21',
    ]);
    expect(list.items[0]).toMatchObject({ area: { code: '2202' }, issued_at: '2022-03-25T02:00:00.000Z' });
    const mine = (await get('/api/reports/daily/issued?days=1', district)).json();
    expect(mine.items).toHaveLength(1);
    expect(mine.items[0].area.code).toBe(districtCode);
    expect(
      (await get('/api/reports/daily/issued?days=1', street))
        .json()
        .items.map((i: { area: { code: string } }) => i.area.code),
    ).toEqual([streetCode]);
    expect((await get('/api/reports/daily/issued', community)).json().items).toEqual([]);
    expect((await get('/api/reports/daily/issued?days=0')).statusCode).toBe(400);
  });
});

import { beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { crossCheckFigures } from '../../twin/loop/figures.ts';
import { UNSCOPED } from '../access/scope.ts';
import { placeBacklog } from '../isolation/place-backlog.ts';
import { seedCity } from '../registry/seed-city.ts';
import { runTracing } from '../tracing/run-tracing.ts';
import { dailyReport } from './daily-report.ts';
import { seedDemoDay } from './demo-day.ts';
import { seedDemoOutbreak } from './demo-outbreak.ts';

const now = new Date('2022-03-21T04:00:00Z');

describeBackends('demo outbreak', (ctx) => {
  beforeAll(async () => {
    await seedCity(ctx.db, { city: '2202', people: 5_000, seed: 4, clock: new ManualClock(now) });
  });

  it('makes days of positives through the real modules, and leaves today for the worker', async () => {
    const r = await seedDemoOutbreak(ctx.db, now, { perTenThousand: [20, 40, 60], arrivedShare: 0.5 });
    expect(r.days.map((d) => [d.day, d.positives])).toEqual([
      ['2022-03-19', 10],
      ['2022-03-20', 20],
    ]);
    expect(r.today).toBe(30);
    const cases = await ctx.db.query<{ day: string; n: number }>(
      `SELECT ((found_at AT TIME ZONE 'UTC') + interval '8 hours')::date AS day, count(*)::int AS n FROM cases GROUP BY 1 ORDER BY 1`,
    );
    expect(cases.rows).toEqual([
      { day: '2022-03-19', n: 10 },
      { day: '2022-03-20', n: 20 },
    ]);
    const traced = await ctx.db.query('SELECT 1 FROM contact_links LIMIT 1');
    expect(traced.rows).toHaveLength(1);
    for (const d of r.days) expect(d.arrived).toBe(Math.floor(d.placed * 0.5));
    const arrived = await ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM placements WHERE status = 'arrived'",
    );
    expect(arrived.rows[0]?.n).toBe(r.days.reduce((a, d) => a + d.arrived, 0));
    // Today's positives are events without cases yet: the server's tracing worker takes them.
    const waiting = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events e WHERE e.type = 'testing.person_positive'
         AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = e.subject_id)`,
    );
    expect(waiting.rows[0]?.n).toBe(30);
  });

  it('then a working day: leaders with patches, a round in progress, trips planned and some on the road', async () => {
    const clock = new ManualClock(now);
    // Today's positives traced and placed first, as the server's worker and a commander would.
    for (;;) {
      const r = await runTracing(ctx.db, clock);
      if (r.casesCreated === 0 && r.traced.length === 0) break;
    }
    await ctx.db.transaction((tx) => placeBacklog(tx, clock, UNSCOPED, '8th'));
    const day = await seedDemoDay(ctx.db, now);
    expect(day.leaders).toBeGreaterThan(3);
    const leaders = await ctx.db.query<{ n: number; city: number }>(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE area_code = '2202')::int AS city FROM leaders WHERE active",
    );
    expect(leaders.rows[0]).toEqual({ n: day.leaders, city: 1 });
    // The round: active, on one district, about 60 % of its residents sampled (the isolated ones refused).
    const round = await ctx.db.query<{ status: string; areas: string[] }>(
      `SELECT r.status, array_agg(ra.area_code) AS areas FROM rounds r JOIN round_areas ra ON ra.round_id = r.id
        WHERE r.id = $1 GROUP BY r.status`,
      [day.round.id],
    );
    expect(round.rows[0]).toEqual({ status: 'active', areas: [day.round.district] });
    expect(day.round.sampled).toBeGreaterThan(day.round.people * 0.5);
    expect(day.round.sampled).toBeLessThanOrEqual(Math.round(day.round.people * 0.6));
    const scans = await ctx.db.query<{ n: number; tubes: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT tube_id)::int AS tubes FROM scans WHERE round_id = $1',
      [day.round.id],
    );
    expect(scans.rows[0]?.n).toBe(day.round.sampled);
    // The daily report's sampling figure is the round's.
    const report = await dailyReport(ctx.db, UNSCOPED, '2022-03-21', now);
    expect(report.testing.people_sampled).toBe(day.round.sampled);
    // Trips: planned for the people placed and not arrived, a third of them departed.
    expect(day.trips.planned).toBeGreaterThan(0);
    const vehicles = await ctx.db.query<{ n: number }>(
      'SELECT count(DISTINCT vehicle_id)::int AS n FROM trips',
    );
    expect(day.trips.departed).toBe(Math.ceil((vehicles.rows[0]?.n ?? 0) / 3));
    const departed = await ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM trips WHERE status = 'departed'",
    );
    expect(departed.rows[0]?.n).toBe(day.trips.departed);
    // Every figure shown in two places still agrees after the day's work.
    const checks = await crossCheckFigures(ctx.db, clock, '2022-03-21');
    expect(checks.filter((c) => !c.agree).map((c) => c.name)).toEqual([]);
    // The demo's medical requests and disinfections are among them, and not all zero.
    const shown = (name: string) => checks.find((c) => c.name === name)?.values.daily_report;
    expect(shown('medical_requests_today')).toBeGreaterThan(0);
    expect(shown('disinfections_due')).toBeGreaterThan(0);
    expect(shown('supply_requests_today')).toBeGreaterThan(0);
    expect(shown('forces_on_duty')).toBeGreaterThan(0);
  });
});

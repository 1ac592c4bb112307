import { beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { seedCity } from '../registry/seed-city.ts';
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
});

/**
 * The demo city's medical needs: red-code hospitals are the designated hospitals, requests of people in quarantine
 * over three days are met or refused through the module's services, and today's emergency is open and stalled with
 * its red item; the figures say so.
 */
import { beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { UNSCOPED } from '../access/scope.ts';
import { seedDemoOutbreak } from '../command/demo-outbreak.ts';
import { seedCity } from '../registry/seed-city.ts';
import { seedDemoMedical } from './demo.ts';
import { medicalFigures } from './emergency-clock.ts';
import { beijingDay, beijingDayStart } from './time.ts';

const now = new Date('2022-03-21T04:00:00Z');

describeBackends('medical demo', (ctx) => {
  beforeAll(async () => {
    await seedCity(ctx.db, { city: '2202', people: 3_000, seed: 4, clock: new ManualClock(now) });
    await seedDemoOutbreak(ctx.db, now, { perTenThousand: [20, 40, 60], arrivedShare: 0.5 });
  });

  it('seeds hospitals by colour and three days of requests, with a refusal and an open stalled emergency', async () => {
    const m = await seedDemoMedical(ctx.db, now);
    expect(m.hospitals).toBeGreaterThanOrEqual(3);
    const red = await ctx.db.query<{ n: number; sites: number }>(
      `SELECT count(*)::int AS n, count(site_id)::int AS sites FROM hospitals WHERE code_colour = 'red'`,
    );
    expect(red.rows[0]?.n).toBeGreaterThan(0);
    expect(red.rows[0]?.sites).toBe(red.rows[0]?.n);
    expect(m.requests).toBe(20);
    expect(m.refused).toBe(1);
    expect(m.treated).toBeGreaterThan(10);
    const statuses = await ctx.db.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM medical_requests GROUP BY 1 ORDER BY 1',
    );
    const by = Object.fromEntries(statuses.rows.map((r) => [r.status, r.n]));
    expect(by.treated).toBe(m.treated);
    // Recorded by a named dispatcher, as a person reads it, not by a technical account name.
    const refusals = await ctx.db.query<{ refused_by: string }>('SELECT refused_by FROM medical_refusals');
    expect(refusals.rows.map((r) => r.refused_by)).toEqual(['市医疗救治组调度员 刘敏']);
    const stalled = await ctx.db.query(
      `SELECT 1 FROM tasks WHERE kind = 'medical_emergency_stalled' AND status = 'open'`,
    );
    expect(stalled.rows).toHaveLength(1);
    const from = beijingDayStart(beijingDay(now));
    const f = await medicalFigures(ctx.db, UNSCOPED, from, new Date(from.getTime() + 86_400_000), now);
    expect(f.medical_emergencies_open).toBe(1);
    expect(f.medical_emergencies_stalled).toBe(1);
    expect(f.medical_requests_today).toBeGreaterThanOrEqual(2);
  });
});

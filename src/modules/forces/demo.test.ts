/**
 * The demo city's forces: workers registered for today's real demand, two support teams, today's roster proposed
 * from that demand and confirmed (with a shortfall on the responsibility list), and a closed loop with its tests
 * and one gap; the figures say so.
 */
import { beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { DEFAULT_REST_RULES, type Shift, violations } from '../../domain/roster-proposer.ts';
import { UNSCOPED } from '../access/scope.ts';
import { seedDemoOutbreak } from '../command/demo-outbreak.ts';
import { seedCity } from '../registry/seed-city.ts';
import { createRound } from '../testing/rounds.ts';
import { seedDemoForces } from './demo.ts';
import { forcesFigures } from './figures.ts';

const now = new Date('2022-03-21T04:00:00Z'); // 12:00 in Beijing

describeBackends('forces demo', (ctx) => {
  beforeAll(async () => {
    const clock = new ManualClock(new Date(now.getTime() - 6 * 3_600_000));
    await seedCity(ctx.db, { city: '2202', people: 3_000, seed: 4, clock: new ManualClock(now) });
    await seedDemoOutbreak(ctx.db, now, { perTenThousand: [20, 40, 60], arrivedShare: 0.5 });
    const district = (
      await ctx.db.query<{ d: string }>(
        'SELECT left(area_code, 6) AS d FROM persons GROUP BY 1 ORDER BY count(*) DESC LIMIT 1',
      )
    ).rows[0]?.d as string;
    await ctx.db.transaction((tx) =>
      createRound(tx, clock, { name: '第1轮', areas: [district], deadlineHours: 24, createdBy: 'demo' }, ''),
    );
  });

  it('registers workers for the real demand, confirms today’s roster and runs a closed loop with one gap', async () => {
    const f = await seedDemoForces(ctx.db, now);
    expect(f.teams).toBe(2);
    expect(f.workers).toBeGreaterThan(50);
    expect(f.roster.shifts).toBeGreaterThan(20);
    expect(f.roster.short).toBeGreaterThan(0); // a little short of samplers
    const r = await ctx.db.query<{ status: string; confirmed_by: string }>(
      'SELECT status, confirmed_by FROM rosters WHERE id = $1',
      [f.roster.id],
    );
    expect(r.rows[0]).toEqual({ status: 'confirmed', confirmed_by: '市疫情防控指挥部指挥长 高建华' });
    // Every step is recorded by a named person, as an account shows it, never by a placeholder.
    const by = await ctx.db.query<{ who: string }>(
      `SELECT created_by AS who FROM workers UNION SELECT created_by FROM support_teams
       UNION SELECT created_by FROM closed_loops UNION SELECT proposed_by FROM rosters
       UNION SELECT recorded_by FROM loop_tests ORDER BY 1`,
    );
    expect(by.rows.map((x) => x.who)).toEqual(['市疫情防控指挥部力量调配组调度员 孙立军']);
    // The plan keeps the rules.
    const shifts = await ctx.db.query<{
      worker_id: number;
      area_code: string;
      skill: Shift['skill'];
      starts_at: Date;
      ends_at: Date;
    }>(`SELECT worker_id, area_code, skill, starts_at, ends_at FROM roster_shifts WHERE roster_id = $1`, [
      f.roster.id,
    ]);
    const plan: Shift[] = shifts.rows.map((s) => ({
      worker: Number(s.worker_id),
      area: s.area_code,
      skill: s.skill,
      starts: s.starts_at.getTime(),
      ends: s.ends_at.getTime(),
    }));
    expect(violations(plan, DEFAULT_REST_RULES)).toEqual([]);
    // The team arriving tomorrow has no shift today.
    const early = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM roster_shifts s JOIN workers w ON w.id = s.worker_id
         JOIN support_teams t ON t.id = w.team_id WHERE t.arrives_on > $1::date`,
      ['2022-03-21'],
    );
    expect(early.rows[0]?.n).toBe(0);
    expect(f.loop.workers).toBeGreaterThan(1);
    expect(f.loop.gaps).toBe(1);
    const open = await ctx.db.query<{ kind: string; n: number }>(
      `SELECT kind, count(*)::int AS n FROM tasks WHERE kind IN ('force_shortfall', 'loop_test_gap') AND status = 'open' GROUP BY 1 ORDER BY 1`,
    );
    expect(open.rows.map((x) => x.kind)).toEqual(['force_shortfall', 'loop_test_gap']);
    const from = new Date('2022-03-21T00:00:00+08:00');
    const fig = await forcesFigures(ctx.db, UNSCOPED, from, new Date(from.getTime() + 86_400_000), now);
    expect(fig.loop_test_gaps).toBe(1);
    expect(fig.forces_shortfall).toBe(f.roster.short);
    expect(fig.forces_on_duty).toBe(new Set(plan.map((s) => s.worker)).size);
  });
});

/**
 * The demo city's supplies: zones on the hardest-hit street, depots with a support shipment arrived and one on the
 * road, three days of requests delivered through the module's services, some left late at the gate with their items
 * on the responsibility list, and today's shortfall of infant formula; the figures say so.
 */
import { beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { UNSCOPED } from '../access/scope.ts';
import { seedDemoOutbreak } from '../command/demo-outbreak.ts';
import { responsibilityList } from '../command/responsibility.ts';
import { seedCity } from '../registry/seed-city.ts';
import { seedDemoSupplies } from './demo.ts';
import { shortfalls, supplyFigures } from './figures.ts';

const now = new Date('2022-03-21T04:00:00Z');

describeBackends('supplies demo', (ctx) => {
  beforeAll(async () => {
    await seedCity(ctx.db, { city: '2202', people: 3_000, seed: 4, clock: new ManualClock(now) });
    await seedDemoOutbreak(ctx.db, now, { perTenThousand: [20, 40, 60], arrivedShare: 0.5 });
  });

  it('seeds zones, depots and three days of requests at every step, late ones and a shortfall', async () => {
    const s = await seedDemoSupplies(ctx.db, now);
    expect(s).toMatchObject({ zones: 2, depots: 4 });
    expect(s.requests).toBeGreaterThanOrEqual(30);
    expect(s.handed).toBeGreaterThan(10);
    expect(s.late).toBeGreaterThanOrEqual(2);
    const by = Object.fromEntries(
      (
        await ctx.db.query<{ status: string; n: number }>(
          'SELECT status, count(*)::int AS n FROM supply_requests GROUP BY 1',
        )
      ).rows.map((r) => [r.status, r.n]),
    );
    expect(by.handed).toBe(s.handed);
    // Every step is recorded by a named person, as an account shows it, never by a placeholder.
    const who = await ctx.db.query<{ who: string }>(
      `SELECT created_by AS who FROM supply_depots UNION SELECT requested_by FROM supply_requests
       UNION SELECT handed_by FROM supply_requests WHERE handed_by IS NOT NULL
       UNION SELECT planned_by FROM supply_deliveries UNION SELECT recorded_by FROM supply_delivery_steps ORDER BY 1`,
    );
    expect(who.rows.map((x) => x.who)).toEqual(['区保供专班调度员 周红梅']);
    expect(by.at_gate).toBe(2);
    expect(by.planned).toBeGreaterThan(0);
    expect(by.open).toBeGreaterThan(0);
    const zones = (
      await ctx.db.query<{ level: string }>('SELECT DISTINCT zone_level AS level FROM supply_requests')
    ).rows.map((r) => r.level);
    expect(zones.sort()).toEqual(['control', 'lockdown']);
    const from = new Date('2022-03-20T16:00:00Z'); // 21 March in Beijing
    const f = await supplyFigures(ctx.db, UNSCOPED, from, new Date(from.getTime() + 86_400_000), now);
    expect(f.supply_late).toBe(s.late);
    expect(f.supply_shortfall).toBe(4);
    expect(f.supply_requests_today).toBeGreaterThanOrEqual(8);
    const short = await shortfalls(ctx.db, UNSCOPED);
    expect(short.every((x) => x.category === 'infant')).toBe(true);
    expect(short.reduce((n, x) => n + x.short, 0)).toBe(4);
    expect(short.reduce((n, x) => n + x.requests, 0)).toBe(2);
    const list = await responsibilityList(ctx.db, UNSCOPED, now);
    expect(list.filter((i) => i.kind === 'supply_late')).toHaveLength(s.late);
    expect(list.find((i) => i.kind === 'supply_late')?.function).toBe('supply');
  });
});

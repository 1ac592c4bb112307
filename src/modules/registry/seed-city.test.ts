import { expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { UNSCOPED } from '../access/scope.ts';
import { registryStats } from './queries.ts';
import { SeedConflictError, seedCity } from './seed-city.ts';

const clock = new ManualClock('2022-03-14T08:00:00Z');

describeBackends('seeding the demo city', (ctx) => {
  const foreignKeys = async () =>
    (
      await ctx.db.query<{ k: string }>(
        `SELECT c.relname || ' ' || pg_get_constraintdef(k.oid) AS k FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
          WHERE k.contype = 'f' ORDER BY 1`,
      )
    ).rows.map((r) => r.k);

  it('writes the real hierarchy, the people and the resources in one go', async () => {
    const keysBefore = await foreignKeys();
    const s = await seedCity(ctx.db, { city: '2202', people: 5000, seed: 42, clock });
    // The registry's foreign keys, set aside while the rows were copied, are all back as they were, and hold.
    expect(await foreignKeys()).toEqual(keysBefore);
    expect(keysBefore.some((k) => k.startsWith('persons FOREIGN KEY (household_id)'))).toBe(true);
    await expect(
      ctx.db.query(`UPDATE persons SET household_id = 999999999 WHERE id = (SELECT min(id) FROM persons)`),
    ).rejects.toThrow(/foreign key/);
    expect(s.people).toBe(5000);
    const stats = await registryStats(ctx.db, UNSCOPED);
    expect(stats.persons).toBe(5000);
    expect(stats.areas.communities).toBe(1778);
    expect(stats.areas.streets).toBe(150);
    expect(stats.households).toBe(s.households);
    expect(stats.sites.hotel).toBeGreaterThanOrEqual(1);
    // Every person's area is a grid under a real community, in their household's area.
    const { rows } = await ctx.db.query<{ bad: number }>(
      `SELECT count(*) AS bad FROM persons p JOIN households h ON h.id = p.household_id
        JOIN areas g ON g.code = p.area_code JOIN areas c ON c.code = g.parent_code
        WHERE p.area_code <> h.area_code OR g.level <> 6 OR c.level <> 5`,
    );
    expect(rows[0]?.bad).toBe(0);
    const ev = await ctx.db.query<{ type: string; occurred_at: Date }>(
      "SELECT type, occurred_at FROM events WHERE type = 'registry.city_seeded'",
    );
    expect(ev.rows[0]?.occurred_at.toISOString()).toBe('2022-03-14T08:00:00.000Z'); // the clock, not the wall
    // New rows after the seed get fresh IDs (identity sequences moved past the generated ones).
    const h = await ctx.db.query<{ id: number }>(
      "INSERT INTO households (area_code, address, household_key) VALUES ('220202001001', 'x', 'new') RETURNING id",
    );
    expect(h.rows[0]?.id).toBe(s.households + 1);
  });

  it('refuses to seed over a city unless told to reset, and leaves nothing half-written', async () => {
    await expect(seedCity(ctx.db, { city: '2202', people: 10, seed: 1, clock })).rejects.toBeInstanceOf(
      SeedConflictError,
    );
    await expect(seedCity(ctx.db, { city: '9901', people: 10, seed: 1, clock, reset: true })).rejects.toThrow(
      /unknown city/,
    );
    await expect(seedCity(ctx.db, { city: '2202', people: 0, seed: 1, clock, reset: true })).rejects.toThrow(
      /people/,
    );
    expect((await registryStats(ctx.db, UNSCOPED)).persons).toBe(5000);
    const again = await seedCity(ctx.db, { city: '2201', people: 300, seed: 1, clock, reset: true });
    expect(again.cityName).toBe('长春市');
    expect((await registryStats(ctx.db, UNSCOPED)).persons).toBe(300);
  });
});

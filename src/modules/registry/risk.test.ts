import { expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { UNSCOPED } from '../access/scope.ts';
import { countPersons, listPersons } from './queries.ts';
import { atRisk, riskJoin, riskOf, setRiskStatus } from './risk.ts';
import { seedCity } from './seed-city.ts';

const clock = new ManualClock('2022-03-14T08:00:00Z');
const AT = new Date('2022-03-14T08:00:00Z');

describeBackends('the register of the people at risk', (ctx) => {
  const statusOf = async (ids: number[]) =>
    (
      await ctx.db.query<{ id: number; s: string }>(
        `SELECT p.id, ${riskOf('p')} AS s FROM persons p ${riskJoin('p')} WHERE p.id = ANY($1::int8[]) ORDER BY p.id`,
        [ids],
      )
    ).rows.map((r) => r.s);
  let ids: number[] = [];

  it('sets statuses under their guard, keeps the time of a return to none, and returns only the people changed', async () => {
    await seedCity(ctx.db, { city: '2202', people: 300, seed: 4, clock });
    ids = (await ctx.db.query<{ id: number }>('SELECT id FROM persons ORDER BY id LIMIT 6')).rows.map(
      (r) => r.id,
    );
    const [a, b, c, d] = ids as [number, number, number, number];
    expect(await statusOf([a, b])).toEqual(['none', 'none']);
    // A pool hold, from none or released only.
    await setRiskStatus(ctx.db, [c], 'case', AT);
    const held = await setRiskStatus(ctx.db, [a, b, c], 'pool_held', AT, { from: ['none', 'released'] });
    expect(held.map((r) => r.id).sort()).toEqual([a, b].sort());
    expect(await statusOf([a, b, c])).toEqual(['pool_held', 'pool_held', 'case']);
    // A case, unless one already.
    const cases = await setRiskStatus(ctx.db, [a, c], 'case', AT, { not: ['case'] });
    expect(cases.map((r) => r.id)).toEqual([a]);
    // Back to none, only from the hold: the row goes.
    const unheld = await setRiskStatus(ctx.db, [a, b, d], 'none', AT, { from: ['pool_held'] });
    expect(unheld.map((r) => r.id)).toEqual([b]);
    expect(await statusOf([a, b, c, d])).toEqual(['case', 'none', 'case', 'none']);
    // The return to none is kept with its time (a purge counts from it); a person never at risk has no row.
    const rows = await ctx.db.query<{ person_id: number; risk_status: string; risk_status_at: Date }>(
      'SELECT person_id, risk_status, risk_status_at FROM person_risk WHERE person_id = ANY($1::int8[])',
      [[b, d]],
    );
    expect(rows.rows.map((r) => [r.person_id, r.risk_status, r.risk_status_at.toISOString()])).toEqual([
      [b, 'none', AT.toISOString()],
    ]);
    // None again changes nobody; a hold from none takes a row at none.
    expect(await setRiskStatus(ctx.db, [b], 'none', AT)).toEqual([]);
    expect((await setRiskStatus(ctx.db, [b], 'pool_held', AT, { from: ['none'] })).map((r) => r.id)).toEqual([
      b,
    ]);
    await setRiskStatus(ctx.db, [b], 'none', AT, { from: ['pool_held'] });
    // A status outside the list is refused by the table, and nothing is written.
    await expect(setRiskStatus(ctx.db, [d], 'unknown' as 'case', AT)).rejects.toThrow();
    expect(await statusOf([d])).toEqual(['none']);
    // The answer names each person's area.
    const area = (
      await ctx.db.query<{ area_code: string }>('SELECT area_code FROM persons WHERE id = $1', [a])
    ).rows[0]?.area_code;
    expect(cases[0]?.area_code).toBe(area);
  });

  it('keeps the person’s area on the row, also for a person never at risk moved meanwhile', async () => {
    const [a] = ids as [number];
    const other = (
      await ctx.db.query<{ code: string }>(
        `SELECT code FROM areas WHERE level = 5 AND code <> (SELECT area_code FROM persons WHERE id = $1) ORDER BY code LIMIT 1`,
        [a],
      )
    ).rows[0]?.code as string;
    await ctx.db.query('UPDATE persons SET area_code = $2 WHERE id = $1', [a, other]);
    const row = await ctx.db.query<{ area_code: string }>(
      'SELECT area_code FROM person_risk WHERE person_id = $1',
      [a],
    );
    expect(row.rows[0]?.area_code).toBe(other);
    // The people at risk of that area are found through the register.
    const found = await ctx.db.query<{ id: number }>(
      `SELECT p.id FROM ${atRisk('p')} WHERE p_risk.risk_status = 'case' AND p_risk.area_code = $1`,
      [other],
    );
    expect(found.rows.map((r) => r.id)).toContain(a);
    // A person at no risk moved to another area: a row at none in the new area, which a later hold keeps.
    const d = ids[3] as number;
    await ctx.db.query('UPDATE persons SET area_code = $2 WHERE id = $1', [d, other]);
    expect(
      (
        await ctx.db.query<{ risk_status: string; area_code: string }>(
          'SELECT risk_status, area_code FROM person_risk WHERE person_id = $1',
          [d],
        )
      ).rows,
    ).toEqual([{ risk_status: 'none', area_code: other }]);
    await setRiskStatus(ctx.db, [d], 'pool_held', AT, { from: ['none'] });
    expect(
      (
        await ctx.db.query<{ area_code: string }>('SELECT area_code FROM person_risk WHERE person_id = $1', [
          d,
        ])
      ).rows[0]?.area_code,
    ).toBe(other);
  });

  it('lists people by status through the register, in the list’s order, with the cursor', async () => {
    const close = (
      await ctx.db.query<{ id: number }>('SELECT id FROM persons ORDER BY id DESC LIMIT 7')
    ).rows.map((r) => r.id);
    await setRiskStatus(ctx.db, close, 'close_contact', AT);
    const all = await listPersons(ctx.db, UNSCOPED, { riskStatus: 'close_contact', limit: 100 });
    expect(all.map((p) => p.id).sort()).toEqual([...close].sort());
    expect(all.every((p) => p.risk_status === 'close_contact' && p.risk_status_at !== null)).toBe(true);
    const order = [...all].sort((x, y) =>
      x.area_code === y.area_code ? x.id - y.id : x.area_code < y.area_code ? -1 : 1,
    );
    expect(all.map((p) => p.id)).toEqual(order.map((p) => p.id));
    const first = await listPersons(ctx.db, UNSCOPED, { riskStatus: 'close_contact', limit: 3 });
    const rest = await listPersons(ctx.db, UNSCOPED, {
      riskStatus: 'close_contact',
      limit: 100,
      after: first.at(-1)?.id,
    });
    expect([...first, ...rest].map((p) => p.id)).toEqual(all.map((p) => p.id));
    expect(await countPersons(ctx.db, UNSCOPED, { riskStatus: 'close_contact' })).toEqual({
      count: 7,
      more: false,
    });
    // 'none' is everyone without a row or with a row at none.
    const none = await countPersons(ctx.db, UNSCOPED, { riskStatus: 'none' });
    const rows = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM persons p
        WHERE NOT EXISTS (SELECT 1 FROM person_risk r WHERE r.person_id = p.id AND r.risk_status <> 'none')`,
    );
    expect(none.count).toBe(rows.rows[0]?.n);
  });
});

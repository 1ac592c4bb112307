import { expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { setRiskStatus } from '../registry/risk.ts';
import { seedCity } from '../registry/seed-city.ts';
import { verifyAudit } from './audit.ts';
import { cliPrincipal } from './principal.ts';
import { purgePersons } from './purge.ts';
import { UNSCOPED } from './scope.ts';

const clock = new ManualClock('2022-03-14T08:00:00Z');

describeBackends('retention purge', (ctx) => {
  it('anonymises closed records before a day, keeps open ones and the statistics', async () => {
    await seedCity(ctx.db, { city: '2202', people: 400, seed: 9, clock });
    // 10 released in March, 5 still in quarantine, the rest never involved but created now (after the cut-off).
    await ctx.db.query(
      `INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'released', '2022-03-20', area_code FROM persons WHERE id <= 10 ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at`,
    );
    await ctx.db.query(
      `INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'close_contact', '2022-03-20', area_code FROM persons WHERE id BETWEEN 11 AND 15 ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at`,
    );
    // Two people held for a positive pool and freed: one before the cut-off, one after it, both registered before.
    await ctx.db.query(`UPDATE persons SET created_at = '2022-03-01' WHERE id IN (16, 17)`);
    await setRiskStatus(ctx.db, [16, 17], 'pool_held', new Date('2022-03-20'));
    await setRiskStatus(ctx.db, [17], 'none', new Date('2022-03-25'), { from: ['pool_held'] });
    await setRiskStatus(ctx.db, [16], 'none', new Date('2022-04-10'), { from: ['pool_held'] });
    // Two travellers sampled without a registry record: one in March, one after the cut-off.
    const round = await ctx.db.query<{ id: number }>(
      `INSERT INTO rounds (name, starts_at, deadline_at, policy, created_by, created_at)
       VALUES ('r', '2022-03-14', '2022-03-15', '{}', 't', '2022-03-14') RETURNING id`,
    );
    const area = await ctx.db.query<{ area_code: string }>('SELECT area_code FROM persons LIMIT 1');
    for (const [key, at] of [
      ['trav-march', '2022-03-14T02:00:00Z'],
      ['trav-april', '2022-04-02T02:00:00Z'],
    ])
      await ctx.db.query(
        `INSERT INTO scans (idempotency_key, round_id, tube_id, id_number, area_code, sampler, scanned_at, received_at)
         VALUES ($1, $2, 1, '110101199001010074', $3, 't', $4, $4)`,
        [key, round.rows[0]?.id, area.rows[0]?.area_code, at],
      );
    const before = await ctx.db.query<{ sex: string; n: number; y: number }>(
      `SELECT sex, count(*) AS n, sum(extract(year FROM birth_date))::int8 AS y FROM persons GROUP BY sex ORDER BY sex`,
    );
    clock.set('2022-06-01T00:00:00Z');
    const dry = await purgePersons(ctx.db, clock, cliPrincipal('t'), UNSCOPED, {
      before: new Date('2022-04-01'),
      reason: 'test',
      dryRun: true,
    });
    // The ten released and the one freed before the cut-off; not the one freed after it.
    expect(dry).toMatchObject({ anonymised: 11, travellerScans: 1, dryRun: true });
    const r = await purgePersons(ctx.db, clock, cliPrincipal('t'), UNSCOPED, {
      before: new Date('2022-04-01'),
      reason: 'emergency over',
    });
    expect(r).toMatchObject({ anonymised: 11, travellerScans: 1 });
    const freed = await ctx.db.query<{ id: number; purged: boolean }>(
      'SELECT id, purged_at IS NOT NULL AS purged FROM persons WHERE id IN (16, 17) ORDER BY id',
    );
    expect(freed.rows).toEqual([
      { id: 16, purged: false },
      { id: 17, purged: true },
    ]);
    const trav = await ctx.db.query<{ idempotency_key: string; id_number: string }>(
      'SELECT idempotency_key, id_number FROM scans ORDER BY idempotency_key',
    );
    expect(trav.rows).toEqual([
      { idempotency_key: 'trav-april', id_number: '110101199001010074' },
      { idempotency_key: 'trav-march', id_number: '1101011990-' },
    ]);
    const { rows } = await ctx.db.query<{
      id_number: string | null;
      name: string;
      phone: string | null;
      birth_date: string;
      address: string;
    }>('SELECT id_number, name, phone, birth_date, address FROM persons WHERE id <= 10');
    for (const p of rows) {
      expect(p).toMatchObject({ id_number: null, name: '已匿名', phone: null });
      expect(p.birth_date).toMatch(/-01-01$/);
      expect(p.address).not.toMatch(/\d+号/);
    }
    const open = await ctx.db.query<{ n: number }>(
      'SELECT count(*) AS n FROM persons WHERE id BETWEEN 11 AND 15 AND id_number IS NOT NULL',
    );
    expect(open.rows[0]?.n).toBe(5);
    const after = await ctx.db.query<{ sex: string; n: number; y: number }>(
      `SELECT sex, count(*) AS n, sum(extract(year FROM birth_date))::int8 AS y FROM persons GROUP BY sex ORDER BY sex`,
    );
    expect(after.rows).toEqual(before.rows); // counts by sex and birth year unchanged
    expect(
      await purgePersons(ctx.db, clock, cliPrincipal('t'), UNSCOPED, {
        before: new Date('2022-04-01'),
        reason: 'again',
      }),
    ).toMatchObject({ anonymised: 0, travellerScans: 0 });
    await expect(
      purgePersons(ctx.db, clock, cliPrincipal('t'), UNSCOPED, {
        before: new Date('2023-01-01'),
        reason: 'x',
      }),
    ).rejects.toThrow(/future/);
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
  });
});

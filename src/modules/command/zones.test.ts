import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { seedCity } from '../registry/seed-city.ts';
import { createCase, traceCase } from '../tracing/trace-case.ts';
import { readinessFacts } from './zones.ts';

const clock = new ManualClock('2022-03-14T02:00:00Z');

describeBackends('zones', (ctx) => {
  let app: FastifyInstance;
  let s: TestSession;
  let community: string;
  let zoneId: number;
  const call = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: s.headers, payload: payload as never });

  beforeAll(async () => {
    clock.set('2022-03-14T02:00:00Z');
    await seedCity(ctx.db, { city: '2202', people: 10_000, seed: 3, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    s = await loginAs(app, ctx.db, 'commander', '2202');
    const p = await ctx.db.query<{ id: number; area_code: string }>(
      'SELECT id, area_code FROM persons ORDER BY id LIMIT 1',
    );
    community = (p.rows[0] as { area_code: string }).area_code.slice(0, 12);
    await ctx.db.transaction(async (tx) => {
      const c = await createCase(tx, clock, {
        personId: (p.rows[0] as { id: number }).id,
        firstPositiveAt: clock.now(),
        severity: 'mild',
      });
      await traceCase(tx, clock, c.case.id);
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it('suggests a lockdown where a case was found, and keeps the history of levels', async () => {
    const street = community.slice(0, 9);
    expect(
      (await call('POST', '/api/zones', { area_code: street, level: 'control', reason: '街道管控' }))
        .statusCode,
    ).toBe(200);
    const sug = (await call('GET', '/api/zones/suggestions')).json().items;
    expect(sug[0]).toMatchObject({ area_code: community, current: 'control', suggested: 'lockdown' });
    const z = await call('POST', '/api/zones', {
      area_code: community,
      level: 'lockdown',
      reason: '发现病例，提级封控',
    });
    zoneId = z.json().id;
    expect((await call('GET', '/api/zones/suggestions')).json().items).toEqual([]);
    // Overlap rule: the strongest zone containing a grid governs it.
    const eff = (await call('GET', `/api/zones/effective?area=${community}001`)).json();
    expect(eff.zone).toMatchObject({ area_code: community, level: 'lockdown' });
    // Another district's commander is refused it (the zone and who set it are not theirs to read).
    const other = await loginAs(
      app,
      ctx.db,
      'commander',
      community.startsWith('220203') ? '220204' : '220203',
    );
    const refused = await app.inject({
      method: 'GET',
      url: `/api/zones/effective?area=${community}001`,
      headers: other.headers,
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('out_of_jurisdiction');
    const again = await call('POST', '/api/zones', {
      area_code: community,
      level: 'lockdown',
      reason: 'again',
    });
    expect(again.json().error.code).toBe('zone_unchanged');
    expect(
      (
        await call('POST', '/api/zones', { area_code: '220299999', level: 'control', reason: 'nowhere' })
      ).json().error.code,
    ).toBe('area_unknown');
  });

  it('lifts only when the rules are met, saying what is missing', async () => {
    const early = await call('POST', `/api/zones/${zoneId}/lift`);
    expect(early.statusCode).toBe(409);
    expect(early.json().error.message).toMatch(
      /no_new_case_14_days.*last_close_contact_14_days.*negative_round_2_days/,
    );
    const list = (await call('GET', '/api/zones')).json().items;
    const mine = list.find((x: { id: number }) => x.id === zoneId);
    expect(mine.readiness.ready).toBe(false);
    // 15 days later, with an all-negative sampling of the community in the last 2 days.
    clock.set('2022-03-29T06:00:00Z');
    s = await loginAs(app, ctx.db, 'commander', '2202');
    await ctx.db.query(
      `INSERT INTO rounds (name, starts_at, deadline_at, policy, created_by, created_at) VALUES ('r', $1, $2, '{}', 't', $1)`,
      [new Date('2022-03-28T00:00:00Z'), new Date('2022-03-29T00:00:00Z')],
    );
    await ctx.db.query(
      `INSERT INTO tubes (barcode, round_id, area_code, pool_size, members, status, opened_at, result, resulted_at)
       VALUES ('Z0000001', (SELECT max(id) FROM rounds), $1, 10, 10, 'resulted', $2, 'negative', $2)`,
      [community, new Date('2022-03-28T08:00:00Z')],
    );
    const lifted = await call('POST', `/api/zones/${zoneId}/lift`);
    expect(lifted.statusCode, lifted.body).toBe(200);
    expect(lifted.json().status).toBe('lifted');
    const street = (await call('GET', '/api/zones'))
      .json()
      .items.find((x: { level: string }) => x.level === 'control');
    expect(street).toBeDefined();
  });

  it('reads the lifting facts of many areas in one pass exactly as it reads each area alone', async () => {
    const now = clock.now();
    const others = await ctx.db.query<{ code: string }>(
      `SELECT DISTINCT left(area_code, 12) AS code FROM persons WHERE left(area_code, 12) <> $1 ORDER BY 1 LIMIT 3`,
      [community],
    );
    const codes = [
      community,
      community.slice(0, 9),
      community.slice(0, 6),
      `${community}001`,
      ...others.rows.map((r) => r.code),
    ];
    const many = await readinessFacts(ctx.db, codes, now);
    expect([...many.keys()].sort()).toEqual([...codes].sort());
    for (const code of codes) {
      const alone = await readinessFacts(ctx.db, [code], now);
      expect(many.get(code), code).toEqual(alone.get(code));
    }
    // The community has the case, its close contacts and the negative tube; its district has them too.
    for (const code of [community, community.slice(0, 6)]) {
      const f = many.get(code);
      expect(f?.last_case, code).toBeInstanceOf(Date);
      expect(f?.last_close_contact, code).toBeInstanceOf(Date);
      expect(f?.tubes_2d, code).toBeGreaterThanOrEqual(1);
      expect(f?.negative_2d, code).toBe(f?.tubes_2d);
    }
  });

  it('applies the June-2022 rules: a high-risk area goes down to medium after 7 quiet days, medium to low after 3', async () => {
    // A case in another district, found today; the June rules suggest a high-risk area on its community.
    clock.set('2022-04-01T02:00:00Z');
    s = await loginAs(app, ctx.db, 'commander', '2202');
    const p = await ctx.db.query<{ id: number; area_code: string }>(
      'SELECT id, area_code FROM persons WHERE NOT starts_with(area_code, $1) AND NOT EXISTS (SELECT 1 FROM person_risk r WHERE r.person_id = persons.id) ORDER BY id LIMIT 1',
      [community.slice(0, 6)],
    );
    const person = p.rows[0] as { id: number; area_code: string };
    const june = person.area_code.slice(0, 12);
    await ctx.db.transaction((tx) =>
      createCase(tx, clock, { personId: person.id, firstPositiveAt: clock.now() }),
    );
    const sug = (await call('GET', '/api/zones/suggestions?rule_set=june2022')).json().items;
    expect(sug.find((x: { area_code: string }) => x.area_code === june)).toMatchObject({ suggested: 'high' });
    expect((await call('GET', '/api/zones/suggestions?rule_set=1999')).statusCode).toBe(400);
    const set = await call('POST', '/api/zones', { area_code: june, level: 'high', reason: '病例居住地' });
    expect(set.statusCode, set.body).toBe(200);
    const low = await call('POST', '/api/zones', {
      area_code: june.slice(0, 6),
      level: 'low',
      reason: '病例所在城区',
    });
    expect(low.statusCode, low.body).toBe(200);
    // The overlap rule ranks high like lockdown; the sampling points there take single tubes.
    expect((await call('GET', `/api/zones/effective?area=${june}`)).json().zone.level).toBe('high');
    const high = set.json().id as number;
    const early = await call('POST', `/api/zones/${high}/lift`);
    expect(early.statusCode).toBe(409);
    expect(early.json().error.message).toMatch(/no_new_case_7_days.*negative_sampling_last_day/);
    const negative = async (barcode: string, at: string) => {
      await ctx.db.query(
        `INSERT INTO rounds (name, starts_at, deadline_at, policy, created_by, created_at) VALUES ('r', $1, $1::timestamptz + interval '1 day', '{}', 't', $1)`,
        [new Date(at)],
      );
      await ctx.db.query(
        `INSERT INTO tubes (barcode, round_id, area_code, pool_size, members, status, opened_at, result, resulted_at)
         VALUES ($3, (SELECT max(id) FROM rounds), $1, 1, 1, 'resulted', $2, 'negative', $2)`,
        [june, new Date(at), barcode],
      );
    };
    // Six days later the sampling is negative but the 7 days are not over.
    clock.set('2022-04-07T02:00:00Z');
    s = await loginAs(app, ctx.db, 'commander', '2202');
    await negative('J0000001', '2022-04-07T00:00:00Z');
    const six = await call('POST', `/api/zones/${high}/lift`);
    expect(six.statusCode).toBe(409);
    expect(six.json().error.message).toMatch(/no_new_case_7_days/);
    expect(six.json().error.message).not.toMatch(/negative_sampling_last_day/);
    clock.set('2022-04-08T03:00:00Z');
    s = await loginAs(app, ctx.db, 'commander', '2202');
    await negative('J0000002', '2022-04-08T01:00:00Z');
    const down = await call('POST', `/api/zones/${high}/lift`);
    expect(down.statusCode, down.body).toBe(200);
    expect(down.json()).toMatchObject({
      area_code: june,
      level: 'medium',
      status: 'active',
      previous_zone_id: high,
    });
    // The low-risk district cannot lift while a medium-risk area is inside it.
    const district = (await call('GET', '/api/zones'))
      .json()
      .items.find((x: { level: string }) => x.level === 'low');
    expect(district.readiness.checks[0]).toMatchObject({ rule: 'district_risk_areas_lifted', ok: false });
    // Three quiet days more (the days count from the medium designation) and a negative last day: low risk.
    clock.set('2022-04-11T04:00:00Z');
    s = await loginAs(app, ctx.db, 'commander', '2202');
    await negative('J0000003', '2022-04-11T02:00:00Z');
    const toLow = await call('POST', `/api/zones/${down.json().id}/lift`);
    expect(toLow.statusCode, toLow.body).toBe(200);
    expect(toLow.json().level).toBe('low');
    // No high or medium risk left in the district: the low-risk areas lift.
    expect((await call('POST', `/api/zones/${toLow.json().id}/lift`)).json().status).toBe('lifted');
    expect((await call('POST', `/api/zones/${district.id}/lift`)).json().status).toBe('lifted');
    expect((await call('GET', `/api/zones/effective?area=${june}`)).json().zone).toBeNull();
  });
});

/** From placement to arrival: trips planned, driven, delivered; the clocks and the late list — and every refusal. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { UNSCOPED } from '../access/scope.ts';
import { placeBacklog } from '../isolation/place-backlog.ts';
import { seedCity } from '../registry/seed-city.ts';
import { createCase } from '../tracing/trace-case.ts';

const clock = new ManualClock('2022-03-14T02:00:00Z');

interface Trip {
  id: number;
  class: string;
  site_id: number;
  status: string;
  needs_disinfection: boolean;
  passengers: { person_id: number; status: string }[];
}

describeBackends('transfer', (ctx) => {
  let app: FastifyInstance;
  let dispatcher: TestSession;
  let driver: TestSession;
  let family: number[];
  let severe: number;
  const call = (s: TestSession, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: s.headers, payload: payload as never });

  beforeAll(async () => {
    clock.set('2022-03-14T02:00:00Z');
    await seedCity(ctx.db, { city: '2202', people: 20_000, seed: 17, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    const f = await ctx.db.query<{ household_id: number }>(
      'SELECT household_id FROM persons GROUP BY household_id HAVING count(*) = 3 ORDER BY household_id LIMIT 1',
    );
    family = (
      await ctx.db.query<{ id: number }>('SELECT id FROM persons WHERE household_id = $1 ORDER BY id', [
        f.rows[0]?.household_id,
      ])
    ).rows.map((r) => r.id);
    await ctx.db.query(
      `UPDATE persons SET risk_status = 'close_contact', risk_status_at = $2 WHERE id = ANY($1::int8[])`,
      [family, clock.now()],
    );
    severe = (await ctx.db.query<{ id: number }>('SELECT id FROM persons ORDER BY id DESC LIMIT 1')).rows[0]
      ?.id as number;
    await ctx.db.transaction(async (tx) => {
      await createCase(tx, clock, { personId: severe, firstPositiveAt: clock.now(), severity: 'severe' });
      await placeBacklog(tx, clock, UNSCOPED, '8th');
    });
    dispatcher = await loginAs(app, ctx.db, 'dispatcher', '2202');
    driver = await loginAs(app, ctx.db, 'driver', '2202');
  });
  afterAll(async () => {
    await app.close();
  });

  it('plans trips: the household together, the severe case alone in an ambulance, each trip explained', async () => {
    clock.set('2022-03-14T03:00:00Z');
    const res = await call(dispatcher, 'POST', '/api/transfer/plan');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ passengers: 4, waiting: [] });
    const trips = (await call(driver, 'GET', '/api/transfer/trips')).json().items as Trip[];
    const amb = trips.find((t) => t.class === 'case_ambulance') as Trip;
    expect(amb.passengers.map((p) => p.person_id)).toEqual([severe]);
    expect(amb.needs_disinfection).toBe(true);
    const fam = trips.find((t) => t.class === 'contact') as Trip;
    expect(fam.passengers.map((p) => p.person_id).sort()).toEqual([...family].sort());
    expect((await call(dispatcher, 'POST', '/api/transfer/plan')).json().trips).toEqual([]); // nobody twice
  });

  it('drives a trip: out-of-order steps refused, a no-show goes back to the queue, delivery starts the stays', async () => {
    clock.set('2022-03-14T04:00:00Z');
    const trips = (await call(driver, 'GET', '/api/transfer/trips')).json().items as Trip[];
    const fam = trips.find((t) => t.class === 'contact') as Trip;
    expect(
      (await call(driver, 'POST', `/api/transfer/trips/${fam.id}/pickup`, { person_id: family[0] })).json()
        .error.code,
    ).toBe('transition_invalid');
    expect((await call(driver, 'POST', `/api/transfer/trips/${fam.id}/depart`)).json()).toEqual({
      status: 'departed',
    });
    expect(
      (await call(driver, 'POST', `/api/transfer/trips/${fam.id}/pickup`, { person_id: severe })).json().error
        .code,
    ).toBe('not_on_trip');
    await call(driver, 'POST', `/api/transfer/trips/${fam.id}/pickup`, { person_id: family[0] });
    await call(driver, 'POST', `/api/transfer/trips/${fam.id}/pickup`, { person_id: family[1] });
    expect(
      (await call(driver, 'POST', `/api/transfer/trips/${fam.id}/deliver`, { site_id: fam.site_id })).json()
        .error.code,
    ).toBe('pickups_outstanding');
    await call(driver, 'POST', `/api/transfer/trips/${fam.id}/pickup`, {
      person_id: family[2],
      no_show: true,
    });
    expect(
      (
        await call(driver, 'POST', `/api/transfer/trips/${fam.id}/deliver`, { site_id: fam.site_id + 1000 })
      ).json().error.code,
    ).toBe('wrong_site');
    clock.set('2022-03-14T05:00:00Z');
    expect(
      (await call(driver, 'POST', `/api/transfer/trips/${fam.id}/deliver`, { site_id: fam.site_id })).json(),
    ).toEqual({ delivered: 2, no_show: 1 });
    const stays = await ctx.db.query<{ person_id: number; status: string }>(
      'SELECT person_id, status FROM placements WHERE person_id = ANY($1::int8[]) ORDER BY person_id',
      [family],
    );
    expect(stays.rows.map((r) => r.status)).toEqual(['arrived', 'arrived', 'placed']);
    const again = (await call(dispatcher, 'POST', '/api/transfer/plan')).json();
    expect(again.passengers).toBe(1); // the no-show, for a new trip
  });

  it('keeps a vehicle that carried a case out of service until it is disinfected', async () => {
    const trips = (await call(driver, 'GET', '/api/transfer/trips')).json().items as Trip[];
    const amb = trips.find((t) => t.class === 'case_ambulance') as Trip;
    await call(driver, 'POST', `/api/transfer/trips/${amb.id}/depart`);
    await call(driver, 'POST', `/api/transfer/trips/${amb.id}/pickup`, { person_id: severe });
    await call(driver, 'POST', `/api/transfer/trips/${amb.id}/deliver`, { site_id: amb.site_id });
    const vehicle = await ctx.db.query<{ vehicle_id: number }>('SELECT vehicle_id FROM trips WHERE id = $1', [
      amb.id,
    ]);
    const busy = await ctx.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM trips WHERE vehicle_id = $1 AND needs_disinfection AND disinfected_at IS NULL`,
      [vehicle.rows[0]?.vehicle_id],
    );
    expect(busy.rows[0]?.n).toBe(1);
    expect((await call(driver, 'POST', `/api/transfer/trips/${amb.id}/disinfected`)).json()).toEqual({
      status: 'disinfected',
    });
    expect((await call(driver, 'POST', `/api/transfer/trips/${amb.id}/disinfected`)).statusCode).toBe(409);
  });

  it('measures found → delivered and lists who was not delivered the day they were found', async () => {
    const c = (await call(dispatcher, 'GET', '/api/transfer/clocks?date=2022-03-14')).json();
    expect(c.people).toBe(4);
    expect(c.minutes.found_to_delivered.p50).toBeGreaterThan(0);
    expect(c.late).toEqual([]); // the day is not over
    clock.set('2022-03-15T01:00:00Z');
    dispatcher = await loginAs(app, ctx.db, 'dispatcher', '2202');
    const next = (await call(dispatcher, 'GET', '/api/transfer/clocks?date=2022-03-14')).json();
    expect(next.late.map((x: { person_id: number }) => x.person_id)).toEqual([family[2]]);
  });
});

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
  vehicle_id: number;
  plate: string;
  sequence: number;
  service_day: string;
  planned_start: string;
  planned_end: string;
  planned_km: number;
  stops: string[];
  reason: string;
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
  /** A later trip of the same vehicle's day (as a later plan would add), carrying one placement of `person`. */
  const nextTripOf = async (tripId: number, person: number): Promise<number> => {
    const { rows } = await ctx.db.query<{ id: number }>(
      `INSERT INTO trips (vehicle_id, class, site_id, reason, planned_at, needs_disinfection, service_day, sequence,
                          planned_start, planned_end, planned_km, stops)
       SELECT vehicle_id, class, site_id, 'test', planned_at, needs_disinfection, service_day, sequence + 1,
              planned_end, planned_end + interval '1 hour', 10, stops FROM trips WHERE id = $1 RETURNING id`,
      [tripId],
    );
    const id = rows[0]?.id as number;
    await ctx.db.query(
      `INSERT INTO trip_passengers (trip_id, placement_id, person_id, pickup_area_code)
       SELECT $1, pl.id, p.id, p.area_code FROM placements pl JOIN persons p ON p.id = pl.person_id WHERE p.id = $2`,
      [id, person],
    );
    return id;
  };
  const dropTrip = async (id: number) => {
    await ctx.db.query('DELETE FROM trip_passengers WHERE trip_id = $1', [id]);
    await ctx.db.query('DELETE FROM trips WHERE id = $1', [id]);
  };

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
      `INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'close_contact', $2, area_code FROM persons WHERE id = ANY($1::int8[]) ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at`,
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
    expect(res.json()).toMatchObject({
      passengers: 4,
      waiting: [],
      service_day: '2022-03-14',
      shift: { start: '2022-03-13T22:00:00.000Z', end: '2022-03-14T14:00:00.000Z' }, // 06:00–22:00 local
    });
    const trips = (await call(driver, 'GET', '/api/transfer/trips')).json().items as Trip[];
    for (const t of trips) {
      expect(t.sequence).toBe(1);
      expect(t.service_day).toBe('2022-03-14');
      expect(new Date(t.planned_start).getTime()).toBeGreaterThanOrEqual(clock.now().getTime());
      expect(new Date(t.planned_end).getTime()).toBeGreaterThan(new Date(t.planned_start).getTime());
      expect(t.planned_km).toBeGreaterThan(0);
      expect(t.stops.length).toBeGreaterThan(0);
      expect(t.reason).toMatch(/^trip 1 of /);
    }
    const amb = trips.find((t) => t.class === 'case_ambulance') as Trip;
    expect(amb.passengers.map((p) => p.person_id)).toEqual([severe]);
    expect(amb.needs_disinfection).toBe(true);
    const fam = trips.find((t) => t.class === 'contact') as Trip;
    expect(fam.passengers.map((p) => p.person_id).sort()).toEqual([...family].sort());
    expect((await call(dispatcher, 'POST', '/api/transfer/plan')).json().trips).toEqual([]); // nobody twice
    // The driver picks a vehicle by plate: each with its open trips, and its day in order.
    const vehicles = (await call(driver, 'GET', '/api/transfer/vehicles')).json().items as {
      id: number;
      plate: string;
      open_trips: number;
      departed: boolean;
    }[];
    for (const t of trips) {
      const v = vehicles.find((x) => x.id === t.vehicle_id);
      expect(v?.plate).toBe(t.plate);
      expect(v?.open_trips).toBe(trips.filter((x) => x.vehicle_id === t.vehicle_id).length);
      expect(v?.departed).toBe(false);
      const day = (await call(driver, 'GET', `/api/transfer/trips?vehicle_id=${t.vehicle_id}`)).json().items;
      expect(day.map((x: Trip) => x.id)).toContain(t.id);
    }
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
    // The list and its export say how the trip ended (delivered and not there), not only how many it carried.
    const done = (await call(driver, 'GET', '/api/transfer/trips?status=delivered')).json().items as {
      id: number;
      passengers: { status: string }[];
    }[];
    expect(
      done
        .find((t) => t.id === fam.id)
        ?.passengers.map((p) => p.status)
        .sort(),
    ).toEqual(['delivered', 'delivered', 'no_show']);
    const csv = (await call(driver, 'GET', '/api/transfer/trips/export?format=csv&status=delivered')).body
      .replace(/^\uFEFF/, '')
      .split('\r\n');
    const header = (csv[0] ?? '').split(',');
    const row = (csv.find((l) => l.startsWith(`${fam.id},`)) ?? '').split(',');
    expect(row[header.indexOf('送达人数')]).toBe('2');
    expect(row[header.indexOf('未接到人数')]).toBe('1');
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
    // A later trip of the ambulance's day may not start before the vehicle is disinfected.
    const later = await nextTripOf(amb.id, severe);
    expect((await call(driver, 'POST', `/api/transfer/trips/${later}/depart`)).json().error.code).toBe(
      'vehicle_not_disinfected',
    );
    expect((await call(driver, 'POST', `/api/transfer/trips/${amb.id}/disinfected`)).json()).toEqual({
      status: 'disinfected',
    });
    expect((await call(driver, 'POST', `/api/transfer/trips/${amb.id}/disinfected`)).statusCode).toBe(409);
    expect((await call(driver, 'POST', `/api/transfer/trips/${later}/depart`)).json()).toEqual({
      status: 'departed',
    });
    await dropTrip(later);
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

  it("inserts an urgent household into the plan, explains it, and keeps each vehicle's day in order", async () => {
    clock.set('2022-03-15T02:00:00Z');
    driver = await loginAs(app, ctx.db, 'driver', '2202');
    const h = await ctx.db.query<{ household_id: number }>(
      `SELECT household_id FROM persons GROUP BY household_id HAVING count(*) = 2 AND bool_and(id <> ALL($1::int8[]))
        ORDER BY household_id DESC LIMIT 1`,
      [[...family, severe]],
    );
    const pair = (
      await ctx.db.query<{ id: number }>('SELECT id FROM persons WHERE household_id = $1 ORDER BY id', [
        h.rows[0]?.household_id,
      ])
    ).rows.map((r) => r.id);
    // Refusals before anything is written: unknown person, person not placed.
    expect(
      (await call(dispatcher, 'POST', '/api/transfer/plan', { urgent: [999_999_999] })).json().error.code,
    ).toBe('not_found');
    expect(
      (await call(dispatcher, 'POST', '/api/transfer/plan', { urgent: [pair[0]] })).json().error.code,
    ).toBe('not_placed');
    expect((await call(dispatcher, 'POST', '/api/transfer/plan', { urgent: [] })).statusCode).toBe(400);
    await ctx.db.query(
      `INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'close_contact', $2, area_code FROM persons WHERE id = ANY($1::int8[]) ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at`,
      [pair, clock.now()],
    );
    await ctx.db.transaction((tx) => placeBacklog(tx, clock, UNSCOPED, '8th'));
    // Only the first is named urgent; the household member placed with them rides along.
    const res = await call(dispatcher, 'POST', '/api/transfer/plan', { urgent: [pair[0]] });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.waiting).toEqual([]);
    expect(body.inserted).toHaveLength(1);
    const ins = body.inserted[0];
    expect([...ins.person_ids].sort()).toEqual([...pair].sort());
    expect(ins.reason).toMatch(/^urgent contact household of 2: /);
    expect(ins.reason).toMatch(/the fewest added km of \d+ option\(s\)/);
    const trips = (await call(driver, 'GET', '/api/transfer/trips?status=planned')).json().items as Trip[];
    const trip = trips.find((t) => t.id === ins.trip_id) as Trip;
    expect(trip.passengers.map((p) => p.person_id)).toEqual(expect.arrayContaining(pair));
    expect(trip.class).toBe('contact');
    expect(
      (await call(dispatcher, 'POST', '/api/transfer/plan', { urgent: [pair[1]] })).json().error.code,
    ).toBe('already_on_trip');
    // No vehicle has two trips of the day overlapping, nor two trips with one number.
    const overlaps = await ctx.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM trips a JOIN trips b ON a.vehicle_id = b.vehicle_id AND a.service_day = b.service_day
        AND a.sequence < b.sequence WHERE a.status <> 'cancelled' AND b.status <> 'cancelled' AND b.planned_start < a.planned_end`,
    );
    expect(overlaps.rows[0]?.n).toBe(0);
    // A driver cannot start a later trip of the vehicle's day while this one is still open.
    const later = await nextTripOf(ins.trip_id, family[0] as number);
    const refused = await call(driver, 'POST', `/api/transfer/trips/${later}/depart`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('previous_trip_open');
    await dropTrip(later);
  });

  it("lets a district's driver run a trip's whole manifest, passengers of other districts included", async () => {
    // The last trip of a vehicle whose day is done (delivered, disinfected when it had to be): the next one may start.
    const fam = (
      await ctx.db.query<{ id: number }>(
        `SELECT t.id FROM trips t
          WHERE t.status = 'delivered' AND (NOT t.needs_disinfection OR t.disinfected_at IS NOT NULL)
            AND NOT EXISTS (SELECT 1 FROM trips o WHERE o.vehicle_id = t.vehicle_id AND o.id <> t.id
                              AND (o.service_day, o.sequence) >= (t.service_day, t.sequence))
          ORDER BY t.id LIMIT 1`,
      )
    ).rows[0]?.id as number;
    expect(fam).toBeGreaterThan(0);
    const mixed = await nextTripOf(fam, family[0] as number);
    const mine = (
      await ctx.db.query<{ area_code: string }>('SELECT area_code FROM persons WHERE id = $1', [family[0]])
    ).rows[0]?.area_code as string;
    const elsewhere = (
      await ctx.db.query<{ area_code: string }>(
        'SELECT area_code FROM persons WHERE left(area_code, 6) <> $1 ORDER BY id LIMIT 1',
        [mine.slice(0, 6)],
      )
    ).rows[0]?.area_code as string;
    // A second passenger picked up in another district (the planner groups by distance, not by district).
    await ctx.db.query(
      `INSERT INTO trip_passengers (trip_id, placement_id, person_id, pickup_area_code)
       SELECT $1, pl.id, pl.person_id, $3 FROM placements pl WHERE pl.person_id = $2 ORDER BY pl.id DESC LIMIT 1`,
      [mixed, severe, elsewhere],
    );
    const local = await loginAs(app, ctx.db, 'driver', mine.slice(0, 6));
    const listed = (await call(local, 'GET', '/api/transfer/trips'))
      .json()
      .items.find((t: Trip) => t.id === mixed) as Trip;
    expect(listed.passengers.map((p) => p.person_id).sort()).toEqual([family[0], severe].sort());
    expect((await call(local, 'POST', `/api/transfer/trips/${mixed}/depart`)).json()).toEqual({
      status: 'departed',
    });
    for (const person_id of [family[0], severe]) {
      const res = await call(local, 'POST', `/api/transfer/trips/${mixed}/pickup`, { person_id });
      expect(res.statusCode, res.body).toBe(200);
    }
    // A driver of a district with no pickup on the trip neither sees nor touches it.
    const outsider = await loginAs(
      app,
      ctx.db,
      'driver',
      (
        await ctx.db.query<{ code: string }>(
          'SELECT code FROM areas WHERE length(code) = 6 AND code <> ALL($1::text[]) ORDER BY code LIMIT 1',
          [[mine.slice(0, 6), elsewhere.slice(0, 6)]],
        )
      ).rows[0]?.code as string,
    );
    expect(
      (await call(outsider, 'GET', '/api/transfer/trips')).json().items.map((t: Trip) => t.id),
    ).not.toContain(mixed);
    expect(
      (await call(outsider, 'POST', `/api/transfer/trips/${mixed}/pickup`, { person_id: severe })).statusCode,
    ).toBe(404);
    await dropTrip(mixed);
  });
});

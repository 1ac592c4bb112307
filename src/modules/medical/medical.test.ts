/**
 * Medical needs (就医) through the API on both backends: every bad input with its code and nothing written, the
 * colour derived from zones and quarantine, routing by colour, service and the day's capacity (and a hand-picked
 * hospital checked by the same rules), idempotent retries of requests and steps, vehicles (an ambulance for an
 * emergency, one patient at a time), a refusal as a task on the responsibility list that escalates and is met by
 * rerouting, the 30-minute emergency item on a ManualClock, another district's writes refused, the figures of the
 * dashboard and the daily report agreeing, and the audit chain.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { verifyAudit } from '../access/audit.ts';
import { refreshDashboard } from '../command/dashboard.ts';
import { responsibilityList, setLeader } from '../command/responsibility.ts';
import { setZone } from '../command/zones.ts';
import { seedCity } from '../registry/seed-city.ts';
import { checkStalledEmergencies, medicalFigures } from './emergency-clock.ts';

const START = '2022-03-14T02:00:00Z'; // 10:00 in Beijing
const clock = new ManualClock(START);
const MIN = 60_000;

describeBackends('medical needs', (ctx) => {
  let app: FastifyInstance;
  let A = '';
  let B = '';
  let lockdownCommunity = '';
  let controlCommunity = '';
  let freeCommunity = '';
  let dispatcherA: TestSession;
  let dispatcherB: TestSession;
  let workerA: TestSession;
  let commander: TestSession;
  let viewer: TestSession;
  const people: Record<'red' | 'red2' | 'red3' | 'yellow' | 'quarantined' | 'free' | 'inB', number> = {
    red: 0,
    red2: 0,
    red3: 0,
    yellow: 0,
    quarantined: 0,
    free: 0,
    inB: 0,
  };
  const hospital: Record<'redA' | 'redB' | 'yellowA' | 'greenB', number> = {
    redA: 0,
    redB: 0,
    yellowA: 0,
    greenB: 0,
  };
  let keys = 0;
  const call = (s: TestSession, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: s.headers, payload: payload as never });
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await ctx.db.query<{ n: number }>(`SELECT count(*) AS n FROM ${sql}`, params)).rows[0]?.n);
  const ask = (over: Record<string, unknown> = {}) => ({
    key: `med-key-${++keys}`,
    person_id: people.red,
    service: 'dialysis',
    urgency: 'routine',
    contact_phone: '138 0000 1234',
    note: '每周三次透析',
    ...over,
  });
  const file = async (over: Record<string, unknown> = {}, s = workerA) => {
    const res = await call(s, 'POST', '/api/medical/requests', ask(over));
    expect(res.statusCode, res.body).toBe(200);
    return res.json().request as { id: number; code_colour: string; basis: string; status: string };
  };
  const route = (id: number, body: Record<string, unknown> = {}, s = dispatcherA) =>
    call(s, 'POST', `/api/medical/requests/${id}/route`, body);

  beforeAll(async () => {
    clock.set(START);
    await seedCity(ctx.db, { city: '2202', people: 2000, seed: 7, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    // The district with the most people, three of its streets (zones on streets), another district.
    const grids = await ctx.db.query<{ g: string; n: number }>(
      `SELECT left(area_code, 9) AS g, count(*)::int AS n FROM persons
        WHERE left(area_code, 6) = (SELECT left(area_code, 6) FROM persons GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)
        GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3`,
    );
    [lockdownCommunity, controlCommunity, freeCommunity] = grids.rows.map((r) => r.g) as [
      string,
      string,
      string,
    ];
    expect(grids.rows[0]?.n).toBeGreaterThanOrEqual(3);
    expect(grids.rows[2]?.n).toBeGreaterThanOrEqual(2);
    A = lockdownCommunity.slice(0, 6);
    B = (
      await ctx.db.query<{ d: string }>(
        'SELECT left(area_code, 6) AS d FROM persons WHERE left(area_code, 6) <> $1 ORDER BY 1 LIMIT 1',
        [A],
      )
    ).rows[0]?.d as string;
    await ctx.db.transaction(async (tx) => {
      await setZone(tx, clock, { areaCode: lockdownCommunity, level: 'lockdown', reason: 't', by: 't' }, '');
      await setZone(tx, clock, { areaCode: controlCommunity, level: 'control', reason: 't', by: 't' }, '');
    });
    const inArea = async (prefix: string, n: number) =>
      (
        await ctx.db.query<{ id: number }>(
          'SELECT id FROM persons WHERE starts_with(area_code, $1) ORDER BY id LIMIT $2',
          [prefix, n],
        )
      ).rows.map((r) => r.id);
    [people.red, people.red2, people.red3] = (await inArea(lockdownCommunity, 3)) as [number, number, number];
    [people.yellow] = (await inArea(controlCommunity, 1)) as [number];
    [people.free, people.quarantined] = (await inArea(freeCommunity, 2)) as [number, number];
    [people.inB] = (await inArea(B, 1)) as [number];
    // A close contact isolated at home (an active home stay), outside any zone.
    await ctx.db.query(
      `INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'close_contact', $2, area_code FROM persons WHERE id = $1 ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at`,
      [people.quarantined, clock.now()],
    );
    await ctx.db.query(
      `INSERT INTO home_stays (person_id, kind, category, edition, area_code, started_at, due_at)
       SELECT id, 'isolation', 'close', '9th', area_code, $2, $2::timestamptz + interval '7 days' FROM persons WHERE id = $1`,
      [people.quarantined, clock.now()],
    );
    // B's resident lives in a lockdown zone too: only jurisdiction keeps A's workers away.
    await ctx.db.transaction((tx) =>
      setZone(tx, clock, { areaCode: B, level: 'lockdown', reason: 't', by: 't' }, ''),
    );
    dispatcherA = await loginAs(app, ctx.db, 'dispatcher', A);
    dispatcherB = await loginAs(app, ctx.db, 'dispatcher', B);
    workerA = await loginAs(app, ctx.db, 'community_worker', A);
    commander = await loginAs(app, ctx.db, 'commander', '2202');
    viewer = await loginAs(app, ctx.db, 'viewer', '2202');
    // Leaders answering for everything: the city's and district A's.
    await ctx.db.transaction(async (tx) => {
      await setLeader(tx, clock, { name: '市指挥长', title: '', areaCode: '2202', function: 'all' });
      await setLeader(tx, clock, { name: '区指挥长', title: '', areaCode: A, function: 'all' });
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it('sets up hospitals with colours and capacities in the jurisdiction only', async () => {
    const make = async (s: TestSession, body: Record<string, unknown>) => {
      const res = await call(s, 'POST', '/api/medical/hospitals', body);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().id as number;
    };
    hospital.redA = await make(dispatcherA, {
      name: '甲区红码医院',
      area_code: lockdownCommunity,
      code_colour: 'red',
      services: { dialysis: 1, emergency: 5, delivery: 2 },
    });
    hospital.yellowA = await make(dispatcherA, {
      name: '甲区黄码医院',
      area_code: A,
      code_colour: 'yellow',
      services: { chronic_medicine: 3, emergency: 2, dialysis: 4 },
    });
    hospital.redB = await make(dispatcherB, {
      name: '乙区红码医院',
      area_code: B,
      code_colour: 'red',
      services: { dialysis: 2, emergency: 1 },
    });
    hospital.greenB = await make(dispatcherB, {
      name: '乙区绿码医院',
      area_code: B,
      code_colour: 'green',
      services: { dialysis: 9 },
    });
    const refused: [TestSession, string, string, Record<string, unknown>, number, string][] = [
      [
        dispatcherA,
        'POST',
        '/api/medical/hospitals',
        { name: 'x', area_code: B, code_colour: 'red' },
        403,
        'out_of_jurisdiction',
      ],
      [
        dispatcherA,
        'POST',
        '/api/medical/hospitals',
        { name: '甲区红码医院', area_code: A, code_colour: 'red' },
        409,
        'hospital_exists',
      ],
      [
        dispatcherA,
        'POST',
        '/api/medical/hospitals',
        { name: 'y', area_code: `${A}999`, code_colour: 'red' },
        400,
        'area_unknown',
      ],
      [
        dispatcherA,
        'POST',
        '/api/medical/hospitals',
        { name: 'z', area_code: A, code_colour: 'blue' },
        400,
        'validation_failed',
      ],
      [
        dispatcherA,
        'POST',
        '/api/medical/hospitals',
        { name: 'w', area_code: A, code_colour: 'red', services: { surgery: 1 } },
        400,
        'validation_failed',
      ],
      [
        dispatcherA,
        'PATCH',
        `/api/medical/hospitals/${hospital.redB}`,
        { code_colour: 'green' },
        404,
        'not_found',
      ],
      [
        workerA,
        'POST',
        '/api/medical/hospitals',
        { name: 'v', area_code: A, code_colour: 'red' },
        403,
        'forbidden',
      ],
    ];
    for (const [s, method, url, body, status, code] of refused) {
      const res = await call(s, method as 'POST', url, body);
      expect(res.statusCode, `${url} ${JSON.stringify(body)}: ${res.body}`).toBe(status);
      expect(res.json().error.code).toMatch(new RegExp(`^${code}`));
    }
    expect(await count('hospitals')).toBe(4);
    const list = (await call(workerA, 'GET', '/api/medical/hospitals')).json().items as {
      id: number;
      code_colour: string;
      services: { service: string; capacity: number; free: number }[];
    }[];
    expect(list).toHaveLength(4);
    expect(list.find((h) => h.id === hospital.redA)?.services).toContainEqual({
      service: 'dialysis',
      capacity: 1,
      used: 0,
      free: 1,
    });
  });

  it('refuses bad requests with precise codes and writes nothing', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ contact_phone: undefined }, 400, 'contact_required'],
      [{ contact_phone: '   ' }, 400, 'contact_required'],
      [{ contact_phone: 'call the hospital' }, 400, 'contact_phone_invalid'],
      [{ person_id: 99_999_999 }, 404, 'person_unknown'],
      [{ person_id: people.inB }, 404, 'person_unknown'], // another district's resident: as unknown
      [{ person_id: people.free }, 409, 'not_under_control'],
      [{ service: 'surgery' }, 400, 'validation_failed'],
      [{ urgency: 'whenever' }, 400, 'validation_failed'],
      [{ key: 'short' }, 400, 'validation_failed'],
    ];
    for (const [change, status, code] of cases) {
      const res = await call(workerA, 'POST', '/api/medical/requests', ask(change));
      expect(res.statusCode, `${JSON.stringify(change)}: ${res.body}`).toBe(status);
      expect(res.json().error.code, JSON.stringify(change)).toBe(code);
    }
    expect((await call(viewer, 'POST', '/api/medical/requests', ask())).statusCode).toBe(403);
    expect(await count('medical_requests')).toBe(0);
    expect(await count(`events WHERE type LIKE 'medical.%'`)).toBe(0);
    expect(await count(`audit_log WHERE action LIKE 'medical.%' AND subject_type = 'medical_request'`)).toBe(
      0,
    );
  });

  it('derives the colour from zones and quarantine, and counts a retried request once', async () => {
    const body = ask();
    const first = await call(workerA, 'POST', '/api/medical/requests', body);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      duplicate: false,
      request: {
        code_colour: 'red',
        basis: 'lockdown_zone',
        status: 'requested',
        contact_phone: '138****1234',
      },
    });
    const again = await call(workerA, 'POST', '/api/medical/requests', body);
    expect(again.json()).toMatchObject({ duplicate: true, request: { id: first.json().request.id } });
    const reused = await call(workerA, 'POST', '/api/medical/requests', { ...body, person_id: people.red2 });
    expect(reused.statusCode).toBe(409);
    expect(reused.json().error.code).toBe('idempotency_key_reused');
    // The same key from another district's worker does not reveal the request.
    const other = await call(dispatcherB, 'POST', '/api/medical/requests', body);
    expect(other.json().error?.code).toBe('idempotency_key_reused');
    expect(await count('medical_requests')).toBe(1);
    expect(await count(`audit_log WHERE action = 'medical.requested'`)).toBe(1);
    expect(await count(`events WHERE type = 'medical.requested'`)).toBe(1);

    expect(await file({ person_id: people.yellow, service: 'chronic_medicine' })).toMatchObject({
      code_colour: 'yellow',
      basis: 'control_zone',
    });
    expect(await file({ person_id: people.quarantined, service: 'chronic_medicine' })).toMatchObject({
      code_colour: 'yellow',
      basis: 'home_stay',
    });
  });

  it('routes by colour, service and the day’s capacity, and checks a hand-picked hospital by the same rules', async () => {
    const firstId = (
      (await call(workerA, 'GET', '/api/medical/requests')).json().items as {
        id: number;
        person_id: number;
      }[]
    ).find((r) => r.person_id === people.red)?.id as number;
    // A red-code patient to the yellow hospital by hand: refused, nothing written.
    const wrong = await route(firstId, { hospital_id: hospital.yellowA });
    expect(wrong.statusCode).toBe(409);
    expect(wrong.json().error.code).toBe('hospital_wrong_colour');
    const missing = await route(firstId, { hospital_id: 99_999 });
    expect(missing.json().error.code).toBe('hospital_unknown');
    expect(await count(`medical_requests WHERE status = 'requested'`)).toBe(3);

    // The nearest red hospital with dialysis: A's (same street), one place a day.
    const r1 = await route(firstId);
    expect(r1.statusCode, r1.body).toBe(200);
    expect(r1.json().request).toMatchObject({
      status: 'routed',
      hospital_id: hospital.redA,
      route_reason: {
        code: 'nearest_adequate',
        params: { hospital: hospital.redA, colour: 'red', service: 'dialysis' },
      },
    });
    // A retry of the same hand-picked route counts once.
    const r1again = await route(firstId, { hospital_id: hospital.redA });
    expect(r1again.json().already).toBe(true);
    // The second red dialysis patient: A's hospital is full for the day, B's takes them (not the green one).
    const second = await file({ person_id: people.red2 });
    expect((await route(second.id, { hospital_id: hospital.redA })).json().error.code).toBe('hospital_full');
    expect((await route(second.id)).json().request.hospital_id).toBe(hospital.redB);
    const third = await file({ person_id: people.red3 });
    expect((await route(third.id)).json().request.hospital_id).toBe(hospital.redB);
    const fourth = await file({ person_id: people.red3 });
    const none = await route(fourth.id);
    expect(none.statusCode).toBe(409);
    expect(none.json().error).toMatchObject({
      code: 'no_adequate_hospital',
      details: { reason: { code: 'no_free_capacity', params: { colour: 'red', service: 'dialysis' } } },
    });
    // No red hospital offers chronic medicine.
    const chronic = await file({ person_id: people.red3, service: 'chronic_medicine' });
    expect((await route(chronic.id)).json().error.details.reason.code).toBe('no_hospital_with_service');
    // The yellow patients go to the yellow hospital.
    const yellow = (
      (await call(workerA, 'GET', '/api/medical/requests?status=requested')).json().items as {
        id: number;
        code_colour: string;
      }[]
    ).filter((r) => r.code_colour === 'yellow');
    expect(yellow).toHaveLength(2);
    for (const y of yellow) expect((await route(y.id)).json().request.hospital_id).toBe(hospital.yellowA);
    // The day's use is what the hospitals list shows.
    const list = (await call(dispatcherA, 'GET', '/api/medical/hospitals')).json().items as {
      id: number;
      services: { service: string; used: number; free: number }[];
    }[];
    expect(
      list.find((h) => h.id === hospital.redB)?.services.find((s) => s.service === 'dialysis'),
    ).toMatchObject({ used: 2, free: 0 });
    // Raising a capacity opens a place.
    const raised = await call(dispatcherA, 'PATCH', `/api/medical/hospitals/${hospital.redA}`, {
      services: { dialysis: 2 },
    });
    expect(raised.statusCode, raised.body).toBe(200);
    expect((await route(fourth.id)).json().request.hospital_id).toBe(hospital.redA);
  });

  it('records a refusal as a task due at once on the responsibility list, which escalates; rerouting meets it', async () => {
    const id = (
      (await call(workerA, 'GET', '/api/medical/requests')).json().items as {
        id: number;
        person_id: number;
        hospital_id: number;
      }[]
    ).find((r) => r.person_id === people.red && r.hospital_id === hospital.redA)?.id as number;
    const refused = await call(dispatcherA, 'POST', `/api/medical/requests/${id}/refuse`, {
      reason: '透析机满员，拒收',
    });
    expect(refused.statusCode, refused.body).toBe(200);
    expect(refused.json()).toMatchObject({ already: false, request: { status: 'refused' } });
    const again = await call(dispatcherA, 'POST', `/api/medical/requests/${id}/refuse`, {
      reason: '重复提交',
    });
    expect(again.json().already).toBe(true);
    expect(await count('medical_refusals')).toBe(1);
    const task = await ctx.db.query<{ id: number; due_at: Date; area_code: string }>(
      `SELECT id, due_at, area_code FROM tasks WHERE kind = 'medical_refusal' AND status = 'open'`,
    );
    expect(task.rows).toHaveLength(1);
    expect(task.rows[0]?.due_at.getTime()).toBe(clock.now().getTime());
    // On the list at once, overdue a minute later, owned by the district's leader; a day later by the city's.
    clock.advance(MIN);
    const list = (await call(commander, 'GET', '/api/responsibility')).json().items as {
      kind: string;
      overdue: boolean;
      owner: { name: string } | null;
    }[];
    expect(list.find((i) => i.kind === 'medical_refusal')).toMatchObject({
      overdue: true,
      owner: { name: '区指挥长' },
    });
    const tomorrow = new Date(clock.now().getTime() + 24 * 60 * MIN);
    const later = await responsibilityList(ctx.db, { prefix: A }, tomorrow);
    expect(later.find((i) => i.kind === 'medical_refusal')).toMatchObject({
      escalated_levels: 1,
      owner: { name: '市指挥长' },
    });
    const detail = (await call(workerA, 'GET', `/api/medical/requests/${id}`)).json();
    expect(detail.refusals).toMatchObject([
      { hospital_id: hospital.redA, step: 'routed', reason: '透析机满员，拒收' },
    ]);
    // Who recorded it, by the account's name, not its user name.
    await ctx.db.query('UPDATE users SET display_name = $2 WHERE username = $1', [
      dispatcherA.username,
      '区医疗调度 赵明',
    ]);
    const named = (await call(workerA, 'GET', `/api/medical/requests/${id}`)).json();
    expect(named.refusals[0]).toMatchObject({
      refused_by: dispatcherA.username,
      refused_by_name: '区医疗调度 赵明',
    });
    const listed = (await call(dispatcherA, 'GET', '/api/medical/refusals')).json().items;
    expect(listed.find((f: { request_id: number }) => f.request_id === id)?.refused_by_name).toBe(
      '区医疗调度 赵明',
    );
    // Steps after a refusal are out of order until it is rerouted.
    expect(
      (await call(dispatcherA, 'POST', `/api/medical/requests/${id}/at-hospital`)).json().error.code,
    ).toBe('step_out_of_order');
    // Rerouted: never to the hospital that refused; every red dialysis place is taken today, then one opens at B.
    expect((await route(id, { hospital_id: hospital.redA })).json().error.code).toBe(
      'hospital_refused_before',
    );
    await call(dispatcherB, 'PATCH', `/api/medical/hospitals/${hospital.redB}`, {
      services: { dialysis: 3 },
    });
    const rerouted = await route(id);
    expect(rerouted.json().request).toMatchObject({
      status: 'routed',
      hospital_id: hospital.redB,
      reroutes: 1,
    });
    expect(await count(`tasks WHERE kind = 'medical_refusal' AND status = 'open'`)).toBe(0);
  });

  it('tracks an emergency by the minute: an ambulance, and a red item after 30 minutes without a step', async () => {
    const e = await file({
      person_id: people.red2,
      service: 'emergency',
      urgency: 'emergency',
      note: '胸痛',
    });
    const requestedAt = clock.now().getTime();
    expect((await route(e.id)).json().request.hospital_id).toBe(hospital.redA);
    const vehicles = (await call(dispatcherA, 'GET', '/api/medical/vehicles')).json().items as {
      id: number;
      kind: string;
      busy: string | null;
    }[];
    const bus = vehicles.find((v) => v.kind === 'bus' || v.kind === 'van' || v.kind === 'car');
    const ambulances = vehicles.filter((v) => v.kind === 'ambulance' && !v.busy);
    expect(bus).toBeDefined();
    expect(ambulances.length).toBeGreaterThan(0);
    const byBus = await call(dispatcherA, 'POST', `/api/medical/requests/${e.id}/vehicle`, {
      vehicle_id: bus?.id,
    });
    expect(byBus.json().error.code).toBe('ambulance_required');
    const amb = ambulances[0]?.id as number;
    clock.advance(10 * MIN);
    const assigned = await call(dispatcherA, 'POST', `/api/medical/requests/${e.id}/vehicle`, {
      vehicle_id: amb,
    });
    expect(assigned.json().request).toMatchObject({ status: 'vehicle_assigned', vehicle_id: amb });
    // The same ambulance cannot carry a second patient at once.
    const e2 = await file({ person_id: people.red3, service: 'emergency', urgency: 'emergency' });
    expect((await route(e2.id)).statusCode).toBe(200);
    const busy = await call(dispatcherA, 'POST', `/api/medical/requests/${e2.id}/vehicle`, {
      vehicle_id: amb,
    });
    expect(busy.json().error.code).toBe('vehicle_busy');

    // 29 minutes after the ambulance was assigned: moving; 30: stalled, one red item due at requested + 30 min.
    clock.advance(29 * MIN);
    expect(await checkStalledEmergencies(ctx.db, clock)).toBe(0);
    clock.advance(2 * MIN);
    expect(await checkStalledEmergencies(ctx.db, clock)).toBe(2); // e and e2: 31 minutes without a step
    expect(await checkStalledEmergencies(ctx.db, clock)).toBe(0); // idempotent
    const tasks = await ctx.db.query<{ subject_id: number; due_at: Date }>(
      `SELECT subject_id, due_at FROM tasks WHERE kind = 'medical_emergency_stalled' ORDER BY subject_id`,
    );
    expect(tasks.rows.map((r) => Number(r.subject_id)).sort()).toEqual([e.id, e2.id].sort());
    expect(tasks.rows.find((r) => Number(r.subject_id) === e.id)?.due_at.getTime()).toBe(
      requestedAt + 30 * MIN,
    );
    const panel = (await call(workerA, 'GET', '/api/medical/emergencies')).json().items as {
      id: number;
      minutes_since_requested: number;
      minutes_since_step: number;
      stalled: boolean;
    }[];
    expect(panel.find((x) => x.id === e.id)).toMatchObject({
      minutes_since_requested: 41,
      minutes_since_step: 31,
      stalled: true,
    });
    // At the hospital, treated: the item is met; a retried step counts once.
    expect((await call(dispatcherA, 'POST', `/api/medical/requests/${e.id}/treated`)).json().error.code).toBe(
      'step_out_of_order',
    );
    await call(dispatcherA, 'POST', `/api/medical/requests/${e.id}/at-hospital`);
    const treated = await call(dispatcherA, 'POST', `/api/medical/requests/${e.id}/treated`);
    expect(treated.json()).toMatchObject({ already: false, request: { status: 'treated' } });
    const retried = await call(dispatcherA, 'POST', `/api/medical/requests/${e.id}/treated`);
    expect(retried.json().already).toBe(true);
    expect(
      await count(`audit_log WHERE action = 'medical.treated' AND subject_id = $1`, [String(e.id)]),
    ).toBe(1);
    expect(
      await count(`tasks WHERE kind = 'medical_emergency_stalled' AND subject_id = $1 AND status = 'done'`, [
        e.id,
      ]),
    ).toBe(1);
    // The ambulance is free again.
    const free = await call(dispatcherA, 'POST', `/api/medical/requests/${e2.id}/vehicle`, {
      vehicle_id: amb,
    });
    expect(free.json().request.status).toBe('vehicle_assigned');
  });

  it("refuses another district's writes and reads, writing nothing", async () => {
    const items = (await call(workerA, 'GET', '/api/medical/requests')).json().items as {
      id: number;
      status: string;
      last_step_at: string;
    }[];
    const open = items.find((r) => r.status === 'routed') as { id: number; last_step_at: string };
    const before = await ctx.db.query('SELECT * FROM medical_requests ORDER BY id');
    const auditBefore = await count('audit_log');
    for (const [url, body] of [
      [`/api/medical/requests/${open.id}/route`, {}],
      [`/api/medical/requests/${open.id}/vehicle`, { vehicle_id: 1 }],
      [`/api/medical/requests/${open.id}/at-hospital`, undefined],
      [`/api/medical/requests/${open.id}/treated`, undefined],
      [`/api/medical/requests/${open.id}/refuse`, { reason: '不在本区' }],
    ] as const) {
      const res = await call(dispatcherB, 'POST', url, body);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    expect((await call(dispatcherB, 'GET', `/api/medical/requests/${open.id}`)).statusCode).toBe(404);
    expect((await call(dispatcherB, 'GET', '/api/medical/requests')).json().total).toBe(0);
    expect((await call(dispatcherB, 'GET', '/api/medical/emergencies')).json().items).toHaveLength(0);
    expect((await ctx.db.query('SELECT * FROM medical_requests ORDER BY id')).rows).toEqual(before.rows);
    expect(await count('audit_log')).toBe(auditBefore);
    // A commander of the city sees them all.
    expect((await call(commander, 'GET', '/api/medical/requests')).json().total).toBe(items.length);
  });

  it('gives the same figures to the dashboard and the daily report', async () => {
    const now = clock.now();
    const today = new Date(
      `${new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10)}T00:00:00+08:00`,
    );
    const f = await medicalFigures(ctx.db, { prefix: A }, today, new Date(today.getTime() + 86_400_000), now);
    expect(f).toEqual({
      medical_requests_today: await count('medical_requests WHERE starts_with(area_code, $1)', [A]),
      medical_met_today: 1,
      medical_refused_today: 1,
      medical_emergencies_open: 1,
      medical_emergencies_stalled: 0, // e2 moved (its ambulance) at this minute
    });
    // The dashboard (after a refresh) and the daily report of district A show the same numbers.
    await refreshDashboard(ctx.db, clock);
    const districtA = await loginAs(app, ctx.db, 'commander', A);
    const kpis = (await call(districtA, 'GET', '/api/dashboard/kpis')).json().figures as Record<
      string,
      number
    >;
    const report = (await call(districtA, 'GET', '/api/reports/daily')).json().medical as Record<
      string,
      number
    >;
    expect(report).toEqual(f);
    for (const [k, n] of Object.entries(f)) expect(kpis[k] ?? 0, k).toBe(n);
    // A stalled emergency counts in both.
    clock.advance(31 * MIN);
    await refreshDashboard(ctx.db, clock);
    // (the app's store keeps its snapshot for 2 s: read the refreshed figures where the store reads them)
    const later = (
      await ctx.db.query<{ figures: Record<string, number> }>(
        'SELECT figures FROM dashboard_figures WHERE area_code = $1',
        [A],
      )
    ).rows[0]?.figures as Record<string, number>;
    const laterReport = (await call(districtA, 'GET', '/api/reports/daily')).json().medical;
    expect(later.medical_emergencies_stalled).toBe(1);
    expect(laterReport.medical_emergencies_stalled).toBe(1);
    const md = await call(districtA, 'GET', '/api/reports/daily?format=md');
    expect(md.body).toContain('## 就医保障');
    expect(md.body).toContain('| 急诊停滞 | 1 |');
  });

  it('pages every request once in order with the total on the first page, and exports them all in words', async () => {
    // More requests than a page: copies of a request of A (routine, not yet routed) and of one of B.
    const copy = async (prefix: string, n: number, tag: string) =>
      ctx.db.query(
        `INSERT INTO medical_requests (idempotency_key, person_id, area_code, service, urgency, contact_phone, note,
                code_colour, basis, colour_reason, status, requested_by, requested_at, last_step_at)
         SELECT 'copy-' || $3 || '-' || g, person_id, area_code, service, 'routine', contact_phone, '复制, 第' || g || '条',
                code_colour, basis, colour_reason, 'requested', requested_by, requested_at, last_step_at
           FROM medical_requests, generate_series(1, $2::int) g
          WHERE id = (SELECT min(id) FROM medical_requests WHERE starts_with(area_code, $1))`,
        [prefix, n, tag],
      );
    await copy(A, 23, 'a');
    await copy(B, 4, 'b');
    const idsOf = async (where: string, params: unknown[] = []) =>
      (
        await ctx.db.query<{ id: number }>(
          `SELECT id FROM medical_requests WHERE ${where} ORDER BY id DESC`,
          params,
        )
      ).rows.map((r) => Number(r.id));
    const walk = async (s: TestSession, filter: string, limit: number) => {
      const seen: number[] = [];
      let after: number | null = null;
      let first: { total: number } | null = null;
      for (let i = 0; i < 100; i++) {
        const res = await call(
          s,
          'GET',
          `/api/medical/requests?limit=${limit}${filter}${after === null ? '' : `&after=${after}`}`,
        );
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json() as {
          items: { id: number }[];
          next_after: number | null;
          total: number | null;
        };
        if (after === null) first = { total: body.total as number };
        else expect(body.total).toBeNull();
        seen.push(...body.items.map((x) => x.id));
        if (body.next_after === null) break;
        after = body.next_after;
      }
      return { seen, total: first?.total };
    };
    const all = await walk(commander, '', 7);
    expect(all.seen).toEqual(await idsOf('true'));
    expect(all.total).toBe(all.seen.length);
    const inA = await walk(workerA, '', 5);
    expect(inA.seen).toEqual(await idsOf('starts_with(area_code, $1)', [A]));
    expect(inA.total).toBe(inA.seen.length);
    expect(inA.seen.length).toBeGreaterThan(25);
    // The same filters as before, on every page.
    const requested = await walk(workerA, '&status=requested&urgency=routine', 4);
    expect(requested.seen).toEqual(
      await idsOf(`starts_with(area_code, $1) AND status = 'requested' AND urgency = 'routine'`, [A]),
    );
    expect(requested.total).toBe(requested.seen.length);
    const open = await walk(commander, `&open=true&area=${A}`, 6);
    expect(open.seen).toEqual(await idsOf(`starts_with(area_code, $1) AND status <> 'treated'`, [A]));

    // The export: every row of the list, once, in words, masked as listed.
    const listed = new Map<number, { person_name: string; id_number: string; contact_phone: string }>();
    for (let after: number | null = null, i = 0; i < 20; i++) {
      const page = (
        await call(workerA, 'GET', `/api/medical/requests?limit=500${after ? `&after=${after}` : ''}`)
      ).json() as {
        items: { id: number; person_name: string; id_number: string; contact_phone: string }[];
        next_after: number | null;
      };
      for (const x of page.items) listed.set(x.id, x);
      if (page.next_after === null) break;
      after = page.next_after;
    }
    const csv = await call(workerA, 'GET', '/api/medical/requests/export?format=csv');
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const [header, ...lines] = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n') as [string, ...string[]];
    expect(header.split(',').slice(0, 5)).toEqual(['申请编号', '患者', '身份证号', '所在区域', '诊疗服务']);
    expect(lines.map((l) => Number(l.split(',')[0]))).toEqual(inA.seen);
    for (const line of lines) {
      const [id, name, idNumber] = line.split(',');
      const x = listed.get(Number(id));
      expect([name, idNumber]).toEqual([x?.person_name, x?.id_number]);
      expect(line).toContain(x?.contact_phone);
    }
    expect(csv.body).toContain('常规');
    expect(csv.body).toContain('红码');
    expect(csv.body).toContain('"复制, 第1条"');
    expect(csv.body).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(csv.body).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}/);
    expect(csv.body).not.toMatch(
      /\b(requested|routed|vehicle_assigned|at_hospital|treated|refused|dialysis|delivery|chemotherapy|emergency|chronic_medicine|routine|urgent|lockdown_zone|control_zone|quarantine|home_stay|red|yellow|green)\b/,
    );
    // The filters of the list hold for the export; English on asking.
    const filtered = await call(
      workerA,
      'GET',
      '/api/medical/requests/export?format=csv&status=requested&urgency=routine',
    );
    expect(
      filtered.body
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n'),
    ).toHaveLength(requested.seen.length + 1);
    const en = await call(workerA, 'GET', '/api/medical/requests/export?format=csv&lang=en');
    expect(en.body.replace(/^\uFEFF/, '').split('\r\n')[0]).toMatch(
      /^Request,Patient,ID number,Area,Service/,
    );
    expect(en.body).toContain('Routine');
    const xlsx = await call(workerA, 'GET', '/api/medical/requests/export?format=xlsx');
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
    // Another district's user exports only theirs, and never an area outside.
    const b = await call(dispatcherB, 'GET', '/api/medical/requests/export?format=csv');
    const bLines = b.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
      .slice(1);
    expect(bLines.map((l) => Number(l.split(',')[0]))).toEqual(
      await idsOf('starts_with(area_code, $1)', [B]),
    );
    const outside = await call(dispatcherB, 'GET', `/api/medical/requests/export?format=csv&area=${A}`);
    expect(outside.statusCode).toBe(403);
    expect(outside.json().error.code).toBe('out_of_jurisdiction');
    expect(
      await count(`audit_log WHERE action = 'person.exported' AND subject_type = 'medical_request'`),
    ).toBeGreaterThanOrEqual(5);
  });

  it('pages the refusals with their total and exports them whole', async () => {
    const ids = (
      await ctx.db.query<{ id: number }>(
        `SELECT f.id FROM medical_refusals f JOIN medical_requests r ON r.id = f.request_id
          WHERE starts_with(r.area_code, $1) ORDER BY f.id DESC`,
        [A],
      )
    ).rows.map((r) => Number(r.id));
    expect(ids.length).toBeGreaterThan(0);
    const first = (await call(workerA, 'GET', '/api/medical/refusals?limit=1')).json();
    expect(first.total).toBe(ids.length);
    const seen: number[] = [];
    for (let after: number | null = null, i = 0; i < 50; i++) {
      const page = (
        await call(workerA, 'GET', `/api/medical/refusals?limit=1${after ? `&after=${after}` : ''}`)
      ).json() as { items: { id: number }[]; next_after: number | null };
      seen.push(...page.items.map((x) => x.id));
      if (page.next_after === null) break;
      after = page.next_after;
    }
    expect(seen).toEqual(ids);
    for (const s of [workerA, commander]) {
      const csv = await call(s, 'GET', '/api/medical/refusals/export?format=csv');
      expect(csv.statusCode).toBe(200);
      const [header, ...lines] = csv.body
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n') as [string, ...string[]];
      expect(header.startsWith('时间,申请编号,人员编号')).toBe(true);
      if (s === workerA) expect(lines).toHaveLength(ids.length);
      expect(csv.body).not.toMatch(/\b(routed|vehicle_assigned|at_hospital)\b/);
      expect(csv.body).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}/);
    }
    const b = await call(dispatcherB, 'GET', '/api/medical/refusals/export?format=csv');
    const bCount = (
      await ctx.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM medical_refusals f JOIN medical_requests r ON r.id = f.request_id
          WHERE starts_with(r.area_code, $1)`,
        [B],
      )
    ).rows[0]?.n;
    expect(
      b.body
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n'),
    ).toHaveLength(Number(bCount) + 1);
  });

  it('keeps an intact audit chain with every write and read of people', async () => {
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
    const actions = (
      await ctx.db.query<{ action: string }>(
        `SELECT DISTINCT action FROM audit_log WHERE subject_type IN ('medical_request', 'hospital') ORDER BY 1`,
      )
    ).rows.map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'medical.hospital_created',
        'medical.hospital_changed',
        'medical.requested',
        'medical.routed',
        'medical.refused',
        'medical.vehicle_assigned',
        'medical.at_hospital',
        'medical.treated',
        'person.list',
        'person.read',
      ]),
    );
  });
});

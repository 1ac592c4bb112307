/**
 * Supplies (保供) through the API on both backends: every bad input with its code and nothing written (a request from
 * outside any zone, a delivery to a compound without a request), door or gate by zone, urgency and due times,
 * idempotent retries of requests, receipts, deliveries and steps, the planner's proposals, stock that never goes
 * below zero, each step recorded once (a repeat names the first record) and in order, late requests as tasks on the
 * supply leader's responsibility list that escalate and are met when handed, another district's writes refused,
 * the figures of the dashboard, the daily report and the page agreeing, and the audit chain.
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
import { checkLateSupplies, supplyFigures } from './figures.ts';

const START = '2022-03-14T02:00:00Z'; // 10:00 in Beijing
const clock = new ManualClock(START);
const MIN = 60_000;
const HOUR = 60 * MIN;

describeBackends('supplies', (ctx) => {
  let app: FastifyInstance;
  let A = '';
  let B = '';
  let lockdownStreet = '';
  let controlStreet = '';
  let freeStreet = '';
  let lockdownCompound = ''; // a community of the lockdown street with people
  let freeCompound = ''; // a community in no zone
  let compoundB = ''; // a community of another district (in a lockdown zone)
  let dispatcherA: TestSession;
  let dispatcherB: TestSession;
  let workerA: TestSession;
  let commander: TestSession;
  let viewer: TestSession;
  const people = { red: 0, red2: 0, red3: 0, yellow: 0, free: 0, inB: 0 };
  const depot = { A: 0, city: 0, support: 0, B: 0 };
  let keys = 0;
  const key = (p = 'sup') => `${p}-key-${++keys}`;
  const call = (s: TestSession, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: s.headers, payload: payload as never });
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await ctx.db.query<{ n: number }>(`SELECT count(*) AS n FROM ${sql}`, params)).rows[0]?.n);
  const stock = async (depotId: number, category: string) =>
    Number(
      (
        await ctx.db.query<{ q: number }>(
          'SELECT quantity AS q FROM supply_stock WHERE depot_id = $1 AND category = $2',
          [depotId, category],
        )
      ).rows[0]?.q,
    );
  const ask = (over: Record<string, unknown> = {}) => ({
    key: key(),
    person_id: people.red,
    items: [{ category: 'groceries', quantity: 2, detail: '蔬菜包' }],
    ...over,
  });
  const file = async (over: Record<string, unknown> = {}, s = workerA) => {
    const res = await call(s, 'POST', '/api/supplies/requests', ask(over));
    expect(res.statusCode, res.body).toBe(200);
    return res.json().request as {
      id: number;
      status: string;
      deliver_to: string;
      urgency: string;
      due_at: string;
      area_code: string;
    };
  };

  beforeAll(async () => {
    clock.set(START);
    await seedCity(ctx.db, { city: '2202', people: 2000, seed: 7, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    // The community with the most people (its street in lockdown), two other streets of its district.
    const top = await ctx.db.query<{ c: string; n: number }>(
      `SELECT left(area_code, 12) AS c, count(*)::int AS n FROM persons GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`,
    );
    lockdownCompound = top.rows[0]?.c as string;
    expect(top.rows[0]?.n).toBeGreaterThanOrEqual(2);
    lockdownStreet = lockdownCompound.slice(0, 9);
    const streets = await ctx.db.query<{ g: string }>(
      `SELECT left(area_code, 9) AS g FROM persons WHERE left(area_code, 6) = $1 AND left(area_code, 9) <> $2
        GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2`,
      [lockdownCompound.slice(0, 6), lockdownStreet],
    );
    [controlStreet, freeStreet] = streets.rows.map((r) => r.g) as [string, string];
    A = lockdownStreet.slice(0, 6);
    B = (
      await ctx.db.query<{ d: string }>(
        'SELECT left(area_code, 6) AS d FROM persons WHERE left(area_code, 6) <> $1 ORDER BY 1 LIMIT 1',
        [A],
      )
    ).rows[0]?.d as string;
    await ctx.db.transaction(async (tx) => {
      await setZone(tx, clock, { areaCode: lockdownStreet, level: 'lockdown', reason: 't', by: 't' }, '');
      await setZone(tx, clock, { areaCode: controlStreet, level: 'control', reason: 't', by: 't' }, '');
      await setZone(tx, clock, { areaCode: B, level: 'lockdown', reason: 't', by: 't' }, '');
    });
    const compoundOf = async (prefix: string) =>
      (
        await ctx.db.query<{ c: string }>(
          'SELECT left(area_code, 12) AS c FROM persons WHERE starts_with(area_code, $1) ORDER BY 1 LIMIT 1',
          [prefix],
        )
      ).rows[0]?.c as string;
    freeCompound = await compoundOf(freeStreet);
    compoundB = await compoundOf(B);
    const inArea = async (prefix: string, n: number) =>
      (
        await ctx.db.query<{ id: number }>(
          'SELECT id FROM persons WHERE starts_with(area_code, $1) ORDER BY id LIMIT $2',
          [prefix, n],
        )
      ).rows.map((r) => r.id);
    [people.red, people.red2] = (await inArea(lockdownCompound, 2)) as [number, number];
    // A third resident of the compound: someone of the street moved into the first one's household.
    [people.red3] = (
      await ctx.db.query<{ id: number }>(
        'SELECT id FROM persons WHERE starts_with(area_code, $1) AND NOT starts_with(area_code, $2) ORDER BY id LIMIT 1',
        [lockdownStreet, lockdownCompound],
      )
    ).rows.map((r) => r.id) as [number];
    await ctx.db.query(
      `UPDATE persons p SET household_id = r.household_id, area_code = r.area_code FROM persons r
        WHERE p.id = $1 AND r.id = $2`,
      [people.red3, people.red],
    );
    [people.yellow] = (await inArea(controlStreet, 1)) as [number];
    [people.free] = (await inArea(freeStreet, 1)) as [number];
    [people.inB] = (await inArea(B, 1)) as [number];
    dispatcherA = await loginAs(app, ctx.db, 'dispatcher', A);
    dispatcherB = await loginAs(app, ctx.db, 'dispatcher', B);
    workerA = await loginAs(app, ctx.db, 'community_worker', A);
    commander = await loginAs(app, ctx.db, 'commander', '2202');
    viewer = await loginAs(app, ctx.db, 'viewer', '2202');
    await ctx.db.transaction(async (tx) => {
      await setLeader(tx, clock, { name: '市指挥长', title: '', areaCode: '2202', function: 'all' });
      await setLeader(tx, clock, { name: '区保供组长', title: '', areaCode: A, function: 'supply' });
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it('sets up depots in the jurisdiction, a support shipment with its arrival, and receives stock once per key', async () => {
    const make = async (s: TestSession, body: Record<string, unknown>) => {
      const res = await call(s, 'POST', '/api/supplies/depots', body);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().id as number;
    };
    depot.A = await make(dispatcherA, {
      name: '甲区保供仓',
      area_code: A,
      stock: { groceries: 5, medicine: 2, infant: 1 },
    });
    depot.city = await make(commander, { name: '市级保供仓', area_code: '2202', stock: { elderly: 3 } });
    depot.support = await make(commander, {
      name: '外地支援蔬菜',
      area_code: '2202',
      source: 'support',
      origin: '寿光市',
      arrives_at: new Date(clock.now().getTime() + 48 * HOUR).toISOString(),
      stock: { groceries: 100 },
    });
    depot.B = await make(dispatcherB, { name: '乙区保供仓', area_code: B, stock: { groceries: 50 } });
    const refused: [TestSession, string, Record<string, unknown>, number, string][] = [
      [dispatcherA, '/api/supplies/depots', { name: 'x', area_code: B }, 403, 'out_of_jurisdiction'],
      [dispatcherA, '/api/supplies/depots', { name: '甲区保供仓', area_code: A }, 409, 'depot_exists'],
      [dispatcherA, '/api/supplies/depots', { name: 'y', area_code: `${A}999` }, 400, 'area_unknown'],
      [
        dispatcherA,
        '/api/supplies/depots',
        { name: 'z', area_code: A, source: 'support' },
        400,
        'support_origin_required',
      ],
      [
        dispatcherA,
        '/api/supplies/depots',
        { name: 'w', area_code: A, stock: { bread: 1 } },
        400,
        'validation_failed',
      ],
      [workerA, '/api/supplies/depots', { name: 'v', area_code: A }, 403, 'forbidden'],
      [
        dispatcherA,
        `/api/supplies/depots/${depot.B}/receipts`,
        { key: key(), items: [{ category: 'groceries', quantity: 1 }] },
        404,
        'depot_unknown',
      ],
    ];
    for (const [s, url, body, status, code] of refused) {
      const res = await call(s, 'POST', url, body);
      expect(res.statusCode, `${url} ${JSON.stringify(body)}: ${res.body}`).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
    expect(await count('supply_depots')).toBe(4);
    const receipt = {
      key: key('receipt'),
      items: [{ category: 'groceries', quantity: 3 }],
      note: '超市调拨',
    };
    const r1 = await call(dispatcherA, 'POST', `/api/supplies/depots/${depot.A}/receipts`, receipt);
    expect(r1.json(), r1.body).toMatchObject({ duplicate: false });
    const r2 = await call(dispatcherA, 'POST', `/api/supplies/depots/${depot.A}/receipts`, receipt);
    expect(r2.json()).toMatchObject({ duplicate: true });
    const r3 = await call(dispatcherA, 'POST', `/api/supplies/depots/${depot.A}/receipts`, {
      ...receipt,
      items: [{ category: 'groceries', quantity: 4 }],
    });
    expect(r3.json().error.code).toBe('idempotency_key_reused');
    expect(await stock(depot.A, 'groceries')).toBe(8);
    expect(await count(`audit_log WHERE action = 'supplies.stock_received'`)).toBe(1);
    // District A sees its depot and the city's (which serve it), not B's.
    const list = (await call(workerA, 'GET', '/api/supplies/depots')).json().items as {
      id: number;
      usable: boolean;
    }[];
    expect(list.map((d) => d.id).sort()).toEqual([depot.A, depot.city, depot.support].sort());
    expect(list.find((d) => d.id === depot.support)?.usable).toBe(false);
  });

  it('refuses bad requests with precise codes and writes nothing', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ person_id: people.free }, 409, 'not_in_zone'],
      [{ person_id: undefined, area_code: freeStreet.slice(0, 9) }, 400, 'area_not_compound'],
      [{ person_id: undefined, area_code: freeCompound }, 409, 'not_in_zone'],
      [{ person_id: 99_999_999 }, 404, 'person_unknown'],
      [{ person_id: people.inB }, 404, 'person_unknown'], // another district's resident: as unknown
      [{ person_id: undefined, area_code: compoundB }, 404, 'area_unknown'],
      [{ person_id: undefined }, 400, 'requester_required'],
      [{ area_code: lockdownCompound }, 400, 'requester_required'],
      [
        {
          items: [
            { category: 'groceries', quantity: 1 },
            { category: 'groceries', quantity: 2 },
          ],
        },
        400,
        'category_repeated',
      ],
      [{ items: [] }, 400, 'validation_failed'],
      [{ items: [{ category: 'bread', quantity: 1 }] }, 400, 'validation_failed'],
      [{ items: [{ category: 'groceries', quantity: 0 }] }, 400, 'validation_failed'],
      [{ urgency: 'whenever' }, 400, 'validation_failed'],
      [{ key: 'short' }, 400, 'validation_failed'],
    ];
    for (const [change, status, code] of cases) {
      const res = await call(workerA, 'POST', '/api/supplies/requests', ask(change));
      expect(res.statusCode, `${JSON.stringify(change)}: ${res.body}`).toBe(status);
      expect(res.json().error.code, JSON.stringify(change)).toBe(code);
    }
    expect((await call(viewer, 'POST', '/api/supplies/requests', ask())).statusCode).toBe(403);
    expect(await count('supply_requests')).toBe(0);
    expect(await count('supply_request_items')).toBe(0);
    expect(await count(`events WHERE type LIKE 'supplies.requested'`)).toBe(0);
    expect(await count(`audit_log WHERE action = 'supplies.requested'`)).toBe(0);
  });

  it('decides door or gate by zone, urgency by content, and counts a retried request once', async () => {
    const body = ask();
    const first = await call(workerA, 'POST', '/api/supplies/requests', body);
    expect(first.statusCode, first.body).toBe(200);
    const f = first.json().request;
    expect(first.json()).toMatchObject({
      duplicate: false,
      request: {
        zone_level: 'lockdown',
        deliver_to: 'door',
        urgency: 'normal',
        status: 'open',
        requester: 'household',
      },
    });
    expect(new Date(f.due_at).getTime() - clock.now().getTime()).toBe(24 * HOUR);
    expect(f.person_name).toMatch(/\*/); // masked
    const again = await call(workerA, 'POST', '/api/supplies/requests', body);
    expect(again.json()).toMatchObject({ duplicate: true, request: { id: f.id } });
    const reused = await call(workerA, 'POST', '/api/supplies/requests', { ...body, person_id: people.red2 });
    expect(reused.json().error.code).toBe('idempotency_key_reused');
    const reusedItems = await call(workerA, 'POST', '/api/supplies/requests', {
      ...body,
      items: [{ category: 'groceries', quantity: 3 }],
    });
    expect(reusedItems.json().error.code).toBe('idempotency_key_reused');
    const other = await call(dispatcherB, 'POST', '/api/supplies/requests', body);
    expect(other.json().error?.code).toBe('idempotency_key_reused');
    expect(await count('supply_requests')).toBe(1);
    expect(await count(`audit_log WHERE action = 'supplies.requested'`)).toBe(1);
    expect(await count(`events WHERE type = 'supplies.requested'`)).toBe(1);

    // Medicine is urgent whatever was asked: due in 4 hours.
    const med = await file({
      person_id: people.red2,
      items: [{ category: 'medicine', quantity: 1, detail: '降压药' }],
    });
    expect(med).toMatchObject({ urgency: 'urgent', deliver_to: 'door' });
    expect(new Date(med.due_at).getTime() - clock.now().getTime()).toBe(4 * HOUR);
    // A control zone household: at the gate.
    expect(await file({ person_id: people.yellow })).toMatchObject({ deliver_to: 'gate', urgency: 'normal' });
    // A compound's request from its community: at the gate.
    const community = await file({
      person_id: undefined,
      area_code: lockdownCompound,
      items: [{ category: 'elderly', quantity: 2, detail: '成人纸尿裤' }],
    });
    expect(community).toMatchObject({ deliver_to: 'gate', area_code: lockdownCompound });
  });

  it('proposes deliveries by urgency then age from the nearest depot, and shows the shortfall', async () => {
    // An infant request bigger than the district's stock: short by 2, the planner leaves it unmet.
    const infant = await file({
      person_id: people.red3,
      items: [{ category: 'infant', quantity: 3, detail: '奶粉、纸尿裤' }],
    });
    const plan = (await call(dispatcherA, 'GET', '/api/supplies/plan')).json() as {
      deliveries: { depot_id: number; area_code: string; request_ids: number[] }[];
      unmet: { id: number; short: Record<string, number> }[];
    };
    expect(plan.unmet).toEqual([{ id: infant.id, area_code: expect.any(String), short: { infant: 2 } }]);
    const toCompound = plan.deliveries.filter((d) => d.area_code === lockdownCompound);
    // The district's depot takes the groceries and the medicine (urgent first), the city's the elderly items.
    expect(toCompound.find((d) => d.depot_id === depot.A)?.request_ids).toHaveLength(2);
    expect(toCompound.find((d) => d.depot_id === depot.city)?.request_ids).toHaveLength(1);
    const summary = (await call(workerA, 'GET', '/api/supplies/summary')).json();
    expect(summary.figures.supply_shortfall).toBe(2);
    expect(summary.shortfalls).toEqual([
      expect.objectContaining({
        community: infant.area_code.slice(0, 12),
        category: 'infant',
        short: 2,
        requests: 1,
      }),
    ]);
    // Stock received: the shortfall closes.
    await call(dispatcherA, 'POST', `/api/supplies/depots/${depot.A}/receipts`, {
      key: key('receipt'),
      items: [{ category: 'infant', quantity: 2 }],
    });
    expect((await call(workerA, 'GET', '/api/supplies/summary')).json().figures.supply_shortfall).toBe(0);
  });

  let delivery = 0;
  it('confirms a delivery only to a compound with open requests and only from stock it has', async () => {
    const before = await count('supply_deliveries');
    const bad: [TestSession, Record<string, unknown>, number, string][] = [
      [dispatcherA, { depot_id: depot.A, area_code: freeCompound }, 409, 'no_open_request'],
      [
        dispatcherA,
        { depot_id: depot.A, area_code: lockdownCompound, request_ids: [99_999] },
        409,
        'no_open_request',
      ],
      [dispatcherA, { depot_id: depot.B, area_code: lockdownCompound }, 409, 'depot_out_of_reach'],
      [dispatcherA, { depot_id: depot.support, area_code: lockdownCompound }, 409, 'depot_not_usable'],
      [dispatcherA, { depot_id: 99_999, area_code: lockdownCompound }, 404, 'depot_unknown'],
      [dispatcherA, { depot_id: depot.A, area_code: lockdownStreet }, 400, 'area_not_compound'],
      [dispatcherB, { depot_id: depot.B, area_code: lockdownCompound }, 403, 'out_of_jurisdiction'],
      [workerA, { depot_id: depot.A, area_code: lockdownCompound }, 403, 'forbidden'],
    ];
    for (const [s, body, status, code] of bad) {
      const res = await call(s, 'POST', '/api/supplies/deliveries', { key: key('delivery'), ...body });
      expect(res.statusCode, `${JSON.stringify(body)}: ${res.body}`).toBe(status);
      expect(res.json().error.code, JSON.stringify(body)).toBe(code);
    }
    // The community's elderly request, named, from the district depot that has none of it: short.
    const elderly = (
      await ctx.db.query<{ id: number }>(`SELECT id FROM supply_requests WHERE requester = 'community'`)
    ).rows[0]?.id as number;
    const short = await call(dispatcherA, 'POST', '/api/supplies/deliveries', {
      key: key('delivery'),
      depot_id: depot.A,
      area_code: lockdownCompound,
      request_ids: [elderly],
    });
    expect(short.json().error).toMatchObject({
      code: 'stock_short',
      details: { short: [{ category: 'elderly', needed: 2, available: 0 }] },
    });
    expect(await count('supply_deliveries')).toBe(before);
    expect(await count(`supply_requests WHERE status <> 'open'`)).toBe(0);

    // Without names: every open request of the compound the depot covers (not the elderly one).
    const body = { key: key('delivery'), depot_id: depot.A, area_code: lockdownCompound };
    const ok = await call(dispatcherA, 'POST', '/api/supplies/deliveries', body);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ duplicate: false, status: 'planned' });
    expect(ok.json().request_ids).toHaveLength(3); // groceries, medicine, infant
    delivery = ok.json().delivery_id;
    const again = await call(dispatcherA, 'POST', '/api/supplies/deliveries', body);
    expect(again.json()).toMatchObject({ duplicate: true, delivery_id: delivery });
    // Held by the planned delivery: the city depot takes the elderly request, nothing else is left to plan here.
    const plan = (await call(dispatcherA, 'GET', '/api/supplies/plan')).json();
    expect(plan.deliveries.filter((d: { area_code: string }) => d.area_code === lockdownCompound)).toEqual([
      expect.objectContaining({ depot_id: depot.city, request_ids: [elderly] }),
    ]);
    const depots = (await call(dispatcherA, 'GET', '/api/supplies/depots')).json().items as {
      id: number;
      stock: { category: string; quantity: number; held: number; available: number }[];
    }[];
    expect(depots.find((d) => d.id === depot.A)?.stock.find((s) => s.category === 'infant')).toEqual({
      category: 'infant',
      quantity: 3,
      held: 3,
      available: 0,
    });
    expect(await count(`audit_log WHERE action = 'supplies.delivery_planned'`)).toBe(1);
  });

  it('records each step once and in order; the stock moves on dispatch and never goes below zero', async () => {
    const step = (path: string, body: Record<string, unknown> = {}, s = dispatcherA) =>
      call(s, 'POST', `/api/supplies/deliveries/${delivery}/${path}`, body);
    const [first] = (
      await ctx.db.query<{ id: number }>(
        'SELECT id FROM supply_requests WHERE delivery_id = $1 ORDER BY id',
        [delivery],
      )
    ).rows.map((r) => r.id) as [number];
    const hand = (id: number, body: Record<string, unknown> = {}) =>
      call(workerA, 'POST', `/api/supplies/requests/${id}/handed`, {
        worker: '王志愿',
        worker_kind: 'volunteer',
        ...body,
      });
    expect((await step('at-gate')).json().error.code).toBe('step_out_of_order');
    expect((await hand(first)).json().error.code).toBe('step_out_of_order');
    const groceriesBefore = await stock(depot.A, 'groceries');
    const k = key('step');
    clock.advance(10 * MIN);
    const dispatched = await step('dispatched', { key: k, worker: '司机李师傅' });
    expect(dispatched.json(), dispatched.body).toMatchObject({ already: false, status: 'dispatched' });
    expect(await stock(depot.A, 'groceries')).toBe(groceriesBefore - 2);
    expect(await stock(depot.A, 'infant')).toBe(0);
    // The same key: the first answer again; another key: 409 naming the first record; stock moved once.
    expect((await step('dispatched', { key: k, worker: '司机李师傅' })).json()).toMatchObject({
      already: true,
    });
    const repeat = await step('dispatched', { key: key('step') });
    expect(repeat.statusCode).toBe(409);
    expect(repeat.json().error).toMatchObject({
      code: 'step_already_recorded',
      details: { step: 'dispatched', worker: '司机李师傅', recorded_at: clock.now().toISOString() },
    });
    expect(await stock(depot.A, 'groceries')).toBe(groceriesBefore - 2);
    expect(await count(`supply_stock_moves WHERE kind = 'dispatch'`)).toBe(3);
    expect(await count(`audit_log WHERE action = 'supplies.dispatched'`)).toBe(1);
    clock.advance(20 * MIN);
    expect((await step('at-gate', { worker: '司机李师傅' })).json()).toMatchObject({ status: 'at_gate' });
    const handed = await hand(first, { key: 'hand-key-1' });
    expect(handed.json(), handed.body).toMatchObject({
      already: false,
      request: { status: 'handed', handed_worker: '王志愿', handed_worker_kind: 'volunteer' },
    });
    expect((await hand(first, { key: 'hand-key-1' })).json()).toMatchObject({ already: true });
    const twice = await hand(first, { worker: '另一人' });
    expect(twice.json().error).toMatchObject({
      code: 'step_already_recorded',
      details: { worker: '王志愿' },
    });
    expect(await count(`audit_log WHERE action = 'supplies.handed'`)).toBe(1);
    const deliveries = (await call(workerA, 'GET', '/api/supplies/deliveries')).json().items as {
      id: number;
      status: string;
      requests: number;
      handed: number;
    }[];
    expect(deliveries.find((d) => d.id === delivery)).toMatchObject({
      status: 'at_gate',
      requests: 3,
      handed: 1,
    });

    // Stock never below zero: a planned delivery whose depot lost its stock meanwhile cannot be dispatched.
    const cityDelivery = await call(dispatcherA, 'POST', '/api/supplies/deliveries', {
      key: key('delivery'),
      depot_id: depot.city,
      area_code: lockdownCompound,
    });
    expect(cityDelivery.statusCode, cityDelivery.body).toBe(200);
    await ctx.db.query(`UPDATE supply_stock SET quantity = 1 WHERE depot_id = $1 AND category = 'elderly'`, [
      depot.city,
    ]);
    const moves = await count('supply_stock_moves');
    const noStock = await call(
      commander,
      'POST',
      `/api/supplies/deliveries/${cityDelivery.json().delivery_id}/dispatched`,
      {},
    );
    expect(noStock.json().error.code).toBe('stock_short');
    expect(await stock(depot.city, 'elderly')).toBe(1);
    expect(await count('supply_stock_moves')).toBe(moves);
    expect(await count(`supply_deliveries WHERE status = 'dispatched'`)).toBe(0);
    await ctx.db.query(`UPDATE supply_stock SET quantity = 3 WHERE depot_id = $1 AND category = 'elderly'`, [
      depot.city,
    ]);
  });

  it('turns a late request into a task on the supply leader’s list, which escalates; handing it meets it', async () => {
    // The medicine request (urgent, due 4 h after it was asked) is at the gate, not handed: late after 4 h.
    const med = (
      await ctx.db.query<{ id: number; due_at: Date }>(
        `SELECT r.id, r.due_at FROM supply_requests r JOIN supply_request_items i ON i.request_id = r.id
          WHERE i.category = 'medicine'`,
      )
    ).rows[0] as { id: number; due_at: Date };
    clock.set(new Date(med.due_at.getTime() - MIN));
    expect(await checkLateSupplies(ctx.db, clock)).toBe(0);
    clock.advance(2 * MIN);
    expect(await checkLateSupplies(ctx.db, clock)).toBe(2); // the medicine and the infant request (both urgent)
    expect(await checkLateSupplies(ctx.db, clock)).toBe(0); // idempotent
    const tasks = await ctx.db.query<{ subject_id: number; due_at: Date; area_code: string }>(
      `SELECT subject_id, due_at, area_code FROM tasks WHERE kind = 'supply_late' AND subject_id = $1`,
      [med.id],
    );
    expect(tasks.rows[0]?.due_at.getTime()).toBe(med.due_at.getTime());
    const list = (await call(commander, 'GET', '/api/responsibility')).json().items as {
      kind: string;
      subject: { id: number };
      overdue: boolean;
      owner: { name: string } | null;
    }[];
    expect(list.find((i) => i.kind === 'supply_late' && i.subject.id === med.id)).toMatchObject({
      overdue: true,
      owner: { name: '区保供组长' },
    });
    const tomorrow = new Date(clock.now().getTime() + 24 * HOUR);
    const later = await responsibilityList(ctx.db, { prefix: A }, tomorrow);
    expect(later.find((i) => i.kind === 'supply_late' && i.subject.id === med.id)).toMatchObject({
      escalated_levels: 1,
      owner: { name: '市指挥长' },
    });
    const late = (await call(workerA, 'GET', '/api/supplies/requests?late=true')).json();
    expect(late.items.map((r: { id: number }) => r.id)).toContain(med.id);
    const handed = await call(workerA, 'POST', `/api/supplies/requests/${med.id}/handed`, {
      worker: '社区张书记',
      worker_kind: 'community_worker',
    });
    expect(handed.json().request.status).toBe('handed');
    expect(
      await count(`tasks WHERE kind = 'supply_late' AND subject_id = $1 AND status = 'done'`, [med.id]),
    ).toBe(1);
  });

  it("refuses another district's writes and reads, writing nothing", async () => {
    const open = (
      await ctx.db.query<{ id: number }>(
        `SELECT id FROM supply_requests WHERE status = 'at_gate' ORDER BY id LIMIT 1`,
      )
    ).rows[0]?.id as number;
    const before = await ctx.db.query('SELECT * FROM supply_requests ORDER BY id');
    const stockBefore = await ctx.db.query('SELECT * FROM supply_stock ORDER BY depot_id, category');
    const auditBefore = await count('audit_log');
    for (const [url, body, code] of [
      [`/api/supplies/requests/${open}/handed`, { worker: 'x', worker_kind: 'volunteer' }, 'not_found'],
      [`/api/supplies/deliveries/${delivery}/dispatched`, {}, 'not_found'],
      [`/api/supplies/deliveries/${delivery}/at-gate`, {}, 'not_found'],
      [
        `/api/supplies/depots/${depot.A}/receipts`,
        { key: key(), items: [{ category: 'other', quantity: 1 }] },
        'depot_unknown',
      ],
    ] as const) {
      const res = await call(dispatcherB, 'POST', url, body);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe(code);
    }
    expect((await call(dispatcherB, 'GET', `/api/supplies/requests/${open}`)).statusCode).toBe(404);
    expect((await call(dispatcherB, 'GET', '/api/supplies/requests')).json().total).toBe(0);
    expect((await call(dispatcherB, 'GET', '/api/supplies/deliveries')).json().items).toHaveLength(0);
    expect((await ctx.db.query('SELECT * FROM supply_requests ORDER BY id')).rows).toEqual(before.rows);
    expect((await ctx.db.query('SELECT * FROM supply_stock ORDER BY depot_id, category')).rows).toEqual(
      stockBefore.rows,
    );
    expect(await count('audit_log')).toBe(auditBefore);
    expect((await call(commander, 'GET', '/api/supplies/requests')).json().total).toBe(5);
  });

  it('gives the same figures to the dashboard, the daily report and the page', async () => {
    const now = clock.now();
    const today = new Date(`${new Date(now.getTime() + 8 * HOUR).toISOString().slice(0, 10)}T00:00:00+08:00`);
    const f = await supplyFigures(ctx.db, { prefix: A }, today, new Date(today.getTime() + 24 * HOUR), now);
    expect(f).toEqual({
      supply_requests_today: 5,
      supply_handed_today: 2,
      supply_late: 1, // the infant request, at the gate past its 4 hours
      supply_shortfall: 0,
    });
    await refreshDashboard(ctx.db, clock);
    const districtA = await loginAs(app, ctx.db, 'commander', A);
    const kpis = (await call(districtA, 'GET', '/api/dashboard/kpis')).json().figures as Record<
      string,
      number
    >;
    const report = (await call(districtA, 'GET', '/api/reports/daily')).json().supplies as Record<
      string,
      number
    >;
    const page = (await call(districtA, 'GET', '/api/supplies/summary')).json().figures as Record<
      string,
      number
    >;
    expect(report).toEqual(f);
    expect(page).toEqual(f);
    for (const [k, n] of Object.entries(f)) expect(kpis[k] ?? 0, k).toBe(n);
    const md = await call(districtA, 'GET', '/api/reports/daily?format=md');
    expect(md.body).toContain('## 生活物资保供');
    expect(md.body).toContain('| 保供逾期 | 1 |');
    expect(md.body).toContain('| 当日保供已送达 | 2 |');
  });

  it('keeps an intact audit chain with every write and read of people', async () => {
    const one = (await call(workerA, 'GET', '/api/supplies/requests?limit=1')).json().items[0] as {
      id: number;
    };
    expect((await call(workerA, 'GET', `/api/supplies/requests/${one.id}`)).statusCode).toBe(200);
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
    const actions = (
      await ctx.db.query<{ action: string }>(
        `SELECT DISTINCT action FROM audit_log WHERE subject_type LIKE 'supply_%' ORDER BY 1`,
      )
    ).rows.map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'supplies.depot_created',
        'supplies.stock_received',
        'supplies.requested',
        'supplies.delivery_planned',
        'supplies.dispatched',
        'supplies.at_gate',
        'supplies.handed',
        'person.list',
        'person.read',
      ]),
    );
  });

  it('takes the last packs once when two dispatches race, and counts a request submitted twice at once once', async () => {
    const before = await count('supply_requests');
    const body = ask({ person_id: people.red2, items: [{ category: 'groceries', quantity: 1 }] });
    const twice = await Promise.all([
      call(workerA, 'POST', '/api/supplies/requests', body),
      call(workerA, 'POST', '/api/supplies/requests', body),
    ]);
    expect(twice.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(twice.map((r) => r.json().duplicate).sort()).toEqual([false, true]);
    expect(await count('supply_requests')).toBe(before + 1);
    const other = await file({ person_id: people.red3, items: [{ category: 'groceries', quantity: 1 }] });
    const deliveries: number[] = [];
    for (const id of [twice[0]?.json().request.id as number, other.id]) {
      const res = await call(dispatcherA, 'POST', '/api/supplies/deliveries', {
        key: key('delivery'),
        depot_id: depot.A,
        area_code: lockdownCompound,
        request_ids: [id],
      });
      expect(res.statusCode, res.body).toBe(200);
      deliveries.push(res.json().delivery_id);
    }
    // Meanwhile the depot lost all but one pack of groceries: only one of the two can leave.
    await ctx.db.query(
      `UPDATE supply_stock SET quantity = 1 WHERE depot_id = $1 AND category = 'groceries'`,
      [depot.A],
    );
    const raced = await Promise.all(
      deliveries.map((id) =>
        call(dispatcherA, 'POST', `/api/supplies/deliveries/${id}/dispatched`, { key: key('step') }),
      ),
    );
    expect(raced.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(raced.find((r) => r.statusCode === 409)?.json().error.code).toBe('stock_short');
    expect(await stock(depot.A, 'groceries')).toBe(0);
    expect(
      await count(`supply_deliveries WHERE id = ANY($1::int8[]) AND status = 'dispatched'`, [deliveries]),
    ).toBe(1);
  });

  it('pages every request and delivery once in order with the total on the first page, and exports them all in words', async () => {
    // More requests than a page, of households and of the compound, in A; two in B.
    for (let i = 0; i < 9; i++)
      await file({
        person_id: i % 3 === 2 ? undefined : i % 2 ? people.red : people.red2,
        area_code: i % 3 === 2 ? lockdownCompound : undefined,
        items: [
          { category: 'groceries', quantity: 1 + i, detail: '米, 面' },
          ...(i % 4 === 0 ? [{ category: 'medicine', quantity: 1, detail: '降压药' }] : []),
        ],
      });
    for (let i = 0; i < 2; i++) await file({ person_id: people.inB }, dispatcherB);
    const idsOf = async (where: string, params: unknown[] = []) =>
      (
        await ctx.db.query<{ id: number }>(
          `SELECT r.id FROM supply_requests r WHERE ${where} ORDER BY r.id DESC`,
          params,
        )
      ).rows.map((r) => Number(r.id));
    const walk = async (s: TestSession, path: string, limit: number) => {
      const seen: number[] = [];
      let after: number | null = null;
      let total: number | null = null;
      for (let i = 0; i < 100; i++) {
        const sep = path.includes('?') ? '&' : '?';
        const res = await call(
          s,
          'GET',
          `${path}${sep}limit=${limit}${after === null ? '' : `&after=${after}`}`,
        );
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json() as {
          items: { id: number }[];
          next_after: number | null;
          total: number | null;
        };
        if (after === null) total = body.total;
        else expect(body.total).toBeNull();
        seen.push(...body.items.map((x) => x.id));
        if (body.next_after === null) break;
        after = body.next_after;
      }
      return { seen, total };
    };
    const all = await walk(commander, '/api/supplies/requests', 4);
    expect(all.seen).toEqual(await idsOf('true'));
    expect(all.total).toBe(all.seen.length);
    const inA = await walk(workerA, '/api/supplies/requests', 3);
    expect(inA.seen).toEqual(await idsOf('starts_with(r.area_code, $1)', [A]));
    expect(inA.total).toBe(inA.seen.length);
    expect(inA.seen.length).toBeGreaterThan(12);
    const open = await walk(workerA, '/api/supplies/requests?status=open', 2);
    expect(open.seen).toEqual(await idsOf(`starts_with(r.area_code, $1) AND r.status = 'open'`, [A]));
    expect(open.total).toBe(open.seen.length);
    const notHanded = await walk(commander, `/api/supplies/requests?open=true&area=${A}`, 5);
    expect(notHanded.seen).toEqual(await idsOf(`starts_with(r.area_code, $1) AND r.status <> 'handed'`, [A]));
    const late = await walk(workerA, '/api/supplies/requests?late=true', 2);
    expect(late.seen).toEqual(
      await idsOf(`starts_with(r.area_code, $1) AND r.status <> 'handed' AND r.due_at <= $2`, [
        A,
        clock.now(),
      ]),
    );

    // The export: every row of the list, once, in words, names masked as listed.
    const listed = new Map<number, { person_name: string | null }>();
    for (const x of (await call(workerA, 'GET', '/api/supplies/requests?limit=500')).json().items as {
      id: number;
      person_name: string | null;
    }[])
      listed.set(x.id, x);
    const csv = await call(workerA, 'GET', '/api/supplies/requests/export?format=csv');
    expect(csv.statusCode, csv.body).toBe(200);
    const [header, ...lines] = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n') as [string, ...string[]];
    expect(header.split(',').slice(0, 4)).toEqual(['需求编号', '需求方', '居民', '所在区域']);
    expect(lines.map((l) => Number(l.split(',')[0]))).toEqual(inA.seen);
    for (const line of lines) {
      const [id, , name] = line.split(',');
      expect(name).toBe(listed.get(Number(id))?.person_name ?? '');
    }
    expect(lines.some((l) => /^\d+,居民户,[^,]+\*/.test(l))).toBe(true);
    expect(csv.body).toContain('社区（小区）');
    expect(csv.body).toContain('"生活物资1份（米, 面）、药品1份（降压药）"');
    expect(csv.body).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(csv.body).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}/);
    expect(csv.body).not.toMatch(
      /\b(open|planned|dispatched|at_gate|handed|household|community|lockdown|control|door|gate|urgent|normal|groceries|medicine|infant|elderly|community_worker|volunteer|true|false)\b/,
    );
    const filtered = await call(workerA, 'GET', '/api/supplies/requests/export?format=csv&status=open');
    expect(
      filtered.body
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n'),
    ).toHaveLength(open.seen.length + 1);
    const en = await call(workerA, 'GET', '/api/supplies/requests/export?format=csv&lang=en');
    expect(en.body.replace(/^\uFEFF/, '').split('\r\n')[0]).toMatch(/^Request,Requester,Resident,Area/);
    const xlsx = await call(workerA, 'GET', '/api/supplies/requests/export?format=xlsx');
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
    // Another district's user exports only theirs, and never an area outside.
    const b = await call(dispatcherB, 'GET', '/api/supplies/requests/export?format=csv');
    const bIds = b.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
      .slice(1)
      .map((l) => Number(l.split(',')[0]));
    expect(bIds).toEqual(await idsOf('starts_with(r.area_code, $1)', [B]));
    expect(bIds.length).toBeGreaterThanOrEqual(2);
    const outside = await call(dispatcherB, 'GET', `/api/supplies/requests/export?format=csv&area=${A}`);
    expect(outside.statusCode).toBe(403);
    expect(outside.json().error.code).toBe('out_of_jurisdiction');
    expect(
      await count(`audit_log WHERE action = 'person.exported' AND subject_type = 'supply_request'`),
    ).toBeGreaterThanOrEqual(5);

    // Deliveries: pages, total and the export.
    const deliveryIds = (
      await ctx.db.query<{ id: number }>(
        'SELECT id FROM supply_deliveries WHERE starts_with(area_code, $1) ORDER BY id DESC',
        [A],
      )
    ).rows.map((r) => Number(r.id));
    expect(deliveryIds.length).toBeGreaterThan(1);
    const d = await walk(workerA, '/api/supplies/deliveries', 1);
    expect(d.seen).toEqual(deliveryIds);
    expect(d.total).toBe(deliveryIds.length);
    const dCsv = await call(workerA, 'GET', '/api/supplies/deliveries/export?format=csv');
    expect(dCsv.statusCode).toBe(200);
    const dLines = dCsv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(dLines[0]?.startsWith('单号,仓库,送达小区,状态')).toBe(true);
    expect(dLines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(deliveryIds);
    expect(dCsv.body).not.toMatch(/\b(planned|dispatched|at_gate|handed)\b/);
    expect(dCsv.body).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}/);
    const dB = await call(dispatcherB, 'GET', '/api/supplies/deliveries/export?format=csv');
    const inB = await count('supply_deliveries WHERE starts_with(area_code, $1)', [B]);
    expect(
      dB.body
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n'),
    ).toHaveLength(inB + 1);
    expect(await count(`audit_log WHERE action = 'supplies.deliveries_exported'`)).toBeGreaterThanOrEqual(2);
  });
});

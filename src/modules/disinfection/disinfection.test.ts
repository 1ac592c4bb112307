/**
 * Environmental disinfection through the API on both backends: places (and every refusal, writing nothing), the
 * schedule (idempotent), the case triggers (building and venues in the exposure window, idempotent, shared while
 * open), completion (agent, twice, unknown place, another district, a resent record), escalation on the
 * responsibility list when late, taking a place out of service, the three figures equal on the dashboard, the
 * daily report and the page, the audit.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { verifyAudit } from '../access/audit.ts';
import { UNSCOPED } from '../access/scope.ts';
import { dailyReport } from '../command/daily-report.ts';
import { DashboardStore, refreshDashboard } from '../command/dashboard.ts';
import { seedDemoOutbreak } from '../command/demo-outbreak.ts';
import { setLeader } from '../command/responsibility.ts';
import { seedCity } from '../registry/seed-city.ts';
import { createCase } from '../tracing/trace-case.ts';
import { seedDemoDisinfection } from './demo.ts';
import { disinfectionFigures } from './lists.ts';
import { runDisinfection } from './run.ts';
import { generateDue } from './schedule.ts';

// 16:00 Beijing on 14 March 2022.
const START = '2022-03-14T08:00:00Z';
const clock = new ManualClock(START);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describeBackends('disinfection', (ctx) => {
  let app: FastifyInstance;
  let A = '';
  let B = '';
  let A1c = '';
  let B1c = '';
  let workerA: TestSession;
  let workerB: TestSession;
  let commanderA: TestSession;
  let siteManagerA: TestSession;
  let viewer: TestSession;
  let keyN = 0;
  const key = () => `rec-${++keyN}-key`;
  /** A fresh session at the clock's time (sessions last a shift: the tests move the clock by days). */
  const as = (role: 'commander' | 'community_worker', area: string) => loginAs(app, ctx.db, role, area);
  const call = (s: TestSession, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: s.headers, payload: payload as never });
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await ctx.db.query<{ n: number }>(`SELECT count(*) AS n FROM ${sql}`, params)).rows[0]?.n);
  const place = async (s: TestSession, body: Record<string, unknown>) => {
    const res = await call(s, 'POST', '/api/disinfection/places', body);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { id: number; area_code: string; kind: string };
  };
  const dueOf = async (placeId: number) =>
    (
      await ctx.db.query<{ id: number; due_at: Date; reason: string; task_id: number; status: string }>(
        `SELECT d.id, d.due_at, d.reason, t.id AS task_id, t.status FROM disinfection_due d
           JOIN tasks t ON t.kind = 'env_disinfection' AND t.subject_type = 'disinfection_due' AND t.subject_id = d.id
          WHERE d.place_id = $1 ORDER BY d.due_at, d.id`,
        [placeId],
      )
    ).rows;
  /** A resident of an area who lives in a building, not yet a case. */
  const resident = async (area: string, n = 0) =>
    (
      await ctx.db.query<{ id: number; building_id: number; area_code: string }>(
        `SELECT p.id, h.building_id, p.area_code FROM persons p JOIN households h ON h.id = p.household_id
          WHERE starts_with(p.area_code, $1) AND h.building_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id)
          ORDER BY p.id OFFSET $2 LIMIT 1`,
        [area, n],
      )
    ).rows[0] as { id: number; building_id: number; area_code: string };

  beforeAll(async () => {
    clock.set(START);
    await seedCity(ctx.db, { city: '2202', people: 3000, seed: 7, clock });
    app = await buildApp({
      db: ctx.db,
      clock,
      logger: false,
      loginRateLimit: 100_000,
      dashboardCheckEveryMs: 0,
    });
    const districts = await ctx.db.query<{ code: string }>(
      `SELECT d.code FROM areas d WHERE d.level = 3 AND starts_with(d.code, '2202')
          AND EXISTS (SELECT 1 FROM persons p JOIN households h ON h.id = p.household_id
                       WHERE starts_with(p.area_code, d.code) AND h.building_id IS NOT NULL)
        ORDER BY (SELECT count(*) FROM venues v WHERE starts_with(v.area_code, d.code)) DESC, d.code LIMIT 2`,
    );
    [A, B] = districts.rows.map((r) => r.code) as [string, string];
    A1c = (await resident(A)).area_code.slice(0, 12);
    B1c = (await resident(B)).area_code.slice(0, 12);
    workerA = await loginAs(app, ctx.db, 'community_worker', A);
    workerB = await loginAs(app, ctx.db, 'community_worker', B);
    commanderA = await loginAs(app, ctx.db, 'commander', A);
    siteManagerA = await loginAs(app, ctx.db, 'site_manager', A);
    viewer = await loginAs(app, ctx.db, 'viewer', '2202');
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses bad places with precise codes and writes nothing', async () => {
    const buildingB = (await resident(B)).building_id;
    const venueA = (
      await ctx.db.query<{ id: number; area_code: string }>(
        'SELECT id, area_code FROM venues WHERE starts_with(area_code, $1) ORDER BY id LIMIT 1',
        [A],
      )
    ).rows[0] as { id: number; area_code: string };
    const otherCommunity = (
      await ctx.db.query<{ code: string }>(
        'SELECT code FROM areas WHERE level = 5 AND starts_with(code, $1) AND NOT starts_with($2, code) ORDER BY code LIMIT 1',
        [A, venueA.area_code],
      )
    ).rows[0]?.code as string;
    const base = {
      kind: 'market',
      name: '东市场',
      area_code: A1c,
      owner: '东市场管理处',
      every_hours: 8,
      starts_at: START,
    };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ area_code: B1c }, 403, 'out_of_jurisdiction'],
      [{ area_code: `${A}999` }, 400, 'area_unknown'],
      [{ kind: 'lift_stairwell' }, 400, 'disinfection_target_required'],
      [{ kind: 'lift_stairwell', building_id: buildingB }, 404, 'disinfection_target_unknown'],
      [{ kind: 'lift_stairwell', building_id: 99_999_999 }, 404, 'disinfection_target_unknown'],
      [
        { kind: 'venue', venue_id: venueA.id, area_code: otherCommunity },
        400,
        'disinfection_target_elsewhere',
      ],
      [{ building_id: buildingB, venue_id: venueA.id }, 400, 'disinfection_target_ambiguous'],
      [{ starts_at: undefined }, 400, 'disinfection_start_required'],
      [{ kind: 'castle' }, 400, 'validation_failed'],
      [{ every_hours: 0 }, 400, 'validation_failed'],
      [{ owner: '' }, 400, 'validation_failed'],
      [{ starts_at: 1647244800 }, 400, 'validation_failed'],
    ];
    for (const [change, status, code] of cases) {
      const res = await call(workerA, 'POST', '/api/disinfection/places', { ...base, ...change });
      expect(res.statusCode, `${JSON.stringify(change)}: ${res.body}`).toBe(status);
      expect(res.json().error.code, JSON.stringify(change)).toBe(code);
    }
    // Roles without the permission.
    expect((await call(viewer, 'POST', '/api/disinfection/places', base)).statusCode).toBe(403);
    expect((await call(siteManagerA, 'POST', '/api/disinfection/places', base)).statusCode).toBe(403);
    expect((await call(viewer, 'GET', '/api/disinfection/due')).statusCode).toBe(403);
    expect(await count('disinfection_places')).toBe(0);
    expect(await count("audit_log WHERE action LIKE 'disinfection.%'")).toBe(0);
    // A good one, then the same name again.
    const market = await place(workerA, base);
    expect(market.area_code).toBe(A1c);
    const again = await call(workerA, 'POST', '/api/disinfection/places', base);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('disinfection_place_exists');
    expect(await count('disinfection_places')).toBe(1);
    expect(await count("audit_log WHERE action = 'disinfection.place_created'")).toBe(1);
  });

  it('schedules due times up to the end of the day, once, and the next day’s the next day', async () => {
    const [market] = (
      await ctx.db.query<{ id: number }>("SELECT id FROM disinfection_places WHERE name = '东市场'")
    ).rows as [{ id: number }];
    // Every 8 h from 16:00 Beijing: today 16:00 and 24:00 (a deadline at midnight is the day's last).
    const first = await ctx.db.transaction((tx) => generateDue(tx, clock));
    expect(first.created).toBe(2);
    expect((await ctx.db.transaction((tx) => generateDue(tx, clock))).created).toBe(0);
    expect((await runDisinfection(ctx.db, clock)).scheduled).toBe(0);
    const due = await dueOf(market.id);
    expect(due.map((d) => d.due_at.toISOString())).toEqual([
      '2022-03-14T08:00:00.000Z',
      '2022-03-14T16:00:00.000Z',
    ]);
    expect(due[0]?.status).toBe('open');
    // Once, at a time: one due time, whenever the schedule runs.
    const once = await place(workerA, {
      kind: 'garbage_point',
      name: '3号垃圾站',
      area_code: A1c,
      owner: '社区保洁队',
      starts_at: '2022-03-14T20:00:00+08:00',
    });
    expect((await runDisinfection(ctx.db, clock)).scheduled).toBe(1);
    clock.advance(DAY);
    const next = await runDisinfection(ctx.db, clock);
    expect(next.scheduled).toBe(3); // the market at 08:00, 16:00 and 24:00 Beijing; the garbage point not again
    expect((await runDisinfection(ctx.db, clock)).scheduled).toBe(0);
    expect((await dueOf(once.id)).length).toBe(1);
    expect((await dueOf(market.id)).length).toBe(5);
    clock.set(START);
  });

  it('triggers the case’s lift and stairwell and the venues of its window, once, shared while open', async () => {
    // A resident of a building with other residents (a neighbour is found later).
    const person = (
      await ctx.db.query<{ id: number; building_id: number; area_code: string }>(
        `SELECT p.id, h.building_id, p.area_code FROM persons p JOIN households h ON h.id = p.household_id
          WHERE starts_with(p.area_code, $1) AND h.building_id IS NOT NULL
            AND (SELECT count(*) FROM persons q JOIN households g ON g.id = q.household_id
                  WHERE g.building_id = h.building_id) >= 2
          ORDER BY p.id LIMIT 1`,
        [A],
      )
    ).rows[0] as { id: number; building_id: number; area_code: string };
    const venues = await ctx.db.query<{ id: number; name: string }>(
      'SELECT id, name FROM venues WHERE starts_with(area_code, $1) ORDER BY id LIMIT 3',
      [A],
    );
    expect(venues.rows).toHaveLength(3);
    const [v1, v2, v3] = venues.rows as unknown as [{ id: number }, { id: number }, { id: number }];
    const found = clock.now();
    // In the window (2 days before the first positive, up to finding), and outside it (10 days before).
    await ctx.db.query(
      `INSERT INTO checkins (person_id, venue_id, at, received_at) VALUES
        ($1, $2, $5, $5), ($1, $3, $6, $6), ($1, $4, $7, $7)`,
      [
        person.id,
        v1.id,
        v2.id,
        v3.id,
        new Date(found.getTime() - DAY),
        new Date(found.getTime() - 36 * HOUR),
        new Date(found.getTime() - 10 * DAY),
      ],
    );
    const c1 = await ctx.db.transaction((tx) =>
      createCase(tx, clock, { personId: person.id, firstPositiveAt: new Date(found.getTime() - 2 * HOUR) }),
    );
    const r = await runDisinfection(ctx.db, clock);
    expect(r).toMatchObject({ placesCreated: 3, dueCreated: 3, triggers: 3 });
    const again = await runDisinfection(ctx.db, clock);
    expect(again).toMatchObject({ placesCreated: 0, dueCreated: 0, triggers: 0, scheduled: 0 });
    const made = await ctx.db.query<{
      id: number;
      kind: string;
      venue_id: number | null;
      building_id: number | null;
    }>("SELECT id, kind, venue_id, building_id FROM disinfection_places WHERE source = 'case' ORDER BY id");
    expect(made.rows.map((p) => [p.kind, p.building_id ?? p.venue_id])).toEqual([
      ['lift_stairwell', person.building_id],
      ['venue', v1.id],
      ['venue', v2.id],
    ]);
    const lift = made.rows[0] as { id: number };
    const liftDue = await dueOf(lift.id);
    // Due by the end of today, Beijing time (事不过夜).
    expect(liftDue.map((d) => [d.reason, d.due_at.toISOString()])).toEqual([
      ['case_building', '2022-03-14T16:00:00.000Z'],
    ]);
    expect(await count('disinfection_triggers WHERE case_id = $1', [c1.case.id])).toBe(3);

    // A neighbour in the same building, while the lift's disinfection is open: shares it.
    const neighbour = (
      await ctx.db.query<{ id: number }>(
        `SELECT p.id FROM persons p JOIN households h ON h.id = p.household_id
          WHERE h.building_id = $1 AND p.id <> $2 ORDER BY p.id LIMIT 1`,
        [person.building_id, person.id],
      )
    ).rows[0] as { id: number };
    clock.advance(HOUR);
    await ctx.db.transaction((tx) =>
      createCase(tx, clock, { personId: neighbour.id, firstPositiveAt: clock.now() }),
    );
    expect(await runDisinfection(ctx.db, clock)).toMatchObject({ dueCreated: 0, triggers: 1 });
    expect((await dueOf(lift.id)).length).toBe(1);
    clock.set(START);
  });

  it('records a disinfection with its agent; a resent record counts once; twice, unknown or elsewhere is refused', async () => {
    const lift = (
      await ctx.db.query<{ id: number }>("SELECT id FROM disinfection_places WHERE kind = 'lift_stairwell'")
    ).rows[0] as { id: number };
    const [due] = (await dueOf(lift.id)) as unknown as [{ id: number; task_id: number }];
    clock.set('2022-03-14T10:00:00Z');
    const body = {
      key: key(),
      place_id: lift.id,
      due_id: due.id,
      done_at: '2022-03-14T17:30:00+08:00',
      agent: 'chlorine',
      concentration: '1000 mg/L',
      notes: '电梯轿厢、按键、楼道扶手',
    };
    // Another district's worker: refused as unknown, nothing written.
    const elsewhere = await call(workerB, 'POST', '/api/disinfection/records', body);
    expect(elsewhere.statusCode).toBe(404);
    expect(elsewhere.json().error.code).toBe('disinfection_place_unknown');
    const bad: [Record<string, unknown>, number, string][] = [
      [{ place_id: 99_999_999 }, 404, 'disinfection_place_unknown'],
      [{ due_id: 99_999_999 }, 404, 'disinfection_due_unknown'],
      [{ done_at: '2022-03-14T20:00:00+08:00' }, 400, 'time_in_future'],
      [{ agent: 'bleach' }, 400, 'validation_failed'],
      [{ key: 'short' }, 400, 'validation_failed'],
    ];
    for (const [change, status, code] of bad) {
      const res = await call(workerA, 'POST', '/api/disinfection/records', { ...body, ...change });
      expect(res.statusCode, `${JSON.stringify(change)}: ${res.body}`).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
    expect(await count('disinfections')).toBe(0);
    expect((await dueOf(lift.id))[0]?.status).toBe('open');

    const ok = await call(workerA, 'POST', '/api/disinfection/records', body);
    expect(ok.statusCode, ok.body).toBe(200);
    const rec = ok.json();
    expect(rec).toMatchObject({
      duplicate: false,
      agent: 'chlorine',
      concentration: '1000 mg/L',
      place_id: lift.id,
    });
    expect(rec.done_by).toBe(workerA.username);
    expect(new Date(rec.done_at).toISOString()).toBe('2022-03-14T09:30:00.000Z');
    const task = await ctx.db.query<{ status: string; done_at: Date }>(
      'SELECT status, done_at FROM tasks WHERE id = $1',
      [due.task_id],
    );
    expect(task.rows[0]?.status).toBe('done');
    expect(task.rows[0]?.done_at.toISOString()).toBe('2022-03-14T09:30:00.000Z');
    // The same submission again (a retry): the same record, nothing more.
    const retry = await call(workerA, 'POST', '/api/disinfection/records', body);
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toMatchObject({ id: rec.id, duplicate: true });
    // The same key for another due time.
    const market = (
      await ctx.db.query<{ id: number }>("SELECT id FROM disinfection_places WHERE name = '东市场'")
    ).rows[0] as { id: number };
    const [marketDue] = (await dueOf(market.id)) as unknown as [{ id: number }];
    const reused = await call(workerA, 'POST', '/api/disinfection/records', {
      ...body,
      place_id: market.id,
      due_id: marketDue.id,
    });
    expect(reused.statusCode).toBe(409);
    expect(reused.json().error.code).toBe('disinfection_key_reused');
    // Twice, with a new key: refused, naming the first record.
    const twice = await call(workerA, 'POST', '/api/disinfection/records', { ...body, key: key() });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error).toMatchObject({
      code: 'disinfection_already_done',
      details: { record_id: rec.id },
    });
    // The due time of another place under this place.
    const mixed = await call(workerA, 'POST', '/api/disinfection/records', {
      ...body,
      key: key(),
      due_id: marketDue.id,
    });
    expect(mixed.statusCode).toBe(404);
    expect(mixed.json().error.code).toBe('disinfection_due_unknown');
    expect(await count('disinfections')).toBe(1);
    expect(await count("events WHERE type = 'disinfection.done'")).toBe(1);
    // A site manager may record (the site's common areas), a commander too.
    const byCommander = await call(commanderA, 'POST', '/api/disinfection/records', {
      ...body,
      key: key(),
      place_id: market.id,
      due_id: marketDue.id,
      agent: 'peracetic_acid',
      concentration: undefined,
      done_at: '2022-03-14T16:20:00+08:00',
    });
    expect(byCommander.statusCode, byCommander.body).toBe(200);
    expect(byCommander.json().concentration).toBeNull();
    // Sent twice at once (a phone's retry racing its first try): one record; two keys at once: one refused.
    const venue = (
      await ctx.db.query<{ id: number }>(
        "SELECT id FROM disinfection_places WHERE kind = 'venue' ORDER BY id",
      )
    ).rows as { id: number }[];
    const [v1, v2] = venue as [{ id: number }, { id: number }];
    const [v1due] = (await dueOf(v1.id)) as unknown as [{ id: number }];
    const [v2due] = (await dueOf(v2.id)) as unknown as [{ id: number }];
    const same = { ...body, key: key(), place_id: v1.id, due_id: v1due.id };
    const racing = await Promise.all([
      call(workerA, 'POST', '/api/disinfection/records', same),
      call(workerA, 'POST', '/api/disinfection/records', same),
    ]);
    expect(racing.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(racing[0]?.json().id).toBe(racing[1]?.json().id);
    expect(racing.map((r) => r.json().duplicate).sort()).toEqual([false, true]);
    const two = await Promise.all([
      call(workerA, 'POST', '/api/disinfection/records', {
        ...same,
        key: key(),
        due_id: v2due.id,
        place_id: v2.id,
      }),
      call(workerA, 'POST', '/api/disinfection/records', {
        ...same,
        key: key(),
        due_id: v2due.id,
        place_id: v2.id,
      }),
    ]);
    expect(two.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(await count('disinfections WHERE place_id = ANY($1::int8[])', [[v1.id, v2.id]])).toBe(2);
    const audit = await ctx.db.query<{ action: string; subject_id: string; area_code: string }>(
      "SELECT action, subject_id, area_code FROM audit_log WHERE action = 'disinfection.recorded' ORDER BY id",
    );
    expect(audit.rows.map((a) => Number(a.subject_id))).toEqual([lift.id, market.id, v1.id, v2.id]);
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
    clock.set(START);
  });

  it('lists the day’s due and late with owners, escalates a late one on the responsibility list day by day', async () => {
    const community = (
      await ctx.db.query<{ id: number }>("SELECT id FROM disinfection_places WHERE name = '3号垃圾站'")
    ).rows[0] as { id: number };
    await ctx.db.transaction(async (tx) => {
      await setLeader(tx, clock, {
        name: '社区书记',
        title: '社区党委书记',
        areaCode: A1c,
        function: 'community_control',
      });
      await setLeader(tx, clock, {
        name: '街道主任',
        title: '街道办主任',
        areaCode: A1c.slice(0, 9),
        function: 'all',
      });
      await setLeader(tx, clock, { name: '区指挥长', title: '区指挥部指挥长', areaCode: A, function: 'all' });
    });
    const [garbage] = (await dueOf(community.id)) as unknown as [{ task_id: number; id: number }];
    // 18:00 Beijing on the 14th: the garbage point (due 20:00) is due today, not late; its owner the community.
    clock.set('2022-03-14T10:00:00Z');
    const today = await call(workerA, 'GET', '/api/disinfection/due');
    expect(today.statusCode).toBe(200);
    const item = today.json().due.find((d: { due_id: number }) => d.due_id === garbage.id);
    expect(item).toMatchObject({
      late: false,
      status: 'open',
      place: { owner: '社区保洁队' },
      escalated_levels: 0,
    });
    expect(item.leader.name).toBe('社区书记');
    const resp = async (s: TestSession) =>
      (
        (await call(s, 'GET', '/api/responsibility')).json().items as {
          kind: string;
          subject: { id: number };
          owner: { name: string } | null;
          overdue: boolean;
          function: string;
        }[]
      ).find((i) => i.subject.id === garbage.task_id);
    expect(await resp(commanderA)).toMatchObject({
      kind: 'env_disinfection',
      function: 'community_control',
      overdue: false,
      owner: { name: '社区书记' },
    });
    // The next morning it is late and has climbed to the street; a day later to the district.
    clock.set('2022-03-15T02:00:00Z');
    expect(await resp(await as('commander', A))).toMatchObject({
      overdue: true,
      owner: { name: '街道主任' },
    });
    const late = (await call(await as('community_worker', A), 'GET', '/api/disinfection/due')).json();
    expect(late.late.find((d: { due_id: number }) => d.due_id === garbage.id)).toMatchObject({
      late: true,
      escalated_levels: 1,
      leader: { name: '街道主任' },
    });
    clock.set('2022-03-16T02:00:00Z');
    expect(await resp(await as('commander', A))).toMatchObject({ owner: { name: '区指挥长' } });
    // Another district sees none of it.
    const otherB = await as('community_worker', B);
    const b = (await call(otherB, 'GET', '/api/disinfection/due')).json();
    expect([...b.due, ...b.late]).toEqual([]);
    expect((await call(otherB, 'GET', '/api/disinfection/places')).json().total).toBe(0);
    const mine = (await call(await as('community_worker', A), 'GET', '/api/disinfection/places')).json();
    expect(mine.total).toBe(await count('disinfection_places WHERE starts_with(area_code, $1)', [A]));
    clock.set(START);
  });

  it('shows the same three figures on the dashboard, in the daily report and on the page', async () => {
    clock.set('2022-03-14T12:00:00Z'); // 20:00 Beijing
    const page = (await call(commanderA, 'GET', '/api/disinfection/due')).json().figures;
    const report = (await dailyReport(ctx.db, { prefix: A }, '2022-03-14', clock.now())).disinfection;
    await refreshDashboard(ctx.db, clock);
    const kpi = (await new DashboardStore(ctx.db, clock, 0).get()).figures.get(A) ?? {};
    const dash = {
      disinfections_due: kpi.disinfections_due_today ?? 0,
      disinfections_done: kpi.disinfections_done_today ?? 0,
      disinfections_late: kpi.disinfections_late ?? 0,
    };
    expect(page).toEqual(report);
    expect(dash).toEqual(report);
    // Counted independently here: due today the market's 16:00 and 24:00, the garbage point's 20:00 (not yet late
    // at 20:00), and the triggered ones (due at midnight); done: the lift, the market and two venues.
    expect(report.disinfections_done).toBe(4);
    expect(report.disinfections_due).toBe(
      await count(
        "tasks WHERE kind = 'env_disinfection' AND due_at > '2022-03-13T16:00:00Z' AND due_at <= '2022-03-14T16:00:00Z' AND starts_with(area_code, $1)",
        [A],
      ),
    );
    expect(report.disinfections_due).toBeGreaterThanOrEqual(4);
    // The next day, the report of the 14th counts what was still open at its end as late.
    clock.set('2022-03-15T02:00:00Z');
    const after = await dailyReport(ctx.db, UNSCOPED, '2022-03-14', clock.now());
    const openAtEnd = await count(
      "tasks WHERE kind = 'env_disinfection' AND status = 'open' AND due_at < '2022-03-14T16:00:00Z'",
    );
    expect(after.disinfection.disinfections_late).toBe(openAtEnd);
    expect(openAtEnd).toBeGreaterThan(0);
    const md = (
      await call(await as('commander', A), 'GET', '/api/reports/daily?date=2022-03-14&format=md&lang=zh')
    ).body;
    expect(md).toContain('## 环境消杀');
    expect(md).toContain('| 当日应消杀 |');
    clock.set(START);
  });

  it('takes a place out of service: its coming disinfections are cancelled, the schedule stops', async () => {
    clock.set('2022-03-15T02:00:00Z'); // 10:00 Beijing on the 15th
    const market = (
      await ctx.db.query<{ id: number }>("SELECT id FROM disinfection_places WHERE name = '东市场'")
    ).rows[0] as { id: number };
    await runDisinfection(ctx.db, clock);
    const before = await dueOf(market.id);
    const coming = before.filter((d) => d.status === 'open' && d.due_at > clock.now()).length;
    expect(coming).toBeGreaterThan(0);
    const refused = await call(
      await as('community_worker', B),
      'POST',
      `/api/disinfection/places/${market.id}/active`,
      { active: false },
    );
    expect(refused.statusCode).toBe(404);
    expect(refused.json().error.code).toBe('disinfection_place_unknown');
    expect((await dueOf(market.id)).filter((d) => d.status === 'cancelled')).toEqual([]);
    const off = await call(
      await as('community_worker', A),
      'POST',
      `/api/disinfection/places/${market.id}/active`,
      { active: false },
    );
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toMatchObject({ active: false, cancelled: coming });
    clock.advance(DAY);
    expect((await runDisinfection(ctx.db, clock)).scheduled).toBe(0);
    const after = await dueOf(market.id);
    expect(after.length).toBe(before.length);
    expect(await count("audit_log WHERE action = 'disinfection.place_deactivated'")).toBe(1);
    clock.set(START);
  });
});

describeBackends('disinfection demo', (ctx) => {
  it('seeds places with days of history: done, late and still due today', async () => {
    const now = new Date('2022-03-14T06:00:00Z'); // 14:00 Beijing
    const c = new ManualClock(new Date(now.getTime() - 4 * DAY));
    await seedCity(ctx.db, { city: '2202', people: 2000, seed: 3, clock: c });
    await seedDemoOutbreak(ctx.db, now);
    const r = await seedDemoDisinfection(ctx.db, now);
    expect(r.places).toBeGreaterThan(0);
    expect(r.done).toBeGreaterThan(0);
    expect(r.late).toBeGreaterThan(0);
    const f = await disinfectionFigures(ctx.db, UNSCOPED, '2022-03-14', now);
    expect(f.disinfections_late).toBe(r.late);
    // Today: some done already, some still to do later today.
    expect(f.disinfections_done).toBeGreaterThan(0);
    const later = await ctx.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM tasks WHERE kind = 'env_disinfection' AND status = 'open' AND due_at > $1",
      [now],
    );
    expect(Number(later.rows[0]?.n)).toBeGreaterThan(0);
    // Case triggers of the outbreak's days are there, and running the loop again adds nothing for them.
    expect(
      Number(
        (await ctx.db.query<{ n: number }>('SELECT count(*) AS n FROM disinfection_triggers')).rows[0]?.n,
      ),
    ).toBeGreaterThan(0);
    const again = await runDisinfection(ctx.db, new ManualClock(now), { withinDays: 4 });
    expect(again).toMatchObject({ dueCreated: 0, scheduled: 0 });
  }, 120_000);
});

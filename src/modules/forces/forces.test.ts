/**
 * Forces (力量调配) through the API on both backends: workers and teams with their bad inputs and idempotent
 * retries, the day's demand from real data (a round's sampling points, open sites, a lockdown zone), a roster
 * proposed and confirmed with its shortfalls on the responsibility list, a worker in two places at once and a rest
 * rule broken refused with nothing written (on confirming and on a manual edit), a shortfall covered by hand, the
 * closed loop's daily tests with a gap and a test for an unknown worker, a positive worker flowing through tracing
 * (a case, the loop's other workers close contacts) and replaced on the roster, another district refused, the
 * figures of the dashboard, the daily report and the module's page agreeing, and the audit chain.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { DEFAULT_REST_RULES, type Shift, violations } from '../../domain/roster-proposer.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { verifyAudit } from '../access/audit.ts';
import { UNSCOPED } from '../access/scope.ts';
import { dailyReport } from '../command/daily-report.ts';
import { refreshDashboard } from '../command/dashboard.ts';
import { responsibilityList, setLeader } from '../command/responsibility.ts';
import { setZone } from '../command/zones.ts';
import { seedCity } from '../registry/seed-city.ts';
import { createRound } from '../testing/rounds.ts';
import { forcesFigures } from './figures.ts';
import { checkLoopGaps } from './loops.ts';

const START = '2022-03-14T01:00:00Z'; // 09:00 in Beijing
const DAY = '2022-03-14';
const clock = new ManualClock(START);
const MIN = 60_000;

describeBackends('forces', (ctx) => {
  let app: FastifyInstance;
  let A = '';
  let B = '';
  let street = '';
  let commander: TestSession;
  let commanderB: TestSession;
  let viewer: TestSession;
  let keys = 0;
  const call = (s: TestSession, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: s.headers, payload: payload as never });
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await ctx.db.query<{ n: number }>(`SELECT count(*) AS n FROM ${sql}`, params)).rows[0]?.n);
  const snapshot = async () => ({
    workers: await count('workers'),
    shifts: await ctx.db
      .query('SELECT id, status FROM roster_shifts ORDER BY id')
      .then((r) => JSON.stringify(r.rows)),
    rosters: await ctx.db
      .query('SELECT id, status FROM rosters ORDER BY id')
      .then((r) => JSON.stringify(r.rows)),
    tests: await count('loop_tests'),
    tasks: await ctx.db.query('SELECT id, status FROM tasks ORDER BY id').then((r) => JSON.stringify(r.rows)),
    audit: await count('audit_log'),
  });
  const register = async (over: Record<string, unknown>, s = commander) => {
    const res = await call(s, 'POST', '/api/forces/workers', { key: `worker-key-${++keys}`, ...over });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().worker as { id: number; skills: string[]; area_code: string };
  };
  const board = async (s = commander) => {
    const res = await call(s, 'GET', `/api/forces/board?day=${DAY}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().rosters as {
      id: number;
      area_code: string;
      status: string;
      pending: number;
      coverage: {
        id: number;
        area_code: string;
        skill: string;
        shift: string;
        demand: number;
        assigned: number;
        short: number;
        reason: { k: string };
      }[];
      shifts: {
        id: number;
        worker_id: number;
        area_code: string;
        skill: string;
        shift: string;
        status: string;
        origin: string;
        starts_at: string;
        ends_at: string;
      }[];
    }[];
  };
  let districtRoster = 0;
  const loopWorkers: number[] = [];
  let loopId = 0;

  beforeAll(async () => {
    clock.set(START);
    await seedCity(ctx.db, { city: '2202', people: 2000, seed: 7, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    const top = await ctx.db.query<{ s: string }>(
      `SELECT left(area_code, 9) AS s FROM persons GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    );
    street = top.rows[0]?.s as string;
    A = street.slice(0, 6);
    B = (
      await ctx.db.query<{ d: string }>(
        'SELECT left(area_code, 6) AS d FROM persons WHERE left(area_code, 6) <> $1 ORDER BY 1 LIMIT 1',
        [A],
      )
    ).rows[0]?.d as string;
    // Real demand: a round over district A running today, a lockdown on the busiest street, A's open sites.
    await ctx.db.transaction((tx) =>
      createRound(tx, clock, { name: '全员核酸', areas: [A], createdBy: 't' }, ''),
    );
    await ctx.db.transaction((tx) =>
      setZone(tx, clock, { areaCode: street, level: 'lockdown', reason: 't', by: 't' }, ''),
    );
    // One open quarantine site on that street (the seeded city's sites stand elsewhere).
    await ctx.db.query(
      `UPDATE sites SET status = 'active', accepted_at = $2, area_code = $1 WHERE id = (SELECT min(id) FROM sites)`,
      [street, clock.now()],
    );
    await ctx.db.transaction((tx) =>
      setLeader(tx, clock, { name: '王建国', title: '区指挥长', areaCode: A, function: 'all' }),
    );
    commander = await loginAs(app, ctx.db, 'commander', A);
    commanderB = await loginAs(app, ctx.db, 'commander', B);
    viewer = await loginAs(app, ctx.db, 'viewer', A);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('registers workers and support teams, once per key, in the jurisdiction only', async () => {
    const team = await call(commander, 'POST', '/api/forces/teams', {
      name: '四平支援队',
      origin_city: '四平',
      area_code: A,
      size: 12,
      arrives_on: '2022-03-13',
      leaves_on: '2022-03-30',
    });
    expect(team.statusCode, team.body).toBe(200);
    const teamId = team.json().id as number;
    const bad = await call(commander, 'POST', '/api/forces/teams', {
      name: '错队',
      origin_city: '四平',
      area_code: A,
      size: 3,
      arrives_on: '2022-03-20',
      leaves_on: '2022-03-13',
    });
    expect(bad.json().error.code).toBe('team_dates_invalid');
    // People of the district: samplers, site staff, medical staff, drivers, community workers.
    const persons = (
      await ctx.db.query<{ id: number; area_code: string }>(
        'SELECT id, area_code FROM persons WHERE starts_with(area_code, $1) ORDER BY id LIMIT 80',
        [A],
      )
    ).rows;
    const plan: [string, number][] = [
      ['sampler', 30],
      ['site_staff', 12],
      ['medical', 6],
      ['community', 8],
      ['driver', 4],
    ];
    let i = 0;
    for (const [role, n] of plan)
      for (let k = 0; k < n; k++) {
        const p = persons[i++] as { id: number; area_code: string };
        await register({
          name: `工作人员${i}`,
          role,
          skills: role === 'sampler' && k % 3 === 0 ? ['volunteer'] : [],
          area_code: p.area_code,
          person_id: p.id,
          ...(role === 'sampler' && k < 6 ? { team_id: teamId } : {}),
        });
      }
    // A retry counts once; a reused key, an area elsewhere, a person elsewhere are refused with nothing written.
    const body = { key: 'worker-retry-1', name: '李志强', role: 'volunteer', area_code: street };
    const first = await call(commander, 'POST', '/api/forces/workers', body);
    const again = await call(commander, 'POST', '/api/forces/workers', body);
    expect(first.json().duplicate).toBe(false);
    expect(again.json()).toMatchObject({ duplicate: true, worker: { id: first.json().worker.id } });
    const before = await snapshot();
    const reused = await call(commander, 'POST', '/api/forces/workers', { ...body, name: '别人' });
    expect(reused.statusCode).toBe(409);
    expect(reused.json().error.code).toBe('idempotency_key_reused');
    const elsewhere = await call(commander, 'POST', '/api/forces/workers', {
      ...body,
      key: 'worker-else-1',
      area_code: B,
    });
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json().error.code).toBe('out_of_jurisdiction');
    const inB = (
      await ctx.db.query<{ id: number }>('SELECT id FROM persons WHERE starts_with(area_code, $1) LIMIT 1', [
        B,
      ])
    ).rows[0]?.id;
    const personElsewhere = await call(commander, 'POST', '/api/forces/workers', {
      ...body,
      key: 'worker-else-2',
      person_id: inB,
    });
    expect(personElsewhere.statusCode).toBe(404);
    expect(personElsewhere.json().error.code).toBe('person_unknown');
    expect(await snapshot()).toEqual(before);
    const list = await call(commander, 'GET', '/api/forces/workers?role=sampler');
    expect(list.json().total).toBe(30);
    // Found by name prefix on the server (the loop's join form searches this way): 工作人员1 and 工作人员10–19.
    const byName = await call(commander, 'GET', `/api/forces/workers?q=${encodeURIComponent('工作人员1')}`);
    expect(byName.json().total).toBe(11);
    expect((byName.json().items as { name: string }[]).every((w) => w.name.startsWith('工作人员1'))).toBe(
      true,
    );
    // A wildcard typed is a character, not a pattern.
    const wild = await call(commander, 'GET', `/api/forces/workers?q=${encodeURIComponent('%')}`);
    expect(wild.json().total).toBe(0);
    const teams = await call(commander, 'GET', '/api/forces/teams');
    expect(teams.json().items).toMatchObject([{ name: '四平支援队', registered: 6 }]);
    expect((await call(commanderB, 'GET', '/api/forces/workers')).json().total).toBe(0);
    expect((await call(viewer, 'GET', '/api/forces/workers')).statusCode).toBe(403);
  });

  it('computes the day’s demand from the round’s points, the open sites and the lockdown zone', async () => {
    const res = await call(commander, 'GET', `/api/forces/demand?day=${DAY}`);
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as {
      area_code: string;
      skill: string;
      shift: string;
      need: number;
      source: string;
    }[];
    const samplers = await ctx.db.query<{ n: number }>(
      `SELECT sum(samplers)::int AS n FROM sampling_points WHERE starts_with(area_code, $1)`,
      [A],
    );
    const sampled = items.filter((d) => d.skill === 'sampler');
    expect(new Set(sampled.map((d) => d.shift))).toEqual(new Set(['day', 'evening']));
    expect(sampled.filter((d) => d.shift === 'day').reduce((a, d) => a + d.need, 0)).toBe(
      samplers.rows[0]?.n,
    );
    const households = await count('households WHERE starts_with(area_code, $1)', [street]);
    expect(items.find((d) => d.skill === 'community')).toMatchObject({
      area_code: street,
      shift: 'day',
      need: Math.ceil(households / 100),
      source: 'zone_households',
    });
    expect(items.filter((d) => d.skill === 'site_staff')).toHaveLength(3);
    expect(items.filter((d) => d.skill === 'medical').every((d) => d.need >= 1)).toBe(true);
    // A site marked full (or closing) still holds its people: it still needs its staff (it once dropped out).
    const staffed = await ctx.db.query<{ id: number; status: string }>(
      "SELECT id, status FROM sites WHERE status = 'active' AND starts_with(area_code, $1)",
      [A],
    );
    await ctx.db.query("UPDATE sites SET status = 'full' WHERE id = ANY($1::int8[])", [
      staffed.rows.map((r) => r.id),
    ]);
    const whenFull = (await call(commander, 'GET', `/api/forces/demand?day=${DAY}`)).json()
      .items as typeof items;
    expect(whenFull.filter((d) => d.skill === 'site_staff')).toEqual(
      items.filter((d) => d.skill === 'site_staff'),
    );
    await ctx.db.query("UPDATE sites SET status = 'active' WHERE id = ANY($1::int8[])", [
      staffed.rows.map((r) => r.id),
    ]);
  });

  it('proposes a roster from the demand, confirms it and puts the shortfalls on the leader’s list', async () => {
    const res = await call(commander, 'POST', '/api/forces/rosters', { area_code: A, day: DAY });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json() as Awaited<ReturnType<typeof board>>[number];
    expect(r.status).toBe('draft');
    districtRoster = r.id;
    expect(r.shifts.length).toBeGreaterThan(0);
    // Shortfall = demand − assigned, per slot; nobody twice at once, no rest rule broken.
    for (const c of r.coverage) {
      const assigned = r.shifts.filter(
        (s) => s.area_code === c.area_code && s.skill === c.skill && s.shift === c.shift,
      ).length;
      expect(c.assigned).toBe(assigned);
      expect(c.short).toBe(Math.max(0, c.demand - assigned));
    }
    const shifts: Shift[] = r.shifts.map((s) => ({
      worker: s.worker_id,
      area: s.area_code,
      skill: s.skill as Shift['skill'],
      starts: Date.parse(s.starts_at),
      ends: Date.parse(s.ends_at),
    }));
    expect(violations(shifts, DEFAULT_REST_RULES)).toEqual([]);
    expect(r.coverage.some((c) => c.short > 0)).toBe(true); // 30 samplers for two shifts of the whole district
    expect(await count(`tasks WHERE kind = 'force_shortfall'`)).toBe(0); // a draft is no plan yet
    const ok = await call(commander, 'POST', `/api/forces/rosters/${r.id}/confirm`);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ already: false, roster: { status: 'confirmed' } });
    const again = await call(commander, 'POST', `/api/forces/rosters/${r.id}/confirm`);
    expect(again.json().already).toBe(true);
    const short = r.coverage.filter((c) => c.short > 0);
    expect(await count(`tasks WHERE kind = 'force_shortfall' AND status = 'open'`)).toBe(short.length);
    const list = await responsibilityList(ctx.db, { prefix: A }, clock.now());
    const items = list.filter((x) => x.kind === 'force_shortfall');
    expect(items).toHaveLength(short.length);
    expect(items.every((x) => x.owner?.name === '王建国')).toBe(true);
    expect((await call(viewer, 'POST', `/api/forces/rosters/${r.id}/confirm`)).statusCode).toBe(403);
    expect((await call(commanderB, 'POST', `/api/forces/rosters/${r.id}/confirm`)).json().error.code).toBe(
      'roster_not_found',
    );
  });

  it('refuses a worker in two places at once and a rest rule broken, writing nothing', async () => {
    const [mine] = await board();
    const taken = mine?.shifts.find((s) => s.skill === 'sampler' && s.shift === 'day') as {
      worker_id: number;
      area_code: string;
    };
    // A street roster of the same day, drafted while the district's is confirmed: its proposal avoids the
    // confirmed shifts; putting the same worker on the same shift by hand is refused.
    const s = await call(commander, 'POST', '/api/forces/rosters', { area_code: street, day: DAY });
    expect(s.statusCode, s.body).toBe(200);
    const streetRoster = s.json().id as number;
    const before = await snapshot();
    const twice = await call(commander, 'POST', `/api/forces/rosters/${streetRoster}/shifts`, {
      worker_id: taken.worker_id,
      area_code: street,
      skill: 'sampler',
      shift: 'day',
    });
    expect(twice.statusCode, twice.body).toBe(409);
    expect(twice.json().error.code).toBe('worker_double_booked');
    // The evening after a day shift: 16 hours in 24.
    const tired = await call(commander, 'POST', `/api/forces/rosters/${streetRoster}/shifts`, {
      worker_id: taken.worker_id,
      area_code: street,
      skill: 'sampler',
      shift: 'evening',
    });
    expect(tired.statusCode, tired.body).toBe(409);
    expect(tired.json().error.code).toBe('rest_rule_broken');
    expect(tired.json().error.details.rule).toBe('max_hours');
    expect(await snapshot()).toEqual(before);
    // Confirming a plan that collides: tomorrow, the district's and the street's drafts are proposed side by side
    // (each ignores the other's draft); the district's is confirmed, the street's is then refused as a whole.
    const next = '2022-03-15';
    const d2 = await call(commander, 'POST', '/api/forces/rosters', { area_code: A, day: next });
    const s2 = await call(commander, 'POST', '/api/forces/rosters', { area_code: street, day: next });
    expect(s2.json().shifts.length).toBeGreaterThan(0);
    expect((await call(commander, 'POST', `/api/forces/rosters/${d2.json().id}/confirm`)).statusCode).toBe(
      200,
    );
    const beforeConfirm = await snapshot();
    const clash = await call(commander, 'POST', `/api/forces/rosters/${s2.json().id}/confirm`);
    expect(clash.statusCode, clash.body).toBe(409);
    expect(clash.json().error.code).toBe('worker_double_booked');
    expect(clash.json().error.details.worker_id).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(beforeConfirm);
    // The district's first roster is still the confirmed one.
    expect((await board()).find((x) => x.area_code === A)).toMatchObject({
      id: districtRoster,
      status: 'confirmed',
    });
  });

  it('opens a shortfall task when a shift is removed and closes it when covered by hand', async () => {
    const mine = (await board()).find((x) => x.id === districtRoster);
    const covered = mine?.coverage.find((c) => c.skill === 'medical' && c.short === 0 && c.assigned > 0) as {
      id: number;
      area_code: string;
      shift: string;
    };
    expect(covered).toBeDefined();
    const shift = mine?.shifts.find(
      (s) =>
        s.skill === 'medical' &&
        s.area_code === covered.area_code &&
        s.shift === covered.shift &&
        s.status === 'confirmed',
    ) as { id: number; worker_id: number };
    const rm = await call(
      commander,
      'POST',
      `/api/forces/rosters/${districtRoster}/shifts/${shift.id}/remove`,
      {
        reason: '家中有事',
      },
    );
    expect(rm.statusCode, rm.body).toBe(200);
    const task = () =>
      ctx.db.query<{ status: string }>(
        `SELECT status FROM tasks WHERE kind = 'force_shortfall' AND subject_type = 'roster_shortfall' AND subject_id = $1`,
        [covered.id],
      );
    expect((await task()).rows[0]?.status).toBe('open');
    const back = await call(commander, 'POST', `/api/forces/rosters/${districtRoster}/shifts`, {
      worker_id: shift.worker_id,
      area_code: covered.area_code,
      skill: 'medical',
      shift: covered.shift,
    });
    expect(back.statusCode, back.body).toBe(200);
    expect((await task()).rows[0]?.status).toBe('done');
  });

  it('runs the closed loop: daily tests, a gap as a task, a test for an unknown worker refused', async () => {
    const site = (
      await ctx.db.query<{ id: number; area_code: string }>(
        `SELECT id, area_code FROM sites WHERE starts_with(area_code, $1) AND status = 'active' ORDER BY id LIMIT 1`,
        [A],
      )
    ).rows[0] as { id: number; area_code: string };
    const loop = await call(commander, 'POST', '/api/forces/loops', {
      name: '一号隔离点闭环',
      area_code: site.area_code,
      site_id: site.id,
      lodging: '隔离点旁酒店',
      post: '一号隔离点',
      transport: '专车点对点',
      test_hour: 10,
    });
    expect(loop.statusCode, loop.body).toBe(200);
    loopId = loop.json().id;
    // The site's staff on today's roster, in the loop.
    const mine = (await board()).find((x) => x.id === districtRoster);
    const staff = [
      ...new Set(
        mine?.shifts
          .filter((s) => s.skill === 'site_staff' && s.status === 'confirmed')
          .map((s) => s.worker_id),
      ),
    ];
    loopWorkers.push(...staff.slice(0, 4));
    expect(loopWorkers).toHaveLength(4);
    const join = await call(commander, 'POST', `/api/forces/loops/${loopId}/workers`, {
      worker_ids: loopWorkers,
    });
    expect(join.json().joined).toHaveLength(4);
    // The join form's list: workers a loop can take now (on duty or resting), not those already in it.
    const joinable = await call(
      commander,
      'GET',
      `/api/forces/workers?available=true&not_loop=${loopId}&limit=2000`,
    );
    const offered = joinable.json().items as { id: number; status: string; loop_id: number | null }[];
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.some((w) => loopWorkers.includes(w.id))).toBe(false);
    expect(offered.every((w) => w.status === 'on_duty' || w.status === 'resting')).toBe(true);
    const unknownJoin = await call(commander, 'POST', `/api/forces/loops/${loopId}/workers`, {
      worker_ids: [999999],
    });
    expect(unknownJoin.json().error.code).toBe('worker_not_found');
    expect(await count('loop_test_due WHERE loop_id = $1', [loopId])).toBe(8); // today and tomorrow
    expect(await checkLoopGaps(ctx.db, clock)).toBe(0); // 09:00, due at 10:00
    for (const w of loopWorkers.slice(0, 3)) {
      const t = await call(commander, 'POST', '/api/forces/tests', {
        key: `loop-test-${w}`,
        worker_id: w,
        taken_at: new Date(clock.now().getTime() - 10 * MIN).toISOString(),
        result: 'negative',
      });
      expect(t.statusCode, t.body).toBe(200);
      expect(t.json().due_met).not.toBeNull();
    }
    const retry = await call(commander, 'POST', '/api/forces/tests', {
      key: `loop-test-${loopWorkers[0]}`,
      worker_id: loopWorkers[0],
      taken_at: new Date(clock.now().getTime() - 10 * MIN).toISOString(),
      result: 'negative',
    });
    expect(retry.json().duplicate).toBe(true);
    const before = await snapshot();
    const unknown = await call(commander, 'POST', '/api/forces/tests', {
      key: 'loop-test-unknown',
      worker_id: 987654,
      taken_at: clock.now().toISOString(),
      result: 'positive',
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('worker_not_found');
    const foreign = await call(commanderB, 'POST', '/api/forces/tests', {
      key: 'loop-test-foreign',
      worker_id: loopWorkers[3],
      taken_at: clock.now().toISOString(),
      result: 'negative',
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('worker_not_found');
    expect(await snapshot()).toEqual(before);
    clock.advance(70 * MIN); // 10:10: the fourth worker's test is missing
    expect(await checkLoopGaps(ctx.db, clock)).toBe(1);
    expect(await checkLoopGaps(ctx.db, clock)).toBe(0);
    const day0 = new Date(`${DAY}T00:00:00+08:00`);
    const to = new Date(day0.getTime() + 86_400_000);
    expect((await forcesFigures(ctx.db, { prefix: A }, day0, to, clock.now())).loop_test_gaps).toBe(1);
    const loops = await call(commander, 'GET', `/api/forces/loops?day=${DAY}`);
    const sched = loops.json().items[0].schedule as { worker_id: number; state: string }[];
    expect(sched.filter((x) => x.state === 'gap').map((x) => x.worker_id)).toEqual([loopWorkers[3]]);
    const list = await responsibilityList(ctx.db, { prefix: A }, clock.now());
    expect(list.filter((x) => x.kind === 'loop_test_gap')).toHaveLength(1);
  });

  it('makes a positive worker a case, traces the whole loop, quarantines and replaces them on the roster', async () => {
    const positive = loopWorkers[3] as number;
    const person = (
      await ctx.db.query<{ person_id: number }>('SELECT person_id FROM workers WHERE id = $1', [positive])
    ).rows[0]?.person_id;
    const mineBefore = (await board()).find((x) => x.id === districtRoster);
    const hisShifts =
      mineBefore?.shifts.filter((s) => s.worker_id === positive && s.status === 'confirmed') ?? [];
    expect(hisShifts.length).toBeGreaterThan(0);
    const res = await call(commander, 'POST', '/api/forces/tests', {
      key: 'loop-test-positive',
      worker_id: positive,
      taken_at: clock.now().toISOString(),
      result: 'positive',
    });
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json();
    expect(out.case_id).not.toBeNull();
    expect(out.contacts).toBe(3);
    expect(out.removed_shifts).toBe(hisShifts.length);
    expect(await count('cases WHERE person_id = $1', [person])).toBe(1);
    // The loop's other workers are close contacts of the case, raised by tracing as for any case.
    const raised = await ctx.db.query<{ risk_status: string }>(
      `SELECT coalesce(r.risk_status, 'none') AS risk_status FROM workers w LEFT JOIN person_risk r ON r.person_id = w.person_id
        WHERE w.loop_id = $1 AND w.id <> $2 AND w.person_id IS NOT NULL`,
      [loopId, positive],
    );
    expect(raised.rows.map((r) => r.risk_status)).toEqual([
      'close_contact',
      'close_contact',
      'close_contact',
    ]);
    expect(
      (await ctx.db.query<{ status: string }>('SELECT status FROM workers WHERE id = $1', [positive])).rows[0]
        ?.status,
    ).toBe('quarantined');
    // The gap task is cancelled (the worker is in quarantine); his shift is a shortfall with a replacement proposed.
    expect(await count(`tasks WHERE kind = 'loop_test_gap' AND status = 'open'`)).toBe(0);
    const mine = (await board()).find((x) => x.id === districtRoster);
    expect(mine?.shifts.filter((s) => s.worker_id === positive && s.status !== 'removed')).toEqual([]);
    const replacements = mine?.shifts.filter((s) => s.origin === 'replacement') ?? [];
    expect(replacements.length).toBe(out.replacements);
    expect(mine?.pending).toBe(out.replacements);
    const slot = mine?.coverage.find(
      (c) =>
        c.skill === hisShifts[0]?.skill &&
        c.area_code === hisShifts[0]?.area_code &&
        c.shift === hisShifts[0]?.shift,
    );
    expect(slot?.short).toBeGreaterThan(0); // until the replacement is confirmed
    expect(slot?.reason.k).toBe('forces.worker_removed');
    expect(out.replacements).toBe(hisShifts.length); // 12 site staff for 6 places a day: someone is free
    const ok = await call(commander, 'POST', `/api/forces/rosters/${districtRoster}/confirm`);
    expect(ok.json()).toMatchObject({ already: false, confirmed: out.replacements });
    const after = (await board()).find((x) => x.id === districtRoster);
    const slotAfter = after?.coverage.find((c) => c.id === slot?.id);
    expect(slotAfter?.assigned).toBe(slot?.assigned === undefined ? -1 : slot.assigned + 1);
    // A quarantined worker gets no shift by hand either.
    const no = await call(commander, 'POST', `/api/forces/rosters/${districtRoster}/shifts`, {
      worker_id: positive,
      area_code: A,
      skill: 'site_staff',
      shift: 'night',
    });
    expect(no.json().error.code).toBe('worker_unavailable');
  });

  it('shows the same figures on the dashboard, the daily report and the module page', async () => {
    await refreshDashboard(ctx.db, clock);
    const dash = (
      await ctx.db.query<{ figures: Record<string, number> }>(
        'SELECT figures FROM dashboard_figures WHERE area_code = $1',
        [A],
      )
    ).rows[0]?.figures as Record<string, number>;
    const report = await dailyReport(ctx.db, { prefix: A }, DAY, clock.now());
    const page = (await call(commander, 'GET', `/api/forces/figures?day=${DAY}`)).json().figures;
    expect(report.forces).toEqual(page);
    for (const k of ['forces_on_duty', 'forces_shortfall', 'loop_test_gaps'] as const)
      expect(dash[k] ?? 0, k).toBe(report.forces[k]);
    expect(report.forces.forces_on_duty).toBeGreaterThan(20);
    const onDuty = await ctx.db.query<{ n: number }>(
      `SELECT count(DISTINCT s.worker_id)::int AS n FROM roster_shifts s JOIN rosters r ON r.id = s.roster_id
        WHERE r.status = 'confirmed' AND s.status = 'confirmed' AND starts_with(s.area_code, $1)
          AND s.starts_at >= $2 AND s.starts_at < $2::timestamptz + interval '1 day'`,
      [A, new Date(`${DAY}T00:00:00+08:00`)],
    );
    expect(report.forces.forces_on_duty).toBe(onDuty.rows[0]?.n);
    expect(
      (await forcesFigures(ctx.db, UNSCOPED, new Date(0), new Date(1), clock.now())).forces_on_duty,
    ).toBe(0);
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
  });

  it('records an entry into a loop after the fact: today’s passed test is then due, never ahead or days back', async () => {
    const now = clock.now(); // DAY 10:10 Beijing
    const place = (
      await ctx.db.query<{ area_code: string }>('SELECT area_code FROM workers WHERE id = $1', [
        loopWorkers[0],
      ])
    ).rows[0]?.area_code as string;
    const loop = await call(commander, 'POST', '/api/forces/loops', {
      name: '二号采样点闭环',
      area_code: place,
      lodging: '驻地宾馆',
      post: '二号采样点',
      transport: '专车接送',
      test_hour: 8,
    });
    expect(loop.statusCode, loop.body).toBe(200);
    const id = loop.json().id as number;
    const late = await register({ name: '补录甲', role: 'sampler', area_code: place });
    const before = await snapshot();
    const ahead = await call(commander, 'POST', `/api/forces/loops/${id}/workers`, {
      worker_ids: [late.id],
      joined_at: new Date(now.getTime() + 15 * MIN).toISOString(),
    });
    expect(ahead.statusCode).toBe(400);
    expect(ahead.json().error.code).toBe('time_in_future');
    const old = await call(commander, 'POST', `/api/forces/loops/${id}/workers`, {
      worker_ids: [late.id],
      joined_at: new Date(now.getTime() - 73 * 3_600_000).toISOString(),
    });
    expect(old.statusCode).toBe(400);
    expect(old.json().error.code).toBe('joined_too_long_ago');
    // Another district's commander finds no such loop, backdated or not.
    const foreign = await call(commanderB, 'POST', `/api/forces/loops/${id}/workers`, {
      worker_ids: [late.id],
      joined_at: `${DAY}T07:00:00+08:00`,
    });
    expect(foreign.statusCode).toBe(404);
    expect(await snapshot()).toEqual(before);
    // Moved in at 07:00, recorded at 10:10: the 08:00 test was theirs, and is missing.
    const joined = await call(commander, 'POST', `/api/forces/loops/${id}/workers`, {
      worker_ids: [late.id],
      joined_at: `${DAY}T07:00:00+08:00`,
    });
    expect(joined.statusCode, joined.body).toBe(200);
    const dues = await ctx.db.query<{ due_at: Date }>(
      'SELECT due_at FROM loop_test_due WHERE worker_id = $1 ORDER BY due_at',
      [late.id],
    );
    expect(dues.rows.map((r) => r.due_at.toISOString())).toEqual([
      new Date(`${DAY}T08:00:00+08:00`).toISOString(),
      new Date(new Date(`${DAY}T08:00:00+08:00`).getTime() + 86_400_000).toISOString(),
    ]);
    expect(await checkLoopGaps(ctx.db, clock)).toBe(1);
    // Joined now, the same worker's first test would have been tomorrow's.
    const other = await register({ name: '补录乙', role: 'sampler', area_code: place });
    await call(commander, 'POST', `/api/forces/loops/${id}/workers`, { worker_ids: [other.id] });
    expect(await count('loop_test_due WHERE worker_id = $1', [other.id])).toBe(1);
    // Entered yesterday morning, recorded today: yesterday's test and today's are both missing; nobody else's
    // yesterday is written by it.
    const third = await register({ name: '补录丙', role: 'sampler', area_code: place });
    const yesterday = new Date(new Date(`${DAY}T07:00:00+08:00`).getTime() - 86_400_000);
    const others = await count('loop_test_due WHERE worker_id <> $1', [third.id]);
    const back = await call(commander, 'POST', `/api/forces/loops/${id}/workers`, {
      worker_ids: [third.id],
      joined_at: yesterday.toISOString(),
    });
    expect(back.statusCode, back.body).toBe(200);
    expect(await count('loop_test_due WHERE worker_id = $1', [third.id])).toBe(3);
    expect(await count('loop_test_due WHERE worker_id <> $1', [third.id])).toBe(others);
    expect(await checkLoopGaps(ctx.db, clock)).toBe(2);
    // A few minutes ahead (a device's clock running fast) is taken as now.
    const fast = await register({ name: '补录丁', role: 'sampler', area_code: place });
    const ahead5 = await call(commander, 'POST', `/api/forces/loops/${id}/workers`, {
      worker_ids: [fast.id],
      joined_at: new Date(now.getTime() + 3 * MIN).toISOString(),
    });
    expect(ahead5.statusCode, ahead5.body).toBe(200);
    const at = await ctx.db.query<{ loop_joined_at: Date }>(
      'SELECT loop_joined_at FROM workers WHERE id = $1',
      [fast.id],
    );
    expect(at.rows[0]?.loop_joined_at.toISOString()).toBe(now.toISOString());
  });
});

/** The 清仓 loop through the API: place, arrive, release or discharge, disinfect, board — and every refusal. */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { type Phrase, renderPhrase } from '../../domain/phrase.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { verifyAudit } from '../access/audit.ts';
import { seedCity } from '../registry/seed-city.ts';
import { createCase } from '../tracing/trace-case.ts';

const clock = new ManualClock('2022-03-14T02:00:00Z');

describeBackends('isolation', (ctx) => {
  let app: FastifyInstance;
  let s: TestSession;
  let family: number[];
  let mildCase: number;
  let severeCase: number;
  const call = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: s.headers, payload: payload as never });

  beforeAll(async () => {
    clock.set('2022-03-14T02:00:00Z');
    await seedCity(ctx.db, { city: '2202', people: 20_000, seed: 8, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    // A household of three or more with a child: close contacts.
    const f = await ctx.db.query<{ household_id: number }>(
      `SELECT household_id FROM persons GROUP BY household_id
        HAVING count(*) >= 3 AND bool_or(birth_date > '2010-01-01') ORDER BY household_id LIMIT 1`,
    );
    const members = await ctx.db.query<{ id: number }>(
      'SELECT id FROM persons WHERE household_id = $1 ORDER BY id',
      [f.rows[0]?.household_id],
    );
    family = members.rows.map((m) => m.id);
    await ctx.db.query(
      `INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'close_contact', $2, area_code FROM persons WHERE id = ANY($1::int8[]) ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at`,
      [family, clock.now()],
    );
    // Two cases: a mild one and a severe one.
    const two = await ctx.db.query<{ id: number }>(
      'SELECT id FROM persons WHERE household_id <> $1 ORDER BY id DESC LIMIT 2',
      [f.rows[0]?.household_id],
    );
    [mildCase, severeCase] = two.rows.map((r) => r.id) as [number, number];
    await ctx.db.transaction(async (tx) => {
      await createCase(tx, clock, { personId: mildCase, firstPositiveAt: clock.now(), severity: 'mild' });
      await createCase(tx, clock, { personId: severeCase, firstPositiveAt: clock.now(), severity: 'severe' });
    });
    s = await loginAs(app, ctx.db, 'site_manager', '2202');
  });
  afterAll(async () => {
    await app.close();
  });

  it('places cases in the right hospital beds and the family together, explaining each choice', async () => {
    const res = await call('POST', '/api/isolation/place', { edition: '8th' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().placed).toBe(family.length + 2);
    const stays = (await call('GET', '/api/isolation/stays')).json().items as {
      id: number;
      person_id: number;
      category: string;
      site_id: number;
      room_id: number | null;
      bed_id: number | null;
      room: string | null;
      reason: string;
      reason_phrase: Phrase[] | null;
    }[];
    // The first of them, and how many there are in all.
    const one = (await call('GET', '/api/isolation/stays?limit=1')).json();
    expect(one.items).toHaveLength(1);
    expect(one.total).toBe(stays.length);
    expect(stays.length).toBe(family.length + 2);
    // Paged by the cursor, two at a time: every stay once, in order, the total on the first page only.
    const paged: number[] = [];
    let after: number | null = null;
    for (let page = 0; page < 20; page++) {
      const res = await call('GET', `/api/isolation/stays?limit=2${after === null ? '' : `&after=${after}`}`);
      const body = res.json() as { items: { id: number }[]; next_after: number | null; total: number | null };
      expect(body.total).toBe(page === 0 ? stays.length : null);
      paged.push(...body.items.map((x) => x.id));
      after = body.next_after;
      if (after === null) break;
      expect(after).toBe(body.items.at(-1)?.id);
    }
    expect(paged).toEqual(stays.map((x) => x.id));
    expect((await call('GET', '/api/isolation/stays?after=x')).statusCode).toBe(400);
    const kindOf = async (siteId: number) =>
      (await ctx.db.query<{ kind: string }>('SELECT kind FROM sites WHERE id = $1', [siteId])).rows[0]?.kind;
    const mild = stays.find((x) => x.person_id === mildCase);
    const severe = stays.find((x) => x.person_id === severeCase);
    expect(await kindOf(mild?.site_id as number)).toBe('shelter_hospital');
    expect(await kindOf(severe?.site_id as number)).toBe('designated_hospital');
    expect(mild?.bed_id).not.toBeNull();
    const fam = stays.filter((x) => family.includes(x.person_id));
    for (const x of fam) {
      expect(x.room_id).not.toBeNull();
      expect(x.reason.length).toBeGreaterThan(10);
      // The reason is kept as a phrase too: the same English, Chinese words, the room by its number and the
      // site by its name (not the engine's internal numbers).
      const roomCode = (
        await ctx.db.query<{ code: string; site: string }>(
          'SELECT r.code, s.name AS site FROM rooms r JOIN sites s ON s.id = r.site_id WHERE r.id = $1',
          [x.room_id],
        )
      ).rows[0] as { code: string; site: string };
      expect(x.room).toBe(roomCode.code);
      expect(renderPhrase(x.reason_phrase ?? [], 'en')).toBe(x.reason);
      const zh = renderPhrase(x.reason_phrase ?? [], 'zh');
      expect(zh).toMatch(new RegExp(`(房间|家庭房) ${roomCode.code}`));
      expect(zh).toContain(roomCode.site);
      expect(zh.replaceAll(roomCode.site, '').replaceAll(roomCode.code, '')).not.toMatch(/[A-Za-z]/);
    }
    // No room holds more than its capacity, and rooms are reserved.
    const over = await ctx.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM rooms r WHERE (SELECT count(*) FROM placements p WHERE p.room_id = r.id AND p.status IN ('placed','arrived')) > r.capacity`,
    );
    expect(over.rows[0]?.n).toBe(0);
    const again = (await call('POST', '/api/isolation/place', {})).json();
    expect(again.placed).toBe(0); // nobody placed twice
    await expect(
      ctx.db.query(
        `INSERT INTO placements (person_id, category, site_id, room_id, reason, edition, found_at, placed_at)
                    SELECT person_id, category, site_id, room_id, 'again', edition, found_at, placed_at FROM placements WHERE person_id = $1`,
        [family[0]],
      ),
    ).rejects.toThrow(); // the database refuses a second open stay too
  });

  it('keeps the stays list’s total (QINGCANG_LIST_CACHE_MS) per jurisdiction until a change through the server', async () => {
    const cached = await buildApp({
      db: ctx.db,
      clock,
      logger: false,
      loginRateLimit: 100_000,
      listCacheMs: 60_000,
    });
    try {
      const city = await loginAs(cached, ctx.db, 'site_manager', '2202');
      const total = async (session: TestSession) =>
        (
          await cached.inject({
            method: 'GET',
            url: '/api/isolation/stays?limit=1',
            headers: session.headers,
          })
        ).json().total as number;
      const first = await total(city);
      // A stay ended behind the server's back (another process): the kept total does not see it yet.
      const gone = (
        await ctx.db.query<{ id: number; person_area: string }>(
          `SELECT id, person_area FROM placements WHERE status = 'placed' ORDER BY id LIMIT 1`,
        )
      ).rows[0] as { id: number; person_area: string };
      await ctx.db.query(`UPDATE placements SET status = 'released' WHERE id = $1`, [gone.id]);
      expect(await total(city)).toBe(first);
      // Another jurisdiction's total is its own, counted afresh.
      const district = await loginAs(cached, ctx.db, 'site_manager', gone.person_area.slice(0, 6));
      const own = await ctx.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM placements WHERE status IN ('placed', 'arrived')
            AND (starts_with(person_area, $1) OR starts_with(site_area, $1))`,
        [gone.person_area.slice(0, 6)],
      );
      const districtTotal = await total(district);
      expect(districtTotal).toBe(own.rows[0]?.n);
      // A change through this server (any write answered 2xx) drops the kept totals.
      const switched = await cached.inject({
        method: 'PUT',
        url: '/api/isolation/auto-placement',
        headers: city.headers,
        payload: { enabled: false },
      });
      expect(switched.statusCode, switched.body).toBe(200);
      expect(await total(city)).toBe(first - 1);
      await ctx.db.query(`UPDATE placements SET status = 'placed' WHERE id = $1`, [gone.id]);
    } finally {
      await cached.close();
    }
  });

  it('runs a stay: arrival, term and tests, no early release, release, home monitoring', async () => {
    const stays = (await call('GET', '/api/isolation/stays')).json().items as {
      id: number;
      person_id: number;
      room_id: number | null;
    }[];
    const fam = stays.filter((x) => family.includes(x.person_id));
    const mine = fam.find((x) => x.person_id === family[0]) as { id: number; room_id: number };
    for (const x of fam) {
      const arrived = await call('POST', `/api/isolation/stays/${x.id}/arrive`);
      expect(arrived.statusCode, arrived.body).toBe(200);
      expect(new Date(arrived.json().due_at).toISOString()).toBe('2022-03-28T02:00:00.000Z'); // 14 days, 8th edition
    }
    expect((await call('POST', `/api/isolation/stays/${mine.id}/arrive`)).json().error.code).toBe(
      'transition_invalid',
    );
    const early = await call('POST', `/api/isolation/stays/${mine.id}/release`);
    expect(early.json().error.code).toBe('term_not_over');
    const busy = await call('POST', `/api/isolation/rooms/${mine.room_id}/disinfection`, { action: 'start' });
    expect(busy.json().error.message).toMatch(/occupied — someone is in it/);
    clock.set('2022-03-28T03:00:00Z');
    s = await loginAs(app, ctx.db, 'site_manager', '2202'); // a new shift
    const pending = await call('POST', `/api/isolation/stays/${mine.id}/release`);
    expect(pending.json().error.code).toBe('tests_outstanding');
    const tests = await ctx.db.query<{ id: number; person_id: number }>(
      "SELECT id, person_id FROM tasks WHERE kind = 'quarantine_test' AND person_id = ANY($1::int8[]) ORDER BY person_id, due_at",
      [family],
    );
    expect(tests.rows.filter((t) => t.person_id === family[0])).toHaveLength(4); // days 1, 4, 7, 14
    for (const t of tests.rows)
      expect((await call('POST', `/api/tasks/${t.id}/done`, { note: '阴性' })).statusCode).toBe(200);
    expect((await call('POST', `/api/tasks/${tests.rows[0]?.id}/done`, {})).statusCode).toBe(404); // already done
    for (const x of fam) {
      const released = await call('POST', `/api/isolation/stays/${x.id}/release`);
      expect(released.statusCode, released.body).toBe(200);
      expect(released.json()).toEqual({ homeMonitoringDays: 7 });
    }
    const p = await ctx.db.query<{ risk_status: string }>(
      `SELECT coalesce((SELECT r.risk_status FROM person_risk r WHERE r.person_id = $1), 'none') AS risk_status`,
      [family[0]],
    );
    expect(p.rows[0]?.risk_status).toBe('home_monitoring');
  });

  it('turns the emptied room over through terminal disinfection and shows it on the board', async () => {
    const rooms = await ctx.db.query<{ room_id: number; status: string }>(
      'SELECT DISTINCT p.room_id, r.status FROM placements p JOIN rooms r ON r.id = p.room_id WHERE p.person_id = ANY($1::int8[])',
      [family],
    );
    for (const r of rooms.rows) expect(r.status).toBe('awaiting_disinfection');
    const roomId = (rooms.rows[0] as { room_id: number }).room_id;
    expect(
      (await call('POST', `/api/isolation/rooms/${roomId}/disinfection`, { action: 'finish' })).json().error
        .code,
    ).toBe('transition_invalid');
    clock.set('2022-03-28T05:00:00Z');
    expect(
      (await call('POST', `/api/isolation/rooms/${roomId}/disinfection`, { action: 'start' })).json(),
    ).toEqual({ status: 'disinfecting' });
    const done = (
      await call('POST', `/api/isolation/rooms/${roomId}/disinfection`, { action: 'finish' })
    ).json();
    expect(done).toEqual({ status: 'available', turnoverMinutes: 120 });
    const board = (await call('GET', '/api/isolation/board?date=2022-03-28')).json();
    expect(board).toMatchObject({
      released_today: family.length,
      units_freed_today: 1,
      turnover_minutes: { p50: 120, p90: 120 },
    });
    expect(board.occupancy.length).toBeGreaterThan(0);
  });

  it('discharges a case only on two Ct ≥ 35 results 24 h apart', async () => {
    const stays = (await call('GET', '/api/isolation/stays')).json().items as {
      id: number;
      person_id: number;
    }[];
    const c = stays.find((x) => x.person_id === mildCase) as { id: number };
    await call('POST', `/api/isolation/stays/${c.id}/arrive`);
    expect((await call('POST', `/api/isolation/stays/${c.id}/release`)).json().error.code).toBe(
      'use_discharge',
    );
    const bad = await call('POST', `/api/isolation/stays/${c.id}/discharge`, {
      tests: [
        { at: '2022-03-27T01:00:00Z', ct: 36 },
        { at: '2022-03-27T20:00:00Z', ct: 38 },
      ],
    });
    expect(bad.json().error).toMatchObject({
      code: 'discharge_criteria_not_met',
      message: expect.stringMatching(/24 h apart/),
    });
    const ok = await call('POST', `/api/isolation/stays/${c.id}/discharge`, {
      tests: [
        { at: '2022-03-26T01:00:00Z', ct: 36 },
        { at: '2022-03-27T20:00:00Z', ct: 38 },
      ],
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const bed = await ctx.db.query<{ status: string }>(
      'SELECT b.status FROM beds b JOIN placements p ON p.bed_id = b.id WHERE p.id = $1',
      [c.id],
    );
    expect(bed.rows[0]?.status).toBe('awaiting_disinfection');
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
  });

  it('activates reserve sites through acceptance, and reports stock, backlog and the forecast', async () => {
    const reserve = await ctx.db.query<{ id: number }>(
      "SELECT id FROM sites WHERE status = 'reserve' ORDER BY id LIMIT 1",
    );
    const id = reserve.rows[0]?.id;
    if (id !== undefined) {
      expect((await call('POST', `/api/isolation/sites/${id}/accept`)).json().error.code).toBe(
        'transition_invalid',
      ); // inspect first
      expect((await call('POST', `/api/isolation/sites/${id}/inspect`)).json()).toEqual({
        id,
        status: 'inspecting',
      });
      expect((await call('POST', `/api/isolation/sites/${id}/accept`)).json()).toEqual({
        id,
        status: 'active',
      });
    }
    const stock = (await call('GET', '/api/isolation/stock?date=2022-03-28')).json();
    expect(stock.held.some((h: { category: string }) => h.category === 'case')).toBe(true);
    expect(stock.backlog.people).toBe(0);
    const f = (await call('GET', '/api/isolation/forecast')).json();
    expect(f).toMatchObject({ days: 3 });
    // Inflow is the people found (cases by found_at), not the placements; those waiting count too.
    const now = clock.now();
    const found = await ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM cases WHERE found_at >= $1 AND found_at < $2',
      [new Date(now.getTime() - 3 * 86_400_000), now],
    );
    expect(f.inflow_per_day.cases).toBe(Number(((found.rows[0]?.n ?? 0) / 3).toFixed(1)));
    expect(f.waiting_now).toEqual({ cases: 0, contacts: 0 });
    expect(f.rooms.free).toBeGreaterThan(0);
    expect(typeof f.note).toBe('string');
  });

  it('exports the whole list of people held, in words, as the list shows it', async () => {
    const list = (await call('GET', '/api/isolation/stays?limit=1000')).json().items as {
      id: number;
      person_name: string;
    }[];
    const csv = await call('GET', '/api/isolation/stays/export?format=csv');
    expect(csv.statusCode, csv.body).toBe(200);
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).toMatch(/^安置编号,姓名,人员所在区域,类别,场所/);
    expect(lines.length - 1).toBe(list.length);
    expect(lines[1]).toContain(list[0]?.person_name as string);
    expect(lines.slice(1).join('\n')).not.toMatch(/close_contact|confirmed|placed\b|arrived\b/);
    const placedOnly = await call('GET', '/api/isolation/stays/export?format=csv&status=placed&lang=en');
    expect(placedOnly.body.replace(/^\uFEFF/, '').split(/\r?\n/)[0]).toMatch(/^Stay,Name,/);
  });

  it('monitors health: a fever raises an alert and an extra test, a resent check counts once', async () => {
    const placed = (await call('GET', '/api/isolation/stays?status=placed')).json().items as {
      id: number;
      person_id: number;
    }[];
    const stay = placed[0] as { id: number; person_id: number };
    expect((await call('POST', `/api/isolation/stays/${stay.id}/arrive`)).statusCode).toBe(200);
    clock.set('2022-03-28T06:00:00Z');
    // Impossible dates are refused: before the stay began, in the future, or no time at all.
    for (const [at, code] of [
      ['2022-03-28T04:00:00Z', 'before_stay'],
      ['2022-03-29T06:00:00Z', 'clock_skew'],
      ['2000-01-01T00:00:00Z', 'validation_failed'],
      [true, 'validation_failed'],
    ] as const) {
      const r = await call('POST', `/api/isolation/stays/${stay.id}/health`, { at, temperature: 36.6 });
      expect(r.statusCode, String(at)).toBe(400);
      expect(r.json().error.code, String(at)).toBe(code);
    }
    const ok = await call('POST', `/api/isolation/stays/${stay.id}/health`, {
      at: '2022-03-28T05:10:00Z',
      temperature: 36.6,
    });
    expect(ok.json()).toEqual({ status: 'recorded', alert: false });
    const fever = { at: '2022-03-28T05:30:00Z', temperature: 38.1, symptoms: ['cough'] };
    expect((await call('POST', `/api/isolation/stays/${stay.id}/health`, fever)).json()).toEqual({
      status: 'recorded',
      alert: true,
    });
    expect((await call('POST', `/api/isolation/stays/${stay.id}/health`, fever)).json().status).toBe(
      'duplicate',
    );
    const tasks = await ctx.db.query<{ kind: string }>(
      "SELECT kind FROM tasks WHERE person_id = $1 AND kind IN ('health_alert', 'extra_test') ORDER BY kind",
      [stay.person_id],
    );
    expect(tasks.rows.map((t) => t.kind)).toEqual(['extra_test', 'health_alert']);
    expect(
      (
        await call('POST', `/api/isolation/stays/${stay.id}/health`, {
          at: '2022-03-28T05:40:00Z',
          temperature: 50,
        })
      ).statusCode,
    ).toBe(400);
  });
});

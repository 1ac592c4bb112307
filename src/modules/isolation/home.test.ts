/** Stays at home: 9th-edition home isolation of secondary contacts, home monitoring after release, their end. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { UNSCOPED } from '../access/scope.ts';
import { seedCity } from '../registry/seed-city.ts';
import { type HomeStayRow, homeStays } from './home-list.ts';

const clock = new ManualClock('2022-06-28T02:00:00Z');

describeBackends('stays at home', (ctx) => {
  let app: FastifyInstance;
  let s: TestSession;
  let secondary: { id: number; area_code: string }[];
  let close: number[];
  const call = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: s.headers, payload: payload as never });
  const statusOf = async (id: number) =>
    (
      await ctx.db.query<{ risk_status: string }>(
        `SELECT coalesce((SELECT r.risk_status FROM person_risk r WHERE r.person_id = $1), 'none') AS risk_status`,
        [id],
      )
    ).rows[0]?.risk_status;

  beforeAll(async () => {
    clock.set('2022-06-28T02:00:00Z');
    await seedCity(ctx.db, { city: '2202', people: 8_000, seed: 17, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    const sec = await ctx.db.query<{ id: number; area_code: string }>(
      'SELECT id, area_code FROM persons ORDER BY id LIMIT 5',
    );
    secondary = sec.rows;
    await ctx.db.query(
      `INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'secondary_contact', $2, area_code FROM persons WHERE id = ANY($1::int8[]) ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at`,
      [secondary.map((p) => p.id), clock.now()],
    );
    const cl = await ctx.db.query<{ id: number }>('SELECT id FROM persons ORDER BY id DESC LIMIT 1');
    close = cl.rows.map((r) => r.id);
    await ctx.db.query(
      `INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'close_contact', $2, area_code FROM persons WHERE id = ANY($1::int8[]) ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at`,
      [close, clock.now()],
    );
    s = await loginAs(app, ctx.db, 'site_manager', '2202');
  });
  afterAll(async () => {
    await app.close();
  });

  it('isolates 9th-edition secondary contacts at home, with tests owned by their community, once', async () => {
    const res = await call('POST', '/api/isolation/place', { edition: '9th' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ placed: close.length, home_isolated: secondary.length });
    const placed = await ctx.db.query('SELECT 1 FROM placements WHERE person_id = ANY($1::int8[])', [
      secondary.map((p) => p.id),
    ]);
    expect(placed.rows).toHaveLength(0); // no quarantine room for them
    const home = (await call('GET', '/api/isolation/home')).json().items as {
      person_id: number;
      area_code: string;
      kind: string;
      due_at: string;
      tests_open: number;
    }[];
    expect(home).toHaveLength(secondary.length);
    for (const h of home) {
      expect(h).toMatchObject({ kind: 'isolation', tests_open: 3 }); // days 1, 4, 7
      expect(new Date(h.due_at).toISOString()).toBe('2022-07-05T02:00:00.000Z');
      expect(h.area_code).toBe(secondary.find((p) => p.id === h.person_id)?.area_code);
    }
    const tasks = await ctx.db.query<{ area_code: string; person_id: number }>(
      "SELECT area_code, person_id FROM tasks WHERE kind = 'home_test'",
    );
    expect(tasks.rows).toHaveLength(secondary.length * 3);
    for (const t of tasks.rows)
      expect(t.area_code).toBe(secondary.find((p) => p.id === t.person_id)?.area_code);
    // The list says how many there are; a short page says so too, and the export holds them all, in words.
    const short = (await call('GET', '/api/isolation/home?limit=1')).json();
    expect(short.items).toHaveLength(1);
    expect(short.total).toBe(secondary.length);
    // Paged by the cursor, due first: every stay once, in the list's order, the total on the first page only.
    const all = (await call('GET', '/api/isolation/home?limit=1000')).json().items as { id: number }[];
    const seen: number[] = [];
    let cursor: number | null = null;
    for (let page = 0; page < 200; page++) {
      const body = (
        await call('GET', `/api/isolation/home?limit=2${cursor === null ? '' : `&after=${cursor}`}`)
      ).json() as { items: { id: number }[]; next_after: number | null; total: number | null };
      expect(body.total).toBe(page === 0 ? secondary.length : null);
      seen.push(...body.items.map((x) => x.id));
      cursor = body.next_after;
      if (cursor === null) break;
    }
    expect(seen).toEqual(all.map((x) => x.id));
    const csv = await call('GET', '/api/isolation/home/export?format=csv');
    expect(csv.statusCode, csv.body).toBe(200);
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).toBe('居家编号,姓名,所在区域,类型,人员类别,方案版本,开始,到期,待做检测');
    // Narrowed to an area (it was ignored): only that area's people; another district's is refused.
    const area = secondary[0]?.area_code as string;
    const inArea = secondary.filter((p) => p.area_code.startsWith(area)).length;
    const narrowed = await call('GET', `/api/isolation/home/export?format=csv&area=${area}`);
    expect(
      narrowed.body
        .replace(/^\uFEFF/, '')
        .trim()
        .split(/\r?\n/),
    ).toHaveLength(inArea + 1);
    expect((await call('GET', `/api/isolation/home?area=${area}`)).json().total).toBe(inArea);
    const elsewhere = await call('GET', '/api/isolation/home/export?format=csv&area=220300');
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json().error.code).toBe('out_of_jurisdiction');
    expect(lines).toHaveLength(secondary.length + 1);
    expect(lines[1]).toMatch(/,居家隔离,次密接,第九版方案,2022-06-28 \d\d:\d\d,2022-07-05 10:00,3$/);
    expect(lines.slice(1).join('\n')).not.toMatch(/isolation|secondary|9th|T\d\d:/);
    const monitoring = await call('GET', '/api/isolation/home/export?format=csv&kind=monitoring&lang=en');
    expect(
      monitoring.body
        .replace(/^\uFEFF/, '')
        .trim()
        .split(/\r?\n/),
    ).toEqual(['Home stay,Name,Area,Kind,Category,Edition,From,Due,Tests open']);
    // The export walks the list in pages (keyset on due time, then id): every row once, in the list's order.
    const walked: number[] = [];
    let after: { due_at: Date; id: number } | undefined;
    for (;;) {
      const page = await homeStays(ctx.db, UNSCOPED, { limit: 2, after });
      if (page.length === 0) break;
      walked.push(...page.map((h) => h.id));
      const last = page.at(-1) as HomeStayRow;
      after = { due_at: last.due_at, id: last.id };
    }
    expect(walked).toEqual(home.map((h) => (h as unknown as { id: number }).id));
    // Placing again starts nothing twice.
    expect((await call('POST', '/api/isolation/place', { edition: '9th' })).json().home_isolated).toBe(0);
    // They are not waiting for a room: the stock shows them at home.
    const stock = (await call('GET', '/api/isolation/stock?date=2022-06-28')).json();
    expect(stock.at_home).toEqual([
      {
        kind: 'isolation',
        category: 'secondary',
        held: secondary.length,
        new_today: secondary.length,
        carried_over: 0,
      },
    ]);
  });

  it('ends isolation at home when due and tested, and home monitoring after a release when due', async () => {
    // The close contact: arrived, 7 days (9th edition), tests, release → 3 days of home monitoring.
    const stay = (await call('GET', '/api/isolation/stays')).json().items[0] as { id: number };
    expect((await call('POST', `/api/isolation/stays/${stay.id}/arrive`)).statusCode).toBe(200);
    clock.set('2022-07-05T03:00:00Z');
    s = await loginAs(app, ctx.db, 'site_manager', '2202');
    const earlyRes = await call('POST', '/api/isolation/home/end-due');
    expect(earlyRes.statusCode, earlyRes.body).toBe(200);
    const early = earlyRes.json();
    expect(early.ended).toBe(0);
    expect(early.held).toHaveLength(secondary.length); // due, but their tests are not done
    expect(early.held[0].tests_outstanding).toBe(3);
    const open = await ctx.db.query<{ id: number }>(
      "SELECT id FROM tasks WHERE kind IN ('home_test', 'quarantine_test') AND status = 'open'",
    );
    for (const t of open.rows)
      expect((await call('POST', `/api/tasks/${t.id}/done`, { note: '阴性' })).statusCode).toBe(200);
    const released = await call('POST', `/api/isolation/stays/${stay.id}/release`);
    expect(released.json()).toEqual({ homeMonitoringDays: 3 });
    expect(await statusOf(close[0] as number)).toBe('home_monitoring');
    const done = (await call('POST', '/api/isolation/home/end-due')).json();
    expect(done).toEqual({ ended: secondary.length, held: [] });
    for (const p of secondary) expect(await statusOf(p.id)).toBe('released');
    const left = (await call('GET', '/api/isolation/home')).json().items;
    expect(left.map((h: { kind: string; category: string }) => `${h.kind}/${h.category}`)).toEqual([
      'monitoring/close',
    ]);
    // Three days later the monitoring ends too.
    clock.set('2022-07-08T04:00:00Z');
    s = await loginAs(app, ctx.db, 'site_manager', '2202');
    expect((await call('POST', '/api/isolation/home/end-due')).json()).toEqual({ ended: 1, held: [] });
    expect(await statusOf(close[0] as number)).toBe('released');
    expect((await call('GET', '/api/isolation/home')).json().items).toEqual([]);
    const events = await ctx.db.query("SELECT 1 FROM events WHERE type = 'isolation.home_ended'");
    expect(events.rows).toHaveLength(secondary.length + 1);
  });

  it('ends home monitoring when the person is exposed again and placed in a room, so its end cannot release them', async () => {
    // Released to home monitoring (a room freed, seven days at home), then a secondary contact of a new case.
    const x = secondary[0] as { id: number; area_code: string };
    const now = clock.now();
    const hs = await ctx.db.query<{ id: number }>(
      `INSERT INTO home_stays (person_id, kind, category, edition, area_code, started_at, due_at)
       VALUES ($1, 'monitoring', 'close', '8th', $2, $3, $3::timestamptz + interval '7 days') RETURNING id`,
      [x.id, x.area_code, now],
    );
    const homeStay = hs.rows[0]?.id as number;
    await ctx.db.query(
      `INSERT INTO tasks (kind, person_id, area_code, subject_type, subject_id, due_at, created_at, details)
       VALUES ('home_test', $1, $2, 'home_stay', $3, $4::timestamptz + interval '3 days', $4, jsonb_build_object('home_stay_id', $3::int8))`,
      [x.id, x.area_code, homeStay, now],
    );
    await ctx.db.query(
      `INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'secondary_contact', $2, area_code FROM persons WHERE id = $1 ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at`,
      [x.id, now],
    );
    const placed = await call('POST', '/api/isolation/place', { edition: '8th' });
    expect(placed.statusCode, placed.body).toBe(200);
    const stay = await ctx.db.query<{ id: number }>(
      "SELECT id FROM placements WHERE person_id = $1 AND status IN ('placed', 'arrived')",
      [x.id],
    );
    expect(stay.rows).toHaveLength(1);
    // The room supersedes the home: the home stay and its open tests end now, with an event.
    const after = await ctx.db.query<{ status: string }>('SELECT status FROM home_stays WHERE id = $1', [
      homeStay,
    ]);
    expect(after.rows[0]?.status).toBe('ended');
    const tests = await ctx.db.query<{ status: string }>(
      "SELECT status FROM tasks WHERE kind = 'home_test' AND (details->>'home_stay_id')::int8 = $1",
      [homeStay],
    );
    expect(tests.rows.map((t) => t.status)).toEqual(['cancelled']);
    const ev = await ctx.db.query(
      "SELECT 1 FROM events WHERE type = 'isolation.home_superseded' AND subject_id = $1",
      [homeStay],
    );
    expect(ev.rows).toHaveLength(1);
    // When the monitoring would have ended, nothing releases a person held in a room.
    clock.set(new Date(now.getTime() + 8 * 86_400_000).toISOString());
    s = await loginAs(app, ctx.db, 'site_manager', '2202');
    expect((await call('POST', '/api/isolation/home/end-due')).statusCode).toBe(200);
    expect(await statusOf(x.id)).toBe('secondary_contact');
  });
});

/**
 * Sites and reserve tiers (场所梯次) through the API: the listing by tier with rooms and beds free/total, every
 * lifecycle step (inspect, accept, close — closing while stays are open, closed once none is), refusals of wrong
 * transitions that write nothing, moves (转点) only into sites that take people, and jurisdiction: a user of
 * another district neither sees nor changes a site.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { verifyAudit } from '../access/audit.ts';
import { seedCity } from '../registry/seed-city.ts';

const clock = new ManualClock('2022-03-14T02:00:00Z');

interface Site {
  id: number;
  name: string;
  kind: string;
  status: string;
  tier: number;
  area_code: string;
  accepted_at: string | null;
  rooms_total: number;
  rooms_free: number;
  beds_total: number;
  beds_free: number;
  open_stays: number;
  takes_people: boolean;
  next_steps: string[];
}

/** Two districts of the seeded city (Jilin city, 2202). */
const HOME = '220202';
const OTHER = '220204';

describeBackends('isolation sites and tiers', (ctx) => {
  let app: FastifyInstance;
  let city: TestSession;
  let home: TestSession;
  let other: TestSession;
  let viewer: TestSession;
  const site: Record<string, number> = {};
  const as = (s: TestSession) => (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: s.headers, payload: payload as never });
  const list = async (s: TestSession): Promise<Site[]> => {
    const res = await as(s)('GET', '/api/isolation/sites');
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items;
  };
  const one = async (name: string, s: TestSession = city): Promise<Site> =>
    (await list(s)).find((x) => x.id === site[name]) as Site;
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await ctx.db.query<{ n: number }>(sql, params)).rows[0]?.n);
  const statusOf = async (name: string) =>
    (await ctx.db.query<{ status: string }>('SELECT status FROM sites WHERE id = $1', [site[name]])).rows[0]
      ?.status;
  const addSite = async (
    name: string,
    kind: string,
    district: string,
    status: string,
    tier: number,
    rooms: number,
    beds = 0,
  ) => {
    const { rows } = await ctx.db.query<{ id: number }>(
      `INSERT INTO sites (kind, name, area_code, address, status, tier, accepted_at)
       VALUES ($1, $2, (SELECT min(area_code) FROM persons WHERE starts_with(area_code, $3)), 'test', $4, $5,
               CASE WHEN $4 = 'active' THEN $6::timestamptz END) RETURNING id`,
      [kind, name, district, status, tier, clock.now()],
    );
    const id = rows[0]?.id as number;
    for (let i = 0; i < rooms; i++)
      await ctx.db.query('INSERT INTO rooms (site_id, code, floor, capacity) VALUES ($1, $2, 1, 1)', [
        id,
        `S${i + 1}`,
      ]);
    for (let i = 0; i < beds; i++)
      await ctx.db.query("INSERT INTO beds (site_id, ward, code) VALUES ($1, 'A', $2)", [id, `B${i + 1}`]);
    site[name] = id;
  };

  beforeAll(async () => {
    clock.set('2022-03-14T02:00:00Z');
    await seedCity(ctx.db, { city: '2202', people: 4000, seed: 8, clock });
    // Tiers 6–9 are this test's own (the seeded city uses 1–3).
    await addSite('reserve home', 'hotel', HOME, 'reserve', 7, 4);
    await addSite('reserve home 2', 'training_centre', HOME, 'reserve', 7, 3);
    await addSite('reserve other', 'hotel', OTHER, 'reserve', 7, 5);
    await addSite('active home', 'prefab', HOME, 'active', 8, 2);
    await addSite('shelter home', 'shelter_hospital', HOME, 'reserve', 9, 0, 6);
    await addSite('tier6 home', 'hotel', HOME, 'reserve', 6, 3);
    await addSite('tier6 home inspecting', 'hotel', HOME, 'inspecting', 6, 2, 1);
    await addSite('tier6 other', 'hotel', OTHER, 'reserve', 6, 4);
    await ctx.db.query("UPDATE rooms SET status = 'occupied' WHERE site_id = $1 AND code = 'S1'", [
      site['active home'],
    ]);
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    city = await loginAs(app, ctx.db, 'commander', '2202');
    home = await loginAs(app, ctx.db, 'site_manager', HOME);
    other = await loginAs(app, ctx.db, 'site_manager', OTHER);
    viewer = await loginAs(app, ctx.db, 'viewer', '2202');
  });
  afterAll(async () => {
    await app.close();
  });

  it('lists every site of the jurisdiction by tier with rooms and beds free/total and the steps it may take', async () => {
    const all = await list(city);
    expect(all.length).toBe(await count('SELECT count(*) AS n FROM sites'));
    // By tier, then id.
    const order = all.map((x) => [x.tier, x.id] as const);
    expect(order).toEqual([...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
    expect(all.find((x) => x.id === site['reserve home'])).toMatchObject({
      name: 'reserve home',
      kind: 'hotel',
      status: 'reserve',
      tier: 7,
      area_code: expect.stringMatching(new RegExp(`^${HOME}`)),
      accepted_at: null,
      rooms_total: 4,
      rooms_free: 0, // a reserve site takes nobody: its rooms are not free yet
      beds_total: 0,
      beds_free: 0,
      open_stays: 0,
      takes_people: false,
      next_steps: ['inspect'],
    });
    expect(all.find((x) => x.id === site['active home'])).toMatchObject({
      status: 'active',
      accepted_at: clock.now().toISOString(),
      rooms_total: 2,
      rooms_free: 1,
      takes_people: true,
      next_steps: ['close'],
    });
    expect(all.find((x) => x.id === site['shelter home'])).toMatchObject({
      kind: 'shelter_hospital',
      beds_total: 6,
      beds_free: 0,
    });
    // Free rooms and beds are what the forecast counts as free.
    const f = (await as(city)('GET', '/api/isolation/forecast')).json();
    expect(all.reduce((n, x) => n + x.rooms_free, 0)).toBe(f.rooms.free);
    expect(all.reduce((n, x) => n + x.beds_free, 0)).toBe(f.beds.free);
    // A reader without isolation.manage sees the sites too.
    expect((await list(viewer)).length).toBe(all.length);
  });

  it('inspects and accepts a reserve site: its rooms count as free, in the forecast too', async () => {
    const before = (await as(city)('GET', '/api/isolation/forecast')).json();
    clock.set('2022-03-14T03:00:00Z');
    const inspect = await as(city)('POST', `/api/isolation/sites/${site['reserve home']}/inspect`);
    expect(inspect.statusCode, inspect.body).toBe(200);
    expect(inspect.json()).toEqual({ id: site['reserve home'], status: 'inspecting' });
    expect(await one('reserve home')).toMatchObject({
      status: 'inspecting',
      rooms_free: 0,
      takes_people: false,
      next_steps: ['accept'],
    });
    clock.set('2022-03-14T05:00:00Z');
    const accept = await as(city)('POST', `/api/isolation/sites/${site['reserve home']}/accept`);
    expect(accept.json()).toEqual({ id: site['reserve home'], status: 'active' });
    expect(await one('reserve home')).toMatchObject({
      status: 'active',
      accepted_at: '2022-03-14T05:00:00.000Z',
      rooms_total: 4,
      rooms_free: 4,
      takes_people: true,
      next_steps: ['close'],
    });
    const after = (await as(city)('GET', '/api/isolation/forecast')).json();
    expect(after.rooms.free).toBe(before.rooms.free + 4);
    // Beds too: a shelter hospital accepted.
    for (const step of ['inspect', 'accept'])
      expect(
        (await as(home)('POST', `/api/isolation/sites/${site['shelter home']}/${step}`)).statusCode,
      ).toBe(200);
    expect(await one('shelter home')).toMatchObject({ status: 'active', beds_free: 6 });
    expect((await as(city)('GET', '/api/isolation/forecast')).json().beds.free).toBe(after.beds.free + 6);
    // Each step is an event and an audit entry.
    expect(
      await count("SELECT count(*) AS n FROM events WHERE subject_type = 'site' AND subject_id = $1", [
        site['reserve home'],
      ]),
    ).toBe(2);
    expect(
      await count(
        "SELECT count(*) AS n FROM audit_log WHERE action LIKE 'isolation.site_%' AND subject_id = $1",
        [String(site['reserve home'])],
      ),
    ).toBe(2);
  });

  it('counts an active site that is not accepted as taking nobody, on the sites page and in the forecast alike', async () => {
    // Active but never accepted (验收): e.g. set active by hand, or data from before acceptance was recorded.
    await addSite('active unaccepted', 'hotel', HOME, 'active', 8, 3, 2);
    await ctx.db.query('UPDATE sites SET accepted_at = NULL WHERE id = $1', [site['active unaccepted']]);
    const all = await list(city);
    expect(all.find((x) => x.id === site['active unaccepted'])).toMatchObject({
      status: 'active',
      accepted_at: null,
      rooms_total: 3,
      rooms_free: 0,
      beds_total: 2,
      beds_free: 0,
      takes_people: false,
    });
    const f = (await as(city)('GET', '/api/isolation/forecast')).json();
    expect(f.rooms.free).toBe(all.reduce((n, x) => n + x.rooms_free, 0));
    expect(f.beds.free).toBe(all.reduce((n, x) => n + x.beds_free, 0));
    // Accepted, its rooms and beds are free in both.
    await ctx.db.query('UPDATE sites SET accepted_at = $2 WHERE id = $1', [
      site['active unaccepted'],
      clock.now(),
    ]);
    expect((await one('active unaccepted')).rooms_free).toBe(3);
    const g = (await as(city)('GET', '/api/isolation/forecast')).json();
    expect([g.rooms.free, g.beds.free]).toEqual([f.rooms.free + 3, f.beds.free + 2]);
    await ctx.db.query("UPDATE sites SET status = 'closed' WHERE id = $1", [site['active unaccepted']]);
  });

  it('moves people only into sites that take people', async () => {
    // A close contact of the home district, placed by the engine.
    const { rows } = await ctx.db.query<{ id: number }>(
      `SELECT id FROM persons WHERE starts_with(area_code, $1) AND birth_date BETWEEN '1970-01-01' AND '2000-01-01'
         AND NOT pregnant AND NOT disabled AND NOT chronic_illness
       ORDER BY id LIMIT 1`,
      [HOME],
    );
    const person = rows[0]?.id as number;
    await ctx.db.query(
      "INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'close_contact', $2, area_code FROM persons WHERE id = $1 ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at",
      [person, clock.now()],
    );
    expect((await as(city)('POST', '/api/isolation/place', { edition: '8th' })).json().placed).toBe(1);
    const stay = (await as(city)('GET', '/api/isolation/stays'))
      .json()
      .items.find((x: { person_id: number }) => x.person_id === person) as { id: number; site_id: number };
    const moveTo = (name: string) =>
      as(city)('POST', `/api/isolation/stays/${stay.id}/move`, { reason: '转点测试', site_id: site[name] });
    const refused = await moveTo('reserve home 2');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('site_not_active');
    const target = stay.site_id === site['reserve home'] ? 'active home' : 'reserve home';
    const moved = await moveTo(target);
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().to_site).toBe(site[target]);
    expect(await one(target)).toMatchObject({ open_stays: 1 });
    site.occupied = site[target] as number;
  });

  it('closes a site: closing while a stay is open, closed once none is; an empty site closes at once', async () => {
    const name = site.occupied === site['reserve home'] ? 'reserve home' : 'active home';
    const id = site[name] as number;
    const first = await as(city)('POST', `/api/isolation/sites/${id}/close`);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ id, status: 'closing', note: expect.stringMatching(/still open/) });
    expect(await one(name)).toMatchObject({
      status: 'closing',
      open_stays: 1,
      rooms_free: 0, // no new placements
      takes_people: false,
      next_steps: ['close'],
    });
    // Again while the stay is open: still closing, nothing else changes.
    expect((await as(city)('POST', `/api/isolation/sites/${id}/close`)).json().status).toBe('closing');
    expect(await statusOf(name)).toBe('closing');
    // The stay ends: closing again finishes the close.
    await ctx.db.query(
      "UPDATE placements SET status = 'released', released_at = $2 WHERE site_id = $1 AND status IN ('placed', 'arrived')",
      [id, clock.now()],
    );
    expect((await as(city)('POST', `/api/isolation/sites/${id}/close`)).json()).toEqual({
      id,
      status: 'closed',
    });
    expect(await one(name)).toMatchObject({ status: 'closed', open_stays: 0, next_steps: [] });
    expect(
      (
        await ctx.db.query<{ payload: { status: string } }>(
          "SELECT payload FROM events WHERE type = 'isolation.site_close' AND subject_id = $1 ORDER BY id",
          [id],
        )
      ).rows.map((r) => r.payload.status),
    ).toEqual(['closing', 'closed']);
    // An empty active site closes at once.
    const empty = name === 'reserve home' ? 'active home' : 'reserve home';
    expect((await as(city)('POST', `/api/isolation/sites/${site[empty]}/close`)).json()).toEqual({
      id: site[empty],
      status: 'closed',
    });
  });

  it('refuses wrong transitions and unknown sites, writing nothing', async () => {
    const events = await count('SELECT count(*) AS n FROM events');
    const audit = await count('SELECT count(*) AS n FROM audit_log');
    const cases: [string, string, number, string][] = [
      ['reserve home 2', 'accept', 409, 'transition_invalid'], // inspect first
      ['reserve home 2', 'close', 409, 'transition_invalid'],
      ['shelter home', 'inspect', 409, 'transition_invalid'], // active already
      ['reserve home', 'inspect', 409, 'transition_invalid'], // closed
      ['reserve home', 'accept', 409, 'transition_invalid'],
    ];
    for (const [name, step, status, code] of cases) {
      const before = await statusOf(name);
      const res = await as(city)('POST', `/api/isolation/sites/${site[name]}/${step}`);
      expect(res.statusCode, `${name} ${step}: ${res.body}`).toBe(status);
      expect(res.json().error.code).toBe(code);
      expect(await statusOf(name)).toBe(before);
    }
    const bad = await as(city)('POST', `/api/isolation/sites/${site['reserve home 2']}/open`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    const unknown = await as(city)('POST', '/api/isolation/sites/999999/inspect');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('not_found');
    // A reader without isolation.manage may not change a site.
    const ro = await as(viewer)('POST', `/api/isolation/sites/${site['reserve home 2']}/inspect`);
    expect(ro.statusCode).toBe(403);
    expect(await count('SELECT count(*) AS n FROM events')).toBe(events);
    expect(await count('SELECT count(*) AS n FROM audit_log')).toBe(audit);
    expect(await statusOf('reserve home 2')).toBe('reserve');
  });

  it('keeps each district to its own sites: another district neither sees nor changes them', async () => {
    const mine = await list(home);
    const theirs = await list(other);
    expect(mine.length).toBeGreaterThan(0);
    expect(theirs.length).toBeGreaterThan(0);
    for (const x of mine) expect(x.area_code.startsWith(HOME), x.name).toBe(true);
    for (const x of theirs) expect(x.area_code.startsWith(OTHER), x.name).toBe(true);
    expect(mine.some((x) => x.id === site['reserve other'])).toBe(false);
    expect(theirs.some((x) => x.id === site['reserve home 2'])).toBe(false);
    expect(mine.length).toBe(
      await count('SELECT count(*) AS n FROM sites WHERE starts_with(area_code, $1)', [HOME]),
    );
    // Changing a site of another district is refused as an unknown one: nothing written.
    const audit = await count('SELECT count(*) AS n FROM audit_log');
    for (const step of ['inspect', 'accept', 'close']) {
      const res = await as(other)('POST', `/api/isolation/sites/${site['reserve home 2']}/${step}`);
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    expect(await statusOf('reserve home 2')).toBe('reserve');
    expect(await count('SELECT count(*) AS n FROM audit_log')).toBe(audit);
    // Its own reserve site it may inspect.
    expect(
      (await as(other)('POST', `/api/isolation/sites/${site['reserve other']}/inspect`)).statusCode,
    ).toBe(200);
    expect(await one('reserve other', other)).toMatchObject({ status: 'inspecting' });
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
  });

  it('opens a whole reserve tier in one step, only in the jurisdiction, audited', async () => {
    expect((await as(viewer)('POST', '/api/isolation/tiers/6/open')).statusCode).toBe(403);
    const res = await as(home)('POST', '/api/isolation/tiers/6/open');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ tier: 6, rooms: 5, beds: 1 });
    expect(
      res
        .json()
        .sites.map((x: { id: number }) => x.id)
        .sort(),
    ).toEqual([site['tier6 home'], site['tier6 home inspecting']].sort());
    expect(await statusOf('tier6 home')).toBe('active');
    expect(await statusOf('tier6 home inspecting')).toBe('active');
    expect(await statusOf('tier6 other')).toBe('reserve'); // another district's site is not touched
    expect((await one('tier6 home')).rooms_free).toBe(3);
    const again = await as(home)('POST', '/api/isolation/tiers/6/open');
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'tier_nothing_to_open']);
    expect(
      await count(
        "SELECT count(*) AS n FROM audit_log WHERE action = 'isolation.tier_opened' AND subject_id = '6'",
      ),
    ).toBe(1);
    expect((await as(other)('POST', '/api/isolation/tiers/6/open')).json().sites).toHaveLength(1);
  });
});

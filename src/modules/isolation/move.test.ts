/** Moving people between sites (转点): refusals, a family moved whole with its term, a reserved room freed, cases. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { verifyAudit } from '../access/audit.ts';
import { UNSCOPED } from '../access/scope.ts';
import { seedCity } from '../registry/seed-city.ts';
import { createCase } from '../tracing/trace-case.ts';
import { planPendingTrips } from '../transfer/trips.ts';

const clock = new ManualClock('2022-03-14T02:00:00Z');

interface Stay {
  id: number;
  person_id: number;
  site_id: number;
  room_id: number | null;
  bed_id: number | null;
  status: string;
}

describeBackends('isolation moves', (ctx) => {
  let app: FastifyInstance;
  let s: TestSession;
  let family: number[];
  let single: number;
  let mildCase: number;
  const site: Record<string, number> = {};
  const call = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: s.headers, payload: payload as never });
  const stayOf = async (personId: number): Promise<Stay> =>
    (
      await ctx.db.query<Stay>(
        "SELECT id, person_id, site_id, room_id, bed_id, status FROM placements WHERE person_id = $1 AND status IN ('placed', 'arrived')",
        [personId],
      )
    ).rows[0] as Stay;
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await ctx.db.query<{ n: number }>(sql, params)).rows[0]?.n);
  const addSite = async (
    name: string,
    kind: string,
    district: string,
    status: string,
    rooms: number[],
    beds = 0,
  ) => {
    const { rows } = await ctx.db.query<{ id: number }>(
      `INSERT INTO sites (kind, name, area_code, address, status, tier, accepted_at)
       VALUES ($1, $2, (SELECT min(area_code) FROM persons WHERE starts_with(area_code, $3)), 'test', $4, 1,
               CASE WHEN $4 = 'active' THEN now() END) RETURNING id`,
      [kind, name, district, status],
    );
    const id = rows[0]?.id as number;
    for (const [i, cap] of rooms.entries())
      await ctx.db.query('INSERT INTO rooms (site_id, code, floor, capacity) VALUES ($1, $2, 1, $3)', [
        id,
        `T${i + 1}`,
        cap,
      ]);
    for (let i = 0; i < beds; i++)
      await ctx.db.query("INSERT INTO beds (site_id, ward, code) VALUES ($1, 'A', $2)", [id, `B${i + 1}`]);
    site[name] = id;
  };

  beforeAll(async () => {
    clock.set('2022-03-14T02:00:00Z');
    await seedCity(ctx.db, { city: '2202', people: 4000, seed: 8, clock });
    await addSite('hotel A', 'hotel', '220204', 'active', [1, 1, 1, 4, 4]);
    await addSite('hotel B', 'hotel', '220284', 'active', [1, 1, 4]);
    await addSite('hotel full', 'hotel', '220202', 'active', [1]);
    await ctx.db.query("UPDATE rooms SET status = 'occupied' WHERE site_id = $1", [site['hotel full']]);
    await addSite('prefab new', 'prefab', '220202', 'inspecting', [1, 1]);
    await addSite('shelter B', 'shelter_hospital', '220284', 'active', [], 2);
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    const f = await ctx.db.query<{ household_id: number }>(
      `SELECT household_id FROM persons GROUP BY household_id
        HAVING count(*) = 3 AND bool_or(birth_date > '2010-01-01') ORDER BY household_id LIMIT 1`,
    );
    family = (
      await ctx.db.query<{ id: number }>('SELECT id FROM persons WHERE household_id = $1 ORDER BY id', [
        f.rows[0]?.household_id,
      ])
    ).rows.map((r) => r.id);
    const others = await ctx.db.query<{ id: number }>(
      `SELECT id FROM persons WHERE household_id <> $1 AND birth_date BETWEEN '1970-01-01' AND '2000-01-01'
         AND NOT pregnant AND NOT disabled AND NOT chronic_illness ORDER BY id DESC LIMIT 2`,
      [f.rows[0]?.household_id],
    );
    [single, mildCase] = others.rows.map((r) => r.id) as [number, number];
    await ctx.db.query(
      `INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'close_contact', $2, area_code FROM persons WHERE id = ANY($1::int8[]) ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at`,
      [[...family, single], clock.now()],
    );
    await ctx.db.transaction((tx) =>
      createCase(tx, clock, { personId: mildCase, firstPositiveAt: clock.now(), severity: 'mild' }),
    );
    s = await loginAs(app, ctx.db, 'site_manager', '2202');
    expect((await call('POST', '/api/isolation/place', { edition: '8th' })).json().placed).toBe(5);
    for (const p of [...family, mildCase]) {
      const x = await stayOf(p);
      expect((await call('POST', `/api/isolation/stays/${x.id}/arrive`)).statusCode).toBe(200);
    }
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses bad input and impossible moves with precise codes, writing nothing', async () => {
    const x = await stayOf(family[0] as number);
    const placements = await count('SELECT count(*) AS n FROM placements');
    const other = x.site_id === site['hotel A'] ? site['hotel B'] : site['hotel A'];
    const cases: [unknown, number, string][] = [
      [{}, 400, 'validation_failed'],
      [{ reason: ' ' }, 400, 'validation_failed'],
      [{ reason: '房间漏水', site_id: 'abc' }, 400, 'validation_failed'],
      [{ reason: '房间漏水', site_id: -3 }, 400, 'validation_failed'],
      [{ reason: '房间漏水', site_id: 999_999 }, 404, 'site_not_found'],
      [{ reason: '房间漏水', site_id: x.site_id }, 409, 'same_site'],
      [{ reason: '房间漏水', site_id: site['prefab new'] }, 409, 'site_not_active'],
      [{ reason: '房间漏水', site_id: site['shelter B'] }, 409, 'site_wrong_kind'],
      [{ reason: '房间漏水', site_id: site['hotel full'] }, 409, 'site_full'],
    ];
    for (const [body, status, code] of cases) {
      const res = await call('POST', `/api/isolation/stays/${x.id}/move`, body);
      expect(res.statusCode, `${JSON.stringify(body)} ${res.body}`).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
    const unknown = await call('POST', '/api/isolation/stays/999999/move', { reason: '房间漏水' });
    expect(unknown.json().error.code).toBe('not_found');
    // A site of the right kind with only single rooms cannot keep the family of three together.
    await ctx.db.query(
      "UPDATE rooms SET status = 'out_of_service' WHERE site_id = $1 AND capacity > 1 AND status = 'available'",
      [other],
    );
    const split = await call('POST', `/api/isolation/stays/${x.id}/move`, {
      reason: '房间漏水',
      site_id: other,
    });
    expect(split.statusCode).toBe(409);
    expect(split.json().error.code).toBe('site_full');
    await ctx.db.query(
      "UPDATE rooms SET status = 'available' WHERE site_id = $1 AND status = 'out_of_service'",
      [other],
    );
    expect(await count('SELECT count(*) AS n FROM placements')).toBe(placements);
    expect((await stayOf(family[0] as number)).status).toBe('arrived');
    const district = await ctx.db.query<{ d: string }>(
      `SELECT DISTINCT left(area_code, 6) AS d FROM persons
        WHERE left(area_code, 6) NOT IN (SELECT left(area_code, 6) FROM persons WHERE id = $1 UNION SELECT left(area_code, 6) FROM sites WHERE id = $2)
        ORDER BY 1 LIMIT 1`,
      [family[0], x.site_id],
    );
    const elsewhere = await loginAs(app, ctx.db, 'site_manager', district.rows[0]?.d as string);
    const out = await app.inject({
      method: 'POST',
      url: `/api/isolation/stays/${x.id}/move`,
      headers: elsewhere.headers,
      payload: { reason: '房间漏水' },
    });
    expect(out.statusCode).toBe(404);
  });

  it('moves a family whole to another site, the term running on from the first arrival', async () => {
    const before = await Promise.all(family.map((p) => stayOf(p)));
    const oldRoom = before[0]?.room_id as number;
    expect(before.every((b) => b.room_id === oldRoom)).toBe(true); // they share a room
    const due = await ctx.db.query<{ due_at: Date; arrived_at: Date }>(
      'SELECT due_at, arrived_at FROM placements WHERE id = $1',
      [before[0]?.id],
    );
    const tests = await count(
      "SELECT count(*) AS n FROM tasks WHERE kind = 'quarantine_test' AND status = 'open' AND person_id = ANY($1::int8[])",
      [family],
    );
    clock.set('2022-03-16T02:00:00Z');
    s = await loginAs(app, ctx.db, 'site_manager', '2202');
    const res = await call('POST', `/api/isolation/stays/${before[1]?.id}/move`, {
      reason: '酒店停水，整体转点',
    });
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json() as {
      from_site: number;
      to_site: number;
      moved: { placement_id: number; room_id: number }[];
    };
    expect(out.moved).toHaveLength(3);
    expect(out.to_site).not.toBe(out.from_site);
    expect(new Set(out.moved.map((m) => m.room_id)).size).toBe(1);
    const after = await Promise.all(family.map((p) => stayOf(p)));
    for (const a of after) {
      expect(a.status).toBe('placed');
      expect(a.site_id).toBe(out.to_site);
    }
    const old = await ctx.db.query<{ status: string; release_kind: string }>(
      'SELECT status, release_kind FROM placements WHERE id = ANY($1::int8[])',
      [before.map((b) => b.id)],
    );
    expect(old.rows.every((o) => o.status === 'released' && o.release_kind === 'transferred')).toBe(true);
    const room = await ctx.db.query<{ status: string }>('SELECT status FROM rooms WHERE id = $1', [oldRoom]);
    expect(room.rows[0]?.status).toBe('awaiting_disinfection');
    expect(
      await count(
        "SELECT count(*) AS n FROM tasks WHERE kind = 'terminal_disinfection' AND subject_type = 'room' AND subject_id = $1 AND status = 'open'",
        [oldRoom],
      ),
    ).toBe(1);
    const newRoom = await ctx.db.query<{ status: string }>('SELECT status FROM rooms WHERE id = $1', [
      out.moved[0]?.room_id,
    ]);
    expect(newRoom.rows[0]?.status).toBe('reserved');
    expect(
      await count(
        "SELECT count(*) AS n FROM events WHERE type = 'isolation.moved' AND subject_id = ANY($1::int8[])",
        [before.map((b) => b.id)],
      ),
    ).toBe(3);
    // The open tests follow the new stays; arrival keeps the due date and schedules nothing new.
    expect(
      await count(
        "SELECT count(*) AS n FROM tasks WHERE kind = 'quarantine_test' AND status = 'open' AND (details->>'placement_id')::int8 = ANY($1::int8[])",
        [after.map((a) => a.id)],
      ),
    ).toBe(tests);
    // The transfer plan picks them up at the old site, not at home.
    await ctx.db.transaction((tx) => planPendingTrips(tx, clock, UNSCOPED));
    const pickups = await ctx.db.query<{ pickup_area_code: string }>(
      'SELECT pickup_area_code FROM trip_passengers WHERE placement_id = ANY($1::int8[])',
      [after.map((a) => a.id)],
    );
    const oldSite = await ctx.db.query<{ area_code: string }>('SELECT area_code FROM sites WHERE id = $1', [
      out.from_site,
    ]);
    expect(pickups.rows.map((r) => r.pickup_area_code)).toEqual(after.map(() => oldSite.rows[0]?.area_code));
    const arrived = await call('POST', `/api/isolation/stays/${after[0]?.id}/arrive`);
    expect(arrived.statusCode).toBe(200);
    expect(new Date(arrived.json().due_at).getTime()).toBe(due.rows[0]?.due_at.getTime());
    expect(new Date(arrived.json().term_started_at).getTime()).toBe(due.rows[0]?.arrived_at.getTime());
    expect(
      await count(
        "SELECT count(*) AS n FROM tasks WHERE kind = 'quarantine_test' AND person_id = ANY($1::int8[])",
        [family],
      ),
    ).toBe(tests);
    // The ended stay cannot be moved again.
    const again = await call('POST', `/api/isolation/stays/${before[0]?.id}/move`, { reason: '再次转点' });
    expect(again.json().error.code).toBe('transition_invalid');
  });

  it('moves a placed (not arrived) contact into the site asked for; the reserved room is simply freed', async () => {
    const x = await stayOf(single);
    expect(x.status).toBe('placed');
    const target = x.site_id === site['hotel B'] ? site['hotel A'] : site['hotel B'];
    const res = await call('POST', `/api/isolation/stays/${x.id}/move`, {
      reason: '就近安置',
      site_id: target,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().moved).toHaveLength(1);
    expect(res.json().to_site).toBe(target);
    const room = await ctx.db.query<{ status: string }>('SELECT status FROM rooms WHERE id = $1', [
      x.room_id,
    ]);
    expect(room.rows[0]?.status).toBe('available');
    expect(
      await count(
        "SELECT count(*) AS n FROM tasks WHERE kind = 'terminal_disinfection' AND subject_type = 'room' AND subject_id = $1",
        [x.room_id],
      ),
    ).toBe(0);
    const moved = await stayOf(single);
    const row = await ctx.db.query<{ due_at: Date | null; term_started_at: Date | null; moved_from: number }>(
      'SELECT due_at, term_started_at, moved_from FROM placements WHERE id = $1',
      [moved.id],
    );
    expect(row.rows[0]).toEqual({ due_at: null, term_started_at: null, moved_from: x.id });
  });

  it('moves a case only to a bed of the right kind of hospital, and says when none is free', async () => {
    const x = await stayOf(mildCase);
    const designated = await ctx.db.query<{ id: number }>(
      "SELECT id FROM sites WHERE kind = 'designated_hospital' AND status = 'active' LIMIT 1",
    );
    const wrong = await call('POST', `/api/isolation/stays/${x.id}/move`, {
      reason: '床位调整',
      site_id: designated.rows[0]?.id,
    });
    expect(wrong.json().error.code).toBe('site_wrong_kind');
    const hotel = await call('POST', `/api/isolation/stays/${x.id}/move`, {
      reason: '床位调整',
      site_id: site['hotel A'],
    });
    expect(hotel.json().error.code).toBe('site_wrong_kind');
    // With every other shelter-hospital bed taken, nowhere to go.
    await ctx.db.query(
      "UPDATE beds SET status = 'out_of_service' WHERE status = 'available' AND site_id <> $1 AND site_id IN (SELECT id FROM sites WHERE kind = 'shelter_hospital')",
      [x.site_id],
    );
    const none = await call('POST', `/api/isolation/stays/${x.id}/move`, { reason: '床位调整' });
    expect(none.statusCode).toBe(409);
    expect(none.json().error.code).toBe('no_adequate_site');
    await ctx.db.query("UPDATE beds SET status = 'available' WHERE status = 'out_of_service'");
    const ok = await call('POST', `/api/isolation/stays/${x.id}/move`, { reason: '床位调整' });
    expect(ok.statusCode, ok.body).toBe(200);
    const moved = ok.json().moved[0] as { bed_id: number; site_id: number };
    expect(moved.bed_id).not.toBeNull();
    const kind = await ctx.db.query<{ kind: string }>('SELECT kind FROM sites WHERE id = $1', [
      moved.site_id,
    ]);
    expect(kind.rows[0]?.kind).toBe('shelter_hospital');
    expect(moved.site_id).not.toBe(x.site_id);
    const bed = await ctx.db.query<{ status: string }>('SELECT status FROM beds WHERE id = $1', [x.bed_id]);
    expect(bed.rows[0]?.status).toBe('awaiting_disinfection');
    const audit = await ctx.db.query<{ reason: string }>(
      "SELECT reason FROM audit_log WHERE action = 'isolation.moved' ORDER BY id DESC LIMIT 1",
    );
    expect(audit.rows[0]?.reason).toBe('床位调整');
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
  });

  it("keeps each stay's person and site areas (the list's scope) equal to the person's and the site's", async () => {
    const drift = () =>
      count(
        `SELECT count(*)::int AS n FROM placements pl JOIN persons p ON p.id = pl.person_id JOIN sites st ON st.id = pl.site_id
          WHERE pl.person_area <> p.area_code OR pl.site_area <> st.area_code`,
      );
    expect(await count('SELECT count(*)::int AS n FROM placements')).toBeGreaterThan(3);
    expect(await drift()).toBe(0);
    // A person who moves house and a site re-registered in another area: their stays follow.
    const stay = await stayOf(single);
    const other = await ctx.db.query<{ code: string }>(
      `SELECT code FROM areas WHERE length(code) = 15 AND code NOT IN (SELECT area_code FROM persons WHERE id = $1) ORDER BY code LIMIT 1`,
      [single],
    );
    const to = other.rows[0]?.code as string;
    await ctx.db.query('UPDATE persons SET area_code = $2 WHERE id = $1', [single, to]);
    await ctx.db.query('UPDATE sites SET area_code = $2 WHERE id = $1', [stay.site_id, to]);
    expect(await drift()).toBe(0);
    expect(
      await count(
        'SELECT count(*)::int AS n FROM placements WHERE id = $1 AND person_area = $2 AND site_area = $2',
        [stay.id, to],
      ),
    ).toBe(1);
    // Nobody can set them by hand: the trigger puts the true ones back.
    await ctx.db.query(`UPDATE placements SET person_area = '0', site_area = '0' WHERE id = $1`, [stay.id]);
    expect(await drift()).toBe(0);
  });
});

/** Self-report through a personal link: issue and revoke, the public page, the same alert rule, retries, limits. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { verifyAudit } from '../access/audit.ts';
import { seedCity } from '../registry/seed-city.ts';
import { createCase } from '../tracing/trace-case.ts';
import { SELF_REPORT_RATE_LIMIT } from './routes.ts';
import { maskName } from './self-report.ts';

const clock = new ManualClock('2022-03-14T02:00:00Z');

describeBackends('isolation self-report', (ctx) => {
  let app: FastifyInstance;
  let s: TestSession;
  let family: { id: number; id_number: string; name: string; phone: string | null }[];
  let stays: Map<number, number>; // person → stay
  let caseStay: number;
  let sessionAt = 0;
  const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) => {
    // Sessions expire: a new shift logs in when the clock has moved on.
    if (clock.now().getTime() - sessionAt > 3600_000) {
      s = await loginAs(app, ctx.db, 'site_manager', '2202');
      sessionAt = clock.now().getTime();
    }
    return app.inject({ method, url, headers: s.headers, payload: payload as never });
  };
  const pub = (method: 'GET' | 'POST', path: string, payload?: unknown) =>
    app.inject({ method, url: `/api${path}`, payload: payload as never });
  const issue = async (stay: number) => {
    const res = await call('POST', `/api/isolation/stays/${stay}/self-report-link`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { path: string; placement_id: number; revoked_previous: boolean };
  };
  const checks = async (stay: number) =>
    Number(
      (
        await ctx.db.query<{ n: number }>('SELECT count(*) AS n FROM health_checks WHERE placement_id = $1', [
          stay,
        ])
      ).rows[0]?.n,
    );

  beforeAll(async () => {
    clock.set('2022-03-14T02:00:00Z');
    await seedCity(ctx.db, { city: '2202', people: 4000, seed: 8, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    const f = await ctx.db.query<{ household_id: number }>(
      `SELECT household_id FROM persons GROUP BY household_id
        HAVING count(*) = 2 AND bool_or(birth_date > '2010-01-01') ORDER BY household_id LIMIT 1`,
    );
    const members = await ctx.db.query<{ id: number; id_number: string; name: string; phone: string | null }>(
      'SELECT id, id_number, name, phone FROM persons WHERE household_id = $1 ORDER BY id',
      [f.rows[0]?.household_id],
    );
    family = members.rows;
    await ctx.db.query(
      `INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'close_contact', $2, area_code FROM persons WHERE id = ANY($1::int8[]) ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at`,
      [family.map((m) => m.id), clock.now()],
    );
    const other = await ctx.db.query<{ id: number }>(
      'SELECT id FROM persons WHERE household_id <> $1 ORDER BY id DESC LIMIT 1',
      [f.rows[0]?.household_id],
    );
    const caseId = other.rows[0]?.id as number;
    await ctx.db.transaction((tx) =>
      createCase(tx, clock, { personId: caseId, firstPositiveAt: clock.now(), severity: 'mild' }),
    );
    expect((await call('POST', '/api/isolation/place', { edition: '8th' })).json().placed).toBe(3);
    const list = (await call('GET', '/api/isolation/stays')).json().items as {
      id: number;
      person_id: number;
    }[];
    stays = new Map(list.map((x) => [x.person_id, x.id]));
    caseStay = stays.get(caseId) as number;
  });
  afterAll(async () => {
    await app.close();
  });

  it('issues a link for an open stay; before arrival it shows the stay and refuses reports', async () => {
    const stay = stays.get(family[0]?.id as number) as number;
    const link = await issue(stay);
    expect(link.path).toMatch(/^\/self-report\/[A-Za-z0-9_-]{43}$/); // 32 random bytes
    expect(link.revoked_previous).toBe(false);
    const secret = link.path.split('/')[2] as string;
    const stored = await ctx.db.query<{ secret_hash: string }>(
      'SELECT secret_hash FROM self_report_links WHERE placement_id = $1',
      [stay],
    );
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.rows[0]?.secret_hash).not.toContain(secret);
    const view = await pub('GET', link.path);
    expect(view.statusCode, view.body).toBe(200);
    expect(view.json()).toMatchObject({ status: 'placed', day: null, reports_today: 0, last_reports: [] });
    const early = await pub('POST', link.path, { temperature: 36.5, idempotency_key: 'early-0001' });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('not_arrived');
    const audit = await ctx.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'isolation.self_report_link_issued' AND subject_id = $1",
      [String(stay)],
    );
    expect(Number(audit.rows[0]?.n)).toBe(1);
  });

  it('shows the person only what they need: masked name, site, room, day of the term, next test — no ID number', async () => {
    const person = family[0] as { id: number; id_number: string; name: string; phone: string | null };
    const stay = stays.get(person.id) as number;
    for (const m of family)
      expect((await call('POST', `/api/isolation/stays/${stays.get(m.id)}/arrive`)).statusCode).toBe(200);
    const link = await issue(stay);
    expect(link.revoked_previous).toBe(true);
    clock.set('2022-03-16T03:00:00Z'); // 49 h after arrival: day 3
    const res = await pub('GET', link.path);
    expect(res.statusCode, res.body).toBe(200);
    const v = res.json();
    const room = await ctx.db.query<{ code: string; site: string }>(
      'SELECT r.code, s.name AS site FROM placements p JOIN rooms r ON r.id = p.room_id JOIN sites s ON s.id = p.site_id WHERE p.id = $1',
      [stay],
    );
    expect(v).toMatchObject({
      name: maskName(person.name),
      site: room.rows[0]?.site,
      room: room.rows[0]?.code,
      status: 'arrived',
      category: 'close',
      day: 3,
      term_days: 14,
      next_test: { day: 1 }, // day 1's test not done yet
      max_reports_per_day: 6,
    });
    expect(v.name).not.toBe(person.name);
    expect(res.body).not.toContain(person.id_number);
    expect(res.body).not.toContain(person.id_number.slice(-6));
    if (person.phone) expect(res.body).not.toContain(person.phone);
    expect(Object.keys(v)).not.toContain('id_number');
    expect(res.body).not.toContain(String(person.id));
  });

  it('records a report through the same rule: a fever raises the alert task and an extra test; a retry counts once', async () => {
    const person = family[1] as { id: number };
    const stay = stays.get(person.id) as number;
    const link = await issue(stay);
    const ok = await pub('POST', link.path, { temperature: 36.6, idempotency_key: 'k-normal-01' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ status: 'recorded', alert: false, reports_today: 1 });
    clock.advance(60_000);
    const fever = {
      temperature: 38.2,
      symptoms: ['cough', 'fatigue'],
      note: '夜里咳嗽',
      idempotency_key: 'k-fever-01',
    };
    const first = await pub('POST', link.path, fever);
    expect(first.json()).toEqual({ status: 'recorded', alert: true, reports_today: 2 });
    clock.advance(30_000); // the phone lost the answer and sends again
    const again = await pub('POST', link.path, fever);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ status: 'duplicate', alert: true, reports_today: 2 });
    expect(await checks(stay)).toBe(2);
    const row = await ctx.db.query<{
      self_reported: boolean;
      recorded_by: string;
      note: string;
      alert: boolean;
    }>(
      "SELECT self_reported, recorded_by, note, alert FROM health_checks WHERE idempotency_key = 'k-fever-01'",
    );
    expect(row.rows[0]).toEqual({ self_reported: true, recorded_by: 'self', note: '夜里咳嗽', alert: true });
    const tasks = await ctx.db.query<{ kind: string; self: boolean }>(
      `SELECT kind, (details->>'self_reported')::boolean AS self FROM tasks
        WHERE person_id = $1 AND kind IN ('health_alert', 'extra_test') ORDER BY kind`,
      [person.id],
    );
    expect(tasks.rows).toEqual([
      { kind: 'extra_test', self: true },
      { kind: 'health_alert', self: true },
    ]);
    // Staff see the same checks; the page lists them, newest first.
    const v = (await pub('GET', link.path)).json();
    expect(v.last_reports.map((r: { temperature: number }) => r.temperature)).toEqual([38.2, 36.6]);
    expect(v.reports_today).toBe(2);
  });

  it('refuses bad input without writing anything', async () => {
    const stay = stays.get(family[1]?.id as number) as number;
    const link = await issue(stay);
    const before = await checks(stay);
    for (const body of [
      { temperature: 50, idempotency_key: 'bad-00001' },
      { temperature: 33.9, idempotency_key: 'bad-00002' },
      { temperature: 36.5, symptoms: ['headache'], idempotency_key: 'bad-00003' },
      { temperature: 36.5, symptoms: ['cough', 'cough'], idempotency_key: 'bad-00004' },
      { temperature: 36.5 },
      { temperature: 36.5, idempotency_key: 'short' },
      { temperature: 36.5, idempotency_key: 'bad-00005', note: 'x'.repeat(201) },
    ]) {
      const res = await pub('POST', link.path, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    expect(await checks(stay)).toBe(before);
  });

  it('allows at most 6 self-reports per stay per day', async () => {
    const stay = stays.get(family[0]?.id as number) as number;
    const link = await issue(stay);
    clock.set('2022-03-17T00:00:00Z'); // 08:00 in Beijing
    for (let i = 0; i < 6; i++) {
      clock.advance(60_000);
      const res = await pub('POST', link.path, { temperature: 36.5, idempotency_key: `day-limit-${i}` });
      expect(res.statusCode, res.body).toBe(200);
    }
    clock.advance(60_000);
    const seventh = await pub('POST', link.path, { temperature: 36.5, idempotency_key: 'day-limit-6' });
    expect(seventh.statusCode).toBe(429);
    expect(seventh.json().error.code).toBe('daily_limit_reached');
    // A retry of a report already counted still answers as a duplicate, not as over the limit.
    expect(
      (await pub('POST', link.path, { temperature: 36.5, idempotency_key: 'day-limit-0' })).json().status,
    ).toBe('duplicate');
    clock.set('2022-03-17T16:05:00Z'); // 00:05 the next Beijing day
    const next = await pub('POST', link.path, { temperature: 36.5, idempotency_key: 'day-limit-7' });
    expect(next.json()).toEqual({ status: 'recorded', alert: false, reports_today: 1 });
  });

  it('answers link_invalid for revoked, replaced and unknown links alike', async () => {
    const stay = stays.get(family[0]?.id as number) as number;
    const old = await issue(stay);
    const current = await issue(stay);
    expect(current.revoked_previous).toBe(true);
    const replaced = await pub('GET', old.path);
    expect(replaced.statusCode).toBe(404);
    expect((await pub('GET', current.path)).statusCode).toBe(200);
    const del = await call('DELETE', `/api/isolation/stays/${stay}/self-report-link`);
    expect(del.json()).toEqual({ revoked: true });
    expect((await call('DELETE', `/api/isolation/stays/${stay}/self-report-link`)).json()).toEqual({
      revoked: false,
    });
    const revoked = await pub('POST', current.path, { temperature: 36.5, idempotency_key: 'revoked-01' });
    const unknown = await pub('GET', `/self-report/${'A'.repeat(43)}`);
    const malformed = await pub('GET', '/self-report/short');
    for (const res of [replaced, revoked, unknown, malformed]) {
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toMatchObject({
        code: 'link_invalid',
        message: replaced.json().error.message,
      });
    }
  });

  it('answers stay_ended (410) once the stay is over, and issues no link for it', async () => {
    expect((await call('POST', `/api/isolation/stays/${caseStay}/arrive`)).statusCode).toBe(200);
    const link = await issue(caseStay);
    const ok = await call('POST', `/api/isolation/stays/${caseStay}/discharge`, {
      tests: [
        { at: '2022-03-15T01:00:00Z', ct: 36 },
        { at: '2022-03-17T01:00:00Z', ct: 37 },
      ],
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const view = await pub('GET', link.path);
    expect(view.statusCode).toBe(410);
    expect(view.json().error.code).toBe('stay_ended');
    const post = await pub('POST', link.path, { temperature: 36.5, idempotency_key: 'ended-0001' });
    expect(post.statusCode).toBe(410);
    const again = await call('POST', `/api/isolation/stays/${caseStay}/self-report-link`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('stay_ended');
  });

  it('lets only isolation managers of the jurisdiction issue links', async () => {
    const stay = stays.get(family[0]?.id as number) as number;
    const where = await ctx.db.query<{ person_area: string; site_area: string }>(
      'SELECT p.area_code AS person_area, s.area_code AS site_area FROM placements pl JOIN persons p ON p.id = pl.person_id JOIN sites s ON s.id = pl.site_id WHERE pl.id = $1',
      [stay],
    );
    const { person_area, site_area } = where.rows[0] as { person_area: string; site_area: string };
    const district = await ctx.db.query<{ d: string }>(
      'SELECT DISTINCT left(area_code, 6) AS d FROM persons WHERE left(area_code, 6) NOT IN ($1, $2) ORDER BY 1 LIMIT 1',
      [person_area.slice(0, 6), site_area.slice(0, 6)],
    );
    const elsewhere = await loginAs(app, ctx.db, 'site_manager', district.rows[0]?.d as string);
    const res = await app.inject({
      method: 'POST',
      url: `/api/isolation/stays/${stay}/self-report-link`,
      headers: elsewhere.headers,
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    const del = await app.inject({
      method: 'DELETE',
      url: `/api/isolation/stays/${stay}/self-report-link`,
      headers: elsewhere.headers,
    });
    expect(del.statusCode).toBe(404);
    const viewer = await loginAs(app, ctx.db, 'viewer', '2202');
    const v = await app.inject({
      method: 'POST',
      url: `/api/isolation/stays/${stay}/self-report-link`,
      headers: viewer.headers,
    });
    expect(v.statusCode).toBe(403);
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
  });

  it('rate-limits the public page per client address', async () => {
    const url = `/api/self-report/${'B'.repeat(43)}`;
    const codes: number[] = [];
    for (let i = 0; i <= SELF_REPORT_RATE_LIMIT; i++)
      codes.push((await app.inject({ method: 'GET', url, remoteAddress: '10.9.8.7' })).statusCode);
    expect(codes.slice(0, SELF_REPORT_RATE_LIMIT).every((c) => c === 404)).toBe(true);
    const last = await app.inject({ method: 'GET', url, remoteAddress: '10.9.8.7' });
    expect(last.statusCode).toBe(429);
    expect(last.json().error.code).toBe('rate_limited');
    // Another address is not affected.
    expect((await app.inject({ method: 'GET', url, remoteAddress: '10.9.8.8' })).statusCode).toBe(404);
  });
});

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { seedCity } from '../registry/seed-city.ts';
import { assign, type Leader } from './responsibility.ts';

const clock = new ManualClock('2022-03-14T02:00:00Z');

describe('responsibility assignment', () => {
  const leaders: Leader[] = [
    { id: 1, name: '市领导', title: '', area_code: '2202', function: 'all' },
    { id: 2, name: '区领导', title: '', area_code: '220202', function: 'testing' },
    { id: 3, name: '社区书记', title: '', area_code: '220202001001', function: 'all' },
  ];
  const item = (due: string) => ({
    kind: 'retest_single_tube',
    function: 'testing' as const,
    area_code: '220202001001002',
    due_at: new Date(due),
    subject: { type: 'task', id: 1 },
    person_id: 1,
  });
  it('gives an item to the deepest patch, then one level up per day it stays open', () => {
    const now = new Date('2022-03-14T06:00:00Z');
    expect(assign([item('2022-03-14T08:00:00Z')], leaders, now)[0]).toMatchObject({
      owner: { id: 3 },
      escalated_levels: 0,
      overdue: false,
    });
    // Due on the 13th (Beijing), still open on the 14th: the district's testing leader.
    expect(assign([item('2022-03-13T08:00:00Z')], leaders, now)[0]).toMatchObject({
      owner: { id: 2 },
      escalated_levels: 1,
      overdue: true,
    });
    // Two days: the city.
    expect(assign([item('2022-03-12T08:00:00Z')], leaders, now)[0]).toMatchObject({
      owner: { id: 1 },
      escalated_levels: 2,
    });
    // Beyond the top: stays with the top.
    expect(assign([item('2022-03-01T08:00:00Z')], leaders, now)[0]).toMatchObject({ owner: { id: 1 } });
    expect(assign([item('2022-03-14T08:00:00Z')], [], now)[0]?.owner).toBeNull();
  });
});

describeBackends('responsibility lists', (ctx) => {
  let app: FastifyInstance;
  let s: TestSession;
  beforeAll(async () => {
    clock.set('2022-03-14T02:00:00Z');
    await seedCity(ctx.db, { city: '2202', people: 5000, seed: 2, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    s = await loginAs(app, ctx.db, 'commander', '2202');
  });
  afterAll(async () => {
    await app.close();
  });

  it('puts found-but-not-placed people on the isolation leader of their patch, and refuses a leader without a patch', async () => {
    const p = await ctx.db.query<{ id: number; area_code: string }>(
      'SELECT id, area_code FROM persons ORDER BY id LIMIT 1',
    );
    const person = p.rows[0] as { id: number; area_code: string };
    await ctx.db.query(
      `INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'close_contact', $2, area_code FROM persons WHERE id = $1 ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at`,
      [person.id, clock.now()],
    );
    const post = (body: unknown) =>
      app.inject({ method: 'POST', url: '/api/leaders', headers: s.headers, payload: body as never });
    expect(
      (await post({ name: '张书记', area_code: person.area_code.slice(0, 12), function: 'isolation' }))
        .statusCode,
    ).toBe(200);
    expect(
      (await post({ name: '李区长', area_code: person.area_code.slice(0, 6), function: 'all' })).statusCode,
    ).toBe(200);
    expect((await post({ name: '无片区', function: 'isolation' })).statusCode).toBe(400);
    expect(
      (await post({ name: '错误片区', area_code: '220299', function: 'isolation' })).json().error.code,
    ).toBe('area_unknown');
    const list = (await app.inject({ method: 'GET', url: '/api/responsibility', headers: s.headers })).json();
    const mine = list.items.find((i: { subject: { id: number } }) => i.subject.id === person.id);
    expect(mine).toMatchObject({
      kind: 'place_person',
      function: 'isolation',
      owner: { name: '张书记' },
      overdue: false,
    });
    // Not placed by the next day: the district leader has it.
    clock.set('2022-03-15T02:00:00Z');
    s = await loginAs(app, ctx.db, 'commander', '2202');
    const next = (await app.inject({ method: 'GET', url: '/api/responsibility', headers: s.headers })).json();
    expect(next.items.find((i: { subject: { id: number } }) => i.subject.id === person.id)).toMatchObject({
      owner: { name: '李区长' },
      escalated_levels: 1,
    });
    // ?unowned=true keeps only items nobody owns; ?unowned=false is no filter (not read as true).
    const get = async (q: string) =>
      (await app.inject({ method: 'GET', url: `/api/responsibility${q}`, headers: s.headers })).json()
        .items as {
        owner: unknown;
      }[];
    expect((await get('?unowned=false')).length).toBe(next.items.length);
    expect((await get('?unowned=true')).every((i) => i.owner === null)).toBe(true);
    expect(
      (await app.inject({ method: 'GET', url: '/api/responsibility?unowned=yes', headers: s.headers }))
        .statusCode,
    ).toBe(400);
  });

  it('serves a kept list (QINGCANG_LIST_CACHE_MS) until a change through the server, then the new one', async () => {
    const cached = await buildApp({
      db: ctx.db,
      clock,
      logger: false,
      loginRateLimit: 100_000,
      listCacheMs: 60_000,
    });
    try {
      const c = await loginAs(cached, ctx.db, 'commander', '2202');
      const read = async () =>
        (await cached.inject({ method: 'GET', url: '/api/responsibility', headers: c.headers })).json() as {
          total: number;
          as_of: string;
        };
      const first = await read();
      // A person becomes a contact behind the server's back (another process): the kept list does not show it yet.
      const { rows } = await ctx.db.query<{ id: number; area_code: string }>(
        `SELECT id, area_code FROM persons WHERE NOT EXISTS (SELECT 1 FROM person_risk r WHERE r.person_id = persons.id) ORDER BY id LIMIT 1`,
      );
      const person = rows[0] as { id: number; area_code: string };
      await ctx.db.query(
        `INSERT INTO person_risk (person_id, risk_status, risk_status_at, area_code) SELECT id, 'close_contact', $2, area_code FROM persons WHERE id = $1 ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at`,
        [person.id, clock.now()],
      );
      const again = await read();
      expect(again.total).toBe(first.total);
      expect(again.as_of).toBe(first.as_of);
      // Any change made through this server drops it: the next read is worked out afresh.
      const made = await cached.inject({
        method: 'POST',
        url: '/api/leaders',
        headers: c.headers,
        payload: { name: '王书记', area_code: person.area_code.slice(0, 12), function: 'testing' },
      });
      expect(made.statusCode).toBe(200);
      const fresh = await read();
      expect(fresh.total).toBe(first.total + 1);
      // A refused change leaves it in place.
      await ctx.db.query(
        `DELETE FROM person_risk WHERE person_id IN (SELECT id FROM persons WHERE id = $1)`,
        [person.id],
      );
      const refused = await cached.inject({
        method: 'POST',
        url: '/api/leaders',
        headers: c.headers,
        payload: { name: '无片区', function: 'isolation' },
      });
      expect(refused.statusCode).toBe(400);
      expect((await read()).total).toBe(fresh.total);
    } finally {
      await cached.close();
    }
  });
});

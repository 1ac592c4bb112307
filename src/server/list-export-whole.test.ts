/**
 * Lists whose page shows the first rows and says how many there are, with an export of every row: the transfer's
 * late list, the units stuck in disinfection, the testing rounds. On both backends: the page's total is the truth,
 * keyset pages walk every row once in order, the export has every row in words, and another district sees none.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../db/testing.ts';
import { ManualClock } from '../domain/clock.ts';
import { UNSCOPED } from '../modules/access/scope.ts';
import { countStuckUnits, stuckUnits } from '../modules/isolation/board.ts';
import { placeBacklog } from '../modules/isolation/place-backlog.ts';
import { seedCity } from '../modules/registry/seed-city.ts';
import { countRounds, listRounds } from '../modules/testing/rounds.ts';
import { createCase } from '../modules/tracing/trace-case.ts';
import { countLateTransfers, lateTransfers } from '../modules/transfer/late-list.ts';
import { buildApp } from './app.ts';
import { loginAs, type TestSession } from './test-auth.ts';

const DAY = '2022-03-14';
const clock = new ManualClock('2022-03-14T02:00:00Z');

/** A CSV export's header and data lines (answered 200). */
async function csv(
  app: FastifyInstance,
  s: TestSession,
  path: string,
): Promise<{ header: string; rows: string[] }> {
  const res = await app.inject({ method: 'GET', url: path, headers: s.headers });
  expect(res.statusCode, res.body).toBe(200);
  const [header = '', ...rows] = res.body
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n');
  return { header, rows: rows.filter((r) => r.length > 0) };
}

/** Every row of a keyset list, `size` at a time. */
async function walk<R>(page: (last: R | undefined) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let last: R | undefined; ; ) {
    const rows = await page(last);
    if (rows.length === 0) return out;
    out.push(...rows);
    last = rows.at(-1);
  }
}

describeBackends('lists shown in part and exported whole', (ctx) => {
  let app: FastifyInstance;
  let district: string;
  let other: string;

  beforeAll(async () => {
    clock.set('2022-03-14T02:00:00Z'); // each backend starts on the morning of the day
    await seedCity(ctx.db, { city: '2202', people: 20_000, seed: 23, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    const d = await ctx.db.query<{ code: string }>(
      `SELECT left(area_code, 6) AS code FROM persons GROUP BY 1 ORDER BY count(*) DESC LIMIT 2`,
    );
    district = d.rows[0]?.code as string;
    other = d.rows[1]?.code as string;
    // Twelve cases found on the day, placed and never delivered.
    const people = await ctx.db.query<{ id: number }>(
      'SELECT id FROM persons WHERE starts_with(area_code, $1) ORDER BY id LIMIT 12',
      [district],
    );
    await ctx.db.transaction(async (tx) => {
      for (const p of people.rows)
        await createCase(tx, clock, { personId: p.id, firstPositiveAt: clock.now(), severity: 'mild' });
      await placeBacklog(tx, clock, UNSCOPED, '8th');
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it('the late list: the total, pages in order, the whole export in words, nothing of another district', async () => {
    clock.set('2022-03-15T01:00:00Z'); // the next morning: the day is over
    const dispatcher = await loginAs(app, ctx.db, 'dispatcher', district);
    const clocks = await app.inject({
      method: 'GET',
      url: `/api/transfer/clocks?date=${DAY}`,
      headers: dispatcher.headers,
    });
    const body = clocks.json();
    const truth = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM placements WHERE status = 'placed' AND found_at >= $1 AND found_at < $2`,
      [new Date(`${DAY}T00:00:00+08:00`), new Date(`${DAY}T24:00:00+08:00`)],
    );
    expect(truth.rows[0]?.n).toBeGreaterThan(3);
    expect(body.late_total).toBe(truth.rows[0]?.n);
    expect(body.late).toHaveLength(body.late_total);
    const now = clock.now();
    const scope = { prefix: district };
    const all = await walk((last: Awaited<ReturnType<typeof lateTransfers>>[number] | undefined) =>
      lateTransfers(ctx.db, scope, DAY, now, { limit: 5, after: last }),
    );
    expect(all.map((r) => r.placement_id)).toEqual(
      body.late.map((r: { placement_id: number }) => r.placement_id),
    );
    expect(await countLateTransfers(ctx.db, scope, DAY, now)).toBe(all.length);
    const exported = await csv(app, dispatcher, `/api/transfer/late/export?date=${DAY}&format=csv`);
    // The dispatcher reads names (person.read: the crews must know whom to fetch), so the export names them.
    expect(exported.header).toBe('安置编号,姓名,所在区域,发现时间,安置时间,转运状态');
    expect(exported.rows).toHaveLength(body.late_total);
    expect(exported.rows.join('\n')).not.toMatch(/T\d\d:|Z\b|\bassigned\b|\bnull\b/);
    expect(exported.rows.every((r) => r.endsWith(',未派车') || r.endsWith(',已派车'))).toBe(true);
    // Another district: nothing.
    const elsewhere = await loginAs(app, ctx.db, 'dispatcher', other);
    expect((await csv(app, elsewhere, `/api/transfer/late/export?date=${DAY}&format=csv`)).rows).toHaveLength(
      0,
    );
    const theirs = await app.inject({
      method: 'GET',
      url: `/api/transfer/clocks?date=${DAY}`,
      headers: elsewhere.headers,
    });
    expect(theirs.json().late_total).toBe(0);
  });

  it('units stuck in disinfection: the total, pages in order, the whole export', async () => {
    const units = await ctx.db.query<{ id: number }>(
      `SELECT r.id FROM rooms r JOIN sites s ON s.id = r.site_id WHERE starts_with(s.area_code, $1)
        AND r.status = 'available' ORDER BY r.id LIMIT 7`,
      [district.slice(0, 4)],
    );
    expect(units.rows.length).toBe(7);
    await ctx.db.query(
      `UPDATE rooms SET status = 'awaiting_disinfection', vacated_at = $2::timestamptz - (id % 5) * interval '1 hour' WHERE id = ANY($1::int8[])`,
      [units.rows.map((r) => r.id), new Date(clock.now().getTime() - 13 * 3600_000)],
    );
    try {
      const manager = await loginAs(app, ctx.db, 'site_manager', '2202');
      const board = (
        await app.inject({ method: 'GET', url: '/api/isolation/board', headers: manager.headers })
      ).json();
      expect(board.stuck_total).toBe(board.stuck_in_disinfection.length);
      expect(board.stuck_total).toBeGreaterThanOrEqual(7);
      const all = await walk((last: Awaited<ReturnType<typeof stuckUnits>>[number] | undefined) =>
        stuckUnits(ctx.db, UNSCOPED, clock.now(), { limit: 3, after: last }),
      );
      expect(all.map((u) => `${u.kind}${u.id}`)).toEqual(
        board.stuck_in_disinfection.map((u: { kind: string; id: number }) => `${u.kind}${u.id}`),
      );
      expect(await countStuckUnits(ctx.db, UNSCOPED, clock.now())).toBe(all.length);
      const exported = await csv(app, manager, '/api/isolation/board/stuck/export?format=csv');
      expect(exported.header).toBe('类型,编号,隔离场所,状态,腾空时间');
      expect(exported.rows).toHaveLength(board.stuck_total);
      expect(exported.rows.every((r) => r.startsWith('房间,') || r.startsWith('床位,'))).toBe(true);
      expect(exported.rows.join('\n')).not.toMatch(/awaiting_disinfection|T\d\d:/);
    } finally {
      await ctx.db.query(
        `UPDATE rooms SET status = 'available', vacated_at = NULL WHERE id = ANY($1::int8[])`,
        [units.rows.map((r) => r.id)],
      );
    }
  });

  it('testing rounds: the total, pages newest first, the whole export in words', async () => {
    const commander = await loginAs(app, ctx.db, 'commander', '2202');
    for (const name of ['第一轮', '第二轮', '第三轮']) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/testing/rounds',
        headers: commander.headers,
        payload: { name, areas: [district] },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const list = (
      await app.inject({ method: 'GET', url: '/api/testing/rounds', headers: commander.headers })
    ).json();
    expect(list.total).toBe(list.items.length);
    expect(list.total).toBeGreaterThanOrEqual(3);
    const all = await walk((last: Awaited<ReturnType<typeof listRounds>>[number] | undefined) =>
      listRounds(ctx.db, '2202', { limit: 2, before: last?.id }),
    );
    expect(all.map((r) => r.id)).toEqual(list.items.map((r: { id: number }) => r.id));
    expect(await countRounds(ctx.db, '2202')).toBe(all.length);
    const exported = await csv(app, commander, '/api/testing/rounds/export?format=csv');
    expect(exported.header).toBe('轮次编号,名称,状态,开始,截止,目标区域,结束时间,结束原因');
    expect(exported.rows).toHaveLength(list.total);
    expect(exported.rows.join('\n')).toContain('进行中');
    expect(exported.rows.join('\n')).not.toMatch(/\bactive\b|T\d\d:|\b2202\d{2}\b/);
    // A sampler of another district sees no round of this one.
    const elsewhere = await loginAs(app, ctx.db, 'commander', other);
    const theirs = await app.inject({
      method: 'GET',
      url: '/api/testing/rounds',
      headers: elsewhere.headers,
    });
    expect(theirs.json().total).toBe(0);
  });
});

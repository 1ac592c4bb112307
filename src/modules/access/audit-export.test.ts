/**
 * The audit log's export (GET /api/audit/export): scoped as the list is, filtered as the list is, every entry, in
 * words and Beijing time, and itself recorded.
 */
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { seedCity } from '../registry/seed-city.ts';
import { appendAudit } from './audit.ts';
import { beijingSeconds } from './audit-export.ts';
import { cliPrincipal, principalFor } from './principal.ts';

const clock = new ManualClock('2022-03-14T17:30:05Z'); // 01:30:05 on the 15th in Beijing

describeBackends('audit export', (ctx) => {
  let app: FastifyInstance;
  let mine = '';
  let other = '';
  let auditor: TestSession;
  let siteId = 0;

  beforeAll(async () => {
    clock.set('2022-03-14T17:30:05Z'); // each backend from the same instant
    await seedCity(ctx.db, { city: '2202', people: 300, seed: 5, clock });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    await app.ready();
    const districts = await ctx.db.query<{ code: string }>(
      "SELECT code FROM areas WHERE level = 3 AND starts_with(code, '2202') ORDER BY code LIMIT 2",
    );
    mine = districts.rows[0]?.code as string;
    other = districts.rows[1]?.code as string;
    // Entries in both districts, some before the period filtered below.
    for (const [i, area] of [mine, other, mine, other, mine].entries())
      await ctx.db.transaction((tx) =>
        appendAudit(tx, clock, cliPrincipal('tester'), {
          action: i % 2 === 0 ? 'isolation.placed' : 'tracing.case_created',
          subjectType: 'placement',
          subjectId: 100 + i,
          areaCode: area,
          details: { count: i, held: i === 0 },
        }),
      );
    // A site of the district, named by its own table in the log (never a person: their names are not read here).
    const site = await ctx.db.query<{ id: number; name: string }>(
      `INSERT INTO sites (kind, name, area_code, address, status, tier) VALUES ('hotel', '测试隔离酒店', $1, 'x', 'reserve', 2)
       RETURNING id, name`,
      [mine],
    );
    siteId = site.rows[0]?.id as number;
    await ctx.db.transaction((tx) =>
      appendAudit(tx, clock, principalFor('token', 1, '场所验收接口', 'site_manager', mine), {
        action: 'isolation.site_accepted',
        subjectType: 'site',
        subjectId: siteId,
        areaCode: mine,
      }),
    );
    clock.advance(3_600_000);
    auditor = await loginAs(app, ctx.db, 'auditor', mine);
  });

  afterAll(async () => {
    await app.close();
  });

  const get = (url: string, s = auditor) => app.inject({ method: 'GET', url, headers: s.headers });
  const csvRows = (body: string) =>
    parse(body.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true }) as Record<string, string>[];

  it("exports a district user's entries only, as the list shows them, in words and Beijing time", async () => {
    const res = await get('/api/audit/export?format=csv&lang=zh');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const rows = csvRows(res.body);
    // The same entries as the list (read after the export, which is itself recorded).
    const list = (await get('/api/audit?limit=1000')).json().items as { id: number; area_code: string }[];
    expect(rows.map((r) => Number(r.序号))).toEqual(list.map((e) => e.id));
    expect(list.every((e) => e.area_code.startsWith(mine))).toBe(true);
    const districtName = (
      await ctx.db.query<{ name: string }>('SELECT name FROM areas WHERE code = $1', [mine])
    ).rows[0]?.name as string;
    for (const r of rows) expect(r.区域?.startsWith(districtName), r.区域).toBe(true);
    const placed = rows.filter((r) => r.操作 === '安置');
    expect(placed).toHaveLength(3);
    expect(rows.some((r) => r.操作 === '新建病例')).toBe(false); // the other district's
    expect(placed[0]?.['时间（北京时间）']).toBe('2022-03-15 01:30:05');
    expect(placed[0]?.对象).toBe('安置记录 100');
    expect(placed[0]?.详情).toBe('暂缓：是；数量：0');
    expect(placed[0]?.操作人).toBe('命令行 tester');
    expect(rows.find((r) => r.对象?.startsWith('隔离场所'))?.对象).toBe(`隔离场所 测试隔离酒店（${siteId}）`);
    const listed = (await get('/api/audit?subject_type=site')).json().items as {
      subject_name: string | null;
    }[];
    expect(listed.map((e) => e.subject_name)).toEqual(['测试隔离酒店']);
    for (const r of rows) expect(r['时间（北京时间）']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    // The export is on record, in words too.
    expect(rows.some((r) => r.操作 === '导出审计日志')).toBe(true);
    const on = await ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'audit.exported' AND area_code = $1",
      [mine],
    );
    expect(on.rows[0]?.n).toBeGreaterThanOrEqual(1);
  });

  it("takes the list's filters and speaks English on request", async () => {
    const from = encodeURIComponent('2022-03-14T17:00:00Z');
    const to = encodeURIComponent('2022-03-14T18:00:00Z');
    const res = await get(
      `/api/audit/export?format=csv&lang=en&action=isolation.placed&from=${from}&to=${to}`,
    );
    expect(res.statusCode).toBe(200);
    const rows = csvRows(res.body);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.Action === 'Placed')).toBe(true);
    expect(rows[0]?.Details).toBe('Held: Yes; Count: 0');
    // By kind of actor: the command line's entries only, or the accounts' only (the page's filter by account).
    const cli = csvRows((await get('/api/audit/export?format=csv&actor_kind=cli')).body);
    expect(cli.map((r) => r.操作人)).toEqual(['命令行 tester', '命令行 tester', '命令行 tester']);
    const users = csvRows((await get('/api/audit/export?format=csv&actor_kind=user')).body);
    expect(users.length).toBeGreaterThan(0);
    expect(users.every((r) => r.操作人?.startsWith('账号 '))).toBe(true);
    // The list takes the same filter with the same meaning, and both refuse a kind that does not exist.
    const listed = (await get('/api/audit?actor_kind=cli&limit=1000')).json().items as {
      actor_kind: string;
    }[];
    expect(listed.map((e) => e.actor_kind)).toEqual(['cli', 'cli', 'cli']);
    const accounts = (await get('/api/audit?actor_kind=user&limit=1000')).json().items as {
      actor_kind: string;
    }[];
    expect(accounts).toHaveLength(users.length);
    expect(accounts.every((e) => e.actor_kind === 'user')).toBe(true);
    for (const url of ['/api/audit?actor_kind=robot', '/api/audit/export?format=csv&actor_kind=robot']) {
      const bad = await get(url);
      expect(bad.statusCode, url).toBe(400);
      expect(bad.json().error.code, url).toBe('validation_failed');
    }
  });

  it('streams Excel, refuses an unknown format and those who may not read the log', async () => {
    const xlsx = await get('/api/audit/export?format=xlsx');
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
    const bad = await get('/api/audit/export?format=pdf');
    expect(bad.statusCode).toBe(400);
    const tracer = await loginAs(app, ctx.db, 'tracer', mine);
    expect((await get('/api/audit/export?format=csv', tracer)).statusCode).toBe(403);
  });

  it('writes Beijing time to the second', () => {
    expect(beijingSeconds(new Date('2022-03-14T16:30:05.900Z'))).toBe('2022-03-15 00:30:05');
  });
});

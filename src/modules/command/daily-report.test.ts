import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { buildApp } from '../../server/app.ts';
import { loginAs, type TestSession } from '../../server/test-auth.ts';
import { seedCity } from '../registry/seed-city.ts';
import { createCase, traceCase } from '../tracing/trace-case.ts';

const clock = new ManualClock('2022-03-21T04:00:00Z'); // 12:00 Beijing time

describeBackends('daily report', (ctx) => {
  let app: FastifyInstance;
  let s: TestSession;
  const severities = ['mild', 'mild', 'moderate', 'asymptomatic', 'asymptomatic', 'unclassified'];
  let districtOfFirst: string;

  beforeAll(async () => {
    clock.set('2022-03-21T04:00:00Z');
    await seedCity(ctx.db, { city: '2202', people: 10_000, seed: 13, clock });
    const people = await ctx.db.query<{ id: number; area_code: string }>(
      'SELECT id, area_code FROM persons ORDER BY id LIMIT 6',
    );
    districtOfFirst = (people.rows[0] as { area_code: string }).area_code.slice(0, 6);
    await ctx.db.transaction(async (tx) => {
      for (const [i, p] of people.rows.entries()) {
        const c = await createCase(tx, clock, {
          personId: p.id,
          firstPositiveAt: clock.now(),
          severity: severities[i],
        });
        await traceCase(tx, clock, c.case.id);
      }
    });
    app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 100_000 });
    s = await loginAs(app, ctx.db, 'viewer', '2202');
  });
  afterAll(async () => {
    await app.close();
  });

  const get = (url: string, session = s) => app.inject({ method: 'GET', url, headers: session.headers });

  it('counts the day as the press releases did', async () => {
    const r = (await get('/api/reports/daily?date=2022-03-21')).json();
    expect(r.cases).toMatchObject({
      new_confirmed: 3,
      new_asymptomatic: 2,
      new_unclassified: 1,
      cumulative_confirmed: 3,
    });
    expect(r.cases.by_severity).toMatchObject({ mild: 2, moderate: 1, severe: 0, critical: 0 });
    // Every new case counts in a district's row, the not yet classified too.
    const perDistrict = r.cases.by_district as {
      confirmed: number;
      asymptomatic: number;
      unclassified: number;
    }[];
    expect(perDistrict.reduce((a, d) => a + d.confirmed + d.asymptomatic + d.unclassified, 0)).toBe(6);
    expect(perDistrict.reduce((a, d) => a + d.unclassified, 0)).toBe(1);
    // Close contacts found: people whose status rose to close contact (a case linked as someone's close contact
    // is not one), as the dashboard counts them.
    const links = await ctx.db.query<{ n: number; linked: number }>(
      `SELECT (SELECT count(DISTINCT subject_id) FROM events WHERE type = 'tracing.risk_person_found' AND payload->>'status' = 'close_contact') AS n,
              (SELECT count(DISTINCT person_id) FROM contact_links WHERE level = 'close') AS linked`,
    );
    expect(r.contacts.close_found).toBe(links.rows[0]?.n);
    expect(r.contacts.close_found).toBeGreaterThan(0);
    expect(links.rows[0]?.linked).toBeGreaterThan(links.rows[0]?.n ?? 0);
    expect(r.contacts.close_found).toBe(r.contacts.close_cumulative);
    expect(r.capacity.quarantine_rooms_free).toBeGreaterThan(0);
    const yesterday = (await get('/api/reports/daily?date=2022-03-20')).json();
    expect(yesterday.cases.new_confirmed).toBe(0);
    expect(yesterday.contacts.close_cumulative).toBe(0);
    const future = await get('/api/reports/daily?date=2022-03-22');
    expect(future.statusCode).toBe(400);
    expect(future.json().error.code).toBe('report_in_future');
  });

  it('renders Markdown, HTML and XLSX in Chinese and English', async () => {
    const md = (await get('/api/reports/daily?date=2022-03-21&format=md')).body;
    expect(md).toMatch(/^# 吉林市新冠肺炎疫情每日通报（2022-03-21）/);
    expect(md).toContain(
      '新增本土确诊病例3例（轻型2例、普通型1例、重型0例、危重型0例），新增本土无症状感染者2例',
    );
    // The positive not yet classified is in the headline too (a day of only 待分型 must not read as 0 cases).
    expect(md).toContain('；另有新增阳性感染者1例正在临床分型。');
    expect(md).toContain('| 新增待分型 | 1 |');
    const en = (await get('/api/reports/daily?date=2022-03-21&format=md&lang=en')).body;
    expect(en).toContain(
      'reported 3 new local confirmed cases (2 mild, 1 moderate, 0 severe, 0 critical), 2 new asymptomatic',
    );
    const html = (await get('/api/reports/daily?date=2022-03-21&format=html')).body;
    expect(html).toMatch(/<html lang="zh-CN">/);
    const xlsx = await get('/api/reports/daily?date=2022-03-21&format=xlsx&lang=en');
    expect(xlsx.headers['content-type']).toMatch(/spreadsheetml/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    expect(ws?.getCell('A1').value).toBe('吉林市 COVID-19 daily report (2022-03-21)');
    const rows = ws
      ?.getSheetValues()
      .filter(Boolean)
      .map((r) => (r as unknown[])[1]);
    expect(rows).toContain('New confirmed');
  });

  it('reports only the jurisdiction', async () => {
    const district = await loginAs(app, ctx.db, 'viewer', districtOfFirst);
    const r = (await get('/api/reports/daily?date=2022-03-21', district)).json();
    const truth = await ctx.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM cases WHERE starts_with(area_code, $1) AND severity IN ('mild', 'moderate', 'severe', 'critical')",
      [districtOfFirst],
    );
    expect(r.cases.new_confirmed).toBe(truth.rows[0]?.n);
    for (const d of r.cases.by_district) expect(d.code).toBe(districtOfFirst);
  });
});

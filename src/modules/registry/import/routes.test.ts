import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../../db/testing.ts';
import { ManualClock } from '../../../domain/clock.ts';
import { buildApp } from '../../../server/app.ts';
import { loginAs, type TestSession } from '../../../server/test-auth.ts';
import { safeFileName } from './routes.ts';
import { COMMUNITY, csvText, EN_HEADER, personRow, xlsxBuffer } from './test-fixtures.ts';

const clock = new ManualClock('2022-04-01T08:00:00Z');

function upload(name: string, content: string | Buffer, type = 'text/csv') {
  const form = new FormData();
  form.append('file', new Blob([content], { type }), name);
  return form;
}

describeBackends('POST /api/imports/persons', (ctx) => {
  let app: FastifyInstance;
  let s: TestSession;
  // biome-ignore lint/suspicious/noExplicitAny: inject payloads
  const post = (url: string, payload: any) =>
    app.inject({ method: 'POST', url, payload, headers: s.headers });
  beforeAll(async () => {
    for (const [code, parent, level, name] of [
      ['22', null, 1, '吉林省'],
      ['2202', '22', 2, '吉林市'],
      ['220202', '2202', 3, '昌邑区'],
      ['220202001', '220202', 4, '兴华街道'],
      ['220202002', '220202', 4, '文庙街道'],
      ['220202002001', '220202002', 5, '文庙社区'],
      [COMMUNITY, '220202001', 5, '东厂宅社区'],
    ] as const) {
      await ctx.db.query('INSERT INTO areas (code, parent_code, level, name) VALUES ($1, $2, $3, $4)', [
        code,
        parent,
        level,
        name,
      ]);
    }
    app = await buildApp({ db: ctx.db, clock, logger: false, uploadLimit: 64 * 1024, loginRateLimit: 1000 });
    s = await loginAs(app, ctx.db, 'community_worker', '2202');
  });
  afterAll(async () => {
    await app.close();
  });

  const good = csvText([EN_HEADER, ...Array.from({ length: 20 }, (_, i) => personRow(i + 1))]);

  it('imports a CSV upload, and the same upload again changes nothing', async () => {
    const r = await post('/api/imports/persons', upload('people.csv', good));
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({
      status: 'committed',
      inserted: 20,
      updated: 0,
      rejected: 0,
      fileName: 'people.csv',
    });
    const again = await post('/api/imports/persons', upload('people.csv', good));
    expect(again.json()).toMatchObject({ inserted: 0, updated: 0, unchanged: 20 });
  });

  it('imports XLSX uploads', async () => {
    const buf = await xlsxBuffer([EN_HEADER, personRow(101), personRow(102)]);
    const r = await post(
      '/api/imports/persons',
      upload('people.xlsx', buf, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
    );
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().inserted).toBe(2);
  });

  it('rejects a file with a bad row whole, listing the row (422), or imports the good rows on request', async () => {
    const bad = personRow(201);
    bad[0] = `${(bad[0] as string).slice(0, 17)}${(bad[0] as string)[17] === '0' ? '1' : '0'}`;
    const body = csvText([EN_HEADER, personRow(200), bad]);
    const r = await post('/api/imports/persons', upload('bad.csv', body));
    expect(r.statusCode).toBe(422);
    const err = r.json().error;
    expect(err.code).toBe('import_rejected');
    expect(err.details.rejections[0]).toMatchObject({ line: 3, code: 'id_check_digit' });
    const { rows } = await ctx.db.query<{ n: number }>('SELECT count(*) AS n FROM persons');
    expect(rows[0]?.n).toBe(22); // nothing from bad.csv
    const partial = await post('/api/imports/persons?mode=valid_rows', upload('bad.csv', body));
    expect(partial.statusCode).toBe(200);
    expect(partial.json()).toMatchObject({ inserted: 1, rejected: 1 });
  });

  it('answers malformed files, wrong types, missing files and oversized uploads precisely', async () => {
    const malformed = await post(
      '/api/imports/persons',
      upload('broken.csv', `${EN_HEADER.join(',')}\n"unclosed,quote\n`),
    );
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('file_malformed');
    const fakeXlsx = await post('/api/imports/persons', upload('fake.xlsx', 'not a zip'));
    expect(fakeXlsx.statusCode).toBe(400);
    const exe = await post('/api/imports/persons', upload('tool.exe', 'MZ'));
    expect(exe.statusCode).toBe(415);
    expect(exe.json().error.code).toBe('file_unsupported');
    const json = await post('/api/imports/persons', { a: 1 });
    expect(json.statusCode).toBe(415);
    const big = await post('/api/imports/persons', upload('big.csv', good + 'x'.repeat(70 * 1024)));
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('upload_too_large');
    const { rows } = await ctx.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM import_runs WHERE file_name = 'big.csv'",
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('a move closes the household it empties: the stats and the person page agree', async () => {
    const get = (url: string) => app.inject({ method: 'GET', url, headers: s.headers });
    // personRow: 301 and 302 live in H100, 303 alone in H101.
    const rows = [301, 302, 303].map((i) => personRow(i));
    expect(
      (await post('/api/imports/persons', upload('p.csv', csvText([EN_HEADER, ...rows])))).statusCode,
    ).toBe(200);
    const before = (await get('/api/stats')).json().households;
    const moved = rows.map((r) => [...r]);
    (moved[2] as string[])[5] = 'H100';
    const r = await post('/api/imports/persons', upload('p.csv', csvText([EN_HEADER, ...moved])));
    expect(r.json()).toMatchObject({ updated: 1, householdsCreated: 0, householdsClosed: 1 });
    expect((await get('/api/stats')).json().households).toBe(before - 1);
    const { rows: people } = await ctx.db.query<{ id: number }>('SELECT id FROM persons WHERE name = $1', [
      '张303',
    ]);
    const page = await get(`/api/persons/${people[0]?.id}`);
    expect(page.statusCode, page.body).toBe(200);
    expect(
      page
        .json()
        .household.map((m: { name: string }) => m.name)
        .sort(),
    ).toEqual(['张301', '张302', '张303']);
    const { rows: audit } = await ctx.db.query<{ details: Record<string, unknown> }>(
      "SELECT details FROM audit_log WHERE action = 'person.import' ORDER BY id DESC LIMIT 1",
    );
    expect(audit[0]?.details).toMatchObject({ updated: 1, households_closed: 1 });
    // Sent again: nothing moves, nothing closes.
    const again = await post('/api/imports/persons', upload('p.csv', csvText([EN_HEADER, ...moved])));
    expect(again.json()).toMatchObject({ updated: 0, unchanged: 3, householdsClosed: 0 });
    expect((await get('/api/stats')).json().households).toBe(before - 1);
  });

  it('records only the base name of a path-trick file name', async () => {
    const r = await post('/api/imports/persons', upload('../../etc/evil.csv', good));
    expect(r.statusCode).toBe(200);
    expect(r.json().fileName).toBe('evil.csv');
  });
});

it('cleans file names', () => {
  expect(safeFileName('..\\..\\windows\\a.csv')).toBe('a.csv');
  expect(safeFileName('/etc/passwd')).toBe('passwd');
  expect(safeFileName('a\u0000b.csv')).toBe('ab.csv');
  expect(safeFileName(undefined)).toBe('upload');
});

describeBackends('import across jurisdictions', (ctx) => {
  it("refuses to move a person registered elsewhere into the importer's jurisdiction", async () => {
    for (const [code, parent, level, name] of [
      ['22', null, 1, '吉林省'],
      ['2202', '22', 2, '吉林市'],
      ['220202', '2202', 3, '昌邑区'],
      ['220202001', '220202', 4, '兴华街道'],
      [COMMUNITY, '220202001', 5, '东厂宅社区'],
      ['220202002', '220202', 4, '文庙街道'],
      ['220202002001', '220202002', 5, '文庙社区'],
    ] as const) {
      await ctx.db.query('INSERT INTO areas (code, parent_code, level, name) VALUES ($1, $2, $3, $4)', [
        code,
        parent,
        level,
        name,
      ]);
    }
    const app = await buildApp({ db: ctx.db, clock, logger: false, loginRateLimit: 1000 });
    const here = await loginAs(app, ctx.db, 'community_worker', '220202001');
    const there = await loginAs(app, ctx.db, 'community_worker', '220202002');
    const upload2 = (s: TestSession, text: string) =>
      app.inject({
        method: 'POST',
        url: '/api/imports/persons',
        payload: upload('p.csv', text),
        headers: s.headers,
      });
    expect((await upload2(here, csvText([EN_HEADER, personRow(1)]))).json().inserted).toBe(1);
    const stolen = personRow(1);
    stolen[3] = '220202002001';
    const r = await upload2(there, csvText([EN_HEADER, stolen]));
    expect(r.statusCode).toBe(422);
    expect(r.json().error.details.rejections[0]).toMatchObject({ line: 2, code: 'area_out_of_scope' });
    const { rows } = await ctx.db.query<{ area_code: string }>('SELECT area_code FROM persons');
    expect(rows.map((x) => x.area_code)).toEqual([COMMUNITY]);
    await app.close();
  });
});

import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import Fastify from 'fastify';
import { beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../db/testing.ts';
import { ManualClock } from '../domain/clock.ts';
import { seedCity } from '../modules/registry/seed-city.ts';
import { beijingTime, drained, type ExportSpec, sendExport } from './list-export.ts';

interface Row {
  id: number;
  area: string;
  severity: string;
  at: Date;
  note: string;
}

describeBackends('list export', (ctx) => {
  let district = '';
  const rows: Row[] = [];
  beforeAll(async () => {
    await seedCity(ctx.db, {
      city: '2202',
      people: 300,
      seed: 3,
      clock: new ManualClock(new Date('2022-03-21T04:00:00Z')),
    });
    district = (
      await ctx.db.query<{ code: string }>('SELECT code FROM areas WHERE level = 3 ORDER BY code LIMIT 1')
    ).rows[0]?.code as string;
    // More rows than one page, so the export has to page; notes a spreadsheet would misread.
    for (let i = 1; i <= 4_500; i++)
      rows.push({
        id: i,
        area: district,
        severity: i % 2 ? 'unclassified' : 'mild',
        at: new Date(Date.UTC(2022, 2, 20, 16, 30) + i * 60_000),
        note: i === 7 ? '=HYPERLINK("x")' : i === 8 ? 'a "quoted", line\nbreak' : `第${i}行`,
      });
  });

  const spec = (): ExportSpec<Row> => ({
    name: ['测试清单', 'test list'],
    areasOf: (r) => [r.area],
    page: async (last) => rows.filter((r) => r.id > (last?.id ?? 0)).slice(0, 2000),
    columns: [
      { header: ['编号', 'No.'], value: (r) => r.id },
      { header: ['区域', 'Area'], value: (r, c) => c.area(r.area) },
      { header: ['分型', 'Severity'], value: (r, c) => c.word('severity', r.severity) },
      { header: ['时间', 'Time'], value: (r, c) => c.time(r.at) },
      { header: ['备注', 'Note'], value: (r) => r.note },
    ],
  });

  const serve = async (format: 'csv' | 'xlsx', lang: 'zh' | 'en') => {
    const app = Fastify();
    app.get('/x', (_req, reply) => sendExport(reply, ctx.db, spec(), format, lang));
    const res = await app.inject({ method: 'GET', url: '/x' });
    await app.close();
    return res;
  };

  it('streams every row as CSV, in words and Beijing time, spreadsheet-safe', async () => {
    const res = await serve('csv', 'zh');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    expect(res.headers['content-disposition']).toContain(encodeURIComponent('测试清单'));
    const name = (await ctx.db.query<{ name: string }>('SELECT name FROM areas WHERE code = $1', [district]))
      .rows[0]?.name as string;
    expect(res.body.startsWith('\uFEFF编号,区域,分型,时间,备注\r\n')).toBe(true);
    const lines = res.body.slice(1).split('\r\n');
    expect(lines[1]).toBe(`1,${name},待分型,2022-03-21 00:31,第1行`);
    // A formula-like cell is text (a leading quote), then quoted for CSV.
    expect(lines[7]).toBe(`7,${name},待分型,2022-03-21 00:37,"'=HYPERLINK(""x"")"`);
    expect(res.body).toContain('"a ""quoted"", line\nbreak"');
    // Header + 4,500 rows (one of them spans two lines) + the final empty string.
    expect(res.body.trim().split('\r\n')).toHaveLength(4_501);
  });

  it('streams the same rows as an Excel workbook, in English on request', async () => {
    const res = await serve('xlsx', 'en');
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0] as ExcelJS.Worksheet;
    expect(ws.getRow(1).values).toEqual([undefined, 'No.', 'Area', 'Severity', 'Time', 'Note']);
    expect(ws.rowCount).toBe(4_501);
    expect(ws.getRow(4_501).getCell(1).value).toBe(4_500);
    expect(ws.getRow(2).getCell(3).value).toBe('Not yet classified');
    expect(ws.getRow(3).getCell(3).value).toBe('Mild');
  });

  it('leaves no listener behind on the stream after each wait for the client', async () => {
    const out = new PassThrough({ highWaterMark: 4 });
    out.resume();
    const before = [out.listenerCount('close'), out.listenerCount('error'), out.listenerCount('drain')];
    for (let i = 0; i < 50; i++) {
      if (!out.write('0123456789')) await drained(out);
    }
    expect([out.listenerCount('close'), out.listenerCount('error'), out.listenerCount('drain')]).toEqual(
      before,
    );
    // A client gone while waiting is an error, not a hang.
    const stuck = new PassThrough({ highWaterMark: 4 });
    stuck.write('0123456789');
    const wait = drained(stuck);
    stuck.destroy();
    await expect(wait).rejects.toThrow('the client went away');
  });

  it('writes Beijing time', () => {
    expect(beijingTime('2022-03-20T16:30:00Z')).toBe('2022-03-21 00:30');
    expect(beijingTime(null)).toBe('');
  });
});

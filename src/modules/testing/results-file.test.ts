/** Lab result files: tube barcodes that went through a spreadsheet's number cell are refused, on both backends. */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { handmadeXlsx } from '../registry/import/fixtures/handmade-xlsx.ts';
import { importResultsFile, ResultsFileRejected } from './results-file.ts';

const clock = new ManualClock('2022-03-15T06:00:00Z');
const HEADER = ['试管条码', '检测结果', '检测时间'];

async function xlsx(rows: unknown[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('结果');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function refusal(p: Promise<unknown>): Promise<ResultsFileRejected> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ResultsFileRejected);
  return err as ResultsFileRejected;
}

describeBackends('results files', (ctx) => {
  const results = async () =>
    (
      await ctx.db.query<{ barcode: string; result: string }>(
        'SELECT t.barcode, r.result FROM tube_results r JOIN tubes t ON t.id = r.tube_id ORDER BY t.barcode',
      )
    ).rows;

  beforeAll(async () => {
    // Tubes have no foreign keys on their round and area (migration 0018): two received tubes are enough here.
    for (const barcode of ['0012345678', '12345678'])
      await ctx.db.query(
        `INSERT INTO tubes (barcode, round_id, area_code, pool_size, members, status, opened_at, closed_at, received_at)
         VALUES ($1, 1, '220202001001', 10, 10, 'received', '2022-03-14T01:00:00Z', '2022-03-14T02:00:00Z',
                 '2022-03-14T05:00:00Z')`,
        [barcode],
      );
  });

  it('refuses a barcode stored as a number or in scientific notation, and records nothing from the file', async () => {
    // 0012345678 typed as a number is 12345678 — another tube's barcode: its result would go to that tube.
    const exceljs = await xlsx([
      HEADER,
      [12345678, '阳性', '2022-03-14 18:00'],
      [Number('123456789012345678'), '阴性', '2022-03-14 18:00'], // 123456789012345680
      ['0012345678', '阴性', '2022-03-14 18:00'],
    ]);
    const handmade = handmadeXlsx([
      HEADER,
      [{ n: '12345678' }, '阳性', '2022-03-14 18:00'],
      [{ n: '1.2345678901234568E+17' }, '阴性', '2022-03-14 18:00'],
      ['0012345678', '阴性', '2022-03-14 18:00'],
    ]);
    for (const [writer, buf] of [
      ['exceljs', exceljs],
      ['handmade', handmade],
    ] as const) {
      const err = await refusal(
        importResultsFile(ctx.db, clock, Readable.from([buf]), { fileName: 'lis.xlsx', scopePrefix: '2202' }),
      );
      expect(err.details, writer).toEqual([
        {
          line: 2,
          code: 'tube_numeric_cell',
          message: expect.stringMatching(
            /tube barcode is stored as a number.*leading zeros.*format the tube barcode \(试管条码\) column as text/,
          ),
        },
        { line: 3, code: 'tube_numeric_cell', message: expect.any(String) },
      ]);
    }
    const csv = `${HEADER.join(',')}\n1.23457E+17,阳性,2022-03-14 18:00\n0012345678,阴性,2022-03-14 18:00\n`;
    const err = await refusal(
      importResultsFile(ctx.db, clock, Readable.from([Buffer.from(csv)]), {
        fileName: 'lis.csv',
        scopePrefix: '2202',
      }),
    );
    expect(err.details).toEqual([
      { line: 2, code: 'tube_numeric_cell', message: expect.stringMatching(/scientific notation.*as text/) },
    ]);
    expect(await results()).toEqual([]);
  });

  it('records the result of the tube whose barcode is text, leading zeros and all', async () => {
    const buf = await xlsx([HEADER, ['0012345678', '阴性', '2022-03-14 18:00']]);
    const r = await importResultsFile(ctx.db, clock, Readable.from([buf]), {
      fileName: 'lis.xlsx',
      scopePrefix: '2202',
    });
    expect(r.outcomes).toEqual([{ tube: '0012345678', status: 'recorded', line: 2 }]);
    expect(await results()).toEqual([{ barcode: '0012345678', result: 'negative' }]);
  });
});

import { PassThrough, Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { columnName, sheetName, XlsxStreamWriter, xmlText } from './xlsx-stream.ts';

async function write(headers: string[], rows: (string | number | null)[][], sheet = '清单'): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => out.on('end', resolve));
  const w = new XlsxStreamWriter(out, { sheet, headers });
  for (const r of rows) {
    w.addRow(r);
    if (w.full) await w.flush();
  }
  await w.end();
  await done;
  return Buffer.concat(chunks);
}

async function read(file: Buffer): Promise<ExcelJS.Worksheet> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(file as unknown as ArrayBuffer);
  return wb.worksheets[0] as ExcelJS.Worksheet;
}

describe('streamed XLSX', () => {
  it('names columns and sheets as spreadsheets do', () => {
    expect([0, 25, 26, 27, 51, 52, 701, 702].map(columnName)).toEqual([
      'A',
      'Z',
      'AA',
      'AB',
      'AZ',
      'BA',
      'ZZ',
      'AAA',
    ]);
    expect(sheetName('a/b:c?d*e[f]g\\h')).toBe('a b c d e f g h');
    expect(sheetName('长'.repeat(40))).toHaveLength(31);
    expect(sheetName('')).toBe('Sheet1');
    expect(xmlText('a<b>&"c"\u0001\u0008\tok\uD800')).toBe('a&lt;b&gt;&amp;&quot;c&quot;\tok');
  });

  it('writes text, numbers and gaps that a spreadsheet reads back as written', async () => {
    const ws = await read(
      await write(
        ['编号', '姓名', '备注'],
        [
          [1, '张三', '=HYPERLINK("x")'],
          [2.5, null, 'a <b> & "c"\nnext line\u0007'],
          [3, '', '吉林市船营区'],
        ],
        'a/b',
      ),
    );
    expect(ws.name).toBe('a b');
    expect(ws.getRow(1).values).toEqual([undefined, '编号', '姓名', '备注']);
    expect(ws.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(ws.getRow(2).values).toEqual([undefined, 1, '张三', '=HYPERLINK("x")']);
    // A formula-like text stays text: the writer never writes formulas.
    expect(ws.getRow(2).getCell(3).type).toBe(ExcelJS.ValueType.String);
    expect(ws.getRow(3).getCell(1).value).toBe(2.5);
    expect(ws.getRow(3).getCell(2).value).toBeNull();
    expect(ws.getRow(3).getCell(3).value).toBe('a <b> & "c"\nnext line');
    expect(ws.getRow(4).getCell(3).value).toBe('吉林市船营区');
    expect(ws.rowCount).toBe(4);
  });

  it('holds many rows and wide rows (past column Z), flushed in chunks', async () => {
    const headers = Array.from({ length: 30 }, (_v, i) => `列${i + 1}`);
    const rows = Array.from({ length: 20_000 }, (_v, r) =>
      headers.map((_h, c) => (c % 2 ? `行${r}列${c}` : r * 100 + c)),
    );
    const ws = await read(await write(headers, rows));
    expect(ws.rowCount).toBe(20_001);
    expect(ws.getRow(20_001).getCell(30).value).toBe('行19999列29');
    expect(ws.getRow(20_001).getCell(29).value).toBe(19_999 * 100 + 28);
  });

  it('cuts text longer than a cell holds', async () => {
    const ws = await read(await write(['x'], [['字'.repeat(40_000)]]));
    expect(String(ws.getRow(2).getCell(1).value)).toHaveLength(32_767);
  });

  it('stops with an error, not a hang, when the client goes away', async () => {
    // A client that takes nothing: the zip backs up, then the connection closes.
    const out = new Writable({ highWaterMark: 1024, write: () => {} });
    const w = new XlsxStreamWriter(out, { sheet: 's', headers: ['a'] });
    const big = 'x'.repeat(1000);
    const run = (async () => {
      for (let i = 0; i < 100_000; i++) {
        w.addRow([big]);
        if (w.full) await w.flush();
      }
      await w.end();
    })();
    setTimeout(() => out.destroy(), 50);
    await expect(run).rejects.toThrow(/went away/);
  });
});

import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ImportFileError,
  normaliseHeader,
  type ParseRowsOptions,
  parseRows,
  type RawRow,
} from './parse-rows.ts';
import { csvText, EN_HEADER, personRow, streamOf, xlsxBuffer, ZH_HEADER } from './test-fixtures.ts';
import { PERSON_HEADER_ALIASES, PERSON_LABELS, PERSON_REQUIRED } from './validate-row.ts';

const PERSONS: ParseRowsOptions = {
  aliases: PERSON_HEADER_ALIASES,
  required: PERSON_REQUIRED,
  labels: PERSON_LABELS,
};

async function collect(source: string | Readable, options: ParseRowsOptions = {}): Promise<RawRow[]> {
  const out: RawRow[] = [];
  for await (const row of parseRows(source, { ...PERSONS, ...options })) out.push(row);
  return out;
}

async function fileError(
  source: string | Readable,
  options: ParseRowsOptions = {},
): Promise<ImportFileError> {
  try {
    await collect(source, options);
  } catch (err) {
    if (err instanceof ImportFileError) return err;
    throw err;
  }
  throw new Error('expected an ImportFileError');
}

const dir = mkdtempSync(join(tmpdir(), 'qc-parse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

import { createRequire } from 'node:module';

const XL = createRequire(import.meta.url)('exceljs');
const WR = XL.stream.xlsx.WorkbookReader;
const origWb = WR.prototype._parseWorkbook;
WR.prototype._parseWorkbook = async function (e: any) {
  const r = await origWb.call(this, e);
  if (!this.model) console.error('REPRO model undefined after _parseWorkbook');
  return r;
};
const UZ = createRequire(createRequire(import.meta.url).resolve('exceljs'))('unzipper');
const origParse = UZ.Parse;
UZ.Parse = (opts: any) => {
  const z = origParse(opts);
  const seen: string[] = [];
  z.on('data', (e: any) => seen.push(e.path));
  const emit = z.emit;
  z.emit = function (ev: string, ...a: any[]) {
    if (ev === 'end' && z.readableLength > 0)
      console.error(
        'REPRO end in',
        (globalThis as any).__vitest_worker__?.current?.name,
        'with',
        z.readableLength,
        'queued entries; delivered last:',
        seen.slice(-2),
      );
    return emit.call(this, ev, ...a);
  };
  return z;
};
for (let rep = 0; rep < 60; rep++) {
  describe(`parseRows: XLSX ${rep}`, () => {
    it('reads the first sheet, cells as text, row numbers as lines', async () => {
      const rows = [
        ['身份证号', '姓名', '手机号', '社区代码', '住址', '残疾'],
        ['220202199001011234', '张三', 13800138000, '220202001001', '幸福小区1号', true],
        [],
        [
          '220202199001021234',
          { richText: [{ text: '李' }, { text: '四' }] },
          null,
          '220202001001',
          '幸福小区2号',
        ],
      ];
      const buf = await xlsxBuffer(rows, true);
      const hash = createHash('sha256');
      const out = await collect(streamOf(buf), { fileName: '名单.xlsx', onBytes: (c) => hash.update(c) });
      expect(out).toEqual([
        {
          line: 2,
          values: {
            id_number: '220202199001011234',
            name: '张三',
            phone: '13800138000',
            area_code: '220202001001',
            address: '幸福小区1号',
            disabled: 'true',
          },
        },
        {
          line: 4,
          values: {
            id_number: '220202199001021234',
            name: '李四',
            phone: '',
            area_code: '220202001001',
            address: '幸福小区2号',
            disabled: '',
          },
        },
      ]);
      expect(hash.digest('hex')).toBe(createHash('sha256').update(buf).digest('hex'));
    });

    it('sniffs an xlsx without a file name', async () => {
      const buf = await xlsxBuffer([EN_HEADER, personRow(5)]);
      const out = await collect(streamOf(buf));
      expect(out[0]?.values.name).toBe('张5');
    });

    it('refuses bytes that are not an xlsx workbook', async () => {
      const notZip = await fileError(streamOf(csvText([ZH_HEADER, personRow(1)])), { fileName: 'list.xlsx' });
      expect(notZip).toMatchObject({ code: 'file_malformed' });
      expect(notZip.message).toMatch(/not an xlsx file/);
      const buf = await xlsxBuffer([EN_HEADER, personRow(5)]);
      const truncated = await fileError(streamOf(buf.subarray(0, Math.floor(buf.length / 2))), {
        fileName: 'a.xlsx',
      });
      expect(truncated.code).toBe('file_malformed');
      const zipAsCsv = await fileError(streamOf(buf), { fileName: 'list.csv' });
      expect(zipAsCsv.code).toBe('file_malformed');
      const xls = await fileError(streamOf(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])));
      expect(xls.code).toBe('file_unsupported');
    });

    it('leaves no temporary worksheet files behind, also when it stops early', async () => {
      const spool = mkdtempSync(join(dir, 'spool-'));
      const saved = process.env.TMPDIR;
      process.env.TMPDIR = spool; // exceljs spools worksheets to os.tmpdir()
      try {
        expect(await collect(streamOf(await xlsxBuffer([EN_HEADER, personRow(1)], true)))).toHaveLength(1);
        const headerless = await xlsxBuffer([['x'], ['1']], true);
        expect(await fileError(streamOf(headerless))).toMatchObject({ code: 'header_missing' });
        await new Promise((r) => setTimeout(r, 50)); // tmp removes files asynchronously
        expect(readdirSync(spool)).toEqual([]);
      } finally {
        if (saved === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = saved;
      }
    });

    it('checks the header of a sheet too', async () => {
      const err = await fileError(
        streamOf(
          await xlsxBuffer([
            ['姓名', '住址'],
            ['张三', 'x'],
          ]),
        ),
        { fileName: 'a.xlsx' },
      );
      expect(err).toMatchObject({ code: 'header_missing', line: 1 });
    });
  });
}

import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { handmadeXlsx } from './fixtures/handmade-xlsx.ts';
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

describe('normaliseHeader', () => {
  it('folds width, case, markers and notes', () => {
    expect(normaliseHeader('\uFEFF *身份证号（必填） ')).toBe('身份证号');
    expect(normaliseHeader('ID Number')).toBe('id_number');
    expect(normaliseHeader('Ｃｏｍｍｕｎｉｔｙ－Ｃｏｄｅ')).toBe('community_code');
    expect(PERSON_HEADER_ALIASES[normaliseHeader('联系电话')]).toBe('phone');
    expect(PERSON_HEADER_ALIASES[normaliseHeader('网格代码')]).toBe('area_code');
  });
});

describe('parseRows: CSV', () => {
  it('maps Chinese headers, strips the BOM and numbers lines as an editor does', async () => {
    const text =
      '\uFEFF身份证号,姓名,社区代码,住址,备注\r\n' +
      '220202199001011234,张三,220202001001,"幸福小区1号\r\n2单元",x\r\n' +
      '\r\n' +
      ',,,,\r\n' +
      '220202199001021234,李四,220202001001,幸福小区2号,"说""好"""\r\n';
    const rows = await collect(streamOf(text));
    expect(rows).toEqual([
      {
        line: 2,
        values: {
          id_number: '220202199001011234',
          name: '张三',
          area_code: '220202001001',
          address: '幸福小区1号\r\n2单元',
          备注: 'x',
        },
      },
      {
        line: 6,
        values: {
          id_number: '220202199001021234',
          name: '李四',
          area_code: '220202001001',
          address: '幸福小区2号',
          备注: '说"好"',
        },
      },
    ]);
  });

  it('reads English headers from a path and feeds every byte to onBytes', async () => {
    const text = csvText([EN_HEADER, personRow(1), personRow(2)]);
    const path = join(dir, 'en.csv');
    writeFileSync(path, text);
    const hash = createHash('sha256');
    const rows = await collect(path, { onBytes: (c) => hash.update(c) });
    expect(rows.map((r) => r.line)).toEqual([2, 3]);
    expect(rows[0]?.values.household_key).toBe('H0');
    expect(hash.digest('hex')).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('decodes multi-byte characters split across 1-byte chunks', async () => {
    const bytes = Buffer.from(`\uFEFF${csvText([ZH_HEADER, personRow(7)])}`);
    const rows = await collect(Readable.from([...bytes].map((b) => Buffer.from([b]))));
    expect(rows[0]?.values.name).toBe('张7');
    expect(rows[0]?.values.health_code).toBe('绿');
  });

  it('accepts tab-separated text', async () => {
    const rows = await collect(streamOf('身份证号\t姓名\t社区代码\t住址\n1\t2\t3\t4\n'), {
      fileName: 'a.tsv',
    });
    expect(rows[0]?.values).toEqual({ id_number: '1', name: '2', area_code: '3', address: '4' });
  });

  it('fails on an unclosed quote with file_malformed and the line where the record starts', async () => {
    const bad = personRow(3);
    bad[1] = '"张3'; // an opening quote that is never closed
    const text = `${csvText([ZH_HEADER, personRow(1), personRow(2)])}${bad.join(',')}\n${personRow(4).join(',')}\n`;
    const err = await fileError(streamOf(text));
    expect(err.code).toBe('file_malformed');
    expect(err.line).toBe(4);
    expect(err.message).toMatch(/^line 4: .*unclosed quote/);
  });

  it('fails on a quote inside an unquoted field with file_malformed (was a 500, found by the fuzz test)', async () => {
    const bad = personRow(2);
    bad[1] = '张"3'; // csv-parse's INVALID_OPENING_QUOTE, the one error code without its CSV_ prefix
    const text = `${csvText([ZH_HEADER, personRow(1)])}${bad.join(',')}\n`;
    const err = await fileError(streamOf(text));
    expect(err).toMatchObject({ code: 'file_malformed', line: 3 });
    expect(err.message).toMatch(/quote inside an unquoted field/);
    const tsv = await fileError(
      streamOf(`身份证号\t姓名\t社区代码\t住址\n1\t2\t3\t4\n1\t"unterminated\tx"y\t4\n`),
      {
        fileName: 'a.tsv',
      },
    );
    expect(tsv.code).toBe('file_malformed');
  });

  it('fails on a wrong number of fields with the line', async () => {
    const text = `${csvText([ZH_HEADER, personRow(1)])}${personRow(2).slice(0, 9).join(',')}\n`;
    const err = await fileError(streamOf(text));
    expect(err).toMatchObject({ code: 'file_malformed', line: 3 });
    expect(err.message).toMatch(/expected 11 as in the header, got 9/);
    const extra = await fileError(streamOf(`${csvText([ZH_HEADER])}${personRow(2).join(',')},surplus\n`));
    expect(extra).toMatchObject({ code: 'file_malformed', line: 2 });
  });

  it('fails on an empty file and on a header without rows', async () => {
    expect(await fileError(streamOf(''))).toMatchObject({ code: 'file_empty', line: undefined });
    expect(await fileError(streamOf('\uFEFF'))).toMatchObject({ code: 'file_empty' });
    expect(await fileError(streamOf('\n\n,,\n'))).toMatchObject({ code: 'file_empty' });
    expect(await fileError(streamOf(csvText([ZH_HEADER])))).toMatchObject({ code: 'file_empty', line: 1 });
  });

  it('names the missing required columns', async () => {
    const err = await fileError(streamOf('\n身份证号,姓名,住址\n1,2,3\n'));
    expect(err).toMatchObject({ code: 'header_missing', line: 2 });
    expect(err.message).toContain('社区代码 (area_code)');
    expect(err.message).toContain('the header has: 身份证号, 姓名, 住址');
  });

  it('cuts the header it quotes back short: a header cell may be anything the file holds', async () => {
    const err = await fileError(
      streamOf(`${'B'.repeat(200_000)},${Array.from({ length: 50 }, (_, i) => `c${i}`).join(',')}\n1\n`),
    );
    expect(err).toMatchObject({ code: 'header_missing', line: 1 });
    expect(err.message.length).toBeLessThan(2_000);
    expect(err.message).toContain('(51 columns)');
  });

  it('refuses an xlsx that unpacks far beyond its size (a zip bomb) before reading it', async () => {
    const path = join(dir, 'bomb.xlsx');
    writeFileSync(path, handmadeXlsx([['身份证号', '姓名', 'A'.repeat(40 * 1024 ** 2)]]));
    const err = await fileError(path);
    expect(err).toMatchObject({ code: 'file_malformed' });
    expect(err.message).toMatch(/unpacks \d+ times its size/);
  });

  it('refuses two columns that mean the same field', async () => {
    const err = await fileError(streamOf('身份证号,姓名,手机号,联系电话,社区代码,住址\n'));
    expect(err).toMatchObject({ code: 'header_duplicate', line: 1 });
    expect(err.message).toContain('"手机号" and "联系电话" both give phone');
  });

  it('detects text that is not UTF-8 (GBK) and binary content', async () => {
    const gbk = Buffer.concat([
      Buffer.from(csvText([ZH_HEADER, personRow(1)])),
      Buffer.from([0xd5, 0xc5, 0xc8, 0xfd, 0x0a]), // 张三 in GBK
    ]);
    const err = await fileError(streamOf(gbk));
    expect(err).toMatchObject({ code: 'file_encoding', line: 3 });
    expect(err.message).toMatch(/not valid UTF-8.*GB18030\/GBK/);
    const binary = Buffer.from([0x31, 0x2c, 0x32, 0x0a, 0x00, 0x01, 0x02]);
    expect(await fileError(streamOf(binary))).toMatchObject({ code: 'file_malformed', line: 2 });
    expect(await fileError(streamOf(Buffer.from([0xff, 0xfe, 0x31, 0x00])))).toMatchObject({
      code: 'file_encoding',
    });
  });
});

describe('parseRows: XLSX', () => {
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
        numeric: new Set(['phone']), // the cell types are kept: 13800138000 is a number cell
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

import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeBackends } from '../../../db/testing.ts';
import type { Db } from '../../../db/types.ts';
import { ManualClock } from '../../../domain/clock.ts';
import { UNSCOPED } from '../../access/scope.ts';
import { householdMembers, registryStats } from '../queries.ts';
import { handmadeXlsx } from './fixtures/handmade-xlsx.ts';
import { type ImportPersonsOptions, importPersons } from './import-persons.ts';
import { ImportFileError } from './parse-rows.ts';
import {
  COMMUNITY,
  csvText,
  EN_HEADER,
  GRID,
  idFor,
  OTHER_COMMUNITY,
  personRow,
  streamOf,
  xlsxBuffer,
  ZH_HEADER,
} from './test-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'qc-import-'));
const FIXTURES = join(import.meta.dirname, 'fixtures');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const AREAS = [
  ['22', null, 1, '吉林省'],
  ['2202', '22', 2, '吉林市'],
  ['220202', '2202', 3, '昌邑区'],
  ['220202001', '220202', 4, '东局子街道'],
  [COMMUNITY, '220202001', 5, '幸福社区'],
  [OTHER_COMMUNITY, '220202001', 5, '和平社区'],
  [GRID, COMMUNITY, 6, '幸福社区第一网格'],
] as const;

function options(over: Partial<ImportPersonsOptions> = {}): ImportPersonsOptions {
  return { fileName: 'persons.csv', clock: new ManualClock('2022-04-01T08:00:00Z'), ...over };
}

async function count(db: Db, table: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]?.n);
}

async function expectFileError(p: Promise<unknown>): Promise<ImportFileError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportFileError);
  return err as ImportFileError;
}

function rowsWith(n: number, change: (i: number, row: string[]) => void = () => {}): string[][] {
  return Array.from({ length: n }, (_, i) => {
    const row = personRow(i + 1);
    change(i + 1, row);
    return row;
  });
}

describeBackends('importPersons', (ctx) => {
  beforeAll(async () => {
    for (const [code, parent, level, name] of AREAS) {
      await ctx.db.query('INSERT INTO areas (code, parent_code, level, name) VALUES ($1, $2, $3, $4)', [
        code,
        parent,
        level,
        name,
      ]);
    }
  });

  beforeEach(async () => {
    await ctx.db.exec(
      'DELETE FROM events; DELETE FROM import_runs; DELETE FROM persons; DELETE FROM households',
    );
  });

  it('imports a good CSV with Chinese headers, records the run and one event', async () => {
    const text = csvText([ZH_HEADER, ...rowsWith(6), personRow(7, GRID)]);
    const progress: number[] = [];
    const report = await importPersons(
      ctx.db,
      streamOf(text),
      options({ onProgress: (n) => progress.push(n) }),
    );
    expect(report).toMatchObject({
      status: 'committed',
      mode: 'all_or_nothing',
      fileName: 'persons.csv',
      rowsRead: 7,
      inserted: 7,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      householdsCreated: 4,
      rejections: [],
      sha256: createHash('sha256').update(text).digest('hex'),
    });
    expect(progress).toEqual([7]);

    const { rows: persons } = await ctx.db.query<Record<string, unknown>>(
      `SELECT p.id_number, p.name, p.sex, p.birth_date, p.phone, p.area_code, p.address, p.disabled, p.health_code,
              h.household_key, h.area_code AS household_area
       FROM persons p JOIN households h ON h.id = p.household_id ORDER BY p.name`,
    );
    expect(persons).toHaveLength(7);
    expect(persons.find((p) => p.name === '张1')).toEqual({
      id_number: idFor(1),
      name: '张1',
      sex: 'M',
      birth_date: '1960-01-01',
      phone: '13800000001',
      area_code: COMMUNITY,
      address: '幸福小区0号',
      disabled: false,
      health_code: 'green',
      household_key: 'H0',
      household_area: COMMUNITY,
    });
    // Same household key in another area is another household; the person's area is its household's.
    expect(persons.find((p) => p.name === '张7')).toMatchObject({ area_code: GRID, household_area: GRID });

    const { rows: runs } = await ctx.db.query<Record<string, unknown>>('SELECT * FROM import_runs');
    expect(runs).toEqual([
      expect.objectContaining({
        id: report.runId,
        kind: 'persons',
        file_name: 'persons.csv',
        sha256: report.sha256,
        mode: 'all_or_nothing',
        status: 'committed',
        rows_read: 7,
        inserted: 7,
        rejected: 0,
        rejections: [],
      }),
    ]);
    const { rows: events } = await ctx.db.query<Record<string, unknown>>(
      'SELECT type, subject_type, subject_id, area_code, occurred_at, payload FROM events',
    );
    expect(events).toEqual([
      {
        type: 'registry.persons_imported',
        subject_type: 'import_run',
        subject_id: report.runId,
        area_code: COMMUNITY,
        occurred_at: new Date('2022-04-01T08:00:00Z'),
        payload: expect.objectContaining({ rowsRead: 7, inserted: 7, sha256: report.sha256 }),
      },
    ]);
  });

  it('changes nothing when the same file is imported again, and updates exactly the changed row', async () => {
    const rows = rowsWith(20);
    const first = await importPersons(ctx.db, streamOf(csvText([EN_HEADER, ...rows])), options());
    expect(first).toMatchObject({ inserted: 20, updated: 0, unchanged: 0 });
    const { rows: before } = await ctx.db.query<{ updated_at: Date }>(
      'SELECT max(updated_at) AS updated_at FROM persons',
    );

    const again = await importPersons(ctx.db, streamOf(csvText([EN_HEADER, ...rows])), options());
    expect(again).toMatchObject({
      status: 'committed',
      inserted: 0,
      updated: 0,
      unchanged: 20,
      householdsCreated: 0,
    });
    expect(again.sha256).toBe(first.sha256);
    const { rows: after } = await ctx.db.query<{ updated_at: Date }>(
      'SELECT max(updated_at) AS updated_at FROM persons',
    );
    expect(after).toEqual(before);

    const changed = rows.map((r) => [...r]);
    (changed[4] as string[])[2] = '13911112222';
    const third = await importPersons(ctx.db, streamOf(csvText([EN_HEADER, ...changed])), options());
    expect(third).toMatchObject({ inserted: 0, updated: 1, unchanged: 19 });
    const { rows: phone } = await ctx.db.query<{ phone: string }>(
      'SELECT phone FROM persons WHERE id_number = $1',
      [idFor(5)],
    );
    expect(phone).toEqual([{ phone: '13911112222' }]);
    expect(await count(ctx.db, 'import_runs')).toBe(3);
    expect(await count(ctx.db, 'events')).toBe(3);
  });

  it('leaves stored values alone where the file is blank', async () => {
    await importPersons(ctx.db, streamOf(csvText([EN_HEADER, ...rowsWith(3)])), options());
    await ctx.db.query(`UPDATE persons SET health_code = 'red' WHERE id_number = $1`, [idFor(2)]);
    const sparse = csvText([
      ['id_number', 'name', 'area_code', 'address', 'household_key'],
      ...rowsWith(3).map((r) => [r[0], r[1], r[3], r[4], r[5]] as string[]),
    ]);
    const report = await importPersons(ctx.db, streamOf(sparse), options());
    expect(report).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 });
    const { rows } = await ctx.db.query<{ health_code: string; phone: string }>(
      'SELECT health_code, phone FROM persons WHERE id_number = $1',
      [idFor(2)],
    );
    expect(rows).toEqual([{ health_code: 'red', phone: '13800000002' }]);
  });

  it('gives each bad row its precise code and line', async () => {
    const rows = rowsWith(8, (i, row) => {
      if (i === 2) row[0] = (row[0] as string).slice(0, 17) + ((row[0] as string)[17] === '1' ? '2' : '1');
      if (i === 3) row[0] = '220202199002300110'; // 30 February
      if (i === 4) row[3] = '220202001999';
      if (i === 6) {
        row[0] = idFor(1);
        row[6] = '';
      }
      if (i === 7) row[6] = row[6] === '男' ? '女' : '男';
      if (i === 8) row[10] = '紫';
    });
    const report = await importPersons(ctx.db, streamOf(csvText([ZH_HEADER, ...rows])), options());
    expect(report.status).toBe('rejected');
    expect(report.rejected).toBe(6);
    expect(report.rejections.map((r) => [r.line, r.field, r.code])).toEqual([
      [3, 'id_number', 'id_check_digit'],
      [4, 'id_number', 'id_birth_date'],
      [5, 'area_code', 'area_unknown'],
      [7, 'id_number', 'duplicate_in_file'],
      [8, 'sex', 'sex_mismatch'],
      [9, 'health_code', 'health_code_invalid'],
    ]);
    expect(report.rejections[3]?.message).toBe(
      `ID number ${idFor(1)} appears twice in the file: on line 2 and again on line 7`,
    );
  });

  it('all_or_nothing writes nothing when one row is bad, but records the attempt', async () => {
    const rows = rowsWith(12, (i, row) => {
      if (i === 11) row[3] = '999999';
    });
    const report = await importPersons(
      ctx.db,
      streamOf(csvText([ZH_HEADER, ...rows])),
      options({ batchSize: 5, mode: 'all_or_nothing' }),
    );
    expect(report).toMatchObject({
      status: 'rejected',
      rowsRead: 12,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      rejected: 1,
      householdsCreated: 0,
      rejections: [
        {
          line: 12,
          field: 'area_code',
          code: 'area_unknown',
          message: 'area code 999999 is not a known area',
        },
      ],
    });
    expect(await count(ctx.db, 'persons')).toBe(0);
    expect(await count(ctx.db, 'households')).toBe(0);
    expect(await count(ctx.db, 'events')).toBe(0);
    const { rows: runs } = await ctx.db.query<Record<string, unknown>>(
      'SELECT id, status, rows_read, rejected, rejections FROM import_runs',
    );
    expect(runs).toEqual([
      { id: report.runId, status: 'rejected', rows_read: 12, rejected: 1, rejections: report.rejections },
    ]);
  });

  it('valid_rows writes exactly the good rows and reports the bad', async () => {
    const rows = rowsWith(12, (i, row) => {
      if (i === 3) row[1] = '';
      if (i === 11) row[2] = '555';
    });
    const report = await importPersons(
      ctx.db,
      streamOf(csvText([ZH_HEADER, ...rows])),
      options({ batchSize: 5, mode: 'valid_rows' }),
    );
    expect(report).toMatchObject({ status: 'committed', rowsRead: 12, inserted: 10, rejected: 2 });
    expect(report.rejections.map((r) => [r.line, r.code])).toEqual([
      [4, 'name_missing'],
      [12, 'phone_format'],
    ]);
    const { rows: ids } = await ctx.db.query<{ id_number: string }>(
      'SELECT id_number FROM persons ORDER BY id_number',
    );
    const expected = [1, 2, 4, 5, 6, 7, 8, 9, 10, 12].map(idFor).sort();
    expect(ids.map((r) => r.id_number)).toEqual(expected);
    expect(await count(ctx.db, 'events')).toBe(1);
  });

  it('fails a file it cannot read with the file error and writes nothing at all', async () => {
    const good = csvText([ZH_HEADER, ...rowsWith(3)]);
    const cases: [string | Buffer, string, string, number | undefined][] = [
      [good.replace('身份证号,', '').replace(/^(\d{17}[\dX]),/gm, ''), 'persons.csv', 'header_missing', 1],
      [`${good}${idFor(9)},"张9,13800000009\n`, 'persons.csv', 'file_malformed', 5],
      [`${good}${idFor(9)},张9\n`, 'persons.csv', 'file_malformed', 5],
      ['', 'persons.csv', 'file_empty', undefined],
      [good, 'persons.xlsx', 'file_malformed', undefined],
      [
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
        'photo.xlsx',
        'file_malformed',
        undefined,
      ],
    ];
    for (const [data, fileName, code, line] of cases) {
      const err = await expectFileError(importPersons(ctx.db, streamOf(data), options({ fileName })));
      expect([fileName, err.code, err.line]).toEqual([fileName, code, line]);
    }
    // A malformed line after the first full batch: the written batch is rolled back.
    const late = `${csvText([ZH_HEADER, ...rowsWith(12)])}${idFor(20)},"unclosed\n`;
    const err = await expectFileError(importPersons(ctx.db, streamOf(late), options({ batchSize: 5 })));
    expect([err.code, err.line]).toEqual(['file_malformed', 14]);
    for (const table of ['persons', 'households', 'import_runs', 'events'])
      expect(await count(ctx.db, table)).toBe(0);
  });

  it('imports an XLSX workbook', async () => {
    const buf = await xlsxBuffer([
      ZH_HEADER,
      ...rowsWith(4).map((r) => r.map((v, c) => (c === 2 ? Number(v) : v))), // phone as a number cell
    ]);
    const path = join(dir, 'persons.xlsx');
    await pipeline(Readable.from([buf]), createWriteStream(path));
    const report = await importPersons(ctx.db, path, options({ fileName: '人员名单.xlsx' }));
    expect(report).toMatchObject({
      status: 'committed',
      fileName: '人员名单.xlsx',
      rowsRead: 4,
      inserted: 4,
      sha256: createHash('sha256').update(buf).digest('hex'),
    });
    const { rows } = await ctx.db.query<{ phone: string }>('SELECT phone FROM persons WHERE id_number = $1', [
      idFor(3),
    ]);
    expect(rows).toEqual([{ phone: '13800000003' }]);
  });

  it('never stores an ID number that went through a number cell, whichever program wrote the XLSX', async () => {
    // 321083197812162119 in a number cell is read as 321083197812162100, whose check character fits.
    const typed = '321083197812162119';
    const rounded = '321083197812162100';
    const files: [string, Buffer][] = [
      // Made by fixtures/make-fixtures.py with openpyxl and XlsxWriter: line 2 a number cell, line 3 the same
      // digits as text, line 4 a 15-digit first-generation number in a number cell.
      ['openpyxl', readFileSync(join(FIXTURES, 'persons-numeric-id.openpyxl.xlsx'))],
      ['xlsxwriter', readFileSync(join(FIXTURES, 'persons-numeric-id.xlsxwriter.xlsx'))],
      [
        'exceljs',
        await xlsxBuffer([
          ['身份证号', '姓名', '社区代码', '住址'],
          [Number(typed), '数字格', COMMUNITY, '幸福小区1号'],
          [typed, '文本格', COMMUNITY, '幸福小区1号'],
          [110105491231002, '一代证', COMMUNITY, '幸福小区2号'],
        ]),
      ],
      [
        'handmade',
        handmadeXlsx([
          ['身份证号', '姓名', '社区代码', '住址'],
          [{ n: '3.2108319781216198E+17' }, '数字格', COMMUNITY, '幸福小区1号'], // as Excel writes it
          [typed, '文本格', COMMUNITY, '幸福小区1号'],
          [{ n: '110105491231002' }, '一代证', COMMUNITY, '幸福小区2号'],
        ]),
      ],
    ];
    for (const [writer, buf] of files) {
      await ctx.db.exec('DELETE FROM import_runs; DELETE FROM persons; DELETE FROM households');
      const refused = await importPersons(ctx.db, streamOf(buf), options({ fileName: `${writer}.xlsx` }));
      expect(refused, writer).toMatchObject({ status: 'rejected', rowsRead: 3, rejected: 1, inserted: 0 });
      expect(refused.rejections, writer).toEqual([
        {
          line: 2,
          field: 'id_number',
          code: 'id_number_numeric_cell',
          message: expect.stringMatching(
            /stored as a number in the spreadsheet.*format the ID number column as text/,
          ),
        },
      ]);
      expect(await count(ctx.db, 'persons'), writer).toBe(0);

      const partly = await importPersons(
        ctx.db,
        streamOf(buf),
        options({ fileName: `${writer}.xlsx`, mode: 'valid_rows' }),
      );
      expect(partly, writer).toMatchObject({ status: 'committed', inserted: 2, rejected: 1 });
      expect(partly.flagged, writer).toEqual([
        {
          line: 4,
          field: 'id_number',
          code: 'id_converted_from_15',
          message: expect.stringMatching(/15-digit/),
        },
      ]);
      const { rows } = await ctx.db.query<{ id_number: string; name: string }>(
        'SELECT id_number, name FROM persons ORDER BY name',
      );
      expect(rows, writer).toEqual([
        { id_number: '11010519491231002X', name: '一代证' },
        { id_number: typed, name: '文本格' },
      ]);
      expect(rows.some((r) => r.id_number === rounded)).toBe(false);
    }
  });

  it('refuses ID numbers a CSV export wrote in scientific notation', async () => {
    const rows = rowsWith(3);
    (rows[1] as string[])[0] = '3.21083E+17';
    const report = await importPersons(ctx.db, streamOf(csvText([ZH_HEADER, ...rows])), options());
    expect(report.rejections.map((r) => [r.line, r.code])).toEqual([[3, 'id_number_numeric_cell']]);
    expect(await count(ctx.db, 'persons')).toBe(0);
  });

  it('takes mobile numbers and area codes from number cells, and refuses a number cell that changed a value', async () => {
    const header = ['身份证号', '姓名', '手机号', '社区代码', '住址', '户号'];
    const [r1, r2, r3, r4] = [1, 2, 3, 4].map((i) => personRow(i));
    const rows = (f: (r: string[]) => unknown[]) => [r1, r2, r3, r4].map((r) => f(r as string[]));
    const exceljs = await xlsxBuffer([
      header,
      // Line 2: phone and area code as numbers, exact: taken.
      [r1?.[0], '张1', 13800000001, Number(COMMUNITY), '幸福小区0号', 'H0'],
      // Line 3: the household key 0301 typed as a number (301): refused, the person would move to household 301.
      [r2?.[0], '张2', '13800000002', COMMUNITY, '幸福小区0号', 301],
      // Line 4: a landline 0432-62345678 typed as a number.
      [r3?.[0], '张3', 43262345678, COMMUNITY, '幸福小区1号', 'H1'],
      // Line 5: a 16-digit code in a number cell (rounded).
      [r4?.[0], '张4', '13800000004', 2202020010010011, '幸福小区1号', 'H1'],
    ]);
    // As Excel and XlsxWriter store numbers: <v> in scientific notation, or a double's digits.
    const handmade = handmadeXlsx([
      header,
      [r1?.[0] as string, '张1', { n: '1.3800000001E+10' }, { n: COMMUNITY }, '幸福小区0号', 'H0'],
      [r2?.[0] as string, '张2', '13800000002', COMMUNITY, '幸福小区0号', { n: '301' }],
      [r3?.[0] as string, '张3', { n: '43262345678' }, COMMUNITY, '幸福小区1号', 'H1'],
      [r4?.[0] as string, '张4', '13800000004', { n: '2.2020200100100112E+15' }, '幸福小区1号', 'H1'],
    ]);
    for (const [writer, buf] of [
      ['exceljs', exceljs],
      ['handmade', handmade],
    ] as const) {
      await ctx.db.exec(
        'DELETE FROM import_runs; DELETE FROM events; DELETE FROM persons; DELETE FROM households',
      );
      const r = await importPersons(ctx.db, streamOf(buf), options({ fileName: `${writer}.xlsx` }));
      expect(r, writer).toMatchObject({ status: 'rejected', rowsRead: 4, rejected: 3 });
      expect(
        r.rejections.map((x) => [x.line, x.field, x.code]),
        writer,
      ).toEqual([
        [3, 'household_key', 'household_key_numeric_cell'],
        [4, 'phone', 'phone_numeric_cell'],
        [5, 'area_code', 'area_code_numeric_cell'],
      ]);
      for (const x of r.rejections)
        expect(x.message, writer).toMatch(
          /stored as a number in the spreadsheet.*format the .* column as text/,
        );
      const partly = await importPersons(
        ctx.db,
        streamOf(buf),
        options({ fileName: `${writer}.xlsx`, mode: 'valid_rows' }),
      );
      expect(partly, writer).toMatchObject({ status: 'committed', inserted: 1, rejected: 3 });
      const { rows: stored } = await ctx.db.query<Record<string, unknown>>(
        'SELECT p.name, p.phone, p.area_code, h.household_key FROM persons p JOIN households h ON h.id = p.household_id',
      );
      expect(stored, writer).toEqual([
        { name: '张1', phone: '13800000001', area_code: COMMUNITY, household_key: 'H0' },
      ]);
    }
    // CSV exported from number cells: scientific notation in each column.
    const csv = csvText([
      header,
      ...rows((r) => [r[0], r[1], r[2], r[3], r[4], r[5]]).map((r, i) => {
        if (i === 1) r[2] = '1.38E+10';
        if (i === 2) r[3] = '2.20202E+11';
        if (i === 3) r[5] = '1.23457E+17';
        return r as string[];
      }),
    ]);
    await ctx.db.exec('DELETE FROM persons; DELETE FROM households');
    const c = await importPersons(ctx.db, streamOf(csv), options());
    expect(c.rejections.map((x) => [x.line, x.code])).toEqual([
      [3, 'phone_numeric_cell'],
      [4, 'area_code_numeric_cell'],
      [5, 'household_key_numeric_cell'],
    ]);
    expect(await count(ctx.db, 'persons')).toBe(0);
  });

  /** Household key (area/key), open or closed, and members' names, of every household. */
  async function households(): Promise<Record<string, { open: boolean; members: string[] }>> {
    const { rows } = await ctx.db.query<{ k: string; open: boolean; members: string[] | null }>(
      `SELECT h.area_code || '/' || h.household_key AS k, h.closed_at IS NULL AS open,
              array_agg(p.name ORDER BY p.name) FILTER (WHERE p.id IS NOT NULL) AS members
         FROM households h LEFT JOIN persons p ON p.household_id = h.id GROUP BY h.id ORDER BY 1`,
    );
    return Object.fromEntries(rows.map((r) => [r.k, { open: r.open, members: r.members ?? [] }]));
  }

  /** Every count of households agrees: the registry's stats, the planner's and transfer's (distinct household of people). */
  async function expectCountsAgree(): Promise<number> {
    const stats = await registryStats(ctx.db, UNSCOPED);
    const scoped = await registryStats(ctx.db, { prefix: COMMUNITY });
    const { rows } = await ctx.db.query<{ every: number; here: number; empty_open: number }>(
      `SELECT count(DISTINCT household_id) AS every,
              count(DISTINCT household_id) FILTER (WHERE area_code LIKE '${COMMUNITY}%') AS here,
              (SELECT count(*) FROM households h WHERE h.closed_at IS NULL
                 AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.id)) AS empty_open
         FROM persons`,
    );
    expect(rows[0]?.empty_open).toBe(0);
    expect(stats.households).toBe(rows[0]?.every);
    expect(scoped.households).toBe(rows[0]?.here);
    return stats.households;
  }

  it('closes a household its last member moves out of, keeps one that still has members, and reopens it on the way back', async () => {
    // personRow: households H0 {1, 2}, H1 {3, 4, 5}, H2 {6}.
    const before = rowsWith(6);
    expect(await importPersons(ctx.db, streamOf(csvText([EN_HEADER, ...before])), options())).toMatchObject({
      householdsCreated: 3,
      householdsClosed: 0,
    });
    expect(await expectCountsAgree()).toBe(3);
    // 张6 moves to H1 (H2 is left empty), 张1 to a new H7 (H0 keeps 张2), 张5 to H2 of the other community.
    const after = rowsWith(6, (i, row) => {
      if (i === 6) [row[4], row[5]] = ['幸福小区1号', 'H1'];
      if (i === 1) [row[4], row[5]] = ['幸福小区7号', 'H7'];
      if (i === 5) [row[3], row[5]] = [OTHER_COMMUNITY, 'H2'];
    });
    const clock = new ManualClock('2022-04-02T09:00:00Z');
    const moved = await importPersons(ctx.db, streamOf(csvText([EN_HEADER, ...after])), options({ clock }));
    expect(moved).toMatchObject({
      status: 'committed',
      inserted: 0,
      updated: 3,
      unchanged: 3,
      householdsCreated: 2,
      householdsClosed: 1,
      householdsReopened: 0,
    });
    const c = COMMUNITY;
    const o = OTHER_COMMUNITY;
    expect(await households()).toEqual({
      [`${c}/H0`]: { open: true, members: ['张2'] },
      [`${c}/H1`]: { open: true, members: ['张3', '张4', '张6'] },
      [`${c}/H2`]: { open: false, members: [] },
      [`${c}/H7`]: { open: true, members: ['张1'] },
      [`${o}/H2`]: { open: true, members: ['张5'] },
    });
    const { rows: closed } = await ctx.db.query<{ closed_at: Date }>(
      `SELECT closed_at FROM households WHERE closed_at IS NOT NULL`,
    );
    expect(closed).toEqual([{ closed_at: new Date('2022-04-02T09:00:00Z') }]);
    expect(await expectCountsAgree()).toBe(4);
    // The members a person's page shows are those of the household they moved to.
    const { rows: six } = await ctx.db.query<{ household_id: number }>(
      'SELECT household_id FROM persons WHERE id_number = $1',
      [idFor(6)],
    );
    const members = await householdMembers(ctx.db, UNSCOPED, Number(six[0]?.household_id));
    expect(members.map((m) => m.name).sort()).toEqual(['张3', '张4', '张6']);
    const { rows: events } = await ctx.db.query<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM events ORDER BY id DESC LIMIT 1`,
    );
    expect(events[0]?.payload).toMatchObject({ householdsClosed: 1, householdsReopened: 0 });

    // The same file again changes nothing, the closing time included.
    clock.advance(3600_000);
    const again = await importPersons(ctx.db, streamOf(csvText([EN_HEADER, ...after])), options({ clock }));
    expect(again).toMatchObject({
      inserted: 0,
      updated: 0,
      unchanged: 6,
      householdsCreated: 0,
      householdsClosed: 0,
      householdsReopened: 0,
    });
    const { rows: still } = await ctx.db.query<{ closed_at: Date }>(
      `SELECT closed_at FROM households WHERE closed_at IS NOT NULL`,
    );
    expect(still).toEqual(closed);

    // Everyone back: the closed household opens again (the same row), the ones left empty close.
    const { rows: h2 } = await ctx.db.query<{ id: number }>(
      'SELECT id FROM households WHERE area_code = $1 AND household_key = $2',
      [COMMUNITY, 'H2'],
    );
    const back = await importPersons(ctx.db, streamOf(csvText([EN_HEADER, ...before])), options({ clock }));
    expect(back).toMatchObject({
      updated: 3,
      householdsCreated: 0,
      householdsClosed: 2,
      householdsReopened: 1,
    });
    expect(await households()).toEqual({
      [`${c}/H0`]: { open: true, members: ['张1', '张2'] },
      [`${c}/H1`]: { open: true, members: ['张3', '张4', '张5'] },
      [`${c}/H2`]: { open: true, members: ['张6'] },
      [`${c}/H7`]: { open: false, members: [] },
      [`${o}/H2`]: { open: false, members: [] },
    });
    const { rows: h2again } = await ctx.db.query<{ id: number }>(
      'SELECT id FROM households WHERE area_code = $1 AND household_key = $2',
      [COMMUNITY, 'H2'],
    );
    expect(h2again).toEqual(h2);
    expect(await expectCountsAgree()).toBe(3);
  });

  it('closes a household only once its last member has left, across batches, and reopens it in a later batch', async () => {
    await importPersons(ctx.db, streamOf(csvText([EN_HEADER, ...rowsWith(2)])), options()); // H0 {1, 2}
    const rows = [
      ...rowsWith(2, (_, row) => {
        [row[4], row[5]] = ['幸福小区8号', 'H8'];
      }),
      personRow(9).map((v, col) => (col === 4 ? '幸福小区0号' : col === 5 ? 'H0' : v)),
    ];
    // One row a batch: 张1 leaves H0 (张2 still there), then 张2 leaves it (closed), then 张9 moves in (reopened).
    const r = await importPersons(ctx.db, streamOf(csvText([EN_HEADER, ...rows])), options({ batchSize: 1 }));
    expect(r).toMatchObject({
      inserted: 1,
      updated: 2,
      householdsCreated: 1,
      householdsClosed: 1,
      householdsReopened: 1,
    });
    expect(await households()).toEqual({
      [`${COMMUNITY}/H0`]: { open: true, members: ['张9'] },
      [`${COMMUNITY}/H8`]: { open: true, members: ['张1', '张2'] },
    });
    expect(await expectCountsAgree()).toBe(2);
  });

  it('closes nothing when the import that would move people is rejected', async () => {
    await importPersons(ctx.db, streamOf(csvText([EN_HEADER, ...rowsWith(6)])), options());
    const rows = rowsWith(7, (i, row) => {
      if (i === 6) row[5] = 'H1';
      if (i === 7) row[3] = '999999';
    });
    const r = await importPersons(ctx.db, streamOf(csvText([EN_HEADER, ...rows])), options({ batchSize: 2 }));
    expect(r).toMatchObject({ status: 'rejected', updated: 0, householdsClosed: 0, householdsReopened: 0 });
    const { rows: closed } = await ctx.db.query<{ n: number }>(
      'SELECT count(*) AS n FROM households WHERE closed_at IS NOT NULL',
    );
    expect(closed).toEqual([{ n: 0 }]);
    expect(await expectCountsAgree()).toBe(3);
  });

  it('streams a 50,000-row file through in batches', async () => {
    const path = join(dir, 'big.csv');
    const n = 50_000;
    async function* lines() {
      yield `${ZH_HEADER.join(',')}\n`;
      for (let i = 1; i <= n; i++)
        yield `${personRow(i, i % 2 === 0 ? COMMUNITY : OTHER_COMMUNITY).join(',')}\n`;
    }
    await pipeline(Readable.from(lines()), createWriteStream(path));
    const progress: number[] = [];
    const report = await importPersons(ctx.db, path, options({ onProgress: (r) => progress.push(r) }));
    expect(report).toMatchObject({ status: 'committed', rowsRead: n, inserted: n, rejected: 0 });
    expect(progress).toHaveLength(10);
    expect(progress.at(-1)).toBe(n);
    expect(await count(ctx.db, 'persons')).toBe(n);
    const { rows } = await ctx.db.query<{ area_code: string }>('SELECT area_code FROM events');
    expect(rows).toEqual([{ area_code: '220202001' }]); // the street containing both communities
  });
});

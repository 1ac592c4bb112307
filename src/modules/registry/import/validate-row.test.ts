import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../domain/clock.ts';
import { makeIdNumber } from '../../../domain/id-number.ts';
import type { RawRow } from './parse-rows.ts';
import { COMMUNITY, EN_HEADER, GRID, idFor, personRow } from './test-fixtures.ts';
import { normalisePhone, type RowContext, type RowResult, validatePersonRow } from './validate-row.ts';

const LEVELS: Record<string, number> = { '220202': 3, [COMMUNITY]: 5, [GRID]: 6 };

function context(seen: Record<string, number> = {}, today = '2022-04-01T08:00:00Z'): RowContext {
  return {
    clock: new ManualClock(today),
    areaLevel: (code) => LEVELS[code],
    firstLineOf: (id) => seen[id],
  };
}

function row(line: number, values: Record<string, string>): RawRow {
  return { line, values };
}

function goodValues(i = 1): Record<string, string> {
  const cells = personRow(i);
  return Object.fromEntries(EN_HEADER.map((h, c) => [h, cells[c] ?? '']));
}

function codes(r: RowResult): string[] {
  return r.ok ? [] : r.rejections.map((x) => x.code);
}

describe('validatePersonRow', () => {
  it('takes birth date and sex from the ID number', () => {
    const r = validatePersonRow(row(2, goodValues(1)), context());
    expect(r).toEqual({
      ok: true,
      value: {
        line: 2,
        idNumber: idFor(1),
        name: '张1',
        sex: 'M',
        birthDate: '1960-01-01',
        phone: '13800000001',
        areaCode: COMMUNITY,
        address: '幸福小区0号',
        householdKey: 'H0',
        pregnant: false,
        disabled: false,
        chronicIllness: false,
        healthCode: 'green',
        flags: [],
      },
    });
  });

  it('treats blank optional cells as not stated and defaults the household to the address', () => {
    const r = validatePersonRow(
      row(3, {
        id_number: ` ${idFor(2).toLowerCase()} `,
        name: ' 李  四 ',
        area_code: GRID,
        address: '幸福小区 3 号',
      }),
      context(),
    );
    expect(r.ok && r.value).toMatchObject({
      idNumber: idFor(2),
      name: '李 四',
      sex: 'F',
      householdKey: '幸福小区 3 号',
      phone: null,
      pregnant: null,
      healthCode: null,
    });
  });

  it('reports the ID number rules with their own codes', () => {
    const id = idFor(1);
    const wrongCheck = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
    expect(codes(validatePersonRow(row(2, { ...goodValues(), id_number: wrongCheck }), context()))).toEqual([
      'id_check_digit',
    ]);
    const feb30 = '220202199002300110';
    expect(codes(validatePersonRow(row(2, { ...goodValues(), id_number: feb30 }), context()))).toEqual([
      'id_birth_date',
    ]);
    expect(codes(validatePersonRow(row(2, { ...goodValues(), id_number: '' }), context()))).toEqual([
      'id_missing',
    ]);
    expect(codes(validatePersonRow(row(2, { ...goodValues(), id_number: '12345' }), context()))).toEqual([
      'id_length',
    ]);
  });

  it('refuses an ID number stored in a number cell, even when its check character fits', () => {
    // 321083197812162119 in a number cell comes out as 321083197812162100, whose check character fits.
    const typed = '321083197812162119';
    const stored = String(Number(typed));
    const values = { ...goodValues(), id_number: stored, sex: '' };
    const numeric: RawRow = { line: 2, values, numeric: new Set(['id_number', 'phone']) };
    const r = validatePersonRow(numeric, context());
    expect(r).toMatchObject({ ok: false, idNumber: undefined });
    if (r.ok) return;
    expect(r.rejections).toEqual([
      expect.objectContaining({ line: 2, field: 'id_number', code: 'id_number_numeric_cell' }),
    ]);
    expect(r.rejections[0]?.message).toMatch(/stored as a number.*15 significant digits.*as text/);
    // Text cells: the same digits are taken as they are; the real number is accepted.
    expect(validatePersonRow(row(2, values), context()).ok).toBe(true);
    expect(validatePersonRow(row(2, { ...values, id_number: typed }), context())).toMatchObject({
      ok: true,
      value: { idNumber: typed, flags: [] },
    });
    // CSV written from such a cell.
    expect(codes(validatePersonRow(row(2, { ...values, id_number: '3.21083E+17' }), context()))).toEqual([
      'id_number_numeric_cell',
    ]);
  });

  it('takes a number cell that is exactly a mobile number or an area code, and refuses what a number cell changed', () => {
    const values = goodValues(1);
    const asNumbers = (over: Record<string, string>, cells: string[]): RawRow => ({
      line: 2,
      values: { ...values, ...over },
      numeric: new Set(cells),
    });
    // 13800000001 and 220202001001 are exact as numbers.
    expect(validatePersonRow(asNumbers({}, ['phone', 'area_code']), context())).toMatchObject({
      ok: true,
      value: { phone: '13800000001', areaCode: COMMUNITY },
    });
    const refused = (r: RowResult) => (r.ok ? [] : r.rejections.map((x) => [x.field, x.code]));
    // 0432-62345678 typed as a number; a grid code of 16 digits; a household key 0301 typed as 301.
    expect(
      refused(
        validatePersonRow(
          asNumbers({ phone: '43262345678', area_code: '2202020010010011', household_key: '301' }, [
            'phone',
            'area_code',
            'household_key',
          ]),
          context(),
        ),
      ),
    ).toEqual([
      ['area_code', 'area_code_numeric_cell'],
      ['household_key', 'household_key_numeric_cell'],
      ['phone', 'phone_numeric_cell'],
    ]);
    // The same texts in text cells are what they say: 301 is a household key, the others are checked as usual.
    expect(
      refused(
        validatePersonRow(
          row(2, { ...values, phone: '43262345678', area_code: '2202020010010011', household_key: '301' }),
          context(),
        ),
      ),
    ).toEqual([
      ['area_code', 'area_unknown'],
      ['phone', 'phone_format'],
    ]);
    // CSV exported from number cells: scientific notation, refused with the column's own code.
    const r = validatePersonRow(
      row(2, { ...values, phone: '1.38E+10', area_code: '2.20202E+11', household_key: '1.23457E+17' }),
      context(),
    );
    expect(refused(r)).toEqual([
      ['area_code', 'area_code_numeric_cell'],
      ['household_key', 'household_key_numeric_cell'],
      ['phone', 'phone_numeric_cell'],
    ]);
    if (!r.ok)
      for (const x of r.rejections)
        expect(x.message).toMatch(/scientific notation.*format the .* column as text/);
  });

  it('takes residence permits, foreigners’ permanent residence numbers and flags converted 15-digit numbers', () => {
    const taiwan = makeIdNumber('830000', '1980-05-05', 21);
    expect(validatePersonRow(row(2, { ...goodValues(), id_number: taiwan }), context())).toMatchObject({
      ok: true,
      value: { idNumber: taiwan, sex: 'M', birthDate: '1980-05-05', flags: [] },
    });
    const foreign = makeIdNumber('931840', '1985-03-15', 123); // 9 · 31 (Shanghai) · 840 · …
    expect(validatePersonRow(row(2, { ...goodValues(), id_number: foreign }), context())).toMatchObject({
      ok: true,
      value: { idNumber: foreign, sex: 'M' },
    });
    const eighteen = makeIdNumber('220202', '1960-01-01', 1);
    const fifteen = eighteen.slice(0, 6) + eighteen.slice(8, 17);
    expect(validatePersonRow(row(2, { ...goodValues(), id_number: fifteen }), context())).toMatchObject({
      ok: true,
      value: { idNumber: eighteen, birthDate: '1960-01-01', flags: ['id_converted_from_15'] },
    });
    // A 15-digit number fits a number cell exactly: converted as well.
    const asNumber: RawRow = {
      line: 2,
      values: { ...goodValues(), id_number: fifteen },
      numeric: new Set(['id_number']),
    };
    expect(validatePersonRow(asNumber, context())).toMatchObject({ ok: true, value: { idNumber: eighteen } });
  });

  it('gets today from the clock', () => {
    const tomorrow = makeIdNumber('220202', '2022-04-02', 11);
    const values = { ...goodValues(), id_number: tomorrow, sex: '' };
    expect(codes(validatePersonRow(row(2, values), context()))).toEqual(['id_birth_future']);
    expect(validatePersonRow(row(2, values), context({}, '2022-04-02T00:00:00Z')).ok).toBe(true);
  });

  it('names both lines of a duplicate ID number', () => {
    const r = validatePersonRow(row(9, goodValues(1)), context({ [idFor(1)]: 4 }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.rejections).toEqual([
      {
        line: 9,
        field: 'id_number',
        code: 'duplicate_in_file',
        message: `ID number ${idFor(1)} appears twice in the file: on line 4 and again on line 9`,
      },
    ]);
    expect(r.idNumber).toBeUndefined();
  });

  it('checks area codes against the known areas and their level', () => {
    expect(
      codes(validatePersonRow(row(2, { ...goodValues(), area_code: '220202001999' }), context())),
    ).toEqual(['area_unknown']);
    expect(codes(validatePersonRow(row(2, { ...goodValues(), area_code: '220202' }), context()))).toEqual([
      'area_level',
    ]);
    expect(codes(validatePersonRow(row(2, { ...goodValues(), area_code: 'abc' }), context()))).toEqual([
      'area_unknown',
    ]);
  });

  it('checks sex against the ID number', () => {
    const r = validatePersonRow(row(5, { ...goodValues(1), sex: '女' }), context());
    expect(r.ok ? [] : r.rejections).toEqual([
      {
        line: 5,
        field: 'sex',
        code: 'sex_mismatch',
        message: 'sex 女 disagrees with the ID number, which is a 男 (M)',
      },
    ]);
    expect(validatePersonRow(row(5, { ...goodValues(1), sex: 'm' }), context()).ok).toBe(true);
    expect(codes(validatePersonRow(row(5, { ...goodValues(1), sex: '未知' }), context()))).toEqual([
      'sex_invalid',
    ]);
  });

  it('reports every problem of a row, and keeps a valid ID number for duplicate detection', () => {
    const r = validatePersonRow(
      row(7, {
        ...goodValues(1),
        name: '',
        phone: '12345',
        address: '',
        pregnant: '也许',
        health_code: '紫',
      }),
      context(),
    );
    expect(codes(r)).toEqual([
      'name_missing',
      'address_missing',
      'phone_format',
      'bool_invalid',
      'health_code_invalid',
    ]);
    expect(r.ok ? undefined : r.idNumber).toBe(idFor(1));
  });

  it('accepts the usual spellings of booleans and health codes', () => {
    for (const [pregnant, expected] of [
      ['是', true],
      ['Y', true],
      ['1', true],
      ['TRUE', true],
      ['否', false],
      ['n', false],
      ['0', false],
    ] as const) {
      const r = validatePersonRow(row(2, { ...goodValues(2), pregnant }), context());
      expect(r.ok && r.value.pregnant).toBe(expected);
    }
    for (const [code, expected] of [
      ['黄', 'yellow'],
      ['红码', 'red'],
      ['Green', 'green'],
    ] as const) {
      const r = validatePersonRow(row(2, { ...goodValues(2), health_code: code }), context());
      expect(r.ok && r.value.healthCode).toBe(expected);
    }
    expect(codes(validatePersonRow(row(2, { ...goodValues(1), pregnant: '是' }), context()))).toEqual([
      'pregnant_male',
    ]);
  });

  it('normalises phone numbers', () => {
    expect(normalisePhone('+86 138 0013 8000')).toBe('13800138000');
    expect(normalisePhone('0431-88886666')).toBe('0431-88886666');
    expect(normalisePhone('1380013800')).toBeUndefined();
    expect(normalisePhone('23800138000')).toBeUndefined();
  });
});

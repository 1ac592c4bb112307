import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ageOn,
  checkCharacter,
  makeIdNumber,
  maskIdNumber,
  maskPhone,
  parseIdNumber,
  parseIdNumberCell,
} from './id-number.ts';

const today = new Date('2022-03-14T00:00:00Z');

const validParts = fc.record({
  region: fc.constantFrom('220202', '220281', '110101', '310115', '650102', '220524'),
  birth: fc.date({
    min: new Date('1900-01-01T00:00:00Z'),
    max: new Date('2022-03-13T00:00:00Z'),
    noInvalidDate: true,
  }),
  seq: fc.integer({ min: 0, max: 999 }),
});

describe('GB 11643 ID numbers', () => {
  it('accepts the example of the standard', () => {
    expect(parseIdNumber('11010519491231002X', today)).toMatchObject({
      ok: true,
      value: { sex: 'F', birthDate: '1949-12-31' },
    });
    // Born before 1900: refused as implausible for a living resident.
    expect(parseIdNumber('440524188001010014', today)).toMatchObject({ ok: false, code: 'id_birth_date' });
  });

  it('accepts every number built from valid parts, and reads back its parts', () => {
    fc.assert(
      fc.property(validParts, ({ region, birth, seq }) => {
        const iso = birth.toISOString().slice(0, 10);
        const id = makeIdNumber(region, iso, seq);
        const r = parseIdNumber(id, today);
        expect(r.ok).toBe(true);
        if (r.ok) {
          expect(r.value.birthDate).toBe(iso);
          expect(r.value.regionCode).toBe(region);
          expect(r.value.sex).toBe(seq % 2 === 1 ? 'M' : 'F');
        }
      }),
    );
  });

  it('rejects any single changed character of a valid number (the check character catches it)', () => {
    fc.assert(
      fc.property(
        validParts,
        fc.integer({ min: 0, max: 17 }),
        fc.integer({ min: 1, max: 10 }),
        ({ region, birth, seq }, pos, delta) => {
          const id = makeIdNumber(region, birth.toISOString().slice(0, 10), seq);
          const alphabet = '0123456789X';
          const c = id[pos] as string;
          const replacement = alphabet[(alphabet.indexOf(c) + delta) % 11] as string;
          if (pos < 17 && replacement === 'X') return; // not even the right shape: another error
          const bad = id.slice(0, pos) + replacement + id.slice(pos + 1);
          expect(parseIdNumber(bad, today).ok).toBe(false);
        },
      ),
    );
  });

  it('gives a precise code for each kind of mistake', () => {
    const good = makeIdNumber('220202', '1990-01-01', 123);
    const code = (s: string) => {
      const r = parseIdNumber(s, today);
      return r.ok ? 'ok' : r.code;
    };
    expect(code(good.slice(0, 17))).toBe('id_length');
    expect(code(`${good.slice(0, 16)}A${good[17]}`)).toBe('id_format');
    expect(code(`99${good.slice(2)}`)).toBe('id_region');
    const feb30 = `22020219900230123`;
    expect(code(feb30 + checkCharacter(feb30))).toBe('id_birth_date');
    const future = `22020220300101123`;
    expect(code(future + checkCharacter(future))).toBe('id_birth_future');
    const wrongCheck = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    expect(code(wrongCheck)).toBe('id_check_digit');
    expect(code(good.toLowerCase())).toBe('ok');
  });

  it('accepts residence permits of Hong Kong (81), Macao (82) and Taiwan (83) residents', () => {
    for (const region of ['810000', '820000', '830000']) {
      const id = makeIdNumber(region, '1985-06-01', 31);
      expect(parseIdNumber(id, today)).toMatchObject({
        ok: true,
        value: {
          idNumber: id,
          regionCode: region,
          birthDate: '1985-06-01',
          sex: 'M',
          kind: 'residence_permit',
        },
      });
    }
    expect(parseIdNumber(makeIdNumber('220202', '1985-06-01', 31), today)).toMatchObject({
      value: { kind: 'resident', flags: [] },
    });
    // Still no province 84.
    expect(parseIdNumber(makeIdNumber('840000', '1985-06-01', 31), today)).toMatchObject({
      code: 'id_region',
    });
  });

  it("accepts the 2023 foreigner's permanent residence number: 9, issuing province, nationality, birth date", () => {
    // 9 · 11 (Beijing) · 840 · 1985-03-15 · 12, 3 (a man) · check character.
    const first17 = '91184019850315123';
    const id = first17 + checkCharacter(first17);
    expect(parseIdNumber(id, today)).toMatchObject({
      ok: true,
      value: {
        idNumber: id,
        regionCode: '110000',
        birthDate: '1985-03-15',
        sex: 'M',
        kind: 'foreign_permanent',
      },
    });
    const code = (f17: string) => {
      const r = parseIdNumber(f17 + checkCharacter(f17), today);
      return r.ok ? 'ok' : r.code;
    };
    expect(code('94484019900230124')).toBe('id_birth_date');
    expect(code('97184019850315123')).toBe('id_region'); // Taiwan issues none
    expect(code('98184019850315123')).toBe('id_region'); // nor do Hong Kong or Macao
    expect(code('90084019850315123')).toBe('id_region');
    expect(parseIdNumber(`${first17}${checkCharacter(first17) === '0' ? '1' : '0'}`, today)).toMatchObject({
      code: 'id_check_digit',
    });
  });

  it('converts a 15-digit first-generation number to 18 and flags it', () => {
    // The standard's example, 11010519491231002X, was 110105491231002 on a first-generation card.
    expect(parseIdNumber('110105491231002', today)).toEqual({
      ok: true,
      value: {
        idNumber: '11010519491231002X',
        regionCode: '110105',
        birthDate: '1949-12-31',
        sex: 'F',
        kind: 'resident',
        flags: ['id_converted_from_15'],
      },
    });
    fc.assert(
      fc.property(validParts, ({ region, birth, seq }) => {
        const iso = birth.toISOString().slice(0, 10);
        fc.pre(iso < '2000-01-01');
        const id = makeIdNumber(region, iso, seq);
        const old = id.slice(0, 6) + id.slice(8, 17);
        expect(parseIdNumber(old, today)).toMatchObject({
          ok: true,
          value: { idNumber: id, flags: ['id_converted_from_15'] },
        });
      }),
    );
    const code = (s: string) => {
      const r = parseIdNumber(s, today);
      return r.ok ? 'ok' : r.code;
    };
    expect(code('11010549123100X')).toBe('id_format');
    expect(code('110105490230002')).toBe('id_birth_date');
    expect(code('990105491231002')).toBe('id_region');
    expect(code('1101054912310021')).toBe('id_length');
  });

  it('refuses what a spreadsheet number cell made of an ID number, whatever its check character', () => {
    const real = '321083197812162119';
    const rounded = String(Number(real)); // what exceljs, openpyxl and Excel keep of a number cell
    expect(rounded).toBe('321083197812162100');
    // This one even has a fitting check character: as text it would be stored under a wrong number.
    expect(parseIdNumber(rounded, today).ok).toBe(true);
    const numeric = parseIdNumberCell(rounded, today, true);
    expect(numeric).toMatchObject({ ok: false, code: 'id_number_numeric_cell' });
    if (!numeric.ok) expect(numeric.message).toMatch(/stored as a number.*15 significant digits.*as text/);
    expect(parseIdNumberCell('3210831978121621', today, true)).toMatchObject({
      code: 'id_number_numeric_cell',
    });
    expect(parseIdNumberCell('3.21083197812162e+17', today, true)).toMatchObject({
      code: 'id_number_numeric_cell',
    });
    // At most 15 digits a number cell holds exactly: a first-generation number is converted, a short one is short.
    expect(parseIdNumberCell('110105491231002', today, true)).toMatchObject({
      ok: true,
      value: { idNumber: '11010519491231002X', flags: ['id_converted_from_15'] },
    });
    expect(parseIdNumberCell('1101054912', today, true)).toMatchObject({ code: 'id_length' });
    // The same digits as text are accepted.
    expect(parseIdNumberCell(real, today)).toMatchObject({ ok: true, value: { idNumber: real } });
    expect(parseIdNumberCell(` ${real} `, today, false)).toMatchObject({ ok: true });
    // Text exported from such a cell: scientific notation, or Excel's 15 digits and 000 with a wrong check character.
    expect(parseIdNumberCell('3.21083E+17', today)).toMatchObject({ code: 'id_number_numeric_cell' });
    expect(parseIdNumberCell('3.21083197812162E17', today)).toMatchObject({ code: 'id_number_numeric_cell' });
    const excel15 = parseIdNumberCell('321083197812162000', today);
    expect(excel15).toMatchObject({ code: 'id_number_numeric_cell' });
    if (!excel15.ok) expect(excel15.message).toMatch(/check character.*000/);
    // Other wrong check characters keep their own code.
    expect(parseIdNumberCell('321083197812162110', today)).toMatchObject({ code: 'id_check_digit' });
  });

  it('masks ID numbers and phones, keeping only the region and the last four', () => {
    expect(maskIdNumber('22020219900101123X')).toBe('220202********123X');
    expect(maskPhone('13812345678')).toBe('138****5678');
    fc.assert(
      fc.property(validParts, ({ region, birth, seq }) => {
        const id = makeIdNumber(region, birth.toISOString().slice(0, 10), seq);
        const m = maskIdNumber(id);
        expect(m).toHaveLength(18);
        expect(m).not.toContain(id.slice(6, 14)); // the birth date never shows
      }),
    );
  });

  it('computes whole years of age', () => {
    expect(ageOn('1962-03-14', today)).toBe(60);
    expect(ageOn('1962-03-15', today)).toBe(59);
  });
});

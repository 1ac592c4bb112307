import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ageOn, checkCharacter, makeIdNumber, maskIdNumber, maskPhone, parseIdNumber } from './id-number.ts';

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

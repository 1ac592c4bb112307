import { describe, expect, it } from 'vitest';
import { looksScientific, numericCellProblem } from './numeric-cell.ts';

describe('numericCellProblem', () => {
  it('refuses every number cell of an identifier compared as text', () => {
    for (const field of ['tube', 'key', 'household_key'] as const) {
      for (const text of ['12345678', '301', '123456789012345680', '1.5']) {
        expect(numericCellProblem(field, text, true), `${field} ${text}`).toEqual({
          code: `${field}_numeric_cell`,
          message: expect.stringMatching(/stored as a number.*leading zeros.*format the .* column as text/),
        });
      }
      // The same digits as text are theirs to keep, leading zeros and all.
      for (const text of ['0012345678', '301', '123456789012345678'])
        expect(numericCellProblem(field, text, false), `${field} ${text}`).toBeUndefined();
    }
  });

  it('takes a number cell that is exactly an area code or a mobile number, and refuses any other', () => {
    for (const text of ['220202001001', '220202001001001', '22'])
      expect(numericCellProblem('area_code', text, true), text).toBeUndefined();
    for (const text of ['2202020010010011', '220202001001.5', '2.2e+21'])
      expect(numericCellProblem('area_code', text, true)?.code, text).toBe('area_code_numeric_cell');
    for (const text of ['13800000001', '8613800000001'])
      expect(numericCellProblem('phone', text, true), text).toBeUndefined();
    // 0432-62345678 as a number: the leading 0 and the dash are gone.
    for (const text of ['43262345678', '1380000000', '138000000012', '13800000001.5', '10000000000'])
      expect(numericCellProblem('phone', text, true)?.code, text).toBe('phone_numeric_cell');
    expect(numericCellProblem('phone', '43262345678', true)?.message).toMatch(
      /landline’s leading 0.*format the phone \(手机号\) column as text/,
    );
  });

  it('refuses scientific notation in text, in every column, and nothing else', () => {
    for (const field of ['tube', 'key', 'household_key', 'area_code', 'phone'] as const) {
      for (const text of ['3.21083E+17', '1.38E+10', '2.20202E+11', '1E+11', '2.20202001001E+011', '1.2e-5'])
        expect(numericCellProblem(field, text, false)?.code, `${field} ${text}`).toBe(
          `${field}_numeric_cell`,
        );
      expect(numericCellProblem(field, '3.21083E+17', false)?.message).toMatch(
        /scientific notation.*15 significant digits.*as text/,
      );
    }
    for (const text of ['E12345', 'TUBE-E1', '3E', '3-E-2', '1.2.3E+4', 'ABCDE+12', '', '12E45X'])
      expect(looksScientific(text), text).toBe(false);
    expect(numericCellProblem('tube', '', true)).toBeUndefined();
  });
});

/**
 * Cells that went through a spreadsheet's number type, for the columns where that changes the value without a
 * sign: a number keeps no leading zeros and only 15 significant digits (Excel; other writers 15–17, as doubles),
 * and a CSV exported from such a column may hold it in scientific notation (1.23457E+17). ID numbers have their
 * own rules (domain/id-number.ts, parseIdNumberCell, `id_number_numeric_cell`); this is the same protection for
 * the other columns, with one code per column, `<field>_numeric_cell`. Nothing is ever converted: the row is
 * refused with a message that says what to do.
 *
 * - Identifiers compared as text — tube barcodes, scan keys, household keys —: any number cell is refused. Their
 *   valid values may start with 0 or be longer than 15 digits, so the number cannot be told from the text the
 *   sender meant (and a number format such as 0000 shows zeros the cell does not hold).
 * - Area codes and mobile numbers: a number cell holding a whole number that is a valid value is exact (area codes
 *   and mobile numbers never start with 0 and have at most 15 digits) and is accepted; any other number cell is
 *   refused (a landline's leading 0 is lost, a code of 16 digits or more is rounded, a fraction is not a code).
 * - In text (CSV, or a text cell): scientific notation is refused for every one of these columns.
 *
 * `storedAsNumber` is `RawRow.numeric` (parse-rows.ts): XLSX cells whose type is a number (or a date).
 */

export type NumericCellField = 'tube' | 'key' | 'household_key' | 'area_code' | 'phone';
export type NumericCellCode = `${NumericCellField}_numeric_cell`;

export interface NumericCellProblem<F extends NumericCellField = NumericCellField> {
  code: `${F}_numeric_cell`;
  message: string;
}

interface Rule {
  /** The value, as the message names it. */
  what: string;
  /** The column, as the advice names it. */
  column: string;
  /** Why a number cell is refused. */
  lost: string;
  /** A number cell whose text passes this is exactly the value (absent: no number cell is). */
  exact?: RegExp;
}

const RULES: Record<NumericCellField, Rule> = {
  tube: {
    what: 'the tube barcode',
    column: 'tube barcode (试管条码)',
    lost: 'a number keeps no leading zeros and only 15 significant digits, so it may not be the barcode printed on the tube',
  },
  key: {
    what: 'the record key',
    column: 'key (采样记录号)',
    lost: 'a number keeps no leading zeros and only 15 significant digits, so different keys may have become one',
  },
  household_key: {
    what: 'the household key',
    column: 'household key (户号)',
    lost: 'a number keeps no leading zeros and only 15 significant digits, so it may no longer match the household, and its people would move to another one',
  },
  area_code: {
    what: 'the area code',
    column: 'area code (社区代码)',
    lost: 'area codes are whole numbers of at most 15 digits and this one is not, so the number cell has changed it',
    exact: /^[1-9]\d{0,14}$/,
  },
  phone: {
    what: 'the phone number',
    column: 'phone (手机号)',
    lost: 'it is not an 11-digit mobile number, and a number cell loses a landline’s leading 0 and its dashes',
    exact: /^(?:86)?1[3-9]\d{9}$/,
  },
};

const ADVICE = 'enter or copy the values again from their source, and export again';

/** Scientific notation as spreadsheets write long numbers: 3.21083E+17, 1E+11, 2.20202001001E+011. */
const SCIENTIFIC = /^\d+(?:\.\d+)?E[+-]\d{1,3}$/i;

/** Whether a cell's text is a number in scientific notation (cheap for the texts that are not). */
export function looksScientific(text: string): boolean {
  if (text.length > 30) return false;
  const c = text.charCodeAt(0);
  return c >= 48 && c <= 57 && (text.includes('E') || text.includes('e')) && SCIENTIFIC.test(text);
}

/**
 * The problem with a `field` cell whose (trimmed) text is `text`, or undefined when it can be taken as it is.
 * An empty cell is no problem here.
 */
export function numericCellProblem<F extends NumericCellField>(
  field: F,
  text: string,
  storedAsNumber: boolean | undefined,
): NumericCellProblem<F> | undefined {
  if (text === '') return undefined;
  const rule = RULES[field];
  if (storedAsNumber) {
    if (rule.exact?.test(text)) return undefined;
    return {
      code: `${field}_numeric_cell`,
      message:
        `${rule.what} is stored as a number in the spreadsheet, not as text: ${rule.lost}; ` +
        `format the ${rule.column} column as text, ${ADVICE}`,
    };
  }
  if (looksScientific(text)) {
    return {
      code: `${field}_numeric_cell`,
      message:
        `${rule.what} is written in scientific notation (like 1.23457E+17): it went through a number cell of a ` +
        `spreadsheet, which keeps only 15 significant digits, and its digits are lost; ` +
        `format the ${rule.column} column as text, ${ADVICE}`,
    };
  }
  return undefined;
}

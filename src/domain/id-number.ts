/**
 * Resident identity numbers per GB 11643-1999: 6-digit region code (GB/T 2260), 8-digit birth date (YYYYMMDD),
 * 3-digit sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character (0-9 or X).
 *
 * Accepted alongside, because their holders are sampled and registered like residents:
 * - residence permits for Hong Kong, Macao and Taiwan residents (港澳台居民居住证, 2018): the same structure with
 *   the address code 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan); only the first two digits are checked,
 *   as for every region code here;
 * - the 2023 foreigner permanent residence ID card (外国人永久居留身份证, issued from 2023-12-01): 18 characters,
 *   '9' first (the National Immigration Administration's announcement: the foreigner's mark, where citizens'
 *   numbers start 1–8), the last a MOD 11-2 check character computed as for citizens. Assumed from the published
 *   layout, and checked no further than this: positions 2–3 the issuing province's code (a mainland province),
 *   4–6 a 3-digit nationality code (not checked), 7–14 the birth date, 15–17 the sequence (odd for men, even for
 *   women, as for citizens);
 * - 15-digit first-generation numbers (6-digit region, YYMMDD, 3-digit sequence, no check character): converted to
 *   18 as GB 11643 says (the year gets '19' in front, the check character is computed) and returned with the flag
 *   `id_converted_from_15`, which callers record on the row: the number stored is the converted one.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

/** Province-level region codes of GB/T 2260 (first two digits of every valid ID number). */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '81',
  '82',
  '83',
]);

/** Provinces of the mainland: the issuing province of a foreigner's permanent residence number. */
const MAINLAND_PROVINCES: ReadonlySet<string> = new Set(
  [...PROVINCE_CODES].filter((p) => p !== '71' && p < '80'),
);

export type IdNumberError =
  | 'id_length'
  | 'id_format'
  | 'id_region'
  | 'id_birth_date'
  | 'id_birth_future'
  | 'id_check_digit'
  | 'id_number_numeric_cell';

/** Not a refusal: the caller records it on the row (scan, person) whose number it is. */
export type IdNumberFlag = 'id_converted_from_15';

/** resident: 居民身份证; residence_permit: 港澳台居民居住证 (81, 82, 83); foreign_permanent: 2023 永居证 (9). */
export type IdNumberKind = 'resident' | 'residence_permit' | 'foreign_permanent';

export interface IdNumberInfo {
  idNumber: string;
  regionCode: string;
  birthDate: string; // YYYY-MM-DD
  sex: 'M' | 'F';
  kind: IdNumberKind;
  /** Empty unless the number was converted from 15 digits. */
  flags: readonly IdNumberFlag[];
}

export type IdNumberResult =
  | { ok: true; value: IdNumberInfo }
  | { ok: false; code: IdNumberError; message: string };

export function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * (WEIGHTS[i] as number);
  return CHECK_CHARS[sum % 11] as string;
}

function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

const NO_FLAGS: readonly IdNumberFlag[] = Object.freeze([]);
const CONVERTED: readonly IdNumberFlag[] = Object.freeze(['id_converted_from_15'] as const);

/**
 * Validates an ID number: 18 characters (a citizen's number, a residence permit's, a foreigner's permanent
 * residence number), or 15 digits (first generation, converted to 18 and flagged). `today` bounds the birth date
 * (no one is born in the future); the lower bound is 1900-01-01. A lower-case x check character is accepted and
 * normalised to X, full-width characters are read as ASCII and spaces inside are dropped.
 */
export function parseIdNumber(raw: string, today: Date): IdNumberResult {
  // One reading everywhere (import, scans, FHIR, search): full-width digits and letters as ASCII (NFKC), spaces
  // and tabs inside dropped.
  let id = raw.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
  let flags = NO_FLAGS;
  if (id.length === 15) {
    if (!/^\d{15}$/.test(id)) {
      return {
        ok: false,
        code: 'id_format',
        message: 'a 15-character (first-generation) ID number must be 15 digits',
      };
    }
    const first17 = `${id.slice(0, 6)}19${id.slice(6)}`;
    id = first17 + checkCharacter(first17);
    flags = CONVERTED;
  } else if (id.length !== 18) {
    return {
      ok: false,
      code: 'id_length',
      message: `ID number must have 18 characters (or 15 digits for a first-generation number), got ${id.length}`,
    };
  }
  if (!/^\d{17}[\dX]$/.test(id)) {
    return { ok: false, code: 'id_format', message: 'ID number must be 17 digits followed by a digit or X' };
  }
  const foreign = id[0] === '9' && flags === NO_FLAGS;
  const region = foreign ? `${id.slice(1, 3)}0000` : id.slice(0, 6);
  if (foreign ? !MAINLAND_PROVINCES.has(id.slice(1, 3)) : !PROVINCE_CODES.has(region.slice(0, 2))) {
    return {
      ok: false,
      code: 'id_region',
      message: foreign
        ? `unknown issuing province ${id.slice(1, 3)} in a foreigner's permanent residence number (9…)`
        : `unknown region prefix ${region} (no province ${region.slice(0, 2)})`,
    };
  }
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  if (y < 1900 || !isRealDate(y, m, d)) {
    return { ok: false, code: 'id_birth_date', message: `impossible birth date ${id.slice(6, 14)}` };
  }
  const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  if (birthDate > today.toISOString().slice(0, 10)) {
    return { ok: false, code: 'id_birth_future', message: `birth date ${birthDate} is in the future` };
  }
  const expected = checkCharacter(id.slice(0, 17));
  if (id[17] !== expected) {
    return {
      ok: false,
      code: 'id_check_digit',
      message: `wrong check character ${id[17]}, expected ${expected}`,
    };
  }
  const sex = Number(id[16]) % 2 === 1 ? 'M' : 'F';
  const p = id.slice(0, 2);
  const kind: IdNumberKind = foreign
    ? 'foreign_permanent'
    : p === '81' || p === '82' || p === '83'
      ? 'residence_permit'
      : 'resident';
  return { ok: true, value: { idNumber: id, regionCode: region, birthDate, sex, kind, flags } };
}

const NUMERIC_CELL_ADVICE =
  "format the ID number column as text (or type ' before each number), enter or copy the numbers again from " +
  'their source, and export again';

/**
 * An ID number read from a table cell (person import, scan files). Beyond `parseIdNumber`, it refuses what a
 * spreadsheet's number cell has made of an ID number, with `id_number_numeric_cell`: Excel keeps 15 significant
 * digits (other writers 15–17, as doubles), so 321083197812162119 comes out as 321083197812162000 or
 * …162100, and about one such number in eleven still has a fitting check character.
 * - `storedAsNumber`: the XLSX cell's type is a number (not text). A number of 16 digits or more, or not a whole
 *   number, is refused whatever its check character; one of at most 15 digits is exact (a double holds it), and is
 *   read as its digits (a first-generation number, or too short).
 * - In text (CSV): scientific notation (3.21083E+17) is refused; an 18-digit number ending in 000 (what Excel's
 *   15 digits leave) whose check character is wrong is refused with this code rather than id_check_digit, to say
 *   why. With a fitting check character it cannot be told from a real number, and is accepted.
 */
export function parseIdNumberCell(raw: string, today: Date, storedAsNumber = false): IdNumberResult {
  // A leading ' is how a spreadsheet user keeps a number as text: not part of the number.
  const text = raw.trim().replace(/^'/, '');
  if (storedAsNumber && !/^\d{1,15}$/.test(text)) {
    return {
      ok: false,
      code: 'id_number_numeric_cell',
      message:
        'the ID number is stored as a number in the spreadsheet, which keeps only 15 significant digits: it may ' +
        'have been changed (321083197812162119 becomes 321083197812162100), even if its check character fits; ' +
        NUMERIC_CELL_ADVICE,
    };
  }
  const r = parseIdNumber(text, today);
  if (r.ok) return r; // the common case: nothing more to look at
  if ((r.code === 'id_length' || r.code === 'id_format') && /^\d+(?:\.\d*)?E\+?\d+$/i.test(text)) {
    return {
      ok: false,
      code: 'id_number_numeric_cell',
      message:
        'the ID number is written in scientific notation (like 3.21083E+17): it went through a number cell of a ' +
        'spreadsheet, which keeps only 15 significant digits, and its last digits are lost; ' +
        NUMERIC_CELL_ADVICE,
    };
  }
  if (r.code === 'id_check_digit' && /^\d{15}000$/.test(text)) {
    return {
      ok: false,
      code: 'id_number_numeric_cell',
      message:
        `${r.message}, and the number ends in 000, as a spreadsheet's number cell leaves an 18-digit number ` +
        '(only 15 significant digits kept): it has probably been changed; ' +
        NUMERIC_CELL_ADVICE,
    };
  }
  return r;
}

/** Builds a valid ID number from its parts (the generator and tests use it). */
export function makeIdNumber(regionCode: string, birthDate: string, sequence: number): string {
  if (!/^\d{6}$/.test(regionCode)) throw new Error(`region code must be 6 digits: ${regionCode}`);
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 999)
    throw new Error(`sequence out of range: ${sequence}`);
  const first17 = `${regionCode}${birthDate.replaceAll('-', '')}${String(sequence).padStart(3, '0')}`;
  if (first17.length !== 17) throw new Error(`birth date must be YYYY-MM-DD: ${birthDate}`);
  return first17 + checkCharacter(first17);
}

/** 220202199001011234 → 220202********123X style: region kept, birth date hidden, last four kept. */
export function maskIdNumber(id: string): string {
  if (id.length < 10) return '*'.repeat(id.length);
  return `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}`;
}

export function maskPhone(phone: string): string {
  if (phone.length < 7) return '*'.repeat(phone.length);
  return `${phone.slice(0, 3)}${'*'.repeat(phone.length - 7)}${phone.slice(-4)}`;
}

/** Whole years between a birth date (YYYY-MM-DD) and a day. */
export function ageOn(birthDate: string, day: Date): number {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  let age = day.getUTCFullYear() - y;
  const mm = day.getUTCMonth() + 1;
  if (mm < m || (mm === m && day.getUTCDate() < d)) age--;
  return age;
}

/**
 * Resident identity numbers per GB 11643-1999: 6-digit region code (GB/T 2260), 8-digit birth date (YYYYMMDD),
 * 3-digit sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character (0-9 or X).
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
]);

export type IdNumberError =
  | 'id_length'
  | 'id_format'
  | 'id_region'
  | 'id_birth_date'
  | 'id_birth_future'
  | 'id_check_digit';

export interface IdNumberInfo {
  idNumber: string;
  regionCode: string;
  birthDate: string; // YYYY-MM-DD
  sex: 'M' | 'F';
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

/**
 * Validates an 18-character ID number. `today` bounds the birth date (no one is born in the future);
 * the lower bound is 1900-01-01. A lower-case x check character is accepted and normalised to X.
 */
export function parseIdNumber(raw: string, today: Date): IdNumberResult {
  const id = raw.trim().toUpperCase();
  if (id.length !== 18) {
    return { ok: false, code: 'id_length', message: `ID number must have 18 characters, got ${id.length}` };
  }
  if (!/^\d{17}[\dX]$/.test(id)) {
    return { ok: false, code: 'id_format', message: 'ID number must be 17 digits followed by a digit or X' };
  }
  const region = id.slice(0, 6);
  if (!PROVINCE_CODES.has(region.slice(0, 2))) {
    return {
      ok: false,
      code: 'id_region',
      message: `unknown region prefix ${region} (no province ${region.slice(0, 2)})`,
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
  return { ok: true, value: { idNumber: id, regionCode: region, birthDate, sex } };
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

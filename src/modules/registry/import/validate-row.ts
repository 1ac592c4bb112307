/**
 * The rules for one imported person row: pure (no I/O, no wall clock) — the day comes from `ctx.clock`,
 * area levels and earlier ID numbers from lookups the importer provides.
 *
 * A blank cell, like a missing optional column, means "not stated": phone, pregnant, disabled,
 * chronic_illness and health_code are then null, so the importer gives a new person the default and leaves
 * a known person's stored value alone. An explicit value (否, green…) always overwrites.
 *
 * What a spreadsheet's number cell may have changed is refused, never converted: the ID number
 * (id_number_numeric_cell), the area code, household key and phone (`<field>_numeric_cell`, numeric-cell.ts).
 */
import type { Clock } from '../../../domain/clock.ts';
import { type IdNumberFlag, parseIdNumberCell } from '../../../domain/id-number.ts';
import { numericCellProblem } from './numeric-cell.ts';
import { normaliseHeader, type RawRow } from './parse-rows.ts';

export type HealthCode = 'green' | 'yellow' | 'red';

export interface PersonImport {
  line: number;
  idNumber: string;
  name: string;
  sex: 'M' | 'F';
  birthDate: string; // YYYY-MM-DD, from the ID number
  phone: string | null;
  areaCode: string;
  address: string;
  householdKey: string;
  pregnant: boolean | null;
  disabled: boolean | null;
  chronicIllness: boolean | null;
  healthCode: HealthCode | null;
  /** Not refusals: e.g. id_converted_from_15 (the ID number stored is the 18-digit one made from 15 digits). */
  flags: readonly IdNumberFlag[];
}

export type RejectionCode =
  | 'id_missing'
  | 'id_length'
  | 'id_format'
  | 'id_region'
  | 'id_birth_date'
  | 'id_birth_future'
  | 'id_check_digit'
  | 'id_number_numeric_cell'
  | 'duplicate_in_file'
  | 'name_missing'
  | 'name_too_long'
  | 'name_invalid'
  | 'area_missing'
  | 'area_unknown'
  | 'area_level'
  | 'area_out_of_scope'
  | 'area_code_numeric_cell'
  | 'address_missing'
  | 'address_too_long'
  | 'household_key_too_long'
  | 'household_key_numeric_cell'
  | 'phone_format'
  | 'phone_numeric_cell'
  | 'sex_invalid'
  | 'sex_mismatch'
  | 'bool_invalid'
  | 'pregnant_male'
  | 'health_code_invalid';

export interface Rejection {
  line: number;
  field: string;
  code: RejectionCode;
  message: string;
}

/** On failure, `idNumber` is the row's normalised ID number when that is valid and new in the file. */
export type RowResult =
  | { ok: true; value: PersonImport }
  | { ok: false; rejections: Rejection[]; idNumber: string | undefined };

export interface RowContext {
  /** Gives "today": no one is born after it. */
  clock: Clock;
  /** The level (1..6) of an area code in table `areas`, undefined when there is no such area. */
  areaLevel(code: string): number | undefined;
  /** The line where this (normalised) ID number first appeared in the file, if it did. */
  firstLineOf(idNumber: string): number | undefined;
  /** False for an area outside the importer's jurisdiction (absent: no restriction). */
  inScope?(code: string): boolean;
}

/** Canonical column keys. */
export const PERSON_FIELDS = [
  'id_number',
  'name',
  'phone',
  'area_code',
  'address',
  'household_key',
  'sex',
  'pregnant',
  'disabled',
  'chronic_illness',
  'health_code',
] as const;
export type PersonField = (typeof PERSON_FIELDS)[number];

export const PERSON_REQUIRED: readonly PersonField[] = ['id_number', 'name', 'area_code', 'address'];

/** Column headers (Chinese and English), as written, for each canonical key. */
const ALIASES: Record<PersonField, readonly string[]> = {
  id_number: ['身份证号', '身份证号码', '证件号码', '公民身份号码', 'id number', 'id_no'],
  name: ['姓名', 'full name'],
  phone: ['手机号', '手机号码', '联系电话', '电话', 'mobile', 'telephone', 'tel'],
  area_code: ['社区代码', '区划代码', '网格代码', 'community_code', 'grid_code'],
  address: ['住址', '地址', '现住址', '居住地址'],
  household_key: ['户号', '门牌号', 'household'],
  sex: ['性别', 'gender'],
  pregnant: ['孕妇', '是否孕妇'],
  disabled: ['残疾', '是否残疾', '残疾人'],
  chronic_illness: ['慢性病', '是否慢性病', '慢性病患者'],
  health_code: ['健康码', '健康码状态'],
};

/** Display names for messages. */
export const PERSON_LABELS: Readonly<Record<string, string>> = {
  id_number: '身份证号',
  name: '姓名',
  area_code: '社区代码',
  address: '住址',
};

/** Normalised header → canonical key, for parseRows. */
export const PERSON_HEADER_ALIASES: Readonly<Record<string, PersonField>> = Object.fromEntries(
  PERSON_FIELDS.flatMap((field) =>
    [field, ...ALIASES[field]].map((h) => [normaliseHeader(h), field] as const),
  ),
);

const TRUE_WORDS = new Set(['是', 'true', '1', 'y', 'yes', '有']);
const FALSE_WORDS = new Set(['否', 'false', '0', 'n', 'no', '无']);
const HEALTH_CODES: Record<string, HealthCode> = {
  绿: 'green',
  绿码: 'green',
  green: 'green',
  黄: 'yellow',
  黄码: 'yellow',
  yellow: 'yellow',
  红: 'red',
  红码: 'red',
  red: 'red',
};
const SEX_WORDS: Record<string, 'M' | 'F'> = { 男: 'M', m: 'M', male: 'M', 女: 'F', f: 'F', female: 'F' };
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

function cell(row: RawRow, field: PersonField): string {
  return (row.values[field] ?? '').normalize('NFKC').trim();
}

/** Collapses inner whitespace (line breaks included) to one space. */
function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ');
}

function chars(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Mobile (optionally +86/86/0086-prefixed, kept as 11 digits) or landline with area code and extension. */
export function normalisePhone(raw: string): string | undefined {
  const s = raw.replace(/[\s()]/g, '');
  const mobile = /^(?:\+?86|0086)?-?(1[3-9]\d{9})$/.exec(s);
  if (mobile) return mobile[1];
  if (/^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$/.test(s)) return s;
  return undefined;
}

function parseBool(row: RawRow, field: PersonField, rejections: Rejection[]): boolean | null {
  const v = cell(row, field).toLowerCase();
  if (v === '') return null;
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return false;
  rejections.push({
    line: row.line,
    field,
    code: 'bool_invalid',
    message: `${field} must be 是/否 (yes/no, true/false, 1/0, y/n), got "${v}"`,
  });
  return null;
}

/** Validates one raw row. All problems of the row are reported, not only the first. */
export function validatePersonRow(row: RawRow, ctx: RowContext): RowResult {
  const rejections: Rejection[] = [];
  const reject = (field: PersonField, code: RejectionCode, message: string) => {
    rejections.push({ line: row.line, field, code, message });
  };

  // ID number: birth date and sex come from it.
  const rawId = cell(row, 'id_number');
  let idNumber = '';
  let newId: string | undefined;
  let birthDate = '';
  let sex: 'M' | 'F' = 'M';
  let flags: readonly IdNumberFlag[] = [];
  if (rawId === '') {
    reject('id_number', 'id_missing', 'ID number (身份证号) is empty');
  } else {
    // An XLSX cell stored as a number may have lost digits: refused (id_number_numeric_cell), not guessed.
    const id = parseIdNumberCell(rawId.replace(/\s/g, ''), ctx.clock.now(), row.numeric?.has('id_number'));
    if (!id.ok) {
      reject('id_number', id.code, id.message);
    } else {
      idNumber = id.value.idNumber;
      birthDate = id.value.birthDate;
      sex = id.value.sex;
      flags = id.value.flags;
      const first = ctx.firstLineOf(idNumber);
      if (first !== undefined) {
        reject(
          'id_number',
          'duplicate_in_file',
          `ID number ${idNumber} appears twice in the file: on line ${first} and again on line ${row.line}`,
        );
      } else {
        newId = idNumber;
      }
    }
  }

  const name = oneLine(cell(row, 'name'));
  if (name === '') reject('name', 'name_missing', 'name (姓名) is empty');
  else if (chars(name) > 100)
    reject('name', 'name_too_long', `name has ${chars(name)} characters, at most 100`);
  else if (CONTROL.test(name)) reject('name', 'name_invalid', 'name contains control characters');

  const areaCode = cell(row, 'area_code');
  // A number cell holds an area code exactly (at most 15 digits, no leading 0); anything else it held is refused.
  const areaCell = numericCellProblem('area_code', areaCode, row.numeric?.has('area_code'));
  if (areaCode === '') {
    reject('area_code', 'area_missing', 'area code (社区代码) is empty');
  } else if (areaCell) {
    reject('area_code', areaCell.code, areaCell.message);
  } else {
    const level = /^\d{1,15}$/.test(areaCode) ? ctx.areaLevel(areaCode) : undefined;
    if (level === undefined) {
      reject('area_code', 'area_unknown', `area code ${areaCode} is not a known area`);
    } else if (level < 5) {
      reject(
        'area_code',
        'area_level',
        `area ${areaCode} is level ${level}; persons belong to a community (level 5) or a grid (level 6)`,
      );
    } else if (ctx.inScope && !ctx.inScope(areaCode)) {
      reject('area_code', 'area_out_of_scope', `area ${areaCode} is outside your jurisdiction`);
    }
  }

  const address = oneLine(cell(row, 'address'));
  if (address === '') reject('address', 'address_missing', 'address (住址) is empty');
  else if (chars(address) > 500)
    reject('address', 'address_too_long', 'address is longer than 500 characters');

  // A household key in a number cell may have lost leading zeros: the person would move to another household.
  const keyCell = numericCellProblem(
    'household_key',
    cell(row, 'household_key'),
    row.numeric?.has('household_key'),
  );
  const householdKey = oneLine(cell(row, 'household_key')) || address;
  if (keyCell) {
    reject('household_key', keyCell.code, keyCell.message);
  } else if (chars(householdKey) > 500) {
    reject('household_key', 'household_key_too_long', 'household key is longer than 500 characters');
  }

  const rawPhone = cell(row, 'phone');
  let phone: string | null = null;
  // A mobile number in a number cell is exact and taken; a landline's leading 0 is lost there: refused.
  const phoneCell = numericCellProblem('phone', rawPhone, row.numeric?.has('phone'));
  if (phoneCell) {
    reject('phone', phoneCell.code, phoneCell.message);
  } else if (rawPhone !== '') {
    const p = normalisePhone(rawPhone);
    if (p === undefined) {
      reject(
        'phone',
        'phone_format',
        `phone "${rawPhone}" is neither an 11-digit mobile number nor a landline`,
      );
    } else {
      phone = p;
    }
  }

  const rawSex = cell(row, 'sex').toLowerCase();
  if (rawSex !== '') {
    const stated = SEX_WORDS[rawSex];
    if (stated === undefined) {
      reject('sex', 'sex_invalid', `sex must be 男/女 (M/F), got "${rawSex}"`);
    } else if (idNumber !== '' && stated !== sex) {
      reject(
        'sex',
        'sex_mismatch',
        `sex ${stated === 'M' ? '男' : '女'} disagrees with the ID number, which is a ${sex === 'M' ? '男 (M)' : '女 (F)'}`,
      );
    }
  }

  const pregnant = parseBool(row, 'pregnant', rejections);
  const disabled = parseBool(row, 'disabled', rejections);
  const chronicIllness = parseBool(row, 'chronic_illness', rejections);
  if (pregnant === true && idNumber !== '' && sex === 'M') {
    reject('pregnant', 'pregnant_male', 'pregnant is 是 but the ID number is a man’s');
  }

  const rawHealth = cell(row, 'health_code').toLowerCase();
  let healthCode: HealthCode | null = null;
  if (rawHealth !== '') {
    const h = HEALTH_CODES[rawHealth];
    if (h === undefined)
      reject('health_code', 'health_code_invalid', `health code must be 绿/黄/红, got "${rawHealth}"`);
    else healthCode = h;
  }

  if (rejections.length > 0) return { ok: false, rejections, idNumber: newId };
  return {
    ok: true,
    value: {
      line: row.line,
      idNumber,
      name,
      sex,
      birthDate,
      phone,
      areaCode,
      address,
      householdKey,
      pregnant,
      disabled,
      chronicIllness,
      healthCode,
      flags,
    },
  };
}

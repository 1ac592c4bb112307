/**
 * Bulk scan registration (批量采样登记): a whole file of scans — a sampling point's day from a phone that worked
 * offline, a district's export from another system — registered in one transaction, close to the speed of
 * PostgreSQL's own COPY of the same rows.
 *
 * The rules are those of the batch API (`scans.ts`), applied in file order:
 * - each row is accepted (maybe flagged), a duplicate (its key was recorded before, or earlier in the file), or
 *   rejected with a code and a message naming its line; a file that cannot be read as a table (encoding, quoting,
 *   header) is refused whole and nothing is written;
 * - tubes open on their first scan and close on the scan that fills them; a scan into a tube closed before, of
 *   another round, or already full is rejected; a person sampled a second time in the round is flagged; a person
 *   not in the registry is accepted when the ID number is valid, and flagged;
 * - the uploader's jurisdiction bounds the sampling points; tubes that existed before are locked in id order (as
 *   the batch API locks them), so phones scanning at the same time cannot lose a count.
 *
 * How: the file is read twice, here, on the server's own core. The first pass checks every row and keeps a few
 * numbers per row (about 40 bytes); the database is asked only what it alone knows (the round's points, which
 * person ids exist, who is isolated, who was sampled already, which tubes exist). Tubes, round membership and
 * flags are then settled in memory, exactly, and the second pass streams the accepted scans into `scans` through
 * COPY. Keys are assumed new: the unique index refuses the COPY whole if one was seen before, and only then are
 * the keys checked row by row (the step is rolled back to its savepoint and done again without the duplicates).
 */
import { BinaryCopyWriter } from '../../db/copy-binary.ts';
import type { Db, Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { parseIdNumberCell } from '../../domain/id-number.ts';
import { AppError } from '../../lib/errors.ts';
import { EARLIEST_PLAUSIBLE } from '../../lib/instant.ts';
import { numericCellProblem } from '../registry/import/numeric-cell.ts';
import { atRisk, riskJoin, riskOf } from '../registry/risk.ts';
import { pointPools } from './point-pools.ts';
import { getRound } from './rounds.ts';
import { type FieldIndex, openScanFile, type ScanFile } from './scan-file.ts';
import { ISOLATED_STATUSES } from './scans.ts';

export interface ScanImportOptions {
  roundId: number;
  fileName: string;
  /** Recorded as the sampler of rows that name none, e.g. `user:zhang`. */
  uploader: string;
  /** The uploader's jurisdiction: points outside it are refused. '' = the whole country. */
  scopePrefix: string;
  /** Problem rows listed in the report (all are counted). Default 1,000. */
  listLimit?: number;
  onProgress?: (p: { phase: 'check' | 'write'; bytes: number; totalBytes: number }) => void;
  /**
   * Read the whole registry's ids into a bitmap while the file is checked, instead of asking for the file's
   * people by id afterwards. Default: for files over 5 MiB (about 90,000 rows).
   */
  wholeRegistry?: boolean;
}

export interface ScanImportProblem {
  line: number;
  key: string | null;
  tube: string | null;
  code: string;
  message: string;
}

export interface ScanImportReport {
  file: string;
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  rejected_by_code: Record<string, number>;
  flags: Record<string, number>;
  tubes_opened: number;
  tubes_closed: number;
  /** Rejected rows in line order, up to the list limit; duplicates are counted and their first lines listed. */
  problems: ScanImportProblem[];
  duplicate_lines: number[];
  truncated: boolean;
  /** Whether keys had to be checked row by row (some were seen before), and how often the write was retried. */
  rechecked: { keys: boolean; retries: number };
  ms: Record<string, number>;
}

// ------------------------------------------------------------------------------------------ row checks

const TUBE = /^[A-Za-z0-9_-]{4,40}$/;
const DIGITS = /^[1-9][0-9]{0,14}$/; // ids up to 10^15: exact in a double
const MIN_TIME = EARLIEST_PLAUSIBLE.getTime();
/** A scan time this far ahead of the server's clock is refused, as by the batch API. */
const FUTURE_LIMIT_MS = 24 * 3600_000;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A scan time: ISO 8601 (`2022-03-14T09:30:00.123+08:00`, `…Z`), or `2022-03-14 09:30[:00]` and `2022/3/14 9:30`
 * in Beijing time. NaN when it is not one, or not a real date and time. Read character by character: files carry
 * millions of them.
 */
export function parseScanTime(raw: string): number {
  let p = 0;
  const n = raw.length;
  const num = (min: number, max: number): number => {
    let v = 0;
    let k = 0;
    while (p < n && k < max) {
      const c = raw.charCodeAt(p) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      p++;
      k++;
    }
    return k < min ? -1 : v;
  };
  const y = num(4, 4);
  const sep = raw.charCodeAt(p);
  if (y < 0 || (sep !== 45 && sep !== 47)) return Number.NaN; // - or /
  p++;
  const mo = num(1, 2);
  if (mo < 1 || mo > 12 || raw.charCodeAt(p++) !== sep) return Number.NaN;
  const d = num(1, 2);
  const leap = mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d < 1 || d > (DAYS[mo - 1] as number) + (leap ? 1 : 0)) return Number.NaN;
  const t = raw.charCodeAt(p++);
  if (t !== 32 && t !== 84) return Number.NaN; // space or T
  const h = num(1, 2);
  if (h < 0 || h > 23 || raw.charCodeAt(p++) !== 58) return Number.NaN;
  const mi = num(2, 2);
  if (mi < 0 || mi > 59) return Number.NaN;
  let s = 0;
  let frac = 0;
  if (raw.charCodeAt(p) === 58) {
    p++;
    s = num(2, 2);
    if (s < 0 || s > 59) return Number.NaN;
    if (raw.charCodeAt(p) === 46) {
      p++;
      const from = p;
      const f = num(1, 9);
      if (f < 0) return Number.NaN;
      frac = Math.floor(f / 10 ** (p - from - 3));
    }
  }
  while (raw.charCodeAt(p) === 32) p++;
  let offset = 8 * 60; // Beijing time unless said
  if (p < n) {
    const z = raw.charCodeAt(p++);
    if (z === 90 && p === n)
      offset = 0; // Z
    else if (z === 43 || z === 45) {
      const oh = num(2, 2);
      if (raw.charCodeAt(p) === 58) p++;
      const om = p < n ? num(2, 2) : 0;
      if (oh < 0 || oh > 14 || om < 0 || om > 59 || p !== n) return Number.NaN;
      offset = (z === 45 ? -1 : 1) * (oh * 60 + om);
    } else return Number.NaN;
  }
  return Date.UTC(y, mo - 1, d, h, mi, s, frac) - offset * 60_000;
}

/** Codes of rows, interned (0 = accepted). */
class Codes {
  private readonly names: string[] = [''];
  private readonly index = new Map<string, number>([['', 0]]);
  of(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.push(name) - 1;
      if (i > 255) throw new Error('too many distinct row codes');
      this.index.set(name, i);
    }
    return i;
  }
  name(i: number): string {
    return this.names[i] as string;
  }
}

/** Row flags; `isolatedPerson` is internal (the person is isolated), `isolated` is the flag: isolated and pooled. */
const FLAG = {
  isolated: 1,
  notInRegistry: 2,
  twice: 4,
  clockAhead: 8,
  isolatedPerson: 16,
  idConverted: 32,
} as const;
const FLAG_NAMES: [number, string][] = [
  [FLAG.isolated, 'isolated_in_pool'],
  [FLAG.notInRegistry, 'not_in_registry'],
  [FLAG.twice, 'sampled_twice'],
  [FLAG.clockAhead, 'clock_ahead'],
  [FLAG.idConverted, 'id_converted_from_15'],
];

/** What is kept of each row between the passes: numbers in typed arrays, grown by doubling. */
class Rows {
  n = 0;
  line: Int32Array;
  person: Float64Array; // 0 = none (traveller by ID number, or rejected)
  point: Float64Array;
  at: Float64Array;
  tube: Int32Array; // index into tubes
  sampler: Int32Array; // index into samplers
  pool: Uint8Array; // 0 = the point's
  code: Uint8Array; // from the checks before writing
  wcode: Uint8Array; // from the write step (tubes, duplicates): reset on each attempt
  flags: Uint8Array;
  constructor(expected: number) {
    const n = Math.max(1024, expected);
    this.line = new Int32Array(n);
    this.person = new Float64Array(n);
    this.point = new Float64Array(n);
    this.at = new Float64Array(n);
    this.tube = new Int32Array(n);
    this.sampler = new Int32Array(n);
    this.pool = new Uint8Array(n);
    this.code = new Uint8Array(n);
    this.wcode = new Uint8Array(n);
    this.flags = new Uint8Array(n);
  }
  push(): number {
    if (this.n === this.line.length) this.grow(Math.ceil(this.n * 1.5));
    return this.n++;
  }
  private grow(size: number): void {
    const g = <T extends Int32Array | Float64Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.line = g(this.line);
    this.person = g(this.person);
    this.point = g(this.point);
    this.at = g(this.at);
    this.tube = g(this.tube);
    this.sampler = g(this.sampler);
    this.pool = g(this.pool);
    this.code = g(this.code);
    this.wcode = g(this.wcode);
    this.flags = g(this.flags);
  }
}

/** A set of person ids: a bitmap (ids are dense) that grows as needed. */
class IdBits {
  private bits = new Uint8Array(1 << 16);
  add(id: number): void {
    const byte = Math.floor(id / 8);
    if (byte >= this.bits.length) {
      const b = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      b.set(this.bits);
      this.bits = b;
    }
    this.bits[byte] = (this.bits[byte] as number) | (1 << (id % 8));
  }
  has(id: number): boolean {
    const byte = Math.floor(id / 8);
    return byte < this.bits.length && ((this.bits[byte] as number) & (1 << (id % 8))) !== 0;
  }
}

interface Pass1 {
  rows: Rows;
  tubes: string[];
  samplers: string[];
  idNumbers: Map<number, string>; // row → ID number (rows given by ID number)
  raws: Map<number, string>; // row → the text a check refused (the first rows only)
  codes: Codes;
}

const MESSAGES: Record<string, (raw: string, tube: string | null) => string> = {
  key_invalid: (raw) => `key "${raw}" must have 8–100 characters`,
  tube_invalid: (raw) => `tube barcode "${raw}" is not 4–40 letters, digits, _ or -`,
  person_missing: () => 'give exactly one of person_id (人员编号) and id_number (身份证号)',
  person_id_invalid: (raw) => `person_id "${raw}" is not a registry number`,
  point_invalid: (raw) => `point_id "${raw}" is not a number`,
  scanned_at_invalid: (raw) =>
    `scanned_at "${raw}" is not a date and time from 2019-12-01 on (2022-03-14 11:30, Beijing time, or ISO 8601)`,
  scanned_at_future: (raw) =>
    `scanned_at "${raw}" is a day or more after the server's time: check the phone's clock and date`,
  pool_size_invalid: (raw) => `pool_size "${raw}" must be a whole number from 1 to 50`,
  point_unknown: (raw) => `sampling point ${raw} is not a point of this round`,
  point_out_of_scope: (raw) => `sampling point ${raw} is outside your jurisdiction`,
  person_unknown: (raw) => `no person ${raw} in the registry`,
  tube_other_round: (_, tube) => `tube ${tube} belongs to another round`,
  tube_other_point: (_, tube) => `tube ${tube} was opened at another sampling point; use a new tube`,
  tube_closed: (_, tube) => `tube ${tube} was closed before; use a new tube`,
  tube_full: (_, tube) => `tube ${tube} already holds its pool size`,
};

/**
 * The key of a row: the file's, or one made from the values read (tube, person — registry id, else ID number —
 * and time), so the same scans sent again, even re-exported in another format, match.
 */
function rowKey(cells: string[], f: FieldIndex, row: number, p1: Pass1): string {
  const key = f.key >= 0 ? (cells[f.key] ?? '').trim() : '';
  if (key !== '') return key;
  const { rows } = p1;
  const person = rows.person[row] || p1.idNumbers.get(row);
  return `file:${p1.tubes[rows.tube[row] as number]}:${person}:${new Date(rows.at[row] as number).toISOString()}`;
}

/** Pass 1: every row checked on its own and against the round's points; numbers kept. */
async function checkRows(
  file: ScanFile,
  points: Map<number, { area: string; pool: number }>,
  opts: ScanImportOptions,
  now: Date,
  listLimit: number,
  bytes: number,
): Promise<Pass1> {
  const f = file.fields;
  const rows = new Rows(Math.ceil(bytes / 56)); // about the bytes of a short row: few regrowths
  const codes = new Codes();
  const tubes: string[] = [];
  const tubeIndex = new Map<string, number>();
  const samplers: string[] = [opts.uploader];
  const samplerIndex = new Map<string, number>([[opts.uploader, 0]]);
  const idNumbers = new Map<number, string>();
  const raws = new Map<number, string>();
  const ahead = now.getTime() + 5 * 60_000;
  const cell = (cells: string[], i: number) => (i >= 0 ? (cells[i] ?? '').trim() : '');
  const records = file.records((bytes) =>
    opts.onProgress?.({ phase: 'check', bytes, totalBytes: file.size }),
  );
  for await (const batch of records)
    for (const { line, cells, numeric } of batch) {
      const i = rows.push();
      rows.line[i] = line;
      const reject = (code: string, raw: string) => {
        rows.code[i] = codes.of(code);
        if (raws.size < listLimit) raws.set(i, raw);
      };
      const key = cell(cells, f.key);
      const tube = cell(cells, f.tube);
      const pid = cell(cells, f.person_id);
      const idn = cell(cells, f.id_number).toUpperCase();
      const pt = cell(cells, f.point_id);
      const at = cell(cells, f.scanned_at);
      const pool = cell(cells, f.pool_size);
      const smp = cell(cells, f.sampler);
      let ti = tubeIndex.get(tube);
      if (ti === undefined) {
        ti = tubes.push(tube) - 1;
        tubeIndex.set(tube, ti);
      }
      rows.tube[i] = ti;
      if (smp !== '') {
        let si = samplerIndex.get(smp);
        if (si === undefined) {
          si = samplers.push(smp.slice(0, 200)) - 1;
          samplerIndex.set(smp, si);
        }
        rows.sampler[i] = si;
      }
      // A barcode or key that went through a number cell (XLSX) or scientific notation (CSV) may have lost
      // digits or leading zeros: refused (tube_numeric_cell, key_numeric_cell), not taken as another value.
      const changed =
        numericCellProblem('key', key, numeric?.has('key')) ??
        numericCellProblem('tube', tube, numeric?.has('tube'));
      if (changed) {
        reject(changed.code, `${changed.code === 'key_numeric_cell' ? key : tube}\u001f${changed.message}`);
        continue;
      }
      if (f.key >= 0 && (key.length < 8 || key.length > 100)) {
        reject('key_invalid', key);
        continue;
      }
      if (!TUBE.test(tube)) {
        reject('tube_invalid', tube);
        continue;
      }
      if ((pid === '') === (idn === '')) {
        reject('person_missing', '');
        continue;
      }
      if (pid !== '') {
        if (!DIGITS.test(pid)) {
          reject('person_id_invalid', pid);
          continue;
        }
        rows.person[i] = Number(pid);
      }
      if (!DIGITS.test(pt)) {
        reject('point_invalid', pt);
        continue;
      }
      const pointId = Number(pt);
      rows.point[i] = pointId;
      const t = parseScanTime(at);
      if (!(t >= MIN_TIME)) {
        reject('scanned_at_invalid', at);
        continue;
      }
      if (t > now.getTime() + FUTURE_LIMIT_MS) {
        reject('scanned_at_future', at);
        continue;
      }
      rows.at[i] = t;
      if (t > ahead) rows.flags[i] = (rows.flags[i] as number) | FLAG.clockAhead;
      if (pool !== '') {
        const n = /^[0-9]{1,2}$/.test(pool) ? Number(pool) : 0;
        if (n < 1 || n > 50) {
          reject('pool_size_invalid', pool);
          continue;
        }
        rows.pool[i] = n;
      }
      if (idn !== '') {
        // `numeric`: the XLSX cell is a number, which may have lost digits (refused: id_number_numeric_cell).
        const parsed = parseIdNumberCell(idn, now, numeric?.has('id_number'));
        if (!parsed.ok) {
          reject(parsed.code, `${idn}\u001f${parsed.message}`);
          continue;
        }
        idNumbers.set(i, parsed.value.idNumber);
        if (parsed.value.flags.length > 0) rows.flags[i] = (rows.flags[i] as number) | FLAG.idConverted;
      }
      const point = points.get(pointId);
      if (!point) {
        reject('point_unknown', pt);
        continue;
      }
      if (!point.area.startsWith(opts.scopePrefix)) reject('point_out_of_scope', pt);
    }
  return { rows, tubes, samplers, idNumbers, raws, codes };
}

// ------------------------------------------------------------------------------------------ lookups

/** Reads the integers a `COPY (SELECT one int8 column) TO STDOUT` writes, one per line. */
async function copyIds(tx: Queryable, select: string, into: (id: number) => void): Promise<void> {
  let carry = 0;
  let inNumber = false;
  for await (const chunk of tx.copyTo(`COPY (${select}) TO STDOUT`)) {
    for (let k = 0; k < chunk.length; k++) {
      const c = chunk[k] as number;
      if (c === 10) {
        if (inNumber) into(carry);
        carry = 0;
        inNumber = false;
      } else {
        carry = carry * 10 + (c - 48);
        inNumber = true;
      }
    }
  }
  if (inNumber) into(carry);
}

/** Files above this size are checked against the whole registry, read once as a bitmap. */
const WHOLE_REGISTRY_ABOVE_BYTES = 5 * 2 ** 20;

/** Every person id of the registry (not purged), as a bitmap. */
async function loadRegistry(tx: Queryable): Promise<IdBits> {
  const known = new IdBits();
  await copyIds(tx, 'SELECT id FROM persons WHERE purged_at IS NULL', (id) => known.add(id));
  return known;
}

/** Registry checks: who exists, who is isolated; ID numbers matched to persons (the others are travellers). */
async function checkPeople(tx: Queryable, p1: Pass1, registry: IdBits | undefined): Promise<void> {
  const { rows, codes } = p1;
  const known = registry ?? new IdBits();
  const isolated = new Set<number>();
  if (registry) {
    const iso = await tx.query<{ id: number }>(
      `SELECT p.id FROM ${atRisk('p')} WHERE p_risk.risk_status = ANY($1::text[]) AND p.purged_at IS NULL`,
      [ISOLATED_STATUSES],
    );
    for (const r of iso.rows) isolated.add(r.id);
  } else {
    const ids = new Set<number>();
    for (let i = 0; i < rows.n; i++)
      if (rows.code[i] === 0 && rows.person[i]) ids.add(rows.person[i] as number);
    const all = [...ids];
    for (let k = 0; k < all.length; k += 20_000) {
      const r = await tx.query<{ id: number; risk_status: string }>(
        `SELECT p.id, ${riskOf('p')} AS risk_status FROM persons p ${riskJoin('p')}
          WHERE p.id = ANY($1::int8[]) AND p.purged_at IS NULL`,
        [all.slice(k, k + 20_000)],
      );
      for (const p of r.rows) {
        known.add(p.id);
        if (ISOLATED_STATUSES.includes(p.risk_status)) isolated.add(p.id);
      }
    }
  }
  if (p1.idNumbers.size > 0) {
    const byNumber = new Map<string, { id: number; risk_status: string }>();
    const numbers = [...new Set(p1.idNumbers.values())];
    for (let k = 0; k < numbers.length; k += 20_000) {
      const r = await tx.query<{ id: number; id_number: string; risk_status: string }>(
        `SELECT p.id, p.id_number, ${riskOf('p')} AS risk_status FROM persons p ${riskJoin('p')}
          WHERE p.id_number = ANY($1::text[]) AND p.purged_at IS NULL`,
        [numbers.slice(k, k + 20_000)],
      );
      for (const p of r.rows) byNumber.set(p.id_number, p);
    }
    for (const [i, n] of p1.idNumbers) {
      if (rows.code[i] !== 0) continue;
      const p = byNumber.get(n);
      if (p) {
        rows.person[i] = p.id;
        known.add(p.id);
        if (ISOLATED_STATUSES.includes(p.risk_status)) isolated.add(p.id);
      } else rows.flags[i] = (rows.flags[i] as number) | FLAG.notInRegistry;
    }
  }
  const unknown = codes.of('person_unknown');
  for (let i = 0; i < rows.n; i++) {
    if (rows.code[i] !== 0) continue;
    const p = rows.person[i] as number;
    if (p === 0) continue;
    if (!known.has(p)) rows.code[i] = unknown;
    else if (isolated.has(p)) rows.flags[i] = (rows.flags[i] as number) | FLAG.isolatedPerson;
  }
}

// ------------------------------------------------------------------------------------------ writing

interface TubeState {
  id: number;
  round: number;
  point: number;
  status: string;
  pool: number;
  members: number;
  closedAt: number; // ms, or 0
  existed: boolean;
  firstRow: number;
}

interface Written {
  accepted: number;
  opened: number;
  closed: number;
}

/**
 * Rows refused by tubes that existed before the file — closed, full or of another round — may be a file sent
 * again: their keys are checked first (a duplicate is answered as one, as the batch API does, not as a tube
 * problem).
 */
class KeysFirst extends Error {}

const UNIQUE_VIOLATION = '23505';
const DEADLOCK = '40P01';

const conflict = () =>
  new AppError(
    409,
    'import_conflict',
    'the same tubes, people or keys were being recorded by other uploads while this file was imported; send the file again',
  );

/** COPY text format: backslash, tab, newline and carriage return escaped. */
const copyText = (v: string) =>
  /[\\\t\n\r]/.test(v)
    ? v.replace(/[\\\t\n\r]/g, (c) => `\\${{ '\\': '\\', '\t': 't', '\n': 'n', '\r': 'r' }[c]}`)
    : v;

async function* batched(
  lines: Iterable<string> | AsyncIterable<string>,
  size = 5000,
): AsyncGenerator<string> {
  let batch: string[] = [];
  for await (const l of lines) {
    batch.push(l);
    if (batch.length === size) {
      yield batch.join('');
      batch = [];
    }
  }
  if (batch.length > 0) yield batch.join('');
}

/**
 * One attempt at writing: tubes settled in file order (locked first when they existed), then round membership,
 * then the scans streamed in a second pass over the file. Throws the database's error on a unique violation.
 */
async function writeRows(
  tx: Queryable,
  file: ScanFile,
  p1: Pass1,
  ctx: {
    roundId: number;
    points: Map<number, { area: string; pool: number }>;
    now: Date;
    opts: ScanImportOptions;
    keysChecked: boolean;
  },
  ms: Record<string, number>,
): Promise<Written> {
  const { rows, codes } = p1;
  let t = performance.now();
  const lap = (name: string) => {
    const t1 = performance.now();
    ms[name] = Math.round((ms[name] ?? 0) + t1 - t);
    t = t1;
  };
  for (let i = 0; i < rows.n; i++) {
    rows.wcode[i] = 0;
    const fl = (rows.flags[i] as number) & ~(FLAG.twice | FLAG.isolated);
    rows.flags[i] = fl & FLAG.isolatedPerson ? fl | FLAG.isolated : fl; // cleared below for single tubes
  }
  const ok = (i: number) => rows.code[i] === 0 && rows.wcode[i] === 0;

  // Tubes of the file that exist already: locked in id order, then read.
  const used = new Set<number>();
  for (let i = 0; i < rows.n; i++) if (ok(i)) used.add(rows.tube[i] as number);
  await tx.query('CREATE TEMP TABLE import_tubes (barcode text PRIMARY KEY) ON COMMIT DROP');
  await tx.copyFrom(
    'COPY import_tubes (barcode) FROM STDIN',
    batched([...used].map((ti) => `${p1.tubes[ti]}\n`)),
  );
  const existing = await tx.query<{
    id: number;
    barcode: string;
    round_id: number;
    sampling_point_id: number;
    status: string;
    pool_size: number;
    members: number;
  }>(
    `SELECT t.id, t.barcode, t.round_id, t.sampling_point_id, t.status, t.pool_size, t.members
       FROM tubes t JOIN import_tubes i ON i.barcode = t.barcode ORDER BY t.id FOR UPDATE OF t`,
  );
  await tx.query('DROP TABLE import_tubes');
  const state = new Map<number, TubeState>();
  const indexOf = new Map<string, number>();
  for (const ti of used) indexOf.set(p1.tubes[ti] as string, ti);
  for (const e of existing.rows)
    state.set(indexOf.get(e.barcode) as number, {
      id: e.id,
      round: e.round_id,
      point: e.sampling_point_id,
      status: e.status,
      pool: e.pool_size,
      members: e.members,
      closedAt: 0,
      existed: true,
      firstRow: -1,
    });
  lap('tubes_read');

  // Rows into tubes, in file order.
  const other = codes.of('tube_other_round');
  const otherPoint = codes.of('tube_other_point');
  const closedBefore = codes.of('tube_closed');
  const full = codes.of('tube_full');
  const fresh: number[] = [];
  for (let i = 0; i < rows.n; i++) {
    if (!ok(i)) continue;
    const ti = rows.tube[i] as number;
    let s = state.get(ti);
    if (!s) {
      const pool = rows.pool[i] || (ctx.points.get(rows.point[i] as number)?.pool ?? 20);
      s = {
        id: 0,
        round: ctx.roundId,
        point: rows.point[i] as number,
        status: 'open',
        pool,
        members: 0,
        closedAt: 0,
        existed: false,
        firstRow: i,
      };
      state.set(ti, s);
      fresh.push(ti);
    }
    if (
      s.existed &&
      !ctx.keysChecked &&
      (s.round !== ctx.roundId || s.point !== rows.point[i] || s.members >= s.pool || s.status !== 'open')
    )
      throw new KeysFirst();
    if (s.round !== ctx.roundId) rows.wcode[i] = other;
    else if (s.point !== rows.point[i]) rows.wcode[i] = otherPoint;
    else if (s.existed && s.status !== 'open' && s.closedAt === 0) rows.wcode[i] = closedBefore;
    else if (s.members >= s.pool) rows.wcode[i] = full;
    else {
      s.members++;
      if (s.members === s.pool) {
        s.status = 'closed';
        s.closedAt = rows.at[i] as number;
      }
      if (s.pool === 1) rows.flags[i] = (rows.flags[i] as number) & ~FLAG.isolated;
    }
  }

  // Who was sampled in this round already, then the first scan of each person in file order.
  const prior = new IdBits();
  const anyPrior = await tx.query<{ any: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM round_people WHERE round_id = $1) AS any',
    [ctx.roundId],
  );
  if (anyPrior.rows[0]?.any)
    await copyIds(tx, `SELECT person_id FROM round_people WHERE round_id = ${ctx.roundId}`, (id) =>
      prior.add(id),
    );
  const seen = new IdBits();
  let accepted = 0;
  for (let i = 0; i < rows.n; i++) {
    if (!ok(i)) continue;
    accepted++;
    const p = rows.person[i] as number;
    if (p === 0) continue;
    if (seen.has(p) || prior.has(p)) rows.flags[i] = (rows.flags[i] as number) | FLAG.twice;
    else seen.add(p);
  }
  lap('tubes_settled');

  // New tubes (ids drawn from the tubes' own sequence), then the ones that existed.
  const newTubes = fresh.filter((ti) => (state.get(ti) as TubeState).members > 0);
  if (newTubes.length > 0) {
    const ids = await tx.query<{ id: number }>(
      `SELECT nextval(pg_get_serial_sequence('tubes', 'id')) AS id FROM generate_series(1, $1)`,
      [newTubes.length],
    );
    newTubes.forEach((ti, k) => {
      (state.get(ti) as TubeState).id = ids.rows[k]?.id as number;
    });
    const tubeRows = function* (): Generator<Buffer> {
      const w = new BinaryCopyWriter();
      for (const ti of newTubes) {
        const s = state.get(ti) as TubeState;
        const point = rows.point[s.firstRow] as number;
        w.row(10)
          .int8(s.id)
          .text(p1.tubes[ti])
          .int8(ctx.roundId)
          .int8(point)
          .text(ctx.points.get(point)?.area)
          .int2(s.pool)
          .int2(s.members)
          .text(s.status)
          .timestamptz(rows.at[s.firstRow])
          .timestamptz(s.closedAt || null);
        yield* w.take();
      }
      yield* w.end();
    };
    await tx.copyFrom(
      `COPY tubes (id, barcode, round_id, sampling_point_id, area_code, pool_size, members, status, opened_at, closed_at)
       FROM STDIN (FORMAT binary)`,
      tubeRows(),
    );
  }
  const before = new Map(existing.rows.map((e) => [e.id, e.members]));
  const grown = [...state.values()].filter((s) => s.existed && s.members !== before.get(s.id));
  if (grown.length > 0)
    await tx.query(
      `UPDATE tubes t SET members = u.members, status = u.status, closed_at = coalesce(u.closed_at, t.closed_at)
         FROM unnest($1::int8[], $2::int2[], $3::text[], $4::timestamptz[]) AS u(id, members, status, closed_at)
        WHERE t.id = u.id`,
      [
        grown.map((s) => s.id),
        grown.map((s) => s.members),
        grown.map((s) => s.status),
        grown.map((s) => (s.closedAt ? new Date(s.closedAt) : null)),
      ],
    );
  lap('tubes_written');

  // Round membership: one row per person new to the round. Binary COPY: nothing for the server to parse.
  const people = function* (): Generator<Buffer> {
    const w = new BinaryCopyWriter();
    for (let i = 0; i < rows.n; i++) {
      if (!ok(i) || !rows.person[i] || (rows.flags[i] as number) & FLAG.twice) continue;
      w.row(3).int8(ctx.roundId).int8(rows.person[i]).timestamptz(rows.at[i]);
      if ((i & 4095) === 0) yield* w.take();
    }
    yield* w.end();
  };
  await tx.copyFrom(
    'COPY round_people (round_id, person_id, first_scanned_at) FROM STDIN (FORMAT binary)',
    people(),
  );
  lap('round_people');

  // The scans: the file read again for the keys, the rest from memory.
  const f = file.fields;
  const received = ctx.now.getTime();
  const flagSets = new Map<number, string[]>();
  const flagsOf = (fl: number) => {
    let set = flagSets.get(fl);
    if (!set) {
      set = FLAG_NAMES.filter(([b]) => fl & b).map(([, n]) => n);
      flagSets.set(fl, set);
    }
    return set;
  };
  const scanRows = async function* (): AsyncGenerator<Buffer> {
    const w = new BinaryCopyWriter();
    let i = 0;
    const records = file.records((bytes) =>
      ctx.opts.onProgress?.({ phase: 'write', bytes, totalBytes: file.size }),
    );
    for await (const batch of records) {
      for (const { cells } of batch) {
        const row = i++;
        if (!ok(row)) continue;
        const s = state.get(rows.tube[row] as number) as TubeState;
        const point = rows.point[row] as number;
        const person = rows.person[row] as number;
        w.row(11)
          .text(rowKey(cells, f, row, p1))
          .int8(ctx.roundId)
          .int8(s.id)
          .int8(person || null)
          .text(person ? null : p1.idNumbers.get(row))
          .text(ctx.points.get(point)?.area)
          .int8(point)
          .text(p1.samplers[rows.sampler[row] as number])
          .timestamptz(rows.at[row])
          .timestamptz(received)
          .textArray(flagsOf(rows.flags[row] as number));
      }
      yield* w.take();
    }
    if (i !== rows.n)
      throw new Error(`the file changed while it was being imported (${i} rows, then ${rows.n})`);
    yield* w.end();
  };
  await tx.copyFrom(
    `COPY scans (idempotency_key, round_id, tube_id, person_id, id_number, area_code, sampling_point_id, sampler,
                 scanned_at, received_at, flags) FROM STDIN (FORMAT binary)`,
    scanRows(),
  );
  lap('scans');
  let closed = 0;
  for (const s of state.values()) if (s.closedAt > 0) closed++;
  return { accepted, opened: newTubes.length, closed };
}

/** Keys seen before this file, or earlier in it: those rows become duplicates (checked row by row). */
async function markDuplicates(tx: Queryable, file: ScanFile, p1: Pass1, roundId: number): Promise<void> {
  const { rows, codes } = p1;
  await tx.query('CREATE TEMP TABLE import_keys (i int4 NOT NULL, key text NOT NULL) ON COMMIT DROP');
  const lines = async function* () {
    let i = 0;
    for await (const batch of file.records())
      for (const { cells } of batch) {
        const row = i++;
        if (rows.code[row] === 0) yield `${row}\t${copyText(rowKey(cells, file.fields, row, p1))}\n`;
      }
  };
  await tx.copyFrom('COPY import_keys (i, key) FROM STDIN', batched(lines()));
  const dup = codes.of('duplicate');
  // Streamed: a whole file sent again makes every row a duplicate.
  await copyIds(
    tx,
    `SELECT i FROM (SELECT i, key, row_number() OVER (PARTITION BY key ORDER BY i) AS k FROM import_keys) x
      WHERE k > 1 OR EXISTS (SELECT 1 FROM scans s WHERE s.round_id = ${Number(roundId)} AND s.idempotency_key = x.key)`,
    (i) => {
      rows.code[i] = dup;
    },
  );
}

// ------------------------------------------------------------------------------------------ the import

/** Registers a scan file (CSV, TSV or XLSX at `path`) for a round, in one transaction. */
export async function importScanFile(
  db: Db,
  clock: Clock,
  path: string,
  opts: ScanImportOptions,
): Promise<ScanImportReport> {
  const round = await getRound(db, opts.roundId);
  if (!round) throw new AppError(404, 'not_found', `round ${opts.roundId} was not found`);
  if (round.status === 'closed')
    throw new AppError(
      409,
      'round_closed',
      `round ${opts.roundId} is closed: nothing can be sampled into it`,
    );
  const listLimit = opts.listLimit ?? 1000;
  const now = clock.now();
  const ms: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const t1 = performance.now();
    ms[name] = Math.round((ms[name] ?? 0) + t1 - t);
    t = t1;
  };
  const file = await openScanFile(path, opts.fileName);
  const pools = await pointPools(db, opts.roundId, round.policy, '');
  const points = new Map(pools.map((p) => [p.id, { area: p.area_code, pool: p.pool_size }]));

  return db.transaction(async (tx) => {
    // A big file's people are checked against the whole registry, read by the database while this process
    // checks the file.
    const whole = opts.wholeRegistry ?? file.size > WHOLE_REGISTRY_ABOVE_BYTES;
    const registry = whole ? loadRegistry(tx) : undefined;
    registry?.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
    let p1: Pass1;
    try {
      p1 = await checkRows(file, points, opts, now, listLimit, file.size);
    } catch (err) {
      await registry?.catch(() => undefined);
      throw err;
    }
    lap('check');
    await checkPeople(tx, p1, await registry);
    lap('people');
    let keysRechecked = false;
    let retries = 0;
    let w: Written | undefined;
    for (;;) {
      await tx.query('SAVEPOINT write');
      try {
        const keysChecked = keysRechecked;
        w = await writeRows(tx, file, p1, { roundId: opts.roundId, points, now, opts, keysChecked }, ms);
        await tx.query('RELEASE SAVEPOINT write');
        break;
      } catch (err) {
        const keysFirst = err instanceof KeysFirst;
        const code = (err as { code?: string }).code;
        if (!keysFirst && code !== UNIQUE_VIOLATION && code !== DEADLOCK) throw err;
        await tx.query('ROLLBACK TO SAVEPOINT write');
        t = performance.now();
        const constraint = (err as { constraint?: string }).constraint ?? '';
        // The key's unique index is the round partition's own (e.g. scans_r12_round_id_idempotency_key_key).
        if (keysFirst || constraint === 'scans_round_key' || /^scans_.*idempotency_key/.test(constraint)) {
          // Keys seen before (or recorded by a phone meanwhile): marked, and the step runs again without them.
          if (keysRechecked && ++retries > 2) throw conflict();
          keysRechecked = true;
          await markDuplicates(tx, file, p1, opts.roundId);
          lap('duplicates');
        } else if (++retries > 2) throw conflict();
      }
    }
    return {
      file: opts.fileName,
      ...report(p1, w as Written, listLimit),
      rechecked: { keys: keysRechecked, retries },
      ms,
    };
  });
}

function report(
  p1: Pass1,
  w: Written,
  listLimit: number,
): Omit<ScanImportReport, 'file' | 'rechecked' | 'ms'> {
  const { rows, codes } = p1;
  const byCode: Record<string, number> = {};
  const flags: Record<string, number> = {};
  const problems: ScanImportProblem[] = [];
  const duplicateLines: number[] = [];
  let duplicates = 0;
  let rejected = 0;
  for (let i = 0; i < rows.n; i++) {
    const c = rows.code[i] || rows.wcode[i];
    if (c === 0) {
      const fl = rows.flags[i] as number;
      if (fl) for (const [b, name] of FLAG_NAMES) if (fl & b) flags[name] = (flags[name] ?? 0) + 1;
      continue;
    }
    const code = codes.name(c as number);
    if (code === 'duplicate') {
      duplicates++;
      if (duplicateLines.length < listLimit) duplicateLines.push(rows.line[i] as number);
      continue;
    }
    rejected++;
    byCode[code] = (byCode[code] ?? 0) + 1;
    if (problems.length < listLimit) {
      const tube = p1.tubes[rows.tube[i] as number] || null;
      const kept = p1.raws.get(i) ?? (code === 'person_unknown' ? String(rows.person[i]) : '');
      const [raw = '', ownMessage] = kept.split('\u001f'); // ID numbers and numeric cells bring their message
      const message = ownMessage ?? MESSAGES[code]?.(raw, tube) ?? `rejected: ${code}`;
      problems.push({ line: rows.line[i] as number, key: null, tube, code, message });
    }
  }
  return {
    rows: rows.n,
    accepted: w.accepted,
    duplicates,
    rejected,
    rejected_by_code: byCode,
    flags,
    tubes_opened: w.opened,
    tubes_closed: w.closed,
    problems,
    duplicate_lines: duplicateLines,
    truncated: rejected > problems.length || duplicates > duplicateLines.length,
  };
}

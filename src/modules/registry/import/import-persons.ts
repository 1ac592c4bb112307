/**
 * Imports persons (and their households) from a CSV or XLSX file, streamed in batches.
 *
 * Policy
 * - The whole import runs in ONE transaction. Rows are read, validated (validate-row.ts) and written in
 *   batches of 5,000: missing households are inserted by (area_code, household_key) — an existing household
 *   keeps its address —, then persons are upserted on id_number with one `INSERT … SELECT FROM unnest`.
 *   A person whose stored values already equal the file's is not touched (re-importing a file changes
 *   nothing: inserted 0, updated 0, unchanged N). Blank optional cells leave stored values alone.
 * - Moves: a known person given another household (another household key or area) moves there. A household left
 *   with nobody in it is closed in the same transaction (`households.closed_at`, migration 0021; kept, not
 *   deleted), and a closed household someone moves into again is reopened, so the open households are exactly
 *   those with members: what every count of households shows (registry stats, the planner, transfer groups).
 * - mode 'all_or_nothing' (default): if any row is rejected nothing is written; the report and the
 *   import_runs row (status 'rejected') list every rejected row. Once a row is rejected the remaining
 *   batches are only validated, not written.
 * - mode 'valid_rows': the good rows are written and the bad ones reported (status 'committed').
 * - A file that cannot be read as a table (ImportFileError: empty, malformed, not UTF-8, missing header…)
 *   writes nothing at all — not even an import_runs row — and the error is thrown to the caller.
 * - A committed import writes one import_runs row and one 'registry.persons_imported' event in the same
 *   transaction as the data. A rejected import writes its import_runs row after the rollback, in a
 *   statement of its own, so the attempt is on record; it writes no event.
 * - Every row with a problem is rejected with all its problems; `rejected` counts rows, `rejections` lists
 *   reasons (a row may have several). import_runs.rejections keeps the first 1,000 reasons; the returned
 *   report has all of them.
 * - A repeated ID number is a rejection of the later row (duplicate_in_file, naming both lines); in
 *   'valid_rows' mode the first occurrence is imported if it is otherwise valid.
 * - A row may be imported with a flag (`flagged`, not a rejection): id_converted_from_15 when its ID number had
 *   15 digits (first generation) and was converted to the 18-digit number that is stored.
 * - Time comes from `clock`: "today" for the birth-date rule (taken once, at the start), started_at and
 *   finished_at of the run, occurred_at of the event.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import type { Db, Queryable } from '../../../db/types.ts';
import type { Clock } from '../../../domain/clock.ts';
import type { IdNumberFlag } from '../../../domain/id-number.ts';
import { type FileFormat, parseRows, type RawRow } from './parse-rows.ts';
import {
  PERSON_HEADER_ALIASES,
  PERSON_LABELS,
  PERSON_REQUIRED,
  type PersonImport,
  type Rejection,
  validatePersonRow,
} from './validate-row.ts';

export type ImportMode = 'all_or_nothing' | 'valid_rows';

export interface ImportPersonsOptions {
  /** The name the user gave the file: recorded, and its extension chooses CSV or XLSX. */
  fileName: string;
  mode?: ImportMode;
  clock: Clock;
  /** Called after every batch with the number of data rows read so far. */
  onProgress?: (rowsRead: number) => void;
  /** Rows per batch (default 5,000). */
  batchSize?: number;
  /** Forces the format instead of choosing by extension/content. */
  format?: FileFormat;
  /** Only areas whose code starts with this may be imported into (the importer's jurisdiction). */
  scopePrefix?: string;
}

export interface ImportReport {
  runId: number;
  status: 'committed' | 'rejected';
  mode: ImportMode;
  fileName: string;
  /** Data rows read (blank rows not counted). */
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows rejected (a row with several problems counts once). */
  rejected: number;
  householdsCreated: number;
  /** Households whose last member moved to another household in this import: closed (households.closed_at). */
  householdsClosed: number;
  /** Closed households someone moved (back) into: open again. */
  householdsReopened: number;
  /** Every problem found, in file order. */
  rejections: Rejection[];
  /** Rows taken with a remark, in file order (in a rejected import: rows that were good). */
  flagged: RowFlag[];
  sha256: string;
}

export interface RowFlag {
  line: number;
  field: 'id_number';
  code: IdNumberFlag;
  message: string;
}

const FLAG_MESSAGES: Record<IdNumberFlag, string> = {
  id_converted_from_15:
    'a 15-digit first-generation ID number: converted to its 18-digit form (19 added to the year, check character computed), which is stored',
};

export const IMPORT_RUN_KIND = 'persons';
export const PERSONS_IMPORTED_EVENT = 'registry.persons_imported';
const STORED_REJECTIONS = 1000;
const AREA_LENGTHS = [15, 12, 9, 6, 4, 2] as const;

/** Thrown inside the transaction to roll an all_or_nothing import back. */
class RollBack extends Error {}

const UPSERT_PERSONS = `
WITH input AS (
  -- Each row with the person's stored values, looked up once (the CTE is read twice, so it is materialised).
  SELECT t.*, cur.phone AS cur_phone, cur.pregnant AS cur_pregnant, cur.disabled AS cur_disabled,
         cur.chronic_illness AS cur_chronic_illness, cur.health_code AS cur_health_code,
         cur.household_id AS cur_household_id
  FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[], $6::int8[], $7::text[],
              $8::text[], $9::bool[], $10::bool[], $11::bool[], $12::text[])
    AS t(id_number, name, sex, birth_date, phone, household_id, area_code, address,
         pregnant, disabled, chronic_illness, health_code)
  LEFT JOIN persons cur ON cur.id_number = t.id_number
), upserted AS (
  INSERT INTO persons AS p (id_number, name, sex, birth_date, phone, household_id, area_code, address,
                            pregnant, disabled, chronic_illness, health_code)
  SELECT i.id_number, i.name, i.sex, i.birth_date, coalesce(i.phone, i.cur_phone), i.household_id, i.area_code,
         i.address, coalesce(i.pregnant, i.cur_pregnant, false), coalesce(i.disabled, i.cur_disabled, false),
         coalesce(i.chronic_illness, i.cur_chronic_illness, false),
         coalesce(i.health_code, i.cur_health_code, 'green')
  FROM input i
  WHERE true
  ON CONFLICT (id_number) DO UPDATE SET
    name = excluded.name, sex = excluded.sex, birth_date = excluded.birth_date, phone = excluded.phone,
    household_id = excluded.household_id, area_code = excluded.area_code, address = excluded.address,
    pregnant = excluded.pregnant, disabled = excluded.disabled, chronic_illness = excluded.chronic_illness,
    health_code = excluded.health_code, updated_at = now()
  WHERE (p.name, p.sex, p.birth_date, p.phone, p.household_id, p.area_code, p.address,
         p.pregnant, p.disabled, p.chronic_illness, p.health_code)
    IS DISTINCT FROM (excluded.name, excluded.sex, excluded.birth_date, excluded.phone, excluded.household_id,
         excluded.area_code, excluded.address, excluded.pregnant, excluded.disabled, excluded.chronic_illness,
         excluded.health_code)
  RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated,
       -- The households people move out of (as stored before this statement).
       (SELECT array_agg(DISTINCT cur_household_id) FROM input WHERE cur_household_id <> household_id)
         AS left_households
FROM upserted`;

const HOUSEHOLD_IDS = `
SELECT h.id, h.area_code, h.household_key
FROM unnest($1::text[], $2::text[]) AS k(area_code, household_key)
JOIN households h ON h.area_code = k.area_code AND h.household_key = k.household_key`;

function householdMapKey(areaCode: string, householdKey: string): string {
  return `${areaCode}\u0000${householdKey}`;
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}

/** The deepest area containing every imported person (for the event's scope), or null. */
function enclosingArea(prefix: string | undefined): string | null {
  if (prefix === undefined) return null;
  const len = AREA_LENGTHS.find((l) => l <= prefix.length);
  return len === undefined ? null : prefix.slice(0, len);
}

interface Counters {
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejectedRows: number;
  householdsCreated: number;
  householdsClosed: number;
  householdsReopened: number;
  rejections: Rejection[];
  flagged: RowFlag[];
  /** ID number → line of its first appearance. */
  seen: Map<string, number>;
  /** Area code → level, or null when there is no such area. */
  areaLevels: Map<string, number | null>;
  areaPrefix: string | undefined;
}

/** Loads the levels of the batch's area codes not looked up yet: one query per batch. */
async function lookUpAreas(
  tx: Queryable,
  rows: readonly RawRow[],
  levels: Map<string, number | null>,
): Promise<void> {
  const wanted = new Set<string>();
  for (const row of rows) {
    const code = (row.values.area_code ?? '').normalize('NFKC').trim();
    if (/^\d{1,15}$/.test(code) && !levels.has(code)) wanted.add(code);
  }
  if (wanted.size === 0) return;
  const codes = [...wanted];
  for (const c of codes) levels.set(c, null);
  const { rows: found } = await tx.query<{ code: string; level: number }>(
    'SELECT code, level FROM areas WHERE code = ANY($1::text[])',
    [codes],
  );
  for (const a of found) levels.set(a.code, Number(a.level));
}

async function writeBatch(
  tx: Queryable,
  persons: readonly PersonImport[],
  c: Counters,
  at: Clock,
): Promise<void> {
  if (persons.length === 0) return;
  const households = new Map<string, [string, string, string]>();
  for (const p of persons) {
    const k = householdMapKey(p.areaCode, p.householdKey);
    if (!households.has(k)) households.set(k, [p.areaCode, p.householdKey, p.address]);
  }
  const hh = [...households.values()];
  c.householdsCreated += await tx.bulkInsert(
    'households',
    [
      { name: 'area_code', type: 'text' },
      { name: 'household_key', type: 'text' },
      { name: 'address', type: 'text' },
    ],
    hh,
    { onConflict: 'ON CONFLICT (area_code, household_key) DO NOTHING', chunkSize: Math.max(5000, hh.length) },
  );
  const { rows: ids } = await tx.query<{ id: number; area_code: string; household_key: string }>(
    HOUSEHOLD_IDS,
    [hh.map((h) => h[0]), hh.map((h) => h[1])],
  );
  const householdId = new Map<string, number>();
  for (const r of ids) householdId.set(householdMapKey(r.area_code, r.household_key), Number(r.id));

  const cols: unknown[][] = Array.from({ length: 12 }, () => new Array(persons.length));
  persons.forEach((p, i) => {
    const id = householdId.get(householdMapKey(p.areaCode, p.householdKey));
    if (id === undefined) throw new Error(`household ${p.areaCode}/${p.householdKey} was not created`);
    const values = [
      p.idNumber,
      p.name,
      p.sex,
      p.birthDate,
      p.phone,
      id,
      p.areaCode,
      p.address,
      p.pregnant,
      p.disabled,
      p.chronicIllness,
      p.healthCode,
    ];
    values.forEach((v, col) => {
      (cols[col] as unknown[])[i] = v;
    });
  });
  const { rows } = await tx.query<{ inserted: number; updated: number; left_households: number[] | null }>(
    UPSERT_PERSONS,
    cols,
  );
  const inserted = Number(rows[0]?.inserted ?? 0);
  const updated = Number(rows[0]?.updated ?? 0);
  c.inserted += inserted;
  c.updated += updated;
  c.unchanged += persons.length - inserted - updated;

  // Households people moved into (or came back to) are open. Asked after the upsert, in a statement of its own:
  // a concurrent import that closed one of them has committed by now (its lock held our upsert's foreign-key
  // check back), so this statement sees the closing and undoes it.
  const reopened = await tx.query(
    'UPDATE households SET closed_at = NULL WHERE id = ANY($1::int8[]) AND closed_at IS NOT NULL',
    [ids.map((r) => r.id)],
  );
  c.householdsReopened += reopened.rowCount;
  const left = (rows[0]?.left_households ?? []).map(Number);
  if (left.length > 0) await closeEmptied(tx, left, at, c);
}

/**
 * Closes the households among `candidates` that nobody lives in any more. They are locked first (FOR UPDATE
 * conflicts with the key-share lock a person insert or move takes on its household), and the emptiness is asked
 * in the next statement, whose snapshot sees everyone who moved in before the lock was granted.
 */
async function closeEmptied(tx: Queryable, candidates: number[], at: Clock, c: Counters): Promise<void> {
  await tx.query('SELECT id FROM households WHERE id = ANY($1::int8[]) ORDER BY id FOR UPDATE', [candidates]);
  const closed = await tx.query(
    `UPDATE households h SET closed_at = $2::timestamptz
      WHERE h.id = ANY($1::int8[]) AND h.closed_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.id)`,
    [candidates, at.now().toISOString()],
  );
  c.householdsClosed += closed.rowCount;
}

async function processBatch(
  tx: Queryable,
  batch: readonly RawRow[],
  c: Counters,
  options: BatchOptions,
): Promise<void> {
  await lookUpAreas(tx, batch, c.areaLevels);
  const ctx = {
    clock: options.clock,
    areaLevel: (code: string) => c.areaLevels.get(code) ?? undefined,
    firstLineOf: (id: string) => c.seen.get(id),
    inScope: options.scopePrefix
      ? (code: string) => code.startsWith(options.scopePrefix as string)
      : undefined,
  };
  const good: PersonImport[] = [];
  for (const row of batch) {
    c.rowsRead++;
    const result = validatePersonRow(row, ctx);
    if (result.ok) {
      good.push(result.value);
      for (const code of result.value.flags)
        c.flagged.push({ line: row.line, field: 'id_number', code, message: FLAG_MESSAGES[code] });
      c.seen.set(result.value.idNumber, row.line);
      c.areaPrefix =
        c.areaPrefix === undefined
          ? result.value.areaCode
          : commonPrefix(c.areaPrefix, result.value.areaCode);
    } else {
      c.rejectedRows++;
      for (const r of result.rejections) c.rejections.push(r);
      // A row rejected for another reason still claims its ID number: a later copy is a duplicate.
      if (result.idNumber !== undefined) c.seen.set(result.idNumber, row.line);
    }
  }
  // An importer may not take over people registered outside their jurisdiction (by re-using their ID numbers).
  let writable = good;
  if (options.scopePrefix && good.length > 0) {
    const { rows } = await tx.query<{ id_number: string; area_code: string }>(
      'SELECT id_number, area_code FROM persons WHERE id_number = ANY($1::text[])',
      [good.map((g) => g.idNumber)],
    );
    const outside = new Set(
      rows.filter((r) => !r.area_code.startsWith(options.scopePrefix as string)).map((r) => r.id_number),
    );
    if (outside.size > 0) {
      writable = good.filter((g) => !outside.has(g.idNumber));
      for (const g of good.filter((x) => outside.has(x.idNumber))) {
        c.rejectedRows++;
        c.rejections.push({
          line: g.line,
          field: 'id_number',
          code: 'area_out_of_scope',
          message: 'this person is registered outside your jurisdiction; ask that area to move them',
        });
      }
    }
  }
  if (options.mode === 'valid_rows' || c.rejectedRows === 0)
    await writeBatch(tx, writable, c, options.writeClock);
  options.onProgress?.(c.rowsRead);
}

interface BatchOptions {
  mode: ImportMode;
  /** "Today" for the rows' checks: the import's start. */
  clock: Clock;
  /** The import's clock: when a household was closed. */
  writeClock: Clock;
  onProgress: ((rowsRead: number) => void) | undefined;
  scopePrefix: string | undefined;
}

async function recordRun(
  q: Queryable,
  r: Omit<ImportReport, 'runId'>,
  startedAt: Date,
  finishedAt: Date,
): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO import_runs (kind, file_name, sha256, mode, status, rows_read, inserted, updated, unchanged, rejected,
                              started_at, finished_at, rejections)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::timestamptz, $12::timestamptz, $13::text::jsonb)
     RETURNING id`,
    [
      IMPORT_RUN_KIND,
      r.fileName,
      r.sha256,
      r.mode,
      r.status,
      r.rowsRead,
      r.inserted,
      r.updated,
      r.unchanged,
      r.rejected,
      startedAt.toISOString(),
      finishedAt.toISOString(),
      JSON.stringify(r.rejections.slice(0, STORED_REJECTIONS)),
    ],
  );
  return Number(rows[0]?.id);
}

/**
 * Imports persons from `source` (a file path, or a Readable of the file's bytes — e.g. an upload stream).
 * Resolves with the report for committed and rejected imports; rejects with ImportFileError when the file
 * cannot be read as a table (nothing written) and with the database's error if the database fails.
 */
export async function importPersons(
  db: Db,
  source: string | Readable,
  options: ImportPersonsOptions,
): Promise<ImportReport> {
  const mode = options.mode ?? 'all_or_nothing';
  const fileName = basename(options.fileName);
  const batchSize = options.batchSize ?? 5000;
  const startedAt = options.clock.now();
  const today = { now: () => startedAt };
  const hash = createHash('sha256');
  const c: Counters = {
    rowsRead: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    rejectedRows: 0,
    householdsCreated: 0,
    householdsClosed: 0,
    householdsReopened: 0,
    rejections: [],
    flagged: [],
    seen: new Map(),
    areaLevels: new Map(),
    areaPrefix: undefined,
  };
  const batchOptions: BatchOptions = {
    mode,
    clock: today,
    writeClock: options.clock,
    onProgress: options.onProgress,
    scopePrefix: options.scopePrefix,
  };
  let sha256 = '';
  const report = (status: ImportReport['status']): Omit<ImportReport, 'runId'> => {
    const written = status === 'committed';
    return {
      status,
      mode,
      fileName,
      rowsRead: c.rowsRead,
      inserted: written ? c.inserted : 0,
      updated: written ? c.updated : 0,
      unchanged: written ? c.unchanged : 0,
      rejected: c.rejectedRows,
      householdsCreated: written ? c.householdsCreated : 0,
      householdsClosed: written ? c.householdsClosed : 0,
      householdsReopened: written ? c.householdsReopened : 0,
      rejections: c.rejections,
      flagged: c.flagged,
      sha256,
    };
  };

  try {
    return await db.transaction(async (tx) => {
      let batch: RawRow[] = [];
      const rows = parseRows(source, {
        fileName: options.fileName,
        format: options.format,
        aliases: PERSON_HEADER_ALIASES,
        required: PERSON_REQUIRED,
        labels: PERSON_LABELS,
        onBytes: (chunk) => hash.update(chunk),
      });
      for await (const row of rows) {
        batch.push(row);
        if (batch.length >= batchSize) {
          await processBatch(tx, batch, c, batchOptions);
          batch = [];
        }
      }
      if (batch.length > 0) await processBatch(tx, batch, c, batchOptions);
      sha256 = hash.digest('hex');
      if (mode === 'all_or_nothing' && c.rejectedRows > 0) throw new RollBack();

      const finishedAt = options.clock.now();
      const r = report('committed');
      const runId = await recordRun(tx, r, startedAt, finishedAt);
      await tx.query(
        `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
         VALUES ($1, 'import_run', $2, $3, $4::timestamptz, $5::text::jsonb)`,
        [
          PERSONS_IMPORTED_EVENT,
          runId,
          enclosingArea(c.areaPrefix),
          finishedAt.toISOString(),
          JSON.stringify({
            fileName,
            mode,
            sha256,
            rowsRead: r.rowsRead,
            inserted: r.inserted,
            updated: r.updated,
            unchanged: r.unchanged,
            rejected: r.rejected,
            flagged: r.flagged.length,
            householdsCreated: r.householdsCreated,
            householdsClosed: r.householdsClosed,
            householdsReopened: r.householdsReopened,
          }),
        ],
      );
      return { runId, ...r };
    });
  } catch (err) {
    if (!(err instanceof RollBack)) throw err;
  }
  // all_or_nothing with rejected rows: the data is rolled back; the attempt is recorded on its own.
  const r = report('rejected');
  const runId = await recordRun(db, r, startedAt, options.clock.now());
  return { runId, ...r };
}

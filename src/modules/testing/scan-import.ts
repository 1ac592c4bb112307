/**
 * Bulk scan registration (批量采样登记): a whole file of scans — a sampling point's day from a phone that worked
 * offline, a district's export from another system — registered in one transaction, set-based, at a rate close
 * to PostgreSQL's own COPY of the same rows.
 *
 * The rules are those of the batch API (`scans.ts`), applied to sets instead of items:
 * - each row is accepted (maybe flagged), a duplicate (its key was recorded before, or earlier in the file), or
 *   rejected with a code and a message naming its line; a file that cannot be read as a table (encoding, quoting,
 *   header) is refused whole and nothing is written;
 * - tubes open on their first scan and close when they hold their pool size; a scan into a closed, full or
 *   foreign tube is rejected; a person sampled twice in the round is flagged; a person not in the registry is
 *   accepted when the ID number is valid, and flagged;
 * - the uploader's jurisdiction bounds the sampling points; tubes that existed before are locked (in id order,
 *   as the batch API does), so phones scanning at the same time cannot lose a count.
 *
 * Speed comes from assuming the common case and checking it, not from skipping checks: the file is copied into a
 * staging table, typed and joined in one pass, and written with `ON CONFLICT DO NOTHING`. When the counts written
 * differ from the counts expected (a key seen before, a person sampled twice), that step is rolled back to its
 * savepoint and done again with the exact per-row checks. A file without such rows never pays for them.
 */
import type { Db, Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { parseIdNumber } from '../../domain/id-number.ts';
import { AppError } from '../../lib/errors.ts';
import { pointPools } from './point-pools.ts';
import { getRound } from './rounds.ts';
import { type FieldColumns, stageScanFile } from './scan-file.ts';

export interface ScanImportOptions {
  roundId: number;
  fileName: string;
  /** Recorded as the sampler of rows that name none, e.g. `user:zhang`. */
  uploader: string;
  /** The uploader's jurisdiction: points outside it are refused. '' = the whole country. */
  scopePrefix: string;
  /** Problem rows listed in the report (all are counted). Default 1,000. */
  listLimit?: number;
  onProgress?: (p: { phase: string; bytes?: number; totalBytes?: number }) => void;
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
  /** Which checks had to run: none beyond the set-based pass, or the per-row ones for keys and people. */
  rechecked: { keys: boolean; people: boolean; tubes: boolean; times: boolean };
  ms: Record<string, number>;
}

const MESSAGES: Record<string, (r: { raw: string | null; tube: string | null }) => string> = {
  key_invalid: (r) => `key "${r.raw ?? ''}" must have 8–100 characters`,
  tube_invalid: (r) => `tube barcode "${r.raw ?? ''}" is not 4–40 letters, digits, _ or -`,
  person_missing: () => 'give exactly one of person_id (人员编号) and id_number (身份证号)',
  person_id_invalid: (r) => `person_id "${r.raw ?? ''}" is not a number`,
  point_invalid: (r) => `point_id "${r.raw ?? ''}" is not a number`,
  scanned_at_invalid: (r) =>
    `scanned_at "${r.raw ?? ''}" is not a date and time (2022-03-14 11:30, Beijing time, or ISO 8601)`,
  pool_size_invalid: (r) => `pool_size "${r.raw ?? ''}" must be a whole number from 1 to 50`,
  point_unknown: (r) => `sampling point ${r.raw ?? ''} is not a point of this round`,
  point_out_of_scope: (r) => `sampling point ${r.raw ?? ''} is outside your jurisdiction`,
  person_unknown: (r) => `no person ${r.raw ?? ''} in the registry`,
  tube_other_round: (r) => `tube ${r.tube} belongs to another round`,
  tube_closed: (r) => `tube ${r.tube} is no longer open; use a new tube`,
  tube_full: (r) => `tube ${r.tube} already holds its pool size`,
};

/** Typed values and the first syntax problem of each staged row (`f` maps fields to staging columns). */
function typedRowsSql(f: FieldColumns, uploader: number, timeFn: string): string {
  const col = (name: keyof FieldColumns) => (f[name] ? `nullif(btrim(${f[name]}), '')` : 'NULL::text');
  const digits = (e: string, max: number) => `(${e} ~ '^[0-9]+$' AND length(${e}) <= ${max})`;
  return `
    SELECT line, key, tube, pid, idn, pt, at, pool, smp,
           CASE WHEN pid_ok THEN pid::int8 END AS person_id,
           CASE WHEN pt_ok THEN pt::int8 END AS point_id,
           CASE WHEN at_ok THEN ${timeFn === 'cast' ? 'at::timestamptz' : `${timeFn}(at)`} END AS scanned_at,
           CASE WHEN pool_ok THEN pool::int2 END AS pool_size,
           CASE
             WHEN key IS NOT NULL AND length(key) NOT BETWEEN 8 AND 100 THEN 'key_invalid'
             WHEN tube IS NULL OR length(tube) NOT BETWEEN 4 AND 40 OR tube !~ '^[A-Za-z0-9_-]+$' THEN 'tube_invalid'
             WHEN (pid IS NULL) = (idn IS NULL) THEN 'person_missing'
             WHEN pid IS NOT NULL AND NOT pid_ok THEN 'person_id_invalid'
             WHEN NOT pt_ok THEN 'point_invalid'
             WHEN NOT at_ok THEN 'scanned_at_invalid'
             WHEN pool IS NOT NULL AND NOT pool_ok THEN 'pool_size_invalid'
           END AS code
      FROM (SELECT line, key, tube, pid, upper(idn) AS idn, pt, at, pool, coalesce(smp, $${uploader}) AS smp,
                   pid IS NOT NULL AND ${digits('pid', 18)} AND pid !~ '^0' AS pid_ok,
                   pt IS NOT NULL AND ${digits('pt', 18)} AND pt !~ '^0' AS pt_ok,
                   at IS NOT NULL AND length(at) BETWEEN 16 AND 40 AND left(at, 4) ~ '^[12][0-9][0-9][0-9]$' AS at_ok,
                   pool IS NOT NULL AND ${digits('pool', 2)} AND pool::int BETWEEN 1 AND 50 AS pool_ok
              FROM (SELECT line, ${col('key')} AS key, ${col('tube')} AS tube, ${col('person_id')} AS pid,
                           ${col('id_number')} AS idn, ${col('point_id')} AS pt, ${col('scanned_at')} AS at,
                           ${col('pool_size')} AS pool, ${col('sampler')} AS smp
                      FROM scan_file OFFSET 0) raw
             WHERE NOT (key IS NULL AND tube IS NULL AND pid IS NULL AND idn IS NULL AND pt IS NULL AND at IS NULL)
            OFFSET 0) s`;
}

/** The statement that makes `scan_rows` ($1 uploader, $2 scope prefix, $3 isolated statuses, $4 now). */
export function scanRowsSql(f: FieldColumns, timeFn: string): string {
  return `CREATE TEMP TABLE scan_rows ON COMMIT DROP AS
     SELECT t.line, t.tube, t.point_id, sp.area_code, t.scanned_at, t.smp AS sampler,
            coalesce(t.key, 'file:' || t.tube || ':' || coalesce(t.pid, t.idn) || ':' || t.at) AS key,
            CASE WHEN t.code IS NULL AND t.idn IS NOT NULL THEN t.idn END AS id_number,
            p.id AS person_id,
            coalesce(t.pool_size, sp.pool_size) AS pool_size,
            p.risk_status = ANY($3::text[]) AS isolated,
            false AS twice, false AS not_in_registry,
            t.scanned_at > $4::timestamptz + interval '5 minutes' AS clock_ahead,
            CASE
              WHEN t.code IS NOT NULL THEN t.code
              WHEN sp.id IS NULL THEN 'point_unknown'
              WHEN NOT starts_with(sp.area_code, $2) THEN 'point_out_of_scope'
              WHEN t.pid IS NOT NULL AND p.id IS NULL THEN 'person_unknown'
            END AS code,
            CASE
              WHEN t.code IN ('key_invalid') THEN t.key
              WHEN t.code IN ('tube_invalid') THEN t.tube
              WHEN t.code IN ('person_id_invalid') THEN t.pid
              WHEN t.code IN ('point_invalid') THEN t.pt
              WHEN t.code IN ('scanned_at_invalid') THEN t.at
              WHEN t.code IN ('pool_size_invalid') THEN t.pool
              WHEN t.code IS NULL AND (sp.id IS NULL OR NOT starts_with(sp.area_code, $2)) THEN t.pt
              WHEN t.code IS NULL AND t.pid IS NOT NULL AND p.id IS NULL THEN t.pid
            END AS raw
       FROM (${typedRowsSql(f, 1, timeFn)} OFFSET 0) t
       LEFT JOIN import_points sp ON sp.id = t.point_id
       LEFT JOIN persons p ON p.id = t.person_id AND p.purged_at IS NULL`;
}

/**
 * `scan_rows`: every data row, typed, joined with its sampling point and person, with its first problem (code)
 * and the raw text that caused it. Its key is the file's, or one made from tube, person and time.
 */
async function buildRows(
  tx: Queryable,
  f: FieldColumns,
  opts: ScanImportOptions,
  now: Date,
  timeFn: string,
): Promise<void> {
  await tx.query(
    scanRowsSql(f, timeFn),
    [opts.uploader, opts.scopePrefix, ISOLATED, now],
  );
}

const ISOLATED = ['pool_held', 'suspected', 'case', 'close_contact', 'secondary_contact'];

/** Rows given by ID number: registry matches first, then the rest checked here (GB 11643) and flagged. */
async function resolveIdNumbers(tx: Queryable, now: Date): Promise<void> {
  await tx.query(
    `UPDATE scan_rows r SET person_id = p.id, id_number = NULL, isolated = p.risk_status = ANY($1::text[])
       FROM persons p
      WHERE r.code IS NULL AND r.id_number IS NOT NULL AND p.id_number = r.id_number AND p.purged_at IS NULL`,
    [ISOLATED],
  );
  const { rows } = await tx.query<{ line: number; id_number: string }>(
    'SELECT line, id_number FROM scan_rows WHERE code IS NULL AND id_number IS NOT NULL',
  );
  if (rows.length === 0) return;
  const lines: number[] = [];
  const codes: (string | null)[] = [];
  const raws: (string | null)[] = [];
  for (const r of rows) {
    const parsed = parseIdNumber(r.id_number, now);
    lines.push(r.line);
    codes.push(parsed.ok ? null : parsed.code);
    raws.push(parsed.ok ? null : `${r.id_number}\u001f${parsed.message}`);
  }
  await tx.query(
    `UPDATE scan_rows r SET code = u.code, raw = u.raw, not_in_registry = u.code IS NULL
       FROM unnest($1::int8[], $2::text[], $3::text[]) AS u(line, code, raw) WHERE r.line = u.line`,
    [lines, codes, raws],
  );
}

/** Rejects the rows of tubes that are closed, of another round, or would overflow (in line order). */
async function checkTubes(tx: Queryable, roundId: number): Promise<boolean> {
  const { rows } = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM tube_fill f LEFT JOIN file_tubes t ON t.barcode = f.tube
      WHERE (t.id IS NULL AND f.n > f.pool_size)
         OR (t.id IS NOT NULL AND (t.round_id <> $1 OR t.status <> 'open' OR t.members + f.n > t.pool_size))`,
    [roundId],
  );
  if ((rows[0]?.n ?? 0) === 0) return false;
  await tx.query(
    `UPDATE scan_rows r SET code = x.code, raw = r.tube FROM (
       SELECT w.rid, CASE
                WHEN w.round_id IS NOT NULL AND w.round_id <> $1 THEN 'tube_other_round'
                WHEN w.status IS NOT NULL AND w.status <> 'open' THEN 'tube_closed'
                WHEN w.members + w.k > w.cap THEN 'tube_full'
              END AS code
         FROM (SELECT r.ctid AS rid, t.round_id, t.status, coalesce(t.members, 0) AS members,
                      coalesce(t.pool_size, f.pool_size) AS cap,
                      row_number() OVER (PARTITION BY r.tube ORDER BY r.line) AS k
                 FROM scan_rows r JOIN tube_fill f ON f.tube = r.tube LEFT JOIN file_tubes t ON t.barcode = r.tube
                WHERE r.code IS NULL
                  AND ((t.id IS NULL AND f.n > f.pool_size)
                       OR (t.id IS NOT NULL AND (t.round_id <> $1 OR t.status <> 'open' OR t.members + f.n > t.pool_size)))
              ) w
     ) x WHERE r.ctid = x.rid AND x.code IS NOT NULL`,
    [roundId],
  );
  return true;
}

const TUBE_FILL_SQL = `CREATE TEMP TABLE tube_fill ON COMMIT DROP AS
  SELECT tube, count(*)::int AS n, count(person_id)::int AS with_person, min(pool_size) AS pool_size,
         min(point_id) AS point_id, min(scanned_at) AS first_at, max(scanned_at) AS last_at
    FROM scan_rows WHERE code IS NULL GROUP BY tube`;

interface Written {
  accepted: number;
  inserted: number;
  opened: number;
  closed: number;
  peopleRechecked: boolean;
  tubesRechecked: boolean;
}

/** Writes tubes, round_people and scans for the rows without a code, and says how many scans went in. */
async function writeAccepted(
  tx: Queryable,
  roundId: number,
  now: Date,
  ms: Record<string, number>,
): Promise<Written> {
  let t = performance.now();
  const lap = (name: string) => {
    const t1 = performance.now();
    ms[name] = Math.round((ms[name] ?? 0) + t1 - t);
    t = t1;
  };
  // The file's tubes, then those that existed before: locked in id order (as the batch API locks them), then read.
  await tx.query(TUBE_FILL_SQL);
  await tx.query(
    `SELECT count(*) FROM (SELECT t.id FROM tubes t JOIN tube_fill f ON f.tube = t.barcode ORDER BY t.id FOR UPDATE OF t) x`,
  );
  await tx.query(
    `CREATE TEMP TABLE file_tubes ON COMMIT DROP AS
     SELECT t.id, t.barcode, t.round_id, t.status, t.pool_size, t.members FROM tubes t JOIN tube_fill f ON f.tube = t.barcode`,
  );
  lap('tubes_read');
  const tubesRechecked = await checkTubes(tx, roundId);
  if (tubesRechecked) {
    await tx.query('DROP TABLE tube_fill');
    await tx.query(TUBE_FILL_SQL);
  }
  lap('tubes_checked');

  // New tubes go in with their final state; old ones are updated. tube_ids maps every barcode of the file.
  await tx.query(
    'CREATE TEMP TABLE tube_ids (id bigint NOT NULL, barcode text NOT NULL, pool_size int NOT NULL) ON COMMIT DROP',
  );
  const opened = await tx.query(
    `WITH ins AS (
       INSERT INTO tubes (barcode, round_id, sampling_point_id, area_code, pool_size, members, status, opened_at, closed_at)
       SELECT f.tube, $1, f.point_id, sp.area_code, f.pool_size, f.n,
              CASE WHEN f.n = f.pool_size THEN 'closed' ELSE 'open' END, f.first_at,
              CASE WHEN f.n = f.pool_size THEN f.last_at END
         FROM tube_fill f JOIN import_points sp ON sp.id = f.point_id
        WHERE NOT EXISTS (SELECT 1 FROM file_tubes t WHERE t.barcode = f.tube)
       ON CONFLICT (barcode) DO NOTHING
       RETURNING id, barcode, pool_size)
     INSERT INTO tube_ids SELECT id, barcode, pool_size FROM ins`,
    [roundId],
  );
  const updated = await tx.query(
    `WITH up AS (
       UPDATE tubes t SET members = t.members + f.n,
              status = CASE WHEN t.members + f.n = t.pool_size THEN 'closed' ELSE t.status END,
              closed_at = CASE WHEN t.members + f.n = t.pool_size THEN f.last_at ELSE t.closed_at END
         FROM file_tubes ft JOIN tube_fill f ON f.tube = ft.barcode
        WHERE t.id = ft.id
       RETURNING t.id, t.barcode, t.pool_size, t.status)
     INSERT INTO tube_ids SELECT id, barcode, pool_size FROM up`,
  );
  const counts = await tx.query<{ tubes: number; accepted: number; with_person: number; closed: number }>(
    `SELECT count(*)::int AS tubes, coalesce(sum(n), 0)::int AS accepted, coalesce(sum(with_person), 0)::int AS with_person,
            (count(*) FILTER (WHERE n = pool_size AND NOT EXISTS (SELECT 1 FROM file_tubes t WHERE t.barcode = f.tube)))::int AS closed
       FROM tube_fill f`,
  );
  const c = counts.rows[0] ?? { tubes: 0, accepted: 0, with_person: 0, closed: 0 };
  if (opened.rowCount + updated.rowCount !== c.tubes)
    throw new AppError(
      409,
      'import_conflict',
      'some tubes of the file were opened by another upload while it was being imported; send the file again',
    );
  const closedOld = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM tubes t JOIN file_tubes ft ON ft.id = t.id WHERE t.status = 'closed' AND ft.status = 'open'`,
  );
  lap('tubes_written');

  // Who was sampled in this round: the first scan of a person in the round is not flagged, every other is.
  await tx.query('SAVEPOINT round_people');
  const people = await tx.query(
    `INSERT INTO round_people (round_id, person_id, first_scanned_at)
     SELECT $1, person_id, scanned_at FROM scan_rows WHERE code IS NULL AND person_id IS NOT NULL
     ON CONFLICT (round_id, person_id) DO NOTHING`,
    [roundId],
  );
  let peopleRechecked = false;
  if (people.rowCount !== c.with_person) {
    peopleRechecked = true;
    await tx.query('ROLLBACK TO SAVEPOINT round_people');
    await tx.query(
      `UPDATE scan_rows r SET twice = true FROM (
         SELECT w.rid FROM (
           SELECT ctid AS rid, person_id, row_number() OVER (PARTITION BY person_id ORDER BY line) AS k
             FROM scan_rows WHERE code IS NULL AND person_id IS NOT NULL) w
          WHERE w.k > 1 OR EXISTS (SELECT 1 FROM round_people rp WHERE rp.round_id = $1 AND rp.person_id = w.person_id)
       ) x WHERE r.ctid = x.rid`,
      [roundId],
    );
    await tx.query(
      `INSERT INTO round_people (round_id, person_id, first_scanned_at)
       SELECT $1, person_id, scanned_at FROM scan_rows WHERE code IS NULL AND person_id IS NOT NULL AND NOT twice
       ON CONFLICT (round_id, person_id) DO NOTHING`,
      [roundId],
    );
  }
  await tx.query('RELEASE SAVEPOINT round_people');
  lap('round_people');

  const scans = await tx.query(
    `INSERT INTO scans (idempotency_key, round_id, tube_id, person_id, id_number, area_code, sampling_point_id,
                        sampler, scanned_at, received_at, flags)
     SELECT r.key, $1, t.id, r.person_id, r.id_number, r.area_code, r.point_id, r.sampler, r.scanned_at, $2,
            CASE WHEN (r.isolated AND t.pool_size > 1) OR r.twice OR r.not_in_registry OR r.clock_ahead
                 THEN array_remove(ARRAY[CASE WHEN r.isolated AND t.pool_size > 1 THEN 'isolated_in_pool' END,
                                         CASE WHEN r.not_in_registry THEN 'not_in_registry' END,
                                         CASE WHEN r.twice THEN 'sampled_twice' END,
                                         CASE WHEN r.clock_ahead THEN 'clock_ahead' END], NULL)
                 ELSE '{}'::text[] END
       FROM scan_rows r JOIN tube_ids t ON t.barcode = r.tube
      WHERE r.code IS NULL
     ON CONFLICT (idempotency_key) DO NOTHING`,
    [roundId, now],
  );
  lap('scans');
  return {
    accepted: c.accepted,
    inserted: scans.rowCount,
    opened: opened.rowCount,
    closed: c.closed + (closedOld.rows[0]?.n ?? 0),
    peopleRechecked,
    tubesRechecked,
  };
}

/** Marks keys recorded before, or earlier in the file, as duplicates (the exact per-row check). */
async function markDuplicates(tx: Queryable): Promise<void> {
  await tx.query(
    `UPDATE scan_rows r SET code = 'duplicate' FROM (
       SELECT w.rid FROM (
         SELECT ctid AS rid, key, row_number() OVER (PARTITION BY key ORDER BY line) AS k
           FROM scan_rows WHERE code IS NULL) w
        WHERE w.k > 1 OR EXISTS (SELECT 1 FROM scans s WHERE s.idempotency_key = w.key)
     ) x WHERE r.ctid = x.rid`,
  );
}

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
  const now = clock.now();
  const ms: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const t1 = performance.now();
    ms[name] = Math.round(t1 - t);
    t = t1;
  };
  return db.transaction(async (tx) => {
    if (tx.kind === 'postgresql') await tx.query("SET LOCAL work_mem = '256MB'");
    // Times without an offset are Beijing time, as printed on the sampler's phone.
    await tx.query("SET LOCAL TIME ZONE INTERVAL '+08:00' HOUR TO MINUTE");
    const staged = await stageScanFile(tx, path, {
      fileName: opts.fileName,
      onBytes: (bytes, totalBytes) => opts.onProgress?.({ phase: 'copy', bytes, totalBytes }),
    });
    await tx.query('ANALYZE scan_file');
    lap('copy');
    opts.onProgress?.({ phase: 'check' });

    const points = await pointPools(tx, opts.roundId, round.policy, '');
    await tx.query(
      'CREATE TEMP TABLE import_points (id bigint PRIMARY KEY, area_code text COLLATE "C" NOT NULL, pool_size int2 NOT NULL) ON COMMIT DROP',
    );
    await tx.bulkInsert(
      'import_points',
      [
        { name: 'id', type: 'int8' },
        { name: 'area_code', type: 'text' },
        { name: 'pool_size', type: 'int2' },
      ],
      points.map((p) => [p.id, p.area_code, p.pool_size]),
    );
    // Typed in one pass, casting times directly; a time PostgreSQL cannot read fails the pass, which then runs
    // again with the cast that turns such a time into a rejected row.
    let timesRechecked = false;
    await tx.query('SAVEPOINT typed');
    try {
      await buildRows(tx, staged.columns, opts, now, 'cast');
    } catch (err) {
      if (!String((err as { code?: string }).code ?? '').startsWith('22')) throw err;
      timesRechecked = true;
      await tx.query('ROLLBACK TO SAVEPOINT typed');
      await buildRows(tx, staged.columns, opts, now, 'qc_try_timestamptz');
    }
    await tx.query('RELEASE SAVEPOINT typed');
    if (timesRechecked)
      await tx.query(
        `UPDATE scan_rows SET code = 'scanned_at_invalid', raw = s.at FROM (SELECT line, ${staged.columns.scanned_at} AS at FROM scan_file) s
          WHERE scan_rows.line = s.line AND scan_rows.code IS NULL AND scan_rows.scanned_at IS NULL`,
      );
    await tx.query(
      `UPDATE scan_rows SET code = 'scanned_at_invalid', raw = scanned_at::text
        WHERE code IS NULL AND (NOT isfinite(scanned_at) OR scanned_at < '2000-01-01')`,
    );
    if (staged.columns.id_number) await resolveIdNumbers(tx, now);
    await tx.query('ANALYZE scan_rows');
    lap('typed');
    opts.onProgress?.({ phase: 'write' });

    await tx.query('SAVEPOINT write');
    let w = await writeAccepted(tx, opts.roundId, now, ms);
    let keysRechecked = false;
    if (w.inserted !== w.accepted) {
      keysRechecked = true;
      await tx.query('ROLLBACK TO SAVEPOINT write');
      await markDuplicates(tx);
      lap('duplicates');
      w = await writeAccepted(tx, opts.roundId, now, ms);
      if (w.inserted !== w.accepted)
        throw new AppError(
          409,
          'import_conflict',
          'scans with the same keys were recorded while this file was being imported; send the file again',
        );
    }
    await tx.query('RELEASE SAVEPOINT write');
    t = performance.now();

    const report = await summarise(tx, opts);
    lap('report');
    return {
      file: opts.fileName,
      ...report,
      tubes_opened: w.opened,
      tubes_closed: w.closed,
      rechecked: {
        keys: keysRechecked,
        people: w.peopleRechecked,
        tubes: w.tubesRechecked,
        times: timesRechecked,
      },
      ms,
    };
  });
}

async function summarise(
  tx: Queryable,
  opts: ScanImportOptions,
): Promise<Omit<ScanImportReport, 'file' | 'tubes_opened' | 'tubes_closed' | 'rechecked' | 'ms'>> {
  const limit = opts.listLimit ?? 1000;
  const agg = await tx.query<{
    code: string | null;
    n: number;
    isolated: number;
    twice: number;
    nreg: number;
    ahead: number;
  }>(
    `SELECT code, count(*)::int AS n,
            (count(*) FILTER (WHERE code IS NULL AND isolated AND pool_size > 1))::int AS isolated,
            (count(*) FILTER (WHERE code IS NULL AND twice))::int AS twice,
            (count(*) FILTER (WHERE code IS NULL AND not_in_registry))::int AS nreg,
            (count(*) FILTER (WHERE code IS NULL AND clock_ahead))::int AS ahead
       FROM scan_rows GROUP BY code`,
  );
  let accepted = 0;
  let duplicates = 0;
  const byCode: Record<string, number> = {};
  const flags: Record<string, number> = {};
  for (const r of agg.rows) {
    if (r.code === null) {
      accepted = r.n;
      for (const [k, v] of [
        ['isolated_in_pool', r.isolated],
        ['not_in_registry', r.nreg],
        ['sampled_twice', r.twice],
        ['clock_ahead', r.ahead],
      ] as const)
        if (v > 0) flags[k] = v;
    } else if (r.code === 'duplicate') duplicates = r.n;
    else byCode[r.code] = r.n;
  }
  const rejected = Object.values(byCode).reduce((a, b) => a + b, 0);
  const listed = await tx.query<{
    line: number;
    key: string | null;
    tube: string | null;
    code: string;
    raw: string | null;
  }>(
    `SELECT line, key, tube, code, raw FROM scan_rows WHERE code IS NOT NULL AND code <> 'duplicate' ORDER BY line LIMIT $1`,
    [limit],
  );
  const dups = await tx.query<{ line: number }>(
    `SELECT line FROM scan_rows WHERE code = 'duplicate' ORDER BY line LIMIT $1`,
    [limit],
  );
  const problems = listed.rows.map((r) => {
    const [raw, idMessage] = (r.raw ?? '').split('\u001f');
    const message =
      idMessage ?? MESSAGES[r.code]?.({ raw: raw ?? null, tube: r.tube }) ?? `rejected: ${r.code}`;
    return { line: r.line, key: r.key, tube: r.tube, code: r.code, message };
  });
  return {
    rows: accepted + duplicates + rejected,
    accepted,
    duplicates,
    rejected,
    rejected_by_code: byCode,
    flags,
    problems,
    duplicate_lines: dups.rows.map((r) => r.line),
    truncated: rejected > problems.length || duplicates > dups.rows.length,
  };
}

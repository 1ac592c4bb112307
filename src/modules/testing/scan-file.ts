/**
 * Reads a scan file into a staging table, as fast as PostgreSQL reads CSV itself.
 *
 * CSV and TSV: only the header line is read here (names in Chinese or English, mapped to fields); every other byte
 * goes untouched through `COPY … FROM STDIN (FORMAT csv)` into a temporary table of text columns, one per header
 * column. PostgreSQL's own parser then checks quoting, field counts and UTF-8, and names the line of any problem.
 * XLSX: the rows come from the streaming sheet reader and are written to the same COPY as CSV.
 *
 * Either way the staging table `scan_file` holds one row per data row with its file line and the raw text of
 * each field (NULL when empty). Nothing here judges the values: `scan-import.ts` does, row by row.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseCsvSync } from 'csv-parse/sync';
import type { Queryable } from '../../db/types.ts';
import { ImportFileError, normaliseHeader, parseRows } from '../registry/import/parse-rows.ts';

export const SCAN_FIELDS = [
  'key',
  'tube',
  'person_id',
  'id_number',
  'point_id',
  'scanned_at',
  'pool_size',
  'sampler',
] as const;
export type ScanField = (typeof SCAN_FIELDS)[number];

const ALIASES: Record<string, ScanField> = Object.fromEntries(
  (
    [
      ['key', ['key', 'idempotency_key', 'scan_id', '采样记录号', '记录号', '流水号']],
      ['tube', ['tube', 'barcode', 'tube_barcode', '试管条码', '试管编号', '管码', '样本编号', '条码']],
      ['person_id', ['person_id', '人员编号', '人员id']],
      ['id_number', ['id_number', '身份证号', '身份证号码', '证件号码', '公民身份号码']],
      ['point_id', ['point_id', 'sampling_point_id', 'point', '采样点编号', '采样点id']],
      ['scanned_at', ['scanned_at', 'sampled_at', '采样时间', '扫码时间']],
      ['pool_size', ['pool_size', '混采数', '几混一', '混管数']],
      ['sampler', ['sampler', '采样人员', '采样员', '采样人']],
    ] as const
  ).flatMap(([field, names]) => names.map((n) => [normaliseHeader(n), field])),
);

const LABELS: Record<ScanField, string> = {
  key: '采样记录号/key',
  tube: '试管条码/tube',
  person_id: '人员编号/person_id',
  id_number: '身份证号/id_number',
  point_id: '采样点编号/point_id',
  scanned_at: '采样时间/scanned_at',
  pool_size: '混采数/pool_size',
  sampler: '采样人员/sampler',
};

/** Where each field is in the staging table (`c1`…), or absent. */
export type FieldColumns = Partial<Record<ScanField, string>>;

export interface StagedFile {
  rows: number;
  columns: FieldColumns;
  format: 'csv' | 'tsv' | 'xlsx';
}

export interface StageOptions {
  fileName: string;
  /** Called as the file's bytes go to the database (CSV) or rows are read (XLSX: bytes unknown, 0). */
  onBytes?: (read: number, total: number) => void;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Maps header cells to fields; refuses duplicates and a header without the required fields. */
export function mapHeader(cells: readonly string[]): FieldColumns {
  const columns: FieldColumns = {};
  cells.forEach((cell, i) => {
    const field = ALIASES[normaliseHeader(cell)];
    if (!field) return;
    if (columns[field])
      throw new ImportFileError('header_duplicate', `two columns mean ${LABELS[field]}: keep one`, 1);
    columns[field] = `c${i + 1}`;
  });
  const missing = (['tube', 'point_id', 'scanned_at'] as const).filter((f) => !columns[f]);
  if (missing.length > 0 || (!columns.person_id && !columns.id_number)) {
    const names = missing.map((f) => LABELS[f]);
    if (!columns.person_id && !columns.id_number) names.push(`${LABELS.id_number} or ${LABELS.person_id}`);
    throw new ImportFileError('header_missing', `the header lacks ${names.join(', ')}`, 1);
  }
  return columns;
}

/** Splits a byte stream after its first line: the header's bytes, then the rest as it comes. */
async function splitFirstLine(
  chunks: AsyncIterator<Buffer>,
): Promise<{ header: Buffer; first: Buffer; more: boolean }> {
  const seen: Buffer[] = [];
  for (;;) {
    const r = await chunks.next();
    if (r.done) {
      const all = Buffer.concat(seen);
      return { header: all, first: Buffer.alloc(0), more: false };
    }
    seen.push(r.value);
    const nl = r.value.indexOf(0x0a);
    if (nl >= 0) {
      const all = Buffer.concat(seen);
      const at = all.length - r.value.length + nl;
      return { header: all.subarray(0, at), first: all.subarray(at + 1), more: true };
    }
    if (seen.reduce((n, b) => n + b.length, 0) > 64 * 1024)
      throw new ImportFileError(
        'file_malformed',
        'the first line is longer than 64 KiB: is this a CSV file?',
        1,
      );
  }
}

/**
 * The data bytes after the header, unchanged except that blank lines at the very end are dropped (COPY would
 * read them as rows with missing fields; editors and exports leave them).
 */
async function* dataBytes(
  first: Buffer,
  rest: AsyncIterator<Buffer>,
  more: boolean,
  onRead: (n: number) => void,
): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0); // trailing CR/LF bytes held back until more data follows
  let data = false;
  const emit = function* (chunk: Buffer): Generator<Buffer> {
    let end = chunk.length;
    while (end > 0 && (chunk[end - 1] === 0x0a || chunk[end - 1] === 0x0d)) end--;
    if (end === 0) {
      pending = Buffer.concat([pending, chunk]);
      return;
    }
    if (pending.length > 0) yield pending;
    yield chunk.subarray(0, end);
    data = true;
    pending = chunk.subarray(end);
  };
  yield* emit(first);
  while (more) {
    const r = await rest.next();
    if (r.done) break;
    onRead(r.value.length);
    yield* emit(r.value);
  }
  // The last row keeps its own line ending (CRLF or LF: COPY refuses a file that mixes them).
  if (data && pending.length > 0) {
    const lf = pending.indexOf(0x0a);
    yield pending.subarray(0, lf >= 0 ? lf + 1 : 1);
  }
}

/** Quotes a value for COPY's CSV format (NULL is an unquoted empty field). */
function csvField(v: string | undefined): string {
  if (v === undefined) return '';
  const t = v.trim();
  if (t === '') return '';
  return /[",\r\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
}

/** Translates a COPY failure into a file-level error with its line (the header is line 1). */
function fileError(err: unknown, headerLines: number): never {
  const e = err as { code?: string; message?: string; where?: string };
  const m = /COPY scan_file, line (\d+)/.exec(e.where ?? '');
  const line = m ? Number(m[1]) + headerLines : undefined;
  if (e.code === '22021')
    throw new ImportFileError(
      'file_encoding',
      `the file is not UTF-8 text (${e.message}); save it as "CSV UTF-8" and send it again`,
      line,
    );
  if (e.code?.startsWith('22') || e.code === '42601')
    throw new ImportFileError('file_malformed', `${e.message}; fix the row and send the file again`, line);
  throw err;
}

/** Creates `scan_file` (dropped at commit) and copies the file into it. `tx` must be a transaction. */
export async function stageScanFile(tx: Queryable, path: string, options: StageOptions): Promise<StagedFile> {
  const ext = extname(options.fileName).toLowerCase();
  const total = (await stat(path)).size;
  if (ext === '.xlsx') return stageXlsx(tx, path, options, total);
  if (!['.csv', '.tsv', '.txt', ''].includes(ext))
    throw new ImportFileError('file_unsupported', `unsupported file type ${ext}: send .csv, .tsv or .xlsx`);

  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    const split = await splitFirstLine(chunks);
    let header = split.header;
    if (header.subarray(0, 3).equals(UTF8_BOM)) header = header.subarray(3);
    const text = header.toString('utf8').replace(/\r$/, '');
    if (text.trim() === '') throw new ImportFileError('file_empty', 'the file is empty: no header line', 1);
    if (text.startsWith('PK\u0003\u0004'))
      throw new ImportFileError(
        'file_malformed',
        'the content is a zip archive (an .xlsx workbook?), not CSV text',
      );
    const tab = ext === '.tsv' || (text.includes('\t') && !text.includes(','));
    const cells =
      (parseCsvSync(text, { delimiter: tab ? '\t' : ',', relax_quotes: true }) as string[][])[0] ?? [];
    const columns = mapHeader(cells);
    await tx.query(
      `CREATE TEMP TABLE scan_file (line bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 2), ${cells
        .map((_, i) => `c${i + 1} text`)
        .join(', ')}) ON COMMIT DROP`,
    );
    let read = split.header.length + 1 + split.first.length;
    options.onBytes?.(read, total);
    const rows = await tx
      .copyFrom(
        `COPY scan_file (${cells.map((_, i) => `c${i + 1}`).join(', ')}) FROM STDIN (FORMAT csv${tab ? ", DELIMITER E'\\t'" : ''})`,
        dataBytes(split.first, chunks, split.more, (n) => {
          read += n;
          options.onBytes?.(read, total);
        }),
      )
      .catch((err) => fileError(err, 1));
    return { rows, columns, format: tab ? 'tsv' : 'csv' };
  } finally {
    stream.destroy();
  }
}

async function stageXlsx(
  tx: Queryable,
  path: string,
  options: StageOptions,
  total: number,
): Promise<StagedFile> {
  const rows = parseRows(path, { fileName: options.fileName, aliases: ALIASES });
  const it = rows[Symbol.asyncIterator]();
  const first = await it.next();
  // parseRows has read the header by now: check it with the same rules as CSV.
  const present = first.done ? [] : Object.keys(first.value.values);
  const mapped = mapHeader(present);
  const fields = SCAN_FIELDS.filter((f) => mapped[f]);
  const columns: FieldColumns = Object.fromEntries(fields.map((f, i) => [f, `c${i + 1}`]));
  await tx.query(
    `CREATE TEMP TABLE scan_file (line bigint NOT NULL, ${fields.map((_, i) => `c${i + 1} text`).join(', ')}) ON COMMIT DROP`,
  );
  async function* csv(): AsyncGenerator<string> {
    let batch: string[] = [];
    for (let r = first; !r.done; r = await it.next()) {
      batch.push(`${r.value.line},${fields.map((f) => csvField(r.value.values[f])).join(',')}\n`);
      if (batch.length === 5000) {
        yield batch.join('');
        batch = [];
      }
    }
    if (batch.length > 0) yield batch.join('');
    options.onBytes?.(total, total);
  }
  const n = await tx.copyFrom(
    `COPY scan_file (line, ${fields.map((_, i) => `c${i + 1}`).join(', ')}) FROM STDIN (FORMAT csv)`,
    csv(),
  );
  return { rows: n, columns, format: 'xlsx' };
}

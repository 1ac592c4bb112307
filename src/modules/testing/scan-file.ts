/**
 * Reads a scan file (CSV, TSV or XLSX) as records of cells, as many times as needed (a bulk import reads it
 * twice: once to check every row, once to write them).
 *
 * CSV/TSV are read as bytes, split at line ends, checked as UTF-8 (the first bad line is named), and split into
 * fields: a line without a quote character is split at its delimiters directly (RFC 4180: only quoted fields may
 * hold delimiters, quotes or line ends); a line with quotes is parsed by csv-parse, joined with the next lines while
 * a quoted field is still open. Millions of rows go through at a few hundred nanoseconds each. XLSX goes through
 * the streaming sheet reader (`parseRows`).
 *
 * Rules as for every table import here: the first line is the header (Chinese or English names); blank rows are
 * skipped; a row with more non-blank fields than the header is malformed; a file that cannot be read fails
 * whole with an `ImportFileError` naming the line.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseCsvSync } from 'csv-parse/sync';
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

/** Where each field is among a record's cells (-1: absent). */
export type FieldIndex = Record<ScanField, number>;

export interface ScanRecord {
  /** The line of the file where the record starts (1 = the header), or the XLSX row. */
  line: number;
  cells: string[];
  /** XLSX: the fields whose cell is stored as a number, not text (absent when none, and always for CSV/TSV). */
  numeric?: ReadonlySet<string>;
}

export interface ScanFile {
  fields: FieldIndex;
  size: number;
  /** Reads the records again from the start, in batches; `onBytes` reports progress through the file. */
  records(onBytes?: (read: number) => void): AsyncGenerator<ScanRecord[]>;
}

/** Maps header cells to fields; refuses duplicates and a header without the required fields. */
export function mapHeader(cells: readonly string[]): FieldIndex {
  const index = Object.fromEntries(SCAN_FIELDS.map((f) => [f, -1])) as FieldIndex;
  cells.forEach((cell, i) => {
    const field = ALIASES[normaliseHeader(cell)];
    if (!field) return;
    if (index[field] >= 0)
      throw new ImportFileError('header_duplicate', `two columns mean ${LABELS[field]}: keep one`, 1);
    index[field] = i;
  });
  const missing = (['tube', 'point_id', 'scanned_at'] as const).filter((f) => index[f] < 0);
  const noPerson = index.person_id < 0 && index.id_number < 0;
  if (missing.length > 0 || noPerson) {
    const names: string[] = missing.map((f) => LABELS[f]);
    if (noPerson) names.push(`${LABELS.id_number} or ${LABELS.person_id}`);
    throw new ImportFileError('header_missing', `the header lacks ${names.join(', ')}`, 1);
  }
  return index;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Complete lines of a byte stream, checked as UTF-8, a chunk at a time: `first` is the number of `lines[0]`. */
async function* textLines(
  path: string,
  onBytes?: (read: number) => void,
): AsyncGenerator<{ first: number; lines: string[] }> {
  let carry: Buffer = Buffer.alloc(0);
  let no = 0;
  let read = 0;
  let start = true;
  const take = (bytes: Buffer): { first: number; lines: string[] } => {
    if (!isUtf8(bytes)) {
      // Name the first line that is not UTF-8.
      let at = 0;
      let line = no;
      for (;;) {
        const nl = bytes.indexOf(0x0a, at);
        const end = nl < 0 ? bytes.length : nl;
        line++;
        if (!isUtf8(bytes.subarray(at, end)))
          throw new ImportFileError(
            'file_encoding',
            'the file is not UTF-8 text (GBK?): save it as "CSV UTF-8" and send it again',
            line,
          );
        if (nl < 0) break;
        at = nl + 1;
      }
    }
    const nul = bytes.indexOf(0);
    if (nul >= 0) {
      let line = no + 1;
      for (let k = bytes.indexOf(0x0a); k >= 0 && k < nul; k = bytes.indexOf(0x0a, k + 1)) line++;
      throw new ImportFileError('file_encoding', 'the file holds a NUL byte: is it a text file?', line);
    }
    const lines = bytes.toString('utf8').split('\n');
    for (let k = 0; k < lines.length; k++) {
      const l = lines[k] as string;
      if (l.charCodeAt(l.length - 1) === 13) lines[k] = l.slice(0, -1);
    }
    const first = no + 1;
    no += lines.length;
    return { first, lines };
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    read += chunk.length;
    let buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    if (start) {
      start = false;
      if (buf.subarray(0, 3).equals(UTF8_BOM)) buf = buf.subarray(3);
    }
    const last = buf.lastIndexOf(0x0a);
    if (last < 0) {
      carry = buf;
      continue;
    }
    yield take(buf.subarray(0, last));
    carry = buf.subarray(last + 1);
    onBytes?.(read);
  }
  if (carry.length > 0) yield take(carry);
  onBytes?.(read);
}

/**
 * Whether a quoted field is still open at the end of `text`, given whether one was open at its start: a quoted
 * field starts only where a field starts (RFC 4180; a quote inside an unquoted field, as in O"Brien, is text),
 * and "" inside one is an escaped quote.
 */
export function quoteOpenAfter(text: string, openAtStart: boolean, delimiter: string): boolean {
  let open = openAtStart;
  let fieldStart = !openAtStart;
  const d = delimiter.charCodeAt(0);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (open) {
      if (c === 34) {
        if (text.charCodeAt(i + 1) === 34) i++;
        else open = false;
      }
    } else if (c === d) fieldStart = true;
    else {
      if (c === 34 && fieldStart) open = true;
      fieldStart = false;
    }
  }
  return open;
}

/** A quoted field may span lines, up to this many (beyond, the quote was never meant to be closed). */
const MAX_RECORD_LINES = 100;

/** CSV/TSV records, a chunk at a time: fast split for lines without quotes, csv-parse for the others. */
async function* csvRecords(
  path: string,
  delimiter: string,
  width: number,
  onBytes?: (read: number) => void,
): AsyncGenerator<ScanRecord[]> {
  let pending: string[] = [];
  let open = false;
  let start = 0;
  for await (const { first, lines } of textLines(path, onBytes)) {
    const out: ScanRecord[] = [];
    for (let k = 0; k < lines.length; k++) {
      const no = first + k;
      const text = lines[k] as string;
      if (pending.length === 0) {
        if (text.indexOf('"') < 0) {
          const c0 = text.charCodeAt(0);
          if (text === '' || ((c0 === 44 || c0 <= 32) && /^[\s,]*$/.test(text))) continue; // a blank row
          out.push({ line: no, cells: checkWidth(text.split(delimiter), width, no) });
          continue;
        }
        start = no;
      }
      pending.push(text);
      open = quoteOpenAfter(text, open, delimiter);
      if (open) {
        if (pending.length >= MAX_RECORD_LINES)
          throw new ImportFileError(
            'file_malformed',
            `a quoted field opened here is not closed within ${MAX_RECORD_LINES} lines`,
            start,
          );
        continue; // a quoted field goes on to the next line
      }
      const joined = pending.join('\n');
      pending = [];
      let records: string[][];
      try {
        records = parseCsvSync(joined, {
          delimiter,
          relax_column_count: true,
          relax_quotes: true,
        }) as string[][];
      } catch {
        // csv-parse's message quotes the cell, which may be personal data: say where, not what.
        throw new ImportFileError('file_malformed', 'the quoting of this row cannot be read', start);
      }
      if (records.length > 1)
        throw new ImportFileError(
          'file_malformed',
          'a carriage return inside the row splits it: remove it',
          start,
        );
      const cells = records[0] ?? [];
      if (cells.every((c) => c.trim() === '')) continue;
      out.push({ line: start, cells: checkWidth(cells, width, start) });
    }
    if (out.length > 0) yield out;
  }
  if (pending.length > 0)
    throw new ImportFileError('file_malformed', 'a quoted field is never closed', start);
}

function checkWidth(cells: string[], width: number, line: number): string[] {
  if (width > 0 && cells.length > width && cells.slice(width).some((c) => c.trim() !== ''))
    throw new ImportFileError(
      'file_malformed',
      `the row has ${cells.length} fields, the header ${width}: remove the extra ones or add their header`,
      line,
    );
  return cells;
}

/** Opens a scan file: reads and checks its header. */
export async function openScanFile(path: string, fileName: string): Promise<ScanFile> {
  const ext = extname(fileName).toLowerCase();
  const size = (await stat(path)).size;
  if (ext === '.xlsx') return openXlsx(path, fileName, size);
  if (!['.csv', '.tsv', '.txt', ''].includes(ext))
    throw new ImportFileError('file_unsupported', `unsupported file type ${ext}: send .csv, .tsv or .xlsx`);

  // The header: the first line.
  let headerText: string | undefined;
  for await (const { lines } of textLines(path)) {
    headerText = lines[0];
    break;
  }
  if (headerText === undefined || headerText.trim() === '')
    throw new ImportFileError('file_empty', 'the file is empty: no header line', 1);
  if (headerText.startsWith('PK\u0003\u0004'))
    throw new ImportFileError(
      'file_malformed',
      'the content is a zip archive (an .xlsx workbook?), not CSV text',
      1,
    );
  if (headerText.includes('\r'))
    throw new ImportFileError(
      'file_malformed',
      'the lines end with a carriage return only (an old Mac "CSV"): save the file as "CSV UTF-8" and send it again',
      1,
    );
  const delimiter = ext === '.tsv' || (headerText.includes('\t') && !headerText.includes(',')) ? '\t' : ',';
  let header: string[];
  try {
    header = (parseCsvSync(headerText, { delimiter, relax_quotes: true }) as string[][])[0] ?? [];
  } catch {
    throw new ImportFileError('file_malformed', 'the quoting of the header line cannot be read', 1);
  }
  const fields = mapHeader(header);
  return {
    fields,
    size,
    async *records(onBytes) {
      for await (const batch of csvRecords(path, delimiter, header.length, onBytes)) {
        const data = batch[0]?.line === 1 ? batch.slice(1) : batch; // the header
        if (data.length > 0) yield data;
      }
    },
  };
}

const TIME_CELL = SCAN_FIELDS.indexOf('scanned_at');
const EXCEL_EPOCH_DAYS = 25569; // 1970-01-01 as an Excel serial day

/**
 * A date-time cell typed in Excel is stored as a serial day number in wall-clock time (Beijing here): as text
 * `YYYY-MM-DDTHH:MM:SS` without an offset, to the second. Other text is left as it is.
 */
export function excelTime(cell: string): string {
  if (!/^\d{5}(\.\d+)?$/.test(cell)) return cell;
  const ms = Math.round(((Number(cell) - EXCEL_EPOCH_DAYS) * 86_400_000) / 1000) * 1000;
  return new Date(ms).toISOString().slice(0, 19);
}

async function openXlsx(path: string, fileName: string, size: number): Promise<ScanFile> {
  const aliases = ALIASES as Record<string, string>;
  // The header as the sheet reader maps it (canonical names for the known columns).
  const peek = parseRows(path, { fileName, aliases })[Symbol.asyncIterator]();
  const first = await peek.next();
  await peek.return?.(undefined);
  if (first.done) throw new ImportFileError('file_empty', 'the sheet has no data rows', 1);
  mapHeader(Object.keys(first.value.values));
  const values = first.value.values;
  const fields = Object.fromEntries(SCAN_FIELDS.map((f, i) => [f, f in values ? i : -1])) as FieldIndex;
  return {
    fields,
    size,
    async *records(onBytes) {
      let batch: ScanRecord[] = [];
      for await (const r of parseRows(path, { fileName, aliases })) {
        const cells = SCAN_FIELDS.map((f) => r.values[f] ?? '');
        cells[TIME_CELL] = excelTime(cells[TIME_CELL] as string);
        // The cell types travel with the row: an ID number, tube barcode or key stored as a number is refused
        // (id_number_numeric_cell, tube_numeric_cell, key_numeric_cell).
        batch.push(r.numeric ? { line: r.line, cells, numeric: r.numeric } : { line: r.line, cells });
        if (batch.length === 5000) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
      onBytes?.(size);
    },
  };
}

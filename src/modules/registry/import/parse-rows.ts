/**
 * Streams the data rows of a CSV or XLSX file as `{ line, values }`, `values` keyed by the normalised header
 * (an alias such as 身份证号 maps to its canonical field name, e.g. `id_number`). Nothing is loaded whole:
 * CSV goes byte chunk → UTF-8 check → csv-parse; XLSX goes through exceljs' streaming WorkbookReader
 * (which may spool a worksheet to a temporary file when the workbook stores its shared strings after the
 * sheets, as Excel does — disk, not memory).
 *
 * `line` is what the user sees: the physical line where the record starts in a CSV file (1 = header line,
 * multi-line quoted fields counted), the row number in the XLSX sheet.
 *
 * Rules: the first non-blank row is the header; rows whose cells are all blank are skipped (they are not
 * data rows); a CSV record with fewer fields than the header, or with extra non-blank fields, is malformed;
 * columns without a header (and XLSX cells right of the header) are ignored. A file that cannot be read as a whole table fails
 * with an ImportFileError — the caller must not have kept anything of it.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, type Options as CsvOptions, parse as parseCsv } from 'csv-parse';

export type ImportFileErrorCode =
  | 'file_empty'
  | 'file_malformed'
  | 'file_encoding'
  | 'file_unsupported'
  | 'header_missing'
  | 'header_duplicate';

/** The file as a whole cannot be imported. `line` is set when the problem has a place in the file. */
export class ImportFileError extends Error {
  readonly code: ImportFileErrorCode;
  readonly line: number | undefined;
  constructor(code: ImportFileErrorCode, message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'ImportFileError';
    this.code = code;
    this.line = line;
  }
}

export interface RawRow {
  line: number;
  values: Record<string, string>;
  /**
   * XLSX only: the keys whose cell is stored as a number (a number, a date, or a formula with a number result),
   * not as text. Absent when there is none (and always for CSV). An ID number in such a cell may have lost
   * digits (see parseIdNumberCell), a barcode, key or phone number its leading zeros (see numeric-cell.ts).
   */
  numeric?: ReadonlySet<string>;
}

export type FileFormat = 'csv' | 'xlsx';

export interface ParseRowsOptions {
  /** Used to choose the format by extension (.csv/.txt/.tsv, .xlsx); otherwise the content is sniffed. */
  fileName?: string;
  /** Forces the format. */
  format?: FileFormat;
  /** Normalised alias → canonical key (see normaliseHeader); headers not listed keep their normalised text. */
  aliases?: Readonly<Record<string, string>>;
  /** Canonical keys that must be present in the header. */
  required?: readonly string[];
  /** Display names for required keys in the header_missing message, e.g. { id_number: '身份证号' }. */
  labels?: Readonly<Record<string, string>>;
  /** Called with every byte chunk of the source exactly once, in order (the importer hashes the file with it). */
  onBytes?: (chunk: Buffer) => void;
}

/**
 * Normalises a header cell: Unicode NFKC (full-width → ASCII), BOM, `*` required-markers and a trailing
 * bracketed note such as （必填） removed, lower case, runs of spaces/hyphens/dots → `_`.
 */
export function normaliseHeader(raw: string): string {
  return raw
    .normalize('NFKC')
    .replace(/\uFEFF/g, '')
    .trim()
    .replace(/^\*+|\*+$/g, '')
    .replace(/\s*[([][^()[\]]*[)\]]\s*$/, '')
    .trim()
    .toLowerCase()
    .replace(/[\s\-.]+/g, '_');
}

/** A cell record before header mapping. */
interface CellRecord {
  line: number;
  cells: string[];
  /** XLSX: indexes of the cells stored as numbers (absent when none). */
  numeric?: number[];
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const EMPTY_ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]); // legacy .xls (and .doc)
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The source's bytes, read once: `peek` looks at the first bytes, `chunks` streams everything (peeked
 * bytes first), `drainRest` reads whatever the parser left unread (so the hash covers the whole file).
 */
class ByteSource {
  private readonly stream: Readable;
  private readonly it: AsyncIterator<Buffer | string>;
  private readonly onBytes: ((chunk: Buffer) => void) | undefined;
  private readonly peeked: Buffer[] = [];
  private ended = false;

  constructor(stream: Readable, onBytes?: (chunk: Buffer) => void) {
    this.stream = stream;
    this.it = stream.iterator({ destroyOnReturn: false });
    this.onBytes = onBytes;
  }

  private async read(): Promise<Buffer | undefined> {
    if (this.ended) return undefined;
    const r = await this.it.next();
    if (r.done) {
      this.ended = true;
      return undefined;
    }
    const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    this.onBytes?.(chunk);
    return chunk;
  }

  async peek(n: number): Promise<Buffer> {
    let have = this.peeked.reduce((s, b) => s + b.length, 0);
    while (have < n) {
      const chunk = await this.read();
      if (!chunk) break;
      this.peeked.push(chunk);
      have += chunk.length;
    }
    return Buffer.concat(this.peeked);
  }

  async *chunks(): AsyncGenerator<Buffer> {
    while (this.peeked.length > 0) yield this.peeked.shift() as Buffer;
    for (;;) {
      const chunk = await this.read();
      if (!chunk) return;
      yield chunk;
    }
  }

  async drainRest(): Promise<void> {
    this.peeked.length = 0;
    while (await this.read());
  }

  destroy(): void {
    this.stream.destroy();
  }
}

function startsWith(buf: Buffer, magic: Buffer): boolean {
  return buf.length >= magic.length && buf.subarray(0, magic.length).equals(magic);
}

function chooseFormat(
  head: Buffer,
  fileName: string | undefined,
  forced: FileFormat | undefined,
): FileFormat {
  const ext = fileName ? extname(fileName).toLowerCase() : '';
  const looksZip = startsWith(head, ZIP_MAGIC) || startsWith(head, EMPTY_ZIP_MAGIC);
  if (startsWith(head, OLE_MAGIC) || ext === '.xls') {
    throw new ImportFileError(
      'file_unsupported',
      'legacy Excel 97-2003 (.xls) files are not supported: save the sheet as .xlsx or as CSV (UTF-8)',
    );
  }
  const format: FileFormat =
    forced ?? (ext === '.xlsx' ? 'xlsx' : ext === '' ? (looksZip ? 'xlsx' : 'csv') : 'csv');
  if (format === 'xlsx' && !looksZip) {
    throw new ImportFileError('file_malformed', 'not an xlsx file: the content is not a zip archive');
  }
  if (format === 'csv' && looksZip) {
    throw new ImportFileError(
      'file_malformed',
      `the content is a zip archive (an .xlsx workbook?), not CSV text${ext ? ` although the name ends in ${ext}` : ''}`,
    );
  }
  if (!forced && format === 'csv' && !['', '.csv', '.txt', '.tsv'].includes(ext)) {
    throw new ImportFileError(
      'file_unsupported',
      `unsupported file type ${ext}: upload a .csv or .xlsx file`,
    );
  }
  return format;
}

// ---------------------------------------------------------------------------------------------- CSV

/** Length of `buf` without a trailing, incomplete UTF-8 sequence (kept for the next chunk). */
function completeLength(buf: Buffer): number {
  const len = buf.length;
  for (let back = 1; back <= 3 && back <= len; back++) {
    const b = buf[len - back] as number;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? len - back : len;
  }
  return len;
}

/** Offset of the first byte that does not start a valid UTF-8 sequence (only called on the error path). */
function firstInvalidUtf8(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i] as number;
    const n =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n === 0 || i + n > buf.length || !isUtf8(buf.subarray(i, i + n))) return i;
    i += n;
  }
  return buf.length;
}

function countNewlines(buf: Buffer, end = buf.length): number {
  let n = 0;
  let i = buf.indexOf(0x0a);
  while (i !== -1 && i < end) {
    n++;
    i = buf.indexOf(0x0a, i + 1);
  }
  return n;
}

/** Checks the bytes are UTF-8 text (no NUL, no invalid sequence) and yields them decoded, BOM removed. */
async function* utf8Text(bytes: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let carry: Buffer | undefined;
  let first = true;
  let offset = 0; // bytes checked so far
  let lines = 0; // newlines checked so far
  const take = (buf: Buffer, final: boolean): string => {
    if (first) {
      first = false;
      if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) throw utf16Error();
      if (startsWith(buf, UTF8_BOM)) {
        buf = buf.subarray(3);
        offset = 3;
      }
    }
    const cut = final ? buf.length : completeLength(buf);
    const piece = cut === buf.length ? buf : buf.subarray(0, cut);
    carry = cut < buf.length ? Buffer.from(buf.subarray(cut)) : undefined;
    checkText(piece, offset, lines);
    offset += piece.length;
    lines += countNewlines(piece);
    return piece.toString('utf8');
  };
  for await (const chunk of bytes) {
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    carry = undefined;
    if (first && buf.length < 3) {
      carry = Buffer.from(buf); // too short to tell a BOM yet
      continue;
    }
    const text = take(buf, false);
    if (text !== '') yield text;
  }
  if (carry) {
    const text = take(carry, true);
    if (text !== '') yield text;
  }
}

function utf16Error(): ImportFileError {
  return new ImportFileError(
    'file_encoding',
    'the file is UTF-16 text: save it as "CSV UTF-8 (comma delimited)" and upload again',
  );
}

function checkText(piece: Buffer, offset: number, lines: number): void {
  const nul = piece.indexOf(0);
  if (nul !== -1) {
    throw new ImportFileError(
      'file_malformed',
      `binary content (a NUL byte at byte ${offset + nul}): this is not a CSV text file`,
      lines + countNewlines(piece, nul) + 1,
    );
  }
  if (!isUtf8(piece)) {
    const at = firstInvalidUtf8(piece);
    const byte = (piece[at] ?? 0).toString(16).toUpperCase().padStart(2, '0');
    throw new ImportFileError(
      'file_encoding',
      `the file is not valid UTF-8 text (byte 0x${byte} at byte ${offset + at}); GB18030/GBK files are not ` +
        'supported: save the sheet as "CSV UTF-8 (comma delimited)" and upload again',
      lines + countNewlines(piece, at) + 1,
    );
  }
}

/** Line breaks in a record's raw text as csv-parse reports it (it keeps only the first byte of CRLF). */
function lineBreaks(raw: string): number {
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13 && raw.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
}

function csvErrorMessage(err: { code?: unknown; message: string }): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed (unclosed quote); the file ends inside it';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a character follows a closing quote inside a field (quotes in a value must be doubled: "")';
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'a character follows a closing quote inside a field';
    case 'INVALID_OPENING_QUOTE': // csv-parse names this one without its CSV_ prefix
      return 'a quote inside an unquoted field (quote the whole field and double the quote in it: "")';
    default:
      return `malformed CSV: ${err.message}`;
  }
}

async function* csvRecords(source: ByteSource): AsyncGenerator<CellRecord> {
  // Tab-separated when the first line has tabs and no commas.
  const firstLine = (await source.peek(4096)).toString('utf8').split('\n', 1)[0] ?? '';
  const text = Readable.from(utf8Text(source.chunks()), { objectMode: true });
  const delimiter = firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',';
  // Lines are counted as csv-parse produces the records (not as they are consumed), so that an error met
  // while records are still buffered names the line where the failing record starts.
  let nextLine = 1;
  const csvOptions: CsvOptions<CellRecord, { record: string[]; raw: string }> = {
    delimiter,
    raw: true,
    relax_column_count: true,
    bom: false,
    on_record: ({ record, raw }) => {
      const line = nextLine;
      nextLine += lineBreaks(raw);
      return { line, cells: record };
    },
  };
  const parser = parseCsv(csvOptions as unknown as CsvOptions); // the typings know on_record only with columns
  const done = pipeline(text, parser).catch(() => {}); // errors surface through the parser's iterator
  try {
    for await (const rec of parser as AsyncIterable<CellRecord>) yield rec;
  } catch (err) {
    if (err instanceof ImportFileError) throw err;
    // Every error of the CSV parser is the file's fault (not only those whose code starts with CSV_).
    if (err instanceof CsvError) throw new ImportFileError('file_malformed', csvErrorMessage(err), nextLine);
    throw err;
  } finally {
    text.destroy();
    parser.destroy();
    await done;
  }
}

// ---------------------------------------------------------------------------------------------- XLSX

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) {
    const iso = v.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText))
      return o.richText.map((p: { text?: unknown }) => String(p.text ?? '')).join('');
    if ('result' in o) return cellText(o.result); // formula
    if ('text' in o) return cellText(o.text); // hyperlink
    if ('error' in o) return String(o.error);
  }
  return String(v);
}

/** Whether an exceljs cell value is stored as a number in the sheet (not as text). */
function isNumberCell(v: unknown): boolean {
  if (typeof v === 'number' || v instanceof Date) return true;
  if (typeof v === 'object' && v !== null && 'result' in v)
    return isNumberCell((v as { result: unknown }).result);
  return false;
}

interface SheetInfo {
  id?: number;
  state?: string;
}

/**
 * The file's bytes as the stream exceljs reads the zip from, with a workaround for a race in exceljs 4.4
 * (exceljs#3064, #1558; unzipper#234). exceljs pipes the stream into unzipper's Parse and pauses that
 * between entries while it works on one (spooling a worksheet to a temporary file, parsing workbook.xml…).
 * But unzipper emits 'end' as soon as it has parsed the end of the archive, even while entries it has
 * already read still sit in the paused stream's buffer, and exceljs then stops listening: those entries
 * are silently lost. Workbooks that store xl/workbook.xml last (as exceljs itself writes them) then lose
 * it, and exceljs fails with "Cannot read properties of undefined (reading 'sheets')" — depending on
 * timing, i.e. now and then, more often on a busy machine. So the Parse stream is kept flowing: each
 * entry reaches exceljs' queue as soon as unzipper has it. That costs no memory: unzipper still waits
 * for an entry's data to be consumed (by exceljs or its autodrain) before it reads on.
 */
function zipInput(source: ByteSource): Readable {
  const input = Readable.from(source.chunks(), { objectMode: false });
  const pipe = input.pipe.bind(input);
  input.pipe = <T extends NodeJS.WritableStream>(dest: T, options?: { end?: boolean }): T => {
    const zip = dest as T & { pause?: unknown };
    if (typeof zip.pause === 'function') zip.pause = () => zip;
    return pipe(dest, options);
  };
  return input;
}

/**
 * A worksheet not read. One spooled to a temporary file comes with a read stream exceljs has already
 * opened: destroy it, or its descriptor stays open (exceljs deletes the file itself when it moves on).
 * One read straight from the zip is drained by exceljs.
 */
function skipSheet(sheet: unknown): void {
  const it = (sheet as { iterator?: Partial<Readable> }).iterator;
  if (typeof it?.destroy !== 'function') return;
  it.on?.('error', () => {}); // the file may be deleted before the stream got to open it: nothing to report
  it.destroy();
}

/** The temporary file exceljs spooled a worksheet to, if it did. */
function spoolFile(sheet: unknown): string | undefined {
  const path = (sheet as { iterator?: { path?: unknown } }).iterator?.path;
  return typeof path === 'string' ? path : undefined;
}

async function* xlsxRecords(source: ByteSource): AsyncGenerator<CellRecord> {
  // Loaded when a spreadsheet comes (about 0.4 s of modules that every command and start would pay otherwise).
  const { default: ExcelJS } = await import('exceljs');
  const input = zipInput(source);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  });
  // Driven by hand rather than with for-await: leaving a for-await would stop exceljs before it deletes the
  // temporary files it spools worksheets to (Excel stores the shared strings after the sheets). So the
  // workbook is always read to its end, the sheets after the first one skipped.
  const sheets = reader[Symbol.asyncIterator]();
  const spooled: string[] = [];
  const noteSpool = (sheet: unknown): void => {
    const file = spoolFile(sheet);
    if (file !== undefined) spooled.push(file);
  };
  let found = false;
  let finished = false;
  try {
    for (;;) {
      const next = await sheets.next();
      if (next.done) break;
      const sheet = next.value;
      noteSpool(sheet);
      // The first visible tab of workbook.xml when known (always, unless workbook.xml follows the sheets).
      const tabs = (reader as unknown as { model?: { sheets?: SheetInfo[] } }).model?.sheets ?? [];
      const first = tabs.find((t) => t.state !== 'hidden' && t.state !== 'veryHidden');
      const id = (sheet as unknown as SheetInfo).id;
      if (found || (first?.id !== undefined && id !== undefined && Number(id) !== first.id)) {
        skipSheet(sheet);
        continue;
      }
      found = true;
      for await (const row of sheet) {
        const values = row.values as unknown[];
        const cells: string[] = [];
        let numeric: number[] | undefined;
        for (let c = 1; c < values.length; c++) {
          const v = values[c];
          cells.push(cellText(v));
          if (isNumberCell(v)) {
            numeric ??= [];
            numeric.push(c - 1);
          }
        }
        yield numeric ? { line: row.number, cells, numeric } : { line: row.number, cells };
      }
    }
    finished = true;
  } catch (err) {
    if (err instanceof ImportFileError) throw err;
    throw new ImportFileError('file_malformed', `not a readable xlsx workbook (${(err as Error).message})`);
  } finally {
    if (!finished) {
      // Stopped early (the header was refused, a row failed…): let exceljs finish and clean up.
      try {
        for (let next = await sheets.next(); !next.done; next = await sheets.next()) {
          noteSpool(next.value);
          skipSheet(next.value);
        }
      } catch {
        // the workbook is broken: nothing more to clean
      }
    }
    input.destroy();
    // exceljs has its temporary files deleted without waiting for it (tmp closes and unlinks them in the
    // background): delete them here as well, so that none is left once parsing has settled.
    await Promise.all(spooled.map((file) => rm(file, { force: true }).catch(() => {})));
  }
  if (!found) throw new ImportFileError('file_malformed', 'not an xlsx workbook: no worksheet found');
}

// ---------------------------------------------------------------------------------------------- rows

function isBlank(cells: readonly string[]): boolean {
  return cells.every((c) => c.trim() === '');
}

async function* withHeader(
  records: AsyncIterable<CellRecord>,
  format: FileFormat,
  options: ParseRowsOptions,
): AsyncGenerator<RawRow> {
  let keys: string[] | undefined;
  let headerLine = 0;
  let dataRows = 0;
  for await (const rec of records) {
    if (isBlank(rec.cells)) continue;
    if (!keys) {
      keys = headerKeys(rec, options);
      headerLine = rec.line;
      continue;
    }
    const width = keys.length;
    if (format === 'csv' && rec.cells.length < width) {
      throw new ImportFileError(
        'file_malformed',
        `wrong number of fields: expected ${width} as in the header, got ${rec.cells.length}`,
        rec.line,
      );
    }
    if (format === 'csv' && rec.cells.slice(width).some((c) => c.trim() !== '')) {
      throw new ImportFileError(
        'file_malformed',
        `wrong number of fields: expected ${width} as in the header, got ${rec.cells.length}`,
        rec.line,
      );
    }
    const values: Record<string, string> = {};
    for (let c = 0; c < width; c++) {
      const key = keys[c] as string;
      if (key !== '') values[key] = rec.cells[c] ?? '';
    }
    dataRows++;
    let numeric: Set<string> | undefined;
    if (rec.numeric) {
      for (const c of rec.numeric) {
        const key = keys[c];
        if (!key) continue;
        numeric ??= new Set();
        numeric.add(key);
      }
    }
    yield numeric ? { line: rec.line, values, numeric } : { line: rec.line, values };
  }
  if (!keys) throw new ImportFileError('file_empty', 'the file has no header and no rows');
  if (dataRows === 0)
    throw new ImportFileError('file_empty', 'the file has a header but no data rows', headerLine);
}

function headerKeys(rec: CellRecord, options: ParseRowsOptions): string[] {
  const aliases = options.aliases ?? {};
  const seen = new Map<string, string>();
  const keys = rec.cells.map((cell) => {
    const norm = normaliseHeader(cell);
    if (norm === '') return '';
    const key = aliases[norm] ?? norm;
    const before = seen.get(key);
    if (before !== undefined) {
      throw new ImportFileError(
        'header_duplicate',
        `columns "${before}" and "${cell.trim()}" both give ${key}: keep one of them`,
        rec.line,
      );
    }
    seen.set(key, cell.trim());
    return key;
  });
  const missing = (options.required ?? []).filter((k) => !seen.has(k));
  if (missing.length > 0) {
    const labels = options.labels ?? {};
    const names = missing.map((k) => (labels[k] ? `${labels[k]} (${k})` : k)).join(', ');
    // The header as read, cut short: a header cell may be anything a file holds (one of 100 MiB was sent back whole).
    const shown = [...seen.values()].slice(0, 30).map((v) => (v.length > 40 ? `${v.slice(0, 40)}…` : v));
    const found = `${shown.join(', ')}${seen.size > 30 ? `, … (${seen.size} columns)` : ''}`;
    throw new ImportFileError(
      'header_missing',
      `missing required column${missing.length > 1 ? 's' : ''} ${names}; the header has: ${found || 'nothing'}`,
      rec.line,
    );
  }
  return keys;
}

/** What an XLSX may unpack to: a million people's sheet is about 0.5 GB of XML. */
export const XLSX_MAX_UNPACKED = 2 * 1024 ** 3;
/** Office XML compresses about 5–20 to 1; a zip bomb, thousands to 1. Parts above 16 MiB may not exceed this. */
export const XLSX_MAX_RATIO = 200;

interface ZipDirectory {
  files: { path: string; compressedSize: number; uncompressedSize: number }[];
}
/** unzipper (exceljs reads zips with it) reads a zip's central directory without inflating anything. */
const unzipper = createRequire(import.meta.url)('unzipper') as {
  Open: { file(p: string): Promise<ZipDirectory> };
};

/**
 * Refuses an XLSX whose parts would unpack to more than any real sheet (a "zip bomb": 3 MB that unpack to 3 GB
 * held the server for 20 s and 1.2 GB of memory), from the sizes in the zip's directory, before reading it.
 */
async function checkUnpackedSize(path: string): Promise<void> {
  let dir: ZipDirectory;
  try {
    dir = await unzipper.Open.file(path);
  } catch (err) {
    throw new ImportFileError('file_malformed', `not a readable xlsx workbook (${(err as Error).message})`);
  }
  let total = 0;
  for (const f of dir.files) {
    total += f.uncompressedSize;
    if (
      f.uncompressedSize > 16 * 1024 ** 2 &&
      f.uncompressedSize > XLSX_MAX_RATIO * Math.max(1, f.compressedSize)
    )
      throw new ImportFileError(
        'file_malformed',
        `the workbook's part ${f.path.slice(0, 80)} unpacks ${Math.round(f.uncompressedSize / Math.max(1, f.compressedSize))} times its size (${Math.round(f.uncompressedSize / 1024 ** 2)} MiB): not a spreadsheet a program saved; save the sheet again or export it as CSV`,
      );
  }
  if (total > XLSX_MAX_UNPACKED)
    throw new ImportFileError(
      'file_malformed',
      `the workbook unpacks to ${Math.round(total / 1024 ** 2)} MiB, more than ${XLSX_MAX_UNPACKED / 1024 ** 3} GiB: split it, or export it as CSV`,
    );
}

/**
 * The data rows of a CSV or XLSX file, streamed. `source` is a path (opened and closed here) or a Readable
 * of the file's bytes (destroyed if parsing fails or the consumer stops early). When iteration completes
 * normally every byte of the source has been read (and passed to `onBytes`).
 */
export async function* parseRows(
  source: string | Readable,
  options: ParseRowsOptions = {},
): AsyncGenerator<RawRow> {
  const stream =
    typeof source === 'string' ? createReadStream(source, { highWaterMark: 256 * 1024 }) : source;
  const fileName = options.fileName ?? (typeof source === 'string' ? source : undefined);
  const bytes = new ByteSource(stream, options.onBytes);
  let complete = false;
  try {
    const head = await bytes.peek(8);
    if (head.length === 0) throw new ImportFileError('file_empty', 'the file is empty (0 bytes)');
    const format = chooseFormat(head, fileName, options.format);
    if (format === 'xlsx' && typeof source === 'string') await checkUnpackedSize(source);
    const records = format === 'xlsx' ? xlsxRecords(bytes) : csvRecords(bytes);
    yield* withHeader(records, format, options);
    await bytes.drainRest();
    complete = true;
  } finally {
    if (!complete) bytes.destroy();
  }
}

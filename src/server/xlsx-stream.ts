/**
 * A one-sheet XLSX written as it goes: the sheet's XML is generated row by row into a zip entry that the zip
 * deflates (archiver, Node's native zlib) and streams to the client, so a million-row export keeps flat memory and
 * spends its time on the rows, not on a workbook model. The file is what spreadsheets expect of the simplest
 * workbook (ECMA-376 SpreadsheetML): numbers as numbers, text as inline strings, a bold header row, column widths.
 *
 * Why not ExcelJS's streaming writer: it builds a row model per row and kept every byte of a part in memory
 * (exceljs#2916); at 1M rows the export took 70 s where the same rows as CSV took 8 s.
 */
import { once } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import archiver from 'archiver';

export type XlsxCell = string | number | null | undefined;

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`;
const ROOT_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`;
const WORKBOOK_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`;
/** Style 0: plain; style 1: bold (the header row). */
const STYLES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`;

// Characters XML 1.0 cannot carry (C0 controls other than tab, newline and return; lone surrogates; U+FFFE/F).
const INVALID_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters XML 1.0 forbids; finding them is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const XML_SPECIAL = /[&<>"]/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Text as XML character data: special characters escaped, characters XML cannot hold dropped. */
export function xmlText(s: string): string {
  return s.replace(INVALID_XML, '').replace(XML_SPECIAL, (c) => ESCAPES[c] as string);
}

/** The most characters a cell holds (Excel's limit); longer text is cut. */
const CELL_MAX = 32_767;

/** Column letters: 0 → A, 25 → Z, 26 → AA. */
export function columnName(i: number): string {
  let n = i + 1;
  let out = '';
  while (n > 0) {
    const m = (n - 1) % 26;
    out = String.fromCharCode(65 + m) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/** A cell; `ref` is its reference with its attribute (` r="B7"`) and style (` s="1"`). Empty cells are left out. */
function cellXml(v: XlsxCell, ref: string): string {
  if (v === null || v === undefined || v === '') return '';
  if (typeof v === 'number' && Number.isFinite(v)) return `<c${ref}><v>${v}</v></c>`;
  const text = String(v);
  return `<c t="inlineStr"${ref}><is><t xml:space="preserve">${xmlText(text.length > CELL_MAX ? text.slice(0, CELL_MAX) : text)}</t></is></c>`;
}

/** Sheet names: at most 31 characters, none of : \ / ? * [ ]. */
export function sheetName(name: string): string {
  return name.replace(/[:\\/?*[\]]/g, ' ').slice(0, 31) || 'Sheet1';
}

export class XlsxStreamWriter {
  private readonly zip: archiver.Archiver;
  private readonly sheet = new PassThrough({ highWaterMark: 1 << 20 });
  private readonly out: Writable;
  private readonly gone: Promise<never>;
  private buffer: string[] = [];
  private buffered = 0;
  private rows = 0;
  private readonly columns: string[];

  /** Starts the workbook: `out` receives the zip as it is made. `widths` are column widths in characters. */
  constructor(out: Writable, o: { sheet: string; headers: readonly string[]; widths?: readonly number[] }) {
    this.out = out;
    // The client went away (or the stream failed): every wait below ends with an error instead of hanging.
    this.gone = new Promise<never>((_resolve, reject) => {
      out.once('close', () => reject(new Error('the client went away')));
    });
    this.gone.catch(() => {});
    this.zip = archiver('zip', { zlib: { level: 1 } });
    this.zip.on('warning', (err) => out.destroy(err));
    this.zip.on('error', (err) => out.destroy(err));
    this.zip.pipe(out);
    this.zip.append(CONTENT_TYPES, { name: '[Content_Types].xml' });
    this.zip.append(ROOT_RELS, { name: '_rels/.rels' });
    this.zip.append(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="${xmlText(sheetName(o.sheet))}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      { name: 'xl/workbook.xml' },
    );
    this.zip.append(WORKBOOK_RELS, { name: 'xl/_rels/workbook.xml.rels' });
    this.zip.append(STYLES, { name: 'xl/styles.xml' });
    this.zip.append(this.sheet, { name: 'xl/worksheets/sheet1.xml' });
    const widths = o.widths ?? o.headers.map((h) => Math.max(10, h.length * 2 + 4));
    const cols = widths
      .map((w, i) => `<col min="${i + 1}" max="${i + 1}" width="${w}" customWidth="1"/>`)
      .join('');
    this.push(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><cols>${cols}</cols><sheetData>`,
    );
    this.columns = o.headers.map((_h, i) => columnName(i));
    this.rows = 1;
    this.push(
      `<row r="1">${o.headers.map((h, i) => cellXml(h, ` r="${this.columns[i]}1" s="1"`)).join('')}</row>`,
    );
  }

  private push(xml: string): void {
    this.buffer.push(xml);
    this.buffered += xml.length;
  }

  /** Adds a row (flushed to the zip in chunks of about 256 KiB of XML). */
  addRow(cells: readonly XlsxCell[]): void {
    const r = ++this.rows;
    let xml = `<row r="${r}">`;
    for (let i = 0; i < cells.length; i++)
      xml += cellXml(cells[i], ` r="${this.columns[i] ?? columnName(i)}${r}"`);
    this.push(`${xml}</row>`);
  }

  /** Hands the rows so far to the zip; waits while the zip (or the client) is behind. */
  async flush(): Promise<void> {
    if (this.buffered === 0) return;
    const ok = this.sheet.write(this.buffer.join(''));
    this.buffer = [];
    this.buffered = 0;
    if (!ok) await Promise.race([once(this.sheet, 'drain'), this.gone]);
  }

  /** True when enough rows wait to be worth a flush. */
  get full(): boolean {
    return this.buffered >= 256 * 1024;
  }

  /** Ends the sheet and the zip; resolves once the whole file is written to `out`. */
  async end(): Promise<void> {
    this.push('</sheetData></worksheet>');
    await this.flush();
    this.sheet.end();
    await Promise.race([this.zip.finalize(), this.gone]);
  }

  /** Stops on a failure: the zip is aborted, so the client gets a broken file, never a short valid one. */
  abort(): void {
    this.zip.abort();
    this.out.destroy(new Error('the export failed'));
  }
}

/**
 * Exports of a whole list, filtered as on screen, streamed by the server (CSV or XLSX): rows are read a page at a
 * time (keyset) and written as they come, so memory stays flat whatever the size and nothing is cut. Every cell
 * is in words: areas by their full name (district down), codes through the shared words (domain/code-words.ts),
 * times in Beijing time. CSV is UTF-8 with a byte-order mark (Excel opens Chinese correctly); formula-like cells
 * are neutralised. The caller checks permissions and audits the export before streaming.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { Queryable } from '../db/types.ts';
import { type CodeDictionary, codeWord } from '../domain/code-words.ts';
import { areaNames } from '../modules/registry/queries.ts';
import { XlsxStreamWriter } from './xlsx-stream.ts';

export type ExportLang = 'zh' | 'en';
export type ExportFormat = 'csv' | 'xlsx';
type Cell = string | number | null | undefined;

export interface ExportContext {
  lang: ExportLang;
  /** The area's names from the district down ("船营区 北京路街道 …"); the code when unknown. */
  area: (code: string | null | undefined) => string;
  /** "2022-03-21 12:00" in Beijing time. */
  time: (at: Date | string | null | undefined) => string;
  word: (dict: CodeDictionary, code: string | null | undefined) => string;
}

export interface ExportColumn<R> {
  header: readonly [zh: string, en: string];
  value: (row: R, c: ExportContext) => Cell;
}

export interface ExportSpec<R> {
  /** The file's name (and the sheet's), in both languages. */
  name: readonly [zh: string, en: string];
  columns: readonly ExportColumn<R>[];
  /** Area codes of a row, resolved to names a page at a time. */
  areasOf?: (row: R) => readonly (string | null | undefined)[];
  /** The next page after the last row written (null: the first page); an empty page ends the export. */
  page: (last: R | null) => Promise<readonly R[]>;
}

export function beijingTime(at: Date | string | null | undefined): string {
  if (at === null || at === undefined) return '';
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (!Number.isFinite(ms)) return String(at);
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  // A cell starting like a formula is text, not something a spreadsheet runs.
  if (/^[=+\-@\t\r]/.test(s) && typeof v !== 'number') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * Waits until the client has taken what was written (or fails if it went away). The wait that did not happen is
 * taken off the stream: a million-row export waits thousands of times, and each left a listener behind.
 */
export async function drained(out: PassThrough): Promise<void> {
  const done = new AbortController();
  try {
    await Promise.race([
      once(out, 'drain', { signal: done.signal }),
      once(out, 'close', { signal: done.signal }).then(() => {
        throw new Error('the client went away');
      }),
    ]);
  } finally {
    done.abort();
  }
}

/** Streams the export as the reply. Resolves when the stream is set up; rows are written as they are read. */
export function sendExport<R>(
  reply: FastifyReply,
  db: Queryable,
  spec: ExportSpec<R>,
  format: ExportFormat,
  lang: ExportLang,
): FastifyReply {
  const names = new Map<string, string>();
  const ctx: ExportContext = {
    lang,
    area: (code) => (code ? (names.get(code) ?? code) : ''),
    time: beijingTime,
    word: (dict, code) => codeWord(dict, code, lang),
  };
  const headers = spec.columns.map((c) => c.header[lang === 'en' ? 1 : 0]);
  const title = spec.name[lang === 'en' ? 1 : 0];
  const stamp = beijingTime(new Date()).slice(0, 10);
  const file = `${title}-${stamp}.${format}`;
  reply.header(
    'content-type',
    format === 'csv'
      ? 'text/csv; charset=utf-8'
      : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  );
  reply.header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file)}`);
  reply.header('cache-control', 'no-store');
  const out = new PassThrough();

  const resolveAreas = async (rows: readonly R[]) => {
    if (!spec.areasOf) return;
    const missing = new Set<string>();
    for (const r of rows) for (const c of spec.areasOf(r)) if (c && !names.has(c)) missing.add(c);
    const list = [...missing];
    for (let i = 0; i < list.length; i += 500)
      for (const a of await areaNames(db, list.slice(i, i + 500))) names.set(a.code, a.full || a.name);
  };

  const run = async () => {
    const xlsx = format === 'xlsx' ? new XlsxStreamWriter(out, { sheet: title, headers }) : undefined;
    if (!xlsx) out.write(`\uFEFF${headers.map(csvCell).join(',')}\r\n`);
    try {
      let last: R | null = null;
      for (;;) {
        const rows = await spec.page(last);
        if (rows.length === 0) break;
        await resolveAreas(rows);
        for (const r of rows) {
          const cells = spec.columns.map((c) => c.value(r, ctx));
          if (xlsx) {
            xlsx.addRow(cells);
            if (xlsx.full) await xlsx.flush();
          } else if (!out.write(`${cells.map(csvCell).join(',')}\r\n`)) await drained(out);
        }
        last = rows[rows.length - 1] as R;
      }
      if (xlsx) await xlsx.end();
      else out.end();
    } catch (err) {
      xlsx?.abort();
      throw err;
    }
  };
  run().catch((err: unknown) => {
    // Headers are gone: the download ends short. Say so in the log; the client sees a broken file, not a
    // silently short one (the stream is destroyed, not ended).
    reply.log.error({ err }, 'export failed');
    out.destroy(err as Error);
  });
  return reply.send(out);
}

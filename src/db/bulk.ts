import { BinaryCopyWriter } from './copy-binary.ts';
import type { BulkColumn, BulkInsertOptions, Queryable, QueryResult } from './types.ts';

const IDENT = /^[a-z_][a-z0-9_]*$/;

function checkIdent(name: string): string {
  if (!IDENT.test(name)) throw new Error(`invalid SQL identifier: ${name}`);
  return name;
}

/** Builds `INSERT INTO t (a, b) SELECT * FROM unnest($1::text[], $2::int8[]) ON CONFLICT …`. */
export function unnestInsertSql(table: string, columns: readonly BulkColumn[], onConflict?: string): string {
  const names = columns.map((c) => checkIdent(c.name)).join(', ');
  const arrays = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  return `INSERT INTO ${checkIdent(table)} (${names}) SELECT * FROM unnest(${arrays})${onConflict ? ` ${onConflict}` : ''}`;
}

/** Transposes row-major rows into one array per column. */
export function toColumnArrays(
  rows: readonly unknown[][],
  width: number,
  from: number,
  to: number,
): unknown[][] {
  const cols: unknown[][] = Array.from({ length: width }, () => new Array(to - from));
  for (let r = from; r < to; r++) {
    const row = rows[r] as unknown[];
    if (row.length !== width)
      throw new Error(`bulk insert row ${r} has ${row.length} values, expected ${width}`);
    for (let c = 0; c < width; c++) (cols[c] as unknown[])[r - from] = row[c] ?? null;
  }
  return cols;
}

/** Shared chunking loop: each backend passes its own query function. */
export async function bulkInsertWith(
  query: (sql: string, params: unknown[]) => Promise<QueryResult<unknown>>,
  table: string,
  columns: readonly BulkColumn[],
  rows: readonly unknown[][],
  options: BulkInsertOptions = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  const sql = unnestInsertSql(table, columns, options.onConflict);
  const chunk = options.chunkSize ?? 5000;
  let inserted = 0;
  for (let i = 0; i < rows.length; i += chunk) {
    const end = Math.min(rows.length, i + chunk);
    const result = await query(sql, toColumnArrays(rows, columns.length, i, end));
    inserted += result.rowCount;
  }
  return inserted;
}

/**
 * Writes rows with binary COPY (the cheapest way to load many rows on both backends): the same rows and column list
 * as `bulkInsert`, encoded by each column's type. For new rows only (no ON CONFLICT); returns the rows written.
 */
export async function copyRows(
  q: Pick<Queryable, 'copyFrom'>,
  table: string,
  columns: readonly BulkColumn[],
  rows: readonly unknown[][],
): Promise<number> {
  if (rows.length === 0) return 0;
  const encoders = columns.map((c) => {
    const enc = ENCODERS[c.type];
    if (!enc) throw new Error(`copyRows cannot encode ${c.type} (column ${c.name}); use bulkInsert`);
    return enc;
  });
  const width = columns.length;
  function* chunks(): Generator<Buffer> {
    const w = new BinaryCopyWriter();
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as unknown[];
      if (row.length !== width) throw new Error(`copy row ${r} has ${row.length} values, expected ${width}`);
      w.row(width);
      for (let c = 0; c < width; c++) (encoders[c] as Encoder)(w, row[c]);
      if ((r & 4095) === 4095) yield* w.take();
    }
    yield* w.end();
  }
  const names = columns.map((c) => checkIdent(c.name)).join(', ');
  return q.copyFrom(`COPY ${checkIdent(table)} (${names}) FROM STDIN (FORMAT binary)`, chunks());
}

type Encoder = (w: BinaryCopyWriter, v: unknown) => void;
const ENCODERS: Record<string, Encoder> = {
  int2: (w, v) => w.int2(v as number | null),
  int4: (w, v) => w.int4(v as number | null),
  int8: (w, v) => w.int8(v as number | null),
  text: (w, v) => w.text(v === null || v === undefined ? null : String(v)),
  bpchar: (w, v) => w.text(v === null || v === undefined ? null : String(v)),
  bool: (w, v) => w.bool(v as boolean | null),
  date: (w, v) => w.date(v as string | Date | null),
  timestamptz: (w, v) =>
    w.timestamptz(
      v === null || v === undefined ? null : v instanceof Date ? v.getTime() : Date.parse(String(v)),
    ),
};

import type { BulkColumn, BulkInsertOptions, QueryResult } from './types.ts';

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

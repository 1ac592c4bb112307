/** Shared pieces of `Queryable.copyFrom` for both backends. */

const COPY_FROM_STDIN = /^\s*COPY\s[\s\S]*\sFROM\s+STDIN\b/i;

/** Refuses anything but a `COPY … FROM STDIN` statement (the one shape both backends can feed). */
export function checkCopySql(sql: string): void {
  if (!COPY_FROM_STDIN.test(sql))
    throw new Error(`copyFrom needs a COPY … FROM STDIN statement, got: ${sql}`);
}

const COPY_TO_STDOUT = /^\s*COPY\s[\s\S]*\sTO\s+STDOUT\b/i;

/** Refuses anything but a `COPY … TO STDOUT` statement. */
export function checkCopyToSql(sql: string): void {
  if (!COPY_TO_STDOUT.test(sql)) throw new Error(`copyTo needs a COPY … TO STDOUT statement, got: ${sql}`);
}

/** PGlite writes COPY output to its /dev/blob device instead of STDOUT. */
export function pgliteCopyToSql(sql: string): string {
  checkCopyToSql(sql);
  return sql.replace(/\sTO\s+STDOUT\b/i, " TO '/dev/blob'");
}

/** PGlite reads COPY input from its /dev/blob device instead of STDIN. */
export function pgliteCopySql(sql: string): string {
  checkCopySql(sql);
  return sql.replace(/\sFROM\s+STDIN\b/i, " FROM '/dev/blob'");
}

/** The rows COPY reports in its command tag ("COPY 123"). */
export function copiedRows(result: { rowCount?: number | null; affectedRows?: number }): number {
  return result.rowCount ?? result.affectedRows ?? 0;
}

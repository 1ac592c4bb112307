/** What the commands of `qingcang` share: the exit codes, the error that carries one, and the database. */

import { CommanderError, InvalidArgumentError } from 'commander';
import type { Db } from '../db/types.ts';
import { AppError, isDatabaseUnavailable } from '../lib/errors.ts';

export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  rejected: 3,
  conflict: 4,
  unavailable: 5,
  integrity: 6,
} as const;

export class CliError extends Error {
  readonly exitCode: number;
  constructor(exitCode: number, message: string) {
    super(message);
    this.exitCode = exitCode;
  }
}

export const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v.replaceAll('_', '').replaceAll(',', ''));
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
};

export async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const { openDb, optionsFromEnv } = await import('../db/open.ts');
  const db = await openDb(optionsFromEnv());
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/**
 * The errors of the platform's modules that a command may end with, by their `code` (or `name`): recognised
 * without loading those modules, which every command would pay for (see main.ts).
 */
const USAGE_ERRORS = new Set([
  'area_unknown', // registry/divisions.ts UnknownAreaError
  'config_invalid', // db/open.ts ConfigError
]);
const codeOf = (err: unknown): unknown => (err as { code?: unknown } | null)?.code;

/** Maps an error to its exit code and a message that says what to do next. */
export function explain(err: unknown): { code: number; message: string } {
  if (err instanceof CliError) return { code: err.exitCode, message: err.message };
  if (err instanceof CommanderError) return { code: err.exitCode === 0 ? 0 : EXIT.usage, message: '' };
  // testing/results-file.ts ResultsFileRejected: the rows that cannot be read
  if (err instanceof AppError && err.code === 'results_file_rejected') {
    const rows = (err.details as { line: number; code: string; message: string }[]).slice(0, 100);
    return {
      code: EXIT.rejected,
      message: `${err.message}\n${rows.map((r) => `  line ${r.line}: ${r.code}: ${r.message}`).join('\n')}`,
    };
  }
  if (err instanceof AppError)
    return { code: err.status === 409 ? EXIT.conflict : EXIT.usage, message: `${err.message} (${err.code})` };
  if (err instanceof Error && err.name === 'ImportFileError')
    // registry/import/parse-rows.ts
    return { code: EXIT.usage, message: `${err.message} (${String(codeOf(err))})` };
  if (err instanceof Error && codeOf(err) === 'data_dir_locked')
    // db/lock.ts DataDirLockedError
    return { code: EXIT.unavailable, message: err.message };
  if (err instanceof Error && codeOf(err) === 'registry_not_empty')
    // registry/seed-city.ts SeedConflictError
    return { code: EXIT.conflict, message: err.message };
  if (err instanceof RangeError || (err instanceof Error && USAGE_ERRORS.has(codeOf(err) as string)))
    return { code: EXIT.usage, message: err.message };
  const e = err as { code?: string; message?: string };
  if (isDatabaseUnavailable(err) || /password authentication|does not exist/.test(e?.message ?? '')) {
    return {
      code: EXIT.unavailable,
      message:
        e?.code === '57P03'
          ? `the database is starting up or recovering (${e.message}). Start again in a few seconds.`
          : `cannot reach the database (${e.message}). Check DATABASE_URL, or unset it to use the embedded database.`,
    };
  }
  return { code: EXIT.error, message: `unexpected error: ${(err as Error)?.stack ?? String(err)}` };
}

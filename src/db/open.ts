import { resolve } from 'node:path';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import type { Db } from './types.ts';

/** A configuration mistake the user must fix (wrong DATABASE_URL and the like). */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
}

export interface OpenOptions {
  /** postgres://… ; when absent, the embedded PGlite database is used. */
  databaseUrl?: string;
  /** PGlite directory; defaults to ./data. Ignored with databaseUrl. */
  dataDir?: string;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
}

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): OpenOptions {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolve(env.QINGCANG_DATA_DIR || 'data'),
  };
}

export async function openDb(options: OpenOptions = optionsFromEnv()): Promise<Db> {
  const url = options.databaseUrl;
  if (url && !/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError(
      `DATABASE_URL must start with postgres:// or postgresql://, got "${url.slice(0, 20)}…"`,
    );
  }
  const db = url ? await openPostgres(url) : await openPglite(options.dataDir ?? resolve('data'));
  if (options.migrate !== false) {
    try {
      await migrate(db);
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return db;
}

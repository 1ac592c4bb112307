import { resolve } from 'node:path';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import { withReplica } from './replica.ts';
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
  /** postgres://… of a streaming replica that serves the API's reads (src/db/replica.ts); PostgreSQL only. */
  replicaUrl?: string;
  /** Reads go back to the primary while the replica is further behind than this (ms). */
  replicaMaxLagMs?: number;
  /** Told when the replica goes out of or back into service. */
  onReplicaChange?: (up: boolean, why: string) => void;
}

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): OpenOptions {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolve(env.QINGCANG_DATA_DIR || 'data'),
  };
}

/**
 * The API server's options: those above plus the read replica (DATABASE_REPLICA_URL, QINGCANG_REPLICA_MAX_LAG_MS).
 * Other commands never read from a replica.
 */
export function serverDbOptions(env: NodeJS.ProcessEnv = process.env): OpenOptions {
  const lag = env.QINGCANG_REPLICA_MAX_LAG_MS;
  if (lag !== undefined && !/^\d+$/.test(lag))
    throw new ConfigError(`QINGCANG_REPLICA_MAX_LAG_MS must be a whole number of milliseconds, got "${lag}"`);
  return {
    ...optionsFromEnv(env),
    replicaUrl: env.DATABASE_REPLICA_URL || undefined,
    replicaMaxLagMs: lag === undefined ? undefined : Number(lag),
  };
}

export async function openDb(options: OpenOptions = optionsFromEnv()): Promise<Db> {
  const url = options.databaseUrl;
  if (url && !/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError(
      `DATABASE_URL must start with postgres:// or postgresql://, got "${url.slice(0, 20)}…"`,
    );
  }
  const replicaUrl = options.replicaUrl;
  if (replicaUrl && !url)
    throw new ConfigError(
      'DATABASE_REPLICA_URL needs DATABASE_URL: the embedded database (PGlite) has no replica; unset it or use PostgreSQL',
    );
  if (replicaUrl && !/^postgres(ql)?:\/\//.test(replicaUrl))
    throw new ConfigError(
      `DATABASE_REPLICA_URL must start with postgres:// or postgresql://, got "${replicaUrl.slice(0, 20)}…"`,
    );
  const db = url ? await openPostgres(url) : await openPglite(options.dataDir ?? resolve('data'));
  if (options.migrate !== false) {
    try {
      await migrate(db);
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  if (!replicaUrl) return db;
  // The replica is not probed: the server starts, and reads stay on the primary, while it is unreachable.
  const replica = await openPostgres(replicaUrl, { probe: false, connectionTimeoutMillis: 2000 });
  return withReplica(db, replica, { maxLagMs: options.replicaMaxLagMs, onChange: options.onReplicaChange });
}

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyOutStream, from as copyStream } from 'pg-copy-streams';
import { isDatabaseUnavailable } from '../lib/errors.ts';
import { bulkInsertWith } from './bulk.ts';
import { checkCopySql, checkCopyToSql } from './copy.ts';
import { OID, parseDate, parseInt8 } from './type-parsers.ts';
import type { BulkColumn, BulkInsertOptions, Db, Queryable, QueryResult } from './types.ts';

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === OID.INT8) return parseInt8;
    if (oid === OID.DATE) return parseDate;
    if (oid === OID.INT8_ARRAY) {
      // biome-ignore lint/suspicious/noExplicitAny: pg's TypeId enum does not list array types
      const arr = (pg.types.getTypeParser as any)(OID.INT8_ARRAY, 'text') as (v: string) => unknown[];
      return (v: string) => arr(v).map((x) => (x === null ? null : Number(x)));
    }
    // biome-ignore lint/suspicious/noExplicitAny: as text[]
    if (oid === OID.DATE_ARRAY) return (pg.types.getTypeParser as any)(1009, 'text');
    // biome-ignore lint/suspicious/noExplicitAny: pg's own overloads
    return (pg.types.getTypeParser as any)(oid, format ?? 'text');
  },
};

interface ClientLike {
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
}

/** COPY needs one connection for its whole stream: a transaction's client, or one taken from the pool. */
async function copyWith(
  client: pg.PoolClient | pg.Client,
  sql: string,
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): Promise<number> {
  checkCopySql(sql);
  const stream = client.query(copyStream(sql));
  await pipeline(Readable.from(source, { objectMode: false }), stream);
  return stream.rowCount ?? 0;
}

/** COPY … TO STDOUT on one connection, as a byte stream. */
async function* copyOutWith(client: pg.PoolClient | pg.Client, sql: string): AsyncGenerator<Buffer> {
  checkCopyToSql(sql);
  yield* client.query(copyOutStream(sql)) as AsyncIterable<Buffer>;
}

function wrap(conn: ClientLike, copy: Queryable['copyFrom'], copyOut: Queryable['copyTo']): Queryable {
  const query = async <T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> => {
    const r = await conn.query(sql, params as unknown[]);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
  };
  return {
    kind: 'postgresql',
    query,
    bulkInsert: (
      table: string,
      columns: readonly BulkColumn[],
      rows: readonly unknown[][],
      options?: BulkInsertOptions,
    ) => bulkInsertWith(query, table, columns, rows, options),
    exec: async (sql: string) => {
      await conn.query(sql);
    },
    copyFrom: copy,
    copyTo: copyOut,
  };
}

/** Errors after which a connection must not be reused. */
function isConnectionError(err: unknown): boolean {
  return err !== undefined && isDatabaseUnavailable(err);
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

/**
 * The sessions' settings: JIT compilation off. Our statements are short or are aggregations whose row estimates
 * (range joins on area codes) run far above the truth, which made PostgreSQL spend seconds compiling them: the
 * dashboard refresh at 1M people took 6.5-9.0 s with JIT and 2.2-2.7 s without, a 300-community count 1.16 s vs
 * 0.83 s. An `options` parameter in the URL is kept as given (`-c jit=on` turns it back on).
 */
export function sessionOptions(url: string): string | undefined {
  try {
    if (new URL(url).searchParams.has('options')) return undefined;
  } catch {
    // not a URL: pg reports it when it connects
  }
  return '-c jit=off';
}

export interface PostgresOptions {
  max?: number;
  /** Fail fast when the server is unreachable so the API can answer 503 instead of hanging. */
  connectionTimeoutMillis?: number;
  /** Connect once at open and fail there if the server cannot be reached (default true; a replica opens without). */
  probe?: boolean;
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
    types,
    options: sessionOptions(url),
  });
  // A client losing its server (PostgreSQL restarted: 57P01, ECONNRESET) emits 'error'. The pool listens on idle
  // clients only; a checked-out client without a listener would crash the process with an unhandled 'error'
  // event. Every client gets a listener when it connects: the query in flight fails (the API answers 503) and
  // the broken client is discarded on release.
  const broken = new WeakSet<pg.PoolClient>();
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => broken.add(client as pg.PoolClient));
  });
  /** Releases a client; one whose connection failed is destroyed rather than returned to the pool. */
  const release = (client: pg.PoolClient, err?: unknown, destroy = false) => {
    const dead = destroy || broken.has(client) || isConnectionError(err);
    client.release(dead ? (err instanceof Error ? err : true) : undefined);
  };
  // Fail at open, with the server's own message, if it cannot be reached.
  if (options.probe !== false) {
    const probe = await pool.connect();
    probe.release();
  }
  const base = wrap(
    pool,
    async (sql, source) => {
      const client = await pool.connect();
      try {
        const n = await copyWith(client, sql, source);
        release(client);
        return n;
      } catch (err) {
        release(client, err);
        throw err;
      }
    },
    async function* (sql) {
      const client = await pool.connect();
      let failure: unknown = new Error('COPY TO abandoned before its end');
      try {
        yield* copyOutWith(client, sql);
        failure = undefined;
      } catch (err) {
        failure = err;
        throw err;
      } finally {
        // A COPY abandoned half-way leaves the connection mid-protocol: it is destroyed, never reused.
        release(client, failure, failure !== undefined);
      }
    },
  );
  let closed = false;
  return {
    ...base,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let failure: unknown;
      try {
        await client.query('BEGIN');
        const result = await fn(
          wrap(
            client,
            (sql, source) => copyWith(client, sql, source),
            (sql) => copyOutWith(client, sql),
          ),
        );
        await client.query('COMMIT');
        return result;
      } catch (err) {
        failure = err;
        if (!broken.has(client) && !isConnectionError(err)) await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        release(client, failure);
      }
    },
    jobsConnection: () => ({ kind: 'postgresql', url, options: sessionOptions(url) }),
    async session<T>(fn: (conn: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        return await fn(
          wrap(
            client,
            (sql, source) => copyWith(client, sql, source),
            (sql) => copyOutWith(client, sql),
          ),
        );
      } finally {
        // Closed, never reused: what the session held (advisory locks, settings) ends with it.
        release(client, undefined, true);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
    describe: () => ({ kind: 'postgresql', location: redact(url) }),
    poolStats: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: pool.options.max ?? 10,
    }),
  };
}

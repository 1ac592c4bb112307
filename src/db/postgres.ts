import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyOutStream, from as copyStream } from 'pg-copy-streams';
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

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

export interface PostgresOptions {
  max?: number;
  /** Fail fast when the server is unreachable so the API can answer 503 instead of hanging. */
  connectionTimeoutMillis?: number;
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
    types,
  });
  // An idle client losing its server must not crash the process; the next query reports the error.
  pool.on('error', () => {});
  // Fail at open, with the server's own message, if it cannot be reached.
  const probe = await pool.connect();
  probe.release();
  const base = wrap(
    pool,
    async (sql, source) => {
      const client = await pool.connect();
      try {
        return await copyWith(client, sql, source);
      } finally {
        client.release();
      }
    },
    async function* (sql) {
      const client = await pool.connect();
      try {
        yield* copyOutWith(client, sql);
      } finally {
        client.release();
      }
    },
  );
  let closed = false;
  return {
    ...base,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
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
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
    describe: () => ({ kind: 'postgresql', location: redact(url) }),
  };
}

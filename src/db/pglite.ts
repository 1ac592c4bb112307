import { PGlite } from '@electric-sql/pglite';
import { bulkInsertWith } from './bulk.ts';
import { copiedRows, pgliteCopySql, pgliteCopyToSql } from './copy.ts';
import { lockDataDir } from './lock.ts';
import { OID, parseDate, parseInt8 } from './type-parsers.ts';
import type { BulkColumn, BulkInsertOptions, Db, Queryable, QueryResult } from './types.ts';

interface PgliteLike {
  query<T>(
    sql: string,
    params?: unknown[],
    options?: { blob?: Blob },
  ): Promise<{ rows: T[]; affectedRows?: number; fields?: readonly unknown[]; blob?: Blob }>;
  exec(sql: string): Promise<unknown>;
}

function wrap(conn: PgliteLike): Queryable {
  const query = async <T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> => {
    const r = await conn.query<T>(sql, params as unknown[]);
    // As node-postgres counts: the rows a statement returned (a SELECT, or a change with RETURNING), else the rows
    // it changed. PGlite says affectedRows 0 for a SELECT, which made `rowCount` differ between the backends.
    const returned = (r.fields?.length ?? 0) > 0;
    return { rows: r.rows, rowCount: returned ? r.rows.length : (r.affectedRows ?? r.rows.length) };
  };
  return {
    kind: 'pglite',
    query,
    bulkInsert: (
      table: string,
      columns: readonly BulkColumn[],
      rows: readonly unknown[][],
      options?: BulkInsertOptions,
    ) => bulkInsertWith(query, table, columns, rows, options),
    exec: async (sql: string) => {
      await conn.exec(sql);
    },
    copyFrom: async (sql: string, source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>) => {
      const parts: (Buffer | string)[] = [];
      for await (const chunk of source) parts.push(chunk);
      const r = await conn.query(pgliteCopySql(sql), [], {
        blob: new Blob(parts.map((c) => (typeof c === 'string' ? c : new Uint8Array(c)))),
      });
      return copiedRows(r);
    },
    copyTo: async function* (sql: string) {
      const r = await conn.query(pgliteCopyToSql(sql));
      if (r.blob) yield Buffer.from(await r.blob.arrayBuffer());
    },
  };
}

/**
 * Opens the embedded database. With a directory: persisted there and locked against a second process.
 * Without one: in memory (tests). `loadDataDir`: a new database starts as a copy of this dump (`dumpDataDir`) of
 * another, instead of an empty one (initdb is most of an in-memory open: see ./template.ts).
 */
export async function openPglite(dir?: string, options: { loadDataDir?: Blob } = {}): Promise<Db> {
  const release = dir ? await lockDataDir(dir) : undefined;
  let pg: PGlite;
  try {
    pg = await PGlite.create(dir ? `${dir}/pgdata` : undefined, {
      parsers: { [OID.INT8]: parseInt8, [OID.DATE]: parseDate },
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
  } catch (err) {
    await release?.();
    throw err;
  }
  const base = wrap(pg);
  let closed = false;
  return {
    ...base,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return pg.transaction(async (tx) => fn(wrap(tx)));
    },
    async close() {
      if (closed) return;
      closed = true;
      await pg.close();
      await release?.();
    },
    describe: () => ({ kind: 'pglite', location: dir ?? 'memory' }),
    jobsConnection: () => ({ kind: 'pglite', pglite: pg }),
    dumpDataDir: async () => (await pg.dumpDataDir('none')) as Blob,
  };
}

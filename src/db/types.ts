/** The one database interface every module uses. It hides which backend (PGlite or PostgreSQL) runs below. */

export type BackendKind = 'pglite' | 'postgresql';

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

/** A column of a bulk insert: its name and its PostgreSQL type (used to cast the unnest array). */
export interface BulkColumn {
  name: string;
  type: string; // e.g. 'text', 'int8', 'date', 'bool', 'int4', 'timestamptz', 'jsonb'
}

export interface BulkInsertOptions {
  /** Appended after the INSERT … SELECT, e.g. `ON CONFLICT (id_number) DO NOTHING`. */
  onConflict?: string;
  /** Rows per statement; defaults to 5,000. */
  chunkSize?: number;
}

export interface Queryable {
  readonly kind: BackendKind;
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /**
   * Inserts rows (each an array in column order) with `INSERT … SELECT * FROM unnest($1::type[], …)`, chunked.
   * Returns the number of rows inserted (after ON CONFLICT).
   */
  bulkInsert(
    table: string,
    columns: readonly BulkColumn[],
    rows: readonly unknown[][],
    options?: BulkInsertOptions,
  ): Promise<number>;
  /** Runs several SQL statements separated by semicolons (migrations). No parameters. */
  exec(sql: string): Promise<void>;
  /**
   * Runs `COPY … FROM STDIN …` fed with `source`'s bytes (in the format the statement names, e.g. CSV) and
   * returns the number of rows copied. On PostgreSQL the bytes stream through the COPY protocol; PGlite has no
   * STDIN, so there they are gathered into a blob and read through its /dev/blob device.
   */
  copyFrom(sql: string, source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): Promise<number>;
  /**
   * Runs `COPY … TO STDOUT …` and returns its bytes. Streamed on PostgreSQL; PGlite writes them to its /dev/blob
   * device and hands them over in one piece.
   */
  copyTo(sql: string): AsyncIterable<Buffer>;
}

export interface Db extends Queryable {
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** What the health endpoint reports. */
  describe(): { kind: BackendKind; location: string };
  /**
   * PostgreSQL: runs `fn` on a connection of its own outside any transaction, closed afterwards (so its session
   * state, such as advisory locks, ends with it). Absent on PGlite, which has one connection.
   */
  session?<T>(fn: (conn: Queryable) => Promise<T>): Promise<T>;
  /**
   * How the job queue (pg-boss, src/server/jobs.ts) reaches this database: a small pool of its own to the same
   * PostgreSQL URL, or the embedded instance itself (its one connection, shared).
   */
  jobsConnection?(): JobsConnection;
  /** PGlite: the whole database as a tar file, which `openPglite(dir, { loadDataDir })` opens as a copy. */
  dumpDataDir?(): Promise<Blob>;
  /** The connection pool's figures (PostgreSQL), for /metrics; absent on PGlite (one connection). */
  poolStats?(): PoolStats;
  /** The read replica's state and the reads it served (src/db/replica.ts); absent without a replica. */
  replicaStats?(): ReplicaStats;
}

export type JobsConnection =
  | { kind: 'postgresql'; url: string; options: string | undefined }
  | {
      kind: 'pglite';
      pglite: {
        query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
        exec(sql: string): Promise<{ rows: unknown[] }[]>;
      };
    };

export interface ReplicaStats {
  /** Whether it serves reads: reachable and no further behind than allowed. */
  up: boolean;
  /** Seconds the replica's replay is behind (0 when caught up), null before the first check or when down. */
  lagSeconds: number | null;
  /** Whether the replica really is a standby (pg_is_in_recovery); false means a read-only copy or a mistake. */
  standby: boolean | null;
  readsOnReplica: number;
  /** Reads that could have gone to the replica, answered by the primary because it could not serve. */
  readsOnPrimary: number;
  /** Reads of GET requests on the primary because their caller had just written (read-your-writes). */
  readsAfterWrite: number;
  /** Reads the replica failed or refused, answered by the primary instead. */
  fallbacks: number;
  location: string;
}

export interface PoolStats {
  /** Connections open (idle or in use). */
  total: number;
  idle: number;
  /** Callers waiting for a connection. */
  waiting: number;
  max: number;
}

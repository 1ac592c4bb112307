/**
 * Reads from a PostgreSQL streaming replica (a hot standby), writes and everything else on the primary.
 *
 * What goes to the replica: a plain read (`SELECT …` or `WITH … SELECT` with no data-modifying word, or a
 * `COPY (SELECT …) TO STDOUT` export) made outside a transaction, while a read scope is open (`replicaReads`:
 * the server opens one for each GET request whose user has not just written: src/server/read-routing.ts).
 * Everything else goes to the primary: writes, transactions, sessions, background work, and any read outside a
 * scope. A scope ends with its request, so a timer started during a request does not read from the replica after.
 *
 * When the replica cannot serve, the read goes to the primary and nobody notices but the metrics: the replica is
 * unreachable (down for `retryAfterMs`, then tried again), it lags more than `maxLagMs` behind (checked every
 * `checkEveryMs`), or it refuses the statement (a write hidden in a function: 25006 read-only transaction; a
 * query cancelled by a conflict with recovery: 40001).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { isDatabaseUnavailable } from '../lib/errors.ts';
import type { Db, ReplicaStats } from './types.ts';

/** An open read scope; `open` turns false when its request has been answered. */
export interface ReadScope {
  open: boolean;
  /** Closed from the start because its caller has just written (reads on the primary, counted apart). */
  afterWrite?: boolean;
}

const scopes = new AsyncLocalStorage<ReadScope>();

/** Runs `fn` with reads allowed on the replica while `scope.open` stays true. */
export function replicaReads<T>(scope: ReadScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

function inReadScope(): boolean {
  return scopes.getStore()?.open === true;
}
function afterWrite(): boolean {
  return scopes.getStore()?.afterWrite === true;
}

/** A statement that only reads: SELECT or WITH … SELECT without a data-modifying or locking word. */
const WRITES =
  /\b(insert|update|delete|merge|truncate|nextval|setval|set_config|pg_advisory\w*|for\s+update|for\s+share|for\s+no\s+key|for\s+key|lock|create|alter|drop|grant|refresh|call|notify|listen)\b/i;
export function isPlainRead(sql: string): boolean {
  return /^\s*(select|with)\b/i.test(sql) && !WRITES.test(sql);
}
function isExport(sql: string): boolean {
  return /^\s*copy\s*\(\s*(select|with)\b/i.test(sql) && !WRITES.test(sql.replace(/^\s*copy\b/i, ''));
}

/** SQLSTATEs after which the primary can answer the same read: read-only transaction, conflict with recovery. */
function primaryCanAnswer(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === '25006' || code === '40001' || isDatabaseUnavailable(err);
}

export interface ReplicaOptions {
  /** Reads go to the primary while the replica's replay is further behind than this (default 2,000 ms). */
  maxLagMs?: number;
  /** How often the replica's lag is measured (default 1,000 ms). */
  checkEveryMs?: number;
  /** After the replica failed, how long before it is tried again (default 5,000 ms). */
  retryAfterMs?: number;
  /** Told when the replica goes out of or back into service, with why. */
  onChange?: (up: boolean, why: string) => void;
}

/** The primary with reads routed to `replica` as described above; closing it closes both. */
export function withReplica(primary: Db, replica: Db, options: ReplicaOptions = {}): Db {
  const maxLagMs = options.maxLagMs ?? 2000;
  const retryAfterMs = options.retryAfterMs ?? 5000;
  const stats: ReplicaStats = {
    up: true,
    lagSeconds: null,
    standby: null,
    readsOnReplica: 0,
    readsOnPrimary: 0,
    readsAfterWrite: 0,
    fallbacks: 0,
    location: replica.describe().location,
  };
  // Two reasons to keep reads off the replica: it failed (until `downUntil`), or it lags. `stats.up` is "serves
  // reads": neither.
  let reachable = true;
  let downUntil = 0;
  let lagging = false;
  let over = 0;
  const update = (why: string) => {
    const up = reachable && !lagging;
    if (stats.up !== up) options.onChange?.(up, why);
    stats.up = up;
  };
  const usable = () => {
    if (!reachable && Date.now() >= downUntil) {
      reachable = true;
      update('retrying after a failure');
    }
    return stats.up;
  };
  const unreachable = (err: unknown) => {
    downUntil = Date.now() + retryAfterMs;
    stats.lagSeconds = null;
    reachable = false;
    update(`unreachable: ${(err as Error).message}`);
  };
  /** A read the replica failed or refused (the primary answers it). */
  const failed = (err: unknown) => {
    stats.fallbacks += 1;
    if (isDatabaseUnavailable(err)) unreachable(err);
  };

  const check = async () => {
    try {
      const r = await replica.query<{ standby: boolean; lag: number | string | null }>(
        `SELECT pg_is_in_recovery() AS standby,
                CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                     ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END AS lag`,
      );
      const row = r.rows[0];
      stats.standby = row?.standby ?? null;
      stats.lagSeconds = Number(row?.lag ?? 0);
      // Behind only when two checks in a row say so: after a quiet spell the first record to arrive shows the age
      // of the last replayed transaction (seconds) until it is replayed a few milliseconds later.
      over = stats.lagSeconds * 1000 > maxLagMs ? over + 1 : 0;
      lagging = over >= 2;
      // Answering the check is being reachable again, whatever the retry pause had left.
      reachable = true;
      update(lagging ? `${stats.lagSeconds.toFixed(1)} s behind` : 'reachable and caught up');
    } catch (err) {
      if (isDatabaseUnavailable(err)) unreachable(err);
    }
  };
  const timer = setInterval(() => void check(), options.checkEveryMs ?? 1000);
  timer.unref();
  void check();

  return {
    ...primary,
    async query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]) {
      if (!inReadScope() || !isPlainRead(sql)) {
        if (afterWrite() && isPlainRead(sql)) stats.readsAfterWrite += 1;
        return primary.query<T>(sql, params);
      }
      if (usable()) {
        try {
          const r = await replica.query<T>(sql, params);
          stats.readsOnReplica += 1;
          return r;
        } catch (err) {
          if (!primaryCanAnswer(err)) throw err;
          failed(err);
        }
      }
      stats.readsOnPrimary += 1;
      return primary.query<T>(sql, params);
    },
    async *copyTo(sql: string) {
      if (!inReadScope() || !isExport(sql)) {
        yield* primary.copyTo(sql);
        return;
      }
      if (usable()) {
        let sent = false;
        try {
          for await (const chunk of replica.copyTo(sql)) {
            sent = true;
            yield chunk;
          }
          stats.readsOnReplica += 1;
          return;
        } catch (err) {
          // Half an export cannot be finished from elsewhere: only a failure before the first bytes falls back.
          if (sent || !primaryCanAnswer(err)) throw err;
          failed(err);
        }
      }
      stats.readsOnPrimary += 1;
      yield* primary.copyTo(sql);
    },
    async close() {
      clearInterval(timer);
      await Promise.all([replica.close(), primary.close()]);
    },
    replicaStats: () => ({ ...stats }),
  };
}

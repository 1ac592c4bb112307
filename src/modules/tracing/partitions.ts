/**
 * The tracing feeds' day partitions (migration 0034): `checkins` by check-in time, `colocations` by the interval's
 * start, one partition per day in Beijing time, and a DEFAULT partition for a day that has none.
 *
 * `ensureFeedPartitions` creates the days from `back` days ago to `ahead` days on (the `feed-partitions` job runs
 * it every hour, so a day's partition exists before its first row); `dropExpiredFeedPartitions` drops the days
 * wholly older than the retention (QINGCANG_FEED_RETENTION_DAYS; unset keeps everything) and deletes the
 * default partition's rows older than it.
 */
import type { Queryable } from '../../db/types.ts';

export const FEEDS = ['checkins', 'colocations'] as const;
export type Feed = (typeof FEEDS)[number];

const DAY_MS = 86_400_000;

/** YYYY-MM-DD of the Beijing day `offset` days from `now`'s. */
function dayFrom(now: Date, offset: number): string {
  return new Date(now.getTime() + 8 * 3_600_000 + offset * DAY_MS).toISOString().slice(0, 10);
}

/** Creates the feeds' partitions of the days around `now` that are missing; returns how many it created. */
export async function ensureFeedPartitions(
  db: Queryable,
  now: Date,
  o: { back?: number; ahead?: number } = {},
): Promise<number> {
  const days: string[] = [];
  for (let d = -(o.back ?? 1); d <= (o.ahead ?? 7); d++) days.push(dayFrom(now, d));
  return ensureFeedDays(db, days);
}

/** Creates the feeds' partitions of these days (YYYY-MM-DD) where missing; returns how many it created. */
export async function ensureFeedDays(db: Queryable, days: readonly string[]): Promise<number> {
  if (days.length === 0) return 0;
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*) FILTER (WHERE feed_partition_for(f, d::date))::int AS n
       FROM unnest($1::text[]) f CROSS JOIN unnest($2::text[]) d`,
    [FEEDS, days],
  );
  return rows[0]?.n ?? 0;
}

export interface FeedPartition {
  feed: Feed;
  /** YYYY-MM-DD (Beijing), or null for the DEFAULT partition */
  day: string | null;
  name: string;
}

/** The feeds' partitions, days in order, the DEFAULT partitions last. */
export async function feedPartitions(db: Queryable): Promise<FeedPartition[]> {
  const { rows } = await db.query<{ parent: Feed; name: string }>(
    `SELECT p.relname AS parent, c.relname AS name
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = ANY($1::text[]) AND p.relnamespace = 'public'::regnamespace
      ORDER BY p.relname, c.relname`,
    [FEEDS],
  );
  return rows
    .map((r) => {
      const m = /_(\d{4})(\d{2})(\d{2})$/.exec(r.name);
      return { feed: r.parent, name: r.name, day: m ? `${m[1]}-${m[2]}-${m[3]}` : null };
    })
    .sort((a, b) => a.feed.localeCompare(b.feed) || (a.day ?? '9999').localeCompare(b.day ?? '9999'));
}

/**
 * Drops the day partitions older than `retentionDays` before `now`'s day, and deletes the DEFAULT partitions'
 * rows older than that. Returns the partitions dropped and the default rows deleted.
 */
export async function dropExpiredFeedPartitions(
  db: Queryable,
  now: Date,
  retentionDays: number,
): Promise<{ dropped: string[]; deleted: number }> {
  const firstKept = dayFrom(now, -retentionDays);
  const dropped: string[] = [];
  for (const p of await feedPartitions(db)) {
    if (p.day === null || p.day >= firstKept) continue;
    // The name comes from the catalogue and matches <feed>_YYYYMMDD: safe to put in the statement.
    await db.query(`DROP TABLE IF EXISTS ${p.name}`);
    dropped.push(p.name);
  }
  const cutoff = new Date(`${firstKept}T00:00:00+08:00`);
  const a = await db.query('DELETE FROM checkins_default WHERE at < $1', [cutoff]);
  const b = await db.query('DELETE FROM colocations_default WHERE starts_at < $1', [cutoff]);
  return { dropped, deleted: (a.rowCount ?? 0) + (b.rowCount ?? 0) };
}

/** QINGCANG_FEED_RETENTION_DAYS: days of feeds kept (at least 14, the longest look-back); unset keeps all. */
export function feedRetentionDays(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.QINGCANG_FEED_RETENTION_DAYS;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 14 || n > 3650)
    throw new Error(
      `QINGCANG_FEED_RETENTION_DAYS must be a whole number of days from 14 (the longest contact look-back) to 3650 (got ${raw})`,
    );
  return n;
}

/**
 * Upkeep the embedded database does not do for itself: PGlite runs no autovacuum (it reports `autovacuum = on`,
 * but no background worker exists), so without this its tables never get planner statistics (a new partition is
 * planned as if empty), BRIN indexes are never summarised (a day's count reads the whole table) and dead rows are
 * never reclaimed. `embeddedMaintenance` does what autovacuum would: ANALYZE, summarise the BRIN indexes' new
 * ranges and, when asked, VACUUM. PostgreSQL's own autovacuum does all of it there; the job runs on PGlite only.
 */
import type { Db } from './types.ts';

export interface MaintenanceResult {
  seconds: number;
  /** BRIN ranges summarised */
  brinRanges: number;
  vacuumed: boolean;
}

export async function embeddedMaintenance(db: Db, o: { vacuum: boolean }): Promise<MaintenanceResult> {
  const t0 = performance.now();
  if (o.vacuum) await db.exec('VACUUM');
  await db.exec('ANALYZE');
  const { rows } = await db.query<{ n: number }>(
    `SELECT coalesce(sum(brin_summarize_new_values(c.oid)), 0)::int AS n
       FROM pg_class c JOIN pg_am am ON am.oid = c.relam
      WHERE am.amname = 'brin' AND c.relkind = 'i' AND c.relnamespace = 'public'::regnamespace`,
  );
  return { seconds: (performance.now() - t0) / 1000, brinRanges: rows[0]?.n ?? 0, vacuumed: o.vacuum };
}

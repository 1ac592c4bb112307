/**
 * The daily report as issued (每日通报的发布): at each Beijing day's close, a job (src/server/workers.ts) computes
 * the report of the day that ended for the whole installation and for every province, city, district and street, and
 * keeps it unchanged (table issued_daily_reports). Two things follow:
 * - a past day's report carries that day's resources: rooms and beds, emergencies waiting, supplies late and short
 *   are states the database keeps only as of now, so a report computed later would show later figures;
 * - what was published can be shown again exactly as it was, even after late corrections (a case reclassified,
 *   a result corrected), which the live report of that day shows instead.
 * Communities (and the grid below them) have no issued report: theirs is computed when asked, and says so. A street's
 * report takes about 20 ms at 1M people (a city's 50 ms), so the 150 streets of a city of 4M add a few seconds a
 * day; a city's thousands of communities would add thousands of stored reports a day for figures of a few people.
 */

import type { Db, Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import type { Scope } from '../access/scope.ts';
import { beijingToday, type DailyReport, dailyReport } from './daily-report.ts';

/** Minutes after midnight (Beijing) before the day that ended is issued: late results of the day are traced. */
export const ISSUE_GRACE_MINUTES = 5;

/** The day before `date` (YYYY-MM-DD). */
export function dayBefore(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** Deepest level of area that gets an issued report: 4, the street (街道/乡镇). */
export const ISSUED_REPORT_MAX_LEVEL = 4;

/**
 * The jurisdictions that get an issued report: the whole installation ('') and every province, city, district and
 * street.
 */
async function issuingScopes(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ code: string }>(
    'SELECT code FROM areas WHERE level <= $1 ORDER BY code',
    [ISSUED_REPORT_MAX_LEVEL],
  );
  return ['', ...rows.map((r) => r.code)];
}

export interface IssueRun {
  /** The day issued (the day that ended), or null when it is too early after midnight. */
  day: string | null;
  /** Reports issued by this run (0 when every jurisdiction's was already issued). */
  issued: number;
}

/**
 * Issues the report of the day that ended (Beijing), for every jurisdiction that has none yet; a later run
 * issues only what is missing, and an issued report is never rewritten. Only the day just ended is issued: a
 * report issued days late would carry later resources under an earlier date. Each report is computed in a
 * snapshot of its own and written whole, so a run stopped half way leaves whole reports and the next run issues
 * the rest.
 */
export async function issueDailyReports(db: Db, clock: Clock): Promise<IssueRun> {
  const now = clock.now();
  const minutesIntoDay = ((now.getTime() + 8 * 3_600_000) % 86_400_000) / 60_000;
  if (minutesIntoDay < ISSUE_GRACE_MINUTES) return { day: null, issued: 0 };
  const day = dayBefore(beijingToday(now));
  const done = await db.query<{ scope_prefix: string }>(
    'SELECT scope_prefix FROM issued_daily_reports WHERE day = $1',
    [day],
  );
  const have = new Set(done.rows.map((r) => r.scope_prefix));
  let issued = 0;
  for (const prefix of await issuingScopes(db)) {
    if (have.has(prefix)) continue;
    // One snapshot per report: its dozen queries all see the database as it was at the first, while the tracing
    // worker and the users go on writing. Written after, on its own: a second process issuing the same report
    // at once then finds it there (ON CONFLICT), instead of failing its snapshot.
    const report = await db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return dailyReport(tx, { prefix }, day, now);
    });
    const written = await db.query(
      `INSERT INTO issued_daily_reports (day, scope_prefix, issued_at, report) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [day, prefix, now, JSON.stringify({ ...report, issued_at: now.toISOString() })],
    );
    issued += written.rowCount ?? 0;
  }
  return { day, issued };
}

/**
 * The report of `date` for this jurisdiction, as the API and the CLI give it: for a past day, the one issued at
 * its close when there is one (`basis` 'issued'); otherwise, or with `basis` 'live', computed now.
 */
export async function reportOfDay(
  db: Queryable,
  scope: Scope,
  date: string,
  now: Date,
  basis: 'issued' | 'live',
): Promise<DailyReport> {
  const issued = basis === 'issued' && date < beijingToday(now) ? await issuedReport(db, scope, date) : null;
  return issued ?? (await dailyReport(db, scope, date, now));
}

/** The report of `date` as issued for exactly this jurisdiction, or null when none was. */
export async function issuedReport(db: Queryable, scope: Scope, date: string): Promise<DailyReport | null> {
  const { rows } = await db.query<{ report: DailyReport }>(
    'SELECT report FROM issued_daily_reports WHERE day = $1 AND scope_prefix = $2',
    [date, scope.prefix],
  );
  return rows[0]?.report ?? null;
}

export interface IssuedEntry {
  date: string;
  area: { code: string; name: string };
  issued_at: string;
}

/** The reports issued for this jurisdiction, newest first (`days` of them at most). */
export async function issuedReports(db: Queryable, scope: Scope, days = 60): Promise<IssuedEntry[]> {
  const { rows } = await db.query<{ date: string; area: { code: string; name: string }; issued_at: Date }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS date, report->'area' AS area, issued_at
       FROM issued_daily_reports WHERE scope_prefix = $1 ORDER BY day DESC LIMIT $2`,
    [scope.prefix, days],
  );
  return rows.map((r) => ({ date: r.date, area: r.area, issued_at: r.issued_at.toISOString() }));
}

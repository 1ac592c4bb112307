/**
 * The dashboard's figures (指挥大屏), pre-aggregated so that a wall of screens refreshing every few seconds costs
 * the database almost nothing:
 * - `refreshDashboard` recomputes, set-based, every figure per exact area code from the modules' tables, rolls
 *   them up to every level of the area hierarchy (grid → community → street → district → city → province →
 *   everything), and replaces the snapshot in one transaction (readers see the old one or the new one);
 * - `DashboardStore` keeps the latest snapshot in the process's memory, checks at most every `checkEveryMs`
 *   whether a newer one exists (one tiny query), and answers every request from memory.
 * Figures are counts (they add up the hierarchy) except the clocks (medians, computed per area directly).
 */
import type { Db, Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { forcesFigureRows } from '../forces/figures.ts';
import { siteInService, siteTakesPeople, waitingForPlace } from '../isolation/waiting.ts';
import { medicalFigureRows } from '../medical/emergency-clock.ts';
import { atRisk } from '../registry/risk.ts';
import { supplyFigureRows } from '../supplies/figures.ts';

const REFRESH_LOCK = 7263013;
export const SERIES_DAYS = 30;
const LEVELS = 'ARRAY[0, 2, 4, 6, 9, 12, 15]';
/** Beijing calendar day of a timestamptz column, the same on PostgreSQL and PGlite (no time-zone database needed). */
const day = (col: string) => `((${col} AT TIME ZONE 'UTC') + interval '8 hours')::date`;
/** Every prefix of an area code that is an area (and '' for everything). */
const rollup = (col: string) =>
  `CROSS JOIN LATERAL (SELECT left(${col}, l) AS area FROM unnest(${LEVELS}) AS l WHERE l <= length(${col})) up`;

export type Figures = Record<string, number>;

/** Start of the Beijing calendar day containing `now`. */
export function beijingDayStart(now: Date): Date {
  const d = new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  return new Date(`${d}T00:00:00+08:00`);
}

export async function refreshDashboard(db: Db, clock: Clock): Promise<{ areas: number; ms: number }> {
  const t0 = performance.now();
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [REFRESH_LOCK]);
    const now = clock.now();
    const today = beijingDayStart(now);
    const since = new Date(today.getTime() - (SERIES_DAYS - 1) * 86_400_000);
    await tx.query('DELETE FROM dashboard_figures');
    await tx.query('DELETE FROM dashboard_series');
    // $1 start of today, $2 now.
    const figures = await tx.query(
      `WITH raw (area_code, k, n) AS (
         SELECT area_code, 'population', count(*) FROM persons WHERE purged_at IS NULL GROUP BY 1
         UNION ALL
         SELECT p.area_code, 'status_' || p_risk.risk_status, count(*) FROM ${atRisk('p')}
          WHERE p_risk.risk_status <> 'none' GROUP BY 1, 2
         UNION ALL
         SELECT area_code, 'cases', count(*) FROM cases GROUP BY 1
         UNION ALL
         SELECT area_code, 'cases_' || severity, count(*) FROM cases GROUP BY 1, 2
         UNION ALL
         SELECT area_code, 'cases_today', count(*) FROM cases WHERE found_at >= $1 GROUP BY 1
         UNION ALL
         SELECT area_code, 'asymptomatic_today', count(*) FROM cases WHERE found_at >= $1 AND severity = 'asymptomatic' GROUP BY 1
         UNION ALL
         SELECT area_code, 'reclassified_today', count(*) FROM cases WHERE reclassified_at >= $1 GROUP BY 1
         UNION ALL
         SELECT area_code, 'positives_today', count(*) FROM events
          WHERE type = 'testing.person_positive' AND occurred_at >= $1 GROUP BY 1
         UNION ALL
         SELECT area_code, 'found_today_' || (payload ->> 'status'), count(*) FROM events
          WHERE type = 'tracing.risk_person_found' AND occurred_at >= $1 GROUP BY 1, 2
         UNION ALL
         SELECT p.area_code, CASE pl.status WHEN 'placed' THEN 'awaiting_transfer_' ELSE 'isolated_' END || pl.category
                || CASE WHEN pl.bed_id IS NULL THEN '' ELSE '_hospital' END, count(*)
           FROM placements pl JOIN persons p ON p.id = pl.person_id WHERE pl.status IN ('placed', 'arrived') GROUP BY 1, 2
         UNION ALL
         SELECT p.area_code, 'placed_today', count(*) FROM placements pl JOIN persons p ON p.id = pl.person_id
          WHERE pl.placed_at >= $1 GROUP BY 1
         UNION ALL
         SELECT p.area_code, 'arrived_today', count(*) FROM placements pl JOIN persons p ON p.id = pl.person_id
          WHERE pl.arrived_at >= $1 GROUP BY 1
         UNION ALL
         SELECT p.area_code, 'released_today', count(*) FROM placements pl JOIN persons p ON p.id = pl.person_id
          WHERE pl.released_at >= $1 AND pl.release_kind IN ('released', 'discharged') GROUP BY 1
         UNION ALL
         SELECT p.area_code, 'due_today', count(*) FROM placements pl JOIN persons p ON p.id = pl.person_id
          WHERE pl.status = 'arrived' AND pl.due_at < $1::timestamptz + interval '1 day' GROUP BY 1
         UNION ALL
         SELECT p.area_code, CASE WHEN p_risk.risk_status_at < $2::timestamptz - interval '24 hours' THEN 'waiting_over_24h' ELSE 'waiting' END, count(*)
           FROM ${atRisk('p')}
          WHERE ${waitingForPlace('p')}
          GROUP BY 1, 2
         UNION ALL
         SELECT area_code, 'home_' || kind || '_' || category, count(*) FROM home_stays WHERE status = 'active' GROUP BY 1, 2
         UNION ALL
         SELECT area_code, 'tasks_open', count(*) FROM tasks WHERE status = 'open' GROUP BY 1
         UNION ALL
         SELECT area_code, 'tasks_overdue', count(*) FROM tasks WHERE status = 'open' AND due_at < $2 GROUP BY 1
         UNION ALL
         -- 就医 (medical/emergency-clock.ts: the same definitions as the daily report's).
         ${medicalFigureRows('$1', "$1::timestamptz + interval '1 day'", '$2')}
         UNION ALL
         -- 保供 (supplies/figures.ts: the same definitions as the daily report's).
         ${supplyFigureRows('$1', "$1::timestamptz + interval '1 day'", '$2::timestamptz')}
         UNION ALL
         -- 力量调配 (forces/figures.ts: the same definitions as the daily report's).
         ${forcesFigureRows('$1::timestamptz', "$1::timestamptz + interval '1 day'", '$2::timestamptz')}
         UNION ALL
         -- Environmental disinfection (disinfection/lists.ts: the same definitions as the daily report's).
         SELECT area_code, 'disinfections_due_today', count(*) FROM tasks
          WHERE kind = 'env_disinfection' AND status <> 'cancelled' AND due_at > $1 AND due_at <= $1::timestamptz + interval '1 day' GROUP BY 1
         UNION ALL
         SELECT area_code, 'disinfections_done_today', count(*) FROM disinfections
          WHERE done_at >= $1 AND done_at < $1::timestamptz + interval '1 day' GROUP BY 1
         UNION ALL
         SELECT area_code, 'disinfections_late', count(*) FROM tasks
          WHERE kind = 'env_disinfection' AND status <> 'cancelled' AND due_at < $2 AND (status = 'open' OR done_at > $2) GROUP BY 1
         UNION ALL
         -- Units of sites in service; a unit is free ('available') only where the site takes people now.
         SELECT s.area_code, 'rooms_' || r.status, count(*) FROM rooms r JOIN sites s ON s.id = r.site_id
          WHERE ${siteInService('s')} AND (r.status <> 'available' OR ${siteTakesPeople('s')}) GROUP BY 1, 2
         UNION ALL
         SELECT s.area_code, 'rooms_freed_today', count(*) FROM rooms r JOIN sites s ON s.id = r.site_id
          WHERE r.status = 'available' AND r.vacated_at >= $1 GROUP BY 1
         UNION ALL
         SELECT s.area_code, 'beds_' || s.kind || '_' || b.status, count(*) FROM beds b JOIN sites s ON s.id = b.site_id
          WHERE ${siteInService('s')} AND (b.status <> 'available' OR ${siteTakesPeople('s')}) GROUP BY 1, 2
       ), rolled AS (
         SELECT up.area, raw.k, sum(raw.n)::int8 AS n FROM raw ${rollup('raw.area_code')} GROUP BY 1, 2
       )
       INSERT INTO dashboard_figures (area_code, figures)
       SELECT area, jsonb_object_agg(k, n) FROM rolled GROUP BY area`,
      [today, now],
    );
    // Clocks of today's placements and arrivals: medians in minutes, per area directly (medians do not add up).
    await tx.query(
      `WITH t AS (
         SELECT p.area_code, extract(epoch FROM pl.placed_at - pl.found_at) / 60 AS found_to_placed,
                extract(epoch FROM pl.arrived_at - pl.placed_at) / 60 AS placed_to_arrived
           FROM placements pl JOIN persons p ON p.id = pl.person_id
          WHERE pl.placed_at >= $1 OR pl.arrived_at >= $1
       ), c AS (
         SELECT up.area,
                round(percentile_cont(0.5) WITHIN GROUP (ORDER BY t.found_to_placed))::int8 AS p50_found_to_placed_min,
                round(percentile_cont(0.9) WITHIN GROUP (ORDER BY t.found_to_placed))::int8 AS p90_found_to_placed_min,
                round(percentile_cont(0.5) WITHIN GROUP (ORDER BY t.placed_to_arrived))::int8 AS p50_placed_to_arrived_min,
                round(percentile_cont(0.9) WITHIN GROUP (ORDER BY t.placed_to_arrived))::int8 AS p90_placed_to_arrived_min
           FROM t ${rollup('t.area_code')} GROUP BY 1
       )
       UPDATE dashboard_figures f SET figures = f.figures || jsonb_strip_nulls(jsonb_build_object(
                'p50_found_to_placed_min', c.p50_found_to_placed_min, 'p90_found_to_placed_min', c.p90_found_to_placed_min,
                'p50_placed_to_arrived_min', c.p50_placed_to_arrived_min, 'p90_placed_to_arrived_min', c.p90_placed_to_arrived_min))
         FROM c WHERE f.area_code = c.area`,
      [today],
    );
    // $1 first day kept.
    await tx.query(
      `WITH raw (area_code, d, k, n) AS (
         SELECT area_code, ${day('found_at')}, 'cases', count(*) FROM cases WHERE found_at >= $1 GROUP BY 1, 2
         UNION ALL
         SELECT area_code, ${day('found_at')}, 'asymptomatic', count(*) FROM cases
          WHERE found_at >= $1 AND severity = 'asymptomatic' GROUP BY 1, 2
         UNION ALL
         SELECT area_code, ${day('occurred_at')}, 'found_' || (payload ->> 'status'), count(*) FROM events
          WHERE type = 'tracing.risk_person_found' AND occurred_at >= $1 GROUP BY 1, 2, 3
         UNION ALL
         SELECT area_code, ${day('occurred_at')}, 'positives', count(*) FROM events
          WHERE type = 'testing.person_positive' AND occurred_at >= $1 GROUP BY 1, 2
         UNION ALL
         SELECT p.area_code, ${day('pl.placed_at')}, 'placed', count(*) FROM placements pl JOIN persons p ON p.id = pl.person_id
          WHERE pl.placed_at >= $1 GROUP BY 1, 2
         UNION ALL
         SELECT p.area_code, ${day('pl.arrived_at')}, 'arrived', count(*) FROM placements pl JOIN persons p ON p.id = pl.person_id
          WHERE pl.arrived_at >= $1 GROUP BY 1, 2
         UNION ALL
         SELECT p.area_code, ${day('pl.released_at')}, 'released', count(*) FROM placements pl JOIN persons p ON p.id = pl.person_id
          WHERE pl.released_at >= $1 AND pl.release_kind IN ('released', 'discharged') GROUP BY 1, 2
       ), rolled AS (
         SELECT up.area, raw.d, raw.k, sum(raw.n)::int8 AS n FROM raw ${rollup('raw.area_code')} GROUP BY 1, 2, 3
       )
       INSERT INTO dashboard_series (area_code, day, figures)
       SELECT area, d, jsonb_object_agg(k, n) FROM rolled GROUP BY area, d`,
      [since],
    );
    const ms = Math.round(performance.now() - t0);
    await tx.query(
      `INSERT INTO dashboard_snapshot (id, computed_at, took_ms) VALUES (1, $1, $2)
       ON CONFLICT (id) DO UPDATE
         SET version = dashboard_snapshot.version + 1, computed_at = EXCLUDED.computed_at, took_ms = EXCLUDED.took_ms`,
      [now, ms],
    );
    return { areas: figures.rowCount, ms };
  });
}

export interface Snapshot {
  version: number;
  computedAt: Date;
  tookMs: number;
  figures: ReadonlyMap<string, Figures>;
  /** Daily series per area, days ascending. */
  series: ReadonlyMap<string, { day: string; figures: Figures }[]>;
  /** Child area codes (with figures) per area code. */
  children: ReadonlyMap<string, string[]>;
  names: ReadonlyMap<string, string>;
}

/** Area code → its parent in the hierarchy ('' above provinces). */
function parentOf(code: string): string {
  const lengths = [0, 2, 4, 6, 9, 12, 15];
  const i = lengths.indexOf(code.length);
  return code.slice(0, lengths[Math.max(0, i - 1)]);
}

async function loadSnapshot(q: Queryable): Promise<Snapshot | null> {
  const meta = await q.query<{ version: number; computed_at: Date; took_ms: number }>(
    'SELECT version, computed_at, took_ms FROM dashboard_snapshot WHERE id = 1',
  );
  const m = meta.rows[0];
  if (!m) return null;
  const f = await q.query<{ area_code: string; figures: Figures; name: string | null }>(
    `SELECT f.area_code, f.figures, a.name FROM dashboard_figures f LEFT JOIN areas a ON a.code = f.area_code`,
  );
  const s = await q.query<{ area_code: string; day: string; figures: Figures }>(
    'SELECT area_code, day, figures FROM dashboard_series ORDER BY area_code, day',
  );
  const figures = new Map<string, Figures>();
  const names = new Map<string, string>();
  const children = new Map<string, string[]>();
  for (const r of f.rows) {
    figures.set(r.area_code, r.figures);
    if (r.name) names.set(r.area_code, r.name);
    if (r.area_code !== '') {
      const p = parentOf(r.area_code);
      const list = children.get(p);
      if (list) list.push(r.area_code);
      else children.set(p, [r.area_code]);
    }
  }
  for (const list of children.values()) list.sort();
  const series = new Map<string, { day: string; figures: Figures }[]>();
  for (const r of s.rows) {
    const list = series.get(r.area_code);
    const item = { day: r.day, figures: r.figures };
    if (list) list.push(item);
    else series.set(r.area_code, [item]);
  }
  return {
    version: m.version,
    computedAt: m.computed_at,
    tookMs: m.took_ms,
    figures,
    series,
    children,
    names,
  };
}

/**
 * The latest snapshot in memory. `get()` costs no query while the snapshot is younger than `checkEveryMs`; then
 * one query asks whether a newer one exists, and only a newer one is loaded. Concurrent callers share one load.
 * With no snapshot at all (a fresh database), the first caller computes one.
 */
export class DashboardStore {
  private current: Snapshot | null = null;
  private checkedAt = 0;
  private pending: Promise<Snapshot> | null = null;
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly checkEveryMs: number;

  constructor(db: Db, clock: Clock, checkEveryMs = 2000) {
    this.db = db;
    this.clock = clock;
    this.checkEveryMs = checkEveryMs;
  }

  async get(): Promise<Snapshot> {
    const now = Date.now();
    if (this.current && now - this.checkedAt < this.checkEveryMs) return this.current;
    this.pending ??= this.reload().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** Forget the snapshot (after a refresh in this process, so the next read sees it at once). */
  invalidate(): void {
    this.checkedAt = 0;
  }

  private async reload(): Promise<Snapshot> {
    const meta = await this.db.query<{ version: number }>(
      'SELECT version FROM dashboard_snapshot WHERE id = 1',
    );
    const version = meta.rows[0]?.version;
    if (version !== undefined && this.current?.version === version) {
      this.checkedAt = Date.now();
      return this.current;
    }
    if (version === undefined) await refreshDashboard(this.db, this.clock);
    const snap = await loadSnapshot(this.db);
    if (!snap) throw new Error('the dashboard snapshot vanished while loading');
    this.current = snap;
    this.checkedAt = Date.now();
    return snap;
  }
}

/** The 清仓 funnel of an area from its figures: found → placed → transferred (arrived) → released → room freed. */
export function funnel(f: Figures): {
  stages: { key: string; today: number; now: number | null }[];
  clocks: Figures;
} {
  const sum = (prefix: string) =>
    Object.entries(f)
      .filter(([k]) => k.startsWith(prefix))
      .reduce((a, [, n]) => a + n, 0);
  const pick = (k: string) => f[k] ?? 0;
  return {
    stages: [
      {
        key: 'found',
        today:
          pick('cases_today') + pick('found_today_close_contact') + pick('found_today_secondary_contact'),
        now: pick('waiting') + pick('waiting_over_24h'),
      },
      { key: 'placed', today: pick('placed_today'), now: sum('awaiting_transfer_') },
      { key: 'isolated', today: pick('arrived_today'), now: sum('isolated_') },
      { key: 'released', today: pick('released_today'), now: pick('due_today') },
      {
        key: 'room_freed',
        today: pick('rooms_freed_today'),
        now: pick('rooms_awaiting_disinfection') + pick('rooms_disinfecting'),
      },
    ],
    clocks: Object.fromEntries(Object.entries(f).filter(([k]) => k.endsWith('_min'))),
  };
}

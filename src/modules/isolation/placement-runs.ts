/**
 * Placement runs (安置): one run of the placement engine over a jurisdiction's backlog (./place-backlog.ts), in
 * one transaction with its audit entry and its record in placement_runs — whether a dispatcher asked for it
 * ("place now", POST /isolation/place) or the auto-placement job did.
 *
 * Auto placement (自动安置): a commander switches it on for their jurisdiction (with the edition of the rules),
 * and the `auto-placement` job (src/server/workers.ts, on the job queue: one run at a time in the installation,
 * retried, failures kept among the dead letters) places that backlog every few minutes, so a person found at
 * night is placed within minutes instead of waiting for the morning's click. Transfer planning stays a
 * dispatcher's act (drivers and vehicles are people's decisions).
 */

import type { Db, Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import type { Edition } from '../../domain/terms.ts';
import { intervalMs } from '../../lib/interval.ts';
import { appendAudit } from '../access/audit.ts';
import type { Principal } from '../access/principal.ts';
import type { Scope } from '../access/scope.ts';
import { type PlacementRun, placeBacklog } from './place-backlog.ts';

/** Minutes between the auto-placement job's runs (QINGCANG_AUTO_PLACEMENT_EVERY_MS, default 5 minutes). */
export function autoPlacementEveryMs(raw = process.env.QINGCANG_AUTO_PLACEMENT_EVERY_MS): number {
  return intervalMs('QINGCANG_AUTO_PLACEMENT_EVERY_MS', raw, 300_000, 1000);
}

/** The interval in seconds for the switch's page (the job refuses a malformed setting at start; 300 then). */
function everySeconds(): number {
  try {
    return Math.round(autoPlacementEveryMs() / 1000);
  } catch {
    return 300;
  }
}

/** Who acts in an auto-placement run: the job, for the jurisdiction it was switched on for. */
function autoPlacer(scopePrefix: string): Principal {
  return {
    kind: 'system',
    id: null,
    name: 'auto-placement',
    role: 'operator',
    jurisdiction: scopePrefix,
    permissions: new Set(),
  };
}

/**
 * Places the backlog of `scope` in one transaction, audited, and records the run. An automatic run that placed
 * nobody and changed nothing (most of them: it runs every few minutes) leaves no audit entry and no run.
 */
export async function runPlacement(
  db: Db,
  clock: Clock,
  actor: Principal,
  scope: Scope,
  edition: Edition,
  trigger: 'manual' | 'auto',
): Promise<PlacementRun> {
  return db.transaction(async (tx) => {
    // One run at a time in the installation: a dispatcher's click beside the job's run (over overlapping
    // jurisdictions) would otherwise read the same waiting people and place them twice (refused by the unique
    // open placement, after waiting on the other run's units).
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['isolation.placement-run']);
    const t0 = performance.now();
    const startedAt = clock.now();
    const run = await placeBacklog(tx, clock, scope, edition);
    if (trigger === 'auto' && run.placed + run.homeIsolated + run.becameCases === 0) return run;
    await appendAudit(tx, clock, actor, {
      action: 'isolation.placed',
      subjectType: 'placement',
      areaCode: scope.prefix || undefined,
      details: {
        placed: run.placed,
        waiting: run.waiting.length,
        home_isolated: run.homeIsolated,
        edition,
        trigger,
      },
    });
    await tx.query(
      `INSERT INTO placement_runs (scope_prefix, trigger, actor, edition, started_at, seconds, placed, waiting, home_isolated, became_cases)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        scope.prefix,
        trigger,
        `${actor.kind}:${actor.name}`,
        edition,
        startedAt,
        (performance.now() - t0) / 1000,
        run.placed,
        run.waiting.length,
        run.homeIsolated,
        run.becameCases,
      ],
    );
    return run;
  });
}

export interface AutoPlacementRun {
  /** Jurisdictions placed (each one with auto placement on). */
  scopes: number;
  placed: number;
  waiting: number;
}

/**
 * The job's run: every jurisdiction with auto placement on, the widest first (a city's run leaves its districts'
 * runs nothing to do), each in its own transaction. The switch's row keeps when it last ran and how many still
 * wait.
 */
export async function autoPlace(db: Db, clock: Clock): Promise<AutoPlacementRun> {
  const on = await db.query<{ scope_prefix: string; edition: Edition }>(
    'SELECT scope_prefix, edition FROM auto_placement ORDER BY length(scope_prefix), scope_prefix',
  );
  const out: AutoPlacementRun = { scopes: 0, placed: 0, waiting: 0 };
  const failed: string[] = [];
  for (const { scope_prefix: prefix, edition } of on.rows) {
    // One jurisdiction's failure does not hold up the others'; the job fails at the end (and is retried).
    try {
      const run = await runPlacement(db, clock, autoPlacer(prefix), { prefix }, edition, 'auto');
      await db.query(
        'UPDATE auto_placement SET last_run_at = $2, last_waiting = $3 WHERE scope_prefix = $1',
        [prefix, clock.now(), run.waiting.length],
      );
      out.scopes++;
      out.placed += run.placed;
      out.waiting += run.waiting.length;
    } catch (err) {
      failed.push(`${prefix || '(everywhere)'}: ${(err as Error).message}`);
    }
  }
  if (failed.length > 0) throw new Error(`auto placement failed for ${failed.join('; ')}`);
  return out;
}

export interface AutoPlacementState {
  /** On for this very jurisdiction. */
  enabled: boolean;
  edition: Edition | null;
  enabled_by: string | null;
  enabled_at: string | null;
  last_run_at: string | null;
  last_waiting: number | null;
  /** On for a wider jurisdiction containing this one (its runs place this backlog too). */
  covered_by: { scope_prefix: string; edition: Edition } | null;
  /** Seconds between the job's runs. */
  every_seconds: number;
}

export async function autoPlacementState(db: Queryable, scope: Scope): Promise<AutoPlacementState> {
  const { rows } = await db.query<{
    scope_prefix: string;
    edition: Edition;
    enabled_by: string;
    enabled_at: Date;
    last_run_at: Date | null;
    last_waiting: number | null;
  }>(
    `SELECT scope_prefix, edition, enabled_by, enabled_at, last_run_at, last_waiting FROM auto_placement
      WHERE starts_with($1, scope_prefix) ORDER BY length(scope_prefix)`,
    [scope.prefix],
  );
  const own = rows.find((r) => r.scope_prefix === scope.prefix);
  const wider = rows.find((r) => r.scope_prefix !== scope.prefix);
  return {
    enabled: Boolean(own),
    edition: own?.edition ?? null,
    enabled_by: own?.enabled_by ?? null,
    enabled_at: own?.enabled_at.toISOString() ?? null,
    last_run_at: own?.last_run_at?.toISOString() ?? null,
    last_waiting: own?.last_waiting ?? null,
    covered_by: wider ? { scope_prefix: wider.scope_prefix, edition: wider.edition } : null,
    every_seconds: everySeconds(),
  };
}

/** Switches auto placement on (with an edition) or off for exactly this jurisdiction, audited. */
export async function setAutoPlacement(
  db: Db,
  clock: Clock,
  actor: Principal,
  scope: Scope,
  set: { enabled: boolean; edition: Edition },
): Promise<void> {
  await db.transaction(async (tx) => {
    if (set.enabled)
      await tx.query(
        `INSERT INTO auto_placement (scope_prefix, edition, enabled_by, enabled_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (scope_prefix) DO UPDATE SET edition = EXCLUDED.edition, enabled_by = EXCLUDED.enabled_by, enabled_at = EXCLUDED.enabled_at`,
        [scope.prefix, set.edition, `${actor.kind}:${actor.name}`, clock.now()],
      );
    else await tx.query('DELETE FROM auto_placement WHERE scope_prefix = $1', [scope.prefix]);
    await appendAudit(tx, clock, actor, {
      action: set.enabled ? 'isolation.auto_placement_on' : 'isolation.auto_placement_off',
      subjectType: 'placement',
      areaCode: scope.prefix || undefined,
      details: { edition: set.enabled ? set.edition : null },
    });
  });
}

export interface PlacementRunRow {
  id: number;
  scope_prefix: string;
  trigger: 'manual' | 'auto';
  /** Who ran it (`user:NAME`, `system:auto-placement`, `cli:NAME`); null for a wider jurisdiction's run. */
  actor: string | null;
  edition: Edition;
  started_at: string;
  seconds: number;
  placed: number;
  waiting: number;
  home_isolated: number;
  became_cases: number;
}

/**
 * The latest runs that placed this jurisdiction's backlog: its own and its districts' runs, and the runs of the
 * wider jurisdictions containing it (their figures are theirs, counts only, without who ran them).
 */
export async function placementRuns(db: Queryable, scope: Scope, limit = 20): Promise<PlacementRunRow[]> {
  const { rows } = await db.query<Omit<PlacementRunRow, 'started_at'> & { started_at: Date }>(
    `SELECT id, scope_prefix, trigger, CASE WHEN starts_with(scope_prefix, $1) THEN actor END AS actor, edition, started_at, seconds, placed, waiting, home_isolated, became_cases
       FROM placement_runs
      WHERE starts_with(scope_prefix, $1) OR starts_with($1, scope_prefix)
      ORDER BY started_at DESC, id DESC LIMIT $2`,
    [scope.prefix, limit],
  );
  return rows.map((r) => ({
    ...r,
    id: Number(r.id),
    seconds: Number(Number(r.seconds).toFixed(3)),
    started_at: r.started_at.toISOString(),
  }));
}

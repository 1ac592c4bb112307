/**
 * 推演 runs asked for in the web app: queued, run one at a time in the background (./runner.ts), kept with their
 * parameters and results so they can be compared later. A run's simulated city is generated: no personal data.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import type { SimulateResult } from '../loop/simulate.ts';

export interface RunParams {
  scenario: string;
  strategies: string[];
  days: number;
  seeds: number;
  people: number;
}

export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** What is kept of a simulation: the bands and summary, and each run's time and invariant failures. */
export type StoredResult = Omit<SimulateResult, 'runs'> & {
  runs: { strategy: string; seed: number; seconds: number; failures: number; first_failure: unknown }[];
};

export interface RunRow {
  id: number;
  created_at: Date;
  created_by: string;
  params: RunParams;
  status: RunStatus;
  progress: number;
  started_at: Date | null;
  finished_at: Date | null;
  error: string | null;
}

/** At most this many runs wait at once (each takes minutes). */
export const MAX_QUEUED = 5;

export function storedResult(r: SimulateResult): StoredResult {
  return {
    ...r,
    runs: r.runs.map((x) => ({
      strategy: x.strategy,
      seed: x.seed,
      seconds: Math.round(x.seconds * 10) / 10,
      failures: x.failures.length,
      first_failure: x.failures[0] ?? null,
    })),
  };
}

const COLUMNS = 'id, created_at, created_by, params, status, progress, started_at, finished_at, error';

export async function queueRun(tx: Queryable, clock: Clock, by: string, params: RunParams): Promise<RunRow> {
  const waiting = await tx.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM twin_runs WHERE status IN ('queued', 'running')",
  );
  if ((waiting.rows[0]?.n ?? 0) >= MAX_QUEUED)
    throw new AppError(
      409,
      'twin_queue_full',
      `${MAX_QUEUED} runs are already waiting or running: wait for one to finish, or cancel one`,
    );
  const { rows } = await tx.query<RunRow>(
    `INSERT INTO twin_runs (created_at, created_by, params, status) VALUES ($1, $2, $3::jsonb, 'queued')
     RETURNING ${COLUMNS}`,
    [clock.now(), by, JSON.stringify(params)],
  );
  return rows[0] as RunRow;
}

/** The runs, newest first, each with the name of whoever asked for it (the account's display name). */
export async function listRuns(db: Queryable, limit = 50): Promise<(RunRow & { created_by_name: string })[]> {
  const { rows } = await db.query<RunRow & { created_by_name: string }>(
    `SELECT ${COLUMNS.split(', ')
      .map((c) => `r.${c}`)
      .join(', ')}, coalesce(u.display_name, r.created_by) AS created_by_name
       FROM twin_runs r LEFT JOIN users u ON u.username = r.created_by
      ORDER BY r.id DESC LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export async function getRun(
  db: Queryable,
  id: number,
): Promise<(RunRow & { result: StoredResult | null }) | undefined> {
  const { rows } = await db.query<RunRow & { result: StoredResult | null }>(
    `SELECT ${COLUMNS}, result FROM twin_runs WHERE id = $1`,
    [id],
  );
  const r = rows[0];
  return r ? { ...r, id: Number(r.id) } : undefined;
}

/** The oldest queued run, now running; none when one is running already or nothing waits. */
export async function claimNext(db: Queryable, clock: Clock): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(
    `UPDATE twin_runs SET status = 'running', started_at = $1, progress = 0
      WHERE id = (SELECT id FROM twin_runs WHERE status = 'queued' ORDER BY id LIMIT 1)
        AND NOT EXISTS (SELECT 1 FROM twin_runs WHERE status = 'running')
      RETURNING ${COLUMNS}`,
    [clock.now()],
  );
  const r = rows[0];
  return r ? { ...r, id: Number(r.id) } : undefined;
}

export async function setProgress(db: Queryable, id: number, progress: number): Promise<void> {
  await db.query("UPDATE twin_runs SET progress = $2 WHERE id = $1 AND status = 'running'", [
    id,
    Math.min(1, Math.max(0, progress)),
  ]);
}

export async function finishRun(
  db: Queryable,
  clock: Clock,
  id: number,
  result: StoredResult,
): Promise<void> {
  await db.query(
    `UPDATE twin_runs SET status = 'done', progress = 1, finished_at = $2, result = $3::jsonb
      WHERE id = $1 AND status = 'running'`,
    [id, clock.now(), JSON.stringify(result)],
  );
}

export async function failRun(db: Queryable, clock: Clock, id: number, error: string): Promise<void> {
  await db.query(
    "UPDATE twin_runs SET status = 'failed', finished_at = $2, error = $3 WHERE id = $1 AND status = 'running'",
    [id, clock.now(), error.slice(0, 2000)],
  );
}

/** Cancels a queued or running run (the runner stops a running one); a finished run is a 409. */
export async function cancelRun(db: Queryable, clock: Clock, id: number): Promise<RunRow> {
  const { rows } = await db.query<RunRow>(
    `UPDATE twin_runs SET status = 'cancelled', finished_at = $2
      WHERE id = $1 AND status IN ('queued', 'running') RETURNING ${COLUMNS}`,
    [id, clock.now()],
  );
  if (rows[0]) return { ...rows[0], id: Number(rows[0].id) };
  const r = await getRun(db, id);
  if (!r) throw new AppError(404, 'not_found', `no run ${id}`);
  throw new AppError(
    409,
    'twin_run_finished',
    `run ${id} is ${r.status} already: only a waiting or running run can be cancelled`,
  );
}

/** After a restart: runs that were running start again from the queue (their worker died with the process). */
export async function requeueInterrupted(db: Queryable): Promise<number> {
  const r = await db.query(
    "UPDATE twin_runs SET status = 'queued', progress = 0, started_at = NULL WHERE status = 'running'",
  );
  return r.rowCount ?? 0;
}

export async function statusOf(db: Queryable, id: number): Promise<RunStatus | undefined> {
  const { rows } = await db.query<{ status: RunStatus }>('SELECT status FROM twin_runs WHERE id = $1', [id]);
  return rows[0]?.status;
}

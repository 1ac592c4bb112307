/**
 * Background jobs on pg-boss, in the platform's own database (schema `pgboss`), on both backends: PostgreSQL
 * through a small pool of its own (`QINGCANG_JOBS_POOL`, default 3 connections), PGlite through the embedded
 * instance's one connection.
 *
 * Periodic work (the tracing worker every 5 s, the dashboard refresh, the checks) is a queue per job with the
 * `stately` policy: at most one run waiting and one running in the whole installation, whichever process asks.
 * Every process that runs background work sends the job on its own timer (a send while one waits is refused by
 * the queue, so N processes never queue N runs) and works the queue; one of them takes each run. A run that
 * throws is retried (`retryLimit`, after `retryDelay` seconds); when the retries are used up, the job is copied
 * to the one dead-letter queue (`dead-letters`), which `deadLetters()` reads for the 后台任务 view.
 *
 * A process that dies in the middle of a run stops its heartbeat: the run is failed after `HEARTBEAT_S` seconds
 * (at the next supervision pass) and retried by another process, instead of blocking the queue until it expires.
 */
import type { FastifyBaseLogger } from 'fastify';
import { fromPglite, PgBoss } from 'pg-boss';
import type { Db } from '../db/types.ts';

/** The queue that keeps every job that failed all its attempts, with the queue it came from. */
export const DEAD_LETTERS = 'dead-letters';
/** A running job's heartbeat; a run whose heartbeat is older than this is failed (and retried). */
const HEARTBEAT_S = 30;
/** Completed runs are kept a day (the dashboard refresh alone makes 5,760 a day), dead letters a week. */
const KEEP_DONE_S = 86_400;
const KEEP_DEAD_S = 7 * 86_400;

export interface PeriodicJob {
  /** The queue: lower-case words joined by dashes (e.g. `tracing-worker`). */
  queue: string;
  /** What logs and metrics call it (e.g. `tracing worker`). */
  label: string;
  everyMs: number;
  run: () => Promise<void>;
  /** Attempts after a failed one before it goes to the dead letters (default 2). */
  retryLimit?: number;
  /** Seconds between a failed attempt and the next (default 5). */
  retryDelay?: number;
  /** Not run when the process starts, only after its first interval (work that would hold up a start). */
  notAtStart?: boolean;
  /** The longest a run may take before it is failed (default 30 minutes). */
  expireInSeconds?: number;
  /** A run whose heartbeat is older than this is failed and retried (default 30 s, at least 10; its process died). */
  heartbeatSeconds?: number;
}

export interface QueueFigures {
  queue: string;
  queued: number;
  active: number;
  failed: number;
  /** When the figures were counted (pg-boss counts a queue's jobs at each monitoring pass). */
  counted_at: string | null;
}

export interface DeadLetter {
  id: string;
  /** The queue the job failed in. */
  queue: string;
  failed_at: string;
  /** Attempts made (the first and its retries). */
  attempts: number | null;
  error: string;
}

export interface Hooks {
  /** A run ended (failed: it threw; a retry may follow). */
  onRun?: (label: string, seconds: number, failed: boolean) => void;
  /** A send refused because a run of the job already waits. */
  onSkip?: (label: string) => void;
}

/** The job queue of one database: sends, works and reads its queues. */
export class Jobs {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly labels = new Map<string, string>();
  private stopped = false;

  readonly boss: PgBoss;
  private readonly log: FastifyBaseLogger;
  private readonly hooks: Hooks;

  private constructor(boss: PgBoss, log: FastifyBaseLogger, hooks: Hooks) {
    this.boss = boss;
    this.log = log;
    this.hooks = hooks;
  }

  /**
   * Opens the queue of `db` (installing or upgrading pg-boss's schema if needed). `supervise`: this process
   * also runs pg-boss's supervision (heartbeats, expiry, retention); the processes that run background work do.
   */
  static async open(
    db: Db,
    log: FastifyBaseLogger,
    o: { supervise: boolean; hooks?: Hooks; superviseIntervalSeconds?: number } = { supervise: false },
  ): Promise<Jobs> {
    const conn = db.jobsConnection?.();
    if (!conn) throw new Error('this database cannot hold the job queue');
    const common = {
      schedule: false,
      supervise: o.supervise,
      superviseIntervalSeconds: o.superviseIntervalSeconds ?? 10,
      monitorIntervalSeconds: 15,
      migrate: true,
    };
    const boss =
      conn.kind === 'pglite'
        ? new PgBoss({ ...common, db: fromPglite(conn.pglite), backend: 'pglite' })
        : new PgBoss({
            ...common,
            connectionString: conn.url,
            options: conn.options,
            max: jobsPoolSize(),
            application_name: 'qingcang jobs',
          });
    boss.on('error', (err: unknown) => log.error({ err }, 'job queue error'));
    await boss.start();
    await ensureQueue(boss, DEAD_LETTERS, { deleteAfterSeconds: KEEP_DEAD_S, retentionSeconds: KEEP_DEAD_S });
    return new Jobs(boss, log, o.hooks ?? {});
  }

  /**
   * Runs `job.run` every `job.everyMs` in the installation (see the header). Returns a function that asks for a
   * run now (refused, like a timer's send, while one waits).
   */
  async periodic(job: PeriodicJob): Promise<() => void> {
    this.labels.set(job.queue, job.label);
    await ensureQueue(this.boss, job.queue, {
      policy: 'stately',
      retryLimit: job.retryLimit ?? 2,
      retryDelay: job.retryDelay ?? 5,
      expireInSeconds: job.expireInSeconds ?? 1800,
      heartbeatSeconds: job.heartbeatSeconds ?? HEARTBEAT_S,
      deadLetter: DEAD_LETTERS,
      deleteAfterSeconds: KEEP_DONE_S,
      retentionSeconds: KEEP_DONE_S,
    });
    const send = () => {
      if (this.stopped) return;
      this.boss
        .send(job.queue, {})
        .then((id) => {
          if (id === null) this.hooks.onSkip?.(job.label);
        })
        .catch((err: unknown) => this.log.warn({ err, job: job.label }, `${job.label}: not queued`));
    };
    await this.boss.work(
      job.queue,
      { pollingIntervalSeconds: Math.min(2, Math.max(0.5, job.everyMs / 4000)) },
      async () => {
        const t0 = performance.now();
        try {
          await job.run();
          this.hooks.onRun?.(job.label, (performance.now() - t0) / 1000, false);
        } catch (err) {
          this.hooks.onRun?.(job.label, (performance.now() - t0) / 1000, true);
          this.log.error({ err, job: job.label }, `${job.label} failed; retried by the job queue`);
          throw err;
        }
      },
    );
    const timer = setInterval(send, job.everyMs);
    timer.unref();
    this.timers.push(timer);
    if (!job.notAtStart) send();
    return send;
  }

  /** Each queue's jobs waiting, running and failed (as of pg-boss's last count). */
  async figures(): Promise<QueueFigures[]> {
    const queues = await this.boss.getQueues();
    return queues
      .map((q) => ({
        queue: q.name,
        queued: q.queuedCount,
        active: q.activeCount,
        failed: q.failedCount,
        counted_at: q.deltaOn ? new Date(q.deltaOn).toISOString() : null,
      }))
      .sort((a, b) => a.queue.localeCompare(b.queue));
  }

  /** The newest jobs that failed every attempt, newest first, with the error of their last attempt. */
  async deadLetters(limit = 50): Promise<DeadLetter[]> {
    const letters = await this.boss.findJobs(DEAD_LETTERS, { limit: 1000 });
    letters.sort((a, b) => new Date(b.createdOn).getTime() - new Date(a.createdOn).getTime());
    return Promise.all(
      letters.slice(0, limit).map(async (l) => {
        const source =
          l.sourceName && l.sourceId ? await this.boss.getJobById(l.sourceName, l.sourceId) : null;
        const out = (source?.output ?? {}) as { message?: unknown };
        return {
          id: l.id,
          queue: l.sourceName ?? '',
          failed_at: new Date(l.createdOn).toISOString(),
          attempts: source ? source.retryCount + 1 : null,
          error: typeof out.message === 'string' ? out.message : JSON.stringify(source?.output ?? null),
        };
      }),
    );
  }

  /** Stops sending, lets runs in flight finish (up to `timeoutMs`), and closes the queue's connections. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.boss.stop({ graceful: true, close: true, timeout: timeoutMs });
  }

  /** Stops at once without waiting for runs in flight: pg-boss fails them, so they are retried elsewhere. */
  async abandon(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.boss.stop({ graceful: false, close: false, timeout: 1 });
  }
}

/** Creates the queue if it does not exist (idempotent in pg-boss) and brings its settings up to date. */
async function ensureQueue(
  boss: PgBoss,
  name: string,
  options: Parameters<PgBoss['createQueue']>[1] & object,
): Promise<void> {
  await boss.createQueue(name, options);
  const { policy: _policy, heartbeatSeconds: _heartbeat, ...settings } = options;
  await boss.updateQueue(name, settings);
}

/** Connections of the job queue's own pool on PostgreSQL (QINGCANG_JOBS_POOL, default 3). */
export function jobsPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.QINGCANG_JOBS_POOL;
  if (raw === undefined || raw === '') return 3;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 2 || n > 50)
    throw new Error(`QINGCANG_JOBS_POOL must be a whole number from 2 to 50 (got ${raw})`);
  return n;
}

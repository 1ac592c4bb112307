/**
 * Background work: the tracing worker every few seconds, the dashboard's figures every
 * `QINGCANG_DASHBOARD_REFRESH_MS` (default 15 s on PostgreSQL, 60 s on PGlite), the audit checkpoint and the
 * periodic checks run as jobs on the job queue (./jobs.ts, pg-boss): one run of each at a time in the whole
 * installation, however many processes run background work; a run that fails is retried, and one that fails
 * every attempt is kept among the dead letters (the 后台任务 view). Each run is counted in /metrics (runs,
 * failures, last duration) with the queues' depth.
 *
 * Several processes: background work belongs to the `worker` (or `all`) role, so `serve --processes N` runs it
 * in one child (src/server/cluster.ts); two worker processes (two machines, a rolling restart) share the queues.
 *
 * The 推演 runner is not a queue job: it owns the run it is running for as long as it runs it (minutes to hours,
 * in a worker thread) and takes a PostgreSQL advisory lock for that (`JobLocks`, on one connection of the
 * process's own, `Db.session`); a process that finds the lock held skips the tick.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Db, Queryable } from '../db/types.ts';
import type { Clock } from '../domain/clock.ts';
import { auditHead, signedCheckpoint } from '../modules/access/audit.ts';
import { type DashboardStore, refreshDashboard } from '../modules/command/dashboard.ts';
import { runDisinfection } from '../modules/disinfection/run.ts';
import { checkLoopGaps } from '../modules/forces/loops.ts';
import { checkStalledEmergencies } from '../modules/medical/emergency-clock.ts';
import { checkLateSupplies } from '../modules/supplies/figures.ts';
import { refreshShortfall } from '../modules/supplies/planning.ts';
import { runTracing } from '../modules/tracing/run-tracing.ts';
import { TwinRunner } from '../twin/jobs/runner.ts';
import { Jobs, type PeriodicJob } from './jobs.ts';
import { installJobFigures, jobSkipped, recordJob } from './metrics.ts';

/** The first key of every job lock (the two-key form: apart from the one-key locks the modules take). */
export const JOB_LOCK_SPACE = 7263100;

/**
 * Advisory locks of background jobs, held on one connection of this process's own (PostgreSQL); on PGlite (one
 * process by its file lock) every lock is granted.
 */
export class JobLocks {
  private conn: Promise<Queryable> | undefined;
  private endSession: (() => void) | undefined;
  private readonly held = new Set<string>();
  private closed = false;
  /** One statement at a time on the connection (node-postgres deprecates queueing on a client). */
  private queue: Promise<unknown> = Promise.resolve();
  /** Called when the connection is lost with the locks it held (they are gone with it). */
  onLost: (names: string[]) => void = () => {};

  private readonly db: Db;
  private readonly log: FastifyBaseLogger;

  constructor(db: Db, log: FastifyBaseLogger) {
    this.db = db;
    this.log = log;
  }

  private connection(): Promise<Queryable> {
    if (this.conn) return this.conn;
    const session = this.db.session;
    if (!session) throw new Error('no sessions on this backend');
    const conn = new Promise<Queryable>((resolve, reject) => {
      const ended = new Promise<void>((end) => {
        this.endSession = end;
      });
      session
        .call(this.db, (c) => {
          resolve(c);
          return ended;
        })
        .catch((err: unknown) => {
          reject(err);
          this.lost(err);
        });
    });
    this.conn = conn;
    return conn;
  }

  private lost(err: unknown): void {
    const names = [...this.held];
    this.held.clear();
    this.conn = undefined;
    this.endSession?.();
    this.endSession = undefined;
    if (names.length > 0) {
      this.log.warn({ err, jobs: names }, 'job locks lost with their database connection');
      this.onLost(names);
    }
  }

  private query<T>(sql: string, params: unknown[]) {
    const next = this.queue.then(async () => (await this.connection()).query<T>(sql, params));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Takes the job's lock if no process holds it; false when another does. */
  async acquire(name: string): Promise<boolean> {
    if (this.closed) return false;
    if (!this.db.session) return true;
    try {
      if (this.held.has(name)) {
        // Still held only while its connection lives: a lost connection surfaces here, and its holder stops.
        await this.query('SELECT 1', []);
        return true;
      }
      const { rows } = await this.query<{ got: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS got',
        [JOB_LOCK_SPACE, name],
      );
      if (rows[0]?.got) this.held.add(name);
      return rows[0]?.got === true;
    } catch (err) {
      this.lost(err);
      throw err;
    }
  }

  async release(name: string): Promise<void> {
    if (!this.db.session || !this.held.delete(name)) return;
    try {
      await this.query('SELECT pg_advisory_unlock($1, hashtext($2))', [JOB_LOCK_SPACE, name]);
    } catch (err) {
      this.lost(err);
    }
  }

  /** Ends the connection, and with it every lock. */
  close(): void {
    this.closed = true;
    this.held.clear();
    this.conn = undefined;
    this.endSession?.();
    this.endSession = undefined;
  }
}

/**
 * Runs `job` every `everyMs` while the app is up, one run at a time, under the job's lock (skipped while another
 * process holds it). `hold` keeps the lock after the run (a job this process owns until it stops).
 */
function every(
  app: FastifyInstance,
  locks: JobLocks,
  name: string,
  everyMs: number,
  job: () => Promise<void>,
  hold = false,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const run = async () => {
    const t0 = performance.now();
    let locked = false;
    try {
      locked = await locks.acquire(name);
      if (!locked) {
        jobSkipped.inc({ job: name });
        return;
      }
      await job();
      recordJob(name, (performance.now() - t0) / 1000, false);
    } catch (err) {
      recordJob(name, (performance.now() - t0) / 1000, true);
      throw err;
    } finally {
      if (locked && !hold) await locks.release(name);
    }
  };
  const tick = () => {
    if (running) return;
    running = run()
      .catch((err: unknown) => app.log.error({ err, job: name }, `${name} failed; retrying at the next tick`))
      .finally(() => {
        running = undefined;
      });
  };
  app.addHook('onReady', async () => {
    timer = setInterval(tick, everyMs);
    timer.unref();
    tick();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await running;
  });
  return tick;
}

/** Writes that change what the dashboard counts: stays, sites, rooms and beds, trips, zones, cases. */
const DASHBOARD_WRITES = /^\/api\/(isolation|transfer|zones|tracing|sites)\b/;

/**
 * Runs the dashboard refresh soon after a write that changes its figures (a site accepted or closed, people placed
 * or released), instead of waiting for the next tick: `delayMs` after the first such write, then at most once per
 * `gapMs`. The writes of this process only (a separate worker process refreshes on its own ticks).
 */
export function nudgeOnWrites(
  app: FastifyInstance,
  refresh: () => void,
  delayMs: number,
  gapMs: number,
): void {
  let pending: NodeJS.Timeout | undefined;
  let last = 0;
  app.addHook('onResponse', async (req, reply) => {
    if (req.method === 'GET' || req.method === 'HEAD' || reply.statusCode >= 400) return;
    if (!DASHBOARD_WRITES.test(req.url) || pending) return;
    const wait = Math.max(delayMs, last + gapMs - Date.now());
    pending = setTimeout(() => {
      pending = undefined;
      last = Date.now();
      refresh();
    }, wait);
    pending.unref();
  });
  app.addHook('onClose', async () => {
    if (pending) clearTimeout(pending);
  });
}

/** The background work's job queue of each database this process opened it for (shared with the jobs view). */
const openQueues = new WeakMap<Db, Promise<Jobs>>();

/**
 * The job queue of `db` for reading (the 后台任务 view, /metrics): the one this process's background work runs
 * on if it runs any, else one opened for reading on first use (no supervision).
 */
export function jobsOf(db: Db, log: FastifyBaseLogger): Promise<Jobs> {
  let jobs = openQueues.get(db);
  if (!jobs) {
    jobs = Jobs.open(db, log, { supervise: false });
    jobs.catch(() => openQueues.delete(db));
    openQueues.set(db, jobs);
  }
  return jobs;
}

export function installWorkers(
  app: FastifyInstance,
  db: Db,
  clock: Clock,
  store: DashboardStore,
  everyMs = 5000,
  // The embedded database has one connection: refresh it less often so screens never hold up field work.
  dashboardEveryMs = Number(
    process.env.QINGCANG_DASHBOARD_REFRESH_MS ?? (db.describe().kind === 'pglite' ? 60_000 : 15_000),
  ),
): void {
  if (!Number.isFinite(dashboardEveryMs) || dashboardEveryMs < 1000)
    throw new Error(
      `QINGCANG_DASHBOARD_REFRESH_MS must be a number of milliseconds, at least 1000 (got ${process.env.QINGCANG_DASHBOARD_REFRESH_MS})`,
    );
  // The audit chain's head in the log stream every 10 minutes: logs shipped elsewhere anchor it outside the
  // database, so entries removed from the end can be proven (`audit verify --expect-head`).
  let lastHead = '';
  const periodic: PeriodicJob[] = [
    {
      queue: 'tracing-worker',
      label: 'tracing worker',
      everyMs,
      run: async () => {
        const r = await runTracing(db, clock);
        if (r.casesCreated > 0 || r.traced.length > 0)
          app.log.info({ cases: r.casesCreated, traced: r.traced.length }, 'tracing worker');
      },
    },
    {
      queue: 'audit-checkpoint',
      label: 'audit checkpoint',
      everyMs: Number(process.env.QINGCANG_AUDIT_CHECKPOINT_MS ?? 600_000),
      run: async () => {
        const head = await auditHead(db);
        const text = `${head.count}:${head.hash}`;
        if (text === lastHead) return;
        lastHead = text;
        app.log.info(
          {
            audit_checkpoint: signedCheckpoint(
              head,
              clock.now(),
              process.env.QINGCANG_AUDIT_KEY || undefined,
            ),
          },
          'audit checkpoint',
        );
      },
    },
    // Environmental disinfection (环境消杀): case triggers and the places' schedules, every minute (idempotent).
    {
      queue: 'disinfection',
      label: 'disinfection',
      everyMs: Number(process.env.QINGCANG_DISINFECTION_EVERY_MS ?? 60_000),
      run: async () => {
        const r = await runDisinfection(db, clock);
        if (r.dueCreated > 0 || r.scheduled > 0)
          app.log.info({ triggered: r.dueCreated, scheduled: r.scheduled }, 'disinfection');
      },
    },
    // 就医: an emergency without a step for 30 minutes becomes a red item (a task) on the responsibility list.
    {
      queue: 'medical-emergency-check',
      label: 'medical emergency check',
      everyMs: 60_000,
      run: async () => {
        const opened = await checkStalledEmergencies(db, clock);
        if (opened > 0) app.log.warn({ stalled: opened }, 'medical emergencies stalled 30 minutes');
      },
    },
    // 力量调配 闭环: the closed loops' daily test schedule, and a gap task for every test due and not taken.
    {
      queue: 'closed-loop-test-check',
      label: 'closed-loop test check',
      everyMs: 60_000,
      run: async () => {
        const gaps = await checkLoopGaps(db, clock);
        if (gaps > 0) app.log.warn({ gaps }, 'closed-loop tests missed');
      },
    },
    // 保供: a request past due and not handed becomes an item (a task) on the supply leader's responsibility list;
    // the shortfall is recomputed (a support shipment's stock becomes usable when it arrives).
    {
      queue: 'supplies-late-check',
      label: 'supplies late check',
      everyMs: 60_000,
      run: async () => {
        const late = await checkLateSupplies(db, clock);
        await db.transaction((tx) => refreshShortfall(tx, clock.now()));
        if (late > 0) app.log.warn({ late }, 'supplies requests late');
      },
    },
    {
      queue: 'dashboard-refresh',
      label: 'dashboard refresh',
      everyMs: dashboardEveryMs,
      run: async () => {
        const r = await refreshDashboard(db, clock);
        store.invalidate();
        app.log.debug({ areas: r.areas, ms: r.ms }, 'dashboard refreshed');
      },
    },
  ];
  let jobs: Jobs | undefined;
  let refreshDashboardNow: (() => void) | undefined;
  app.addHook('onReady', async () => {
    const opening = Jobs.open(db, app.log, {
      supervise: true,
      hooks: { onRun: recordJob, onSkip: (label) => jobSkipped.inc({ job: label }) },
    });
    openQueues.set(db, opening);
    jobs = await opening;
    for (const job of periodic) {
      const send = await jobs.periodic(job);
      if (job.queue === 'dashboard-refresh') refreshDashboardNow = send;
    }
    installJobFigures(() => jobs?.figures() ?? Promise.resolve([]));
  });
  app.addHook('onClose', async () => {
    await jobs?.stop();
    openQueues.delete(db);
  });

  // 推演 runs asked for in the web app: one at a time, in a worker thread, by the one process holding the
  // runner's lock (kept while it runs them: its start requeues what it finds running, which must be its own).
  const locks = new JobLocks(db, app.log);
  const TWIN = '推演 runner';
  let twin: TwinRunner | undefined;
  locks.onLost = (names) => {
    if (!names.includes(TWIN) || !twin) return;
    const stopped = twin;
    twin = undefined;
    stopped.stop().catch((err: unknown) => app.log.error({ err }, '推演 runner did not stop cleanly'));
  };
  app.addHook('onClose', async () => {
    await twin?.stop();
    locks.close();
  });
  every(
    app,
    locks,
    TWIN,
    3000,
    async () => {
      if (!twin) {
        twin = new TwinRunner(db, clock, app.log);
        await twin.start();
      }
      await twin.tick();
    },
    true,
  );
  // A site closed or people placed show on the dashboard within seconds, not at the next tick (at most one extra
  // refresh per interval: a quarter of the tick, at least 5 s; the embedded database's one connection is shared).
  nudgeOnWrites(app, () => refreshDashboardNow?.(), 1000, Math.max(5000, dashboardEveryMs / 4));
}

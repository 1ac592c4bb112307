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
 * The 推演 runner is a job too: one job runs the queued runs one after another, each in a worker thread, for
 * as long as they take; its heartbeat keeps it its own, and a process that dies gives it to another.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { embeddedMaintenance } from '../db/maintenance.ts';
import type { Db } from '../db/types.ts';
import type { Clock } from '../domain/clock.ts';
import { intervalMs } from '../lib/interval.ts';
import { auditHead, signedCheckpoint } from '../modules/access/audit.ts';
import { type DashboardStore, refreshDashboard } from '../modules/command/dashboard.ts';
import { issueDailyReports } from '../modules/command/issued-reports.ts';
import { runDisinfection } from '../modules/disinfection/run.ts';
import { checkLoopGaps } from '../modules/forces/loops.ts';
import { autoPlace, autoPlacementEveryMs } from '../modules/isolation/placement-runs.ts';
import { checkStalledEmergencies } from '../modules/medical/emergency-clock.ts';
import { checkLateSupplies } from '../modules/supplies/figures.ts';
import { refreshShortfall } from '../modules/supplies/planning.ts';
import {
  dropExpiredFeedPartitions,
  ensureFeedPartitions,
  feedRetentionDays,
} from '../modules/tracing/partitions.ts';
import { runTracing } from '../modules/tracing/run-tracing.ts';
import { TwinRunner } from '../twin/jobs/runner.ts';
import { Jobs, type PeriodicJob } from './jobs.ts';
import { installJobFigures, jobSkipped, recordJob } from './metrics.ts';

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
  const twin = new TwinRunner(db, clock, app.log);
  const feedRetention = feedRetentionDays(); // refused at start when malformed
  const env = process.env;
  const maintenanceEveryMs = intervalMs(
    'QINGCANG_PGLITE_MAINTENANCE_MS',
    env.QINGCANG_PGLITE_MAINTENANCE_MS,
    3_600_000,
    60_000,
  );
  let maintenanceRuns = 0;
  const autoPlacementMs = autoPlacementEveryMs(); // refused at start when malformed
  const reportIssueEveryMs = intervalMs(
    'QINGCANG_REPORT_ISSUE_EVERY_MS',
    env.QINGCANG_REPORT_ISSUE_EVERY_MS,
    300_000,
    1000,
  );
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
    // 推演 runs asked for in the web app: one at a time, each in a worker thread (src/twin/jobs/runner.ts); a job
    // runs every queued run, one after another. Its heartbeat keeps a long run its own; 24 hours at most.
    {
      queue: 'twin-runner',
      label: '推演 runner',
      everyMs: 3000,
      expireInSeconds: 86_400,
      run: async () => {
        const ran = await twin.drain();
        if (ran > 0) app.log.info({ runs: ran }, '推演 runner: queue empty');
      },
    },
    // The tracing feeds' day partitions: a week ahead, every hour; the days past QINGCANG_FEED_RETENTION_DAYS
    // dropped whole (kept for ever when unset).
    {
      queue: 'feed-partitions',
      label: 'feed partitions',
      everyMs: Number(process.env.QINGCANG_FEED_PARTITIONS_EVERY_MS ?? 3_600_000),
      run: async () => {
        const created = await ensureFeedPartitions(db, clock.now(), { back: 1, ahead: 7 });
        const expired = feedRetention
          ? await dropExpiredFeedPartitions(db, clock.now(), feedRetention)
          : { dropped: [], deleted: 0 };
        if (created > 0 || expired.dropped.length > 0 || expired.deleted > 0)
          app.log.info(
            { created, dropped: expired.dropped, deleted: expired.deleted },
            'feed partitions: days made ahead, days past retention dropped',
          );
      },
    },
    // The embedded database has no autovacuum: statistics, BRIN summaries and (every sixth run) dead rows.
    ...(db.describe().kind === 'pglite'
      ? [
          {
            queue: 'embedded-maintenance',
            label: 'embedded database maintenance',
            everyMs: maintenanceEveryMs,
            // Not while a start's first screens and the first dashboard refresh share the one connection.
            notAtStart: true,
            run: async () => {
              const r = await embeddedMaintenance(db, { vacuum: maintenanceRuns++ % 6 === 5 });
              app.log.info(
                { seconds: Number(r.seconds.toFixed(2)), brin_ranges: r.brinRanges, vacuumed: r.vacuumed },
                'embedded database maintenance',
              );
            },
          },
        ]
      : []),
    // 每日通报: the report of the day that ended, issued after midnight for every province, city, district and street
    // (src/modules/command/issued-reports.ts); a run finds what is missing, so a missed tick issues it later.
    {
      queue: 'daily-report-issue',
      label: 'daily report issue',
      everyMs: reportIssueEveryMs,
      // Not while a start's first screens share the one embedded connection.
      notAtStart: true,
      run: async () => {
        const r = await issueDailyReports(db, clock);
        if (r.issued > 0) app.log.info({ day: r.day, reports: r.issued }, 'daily reports issued');
      },
    },
    // 自动安置: the backlog of every jurisdiction with auto placement on, placed every few minutes
    // (src/modules/isolation/placement-runs.ts).
    {
      queue: 'auto-placement',
      label: 'auto placement',
      everyMs: autoPlacementMs,
      notAtStart: true,
      run: async () => {
        const r = await autoPlace(db, clock);
        if (r.placed > 0) {
          app.log.info({ scopes: r.scopes, placed: r.placed, waiting: r.waiting }, 'auto placement');
          refreshDashboardNow?.();
        }
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
    // A running 推演 run goes back to its queue first, so the job queue's stop does not wait for it.
    await twin.stop();
    await jobs?.stop();
    openQueues.delete(db);
  });

  // A site closed or people placed show on the dashboard within seconds, not at the next tick (at most one extra
  // refresh per interval: a quarter of the tick, at least 5 s; the embedded database's one connection is shared).
  nudgeOnWrites(app, () => refreshDashboardNow?.(), 1000, Math.max(5000, dashboardEveryMs / 4));
}

/**
 * Background work inside the server process: the tracing worker every few seconds, and the dashboard's figures
 * every `QINGCANG_DASHBOARD_REFRESH_MS` (default 15 s on PostgreSQL, 60 s on PGlite). One run of each at a time; errors are logged and retried
 * at the next tick; the app's close waits for runs in flight. (pg-boss is the intended
 * queue for heavier jobs; this loop needs none, and the worker itself is idempotent and lock-serialised, so several
 * server processes may run it side by side.)
 */
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/types.ts';
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

/** Runs `job` every `everyMs` while the app is up, one run at a time. */
function every(app: FastifyInstance, name: string, everyMs: number, job: () => Promise<void>): void {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = job()
      .catch((err: unknown) => app.log.error({ err }, `${name} failed; retrying at the next tick`))
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
  every(app, 'tracing worker', everyMs, async () => {
    const r = await runTracing(db, clock);
    if (r.casesCreated > 0 || r.traced.length > 0)
      app.log.info({ cases: r.casesCreated, traced: r.traced.length }, 'tracing worker');
  });
  // The audit chain's head in the log stream every 10 minutes: logs shipped elsewhere anchor it outside the
  // database, so entries removed from the end can be proven (`audit verify --expect-head`).
  let lastHead = '';
  every(app, 'audit checkpoint', Number(process.env.QINGCANG_AUDIT_CHECKPOINT_MS ?? 600_000), async () => {
    const head = await auditHead(db);
    const text = `${head.count}:${head.hash}`;
    if (text === lastHead) return;
    lastHead = text;
    app.log.info(
      { audit_checkpoint: signedCheckpoint(head, clock.now(), process.env.QINGCANG_AUDIT_KEY || undefined) },
      'audit checkpoint',
    );
  });
  // Environmental disinfection (环境消杀): case triggers and the places' schedules, every minute (idempotent).
  every(app, 'disinfection', Number(process.env.QINGCANG_DISINFECTION_EVERY_MS ?? 60_000), async () => {
    const r = await runDisinfection(db, clock);
    if (r.dueCreated > 0 || r.scheduled > 0)
      app.log.info({ triggered: r.dueCreated, scheduled: r.scheduled }, 'disinfection');
  });
  // 就医: an emergency without a step for 30 minutes becomes a red item (a task) on the responsibility list.
  every(app, 'medical emergency check', 60_000, async () => {
    const opened = await checkStalledEmergencies(db, clock);
    if (opened > 0) app.log.warn({ stalled: opened }, 'medical emergencies stalled 30 minutes');
  });
  // 力量调配 闭环: the closed loops' daily test schedule, and a gap task for every test due and not taken.
  every(app, 'closed-loop test check', 60_000, async () => {
    const gaps = await checkLoopGaps(db, clock);
    if (gaps > 0) app.log.warn({ gaps }, 'closed-loop tests missed');
  });
  // 保供: a request past due and not handed becomes an item (a task) on the supply leader's responsibility list;
  // the shortfall is recomputed (a support shipment's stock becomes usable when it arrives).
  every(app, 'supplies late check', 60_000, async () => {
    const late = await checkLateSupplies(db, clock);
    await db.transaction((tx) => refreshShortfall(tx, clock.now()));
    if (late > 0) app.log.warn({ late }, 'supplies requests late');
  });
  // 推演 runs asked for in the web app: one at a time, in a worker thread.
  const twin = new TwinRunner(db, clock, app.log);
  app.addHook('onReady', () => twin.start());
  app.addHook('onClose', () => twin.stop());
  every(app, '推演 runner', 3000, () => twin.tick());
  every(app, 'dashboard refresh', dashboardEveryMs, async () => {
    const r = await refreshDashboard(db, clock);
    store.invalidate();
    app.log.debug({ areas: r.areas, ms: r.ms }, 'dashboard refreshed');
  });
}

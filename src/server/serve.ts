/**
 * Serving: one process, or a cluster of processes sharing one port (node:cluster).
 *
 * Roles: `api` answers HTTP and runs no background work; `worker` runs the background work (src/server/
 * workers.ts) and answers only its health and metrics; `all` does both (one process, the default).
 *
 * `serve --processes N`: the primary forks N `api` workers that share the port (the kernel's connections are
 * dealt round-robin by the primary) and, with the role `all`, one `worker` child, so the background work runs
 * once. A child that dies is forked again after a pause that doubles while it keeps dying young (0.5 s up to
 * 30 s); one that dies before the cluster first came up stops the whole start (a configuration error would
 * otherwise loop). SIGTERM or SIGINT to the primary asks every child to finish its requests and stop, and exits
 * 0 once all have (1 if some had to be killed after 20 s).
 */
import cluster, { type Worker } from 'node:cluster';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Db } from '../db/types.ts';
import type { Clock } from '../domain/clock.ts';
import { DashboardStore } from '../modules/command/dashboard.ts';
import { installMetrics, markProcess, serveClusterMetrics, workerRestarts } from './metrics.ts';
import { installRequestId, requestIdOf } from './request-id.ts';
import { installWorkers } from './workers.ts';

export const SERVE_ROLES = ['api', 'worker', 'all'] as const;
export type Role = (typeof SERVE_ROLES)[number];

/** The role a cluster child was forked for (set by the primary; empty outside a cluster). */
export const CLUSTER_ROLE_ENV = 'QINGCANG_CLUSTER_ROLE';
const READY = 'qingcang:ready';

/** In a cluster child: its role; undefined in a process started by hand. */
export function clusterChildRole(): 'api' | 'worker' | undefined {
  if (!cluster.isWorker) return undefined;
  const role = process.env[CLUSTER_ROLE_ENV];
  return role === 'api' || role === 'worker' ? role : undefined;
}

/** Tells the cluster's primary this child is up (its address, if it listens). */
export function reportReady(address: string | null): void {
  if (cluster.isWorker && process.send) process.send({ type: READY, address });
}

/**
 * Stops gracefully on SIGINT/SIGTERM: stop accepting, finish in-flight requests and runs, close the database
 * (releasing the PGlite lock), exit.
 */
export function stopOnSignals(app: FastifyInstance, db: Db, log: Logger): void {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      log.error('in-flight requests did not finish in 15 s; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    try {
      await app.close();
      await db.close();
      log.info('stopped cleanly');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/** Listens and shuts down gracefully on SIGINT/SIGTERM (see stopOnSignals). */
export async function listenWithShutdown(
  app: FastifyInstance,
  db: Db,
  log: Logger,
  host: string,
  port: number,
): Promise<string> {
  const address = await app.listen({ host, port });
  stopOnSignals(app, db, log);
  return address;
}

/**
 * The `worker` role's app: the background work, and only `GET /api/health` (for a container's health check)
 * and `GET /metrics` over HTTP.
 */
export async function buildWorkerApp(o: {
  db: Db;
  clock: Clock;
  logger: Logger | false;
  metricsToken: string | undefined;
}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: (o.logger || undefined) as FastifyBaseLogger | undefined,
    requestIdHeader: false,
    genReqId: requestIdOf,
    return503OnClosing: true,
  });
  installRequestId(app);
  installMetrics(app, o.db, o.metricsToken);
  app.get('/api/health', async (req, reply) => {
    const kind = o.db.describe().kind;
    try {
      await o.db.query('SELECT 1');
      return { status: 'ok', role: 'worker', database: kind, uptime_s: Math.round(process.uptime()) };
    } catch (err) {
      req.log.error({ err }, 'health check: database unavailable');
      return reply
        .status(503)
        .header('Retry-After', '5')
        .send({ status: 'unavailable', database: kind, error: 'the database cannot be reached' });
    }
  });
  installWorkers(app, o.db, o.clock, new DashboardStore(o.db, o.clock, 0));
  markProcess('worker');
  return app;
}

interface Slot {
  role: 'api' | 'worker';
  worker?: Worker;
  startedAt: number;
  /** Deaths in a row of children that lived less than a minute. */
  youngDeaths: number;
  timer?: NodeJS.Timeout;
}

/** The pause before forking a dead child again: 0.5 s, doubling while it keeps dying within a minute, ≤ 30 s. */
export function restartDelayMs(youngDeaths: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, youngDeaths - 1));
}

/**
 * The cluster's primary: forks `processes` api children and, if `background`, one worker child; resolves with
 * the address once every child is up; rejects (after stopping the others) if one dies before that.
 */
export function startCluster(o: { processes: number; background: boolean; log: Logger }): Promise<string> {
  const { log } = o;
  serveClusterMetrics();
  const slots: Slot[] = [
    ...Array.from({ length: o.processes }, () => ({ role: 'api' as const, startedAt: 0, youngDeaths: 0 })),
    ...(o.background ? [{ role: 'worker' as const, startedAt: 0, youngDeaths: 0 }] : []),
  ];
  const bySlot = new Map<number, Slot>(); // worker id → slot
  let up = false;
  let stopping = false;
  let address: string | null = null;
  const ready = new Set<Slot>();

  const fork = (slot: Slot) => {
    slot.timer = undefined;
    const w = cluster.fork({ [CLUSTER_ROLE_ENV]: slot.role });
    slot.worker = w;
    slot.startedAt = Date.now();
    bySlot.set(w.id, slot);
    log.info({ child: { pid: w.process.pid, role: slot.role } }, 'cluster: process started');
  };

  return new Promise<string>((resolve, reject) => {
    const stopAll = (signal: string, exitCode: number, why?: Error) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'cluster: stopping every process');
      for (const s of slots) if (s.timer) clearTimeout(s.timer);
      const alive = () => slots.filter((s) => s.worker && !s.worker.isDead());
      for (const s of alive()) s.worker?.process.kill('SIGTERM');
      const force = setTimeout(() => {
        const left = alive();
        log.error(
          { pids: left.map((s) => s.worker?.process.pid) },
          'cluster: processes still up after 20 s; killed',
        );
        for (const s of left) s.worker?.process.kill('SIGKILL');
        process.exit(1);
      }, 20_000);
      force.unref();
      const check = () => {
        if (alive().length > 0) return;
        clearTimeout(force);
        if (why) {
          reject(why);
          return;
        }
        log.info('cluster: stopped cleanly');
        process.exit(exitCode);
      };
      cluster.on('exit', check);
      check();
    };

    cluster.on('message', (w, m: { type?: string; address?: string | null }) => {
      if (m?.type !== READY) return;
      const slot = bySlot.get(w.id);
      if (!slot) return;
      if (m.address) address = m.address;
      ready.add(slot);
      if (!up && ready.size === slots.length) {
        up = true;
        resolve(address ?? '');
      }
    });

    cluster.on('exit', (w, code, signal) => {
      const slot = bySlot.get(w.id);
      bySlot.delete(w.id);
      if (!slot || stopping) return;
      slot.worker = undefined;
      if (!up) {
        log.error(
          { child: { pid: w.process.pid, role: slot.role }, code, signal },
          'cluster: a process died while starting',
        );
        stopAll(
          'startup failure',
          1,
          new Error(
            `a ${slot.role} process exited (code ${code ?? signal}) while starting; see its log above`,
          ),
        );
        return;
      }
      slot.youngDeaths = Date.now() - slot.startedAt < 60_000 ? slot.youngDeaths + 1 : 1;
      const delay = restartDelayMs(slot.youngDeaths);
      workerRestarts.inc({ role: slot.role });
      log.error(
        { child: { pid: w.process.pid, role: slot.role }, code, signal, restart_in_ms: delay },
        'cluster: a process died; starting another',
      );
      slot.timer = setTimeout(() => fork(slot), delay);
    });

    process.once('SIGINT', () => stopAll('SIGINT', 0));
    process.once('SIGTERM', () => stopAll('SIGTERM', 0));
    for (const slot of slots) fork(slot);
  });
}

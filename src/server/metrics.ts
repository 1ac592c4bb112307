/**
 * Prometheus metrics (prom-client) at `GET /metrics`: HTTP requests by method, route pattern and status with
 * their latency, the database pool, the background jobs' runs, failures and durations, the processes up by
 * role, and Node's own process metrics.
 *
 * Access: the route answers only when `QINGCANG_METRICS_TOKEN` is set, and only to `Authorization: Bearer
 * <token>` (401 otherwise; 404 when no token is configured, so a deployment that never set one exposes nothing).
 * It is one more route on the API's port, so a scraper reaches every process the way the API does; the reverse
 * proxy should still refuse `/metrics` from the internet (deploy/nginx.conf does).
 *
 * Several processes (`serve --processes N`): a scrape lands on one of them, which asks the cluster's primary;
 * the primary gathers every process's metrics over IPC and sums them (prom-client's AggregatorRegistry), so one
 * scrape shows the whole machine.
 */

import cluster from 'node:cluster';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Db, PoolStats, ReplicaStats } from '../db/types.ts';
import { AppError } from '../lib/errors.ts';
import type { QueueFigures } from './jobs.ts';

/** This process's metrics (a registry of its own, so tests and the cluster primary stay apart from others). */
export const registry = new Registry();
// Node's process metrics under their usual names (process_*, nodejs_*), as the common dashboards expect.
collectDefaultMetrics({ register: registry });
// In a cluster worker, answer the primary's requests for this registry (prom-client's IPC protocol).
AggregatorRegistry.setRegistries([registry]);
if (cluster.isWorker) new AggregatorRegistry();

export const httpRequests = new Counter({
  name: 'qingcang_http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status code',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

export const httpDuration = new Histogram({
  name: 'qingcang_http_request_duration_seconds',
  help: 'Time from receiving a request to sending its answer, by method, route pattern and status code',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60],
  registers: [registry],
});

export const jobRuns = new Counter({
  name: 'qingcang_job_runs_total',
  help: 'Runs of a background job (finished, whether or not they failed)',
  labelNames: ['job'] as const,
  registers: [registry],
});

export const jobFailures = new Counter({
  name: 'qingcang_job_failures_total',
  help: 'Runs of a background job that failed (logged; retried at the next tick)',
  labelNames: ['job'] as const,
  registers: [registry],
});

export const jobSkipped = new Counter({
  name: 'qingcang_job_skipped_total',
  help: 'Runs of a background job not queued because one already waited (asked for by another process or an earlier tick), or ticks of the 推演 runner skipped because another process held its lock',
  labelNames: ['job'] as const,
  registers: [registry],
});

export const jobLastDuration = new Gauge({
  name: 'qingcang_job_last_duration_seconds',
  help: 'Duration of the last run of a background job',
  labelNames: ['job'] as const,
  registers: [registry],
});

export const jobLastSuccess = new Gauge({
  name: 'qingcang_job_last_success_timestamp_seconds',
  help: 'When the last successful run of a background job ended (Unix time)',
  labelNames: ['job'] as const,
  // Summed over processes this would be meaningless: the newest run counts.
  aggregator: 'max',
  registers: [registry],
});

/** Processes up by role (api, worker, all); summed over a cluster it counts them. */
export const processUp = new Gauge({
  name: 'qingcang_process_up',
  help: 'Processes up, by role (api: HTTP only; worker: background jobs only; all: both)',
  labelNames: ['role'] as const,
  registers: [registry],
});

/** The cluster primary's own figures, added to what its workers report. */
const primaryRegistry = new Registry();

/** Restarts of a cluster worker that died (counted in the cluster's primary). */
export const workerRestarts = new Counter({
  name: 'qingcang_cluster_worker_restarts_total',
  help: 'Cluster workers restarted after they died, by role',
  labelNames: ['role'] as const,
  registers: [primaryRegistry],
});

/** Marks this process up in its role. */
export function markProcess(role: 'api' | 'worker' | 'all'): void {
  processUp.set({ role }, 1);
}

/** Databases whose pool figures are reported (one per server process; several in tests). */
const databases = new Set<Db>();

function poolGauge(name: string, help: string, pick: (s: PoolStats) => number) {
  return new Gauge({
    name,
    help,
    labelNames: ['backend'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const db of databases) {
        const stats = db.poolStats?.();
        if (stats) this.inc({ backend: db.describe().kind }, pick(stats));
        // PGlite: one connection in the process, shared by everything; nothing to wait for but its own queue.
        else if (name !== 'qingcang_db_pool_waiting' && name !== 'qingcang_db_pool_idle')
          this.inc({ backend: db.describe().kind }, 1);
      }
    },
  });
}

poolGauge('qingcang_db_pool_total', 'Database connections open (idle or in use)', (s) => s.total);
poolGauge('qingcang_db_pool_idle', 'Database connections open and idle', (s) => s.idle);
poolGauge('qingcang_db_pool_waiting', 'Queries waiting for a free database connection', (s) => s.waiting);
poolGauge('qingcang_db_pool_max', 'Most database connections the pool may open', (s) => s.max);

/** The read replica (src/db/replica.ts) of each database that has one. */
function replicaGauge(name: string, help: string, pick: (s: ReplicaStats) => number | null) {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      for (const db of databases) {
        const stats = db.replicaStats?.();
        // Unknown (the replica unreachable): NaN, not a reassuring 0.
        if (stats) this.inc(pick(stats) ?? Number.NaN);
      }
    },
  });
}

replicaGauge(
  'qingcang_db_replica_up',
  'Whether the read replica serves reads (1) or they go to the primary (0)',
  (s) => (s.up ? 1 : 0),
);
replicaGauge(
  'qingcang_db_replica_lag_seconds',
  "How far the replica's replay is behind the primary (0 when caught up)",
  (s) => s.lagSeconds,
);
new Gauge({
  name: 'qingcang_db_reads',
  help: "GET requests' reads since the start: served by the replica, by the primary while the replica could not serve, by the primary because the caller had just written, and the replica's failures",
  labelNames: ['target'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const db of databases) {
      const s = db.replicaStats?.();
      if (!s) continue;
      this.inc({ target: 'replica' }, s.readsOnReplica);
      this.inc({ target: 'primary' }, s.readsOnPrimary);
      this.inc({ target: 'primary_after_write' }, s.readsAfterWrite);
      this.inc({ target: 'fallback' }, s.fallbacks);
    }
  },
});

let jobFigures: (() => Promise<QueueFigures[]>) | undefined;

/** Where the job queue's figures come from (the process that runs background work sets it). */
export function installJobFigures(get: () => Promise<QueueFigures[]>): void {
  jobFigures = get;
}

new Gauge({
  name: 'qingcang_job_queue_jobs',
  help: "Jobs in the job queue by queue and state (queued, active, failed), as of pg-boss's last count; dead-letters holds the jobs that failed every attempt",
  labelNames: ['queue', 'state'] as const,
  // Every worker process counts the same queues: the largest is the truth, a sum would count them twice.
  aggregator: 'max',
  registers: [registry],
  async collect() {
    this.reset();
    if (!jobFigures) return;
    try {
      for (const q of await jobFigures()) {
        this.set({ queue: q.queue, state: 'queued' }, q.queued);
        this.set({ queue: q.queue, state: 'active' }, q.active);
        this.set({ queue: q.queue, state: 'failed' }, q.failed);
      }
    } catch {
      // the database is away: the gauge is empty for this scrape (qingcang_up and the pool say why)
    }
  },
});

/** Records a background job's run in the metrics. */
export function recordJob(job: string, seconds: number, failed: boolean): void {
  jobRuns.inc({ job });
  jobLastDuration.set({ job }, seconds);
  if (failed) jobFailures.inc({ job });
  else jobLastSuccess.set({ job }, Date.now() / 1000);
}

/** The token from QINGCANG_METRICS_TOKEN: unset means no metrics; a short one is refused at start. */
export function metricsTokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = env.QINGCANG_METRICS_TOKEN;
  if (token === undefined || token === '') return undefined;
  if (token.length < 16 || /\s/.test(token))
    throw new Error(
      'QINGCANG_METRICS_TOKEN must be at least 16 characters without spaces (e.g. `openssl rand -hex 24`)',
    );
  return token;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** This process's metrics, or in a cluster worker the whole cluster's (asked of the primary over IPC). */
async function exposition(): Promise<string> {
  if (!cluster.isWorker || !process.send) return registry.metrics();
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error('the cluster primary did not answer in 5 s'));
    }, 5000);
    const onMessage = (m: { type?: string; id?: string; text?: string; error?: string }) => {
      if (m?.type !== CLUSTER_METRICS || m.id !== id) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      if (m.error) reject(new Error(m.error));
      else resolve(m.text ?? '');
    };
    process.on('message', onMessage);
    process.send?.({ type: CLUSTER_METRICS, id });
  });
}

export const CLUSTER_METRICS = 'qingcang:cluster-metrics';

/** In the cluster's primary: answers workers' requests for the whole cluster's metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, m: { type?: string; id?: string }) => {
    if (m?.type !== CLUSTER_METRICS) return;
    Promise.all([aggregator.clusterMetrics(), primaryRegistry.metrics()])
      .then(([workers, own]) =>
        worker.send({ type: CLUSTER_METRICS, id: m.id, text: `${workers.trimEnd()}\n${own}` }),
      )
      .catch((err: Error) => worker.send({ type: CLUSTER_METRICS, id: m.id, error: err.message }));
  });
}

/** Counts and times every request by its route pattern (never the raw URL: ids would explode the series). */
export function installMetrics(app: FastifyInstance, db: Db, token: string | undefined): void {
  databases.add(db);
  app.addHook('onClose', async () => {
    databases.delete(db);
  });
  app.addHook('onResponse', async (req, reply) => {
    const labels = {
      method: req.method,
      route: req.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    httpRequests.inc(labels);
    httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
  const expected = token === undefined ? undefined : digest(token);
  app.get(
    '/metrics',
    {
      // Not behind the session/API-token check: Prometheus authenticates with its own token (below).
      config: { public: true },
      schema: { hide: true },
    },
    async (req, reply) => {
      if (!expected)
        throw new AppError(
          404,
          'route_not_found',
          'no route GET /metrics (QINGCANG_METRICS_TOKEN is not set)',
        );
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (!m?.[1])
        throw new AppError(401, 'unauthenticated', 'send the metrics token: Authorization: Bearer <token>');
      if (!timingSafeEqual(digest(m[1]), expected))
        throw new AppError(401, 'token_invalid', 'the metrics token is wrong');
      let text: string;
      try {
        text = await exposition();
      } catch (err) {
        req.log.error({ err }, 'metrics: the cluster did not answer');
        return reply
          .status(503)
          .header('Retry-After', '5')
          .type('text/plain')
          .send((err as Error).message);
      }
      return reply
        .header('content-type', registry.contentType)
        .header('cache-control', 'no-store')
        .send(text);
    },
  );
}

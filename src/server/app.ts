/**
 * The HTTP API: Fastify 5, zod schemas (validation and OpenAPI at /api/docs), one error format
 * `{"error":{"code","message","details"}}`, structured logs, 503 + Retry-After when the database is gone.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Db } from '../db/types.ts';
import type { Clock } from '../domain/clock.ts';
import { AppError, isDatabaseFull, isDatabaseUnavailable } from '../lib/errors.ts';
import { accessRoutes } from '../modules/access/routes.ts';
import { DashboardStore } from '../modules/command/dashboard.ts';
import { dashboardRoutes } from '../modules/command/dashboard-routes.ts';
import type { CachedList } from '../modules/command/responsibility.ts';
import { commandRoutes } from '../modules/command/routes.ts';
import { disinfectionRoutes } from '../modules/disinfection/routes.ts';
import { forcesRoutes } from '../modules/forces/routes.ts';
import { isolationRoutes } from '../modules/isolation/routes.ts';
import { medicalRoutes } from '../modules/medical/routes.ts';
import { passRoutes } from '../modules/passes/routes.ts';
import { importRoutes } from '../modules/registry/import/routes.ts';
import { registryRoutes } from '../modules/registry/routes.ts';
import { suppliesRoutes } from '../modules/supplies/routes.ts';
import { testingRoutes } from '../modules/testing/routes.ts';
import { tracingRoutes } from '../modules/tracing/routes.ts';
import { transferRoutes } from '../modules/transfer/routes.ts';
import { twinRoutes } from '../twin/jobs/routes.ts';
import { installAuth } from './auth.ts';
import { installInputGuard } from './input-guard.ts';
import { jobsRoutes } from './jobs-routes.ts';
import { ListCache } from './list-cache.ts';
import { installMetrics, metricsTokenFromEnv } from './metrics.ts';
import { installReadRouting } from './read-routing.ts';
import { installRequestId, requestIdOf } from './request-id.ts';
import { installSecurityHeaders } from './security-headers.ts';
import { installWebApp } from './static.ts';
import { VERSION } from './version.ts';
import { installWorkers } from './workers.ts';

export interface AppOptions {
  db: Db;
  clock: Clock;
  logger?: Logger | false;
  /** Largest accepted upload (imports), bytes. */
  uploadLimit?: number;
  /** Production: secure (HTTPS-only) cookies. */
  production?: boolean;
  /** Login attempts per client address per minute (default 10). */
  loginRateLimit?: number;
  /** Run background workers (tracing) in this process: on for `serve`/`start`, off in tests. */
  workers?: boolean;
  /** How often a request may ask the database whether a newer dashboard snapshot exists (ms; 0 in tests). */
  dashboardCheckEveryMs?: number;
  /** Bearer token of GET /metrics (default QINGCANG_METRICS_TOKEN); without one /metrics answers 404. */
  metricsToken?: string;
  /** Behind a reverse proxy: whose X-Forwarded-For to believe (Fastify's trustProxy; QINGCANG_TRUST_PROXY). */
  trustProxy?: boolean | number | string;
  /**
   * How long a costly whole list (today's responsibility list) is kept per jurisdiction, ms (QINGCANG_LIST_CACHE_MS;
   * 0, the default here and in tests: computed on every request). A change made through this server drops it.
   */
  listCacheMs?: number;
  /** With a read replica: how long after a write its caller reads from the primary (src/server/read-routing.ts). */
  replicaStickyMs?: number;
}

export interface RouteInfo {
  method: string;
  url: string;
  config: { public?: boolean; permission?: string; duringPasswordChange?: boolean };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with its access declaration (for the access tests and the docs). */
    routeTable: RouteInfo[];
  }
}

/** The error code of a 4xx raised by Fastify or a plugin: its own code when it has a readable one, else by status. */
export function clientErrorCode(status: number, code: string | undefined): string {
  const byStatus: Record<number, string> = {
    413: 'payload_too_large',
    415: 'unsupported_media_type',
    429: 'rate_limited',
    406: 'not_acceptable',
    414: 'uri_too_long',
    404: 'not_found',
  };
  if (code && !code.startsWith('FST_') && /^[a-z_]+$/i.test(code)) return code.toLowerCase();
  if (byStatus[status]) return byStatus[status];
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
    return 'invalid_json';
  return 'bad_request';
}

export const DEFAULT_UPLOAD_LIMIT = 200 * 1024 * 1024;

/** The replica's part of the health answer (nothing without a replica). */
function replicaHealth(db: Db): { replica?: { up: boolean; lag_s: number | null } } {
  const s = db.replicaStats?.();
  return s ? { replica: { up: s.up, lag_s: s.lagSeconds } } : {};
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { db, clock } = options;
  const app = Fastify({
    loggerInstance: (options.logger || undefined) as FastifyBaseLogger | undefined,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // X-Request-ID from the proxy when it is safe, else a new id; in every log line of the request (reqId).
    requestIdHeader: false,
    genReqId: requestIdOf,
    // The client's address (login rate limit, logs) from X-Forwarded-For when a trusted proxy sent it.
    // (A number of hops is supported at run time; Fastify's types omit it.)
    trustProxy: (options.trustProxy ?? false) as boolean | string,
    // Errors of the router itself (a malformed URL, a path parameter over 100 characters) in the one error format.
    frameworkErrors: (err, _req, reply) => {
      const status = (err as { statusCode?: number }).statusCode ?? 400;
      const code = clientErrorCode(status, (err as { code?: string }).code);
      (reply as FastifyReply).status(status).send({
        error: { code: code === 'bad_request' ? 'url_invalid' : code, message: err.message, details: null },
      });
    },
  });
  const routeTable: RouteInfo[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat())
      routeTable.push({ method, url: r.url, config: (r.config ?? {}) as RouteInfo['config'] });
  });
  // GET handlers read from the replica when the database has one (wrapped as they are added, so before any route).
  if (db.replicaStats)
    installReadRouting(app, {
      stickyMs: options.replicaStickyMs,
      secureCookies: options.production ?? false,
    });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((err, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      return reply.status(400).send({
        error: {
          code: 'validation_failed',
          message: `invalid ${err.validationContext ?? 'request'}: ${err.validation.map((v) => `${v.instancePath || '/'} ${v.message}`).join('; ')}`,
          details: err.validation.map((v) => ({ path: v.instancePath, message: v.message })),
        },
      });
    }
    if (err instanceof AppError) {
      return reply
        .status(err.status)
        .send({ error: { code: err.code, message: err.message, details: err.details ?? null } });
    }
    // The database is gone (restarting, unreachable) or out of resources: nothing was kept, the caller retries.
    const unavailable = isDatabaseUnavailable(err)
      ? {
          code: 'database_unavailable',
          retryAfter: '5',
          message: 'the database cannot be reached; retry in a few seconds',
        }
      : isDatabaseFull(err)
        ? {
            code: 'database_full',
            retryAfter: '30',
            message:
              'the database has run out of disk space, memory or connections; nothing of this request was kept. Retry later; operators: free disk space',
          }
        : null;
    if (unavailable) {
      req.log.error({ err }, unavailable.code);
      return reply
        .status(503)
        .header('Retry-After', unavailable.retryAfter)
        .send({ error: { code: unavailable.code, message: unavailable.message, details: null } });
    }
    const e = err as { statusCode?: number; code?: string; message: string };
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.status(e.statusCode).send({
        error: { code: clientErrorCode(e.statusCode, e.code), message: e.message, details: null },
      });
    }
    req.log.error({ err }, 'unhandled error');
    return reply
      .status(500)
      .send({ error: { code: 'internal', message: 'internal error; it has been logged', details: null } });
  });

  installRequestId(app);
  installMetrics(app, db, options.metricsToken ?? metricsTokenFromEnv());
  installInputGuard(app);
  installSecurityHeaders(app, options.production ?? false);

  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({
      error: {
        code: 'route_not_found',
        message: `no route ${req.method} ${req.url.split('?')[0]}`,
        details: null,
      },
    }),
  );

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'qingcang API',
        description: 'qingcang (清仓) outbreak-response command platform',
        version: VERSION,
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  await app.register(fastifyMultipart, {
    limits: { fileSize: options.uploadLimit ?? DEFAULT_UPLOAD_LIMIT, files: 1 },
  });
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });
  installAuth(app, db, clock);

  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/health',
    {
      // The primary's health, whatever the replica's (which the answer reports beside it).
      config: { public: true, primaryOnly: true },
      schema: {
        tags: ['system'],
        summary: 'Liveness and database reachability',
        response: {
          200: z.object({
            status: z.literal('ok'),
            database: z.enum(['pglite', 'postgresql']),
            version: z.string(),
            schema_version: z.number(),
            time: z.string(),
            uptime_s: z.number(),
            replica: z
              .object({ up: z.boolean(), lag_s: z.number().nullable() })
              .optional()
              .describe('With a read replica (DATABASE_REPLICA_URL): whether it serves reads, and its lag'),
          }),
          503: z.object({
            status: z.literal('unavailable'),
            database: z.enum(['pglite', 'postgresql']),
            error: z.string(),
          }),
        },
      },
    },
    async (req, reply) => {
      const kind = db.describe().kind;
      try {
        const { rows } = await db.query<{ v: number | null }>(
          'SELECT max(version) AS v FROM schema_migrations',
        );
        return {
          status: 'ok' as const,
          database: kind,
          version: VERSION,
          schema_version: rows[0]?.v ?? 0,
          time: clock.now().toISOString(),
          uptime_s: Math.round(process.uptime()),
          ...replicaHealth(db),
        };
      } catch (err) {
        req.log.error({ err }, 'health check: database unavailable');
        return reply
          .status(503)
          .header('Retry-After', '5')
          .send({ status: 'unavailable' as const, database: kind, error: 'the database cannot be reached' });
      }
    },
  );

  await app.register(accessRoutes, {
    prefix: '/api',
    db,
    clock,
    secureCookies: options.production ?? false,
    loginRateLimit: options.loginRateLimit ?? 10,
  });
  const lists = new ListCache<CachedList>(options.listCacheMs ?? 0);
  const totals = new ListCache<{ count: number; more: boolean }>(options.listCacheMs ?? 0);
  // Any change made through this server drops the cached lists and totals before its answer leaves, so the user
  // who made it reads it back at once (src/server/list-cache.ts).
  app.addHook('onSend', async (req, reply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && reply.statusCode < 400) {
      lists.invalidate();
      totals.invalidate();
    }
  });
  await app.register(registryRoutes, { prefix: '/api', db, clock, totals });
  await app.register(importRoutes, { prefix: '/api', db, clock });
  await app.register(testingRoutes, { prefix: '/api', db, clock });
  await app.register(tracingRoutes, { prefix: '/api', db, clock });
  await app.register(isolationRoutes, { prefix: '/api', db, clock, totals });

  await app.register(commandRoutes, { prefix: '/api', db, clock, lists });
  await app.register(transferRoutes, { prefix: '/api', db, clock });
  const store = new DashboardStore(db, clock, options.dashboardCheckEveryMs ?? 2000);
  await app.register(dashboardRoutes, { prefix: '/api', db, clock, store });
  await app.register(twinRoutes, { prefix: '/api', db, clock });
  await app.register(jobsRoutes, { prefix: '/api', db });
  await app.register(passRoutes, { prefix: '/api', db, clock });
  await app.register(medicalRoutes, { prefix: '/api', db, clock });
  await app.register(disinfectionRoutes, { prefix: '/api', db, clock });
  await app.register(forcesRoutes, { prefix: '/api', db, clock });
  await app.register(suppliesRoutes, { prefix: '/api', db, clock });
  if (options.workers) installWorkers(app, db, clock, store);
  await installWebApp(app); // the web app at / (web/dist), or the landing page without a build
  return app;
}

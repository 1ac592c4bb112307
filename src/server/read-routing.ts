/**
 * Which requests may read from the database's replica (src/db/replica.ts): GET and HEAD requests, unless their
 * caller changed something within the last `stickyMs`. Then the caller reads from the primary, so what they just
 * wrote is in their next list whatever the replica's lag (read-your-writes).
 *
 * "The caller wrote" is known twice over: in this process (by user or API token), and, for browser sessions, by a
 * cookie (`qingcang_wrote`, the write's time) that any process of a cluster reads, so a write answered by one API
 * process steers the next reads on another. An API token's writes are known only to the process that took them:
 * a client writing through one process and reading at once through another may, for the replica's lag (a few
 * milliseconds on a local network), not see its write; such clients read after a write with the same connection.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { type ReadScope, replicaReads } from '../db/replica.ts';

export const WROTE_COOKIE = 'qingcang_wrote';

export interface ReadRoutingOptions {
  /** How long after a write its caller reads from the primary (default 5,000 ms). */
  stickyMs?: number;
  /** Secure cookies (production: HTTPS only). */
  secureCookies?: boolean;
}

const READS = new Set(['GET', 'HEAD']);

/** Installs the routing; call before the routes are registered (it wraps each GET handler as it is added). */
export function installReadRouting(app: FastifyInstance, options: ReadRoutingOptions = {}): void {
  const stickyMs = options.stickyMs ?? 5000;
  const lastWrite = new Map<string, number>();
  const scopes = new WeakMap<FastifyRequest, ReadScope>();
  const callerOf = (req: FastifyRequest) =>
    req.principal ? `${req.principal.kind}:${req.principal.id}` : null;

  const mayUseReplica = (req: FastifyRequest): boolean => {
    const now = Date.now();
    const caller = callerOf(req);
    const mine = caller ? lastWrite.get(caller) : undefined;
    if (mine !== undefined && now - mine < stickyMs) return false;
    const cookie = Number(req.cookies?.[WROTE_COOKIE]);
    return !(Number.isFinite(cookie) && now - cookie < stickyMs && cookie <= now + 1000);
  };

  app.addHook('onRoute', (route) => {
    if (![route.method].flat().every((m) => READS.has(m))) return;
    if ((route.config as { primaryOnly?: boolean } | undefined)?.primaryOnly) return;
    const handler = route.handler as RouteHandlerMethod;
    route.handler = function (this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
      const open = mayUseReplica(req);
      const scope: ReadScope = { open, afterWrite: !open };
      scopes.set(req, scope);
      return replicaReads(scope, () => handler.call(this, req, reply));
    } as RouteHandlerMethod;
  });

  const close = async (req: FastifyRequest) => {
    const scope = scopes.get(req);
    if (scope) scope.open = false;
  };
  app.addHook('onResponse', close);
  app.addHook('onRequestAbort', close);

  app.addHook('onSend', async (req, reply) => {
    if (READS.has(req.method) || reply.statusCode >= 400) return;
    const caller = callerOf(req);
    if (!caller) return;
    const now = Date.now();
    if (lastWrite.size > 10_000)
      for (const [k, at] of lastWrite) if (now - at >= stickyMs) lastWrite.delete(k);
    lastWrite.set(caller, now);
    if (req.principal?.kind === 'user')
      reply.setCookie(WROTE_COOKIE, String(now), {
        path: '/api',
        httpOnly: true,
        sameSite: 'strict',
        secure: options.secureCookies ?? false,
        maxAge: Math.ceil(stickyMs / 1000),
      });
  });
}

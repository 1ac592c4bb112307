/**
 * Authentication on every request: a Bearer API token, or a session cookie (then unsafe methods must carry
 * the session's CSRF token in X-CSRF-Token). Routes declare what they need in their config:
 * `{ public: true }` or `{ permission: 'person.read' }`; a route that declares neither is refused, so a new
 * route cannot be open by mistake.
 */
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/types.ts';
import type { Clock } from '../domain/clock.ts';
import { AppError } from '../lib/errors.ts';
import { lookupSession, lookupToken, TOKEN_PREFIX, userPrincipal } from '../modules/access/accounts.ts';
import { can, type Principal } from '../modules/access/principal.ts';
import type { Permission } from '../modules/access/roles.ts';

export const SESSION_COOKIE = 'qc_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    session: { id: string; csrfToken: string } | null;
  }
  interface FastifyContextConfig {
    /** Reachable without authentication (health, login, docs). */
    public?: boolean;
    /** What the caller must be allowed to do. */
    permission?: Permission;
    /** Reachable while the user must still change a one-time password. */
    duringPasswordChange?: boolean;
    /** A GET that must read the primary, never a replica (the health check). */
    primaryOnly?: boolean;
  }
}

/** The authenticated principal of a request that passed the auth hook. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new AppError(401, 'unauthenticated', 'log in or send an API token');
  return req.principal;
}

export function installAuth(app: FastifyInstance, db: Db, clock: Clock): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('session', null);

  app.addHook('onRequest', async (req: FastifyRequest, _reply: FastifyReply) => {
    const config = req.routeOptions.config ?? {};
    if (config.public) return;
    if (!req.routeOptions.url) return; // 404 handler
    // The API's documentation (Swagger UI and the OpenAPI document) is for any logged-in caller, not the public.
    const docs = req.routeOptions.url.startsWith('/api/docs');

    const header = req.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m?.[1]?.startsWith(TOKEN_PREFIX)) {
        throw new AppError(401, 'token_invalid', 'the Authorization header must be "Bearer qct_…"');
      }
      const p = await lookupToken(db, clock, m[1]);
      if (!p)
        throw new AppError(
          401,
          'token_invalid',
          'the API token is unknown, expired or revoked; ask an administrator for a new one',
        );
      req.principal = p;
    } else {
      const token = req.cookies?.[SESSION_COOKIE];
      if (!token)
        throw new AppError(401, 'unauthenticated', 'log in (POST /api/auth/login) or send an API token');
      const s = await lookupSession(db, clock, token);
      if (!s)
        throw new AppError(401, 'session_expired', 'the session has expired or was ended; log in again');
      req.principal = userPrincipal(s.user);
      req.session = { id: s.sessionId, csrfToken: s.csrfToken };
      if (!SAFE_METHODS.has(req.method)) {
        const sent = req.headers['x-csrf-token'];
        if (typeof sent !== 'string' || sent !== s.csrfToken) {
          throw new AppError(
            403,
            'csrf_invalid',
            'missing or wrong X-CSRF-Token header (get it from GET /api/auth/me)',
          );
        }
      }
    }
    const p = req.principal;
    if (p.mustChangePassword && !config.duringPasswordChange) {
      throw new AppError(
        403,
        'password_change_required',
        'change your one-time password first (POST /api/auth/password)',
      );
    }
    if (docs || (config.duringPasswordChange && !config.permission)) return;
    if (!config.permission)
      throw new AppError(403, 'forbidden', 'this route declares no permission; refused');
    if (!can(p, config.permission)) {
      throw new AppError(403, 'forbidden', `your role (${p.role}) may not ${config.permission}`);
    }
  });
}

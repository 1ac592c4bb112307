/** Login, logout, the caller's own account; users, API tokens and the audit log for those allowed. */
import { createHash } from 'node:crypto';
import type {} from '@fastify/cookie';
import type {} from '@fastify/rate-limit';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AreaCode } from '../../lib/area-code.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { PlausibleDate } from '../../lib/instant.ts';
import { principalOf, SESSION_COOKIE } from '../../server/auth.ts';
import { sendExport } from '../../server/list-export.ts';
import {
  checkLogin,
  createSession,
  createToken,
  createUser,
  listTokens,
  revokeSession,
  revokeSessionToken,
  revokeToken,
  revokeUserSessions,
  SESSION_TTL_MS,
  setPassword,
} from './accounts.ts';
import {
  appendAudit,
  auditHead,
  formatHead,
  listAudit,
  parseHead,
  recordRead,
  signedCheckpoint,
  verifyAudit,
} from './audit.ts';
import { auditExport } from './audit-export.ts';
import { generatePassword, verifyPassword } from './passwords.ts';
import { type Principal, principalFor } from './principal.ts';
import { purgePersons } from './purge.ts';
import { ROLES } from './roles.ts';
import { inScope, scopeOf } from './scope.ts';

export interface AccessDeps {
  db: Db;
  clock: Clock;
  /** Secure cookies (HTTPS only): on in production. */
  secureCookies: boolean;
  /** Login attempts per client address per minute. */
  loginRateLimit: number;
}

const Username = z.string().regex(/^[a-z0-9_.-]{3,40}$/, 'a user name has 3–40 characters: a-z 0-9 _ . -');
/** The audit log's filters: the list and its export take the same. */
const AuditFilterQuery = z.object({
  action: z.string().max(60).optional(),
  actor_id: z.coerce.number().int().optional(),
  /** Who acted: an account, an API token, the command line or the system itself. */
  actor_kind: z.enum(['user', 'token', 'cli', 'system']).optional(),
  subject_type: z.string().max(40).optional(),
  subject_id: z.string().max(40).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});
const Reason = z.string().trim().min(4, 'say why, in a few words').max(500);

const UserOut = z.object({
  id: z.number(),
  username: z.string(),
  display_name: z.string(),
  role: z.string(),
  jurisdiction: z.string(),
  status: z.string(),
  must_change_password: z.boolean(),
  last_login_at: z.date().nullable(),
});
/** A user as GET /api/users answers it (the response schema strips every other column). */
export type UserOutRow = z.infer<typeof UserOut>;

function requireInJurisdiction(p: Principal, code: string): void {
  if (!inScope(scopeOf(p), code)) {
    throw new AppError(
      403,
      'out_of_jurisdiction',
      `area ${code} is outside your jurisdiction ${p.jurisdiction}`,
    );
  }
}

export const accessRoutes: FastifyPluginAsync<AccessDeps> = async (
  app,
  { db, clock, secureCookies, loginRateLimit },
) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: secureCookies };

  r.post(
    '/auth/login',
    {
      config: { public: true, rateLimit: { max: loginRateLimit, timeWindow: '1 minute' } },
      schema: {
        tags: ['access'],
        summary: 'Log in with a user name and password; sets the session cookie and returns the CSRF token',
        body: z.object({ username: z.string().max(40), password: z.string().max(200) }),
      },
    },
    async (req, reply) => {
      const outcome = await checkLogin(db, clock, req.body.username, req.body.password);
      if (!outcome.ok) {
        await db.transaction(async (tx) => {
          const who = outcome.user
            ? principalFor(
                'user',
                outcome.user.id,
                outcome.user.username,
                'viewer',
                outcome.user.jurisdiction,
              )
            : // An unknown name is not kept as typed (people type their password in the wrong box): a short
              // hash still tells repeated tries of one name apart.
              {
                ...principalFor('user', 0, `unknown:${typedNameHash(req.body.username)}`, 'viewer', ''),
                id: null,
              };
          await appendAudit(tx, clock, who, {
            action: 'auth.login_failed',
            areaCode: outcome.user?.jurisdiction,
            details: { reason: outcome.reason, ip: req.ip },
          });
        });
        if (outcome.reason === 'locked') {
          throw new AppError(
            423,
            'account_locked',
            'too many failed logins: the account is locked for 15 minutes',
          );
        }
        throw new AppError(401, 'login_failed', 'wrong user name or password, or the account is disabled');
      }
      const u = outcome.user;
      const previous = req.cookies?.[SESSION_COOKIE];
      const session = await db.transaction(async (tx) => {
        if (previous) await revokeSessionToken(tx, clock, previous);
        const s = await createSession(tx, clock, u.id);
        await appendAudit(tx, clock, principalFor('user', u.id, u.username, 'viewer', u.jurisdiction), {
          action: 'auth.login',
          areaCode: u.jurisdiction,
          details: { ip: req.ip },
        });
        return s;
      });
      reply.setCookie(SESSION_COOKIE, session.token, { ...cookieOptions, maxAge: SESSION_TTL_MS / 1000 });
      return {
        username: u.username,
        display_name: u.display_name,
        role: u.role,
        jurisdiction: u.jurisdiction,
        must_change_password: u.must_change_password,
        csrf_token: session.csrfToken,
        expires_at: session.expiresAt.toISOString(),
      };
    },
  );

  r.post(
    '/auth/logout',
    {
      config: { duringPasswordChange: true },
      schema: { tags: ['access'], summary: 'End this session' },
    },
    async (req, reply) => {
      if (req.session) await revokeSession(db, clock, req.session.id);
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return { ok: true };
    },
  );

  r.get(
    '/auth/me',
    {
      config: { duringPasswordChange: true },
      schema: { tags: ['access'], summary: 'Who am I, what may I do, and the CSRF token of this session' },
    },
    async (req) => {
      const p = principalOf(req);
      return {
        kind: p.kind,
        name: p.name,
        role: p.role,
        jurisdiction: p.jurisdiction,
        permissions: [...p.permissions].sort(),
        must_change_password: p.mustChangePassword ?? false,
        csrf_token: req.session?.csrfToken ?? null,
      };
    },
  );

  r.post(
    '/auth/password',
    {
      // A stolen session must not become an unlimited password oracle: as many tries per address as logins.
      config: { duringPasswordChange: true, rateLimit: { max: loginRateLimit, timeWindow: '1 minute' } },
      schema: {
        tags: ['access'],
        summary: 'Change my password (required after a one-time password)',
        body: z.object({ current_password: z.string().max(200), new_password: z.string().max(200) }),
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      if (p.kind !== 'user' || p.id === null)
        throw new AppError(400, 'not_a_user', 'API tokens have no password');
      const { rows } = await db.query<{ password_hash: string }>(
        'SELECT password_hash FROM users WHERE id = $1',
        [p.id],
      );
      if (!rows[0] || !(await verifyPassword(req.body.current_password, rows[0].password_hash))) {
        throw new AppError(400, 'password_wrong', 'the current password is wrong');
      }
      if (req.body.new_password === req.body.current_password)
        throw new AppError(
          400,
          'password_unchanged',
          'the new password must differ from the current one (a one-time password must be replaced)',
        );
      // A new password ends every session of the account (a stolen cookie dies with the old password); this
      // browser gets a fresh session, with a new cookie and a new CSRF token.
      const session = await db.transaction(async (tx) => {
        await setPassword(tx, p.id as number, p.name, req.body.new_password);
        const ended = await revokeUserSessions(tx, clock, p.id as number);
        const s = await createSession(tx, clock, p.id as number);
        await appendAudit(tx, clock, p, {
          action: 'auth.password_changed',
          subjectType: 'user',
          subjectId: p.id as number,
          areaCode: p.jurisdiction,
          details: { sessions_ended: ended },
        });
        return s;
      });
      reply.setCookie(SESSION_COOKIE, session.token, { ...cookieOptions, maxAge: SESSION_TTL_MS / 1000 });
      return { ok: true, csrf_token: session.csrfToken, expires_at: session.expiresAt.toISOString() };
    },
  );

  // ------------------------------------------------------------------------------------------ users
  r.get(
    '/users',
    {
      config: { permission: 'user.manage' },
      schema: {
        tags: ['access'],
        summary: 'Accounts within my jurisdiction',
        response: { 200: z.object({ items: z.array(UserOut) }) },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const { rows } = await db.query<z.infer<typeof UserOut>>(
        `SELECT id, username, display_name, role, jurisdiction, status, must_change_password, last_login_at
         FROM users WHERE starts_with(jurisdiction, $1) ORDER BY id`,
        [p.jurisdiction],
      );
      return { items: rows };
    },
  );

  r.post(
    '/users',
    {
      config: { permission: 'user.manage' },
      schema: {
        tags: ['access'],
        summary: 'Create an account inside my jurisdiction; returns a one-time password to hand over',
        body: z.object({
          username: Username,
          display_name: z.string().trim().min(1).max(100),
          role: z.enum(ROLES),
          jurisdiction: AreaCode,
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      requireInJurisdiction(p, req.body.jurisdiction);
      const password = generatePassword();
      const user = await db.transaction(async (tx) => {
        const u = await createUser(tx, {
          username: req.body.username,
          displayName: req.body.display_name,
          password,
          role: req.body.role,
          jurisdiction: req.body.jurisdiction,
          mustChangePassword: true,
        });
        await appendAudit(tx, clock, p, {
          action: 'user.created',
          subjectType: 'user',
          subjectId: u.id,
          areaCode: u.jurisdiction,
          details: { username: u.username, role: u.role },
        });
        return u;
      });
      return {
        id: user.id,
        username: user.username,
        role: user.role,
        jurisdiction: user.jurisdiction,
        one_time_password: password,
      };
    },
  );

  r.post(
    '/users/:id/disable',
    {
      config: { permission: 'user.manage' },
      schema: {
        tags: ['access'],
        summary: 'Disable an account and end its sessions',
        params: z.object({ id: z.coerce.number().int().positive() }),
        body: z.object({ reason: Reason }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      await db.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: number; jurisdiction: string }>(
          "UPDATE users SET status = 'disabled', updated_at = now() WHERE id = $1 AND starts_with(jurisdiction, $2) RETURNING id, jurisdiction",
          [req.params.id, p.jurisdiction],
        );
        const u = rows[0];
        if (!u) throw notFound('user', req.params.id);
        await revokeUserSessions(tx, clock, u.id);
        await appendAudit(tx, clock, p, {
          action: 'user.disabled',
          subjectType: 'user',
          subjectId: u.id,
          areaCode: u.jurisdiction,
          reason: req.body.reason,
        });
      });
      return { ok: true };
    },
  );

  // ----------------------------------------------------------------------------------------- tokens
  r.get(
    '/tokens',
    {
      config: { permission: 'token.manage' },
      schema: {
        tags: ['access'],
        summary: 'API tokens within my jurisdiction (secrets are never shown again)',
      },
    },
    async (req) => ({ items: await listTokens(db, principalOf(req).jurisdiction) }),
  );

  r.post(
    '/tokens',
    {
      config: { permission: 'token.manage' },
      schema: {
        tags: ['access'],
        summary: 'Create an API token for a device, lab or feed; the secret is returned once',
        body: z.object({
          name: z.string().trim().min(1).max(100),
          role: z.enum(ROLES),
          jurisdiction: AreaCode,
          days: z.number().int().min(1).max(366).default(30),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      requireInJurisdiction(p, req.body.jurisdiction);
      return db.transaction(async (tx) => {
        const t = await createToken(tx, clock, { ...req.body, createdBy: p.kind === 'user' ? p.id : null });
        await appendAudit(tx, clock, p, {
          action: 'token.created',
          subjectType: 'api_token',
          subjectId: t.row.id,
          areaCode: t.row.jurisdiction,
          details: { name: t.row.name, role: t.row.role },
        });
        return { id: t.row.id, token: t.token, expires_at: t.row.expires_at.toISOString() };
      });
    },
  );

  r.post(
    '/tokens/:id/revoke',
    {
      config: { permission: 'token.manage' },
      schema: {
        tags: ['access'],
        summary: 'Revoke an API token at once',
        params: z.object({ id: z.coerce.number().int().positive() }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const t = await revokeToken(tx, clock, req.params.id, p.jurisdiction);
        if (!t) throw notFound('API token', req.params.id);
        await appendAudit(tx, clock, p, {
          action: 'token.revoked',
          subjectType: 'api_token',
          subjectId: t.id,
          areaCode: t.jurisdiction,
        });
        return { ok: true };
      });
    },
  );

  // ------------------------------------------------------------------------------------------ audit
  r.get(
    '/audit',
    {
      config: { permission: 'audit.read' },
      schema: {
        tags: ['access'],
        summary: 'The audit log of my jurisdiction',
        querystring: AuditFilterQuery.extend({
          after: z.coerce.number().int().min(0).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const items = await listAudit(db, scopeOf(principalOf(req)), {
        action: q.action,
        actorId: q.actor_id,
        actorKind: q.actor_kind,
        subjectType: q.subject_type,
        subjectId: q.subject_id,
        from: q.from,
        to: q.to,
        after: q.after,
        limit: q.limit,
      });
      return { items, next_after: items.length === q.limit ? (items.at(-1)?.id ?? null) : null };
    },
  );

  r.get(
    '/audit/export',
    {
      config: { permission: 'audit.read' },
      schema: {
        tags: ['access'],
        summary:
          'The audit log of my jurisdiction with the list filters, every entry, as CSV or Excel, in words and Beijing time, streamed; the export is itself recorded',
        querystring: AuditFilterQuery.extend({
          format: z.enum(['csv', 'xlsx']).default('xlsx'),
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const q = req.query;
      const filter = {
        action: q.action,
        actorId: q.actor_id,
        subjectType: q.subject_type,
        subjectId: q.subject_id,
        from: q.from,
        to: q.to,
        actorKind: q.actor_kind,
      };
      await recordRead(db, clock, p, {
        action: 'audit.exported',
        subjectType: 'audit_log',
        areaCode: p.jurisdiction || undefined,
        details: {
          format: q.format,
          action: q.action ?? null,
          actor_id: q.actor_id ?? null,
          actor_kind: q.actor_kind ?? null,
          subject_type: q.subject_type ?? null,
          subject_id: q.subject_id ?? null,
          from: q.from?.toISOString() ?? null,
          to: q.to?.toISOString() ?? null,
        },
      });
      return sendExport(reply, db, auditExport(db, scopeOf(p), filter), q.format, q.lang);
    },
  );

  r.post(
    '/admin/purge',
    {
      config: { permission: 'data.purge' },
      schema: {
        tags: ['access'],
        summary:
          'Anonymise people in my jurisdiction whose records closed before a day (dry_run to count first)',
        body: z.object({ before: PlausibleDate, reason: Reason, dry_run: z.boolean().default(false) }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      try {
        return await purgePersons(db, clock, p, scopeOf(p), {
          before: new Date(`${req.body.before}T00:00:00Z`),
          reason: req.body.reason,
          dryRun: req.body.dry_run,
        });
      } catch (err) {
        if (err instanceof RangeError) throw new AppError(400, 'before_in_future', err.message);
        throw err;
      }
    },
  );

  r.get(
    '/audit/verify',
    {
      config: { permission: 'audit.read' },
      schema: {
        tags: ['access'],
        summary:
          'Recompute the hash chain of the whole audit log; with expect_head (COUNT:HASH published earlier), also prove no entry was removed from its end',
        querystring: z.object({
          expect_head: z
            .string()
            .regex(/^\d{1,15}:[0-9a-f]{64}$/, 'COUNT:HASH, as published by GET /api/audit/head')
            .optional(),
        }),
      },
    },
    async (req) => {
      const r = await verifyAudit(
        db,
        undefined,
        req.query.expect_head ? parseHead(req.query.expect_head) : undefined,
      );
      return { ...r, head: { ...r.head, text: formatHead(r.head) } };
    },
  );

  r.get(
    '/audit/head',
    {
      config: { permission: 'audit.read' },
      schema: {
        tags: ['access'],
        summary:
          'The head of the audit chain (count and last hash) to keep outside the system; signed when a key is set',
      },
    },
    async () =>
      signedCheckpoint(await auditHead(db), clock.now(), process.env.QINGCANG_AUDIT_KEY || undefined),
  );
};

/** A short, one-way mark of a typed user name that matched no account (for the audit log). */
function typedNameHash(name: string): string {
  return createHash('sha256').update(`qingcang login ${name}`).digest('hex').slice(0, 10);
}

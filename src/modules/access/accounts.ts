/** Accounts, browser sessions and API tokens. Secrets are random; only their SHA-256 is stored. */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import { type Principal, principalFor } from './principal.ts';
import { isRole, type Role } from './roles.ts';

export const SESSION_TTL_MS = 12 * 3600_000; // a working shift
export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60_000;
export const TOKEN_PREFIX = 'qct_';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const secret = () => randomBytes(32).toString('base64url');

export interface UserRow {
  id: number;
  username: string;
  display_name: string;
  password_hash: string;
  role: string;
  jurisdiction: string;
  status: 'active' | 'disabled';
  must_change_password: boolean;
  failed_logins: number;
  locked_until: Date | null;
  last_login_at: Date | null;
  created_at: Date;
}

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  role: string;
  jurisdiction: string;
  mustChangePassword?: boolean;
}

async function checkJurisdiction(db: Queryable, code: string): Promise<void> {
  const { rows } = await db.query('SELECT 1 FROM areas WHERE code = $1', [code]);
  if (rows.length === 0)
    throw new AppError(400, 'area_unknown', `jurisdiction ${code} is not a known area code`);
}

export async function createUser(db: Queryable, u: NewUser): Promise<UserRow> {
  if (!/^[a-z0-9_.-]{3,40}$/.test(u.username)) {
    throw new AppError(
      400,
      'username_invalid',
      'a user name has 3–40 characters: lower-case letters, digits, _ . -',
    );
  }
  if (!isRole(u.role)) throw new AppError(400, 'role_unknown', `unknown role ${u.role}`);
  const problem = passwordProblem(u.password, u.username);
  if (problem) throw new AppError(400, 'password_weak', problem);
  await checkJurisdiction(db, u.jurisdiction);
  const hash = await hashPassword(u.password);
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (username, display_name, password_hash, role, jurisdiction, must_change_password)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO NOTHING RETURNING *`,
    [u.username, u.displayName, hash, u.role, u.jurisdiction, u.mustChangePassword ?? false],
  );
  const row = rows[0];
  if (!row) throw new AppError(409, 'username_taken', `user name ${u.username} is taken`);
  return row;
}

export async function countUsers(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM users');
  return rows[0]?.n ?? 0;
}

export function userPrincipal(u: UserRow): Principal {
  if (!isRole(u.role)) throw new Error(`user ${u.id} has an unknown role ${u.role}`);
  return {
    ...principalFor('user', u.id, u.username, u.role as Role, u.jurisdiction),
    mustChangePassword: u.must_change_password,
  };
}

export type LoginOutcome =
  | { ok: true; user: UserRow }
  | { ok: false; reason: 'unknown_user' | 'bad_password' | 'locked' | 'disabled'; user?: UserRow };

/**
 * Checks a user name and password. Five failures in a row lock the account for 15 minutes.
 * Runs scrypt even for unknown users so timing does not tell which names exist.
 */
export async function checkLogin(
  db: Queryable,
  clock: Clock,
  username: string,
  password: string,
): Promise<LoginOutcome> {
  const { rows } = await db.query<UserRow>('SELECT * FROM users WHERE username = $1', [username]);
  const user = rows[0];
  if (!user) {
    await verifyPassword(password, 'scrypt$32768$8$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$AAAA');
    return { ok: false, reason: 'unknown_user' };
  }
  const now = clock.now();
  if (user.status === 'disabled') return { ok: false, reason: 'disabled', user };
  if (user.locked_until && user.locked_until > now) return { ok: false, reason: 'locked', user };
  if (!(await verifyPassword(password, user.password_hash))) {
    const failed = user.failed_logins + 1;
    const lock = failed >= MAX_FAILED_LOGINS ? new Date(now.getTime() + LOCKOUT_MS) : null;
    await db.query('UPDATE users SET failed_logins = $2, locked_until = $3 WHERE id = $1', [
      user.id,
      lock ? 0 : failed,
      lock,
    ]);
    return { ok: false, reason: lock ? 'locked' : 'bad_password', user };
  }
  await db.query(
    'UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $2 WHERE id = $1',
    [user.id, now],
  );
  return { ok: true, user };
}

export async function setPassword(
  db: Queryable,
  userId: number,
  username: string,
  password: string,
): Promise<void> {
  const problem = passwordProblem(password, username);
  if (problem) throw new AppError(400, 'password_weak', problem);
  await db.query(
    'UPDATE users SET password_hash = $2, must_change_password = false, updated_at = now() WHERE id = $1',
    [userId, await hashPassword(password)],
  );
}

// ------------------------------------------------------------------------------------------- sessions

export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function createSession(db: Queryable, clock: Clock, userId: number): Promise<NewSession> {
  const token = secret();
  const csrfToken = secret();
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await db.query(
    'INSERT INTO sessions (id, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
    [sha256(token), userId, csrfToken, now, expiresAt],
  );
  return { token, csrfToken, expiresAt };
}

export interface SessionLookup {
  sessionId: string;
  csrfToken: string;
  user: UserRow;
}

export async function lookupSession(
  db: Queryable,
  clock: Clock,
  token: string,
): Promise<SessionLookup | undefined> {
  const { rows } = await db.query<UserRow & { session_id: string; csrf_token: string }>(
    `SELECT u.*, s.id AS session_id, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.status = 'active'`,
    [sha256(token), clock.now()],
  );
  const r = rows[0];
  if (!r) return undefined;
  const { session_id, csrf_token, ...user } = r;
  return { sessionId: session_id, csrfToken: csrf_token, user };
}

export async function revokeSession(db: Queryable, clock: Clock, sessionId: string): Promise<void> {
  await db.query('UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [
    sessionId,
    clock.now(),
  ]);
}

/** Ends every open session of an account; returns how many were open. */
export async function revokeUserSessions(db: Queryable, clock: Clock, userId: number): Promise<number> {
  const r = await db.query('UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [
    userId,
    clock.now(),
  ]);
  return r.rowCount;
}

/** Ends the session a cookie names (the one a browser held before logging in again). */
export async function revokeSessionToken(db: Queryable, clock: Clock, token: string): Promise<void> {
  await revokeSession(db, clock, sha256(token));
}

// --------------------------------------------------------------------------------------------- tokens

export interface TokenRow {
  id: number;
  name: string;
  prefix: string;
  role: string;
  jurisdiction: string;
  created_by: number | null;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export async function createToken(
  db: Queryable,
  clock: Clock,
  t: { name: string; role: string; jurisdiction: string; days: number; createdBy: number | null },
): Promise<{ token: string; row: TokenRow }> {
  if (!isRole(t.role)) throw new AppError(400, 'role_unknown', `unknown role ${t.role}`);
  if (t.role === 'admin' || t.role === 'auditor') {
    throw new AppError(
      400,
      'role_not_for_tokens',
      `API tokens are for devices and feeds; ${t.role} is a person's role`,
    );
  }
  if (!(t.days >= 1 && t.days <= 366))
    throw new AppError(400, 'token_lifetime', 'a token lives 1 to 366 days');
  await checkJurisdiction(db, t.jurisdiction);
  const token = `${TOKEN_PREFIX}${secret()}`;
  const now = clock.now();
  const { rows } = await db.query<TokenRow>(
    `INSERT INTO api_tokens (name, token_hash, prefix, role, jurisdiction, created_by, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     RETURNING id, name, prefix, role, jurisdiction, created_by, created_at, expires_at, revoked_at, last_used_at`,
    [
      t.name,
      sha256(token),
      token.slice(0, 10),
      t.role,
      t.jurisdiction,
      t.createdBy,
      now,
      new Date(now.getTime() + t.days * 86_400_000),
    ],
  );
  return { token, row: rows[0] as TokenRow };
}

/**
 * Token principals are cached for `TOKEN_CACHE_MS` of clock time, so a device sending thousands of requests a
 * second costs one lookup per few seconds. Revoking a token through this process drops it at once; another
 * server process sees a revocation within `TOKEN_CACHE_MS`. Expiry is checked on every request.
 */
export const TOKEN_CACHE_MS = 5000;
const tokenCache = new Map<
  string,
  { principal: Principal; tokenId: number; expiresAt: number; cachedAt: number }
>();

/**
 * The principal of an API token. `last_used_at` is refreshed at most once a minute, so a device sending
 * thousands of requests a second does not turn every read into a write on one row.
 */
export async function lookupToken(
  db: Queryable,
  clock: Clock,
  token: string,
): Promise<Principal | undefined> {
  const now = clock.now();
  const hash = sha256(token);
  const hit = tokenCache.get(hash);
  if (
    hit &&
    now.getTime() - hit.cachedAt < TOKEN_CACHE_MS &&
    now.getTime() >= hit.cachedAt &&
    now.getTime() < hit.expiresAt
  ) {
    return hit.principal;
  }
  tokenCache.delete(hash);
  const { rows } = await db.query<TokenRow>(
    `SELECT id, name, role, jurisdiction, last_used_at, expires_at FROM api_tokens
      WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2`,
    [hash, now],
  );
  const t = rows[0];
  if (!t || !isRole(t.role)) return undefined;
  if (!t.last_used_at || now.getTime() - t.last_used_at.getTime() > 60_000) {
    await db.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [t.id, now]);
  }
  const principal = principalFor('token', t.id, t.name, t.role, t.jurisdiction);
  if (tokenCache.size > 10_000) tokenCache.clear();
  tokenCache.set(hash, {
    principal,
    tokenId: t.id,
    expiresAt: t.expires_at.getTime(),
    cachedAt: now.getTime(),
  });
  return principal;
}

function forgetToken(tokenId: number): void {
  for (const [hash, entry] of tokenCache) if (entry.tokenId === tokenId) tokenCache.delete(hash);
}

export async function revokeToken(
  db: Queryable,
  clock: Clock,
  id: number,
  scopePrefix: string,
): Promise<TokenRow | undefined> {
  const { rows } = await db.query<TokenRow>(
    `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 AND starts_with(jurisdiction, $3)
     RETURNING id, name, prefix, role, jurisdiction, created_by, created_at, expires_at, revoked_at, last_used_at`,
    [id, clock.now(), scopePrefix],
  );
  if (rows[0]) forgetToken(id);
  return rows[0];
}

export async function listTokens(db: Queryable, scopePrefix: string): Promise<TokenRow[]> {
  const { rows } = await db.query<TokenRow>(
    `SELECT id, name, prefix, role, jurisdiction, created_by, created_at, expires_at, revoked_at, last_used_at
       FROM api_tokens WHERE starts_with(jurisdiction, $1) ORDER BY id`,
    [scopePrefix],
  );
  return rows;
}

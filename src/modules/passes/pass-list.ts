/**
 * Reading passes: the list (filters, total, newest first, keyset on id), one pass with its checks and its token
 * (to show the QR code again and print it), the speed-flagged checks for the issuers, and the revocation list for
 * checkpoint phones. A pass belongs to the area containing all its allowed areas (`area_code`), read by the scope
 * like any place; ID numbers are always masked.
 */
import type { Queryable } from '../../db/types.ts';
import { maskIdNumber } from '../../domain/id-number.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import type { PassRow } from './issue.ts';
import { type PassStatus, passStatus } from './verdict.ts';

export interface PassFilter {
  status?: PassStatus | undefined;
  kind?: string | undefined;
  holderType?: 'vehicle' | 'person' | undefined;
  /** A plate or a holder's name, or part of one. */
  q?: string | undefined;
  /** Only passes with a speed flag. */
  flagged?: boolean | undefined;
}

export interface PassView {
  id: number;
  kind: string;
  holder_type: PassRow['holder_type'];
  holder_name: string;
  plate: string | null;
  id_number: string | null;
  organisation: string;
  purpose: string;
  areas: string[];
  route: boolean;
  area_code: string;
  valid_from: Date;
  valid_to: Date;
  status: PassStatus;
  key_id: string;
  issued_by: string;
  issued_at: Date;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  checks: number;
  flagged: number;
  last_check_at: Date | null;
}

type ListedRow = PassRow & { checks: number; flagged: number; last_check_at: Date | null };

export function presentPass(row: ListedRow, now: Date): PassView {
  return {
    id: row.id,
    kind: row.kind,
    holder_type: row.holder_type,
    holder_name: row.holder_name,
    plate: row.plate,
    id_number: row.id_number ? maskIdNumber(row.id_number) : null,
    organisation: row.organisation,
    purpose: row.purpose,
    areas: row.areas,
    route: row.route,
    area_code: row.area_code,
    valid_from: row.valid_from,
    valid_to: row.valid_to,
    status: passStatus(row, now),
    key_id: row.key_id,
    issued_by: row.issued_by,
    issued_at: row.issued_at,
    revoked_at: row.revoked_at,
    revoked_by: row.revoked_by,
    revoke_reason: row.revoke_reason,
    checks: row.checks ?? 0,
    flagged: row.flagged ?? 0,
    last_check_at: row.last_check_at ?? null,
  };
}

/** The WHERE clause of the list and its count. */
function where(scope: Scope, f: PassFilter, now: Date, params: unknown[]): string {
  const conds = [scopeCondition('p.area_code', scope, params)];
  const add = (sql: (n: number) => string, value: unknown) => {
    params.push(value);
    conds.push(sql(params.length));
  };
  if (f.kind) add((n) => `p.kind = $${n}`, f.kind);
  if (f.holderType) add((n) => `p.holder_type = $${n}`, f.holderType);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    add((n) => `(p.plate ILIKE $${n} OR p.holder_name ILIKE $${n})`, like);
  }
  if (f.flagged)
    conds.push(
      'EXISTS (SELECT 1 FROM pass_checks c WHERE c.pass_id = p.id AND c.suspect_check_id IS NOT NULL)',
    );
  if (f.status) {
    params.push(now);
    const t = `$${params.length}::timestamptz`;
    const notRevoked = `(p.revoked_at IS NULL OR p.revoked_at > ${t})`;
    conds.push(
      {
        revoked: `p.revoked_at <= ${t}`,
        not_yet_valid: `${notRevoked} AND ${t} < p.valid_from`,
        expired: `${notRevoked} AND ${t} >= p.valid_to`,
        valid: `${notRevoked} AND p.valid_from <= ${t} AND ${t} < p.valid_to`,
      }[f.status],
    );
  }
  return conds.join(' AND ');
}

const CHECK_COUNTS = `
  (SELECT count(*) FROM pass_checks c WHERE c.pass_id = p.id)::int AS checks,
  (SELECT count(*) FROM pass_checks c WHERE c.pass_id = p.id AND c.suspect_check_id IS NOT NULL)::int AS flagged,
  (SELECT max(c.checked_at) FROM pass_checks c WHERE c.pass_id = p.id) AS last_check_at`;

export async function listPasses(
  db: Queryable,
  scope: Scope,
  f: PassFilter,
  now: Date,
  page: { before?: number | undefined; limit: number },
): Promise<PassView[]> {
  const params: unknown[] = [];
  const cond = where(scope, f, now, params);
  params.push(page.before ?? null, page.limit);
  const { rows } = await db.query<ListedRow>(
    `SELECT p.*, ${CHECK_COUNTS} FROM passes p
      WHERE ${cond} AND ($${params.length - 1}::int8 IS NULL OR p.id < $${params.length - 1})
      ORDER BY p.id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => presentPass(r, now));
}

export async function countPasses(db: Queryable, scope: Scope, f: PassFilter, now: Date): Promise<number> {
  const params: unknown[] = [];
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM passes p WHERE ${where(scope, f, now, params)}`,
    params,
  );
  return rows[0]?.n ?? 0;
}

export interface CheckView {
  id: number;
  checkpoint_id: number;
  checkpoint: string;
  checkpoint_area: string;
  verdict: string;
  device_verdict: string | null;
  checked_at: Date;
  recorded_at: Date;
  checked_by: string;
  suspect: {
    check_id: number;
    checkpoint_id: number;
    checkpoint: string;
    checked_at: Date;
    km: number;
    minutes: number;
  } | null;
}

/** The checks of a pass, newest first, each with the earlier check its speed flag names. */
export async function checksOf(db: Queryable, passId: number, limit = 200): Promise<CheckView[]> {
  const { rows } = await db.query<
    Omit<CheckView, 'suspect'> & {
      o_id: number | null;
      o_checkpoint_id: number | null;
      o_checkpoint: string | null;
      o_checked_at: Date | null;
      suspect_km: number | null;
      suspect_minutes: number | null;
    }
  >(
    `SELECT c.id, c.checkpoint_id, cp.name AS checkpoint, cp.area_code AS checkpoint_area, c.verdict, c.device_verdict,
            c.checked_at, c.recorded_at, c.checked_by, c.suspect_km, c.suspect_minutes,
            o.id AS o_id, o.checkpoint_id AS o_checkpoint_id, ocp.name AS o_checkpoint, o.checked_at AS o_checked_at
       FROM pass_checks c JOIN checkpoints cp ON cp.id = c.checkpoint_id
       LEFT JOIN pass_checks o ON o.id = c.suspect_check_id LEFT JOIN checkpoints ocp ON ocp.id = o.checkpoint_id
      WHERE c.pass_id = $1 ORDER BY c.checked_at DESC, c.id DESC LIMIT $2`,
    [passId, limit],
  );
  return rows.map(
    ({ o_id, o_checkpoint_id, o_checkpoint, o_checked_at, suspect_km, suspect_minutes, ...c }) => ({
      ...c,
      suspect:
        o_id === null
          ? null
          : {
              check_id: o_id,
              checkpoint_id: o_checkpoint_id as number,
              checkpoint: o_checkpoint as string,
              checked_at: o_checked_at as Date,
              km: suspect_km as number,
              minutes: suspect_minutes as number,
            },
    }),
  );
}

/** One pass of the scope with its token and checks (404 outside, as unknown). */
export async function getPass(
  db: Queryable,
  scope: Scope,
  id: number,
  now: Date,
): Promise<PassView & { token: string; check_list: CheckView[] }> {
  const params: unknown[] = [id];
  const { rows } = await db.query<ListedRow>(
    `SELECT p.*, ${CHECK_COUNTS} FROM passes p WHERE p.id = $1 AND ${scopeCondition('p.area_code', scope, params)}`,
    params,
  );
  const row = rows[0];
  if (!row) throw new AppError(404, 'not_found', `pass ${id} was not found`);
  return { ...presentPass(row, now), token: row.token, check_list: await checksOf(db, id) };
}

export interface SuspectView {
  check_id: number;
  pass_id: number;
  kind: string;
  holder_type: string;
  holder_name: string;
  plate: string | null;
  checkpoint_id: number;
  checkpoint: string;
  checked_at: Date;
  other_check_id: number;
  other_checkpoint_id: number;
  other_checkpoint: string;
  other_checked_at: Date;
  km: number;
  minutes: number;
}

/** Checks flagged by the speed rule, of passes of the scope, newest first. */
export async function suspects(db: Queryable, scope: Scope, limit: number): Promise<SuspectView[]> {
  const params: unknown[] = [limit];
  const { rows } = await db.query<SuspectView>(
    `SELECT c.id AS check_id, p.id AS pass_id, p.kind, p.holder_type, p.holder_name, p.plate,
            c.checkpoint_id, cp.name AS checkpoint, c.checked_at,
            o.id AS other_check_id, o.checkpoint_id AS other_checkpoint_id, ocp.name AS other_checkpoint,
            o.checked_at AS other_checked_at, c.suspect_km AS km, c.suspect_minutes AS minutes
       FROM pass_checks c JOIN passes p ON p.id = c.pass_id JOIN checkpoints cp ON cp.id = c.checkpoint_id
       JOIN pass_checks o ON o.id = c.suspect_check_id JOIN checkpoints ocp ON ocp.id = o.checkpoint_id
      WHERE ${scopeCondition('p.area_code', scope, params)}
      ORDER BY c.checked_at DESC, c.id DESC LIMIT $1`,
    params,
  );
  return rows;
}

/** How far back `next_since` reaches: a revocation committed late (its transaction began earlier) is not missed. */
export const REVOCATION_OVERLAP_MS = 5 * 60_000;

/**
 * Passes revoked (since a time) that a checkpoint of the scope may still be shown: not yet ended, and whose
 * areas meet the scope (the pass's area inside the jurisdiction, or containing it). Ids and times only.
 */
export async function revocations(
  db: Queryable,
  scope: Scope,
  since: Date | undefined,
  now: Date,
): Promise<{ items: { id: number; revoked_at: Date }[]; as_of: Date; next_since: Date }> {
  const params: unknown[] = [now, since ?? null];
  const inside = scopeCondition('area_code', scope, params);
  params.push(scope.prefix);
  const { rows } = await db.query<{ id: number; revoked_at: Date }>(
    `SELECT id, revoked_at FROM passes
      WHERE revoked_at IS NOT NULL AND revoked_at <= $1 AND valid_to > $1
        AND ($2::timestamptz IS NULL OR revoked_at >= $2)
        AND (${inside} OR starts_with($${params.length}, area_code))
      ORDER BY revoked_at, id`,
    params,
  );
  return { items: rows, as_of: now, next_since: new Date(now.getTime() - REVOCATION_OVERLAP_MS) };
}

/**
 * The audit log: append-only (database triggers refuse UPDATE, DELETE and TRUNCATE) and hash-chained.
 * Each entry's hash is sha256(previous hash + canonical text of the entry), so an edited, removed or
 * reordered row is found by `verifyAudit`. Entries are written in the same transaction as what they record;
 * appending takes a transaction-scoped advisory lock so the chain has one order.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import type { Principal } from './principal.ts';
import { type Scope, scopeCondition } from './scope.ts';

export const GENESIS = '0'.repeat(64);
const CHAIN_LOCK = 7263002;

export interface AuditEntry {
  action: string;
  subjectType?: string;
  subjectId?: string | number;
  areaCode?: string;
  reason?: string;
  details?: Record<string, unknown>;
}

/** JSON with object keys sorted at every depth: the same text before and after a jsonb round trip. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
    .join(',')}}`;
}

interface StoredEntry {
  id: number;
  at: Date;
  actor_kind: string;
  actor_id: number | null;
  actor_name: string;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  area_code: string | null;
  reason: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export function entryHash(prev: string, e: Omit<StoredEntry, 'id' | 'hash' | 'prev_hash'>): string {
  const text = canonicalJson([
    e.at.toISOString(),
    e.actor_kind,
    e.actor_id,
    e.actor_name,
    e.action,
    e.subject_type,
    e.subject_id,
    e.area_code,
    e.reason,
    e.details,
  ]);
  return createHash('sha256').update(prev).update(text).digest('hex');
}

/** Appends one entry. `tx` must be a transaction (the chain lock is held until it ends). */
export async function appendAudit(
  tx: Queryable,
  clock: Clock,
  actor: Principal,
  entry: AuditEntry,
): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
  const last = await tx.query<{ hash: string }>('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1');
  const prev = last.rows[0]?.hash ?? GENESIS;
  const row = {
    at: new Date(Math.floor(clock.now().getTime())),
    actor_kind: actor.kind,
    actor_id: actor.id,
    actor_name: actor.name,
    action: entry.action,
    subject_type: entry.subjectType ?? null,
    subject_id: entry.subjectId === undefined ? null : String(entry.subjectId),
    area_code: entry.areaCode ?? null,
    reason: entry.reason ?? null,
    details: JSON.parse(canonicalJson(entry.details ?? {})) as Record<string, unknown>,
  };
  const hash = entryHash(prev, row);
  await tx.query(
    `INSERT INTO audit_log (at, actor_kind, actor_id, actor_name, action, subject_type, subject_id, area_code, reason, details, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)`,
    [
      row.at,
      row.actor_kind,
      row.actor_id,
      row.actor_name,
      row.action,
      row.subject_type,
      row.subject_id,
      row.area_code,
      row.reason,
      JSON.stringify(row.details),
      prev,
      hash,
    ],
  );
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** The first entry whose hash or link does not hold. */
  brokenAt?: number;
  problem?: string;
}

/** Walks the whole chain in id order, in pages, recomputing every hash. */
export async function verifyAudit(
  db: Queryable,
  onProgress?: (checked: number) => void,
): Promise<VerifyResult> {
  let prev = GENESIS;
  let after = 0;
  let checked = 0;
  for (;;) {
    const { rows } = await db.query<StoredEntry>(
      `SELECT id, at, actor_kind, actor_id, actor_name, action, subject_type, subject_id, area_code, reason, details, prev_hash, hash
         FROM audit_log WHERE id > $1 ORDER BY id LIMIT 5000`,
      [after],
    );
    if (rows.length === 0) return { ok: true, checked };
    for (const r of rows) {
      if (r.prev_hash !== prev)
        return {
          ok: false,
          checked,
          brokenAt: r.id,
          problem: 'link to the previous entry is broken (an entry was removed or reordered)',
        };
      if (entryHash(prev, r) !== r.hash)
        return { ok: false, checked, brokenAt: r.id, problem: 'the entry was changed after it was written' };
      prev = r.hash;
      after = r.id;
      checked++;
    }
    onProgress?.(checked);
  }
}

export interface AuditFilter {
  action?: string;
  actorId?: number;
  subjectType?: string;
  subjectId?: string;
  from?: Date;
  to?: Date;
  after?: number;
  limit: number;
}

export type AuditRow = Omit<StoredEntry, 'prev_hash'>;

/** Entries about the scope's areas (entries without an area are visible only to the whole-registry scope). */
export async function listAudit(db: Queryable, scope: Scope, f: AuditFilter): Promise<AuditRow[]> {
  const params: unknown[] = [];
  const where = [
    scope.prefix === ''
      ? 'TRUE'
      : `(area_code IS NOT NULL AND ${scopeCondition('area_code', scope, params)})`,
  ];
  const add = (cond: string, v: unknown) => {
    params.push(v);
    where.push(cond.replace('?', `$${params.length}`));
  };
  if (f.action) add('action = ?', f.action);
  if (f.actorId !== undefined) add('actor_id = ?', f.actorId);
  if (f.subjectType) add('subject_type = ?', f.subjectType);
  if (f.subjectId) add('subject_id = ?', f.subjectId);
  if (f.from) add('at >= ?', f.from);
  if (f.to) add('at < ?', f.to);
  add('id > ?', f.after ?? 0);
  params.push(f.limit);
  const { rows } = await db.query<AuditRow>(
    `SELECT id, at, actor_kind, actor_id, actor_name, action, subject_type, subject_id, area_code, reason, details, hash
       FROM audit_log WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.length}`,
    params,
  );
  return rows;
}

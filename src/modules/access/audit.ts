/**
 * The audit log: append-only (database triggers refuse UPDATE, DELETE and TRUNCATE) and hash-chained.
 * Each entry's hash is sha256(previous hash + canonical text of the entry), so an edited, removed or
 * reordered row is found by `verifyAudit`. Entries are written in the same transaction as what they record;
 * appending takes a transaction-scoped advisory lock so the chain has one order.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Db, Queryable } from '../../db/types.ts';
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

/**
 * A read of a list that names people, recorded like every other read of people (`person.list`, with the list's
 * name and how many rows it gave); an empty list names nobody and is not recorded. Recorded through
 * `recordRead` (batched, acknowledged before the list is answered).
 */
export async function auditPeopleListed(
  db: Db,
  clock: Clock,
  actor: Principal,
  o: { list: string; subjectType: string; areaCode: string; count: number },
): Promise<void> {
  if (o.count === 0) return;
  await recordRead(db, clock, actor, {
    action: 'person.list',
    subjectType: o.subjectType,
    areaCode: o.areaCode || undefined,
    details: { list: o.list, count: o.count },
  });
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

type NewEntry = Omit<StoredEntry, 'id' | 'hash' | 'prev_hash'>;

/** An entry's fields in chain order: the order they are hashed in and the order of the INSERT's columns. */
const ENTRY_FIELDS = [
  'at',
  'actor_kind',
  'actor_id',
  'actor_name',
  'action',
  'subject_type',
  'subject_id',
  'area_code',
  'reason',
  'details',
] as const satisfies readonly (keyof NewEntry)[];

export function entryHash(prev: string, e: NewEntry): string {
  const text = canonicalJson(ENTRY_FIELDS.map((k) => (k === 'at' ? e.at.toISOString() : e[k])));
  return createHash('sha256').update(prev).update(text).digest('hex');
}

/** The entry as it will be stored (and hashed): text made well-formed, details in canonical key order. */
function prepareEntry(clock: Clock, actor: Principal, entry: AuditEntry): NewEntry {
  // Text is hashed as it will be stored: a lone surrogate becomes U+FFFD in the database, so it does here first.
  const text = (v: string | null) => (v === null ? null : v.toWellFormed());
  return {
    at: new Date(Math.floor(clock.now().getTime())),
    actor_kind: actor.kind,
    actor_id: actor.id,
    actor_name: text(actor.name) as string,
    action: entry.action,
    subject_type: entry.subjectType ?? null,
    subject_id: entry.subjectId === undefined ? null : text(String(entry.subjectId)),
    area_code: text(entry.areaCode ?? null),
    reason: text(entry.reason ?? null),
    details: JSON.parse(
      canonicalJson(
        JSON.parse(
          JSON.stringify(entry.details ?? {}, (_k, v: unknown) =>
            typeof v === 'string' ? v.toWellFormed() : v,
          ),
        ),
      ),
    ) as Record<string, unknown>,
  };
}

/**
 * Appends entries to the chain in their order, in one statement: takes the chain lock (held until `tx` ends),
 * links each entry to the one before and inserts them all (ids follow the order given).
 */
async function appendEntries(tx: Queryable, entries: readonly NewEntry[]): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
  const last = await tx.query<{ hash: string }>('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1');
  let prev = last.rows[0]?.hash ?? GENESIS;
  const cols: unknown[][] = Array.from({ length: 12 }, () => []);
  for (const e of entries) {
    const hash = entryHash(prev, e);
    const values = [
      ...ENTRY_FIELDS.map((k) => (k === 'details' ? JSON.stringify(e.details) : e[k])),
      prev,
      hash,
    ];
    for (let i = 0; i < values.length; i++) (cols[i] as unknown[]).push(values[i]);
    prev = hash;
  }
  await tx.query(
    `INSERT INTO audit_log (at, actor_kind, actor_id, actor_name, action, subject_type, subject_id, area_code, reason, details, prev_hash, hash)
     SELECT at, actor_kind, actor_id, actor_name, action, subject_type, subject_id, area_code, reason, details, prev_hash, hash
       FROM unnest($1::timestamptz[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                   $9::text[], $10::jsonb[], $11::text[], $12::text[])
            WITH ORDINALITY AS e(at, actor_kind, actor_id, actor_name, action, subject_type, subject_id, area_code, reason,
                                 details, prev_hash, hash, n)
      ORDER BY n`,
    cols,
  );
}

/** Appends one entry. `tx` must be a transaction (the chain lock is held until it ends). */
export async function appendAudit(
  tx: Queryable,
  clock: Clock,
  actor: Principal,
  entry: AuditEntry,
): Promise<void> {
  await appendEntries(tx, [prepareEntry(clock, actor, entry)]);
}

/** Most entries one batch appends: a larger queue waits for the next batch. */
const READ_BATCH = 500;

/**
 * Records of reads, appended in batches: every read waiting while a batch commits goes into the next one, so a
 * burst of reads costs one chain lock and one commit per batch instead of one each (group commit). The chain
 * stays one chain, in the order of the batches, and tamper-evident as before. One per database handle.
 */
class ReadRecorder {
  private queue: { entry: NewEntry; done: (err?: unknown) => void }[] = [];
  private draining = false;
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  add(entry: NewEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entry, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, READ_BATCH);
        try {
          await this.db.transaction((tx) =>
            appendEntries(
              tx,
              batch.map((b) => b.entry),
            ),
          );
          for (const b of batch) b.done();
        } catch (err) {
          for (const b of batch) b.done(err ?? new Error('audit append failed'));
        }
      }
    } finally {
      this.draining = false;
    }
  }
}

const recorders = new WeakMap<Db, ReadRecorder>();

/**
 * Records a read of personal data (`person.list`, `person.read`, `person.unmask`, exports) and resolves once the
 * entry is committed: call it before answering, so nothing is shown that is not on record (if recording fails,
 * the read fails). Reads are batched with other reads in flight; writes keep `appendAudit` in their own
 * transaction, so a change and its entry commit together.
 */
export function recordRead(db: Db, clock: Clock, actor: Principal, entry: AuditEntry): Promise<void> {
  let r = recorders.get(db);
  if (!r) {
    r = new ReadRecorder(db);
    recorders.set(db, r);
  }
  return r.add(prepareEntry(clock, actor, entry));
}

/**
 * The chain's head: how many entries it holds and the hash of the last. Published (by `audit verify`, the API and
 * a periodic log line) so it can be kept outside the database: a later verification given this head proves the
 * log still contains it, which catches entries removed from the end — something the chain alone cannot show.
 */
export interface AuditHead {
  count: number;
  id: number;
  hash: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** The head of the chain as verified (up to the first broken entry). */
  head: AuditHead;
  /** The first entry whose hash or link does not hold. */
  brokenAt?: number;
  problem?: string;
}

/** `COUNT:HASH`, as printed by `audit verify` and `audit head`. */
export function formatHead(h: Pick<AuditHead, 'count' | 'hash'>): string {
  return `${h.count}:${h.hash}`;
}

export function parseHead(text: string): Pick<AuditHead, 'count' | 'hash'> {
  const m = /^(\d{1,15}):([0-9a-f]{64})$/.exec(text.trim());
  if (!m)
    throw new RangeError(`an audit head is COUNT:HASH (a number, a colon and 64 hex digits), got "${text}"`);
  return { count: Number(m[1]), hash: m[2] as string };
}

/**
 * Walks the whole chain in id order, in pages, recomputing every hash. With `expected` (a head published earlier),
 * the entry at that position must still carry that hash: a chain cut short, or rewritten from before it, fails.
 */
export async function verifyAudit(
  db: Queryable,
  onProgress?: (checked: number) => void,
  expected?: Pick<AuditHead, 'count' | 'hash'>,
): Promise<VerifyResult> {
  let prev = GENESIS;
  let after = 0;
  let checked = 0;
  const head = (): AuditHead => ({ count: checked, id: after, hash: prev });
  for (;;) {
    const { rows } = await db.query<StoredEntry>(
      `SELECT id, at, actor_kind, actor_id, actor_name, action, subject_type, subject_id, area_code, reason, details, prev_hash, hash
         FROM audit_log WHERE id > $1 ORDER BY id LIMIT 5000`,
      [after],
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      if (r.prev_hash !== prev)
        return {
          ok: false,
          checked,
          head: head(),
          brokenAt: r.id,
          problem: 'link to the previous entry is broken (an entry was removed or reordered)',
        };
      if (entryHash(prev, r) !== r.hash)
        return {
          ok: false,
          checked,
          head: head(),
          brokenAt: r.id,
          problem: 'the entry was changed after it was written',
        };
      prev = r.hash;
      after = r.id;
      checked++;
      if (expected && checked === expected.count && r.hash !== expected.hash)
        return {
          ok: false,
          checked,
          head: head(),
          brokenAt: r.id,
          problem: `entry number ${expected.count} no longer has the published hash: the log was rewritten from there or before`,
        };
    }
    onProgress?.(checked);
  }
  if (expected && checked < expected.count)
    return {
      ok: false,
      checked,
      head: head(),
      problem: `the log holds ${checked} entries but a head of ${expected.count} was published: entries were removed from its end`,
    };
  return { ok: true, checked, head: head() };
}

/** The current head without walking the chain (cheap: for publishing, not for proving). */
export async function auditHead(db: Queryable): Promise<AuditHead> {
  const { rows } = await db.query<{ count: number; id: number | null; hash: string | null }>(
    `SELECT (SELECT count(*) FROM audit_log) AS count, l.id, l.hash
       FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1) l ON TRUE`,
  );
  const r = rows[0];
  return { count: r?.count ?? 0, id: r?.id ?? 0, hash: r?.hash ?? GENESIS };
}

/**
 * A checkpoint of the head for the log stream (kept outside the database by whoever collects the logs). With a
 * key (QINGCANG_AUDIT_KEY), it carries an HMAC-SHA256 over `COUNT:HASH@TIME`, so a checkpoint cannot be forged by
 * someone who holds the database but not the key.
 */
export function signedCheckpoint(head: AuditHead, at: Date, key?: string) {
  const text = `${formatHead(head)}@${at.toISOString()}`;
  return {
    head: formatHead(head),
    count: head.count,
    hash: head.hash,
    at: at.toISOString(),
    signature: key ? createHmac('sha256', key).update(text).digest('hex') : null,
  };
}

export interface AuditFilter {
  action?: string;
  actorId?: number;
  /** Only entries of this kind of actor (an account and a token may share an id). */
  actorKind?: string;
  subjectType?: string;
  subjectId?: string;
  from?: Date;
  to?: Date;
  after?: number;
  limit: number;
}

export type AuditRow = Omit<StoredEntry, 'prev_hash'> & {
  /** The subject's name where it has one and it is not a person (an area, an account, a site…): read, not stored. */
  subject_name?: string | null;
};

/** Subjects named by their own table (never people: their names are for those who may read people). */
const SUBJECT_NAMES: Record<string, string> = {
  area: 'SELECT code AS id, name FROM areas WHERE code = ANY($1::text[])',
  city: 'SELECT code AS id, name FROM areas WHERE code = ANY($1::text[])',
  zone: 'SELECT z.id::text AS id, a.name FROM zones z JOIN areas a ON a.code = z.area_code WHERE z.id::text = ANY($1::text[])',
  user: 'SELECT id::text AS id, display_name AS name FROM users WHERE id::text = ANY($1::text[])',
  site: 'SELECT id::text AS id, name FROM sites WHERE id::text = ANY($1::text[])',
  round: 'SELECT id::text AS id, name FROM rounds WHERE id::text = ANY($1::text[])',
  leader: 'SELECT id::text AS id, name FROM leaders WHERE id::text = ANY($1::text[])',
  hospital: 'SELECT id::text AS id, name FROM hospitals WHERE id::text = ANY($1::text[])',
  supply_depot: 'SELECT id::text AS id, name FROM supply_depots WHERE id::text = ANY($1::text[])',
  support_team: 'SELECT id::text AS id, name FROM support_teams WHERE id::text = ANY($1::text[])',
  checkpoint: 'SELECT id::text AS id, name FROM checkpoints WHERE id::text = ANY($1::text[])',
};

/** Adds each entry's subject name (one query per kind of subject on the page). */
async function withSubjectNames(db: Queryable, rows: AuditRow[]): Promise<AuditRow[]> {
  const ids = new Map<string, Set<string>>();
  for (const r of rows)
    if (r.subject_type && r.subject_id && SUBJECT_NAMES[r.subject_type]) {
      const set = ids.get(r.subject_type) ?? new Set<string>();
      set.add(r.subject_id);
      ids.set(r.subject_type, set);
    }
  const names = new Map<string, string>();
  for (const [type, set] of ids) {
    const found = await db.query<{ id: string; name: string }>(SUBJECT_NAMES[type] as string, [[...set]]);
    for (const f of found.rows) names.set(`${type}:${f.id}`, f.name);
  }
  return rows.map((r) => ({ ...r, subject_name: names.get(`${r.subject_type}:${r.subject_id}`) ?? null }));
}

/**
 * Entries about the scope's areas. Entries without an area (failed logins of unknown user names, system changes)
 * are visible to a city-wide or wider scope, the top of a deployment.
 */
export async function listAudit(db: Queryable, scope: Scope, f: AuditFilter): Promise<AuditRow[]> {
  const params: unknown[] = [];
  const where = [
    scope.prefix === ''
      ? 'TRUE'
      : scope.prefix.length <= 4
        ? `(area_code IS NULL OR ${scopeCondition('area_code', scope, params)})`
        : `(area_code IS NOT NULL AND ${scopeCondition('area_code', scope, params)})`,
  ];
  const add = (cond: string, v: unknown) => {
    params.push(v);
    where.push(cond.replace('?', `$${params.length}`));
  };
  if (f.action) add('action = ?', f.action);
  if (f.actorId !== undefined) add('actor_id = ?', f.actorId);
  if (f.actorKind) add('actor_kind = ?', f.actorKind);
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
  return withSubjectNames(db, rows);
}

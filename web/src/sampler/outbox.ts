/**
 * The phone's outbox in IndexedDB. Every scan, hand closing and boxing is written here first, with its
 * idempotency key, and only then uploaded; what the server answered is written back to the same record. The
 * records go up strictly in order (a tube's scans before its closing, its closing before its boxing), scans in
 * batches. A failed upload (no network, server down, session expired) leaves the records queued; sending them
 * again is safe, because the server answers a key it has seen with `duplicate` and counts it once.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { ApiError, api } from '../api.ts';
import type { BoxPacked, ScanAnswer, TubeAnswer } from '../contract.ts';

export type OpState = 'queued' | 'accepted' | 'duplicate' | 'rejected' | 'done';

interface OpBase {
  seq?: number;
  user: string;
  roundId: number;
  state: OpState;
  createdAt: string;
  attempts: number;
  /** The last upload failure that left the record queued (network, server). */
  lastError?: string;
  /** `network` when the phone could not reach the server at all. */
  lastErrorCode?: string;
  code?: string;
  message?: string;
  answeredAt?: string;
}

export interface ScanOp extends OpBase {
  kind: 'scan';
  key: string;
  tube: string;
  pointId: number;
  poolSize: number;
  personId?: number;
  /** Kept only until the server has the scan. */
  idNumber?: string;
  /** Masked ID number or registry id, for the screen. */
  label: string;
  /** A fingerprint of the person, to refuse the same person twice in one tube. */
  who: string;
  scannedAt: string;
  flags?: string[];
  members?: number;
  tubeStatus?: string;
}

export interface CloseOp extends OpBase {
  kind: 'close';
  tube: string;
}

export interface BoxOp extends OpBase {
  kind: 'box';
  box: string;
  tubes: string[];
  /** Each tube's answer: `ok`, `already` (boxed here by an earlier attempt) or `rejected` with its reason. */
  results?: TubeAnswer[];
}

export type Op = ScanOp | CloseOp | BoxOp;
export type NewOp =
  | Omit<ScanOp, 'seq' | 'state' | 'attempts' | 'createdAt'>
  | Omit<CloseOp, 'seq' | 'state' | 'attempts' | 'createdAt'>
  | Omit<BoxOp, 'seq' | 'state' | 'attempts' | 'createdAt'>;

interface OutboxSchema extends DBSchema {
  ops: {
    key: number;
    value: Op;
    indexes: { state: OpState; round: number };
  };
}

const DB_NAME = 'qingcang-sampler';
/** Scans per upload (the server takes up to 1,000). */
export const BATCH = 100;

let dbPromise: Promise<IDBPDatabase<OutboxSchema>> | null = null;

function db(): Promise<IDBPDatabase<OutboxSchema>> {
  dbPromise ??= openDB<OutboxSchema>(DB_NAME, 1, {
    upgrade(d) {
      const ops = d.createObjectStore('ops', { keyPath: 'seq', autoIncrement: true });
      ops.createIndex('state', 'state');
      ops.createIndex('round', 'roundId');
    },
  });
  return dbPromise;
}

type Listener = () => void;
const listeners = new Set<Listener>();

/** Called after every change of the outbox (a record added or answered). */
export function onOutboxChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed(): void {
  for (const l of listeners) l();
  // Other tabs of the same phone.
  channel?.postMessage('changed');
}

const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(DB_NAME);
if (channel)
  channel.onmessage = () => {
    for (const l of listeners) l();
  };

/** Writes a record to the queue; it is on the phone's storage when this resolves. */
export async function enqueue(op: NewOp): Promise<Op> {
  const full = { ...op, state: 'queued', attempts: 0, createdAt: new Date().toISOString() } as Op;
  const seq = await (await db()).add('ops', full);
  changed();
  return { ...full, seq };
}

/** Every record of a round, in queue order. */
export async function opsOfRound(roundId: number): Promise<Op[]> {
  const all = await (await db()).getAllFromIndex('ops', 'round', roundId);
  return all.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
}

/** Records still queued, in order. */
export async function queuedOps(): Promise<Op[]> {
  const all = await (await db()).getAllFromIndex('ops', 'state', 'queued');
  return all.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
}

async function save(ops: Op[]): Promise<void> {
  const tx = (await db()).transaction('ops', 'readwrite');
  await Promise.all([...ops.map((o) => tx.store.put(o)), tx.done]);
}

/**
 * A failure that says nothing about the records: keep them queued and try again later. That is no network, the
 * server or database down, and the session's own problems (expired, CSRF token, password change, a role being
 * changed): none of them is a reason to lose a swab already taken.
 */
function isTransient(err: unknown): boolean {
  if (!(err instanceof ApiError)) return true;
  // An error page that is not the API's (a proxy's or a network login page's 404, 407, 413…) says nothing
  // about the records either: only the API's own refusals (with their code) are final.
  if (err.code === 'http_error') return true;
  return (
    err.status === 0 ||
    err.status === 401 ||
    err.status === 403 ||
    err.status === 408 ||
    err.status === 429 ||
    err.status >= 500
  );
}

/** What a 200 that is not the API's answer (a network login page, a proxy's page) is taken for: no network. */
function notTheServer(): ApiError {
  return new ApiError(0, 'network', 'the answer did not come from the server (a network login page?)');
}

/** Applies the server's answer to a scan; one the answer left out stays queued (its key makes a resend safe). */
function applyScanAnswer(op: ScanOp, a: ScanAnswer | undefined, at: string): void {
  if (!a) return;
  op.answeredAt = at;
  op.lastError = undefined;
  op.lastErrorCode = undefined;
  op.state = a.status;
  // Answered (kept or refused): the phone no longer needs the full ID number; the screen shows the masked label.
  op.idNumber = undefined;
  if (a.status === 'rejected') {
    op.code = a.code;
    op.message = a.message;
    return;
  }
  if (a.status === 'accepted') {
    op.flags = a.flags;
    op.members = a.members;
    op.tubeStatus = a.tubeStatus;
  }
}

function scanItem(op: ScanOp) {
  return {
    key: op.key,
    tube: op.tube,
    point_id: op.pointId,
    scanned_at: op.scannedAt,
    pool_size: op.poolSize,
    ...(op.personId !== undefined ? { person_id: op.personId } : { id_number: op.idNumber ?? '' }),
  };
}

async function sendScans(batch: ScanOp[]): Promise<void> {
  const roundId = batch[0]?.roundId;
  try {
    const res = await api<{ items: ScanAnswer[] }>(`/api/testing/rounds/${roundId}/scans`, {
      method: 'POST',
      body: { items: batch.map(scanItem) },
    });
    if (!Array.isArray(res?.items)) throw notTheServer();
    const byKey = new Map(res.items.map((a) => [a.key, a]));
    const at = new Date().toISOString();
    for (const op of batch) applyScanAnswer(op, byKey.get(op.key), at);
    await save(batch);
    if (batch.some((op) => op.state === 'queued'))
      throw new ApiError(
        0,
        'network',
        'the server answered without some scans: they stay queued and go again',
      );
  } catch (err) {
    if (isTransient(err)) throw err;
    // The whole request was refused (one malformed item fails validation for all): find the culprit one by one.
    if (batch.length > 1 && err instanceof ApiError && err.status === 400) {
      for (const op of batch) await sendScans([op]);
      return;
    }
    const e = err as ApiError;
    const at = new Date().toISOString();
    for (const op of batch) {
      op.state = 'rejected';
      op.idNumber = undefined;
      op.code = e.code;
      op.message = e.message;
      op.answeredAt = at;
      op.lastError = undefined;
      op.lastErrorCode = undefined;
    }
    await save(batch);
  }
}

async function sendClose(op: CloseOp): Promise<void> {
  try {
    const res = await api<{ items: TubeAnswer[] }>('/api/testing/tubes/close', {
      method: 'POST',
      body: { tubes: [op.tube] },
    });
    const a = Array.isArray(res?.items) ? res.items[0] : undefined;
    // No answer for the tube (or not the server's answer): it stays queued; closing again is harmless.
    if (!a) throw notTheServer();
    // `already`: closed by an earlier attempt whose answer was lost (or further on since).
    if (a.status === 'ok' || a.status === 'already') op.state = 'done';
    else {
      op.state = 'rejected';
      op.code = a.code;
      op.message = a.message;
    }
  } catch (err) {
    if (isTransient(err)) throw err;
    op.state = 'rejected';
    op.code = (err as ApiError).code;
    op.message = (err as ApiError).message;
  }
  op.answeredAt = new Date().toISOString();
  op.lastError = undefined;
  op.lastErrorCode = undefined;
  await save([op]);
}

async function sendBox(op: BoxOp): Promise<void> {
  try {
    const res = await api<BoxPacked>('/api/testing/boxes', {
      method: 'POST',
      body: { round_id: op.roundId, box: op.box, tubes: op.tubes },
    });
    if (!Array.isArray(res?.items)) throw notTheServer();
    op.results = res.items;
    // `already`: in this box since an earlier attempt whose answer was lost.
    const ok = op.results.filter((r) => r.status !== 'rejected').length;
    op.state = ok > 0 ? 'done' : 'rejected';
    const refused = op.results.filter((r) => r.status === 'rejected');
    if (refused.length > 0) {
      op.code = refused[0]?.code;
      op.message = refused.map((r) => r.message).join('; ');
    }
  } catch (err) {
    if (isTransient(err)) throw err;
    op.state = 'rejected';
    op.code = (err as ApiError).code;
    op.message = (err as ApiError).message;
  }
  op.answeredAt = new Date().toISOString();
  op.lastError = undefined;
  op.lastErrorCode = undefined;
  await save([op]);
}

export interface FlushResult {
  sent: number;
  /** Why the upload stopped with records still queued (network, server, session), or null. */
  error: ApiError | Error | null;
}

let chain: Promise<unknown> = Promise.resolve();

/**
 * Uploads the user's queued records in order until none is left or an upload fails. One upload at a time per
 * phone: calls run one after the other, and across tabs under a Web Lock where the browser has them.
 */
export function flush(user: string): Promise<FlushResult> {
  const body = () => flushNow(user);
  const next = chain.then(() =>
    typeof navigator !== 'undefined' && navigator.locks
      ? navigator.locks.request('qingcang-sampler-outbox', body)
      : body(),
  );
  chain = next.catch(() => undefined);
  return next;
}

/** How long answered records stay on the phone (the round's counts and the sampler's list read them). */
export const KEEP_ANSWERED_MS = 7 * 24 * 3600_000;
let prunedAt = 0;

/**
 * Deletes the records answered more than `keepMs` ago (kept, refused or done): the phone holds people's data only
 * as long as the work needs it. Queued records are never deleted. Returns how many went.
 */
export async function pruneAnswered(now = new Date(), keepMs = KEEP_ANSWERED_MS): Promise<number> {
  const d = await db();
  const tx = d.transaction('ops', 'readwrite');
  let gone = 0;
  for (let cursor = await tx.store.openCursor(); cursor; cursor = await cursor.continue()) {
    const op = cursor.value;
    if (op.state !== 'queued' && op.answeredAt && now.getTime() - Date.parse(op.answeredAt) > keepMs) {
      await cursor.delete();
      gone++;
    }
  }
  await tx.done;
  if (gone > 0) changed();
  return gone;
}

async function flushNow(user: string): Promise<FlushResult> {
  // Once an hour at most, old answered records go before the upload starts.
  if (Date.now() - prunedAt > 3600_000) {
    prunedAt = Date.now();
    await pruneAnswered().catch(() => 0);
  }
  let sent = 0;
  for (;;) {
    const queue = (await queuedOps()).filter((o) => o.user === user);
    const first = queue[0];
    if (!first) return { sent, error: null };
    const batch: Op[] = [first];
    if (first.kind === 'scan')
      for (const o of queue.slice(1)) {
        if (o.kind !== 'scan' || o.roundId !== first.roundId || batch.length >= BATCH) break;
        batch.push(o);
      }
    try {
      if (first.kind === 'scan') await sendScans(batch as ScanOp[]);
      else if (first.kind === 'close') await sendClose(first);
      else await sendBox(first);
      sent += batch.length;
      changed();
    } catch (err) {
      // Left queued; the next attempt knows these may have reached the server.
      const stuck = batch.filter((o) => o.state === 'queued');
      for (const o of stuck) {
        o.attempts++;
        o.lastError = (err as Error).message;
        o.lastErrorCode = err instanceof ApiError ? err.code : undefined;
      }
      await save(stuck);
      changed();
      return { sent, error: err as Error };
    }
  }
}

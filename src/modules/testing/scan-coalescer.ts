/**
 * Coalesces concurrent scan uploads of a round into shared batches: while one batch is being written, the
 * requests that arrive queue up and go together in the next transaction (up to 1,000 items). At low load a
 * request is written at once (no added delay); under a city-wide rush, each transaction carries many requests,
 * so the database does a dozen statements per batch instead of per phone. Each request still gets exactly its
 * own answers (`recordScans` answers per item; items carry their own sampler and jurisdiction).
 */
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { recordScans, type ScanInput, type ScanOutcome } from './scans.ts';

interface Pending {
  items: ScanInput[];
  resolve: (out: ScanOutcome[]) => void;
  reject: (err: unknown) => void;
}

interface RoundQueue {
  pending: Pending[];
  running: number;
  defaultPoolSize: number;
}

export const MAX_BATCH = 1000;
/** Batches of one round written at the same time (different phones fill different tubes; tube locks order the rest). */
export const PARALLEL_BATCHES = 2;

export class ScanCoalescer {
  private readonly queues = new Map<number, RoundQueue>();
  private readonly db: Db;
  private readonly clock: Clock;

  constructor(db: Db, clock: Clock) {
    this.db = db;
    this.clock = clock;
  }

  submit(roundId: number, defaultPoolSize: number, items: ScanInput[]): Promise<ScanOutcome[]> {
    return new Promise((resolve, reject) => {
      const q = this.queues.get(roundId) ?? { pending: [], running: 0, defaultPoolSize };
      q.defaultPoolSize = defaultPoolSize;
      q.pending.push({ items, resolve, reject });
      this.queues.set(roundId, q);
      if (q.running < PARALLEL_BATCHES) void this.drain(roundId, q);
    });
  }

  private async drain(roundId: number, q: RoundQueue): Promise<void> {
    q.running++;
    try {
      while (q.pending.length > 0) {
        const batch: Pending[] = [];
        let size = 0;
        while (q.pending.length > 0) {
          const next = q.pending[0] as Pending;
          if (batch.length > 0 && size + next.items.length > MAX_BATCH) break;
          batch.push(q.pending.shift() as Pending);
          size += next.items.length;
        }
        try {
          const all = batch.flatMap((b) => b.items);
          const write = () =>
            this.db.transaction((tx) =>
              recordScans(
                tx,
                this.clock,
                { roundId, sampler: 'unknown', defaultPoolSize: q.defaultPoolSize },
                all,
              ),
            );
          // Two batches written at once that carry one key (a phone's retry sent while its first send is still
          // being written, through another batch) both find it new: the second's insert waits for the first and
          // then breaks the key's uniqueness. Written again, it finds the key and answers `duplicate`.
          const out = await write().catch((err: unknown) => {
            if (isKeyRace(err)) return write();
            throw err;
          });
          let at = 0;
          for (const b of batch) {
            b.resolve(out.slice(at, at + b.items.length));
            at += b.items.length;
          }
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      q.running--;
      if (q.running === 0 && q.pending.length === 0) this.queues.delete(roundId);
    }
  }
}

/** The scans' (round, idempotency key) uniqueness broken by a batch written at the same time. */
function isKeyRace(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  // On a round's partition the index is named for its columns (scans_r12_round_id_idempotency_key_key).
  const c = e.constraint ?? '';
  return e.code === '23505' && (c === 'scans_round_key' || /^scans_.*idempotency_key/.test(c));
}

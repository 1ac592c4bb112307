/**
 * The phone's view of its tubes and of its upload queue, derived from the outbox records of a round: how full
 * each tube is (the scans not refused), whether it is closed (full, by hand, or as the server says) and boxed.
 */
import type { Op, ScanOp } from './outbox.ts';

export interface TubeView {
  barcode: string;
  poolSize: number;
  /** Scans on this phone not refused by the server (queued or recorded). */
  count: number;
  /** The tube's member count in the server's latest answer, when there is one. */
  serverMembers: number | null;
  closed: boolean;
  boxedIn: string | null;
  people: Set<string>;
  firstSeq: number;
}

export function deriveTubes(ops: readonly Op[]): Map<string, TubeView> {
  const tubes = new Map<string, TubeView>();
  for (const op of ops) {
    if (op.kind !== 'scan') continue;
    let t = tubes.get(op.tube);
    if (!t) {
      t = {
        barcode: op.tube,
        poolSize: op.poolSize,
        count: 0,
        serverMembers: null,
        closed: false,
        boxedIn: null,
        people: new Set(),
        firstSeq: op.seq ?? 0,
      };
      tubes.set(op.tube, t);
    }
    if (op.state === 'rejected') continue;
    t.count++;
    t.people.add(op.who);
    if (op.members !== undefined) t.serverMembers = op.members;
    if (op.tubeStatus && op.tubeStatus !== 'open') t.closed = true;
  }
  for (const t of tubes.values()) if (t.count >= t.poolSize) t.closed = true;
  for (const op of ops) {
    if (op.state === 'rejected') continue;
    if (op.kind === 'close') {
      const t = tubes.get(op.tube);
      if (t) t.closed = true;
    } else if (op.kind === 'box') {
      for (const barcode of op.tubes) {
        const t = tubes.get(barcode);
        const answer = op.results?.find((r) => r.tube === barcode);
        if (t && answer?.status !== 'rejected') t.boxedIn = op.box;
      }
    }
  }
  return tubes;
}

/** Scans by upload state (closings and boxings show in the list). */
export interface QueueCounts {
  queued: number;
  /** Scans the server has: accepted, or a duplicate of a key it recorded before. */
  confirmed: number;
  flagged: number;
  rejected: number;
}

/**
 * The closed tubes waiting for a box (`waiting`, oldest first), and those held back (`elsewhere`) because records
 * of another account are still queued for them on this phone (a scan, the closing): this account's box would
 * reach the server first and be refused for a tube not yet closed there, or box the tube before its last scans,
 * which the server would then refuse.
 */
export function tubesToBox(ops: readonly Op[], user: string): { waiting: TubeView[]; elsewhere: string[] } {
  const othersQueued = new Set(
    ops.flatMap((o) => (o.user !== user && o.state === 'queued' && o.kind !== 'box' ? [o.tube] : [])),
  );
  const ready = [...deriveTubes(ops).values()]
    .filter((x) => x.closed && !x.boxedIn && x.count > 0)
    .sort((a, b) => a.firstSeq - b.firstSeq);
  return {
    waiting: ready.filter((x) => !othersQueued.has(x.barcode)),
    elsewhere: ready.filter((x) => othersQueued.has(x.barcode)).map((x) => x.barcode),
  };
}

export function countOps(ops: readonly Op[]): QueueCounts {
  const c: QueueCounts = { queued: 0, confirmed: 0, flagged: 0, rejected: 0 };
  for (const op of ops) {
    if (op.kind !== 'scan') continue;
    if (op.state === 'queued') c.queued++;
    else if (op.state === 'rejected') c.rejected++;
    else {
      c.confirmed++;
      if ((op.flags?.length ?? 0) > 0) c.flagged++;
    }
  }
  return c;
}

export function isScan(op: Op): op is ScanOp {
  return op.kind === 'scan';
}

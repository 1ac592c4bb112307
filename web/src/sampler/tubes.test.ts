/** The phone's tubes derived from its outbox: which closed tubes may be boxed by the account using the phone. */
import { describe, expect, it } from 'vitest';
import type { Op } from './outbox.ts';
import { tubesToBox } from './tubes.ts';

let seq = 0;
function scan(user: string, tube: string, state: Op['state'] = 'accepted'): Op {
  seq++;
  return {
    kind: 'scan',
    seq,
    user,
    roundId: 7,
    state,
    attempts: 0,
    createdAt: '2026-12-07T01:00:00Z',
    key: `k${seq}`,
    tube,
    pointId: 31,
    poolSize: 2,
    label: `p${seq}`,
    who: `w${seq}`,
    scannedAt: '2026-12-07T01:00:00Z',
  };
}
function close(user: string, tube: string, state: Op['state'] = 'done'): Op {
  seq++;
  return {
    kind: 'close',
    seq,
    user,
    roundId: 7,
    state,
    attempts: 0,
    createdAt: '2026-12-07T01:00:00Z',
    tube,
  };
}

describe('tubesToBox', () => {
  it('offers the closed tubes not yet boxed, oldest first', () => {
    const ops = [scan('a', 'T2'), close('a', 'T2'), scan('a', 'T1'), scan('a', 'T1'), scan('a', 'T3')];
    const { waiting, elsewhere } = tubesToBox(ops, 'a');
    // T1 is full (2 of 2), T2 closed by hand, T3 still open.
    expect(waiting.map((t) => t.barcode)).toEqual(['T2', 'T1']);
    expect(elsewhere).toEqual([]);
  });

  it('holds back a tube whose closing or scans of another account are still queued on the phone', () => {
    const ops = [
      scan('b', 'T1'),
      close('b', 'T1', 'queued'), // b's closing not uploaded yet
      scan('a', 'T2'),
      scan('b', 'T2', 'queued'), // b's last scan into T2 not uploaded yet (T2 now full)
      scan('a', 'T3'),
      scan('a', 'T3'),
    ];
    expect(tubesToBox(ops, 'a')).toMatchObject({ waiting: [{ barcode: 'T3' }], elsewhere: ['T1', 'T2'] });
    // b, whose records they are, may box them: its own records go first, in order.
    expect(tubesToBox(ops, 'b').waiting.map((t) => t.barcode)).toEqual(['T1', 'T2', 'T3']);
    // Once b's records are answered, a may box them too.
    const uploaded = ops.map((o) => (o.state === 'queued' ? { ...o, state: 'done' as const } : o));
    expect(tubesToBox(uploaded, 'a').elsewhere).toEqual([]);
  });
});

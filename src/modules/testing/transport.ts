/**
 * Closing tubes by hand, packing them into transport boxes, shipping and receiving boxes (送). Each step moves
 * the tubes one step of their lifecycle and records its time; a tube out of step is refused with its reason,
 * the others go on (every answer lists each tube).
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { type TubeStatus, transitionProblem } from './tube-lifecycle.ts';

export type TubeOutcome =
  | { tube: string; status: 'ok' }
  /** The same step was already done (a retried request whose answer was lost): nothing changed. */
  | { tube: string; status: 'already' }
  | { tube: string; status: 'rejected'; code: string; message: string };

interface TubeRow {
  id: number;
  barcode: string;
  status: TubeStatus;
  round_id: number;
  area_code: string;
  box_id: number | null;
}

async function lockTubes(tx: Queryable, barcodes: readonly string[]): Promise<Map<string, TubeRow>> {
  const { rows } = await tx.query<TubeRow>(
    'SELECT id, barcode, status, round_id, area_code, box_id FROM tubes WHERE barcode = ANY($1::text[]) ORDER BY id FOR UPDATE',
    [barcodes],
  );
  return new Map(rows.map((t) => [t.barcode, t]));
}

function check(
  tubes: Map<string, TubeRow>,
  barcode: string,
  to: TubeStatus,
  scopePrefix: string,
): TubeOutcome | TubeRow {
  const t = tubes.get(barcode);
  if (!t) return { tube: barcode, status: 'rejected', code: 'tube_unknown', message: `no tube ${barcode}` };
  if (!t.area_code.startsWith(scopePrefix)) {
    return { tube: barcode, status: 'rejected', code: 'tube_unknown', message: `no tube ${barcode}` };
  }
  const problem = transitionProblem(barcode, t.status, to);
  if (problem) return { tube: barcode, status: 'rejected', code: 'transition_invalid', message: problem };
  return t;
}

/** Closes open tubes that will not fill up (the end of a shift, a household tube). A tube closed already (or
 * further on: boxed, shipped…) answers 'already': closing is what a retry after a lost answer asks again. */
export async function closeTubes(
  tx: Queryable,
  clock: Clock,
  barcodes: readonly string[],
  scopePrefix: string,
): Promise<TubeOutcome[]> {
  const tubes = await lockTubes(tx, barcodes);
  const now = clock.now();
  const ok: number[] = [];
  const out = barcodes.map((b): TubeOutcome => {
    const t = tubes.get(b);
    if (t && t.status !== 'open' && t.area_code.startsWith(scopePrefix))
      return { tube: b, status: 'already' };
    const r = check(tubes, b, 'closed', scopePrefix);
    if (!('id' in r)) return r;
    ok.push(r.id);
    r.status = 'closed';
    return { tube: b, status: 'ok' };
  });
  await tx.query(`UPDATE tubes SET status = 'closed', closed_at = $2 WHERE id = ANY($1::int8[])`, [ok, now]);
  return out;
}

export interface BoxRow {
  id: number;
  barcode: string;
  round_id: number;
  area_code: string;
  status: 'packing' | 'in_transit' | 'received';
  lab_id: number | null;
}

/**
 * Packs closed tubes into a box (created on first use). Tubes not closed are refused one by one; a tube already in
 * this box (a retry) answers 'already'.
 */
export async function packBox(
  tx: Queryable,
  clock: Clock,
  input: { roundId: number; box: string; tubes: readonly string[]; scopePrefix: string },
): Promise<{ box: BoxRow; tubes: TubeOutcome[] }> {
  const now = clock.now();
  const tubes = await lockTubes(tx, input.tubes);
  const first = tubes.get(input.tubes[0] ?? '');
  const existing = await tx.query<BoxRow>('SELECT * FROM boxes WHERE barcode = $1 FOR UPDATE', [input.box]);
  let box = existing.rows[0];
  const isNew = !box;
  if (box && !box.area_code.startsWith(input.scopePrefix))
    throw new AppError(404, 'box_unknown', `no box ${input.box}`);
  if (!box) {
    if (!first?.area_code.startsWith(input.scopePrefix))
      throw new AppError(
        400,
        'tube_unknown',
        `no tube ${input.tubes[0]}: a new box needs a known first tube`,
      );
    // The box takes its first tube's round: a box for another (or no such) round is refused before it exists.
    if (first.round_id !== input.roundId)
      throw new AppError(
        409,
        'tube_other_round',
        `tube ${input.tubes[0]} belongs to round ${first.round_id}, not round ${input.roundId}`,
      );
    const created = await tx.query<BoxRow>(
      `INSERT INTO boxes (barcode, round_id, area_code, packed_at) VALUES ($1, $2, $3, $4) RETURNING *`,
      [input.box, input.roundId, first.area_code, now],
    );
    box = created.rows[0] as BoxRow;
  }
  if (box.round_id !== input.roundId)
    throw new AppError(409, 'box_other_round', `box ${input.box} belongs to round ${box.round_id}`);
  if (box.status !== 'packing')
    throw new AppError(409, 'box_sealed', `box ${input.box} is ${box.status}; pack a new box`);
  const ok: number[] = [];
  const out = input.tubes.map((b) => {
    const t = tubes.get(b);
    if (t?.status === 'boxed' && t.box_id === box.id) return { tube: b, status: 'already' } as TubeOutcome;
    const r = check(tubes, b, 'boxed', input.scopePrefix);
    if (!('id' in r)) return r;
    if (r.round_id !== input.roundId) {
      return {
        tube: b,
        status: 'rejected',
        code: 'tube_other_round',
        message: `tube ${b} belongs to round ${r.round_id}`,
      } as TubeOutcome;
    }
    ok.push(r.id);
    r.status = 'boxed';
    return { tube: b, status: 'ok' } as TubeOutcome;
  });
  // A new box that received no tube is not kept: a refused request writes nothing.
  if (isNew && ok.length === 0) await tx.query('DELETE FROM boxes WHERE id = $1', [box.id]);
  else
    await tx.query(
      `UPDATE tubes SET status = 'boxed', boxed_at = $2, box_id = $3 WHERE id = ANY($1::int8[])`,
      [ok, now, box.id],
    );
  return { box, tubes: out };
}

async function moveBox(
  tx: Queryable,
  barcode: string,
  scopePrefix: string,
  from: BoxRow['status'],
  to: BoxRow['status'],
): Promise<BoxRow> {
  const { rows } = await tx.query<BoxRow>('SELECT * FROM boxes WHERE barcode = $1 FOR UPDATE', [barcode]);
  const box = rows[0];
  if (!box?.area_code.startsWith(scopePrefix)) throw new AppError(404, 'box_unknown', `no box ${barcode}`);
  if (box.status !== from) {
    throw new AppError(
      409,
      'transition_invalid',
      `box ${barcode} is ${box.status}; it must be ${from} to become ${to}`,
    );
  }
  return box;
}

/** The box leaves the sampling point: it and its tubes are in transit. */
export async function shipBox(
  tx: Queryable,
  clock: Clock,
  barcode: string,
  scopePrefix: string,
): Promise<{ tubes: number }> {
  const box = await moveBox(tx, barcode, scopePrefix, 'packing', 'in_transit');
  const now = clock.now();
  await tx.query(`UPDATE boxes SET status = 'in_transit', shipped_at = $2 WHERE id = $1`, [box.id, now]);
  const r = await tx.query(
    `UPDATE tubes SET status = 'in_transit', shipped_at = $2 WHERE box_id = $1 AND status = 'boxed'`,
    [box.id, now],
  );
  return { tubes: r.rowCount };
}

/** The lab receives the box: it and its tubes are received there. */
export async function receiveBox(
  tx: Queryable,
  clock: Clock,
  barcode: string,
  labId: number,
  scopePrefix: string,
): Promise<{ tubes: number }> {
  const lab = await tx.query('SELECT 1 FROM labs WHERE id = $1', [labId]);
  if (lab.rows.length === 0) throw new AppError(400, 'lab_unknown', `no lab ${labId}`);
  const box = await moveBox(tx, barcode, scopePrefix, 'in_transit', 'received');
  const now = clock.now();
  await tx.query(`UPDATE boxes SET status = 'received', received_at = $2, lab_id = $3 WHERE id = $1`, [
    box.id,
    now,
    labId,
  ]);
  const r = await tx.query(
    `UPDATE tubes SET status = 'received', received_at = $2, lab_id = $3 WHERE box_id = $1 AND status = 'in_transit'`,
    [box.id, now, labId],
  );
  return { tubes: r.rowCount };
}

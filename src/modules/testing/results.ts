/**
 * Lab results (检、报): one result per tube — negative, positive or invalid, with Ct values per target gene —
 * from the API, a CSV/XLSX file or an HL7 FHIR R4 Bundle. Idempotent: the same result (result and Ct values)
 * for the same tube sent again is a duplicate, whatever its times. A different second result for a tube is kept and flagged as a conflict; the first stands.
 * Each positive, negative or invalid result then drives the follow-up (./follow-up.ts) in the same transaction.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { canonicalJson } from '../access/audit.ts';
import { type FollowUpSummary, followUpResults } from './follow-up.ts';

export type TubeResultValue = 'negative' | 'positive' | 'invalid';

export interface ResultInput {
  tube: string;
  result: TubeResultValue;
  ct?: Record<string, number>;
  testedAt: Date;
  labCode?: string;
}

export type ResultOutcome =
  | { tube: string; status: 'recorded' }
  | { tube: string; status: 'duplicate' }
  | { tube: string; status: 'conflict'; message: string }
  | { tube: string; status: 'rejected'; code: string; message: string };

export function resultKey(r: ResultInput): string {
  return createHash('sha256')
    .update(canonicalJson([r.tube, r.result, r.ct ?? {}, r.testedAt.toISOString()]))
    .digest('hex');
}

interface TubeRow {
  id: number;
  barcode: string;
  status: string;
  result: string | null;
  area_code: string;
  opened_at: Date;
}

/** How far a lab's clock may run ahead of the server's before its result time is refused. */
export const RESULT_CLOCK_SKEW_MS = 10 * 60_000;
/** A conflicting result is reviewed within this time. */
const CONFLICT_REVIEW_MS = 2 * 3600_000;

export async function ingestResults(
  tx: Queryable,
  clock: Clock,
  items: readonly ResultInput[],
  source: 'api' | 'file' | 'fhir',
  scopePrefix = '',
): Promise<{ outcomes: ResultOutcome[]; followUp: FollowUpSummary }> {
  const now = clock.now();
  const { rows } = await tx.query<TubeRow>(
    'SELECT id, barcode, status, result, area_code, opened_at FROM tubes WHERE barcode = ANY($1::text[]) ORDER BY id FOR UPDATE',
    [[...new Set(items.map((i) => i.tube))]],
  );
  const tubes = new Map(rows.map((t) => [t.barcode, t]));
  const keys = items.map(resultKey);
  const known = await tx.query<{ dedup_key: string }>(
    'SELECT dedup_key FROM tube_results WHERE dedup_key = ANY($1::text[])',
    [keys],
  );
  const seen = new Set(known.rows.map((r) => r.dedup_key));
  // The same result for the same tube is a duplicate whatever its times: a lab that sends a result again with a
  // new issue or test time is resending, not reporting a second test.
  const stored = await tx.query<{ tube_id: number; result: string; ct: unknown }>(
    'SELECT tube_id, result, ct FROM tube_results WHERE tube_id = ANY($1::int8[])',
    [rows.map((t) => t.id)],
  );
  const sameAs = (tubeId: number, result: string, ct: unknown) =>
    `${tubeId}\u0000${result}\u0000${canonicalJson(ct ?? {})}`;
  const held = new Set(stored.rows.map((r) => sameAs(Number(r.tube_id), r.result, r.ct)));
  const insert: unknown[][] = [];
  const resulted: { id: number; result: TubeResultValue; testedAt: Date }[] = [];
  const conflicts: number[] = [];
  const conflictTasks: { id: number; area: string; barcode: string; first: string; second: string }[] = [];
  const outcomes = items.map((item, i): ResultOutcome => {
    const key = keys[i] as string;
    if (seen.has(key)) return { tube: item.tube, status: 'duplicate' };
    const t = tubes.get(item.tube);
    if (t?.area_code.startsWith(scopePrefix) && held.has(sameAs(t.id, item.result, item.ct)))
      return { tube: item.tube, status: 'duplicate' };
    if (!t?.area_code.startsWith(scopePrefix)) {
      return {
        tube: item.tube,
        status: 'rejected',
        code: 'tube_unknown',
        message: `no tube ${item.tube}: check the barcode`,
      };
    }
    // A result cannot come before its sample was taken, nor from the future (beyond a lab clock's skew).
    if (item.testedAt.getTime() > now.getTime() + RESULT_CLOCK_SKEW_MS)
      return {
        tube: item.tube,
        status: 'rejected',
        code: 'tested_at_future',
        message: `tested at ${item.testedAt.toISOString()}, after the server's time ${now.toISOString()}: check the lab system's clock and time zone`,
      };
    if (item.testedAt.getTime() < t.opened_at.getTime() - RESULT_CLOCK_SKEW_MS)
      return {
        tube: item.tube,
        status: 'rejected',
        code: 'tested_before_sampling',
        message: `tested at ${item.testedAt.toISOString()}, before tube ${item.tube} was first sampled (${t.opened_at.toISOString()}): check the time and the barcode`,
      };
    for (const [gene, ct] of Object.entries(item.ct ?? {})) {
      if (!(ct > 0 && ct < 50))
        return {
          tube: item.tube,
          status: 'rejected',
          code: 'ct_invalid',
          message: `Ct of ${gene} must be between 0 and 50, got ${ct}`,
        };
    }
    seen.add(key);
    held.add(sameAs(t.id, item.result, item.ct));
    const record = (conflict: boolean) =>
      insert.push([
        t.id,
        item.result,
        JSON.stringify(item.ct ?? {}),
        item.testedAt,
        item.labCode ?? null,
        source,
        key,
        now,
        conflict,
      ]);
    if (t.result !== null && t.result !== item.result) {
      record(true);
      conflicts.push(t.id);
      conflictTasks.push({
        id: t.id,
        area: t.area_code,
        barcode: t.barcode,
        first: t.result,
        second: item.result,
      });
      return {
        tube: item.tube,
        status: 'conflict',
        message: `tube ${item.tube} already has result ${t.result}; this ${item.result} is kept and flagged for review`,
      };
    }
    if (t.status !== 'received' && t.status !== 'resulted') {
      return {
        tube: item.tube,
        status: 'rejected',
        code: 'transition_invalid',
        message: `tube ${item.tube} is ${t.status}; a lab must receive it before its result`,
      };
    }
    record(false);
    if (t.result === null) {
      t.result = item.result;
      t.status = 'resulted';
      resulted.push({ id: t.id, result: item.result, testedAt: item.testedAt });
    }
    return { tube: item.tube, status: 'recorded' };
  });
  if (insert.length > 0) {
    const col = (i: number) => insert.map((r) => r[i]);
    await tx.query(
      `INSERT INTO tube_results (tube_id, result, ct, tested_at, lab_code, source, dedup_key, received_at, conflict)
       SELECT t, r, c::jsonb, ta, l, s, k, ra, cf
         FROM unnest($1::int8[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::bool[])
           AS u(t, r, c, ta, l, s, k, ra, cf)`,
      [col(0), col(1), col(2), col(3), col(4), col(5), col(6), col(7), col(8)],
    );
  }
  if (resulted.length > 0) {
    await tx.query(
      `UPDATE tubes t SET status = 'resulted', result = u.result, resulted_at = $2
         FROM unnest($1::int8[], $3::text[]) AS u(id, result) WHERE t.id = u.id`,
      [resulted.map((r) => r.id), now, resulted.map((r) => r.result)],
    );
  }
  if (conflicts.length > 0)
    await tx.query('UPDATE tubes SET result_conflict = true WHERE id = ANY($1::int8[])', [conflicts]);
  // A second, different result is kept and the first stands, but someone must look: a review task for the
  // testing team of the tube's area (on the responsibility list; one per tube), due in 2 hours.
  if (conflictTasks.length > 0)
    await tx.query(
      `INSERT INTO tasks (kind, area_code, subject_type, subject_id, due_at, created_at, details)
       SELECT 'result_conflict', u.area, 'tube', u.id, $2, $1, jsonb_build_object('tube', u.barcode, 'first', u.first, 'second', u.second)
         FROM unnest($3::int8[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(id, area, barcode, first, second)
       ON CONFLICT DO NOTHING`,
      [
        now,
        new Date(now.getTime() + CONFLICT_REVIEW_MS),
        conflictTasks.map((c) => c.id),
        conflictTasks.map((c) => c.area),
        conflictTasks.map((c) => c.barcode),
        conflictTasks.map((c) => c.first),
        conflictTasks.map((c) => c.second),
      ],
    );
  const followUp = await followUpResults(
    tx,
    clock,
    resulted.map((r) => r.id),
  );
  return { outcomes, followUp };
}

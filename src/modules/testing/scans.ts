/**
 * Sampling scans (采): a person bound to a tube at a sampling point by a sampler at a time.
 *
 * Built for bad networks: a phone uploads scans in batches, each with its own idempotency key; a batch sent
 * twice, or scans arriving out of order, never count twice. Every item gets its own answer:
 * accepted (with flags), duplicate (the key was seen: the first answer stands), or rejected (with a code).
 *
 * One transaction per batch: the batch's tubes are locked (SELECT … FOR UPDATE) before its keys are checked, and
 * every scan of a key goes to the same tube, so concurrent batches cannot double count. New tubes open on their
 * first scan; a tube closes by itself when it holds its pool size.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { parseIdNumber } from '../../domain/id-number.ts';
import { AppError } from '../../lib/errors.ts';
import { riskJoin, riskOf } from '../registry/risk.ts';

export interface ScanInput {
  key: string;
  tube: string;
  /** A registry person id, or an ID number (registered or not). */
  personId?: number;
  idNumber?: string;
  pointId: number;
  scannedAt: Date;
  /** The tube's pool size as printed on it (1 = single tube); defaults from the round's policy. */
  poolSize?: number;
  /** Who scanned, and where they may scan: per item when requests of several samplers share one batch. */
  sampler?: string;
  scopePrefix?: string;
}

export type ScanOutcome =
  | { key: string; status: 'accepted'; tube: string; tubeStatus: string; members: number; flags: string[] }
  | { key: string; status: 'duplicate'; tube: string }
  | { key: string; status: 'rejected'; code: string; message: string };

export const ISOLATED_STATUSES = ['pool_held', 'suspected', 'case', 'close_contact', 'secondary_contact'];

interface TubeState {
  id: number;
  barcode: string;
  round_id: number;
  sampling_point_id: number;
  status: string;
  pool_size: number;
  members: number;
  area_code: string;
  closed_at: Date | null;
  dirty: boolean;
}

export interface ScanContext {
  roundId: number;
  sampler: string;
  /** Sampling points the sampler may use (their jurisdiction); undefined = any point of the round. */
  scopePrefix?: string;
  defaultPoolSize: number;
}

/**
 * How long a batch waits for a lock (a tube, a barcode or a person being written by a scan file import) before it
 * gives up with 503 `tubes_busy`; the phone sends it again (its outbox retries 5xx answers).
 */
export const SCAN_LOCK_WAIT_MS = 3000;
/** A scan time this far ahead of the server's clock is refused (closer, it is accepted and flagged clock_ahead). */
export const SCAN_FUTURE_LIMIT_MS = 24 * 3600_000;

/** Processes one batch. `tx` must be a transaction. */
export async function recordScans(
  tx: Queryable,
  clock: Clock,
  ctx: ScanContext,
  items: readonly ScanInput[],
): Promise<ScanOutcome[]> {
  try {
    return await recordBatch(tx, clock, ctx, items);
  } catch (err) {
    if ((err as { code?: string }).code === '55P03')
      throw new AppError(
        503,
        'tubes_busy',
        'tubes or people of this batch are being written by a scan file import; send the batch again in a few seconds',
      );
    throw err;
  }
}

async function recordBatch(
  tx: Queryable,
  clock: Clock,
  ctx: ScanContext,
  items: readonly ScanInput[],
): Promise<ScanOutcome[]> {
  const now = clock.now();
  const out: ScanOutcome[] = new Array(items.length);
  // Everything the batch reads before its tubes, in one statement: the round, its points, the people (by id and
  // by ID number: two plain lookups, as an OR of both would let the planner scan a whole index when one list is
  // empty). On PostgreSQL it also sets how long this transaction waits for a lock (a scan-file import's).
  const pointIds = [...new Set(items.map((i) => i.pointId))];
  const ids = [...new Set(items.flatMap((i) => (i.personId ? [i.personId] : [])))];
  // A 15-digit first-generation number is looked up as the 18-digit number it converts to.
  const lookupNumber = (raw: string) => {
    const n = raw.trim().toUpperCase();
    const p = n.length === 15 ? parseIdNumber(n, now) : undefined;
    return p?.ok ? p.value.idNumber : n;
  };
  const numbers = [...new Set(items.flatMap((i) => (i.idNumber ? [lookupNumber(i.idNumber)] : [])))];
  type PersonHit = { id: number; id_number: string; area_code: string; risk_status: string };
  const read = await tx.query<{
    round: { status: string } | null;
    points: { id: number; area_code: string }[];
    by_id: PersonHit[];
    by_number: PersonHit[];
  }>(
    `SELECT CASE WHEN $5::text IS NULL THEN NULL ELSE set_config('lock_timeout', $5, true) END AS lock_timeout,
            (SELECT json_build_object('status', status) FROM rounds WHERE id = $1) AS round,
            (SELECT coalesce(json_agg(json_build_object('id', id, 'area_code', area_code)), '[]')
               FROM sampling_points WHERE round_id = $1 AND id = ANY($2::int8[])) AS points,
            (SELECT coalesce(json_agg(json_build_object('id', p.id, 'id_number', p.id_number, 'area_code', p.area_code,
                                                        'risk_status', ${riskOf('p')})), '[]')
               FROM persons p ${riskJoin('p')} WHERE p.id = ANY($3::int8[]) AND p.purged_at IS NULL) AS by_id,
            (SELECT coalesce(json_agg(json_build_object('id', p.id, 'id_number', p.id_number, 'area_code', p.area_code,
                                                        'risk_status', ${riskOf('p')})), '[]')
               FROM persons p ${riskJoin('p')} WHERE p.id_number = ANY($4::text[]) AND p.purged_at IS NULL) AS by_number`,
    [ctx.roundId, pointIds, ids, numbers, tx.kind === 'postgresql' ? `${SCAN_LOCK_WAIT_MS}ms` : null],
  );
  const r0 = read.rows[0];
  if (!r0?.round) {
    return items.map((i) => ({
      key: i.key,
      status: 'rejected',
      code: 'round_unknown',
      message: `round ${ctx.roundId} does not exist`,
    }));
  }
  const roundClosed = r0.round.status === 'closed';
  const pointArea = new Map(r0.points.map((p) => [Number(p.id), p.area_code]));
  const people = { rows: [...r0.by_id, ...r0.by_number].map((p) => ({ ...p, id: Number(p.id) })) };
  const byId = new Map(people.rows.map((p) => [p.id, p]));
  const byNumber = new Map(people.rows.map((p) => [p.id_number, p]));

  // Tubes: create the new ones (open), then lock all of the batch's tubes.
  const barcodes = [...new Set(items.map((i) => i.tube))];
  const firstItem = new Map<string, ScanInput>();
  for (const i of items) if (!firstItem.has(i.tube) && pointArea.has(i.pointId)) firstItem.set(i.tube, i);
  const fresh = [...firstItem.values()];
  if (!roundClosed && fresh.length > 0) {
    await tx.bulkInsert(
      'tubes',
      [
        { name: 'barcode', type: 'text' },
        { name: 'round_id', type: 'int8' },
        { name: 'sampling_point_id', type: 'int8' },
        { name: 'area_code', type: 'text' },
        { name: 'pool_size', type: 'int2' },
        { name: 'opened_at', type: 'timestamptz' },
      ],
      fresh.map((i) => [
        i.tube,
        ctx.roundId,
        i.pointId,
        pointArea.get(i.pointId),
        i.poolSize ?? ctx.defaultPoolSize,
        i.scannedAt,
      ]),
      { onConflict: 'ON CONFLICT (barcode) DO NOTHING' },
    );
  }
  const tubeRows = await tx.query<Omit<TubeState, 'dirty'>>(
    `SELECT id, barcode, round_id, sampling_point_id, status, pool_size, members, area_code, closed_at FROM tubes
      WHERE barcode = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    [barcodes],
  );
  const tubes = new Map(tubeRows.rows.map((t) => [t.barcode, { ...t, dirty: false }]));

  // Keys already recorded (checked after the tubes are locked).
  const seen = await tx.query<{ idempotency_key: string; barcode: string }>(
    `SELECT s.idempotency_key, t.barcode FROM scans s JOIN tubes t ON t.id = s.tube_id
      WHERE s.round_id = $2 AND s.idempotency_key = ANY($1::text[])`,
    [items.map((i) => i.key), ctx.roundId],
  );
  const seenKey = new Map(seen.rows.map((r) => [r.idempotency_key, r.barcode]));

  // Who was sampled twice in this round is settled after the batch, against round_people (a flag, not a refusal).
  const batchSeen = new Set<number>();
  const firstInBatch: { key: string; personId: number; flags: string[]; at: Date }[] = [];

  const rows: unknown[][] = [];
  const reject = (key: string, code: string, message: string): ScanOutcome => ({
    key,
    status: 'rejected',
    code,
    message,
  });
  const handle = (item: ScanInput): ScanOutcome => {
    const prior = seenKey.get(item.key);
    if (prior !== undefined) {
      return { key: item.key, status: 'duplicate', tube: prior };
    }
    if (roundClosed) return reject(item.key, 'round_closed', `round ${ctx.roundId} is closed`);
    const area = pointArea.get(item.pointId);
    if (!area)
      return reject(
        item.key,
        'point_unknown',
        `sampling point ${item.pointId} is not a point of round ${ctx.roundId}`,
      );
    const scope = item.scopePrefix ?? ctx.scopePrefix;
    if (scope !== undefined && !area.startsWith(scope)) {
      return reject(
        item.key,
        'point_out_of_scope',
        `sampling point ${item.pointId} is outside your jurisdiction`,
      );
    }
    // A phone's clock a few minutes fast is flagged below; a day or more ahead is no real scan time.
    if (item.scannedAt.getTime() > now.getTime() + SCAN_FUTURE_LIMIT_MS)
      return reject(
        item.key,
        'scanned_at_future',
        `scanned at ${item.scannedAt.toISOString()}, a day or more after the server's time: set the phone's clock and date`,
      );
    const tube = tubes.get(item.tube);
    if (!tube) return reject(item.key, 'tube_unknown', `tube ${item.tube} could not be opened`);
    if (tube.round_id !== ctx.roundId)
      return reject(item.key, 'tube_other_round', `tube ${item.tube} belongs to round ${tube.round_id}`);
    // A tube is filled at one sampling point: a scan from another point (perhaps another district's) is refused.
    if (tube.sampling_point_id !== item.pointId)
      return reject(
        item.key,
        'tube_other_point',
        `tube ${item.tube} was opened at another sampling point; use a new tube`,
      );
    if (tube.status !== 'open')
      return reject(item.key, 'tube_closed', `tube ${item.tube} is ${tube.status}; use a new tube`);
    if (tube.members >= tube.pool_size)
      return reject(item.key, 'tube_full', `tube ${item.tube} already holds ${tube.pool_size}`);

    const flags: string[] = [];
    let personId: number | null = null;
    let idNumber: string | null = null;
    if (item.personId !== undefined) {
      const p = byId.get(item.personId);
      if (!p) return reject(item.key, 'person_unknown', `no person ${item.personId} in the registry`);
      personId = p.id;
      if (ISOLATED_STATUSES.includes(p.risk_status) && tube.pool_size > 1) flags.push('isolated_in_pool');
    } else if (item.idNumber !== undefined) {
      const parsed = parseIdNumber(item.idNumber, now);
      if (!parsed.ok) return reject(item.key, parsed.code, parsed.message);
      flags.push(...parsed.value.flags); // id_converted_from_15: a first-generation number, stored as 18 digits
      const p = byNumber.get(parsed.value.idNumber);
      if (p) {
        personId = p.id;
        if (ISOLATED_STATUSES.includes(p.risk_status) && tube.pool_size > 1) flags.push('isolated_in_pool');
      } else {
        idNumber = parsed.value.idNumber;
        flags.push('not_in_registry'); // travellers exist: accepted, flagged
      }
    } else {
      return reject(item.key, 'person_missing', 'a scan needs a person id or an ID number');
    }
    if (personId !== null) {
      if (batchSeen.has(personId)) flags.push('sampled_twice');
      else {
        batchSeen.add(personId);
        firstInBatch.push({ key: item.key, personId, flags, at: item.scannedAt });
      }
    }
    if (item.scannedAt.getTime() > now.getTime() + 5 * 60_000) flags.push('clock_ahead');
    tube.members++;
    tube.dirty = true;
    if (tube.members === tube.pool_size) {
      tube.status = 'closed';
      tube.closed_at = item.scannedAt;
    }
    seenKey.set(item.key, tube.barcode);
    rows.push([
      item.key,
      ctx.roundId,
      tube.id,
      personId,
      idNumber,
      area,
      item.pointId,
      item.sampler ?? ctx.sampler,
      item.scannedAt,
      now,
      flags,
    ]);
    return {
      key: item.key,
      status: 'accepted',
      tube: tube.barcode,
      tubeStatus: tube.status,
      members: tube.members,
      flags,
    };
  };
  for (const [idx, item] of items.entries()) out[idx] = handle(item);

  // Every write of the batch in one statement. round_people says who was sampled in this round before this batch:
  // the first scan in the batch of someone already there is flagged sampled_twice (in the row, through `first`, and
  // in the answer, from the people the statement reports new). A tube opened for this batch whose every scan was
  // refused is not kept (a refused scan writes nothing); the tubes that took scans get their counts and status.
  const empty = [...tubes.values()].filter((t) => t.members === 0 && t.status === 'open').map((t) => t.id);
  const dirty = [...tubes.values()].filter((t) => t.dirty);
  if (rows.length === 0 && empty.length === 0) return out;
  const firstKeys = new Set(firstInBatch.map((f) => f.key));
  const col = (i: number) => rows.map((r) => r[i]);
  const written = await tx.query<{ person_id: number }>(
    `WITH fresh_people AS (
       INSERT INTO round_people (round_id, person_id, first_scanned_at)
       SELECT $1, u.p, u.a FROM unnest($2::int8[], $3::timestamptz[]) AS u(p, a)
       ON CONFLICT (round_id, person_id) DO NOTHING RETURNING person_id
     ), scanned AS (
       INSERT INTO scans (idempotency_key, round_id, tube_id, person_id, id_number, area_code, sampling_point_id,
                          sampler, scanned_at, received_at, flags)
       SELECT k, r, t, p, n, a, pt, s, sa, ra,
              CASE WHEN f = '' THEN '{}'::text[] ELSE string_to_array(f, ',') END
              || CASE WHEN first AND NOT EXISTS (SELECT 1 FROM fresh_people fp WHERE fp.person_id = u.p)
                      THEN ARRAY['sampled_twice'] ELSE '{}'::text[] END
         FROM unnest($4::text[], $5::int8[], $6::int8[], $7::int8[], $8::text[], $9::text[], $10::int8[], $11::text[],
                     $12::timestamptz[], $13::timestamptz[], $14::text[], $15::bool[])
              AS u(k, r, t, p, n, a, pt, s, sa, ra, f, first)
       RETURNING 1
     ), dropped AS (
       DELETE FROM tubes t WHERE t.id = ANY($16::int8[]) AND t.members = 0
          AND NOT EXISTS (SELECT 1 FROM scans s WHERE s.round_id = $1 AND s.tube_id = t.id)
       RETURNING 1
     ), counted AS (
       UPDATE tubes t SET members = u.members, status = u.status, closed_at = u.closed_at
         FROM unnest($17::int8[], $18::int2[], $19::text[], $20::timestamptz[]) AS u(id, members, status, closed_at)
        WHERE t.id = u.id
       RETURNING 1
     )
     SELECT person_id FROM fresh_people`,
    [
      ctx.roundId,
      firstInBatch.map((f) => f.personId),
      firstInBatch.map((f) => f.at),
      col(0),
      col(1),
      col(2),
      col(3),
      col(4),
      col(5),
      col(6),
      col(7),
      col(8),
      col(9),
      rows.map((r) => (r[10] as string[]).join(',')),
      rows.map((r) => firstKeys.has(r[0] as string)),
      empty,
      dirty.map((t) => t.id),
      dirty.map((t) => t.members),
      dirty.map((t) => t.status),
      dirty.map((t) => t.closed_at),
    ],
  );
  const isNew = new Set(written.rows.map((r) => Number(r.person_id)));
  // The flags array is shared by the scan row and the answer: one push marks the answer as the row was marked.
  for (const f of firstInBatch) if (!isNew.has(f.personId)) f.flags.push('sampled_twice');
  return out;
}

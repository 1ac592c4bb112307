/**
 * Bulk feeds for tracing: venue check-ins (场所码) and co-location records (时空伴随) from telecom/big-data feeds.
 * Each item gets an answer: accepted, duplicate (the same person, place and time already recorded: overlapping
 * resends never double count), or rejected (unknown person or venue, times that make no sense, or a time
 * further ahead of the server's clock than `MAX_CLOCK_SKEW_MS` — feeds with skewed clocks are told so).
 * A person outside the feed's jurisdiction is an unknown person (same code, same message): a feed records only
 * its own people and learns nothing about anyone else's.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { personsInScope, type Scope } from '../access/scope.ts';

export const MAX_CLOCK_SKEW_MS = 10 * 60_000;
/** A co-location record is one stay in one cell; feeds split longer stays (the table's check says the same). */
export const MAX_COLOCATION_MS = 24 * 3600_000;

export type FeedOutcome =
  | { index: number; status: 'accepted' | 'duplicate' }
  | { index: number; status: 'rejected'; code: string; message: string };

export async function ingestCheckins(
  tx: Queryable,
  clock: Clock,
  items: readonly { personId: number; venueCode: string; at: Date }[],
  scope: Scope,
): Promise<FeedOutcome[]> {
  const now = clock.now();
  const known = await personsInScope(
    tx,
    items.map((i) => i.personId),
    scope,
  );
  const venues = await tx.query<{ id: number; venue_code: string }>(
    'SELECT id, venue_code FROM venues WHERE venue_code = ANY($1::text[])',
    [[...new Set(items.map((i) => i.venueCode))]],
  );
  const venueId = new Map(venues.rows.map((v) => [v.venue_code, v.id]));
  const out: FeedOutcome[] = [];
  const rows: { index: number; person: number; venue: number; at: Date }[] = [];
  items.forEach((i, index) => {
    const v = venueId.get(i.venueCode);
    if (!known.has(i.personId))
      out[index] = { index, status: 'rejected', code: 'person_unknown', message: `no person ${i.personId}` };
    else if (v === undefined)
      out[index] = {
        index,
        status: 'rejected',
        code: 'venue_unknown',
        message: `no venue with code ${i.venueCode}`,
      };
    else if (i.at.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
      out[index] = {
        index,
        status: 'rejected',
        code: 'clock_skew',
        message: `check-in time ${i.at.toISOString()} is in the future: check the feed's clock`,
      };
    } else rows.push({ index, person: i.personId, venue: v, at: i.at });
  });
  if (rows.length > 0) {
    const ins = await tx.query<{ person_id: number; venue_id: number; at: Date }>(
      `INSERT INTO checkins (person_id, venue_id, at, received_at)
       SELECT p, v, a, $4 FROM unnest($1::int8[], $2::int8[], $3::timestamptz[]) AS u(p, v, a)
       ON CONFLICT (person_id, venue_id, at) DO NOTHING RETURNING person_id, venue_id, at`,
      [rows.map((r) => r.person), rows.map((r) => r.venue), rows.map((r) => r.at), now],
    );
    const inserted = new Set(ins.rows.map((r) => `${r.person_id}/${r.venue_id}/${r.at.getTime()}`));
    for (const r of rows) {
      const key = `${r.person}/${r.venue}/${r.at.getTime()}`;
      out[r.index] = { index: r.index, status: inserted.delete(key) ? 'accepted' : 'duplicate' };
    }
  }
  return out;
}

export async function ingestColocations(
  tx: Queryable,
  clock: Clock,
  items: readonly { personId: number; cellId: string; startsAt: Date; endsAt: Date }[],
  scope: Scope,
): Promise<FeedOutcome[]> {
  const now = clock.now();
  const known = await personsInScope(
    tx,
    items.map((i) => i.personId),
    scope,
  );
  const out: FeedOutcome[] = [];
  const rows: { index: number; item: (typeof items)[number] }[] = [];
  items.forEach((i, index) => {
    if (!known.has(i.personId))
      out[index] = { index, status: 'rejected', code: 'person_unknown', message: `no person ${i.personId}` };
    else if (i.endsAt.getTime() <= i.startsAt.getTime()) {
      out[index] = {
        index,
        status: 'rejected',
        code: 'interval_invalid',
        message: 'ends_at must be after starts_at',
      };
    } else if (i.endsAt.getTime() - i.startsAt.getTime() > MAX_COLOCATION_MS) {
      out[index] = {
        index,
        status: 'rejected',
        code: 'interval_too_long',
        message:
          'a co-location record covers at most 24 hours: split longer stays into records of a day or less',
      };
    } else if (i.endsAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
      out[index] = {
        index,
        status: 'rejected',
        code: 'clock_skew',
        message: `interval ends in the future (${i.endsAt.toISOString()}): check the feed's clock`,
      };
    } else rows.push({ index, item: i });
  });
  if (rows.length > 0) {
    const ins = await tx.query<{ person_id: number; cell_id: string; starts_at: Date }>(
      `INSERT INTO colocations (person_id, cell_id, starts_at, ends_at, received_at)
       SELECT p, c, s, e, $5 FROM unnest($1::int8[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS u(p, c, s, e)
       ON CONFLICT (person_id, cell_id, starts_at) DO NOTHING RETURNING person_id, cell_id, starts_at`,
      [
        rows.map((r) => r.item.personId),
        rows.map((r) => r.item.cellId),
        rows.map((r) => r.item.startsAt),
        rows.map((r) => r.item.endsAt),
        now,
      ],
    );
    const inserted = new Set(ins.rows.map((r) => `${r.person_id}/${r.cell_id}/${r.starts_at.getTime()}`));
    for (const r of rows) {
      const key = `${r.item.personId}/${r.item.cellId}/${r.item.startsAt.getTime()}`;
      out[r.index] = { index: r.index, status: inserted.delete(key) ? 'accepted' : 'duplicate' };
    }
  }
  return out;
}

/**
 * After a trial: is everything the clients were told was done in the database, exactly once?
 *
 * - scans: every acknowledged key present once, in the tube it was sent with; every harness tube's member count
 *   equal to its scans, and no person twice in one tube; every acknowledged person in round_people;
 * - state changes: a tube closed by hand, packed, shipped, received has that step's timestamp, and it is no later
 *   than the first acknowledgement (a retry after the answer must not apply the step again);
 * - results: one tube_results row per acknowledged tube result, the tube resulted with that value and no conflict;
 *   a positive pool has exactly one `testing.pool_positive` event and one re-test task per member;
 * - indexes agree with their tables (an index-only count against a sequential count), a cheap corruption check.
 *
 * Reads through a plain function so the same checks run on PostgreSQL (pg) and on a PGlite directory.
 */
import type { Ledger } from './load.ts';

export type Q = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

export interface Verdict {
  acknowledged: { scans: number; results: number; state_changes: number };
  lost: { scans: number; results: number; state_changes: number };
  duplicated: { scans: number; results: number; state_changes: number };
  problems: string[];
  corrupt: string[];
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const SLACK_MS = 1;

export async function verify(q: Q, live: Ledger, roundId: number): Promise<Verdict> {
  // One snapshot for every check: the load may still be writing.
  await q('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    return await checks(q, live, roundId);
  } finally {
    await q('ROLLBACK');
  }
}

async function checks(q: Q, live: Ledger, roundId: number): Promise<Verdict> {
  // What was acknowledged before the snapshot (taken by the first read): all of it was committed before. Later
  // acknowledgements are left for the next verification.
  const ledger = {
    tag: live.tag,
    scans: new Map(live.scans),
    closes: new Map(live.closes),
    packs: new Map(live.packs),
    ships: new Map(live.ships),
    receives: new Map(live.receives),
    results: new Map(live.results),
  };
  const stateChanges = ledger.closes.size + ledger.packs.size + ledger.ships.size + ledger.receives.size;
  const v: Verdict = {
    acknowledged: { scans: ledger.scans.size, results: ledger.results.size, state_changes: stateChanges },
    lost: { scans: 0, results: 0, state_changes: 0 },
    duplicated: { scans: 0, results: 0, state_changes: 0 },
    problems: [],
    corrupt: [],
  };
  const problem = (s: string) => {
    if (v.problems.length < 30) v.problems.push(s);
  };
  const tag = ledger.tag;

  // ---- scans
  const scanRows = await q(
    `SELECT s.idempotency_key AS k, t.barcode AS tube, s.person_id::int AS person
       FROM scans s LEFT JOIN tubes t ON t.id = s.tube_id WHERE starts_with(s.idempotency_key, $1)`,
    [`f-${tag}-`],
  );
  const byKey = new Map<string, { tube: unknown; n: number }>();
  for (const r of scanRows) {
    const k = String(r.k);
    const hit = byKey.get(k);
    if (hit) hit.n++;
    else byKey.set(k, { tube: r.tube, n: 1 });
  }
  for (const [k, sent] of ledger.scans) {
    const hit = byKey.get(k);
    if (!hit) {
      v.lost.scans++;
      problem(`scan ${k} acknowledged, not in scans`);
    } else {
      if (hit.n > 1) {
        v.duplicated.scans += hit.n - 1;
        problem(`scan ${k} stored ${hit.n} times`);
      }
      if (hit.tube !== sent.tube) {
        v.lost.scans++;
        problem(`scan ${k} sent to tube ${sent.tube}, stored in ${String(hit.tube)}`);
      }
    }
  }
  const roundPeople = new Set(
    (await q('SELECT person_id::int AS p FROM round_people WHERE round_id = $1', [roundId])).map((r) =>
      Number(r.p),
    ),
  );
  const missingPeople = new Set<number>();
  for (const s of ledger.scans.values()) if (!roundPeople.has(s.person)) missingPeople.add(s.person);
  if (missingPeople.size > 0) {
    v.lost.state_changes += missingPeople.size;
    problem(`${missingPeople.size} sampled people missing from round_people (e.g. ${[...missingPeople][0]})`);
  }

  // ---- tubes
  const tubes = await q(
    `WITH s AS (SELECT tube_id, count(*)::int AS n, count(DISTINCT person_id)::int AS d FROM scans
                 WHERE starts_with(idempotency_key, $2) GROUP BY tube_id)
     SELECT t.id::int AS id, t.barcode, t.members::int AS members, t.status, t.result, t.result_conflict AS conflict,
            b.barcode AS box, coalesce(s.n, 0) AS n, coalesce(s.d, 0) AS d,
            extract(epoch FROM t.closed_at)::float8 * 1000 AS closed_ms,
            extract(epoch FROM t.boxed_at)::float8 * 1000 AS boxed_ms,
            extract(epoch FROM t.shipped_at)::float8 * 1000 AS shipped_ms,
            extract(epoch FROM t.received_at)::float8 * 1000 AS received_ms,
            extract(epoch FROM t.resulted_at)::float8 * 1000 AS resulted_ms
       FROM tubes t LEFT JOIN boxes b ON b.id = t.box_id LEFT JOIN s ON s.tube_id = t.id
      WHERE starts_with(t.barcode, $1)`,
    [`F${tag}C`, `f-${tag}-`],
  );
  const tube = new Map(tubes.map((t) => [String(t.barcode), t]));
  for (const t of tubes) {
    const members = Number(t.members);
    const n = Number(t.n);
    const d = Number(t.d);
    if (members > n) {
      v.duplicated.scans += members - n;
      problem(`tube ${t.barcode} counts ${members} members for ${n} scans`);
    } else if (members < n) {
      v.lost.state_changes += n - members;
      problem(`tube ${t.barcode} counts ${members} members for ${n} scans`);
    }
    if (d < n) {
      v.duplicated.scans += n - d;
      problem(`tube ${t.barcode}: ${n} scans of ${d} people (someone counted twice)`);
    }
  }

  // ---- state changes
  const stepCheck = (what: string, barcode: string, ms: unknown, ackAt: number) => {
    const at = num(ms);
    if (at === null) {
      v.lost.state_changes++;
      problem(`${what} of ${barcode} acknowledged, not recorded`);
    } else if (at > ackAt + SLACK_MS) {
      v.duplicated.state_changes++;
      problem(
        `${what} of ${barcode} recorded at ${new Date(at).toISOString()}, after its acknowledgement at ${new Date(ackAt).toISOString()} (applied again)`,
      );
    }
  };
  for (const [b, at] of ledger.closes) stepCheck('closing', b, tube.get(b)?.closed_ms, at);
  for (const [b, p] of ledger.packs) {
    const t = tube.get(b);
    if (t && t.box !== p.box) {
      v.lost.state_changes++;
      problem(`tube ${b} acknowledged in box ${p.box}, recorded in ${String(t.box)}`);
    } else stepCheck('packing', b, t?.boxed_ms, p.at);
  }
  const boxes = new Map(
    (
      await q(
        `SELECT barcode, status, lab_id::int AS lab, extract(epoch FROM shipped_at)::float8 * 1000 AS shipped_ms,
                extract(epoch FROM received_at)::float8 * 1000 AS received_ms FROM boxes WHERE starts_with(barcode, $1)`,
        [`B${tag}N`],
      )
    ).map((b) => [String(b.barcode), b]),
  );
  const tubesOf = (box: string) => tubes.filter((t) => t.box === box);
  for (const [b, at] of ledger.ships) {
    stepCheck('shipping', b, boxes.get(b)?.shipped_ms, at);
    for (const t of tubesOf(b))
      if (num(t.shipped_ms) === null) stepCheck('shipping', String(t.barcode), null, at);
  }
  for (const [b, at] of ledger.receives) {
    const box = boxes.get(b);
    if (box && box.status !== 'received') {
      v.lost.state_changes++;
      problem(`box ${b} acknowledged received, is ${String(box.status)}`);
    } else stepCheck('receiving', b, box?.received_ms, at);
    for (const t of tubesOf(b))
      if (num(t.received_ms) === null) stepCheck('receiving', String(t.barcode), null, at);
  }

  // ---- results
  const resultRows = await q(
    `SELECT t.barcode, r.result, r.conflict FROM tube_results r JOIN tubes t ON t.id = r.tube_id
      WHERE starts_with(t.barcode, $1)`,
    [`F${tag}C`],
  );
  const results = new Map<string, Record<string, unknown>[]>();
  for (const r of resultRows) {
    const list = results.get(String(r.barcode)) ?? [];
    list.push(r);
    results.set(String(r.barcode), list);
  }
  const events = new Map(
    (
      await q(
        `SELECT subject_id::int AS id, count(*)::int AS n FROM events
          WHERE type = 'testing.pool_positive' AND subject_type = 'tube' GROUP BY subject_id`,
      )
    ).map((e) => [Number(e.id), Number(e.n)]),
  );
  const tasks = new Map(
    (
      await q(
        `SELECT details->>'tube' AS tube, count(*)::int AS n, count(DISTINCT subject_id)::int AS d FROM tasks
          WHERE kind = 'retest_single_tube' AND starts_with(details->>'tube', $1) GROUP BY 1`,
        [`F${tag}C`],
      )
    ).map((r) => [String(r.tube), { n: Number(r.n), d: Number(r.d) }]),
  );
  for (const [b, sent] of ledger.results) {
    const rows = results.get(b) ?? [];
    const t = tube.get(b);
    if (rows.length === 0) {
      v.lost.results++;
      problem(`result of ${b} acknowledged, not in tube_results`);
      continue;
    }
    if (rows.length > 1) {
      v.duplicated.results += rows.length - 1;
      problem(`result of ${b} stored ${rows.length} times`);
    }
    if (rows.some((r) => r.conflict === true || r.result !== sent.result)) {
      v.duplicated.results++;
      problem(`result of ${b}: ${JSON.stringify(rows)} for ${sent.result}`);
    }
    if (t?.status !== 'resulted' || t.result !== sent.result) {
      v.lost.results++;
      problem(
        `tube ${b} is ${String(t?.status)} with result ${String(t?.result)} after ${sent.result} was acknowledged`,
      );
    } else stepCheck('result', b, t.resulted_ms, sent.at);
    if (sent.result === 'positive' && t) {
      const ev = events.get(Number(t.id)) ?? 0;
      if (ev !== 1) {
        if (ev === 0) v.lost.results++;
        else v.duplicated.results += ev - 1;
        problem(`positive pool ${b}: ${ev} pool_positive events (want 1)`);
      }
      const k = tasks.get(b) ?? { n: 0, d: 0 };
      if (k.n !== Number(t.n) || k.d !== k.n) {
        if (k.n < Number(t.n)) v.lost.results += Number(t.n) - k.n;
        else v.duplicated.results += k.n - Math.min(k.d, Number(t.n));
        problem(`positive pool ${b}: ${k.n} re-test tasks (${k.d} scans) for ${String(t.n)} members`);
      }
    }
  }

  // ---- corruption: an index's view of a table against the table itself
  for (const [table, col] of [
    ['scans', 'idempotency_key'],
    ['tubes', 'barcode'],
  ] as const) {
    await q('SET enable_indexscan = off');
    await q('SET enable_indexonlyscan = off');
    await q('SET enable_bitmapscan = off');
    const seq = await q(`SELECT count(*)::int AS n FROM ${table}`);
    await q('RESET enable_indexscan');
    await q('RESET enable_indexonlyscan');
    await q('RESET enable_bitmapscan');
    await q('SET enable_seqscan = off');
    await q('SET enable_bitmapscan = off');
    const idx = await q(`SELECT count(*)::int AS n FROM ${table} WHERE ${col} >= ''`);
    await q('RESET enable_seqscan');
    await q('RESET enable_bitmapscan');
    if (Number(seq[0]?.n) !== Number(idx[0]?.n))
      v.corrupt.push(`${table}: ${String(seq[0]?.n)} rows by count(*), ${String(idx[0]?.n)} by ${col}`);
  }
  return v;
}

export function sumLost(v: Verdict): number {
  return v.lost.scans + v.lost.results + v.lost.state_changes;
}

export function sumDuplicated(v: Verdict): number {
  return v.duplicated.scans + v.duplicated.results + v.duplicated.state_changes;
}

/**
 * Cross-module invariants, checked on the platform's tables at the end of every simulated day. Each is one SQL
 * count of the rows that break it (0 = holds), with up to 5 examples; a failure fails the run.
 */
import type { Db, Queryable } from '../../db/types.ts';

export interface InvariantFailure {
  name: string;
  count: number;
  examples: unknown[];
  date?: string;
}

interface Invariant {
  name: string;
  /** rows that break the invariant */
  sql: string;
  /**
   * The same over the rows changed since $1 only, among tubes numbered $2 or later (tubes and results never change
   * once resulted, and every tube below $2 was resulted at the last check, so a daily check need not read every tube
   * of the run again: O(day) instead of O(run), through the tubes' and results' tube-id indexes); the whole `sql`
   * still runs when asked.
   */
  since?: string;
}

const OPEN = "status IN ('placed', 'arrived')";

export const INVARIANTS: readonly Invariant[] = [
  // Every person is in exactly one state.
  {
    name: 'one_open_stay_per_person',
    sql: `SELECT person_id, count(*) AS n FROM placements WHERE ${OPEN} GROUP BY 1 HAVING count(*) > 1`,
  },
  {
    name: 'stay_matches_status',
    // an open stay's category is the person's status: a case in a case's place, a contact in a contact's room
    sql: `SELECT pl.id, pl.category, p.risk_status FROM placements pl
                  LEFT JOIN LATERAL (SELECT coalesce((SELECT r.risk_status FROM person_risk r WHERE r.person_id = pl.person_id), 'none') AS risk_status) p ON true
           WHERE pl.${OPEN} AND NOT (
             (pl.category = 'case' AND p.risk_status = 'case')
             OR (pl.category = 'close' AND p.risk_status = 'close_contact')
             OR (pl.category = 'secondary' AND p.risk_status IN ('secondary_contact', 'close_contact')))
             AND NOT (p.risk_status = 'case' AND EXISTS (SELECT 1 FROM trip_passengers tp WHERE tp.placement_id = pl.id AND tp.status IN ('assigned', 'picked_up')))`,
  },
  {
    name: 'not_home_and_room',
    // nobody is held at home and in a room at once (a room supersedes home monitoring)
    sql: `SELECT h.id, h.person_id FROM home_stays h JOIN placements pl ON pl.person_id = h.person_id AND pl.${OPEN}
           WHERE h.status = 'active'`,
  },
  {
    name: 'case_status_has_case',
    sql: `SELECT r.person_id AS id FROM person_risk r WHERE r.risk_status = 'case' AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = r.person_id)`,
  },
  {
    name: 'open_case_person_is_case',
    sql: `SELECT c.id, r.risk_status FROM cases c LEFT JOIN person_risk r ON r.person_id = c.person_id
           WHERE c.outcome IS NULL AND r.risk_status IS DISTINCT FROM 'case'`,
  },
  {
    name: 'positive_event_has_case',
    sql: `SELECT e.subject_id FROM events e WHERE e.type = 'testing.person_positive'
           AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = e.subject_id)`,
  },
  // Nobody in two rooms; no room over its capacity; a unit's status says who is in it.
  {
    name: 'room_within_capacity',
    sql: `SELECT r.id, r.capacity, count(*) AS n FROM rooms r JOIN placements pl ON pl.room_id = r.id AND pl.${OPEN}
           GROUP BY r.id, r.capacity HAVING count(*) > r.capacity`,
  },
  {
    name: 'bed_single',
    sql: `SELECT bed_id, count(*) AS n FROM placements WHERE ${OPEN} AND bed_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1`,
  },
  {
    name: 'room_status_matches_stays',
    sql: `SELECT r.id, r.status,
                 count(pl.id) FILTER (WHERE pl.status = 'arrived') AS arrived, count(pl.id) FILTER (WHERE pl.status = 'placed') AS placed
            FROM rooms r LEFT JOIN placements pl ON pl.room_id = r.id AND pl.${OPEN}
           GROUP BY r.id, r.status
          HAVING (r.status IN ('available', 'awaiting_disinfection', 'disinfecting') AND count(pl.id) > 0)
              OR (r.status = 'occupied' AND count(pl.id) FILTER (WHERE pl.status = 'arrived') = 0)
              OR (r.status = 'reserved' AND (count(pl.id) = 0 OR count(pl.id) FILTER (WHERE pl.status = 'arrived') > 0))`,
  },
  {
    name: 'bed_status_matches_stays',
    sql: `SELECT b.id, b.status, pl.status AS stay FROM beds b LEFT JOIN placements pl ON pl.bed_id = b.id AND pl.${OPEN}
           WHERE (b.status IN ('available', 'awaiting_disinfection', 'disinfecting') AND pl.id IS NOT NULL)
              OR (b.status = 'occupied' AND pl.status IS DISTINCT FROM 'arrived')
              OR (b.status = 'reserved' AND pl.status IS DISTINCT FROM 'placed')`,
  },
  {
    name: 'stay_in_active_unit',
    sql: `SELECT pl.id FROM placements pl JOIN sites s ON s.id = pl.site_id WHERE pl.${OPEN} AND s.status <> 'active'`,
  },
  // Every acknowledged scan and result is there once.
  {
    name: 'tube_members_are_its_scans',
    // Each tube's scans counted once (OFFSET 0 keeps the planner from copying the count into the filter).
    sql: `SELECT * FROM (SELECT t.id, t.members,
                                (SELECT count(*) FROM scans s WHERE s.round_id = t.round_id AND s.tube_id = t.id) AS scans
                           FROM tubes t OFFSET 0) x
           WHERE x.members <> x.scans`,
    since: `SELECT * FROM (SELECT t.id, t.members,
                                  (SELECT count(*) FROM scans s WHERE s.round_id = t.round_id AND s.tube_id = t.id) AS scans
                             FROM tubes t
                            WHERE t.id >= $2 AND (t.opened_at >= $1 OR t.closed_at >= $1 OR t.resulted_at >= $1)
                           OFFSET 0) x
             WHERE x.members <> x.scans`,
  },
  {
    name: 'one_result_per_tube',
    sql: `SELECT tube_id, count(*) AS n FROM tube_results WHERE NOT conflict GROUP BY 1 HAVING count(*) > 1`,
    since: `SELECT tube_id, count(*) AS n FROM tube_results
             WHERE NOT conflict AND tube_id IN (SELECT tube_id FROM tube_results WHERE tube_id >= $2 AND received_at >= $1)
             GROUP BY 1 HAVING count(*) > 1`,
  },
  {
    name: 'resulted_tube_has_result',
    sql: `SELECT t.id FROM tubes t WHERE t.status = 'resulted'
           AND NOT EXISTS (SELECT 1 FROM tube_results r WHERE r.tube_id = t.id AND r.result = t.result AND NOT r.conflict)`,
    since: `SELECT t.id FROM tubes t WHERE t.id >= $2 AND t.status = 'resulted' AND t.resulted_at >= $1
             AND NOT EXISTS (SELECT 1 FROM tube_results r WHERE r.tube_id = t.id AND r.result = t.result AND NOT r.conflict)`,
  },
  // Clocks run forwards.
  {
    name: 'stay_clock_order',
    sql: `SELECT id FROM placements WHERE arrived_at < placed_at OR released_at < coalesce(arrived_at, placed_at)`,
  },
  {
    name: 'delivered_passenger_arrived',
    sql: `SELECT tp.id, pl.status FROM trip_passengers tp JOIN placements pl ON pl.id = tp.placement_id
           WHERE tp.status = 'delivered' AND pl.arrived_at IS NULL`,
  },
];

/** Where a daily check starts: its moment and the first tube not resulted then (`checkpoint` makes it). */
export interface CheckFrom {
  at: Date;
  /** every tube numbered below this was resulted at `at` */
  tube: number;
}

/**
 * The mark for the next daily check: now, and the lowest tube not yet resulted, walked along the primary key from the
 * previous mark (so it costs the tubes resulted since, not the run). `previous` undefined: from the first tube.
 */
export async function checkpoint(db: Db | Queryable, at: Date, previous?: CheckFrom): Promise<CheckFrom> {
  const { rows } = await db.query<{ low: string | null; next: string }>(
    `SELECT (SELECT min(id) FROM tubes WHERE id >= $1 AND status <> 'resulted') AS low,
            (SELECT coalesce(max(id), 0) + 1 FROM tubes) AS next`,
    [previous?.tube ?? 0],
  );
  return { at, tube: Number(rows[0]?.low ?? rows[0]?.next ?? 0) };
}

/** Every invariant on the database as it stands; extra checks (figures shown twice, scans acknowledged) come from `more`. */
export async function checkInvariants(
  db: Db | Queryable,
  more: readonly (() => Promise<InvariantFailure[]>)[] = [],
  /** only what changed since then, where an invariant allows it (the loop checks everything once a week) */
  since?: CheckFrom | Date,
  /** seconds per invariant, added under `invariant.<name>` (for the benchmark's profile) */
  timings?: Record<string, number>,
): Promise<InvariantFailure[]> {
  const from: CheckFrom | undefined = since instanceof Date ? { at: since, tube: 0 } : since;
  const out: InvariantFailure[] = [];
  for (const inv of INVARIANTS) {
    const t0 = performance.now();
    const sql = from && inv.since ? inv.since : inv.sql;
    const params = from && inv.since ? [from.at, from.tube] : [];
    const { rows } = await db.query(`SELECT * FROM (${sql}) broken LIMIT 6`, params);
    if (rows.length > 0) {
      const n = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) broken`, params);
      out.push({ name: inv.name, count: n.rows[0]?.n ?? rows.length, examples: rows.slice(0, 5) });
    }
    if (timings) {
      const key = `invariant.${inv.name}`;
      timings[key] = (timings[key] ?? 0) + (performance.now() - t0) / 1000;
    }
  }
  for (const check of more) out.push(...(await check()));
  return out;
}

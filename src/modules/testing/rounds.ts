/**
 * Creating a mass-testing round: its target areas, deadline, pooling policy and sampling points. Points are
 * proposed from the registry by the planner's rules: about one per 2,500 residents of each community
 * (2,000–3,000 each), with samplers = the point's residents ÷ 360.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { DEFAULT_POOLING_POLICY, type PoolingPolicy } from '../../domain/pooling.ts';
import { AppError } from '../../lib/errors.ts';
import type { ExportSpec } from '../../server/list-export.ts';
import { samplersFor, samplingPoints } from './planner.ts';

const DAY = 86_400_000;

export interface NewRound {
  name: string;
  areas: readonly string[];
  startsAt?: Date;
  deadlineHours?: number;
  policy?: Partial<PoolingPolicy>;
  createdBy: string;
}

export interface RoundRow {
  id: number;
  name: string;
  status: string;
  starts_at: Date;
  deadline_at: Date;
  policy: PoolingPolicy;
}

/** A round as GET /api/testing/rounds lists it: its row, its target areas and how it was closed. */
export interface RoundListRow extends RoundRow {
  closed_at: Date | null;
  close_reason: string | null;
  areas: string[];
}

/** Rounds the list carries (newest first); the page says how many there are and the export walks them all. */
export const ROUNDS_SHOWN = 200;

/** Rounds touching the jurisdiction `prefix` (a target area inside it, or containing it), newest first. */
export async function listRounds(
  db: Queryable,
  prefix: string,
  o: { limit: number; before?: number },
): Promise<RoundListRow[]> {
  const { rows } = await db.query<RoundListRow>(
    `SELECT r.id, r.name, r.status, r.starts_at, r.deadline_at, r.policy, r.closed_at, r.close_reason,
            array_agg(ra.area_code ORDER BY ra.area_code) AS areas
       FROM rounds r JOIN round_areas ra ON ra.round_id = r.id
      WHERE ($3::int8 IS NULL OR r.id < $3)
      GROUP BY r.id
     HAVING bool_or(starts_with(ra.area_code, $1) OR starts_with($1, ra.area_code))
      ORDER BY r.id DESC LIMIT $2`,
    [prefix, o.limit, o.before ?? null],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export async function countRounds(db: Queryable, prefix: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM rounds r
      WHERE EXISTS (SELECT 1 FROM round_areas ra WHERE ra.round_id = r.id
                     AND (starts_with(ra.area_code, $1) OR starts_with($1, ra.area_code)))`,
    [prefix],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Every round of the jurisdiction, in words (areas by name, times in Beijing time). */
export function roundExport(db: Queryable, prefix: string): ExportSpec<RoundListRow> {
  return {
    name: ['检测轮次', 'testing rounds'],
    areasOf: (r) => r.areas,
    columns: [
      { header: ['轮次编号', 'Round'], value: (r) => r.id },
      { header: ['名称', 'Name'], value: (r) => r.name },
      { header: ['状态', 'Status'], value: (r, c) => c.word('roundStatus', r.status) },
      { header: ['开始', 'Starts'], value: (r, c) => c.time(r.starts_at) },
      { header: ['截止', 'Deadline'], value: (r, c) => c.time(r.deadline_at) },
      { header: ['目标区域', 'Areas'], value: (r, c) => r.areas.map((a) => c.area(a)).join('，') },
      { header: ['结束时间', 'Closed'], value: (r, c) => c.time(r.closed_at) },
      { header: ['结束原因', 'Close reason'], value: (r) => r.close_reason ?? '' },
    ],
    page: (last) => listRounds(db, prefix, { limit: 1_000, before: last?.id }),
  };
}

export async function createRound(
  tx: Queryable,
  clock: Clock,
  r: NewRound,
  scopePrefix: string,
): Promise<{ round: RoundRow; points: number }> {
  // An area named twice is the same area (one round_areas row; the points come from the registry either way).
  const areas = [...new Set(r.areas)];
  if (areas.length === 0) throw new AppError(400, 'areas_missing', 'a round targets at least one area');
  const found = await tx.query<{ code: string; level: number }>(
    'SELECT code, level FROM areas WHERE code = ANY($1::text[])',
    [areas],
  );
  const missing = areas.filter((a) => !found.rows.some((f) => f.code === a));
  if (missing.length > 0)
    throw new AppError(400, 'area_unknown', `unknown area codes: ${missing.join(', ')}`);
  const outside = areas.filter((a) => !a.startsWith(scopePrefix));
  if (outside.length > 0)
    throw new AppError(403, 'out_of_jurisdiction', `outside your jurisdiction: ${outside.join(', ')}`);
  const hours = r.deadlineHours ?? 24;
  if (!(hours > 0 && hours <= 24 * 7))
    throw new AppError(400, 'deadline_invalid', 'the deadline is 1 hour to 7 days after the start');
  const now = clock.now();
  const startsAt = r.startsAt ?? now;
  // A round is for the days around now: a start long past or far ahead is a typing mistake (a wrong year).
  if (startsAt.getTime() < now.getTime() - 2 * DAY || startsAt.getTime() > now.getTime() + 7 * DAY)
    throw new AppError(
      400,
      'round_start_implausible',
      `a round starts between 2 days ago and 7 days ahead (${startsAt.toISOString()} is outside): check the date`,
    );
  const policy = { ...DEFAULT_POOLING_POLICY, ...r.policy };
  const { rows } = await tx.query<RoundRow>(
    `INSERT INTO rounds (name, starts_at, deadline_at, policy, created_by, created_at)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6) RETURNING id, name, status, starts_at, deadline_at, policy`,
    [
      r.name,
      startsAt,
      new Date(startsAt.getTime() + hours * 3600_000),
      JSON.stringify(policy),
      r.createdBy,
      clock.now(),
    ],
  );
  const round = rows[0] as RoundRow;
  // The round's own partitions of scans and round_people (migration 0035).
  await tx.query('SELECT scan_partitions_for($1)', [round.id]);
  await tx.query('INSERT INTO round_areas (round_id, area_code) SELECT $1, unnest($2::text[])', [
    round.id,
    areas,
  ]);
  // Sampling points per community with residents, sized from the registry by the planner's rules.
  const communities = await tx.query<{ code: string; name: string; people: number }>(
    // The round's areas without those inside another of them, each a range of the people's (area, id) index: a
    // round over a few communities reads their people, not the city's (16 s on 200,000 people in PGlite before).
    `WITH outer_areas AS (
       SELECT ra.area_code FROM round_areas ra
        WHERE ra.round_id = $1
          AND NOT EXISTS (SELECT 1 FROM round_areas o WHERE o.round_id = $1 AND o.area_code <> ra.area_code
                            AND starts_with(ra.area_code, o.area_code)))
     SELECT left(p.area_code, 12) AS code, a.name, count(*) AS people
       FROM outer_areas r JOIN persons p ON p.area_code >= r.area_code AND p.area_code < r.area_code || ':'
            JOIN areas a ON a.code = left(p.area_code, 12)
      WHERE p.purged_at IS NULL
      GROUP BY 1, 2 ORDER BY 1`,
    [round.id],
  );
  const pointRows: unknown[][] = [];
  for (const c of communities.rows) {
    const n = samplingPoints(c.people);
    for (let i = 1; i <= n; i++) {
      const people = Math.floor(c.people / n) + (i <= c.people % n ? 1 : 0);
      pointRows.push([round.id, c.code, `${c.name}采样点${i}`, samplersFor(people)]);
    }
  }
  const inserted = await tx.bulkInsert(
    'sampling_points',
    [
      { name: 'round_id', type: 'int8' },
      { name: 'area_code', type: 'text' },
      { name: 'name', type: 'text' },
      { name: 'samplers', type: 'int4' },
    ],
    pointRows,
  );
  return { round, points: inserted };
}

export async function getRound(db: Queryable, id: number): Promise<RoundRow | undefined> {
  const { rows } = await db.query<RoundRow>(
    'SELECT id, name, status, starts_at, deadline_at, policy FROM rounds WHERE id = $1',
    [id],
  );
  return rows[0];
}

/**
 * Closes an active round (结束本轮): its sampling ends and later scans are refused. Only a user whose jurisdiction
 * holds every area of the round may close it; a round of another jurisdiction is not found.
 */
export async function closeRound(
  tx: Queryable,
  clock: Clock,
  id: number,
  scopePrefix: string,
  by: string,
  reason: string,
): Promise<RoundRow & { closed_at: Date }> {
  const { rows } = await tx.query<{ status: string; areas: string[] }>(
    `SELECT r.status, array_agg(ra.area_code ORDER BY ra.area_code) AS areas
       FROM rounds r JOIN round_areas ra ON ra.round_id = r.id WHERE r.id = $1 GROUP BY r.id, r.status`,
    [id],
  );
  const found = rows[0];
  if (!found?.areas.some((a) => a.startsWith(scopePrefix) || scopePrefix.startsWith(a)))
    throw new AppError(404, 'not_found', `no round ${id} in your jurisdiction`);
  const outside = found.areas.filter((a) => !a.startsWith(scopePrefix));
  if (outside.length > 0)
    throw new AppError(
      403,
      'out_of_jurisdiction',
      `round ${id} also covers ${outside.join(', ')}, outside your jurisdiction: a user over all its areas closes it`,
    );
  if (found.status === 'closed') throw new AppError(409, 'round_closed', `round ${id} is already closed`);
  const done = await tx.query<RoundRow & { closed_at: Date }>(
    `UPDATE rounds SET status = 'closed', closed_at = $2, closed_by = $3, close_reason = $4 WHERE id = $1
     RETURNING id, name, status, starts_at, deadline_at, policy, closed_at`,
    [id, clock.now(), by, reason],
  );
  return done.rows[0] as RoundRow & { closed_at: Date };
}

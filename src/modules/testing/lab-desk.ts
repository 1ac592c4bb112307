/**
 * The lab's desk (检): the labs, the boxes on their way and received, and the tubes received and still without a
 * result, oldest first, each against the stage budget for testing (DEFAULT_STAGE_BUDGETS.testHours from receipt).
 * Everything is filtered to the caller's jurisdiction by the box's or tube's area (where it was sampled), like every
 * other testing read; the labs themselves are places, listed for everyone who may receive boxes.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { DEFAULT_STAGE_BUDGETS } from './planner.ts';

export interface LabRow {
  id: number;
  name: string;
  area_code: string;
  daily_capacity_tubes: number;
  mobile: boolean;
  /** Tubes of my jurisdiction received by this lab since the start of today (Beijing), with a result, waiting. */
  received_today: number;
  resulted_today: number;
  pending: number;
  /** Pending tubes received more than the testing budget ago. */
  late: number;
  oldest_pending_at: Date | null;
}

/** The start of the Beijing day of `now`, as an instant. */
function beijingDayStart(now: Date): Date {
  const shifted = new Date(now.getTime() + 8 * 3600_000);
  return new Date(
    Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth(), shifted.getUTCDate()) - 8 * 3600_000,
  );
}

const testBudgetMs = DEFAULT_STAGE_BUDGETS.testHours * 3600_000;

export async function listLabs(db: Queryable, clock: Clock, scope: Scope): Promise<LabRow[]> {
  const now = clock.now();
  const params: unknown[] = [beijingDayStart(now), new Date(now.getTime() - testBudgetMs)];
  const inScope = scopeCondition('t.area_code', scope, params);
  const { rows } = await db.query<LabRow>(
    `SELECT l.id, l.name, l.area_code, l.daily_capacity_tubes, l.mobile,
            count(t.id) FILTER (WHERE t.received_at >= $1)::int AS received_today,
            count(t.id) FILTER (WHERE t.resulted_at >= $1)::int AS resulted_today,
            count(t.id) FILTER (WHERE t.status = 'received')::int AS pending,
            count(t.id) FILTER (WHERE t.status = 'received' AND t.received_at < $2)::int AS late,
            min(t.received_at) FILTER (WHERE t.status = 'received') AS oldest_pending_at
       FROM labs l
       LEFT JOIN tubes t ON t.lab_id = l.id AND ${inScope}
      GROUP BY l.id ORDER BY l.name`,
    params,
  );
  return rows;
}

export type BoxStatus = 'packing' | 'in_transit' | 'received';

export interface BoxRow {
  barcode: string;
  round_id: number;
  round: string;
  area_code: string;
  status: BoxStatus;
  tubes: number;
  packed_at: Date;
  shipped_at: Date | null;
  received_at: Date | null;
  lab: string | null;
}

/** Boxes of my jurisdiction in one status: in transit the oldest shipped first (the lab's queue), else the newest. */
export async function listBoxes(
  db: Queryable,
  scope: Scope,
  status: BoxStatus,
  limit: number,
): Promise<{ items: BoxRow[]; total: number }> {
  const params: unknown[] = [status];
  const inScope = scopeCondition('b.area_code', scope, params);
  const order =
    status === 'in_transit' ? 'b.shipped_at, b.id' : 'coalesce(b.received_at, b.packed_at) DESC, b.id DESC';
  const countParams = [...params];
  params.push(limit);
  const [items, total] = await Promise.all([
    db.query<BoxRow>(
      `SELECT b.barcode, b.round_id, r.name AS round, b.area_code, b.status, b.packed_at, b.shipped_at, b.received_at,
              l.name AS lab, (SELECT count(*)::int FROM tubes t WHERE t.box_id = b.id) AS tubes
         FROM boxes b JOIN rounds r ON r.id = b.round_id LEFT JOIN labs l ON l.id = b.lab_id
        WHERE b.status = $1 AND ${inScope}
        ORDER BY ${order} LIMIT $${params.length}`,
      params,
    ),
    db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM boxes b WHERE b.status = $1 AND ${inScope}`,
      countParams,
    ),
  ]);
  return { items: items.rows, total: total.rows[0]?.n ?? 0 };
}

export interface PendingTube {
  barcode: string;
  box: string | null;
  round: string;
  area_code: string;
  pool_size: number;
  members: number;
  lab: string | null;
  received_at: Date;
  /** When the result is due: receipt plus the testing budget. */
  due_at: Date;
}

/** Tubes received and without a result, oldest first (optionally of one lab). */
export async function pendingTubes(
  db: Queryable,
  scope: Scope,
  labId: number | undefined,
  limit: number,
): Promise<{ items: PendingTube[]; total: number; budget_hours: number }> {
  const params: unknown[] = [labId ?? null];
  const inScope = scopeCondition('t.area_code', scope, params);
  const where = `t.status = 'received' AND ($1::int8 IS NULL OR t.lab_id = $1) AND ${inScope}`;
  const countParams = [...params];
  params.push(limit, `${DEFAULT_STAGE_BUDGETS.testHours} hours`);
  const [items, total] = await Promise.all([
    db.query<PendingTube>(
      `SELECT t.barcode, b.barcode AS box, r.name AS round, t.area_code, t.pool_size, t.members, l.name AS lab,
              t.received_at, t.received_at + $${params.length}::interval AS due_at
         FROM tubes t JOIN rounds r ON r.id = t.round_id LEFT JOIN boxes b ON b.id = t.box_id
         LEFT JOIN labs l ON l.id = t.lab_id
        WHERE ${where}
        ORDER BY t.received_at, t.id LIMIT $${params.length - 1}`,
      params,
    ),
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tubes t WHERE ${where}`, countParams),
  ]);
  return { items: items.rows, total: total.rows[0]?.n ?? 0, budget_hours: DEFAULT_STAGE_BUDGETS.testHours };
}

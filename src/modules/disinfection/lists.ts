/**
 * The day's disinfections of a jurisdiction: those due that Beijing day (done or not) and those late (open past
 * their due time, whatever day), each with its place, the place's owner and the leader who answers for it today
 * on the responsibility list (escalated one patch per day late, responsibility.ts). And the three figures, one
 * definition each (src/domain/figure-names.ts): `disinfectionFigures` serves this page and the daily report; the
 * dashboard counts the same conditions per area in its own refresh (dashboard.ts), checked equal in the tests:
 * - disinfections_due: env_disinfection tasks, not cancelled, due within the day (a deadline at midnight belongs to
 *   the day that ends there, as on the responsibility list: "by the end of the day");
 * - disinfections_done: disinfections recorded as done within the day;
 * - disinfections_late: env_disinfection tasks, not cancelled, due before T and not done by T, where T is the end
 *   of the day or now, whichever is earlier.
 */
import type { Queryable } from '../../db/types.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { assign, FUNCTION_OF_TASK, type Leader } from '../command/responsibility.ts';
import { dayBounds, SUBJECT_TYPE, TASK_KIND } from './rules.ts';

export interface DueItem {
  due_id: number;
  task_id: number;
  reason: string;
  due_at: Date;
  status: 'open' | 'done' | 'cancelled';
  late: boolean;
  place: { id: number; name: string; kind: string; owner: string; area_code: string };
  leader: { id: number; name: string; area_code: string } | null;
  escalated_levels: number;
  record: {
    id: number;
    done_at: Date;
    done_by: string;
    agent: string;
    concentration: string | null;
  } | null;
}

export interface DisinfectionFigures {
  disinfections_due: number;
  disinfections_done: number;
  disinfections_late: number;
}

/** The three figures of a Beijing day within a scope, as of `now`. */
export async function disinfectionFigures(
  db: Queryable,
  scope: Scope,
  day: string,
  now: Date,
): Promise<DisinfectionFigures> {
  const { from, to } = dayBounds(day);
  const at = new Date(Math.min(now.getTime(), to.getTime()));
  const p: unknown[] = [from, to, at, TASK_KIND];
  const inTasks = scopeCondition('t.area_code', scope, p);
  const inRecords = inTasks.replaceAll('t.area_code', 'x.area_code');
  const { rows } = await db.query<DisinfectionFigures>(
    `SELECT
       (SELECT count(*) FROM tasks t WHERE t.kind = $4 AND t.status <> 'cancelled'
           AND t.due_at > $1 AND t.due_at <= $2 AND ${inTasks}) AS disinfections_due,
       (SELECT count(*) FROM disinfections x WHERE x.done_at >= $1 AND x.done_at < $2 AND ${inRecords}) AS disinfections_done,
       (SELECT count(*) FROM tasks t WHERE t.kind = $4 AND t.status <> 'cancelled' AND t.due_at < $3
           AND (t.status = 'open' OR t.done_at > $3) AND ${inTasks}) AS disinfections_late`,
    p,
  );
  return rows[0] as DisinfectionFigures;
}

/** Due that day (done or open) and late now (open past due, any day), due time first, at most `limit` of them. */
export async function dueList(
  db: Queryable,
  scope: Scope,
  day: string,
  now: Date,
  limit = 1000,
): Promise<{ due: DueItem[]; late: DueItem[]; truncated: boolean }> {
  const { from, to } = dayBounds(day);
  const p: unknown[] = [from, to, now, TASK_KIND, SUBJECT_TYPE, limit];
  const rows = await db.query<{
    due_id: number;
    task_id: number;
    reason: string;
    due_at: Date;
    status: DueItem['status'];
    today: boolean;
    late: boolean;
    place_id: number;
    name: string;
    kind: string;
    owner: string;
    area_code: string;
    record_id: number | null;
    done_at: Date | null;
    done_by: string | null;
    agent: string | null;
    concentration: string | null;
  }>(
    `SELECT d.id AS due_id, t.id AS task_id, d.reason, t.due_at, t.status,
            (t.due_at > $1 AND t.due_at <= $2) AS today, (t.status = 'open' AND t.due_at < $3) AS late,
            p.id AS place_id, p.name, p.kind, p.owner, p.area_code,
            x.id AS record_id, x.done_at, x.done_by, x.agent, x.concentration
       FROM tasks t JOIN disinfection_due d ON d.id = t.subject_id
       JOIN disinfection_places p ON p.id = d.place_id
       LEFT JOIN disinfections x ON x.due_id = d.id
      WHERE t.kind = $4 AND t.subject_type = $5 AND t.status <> 'cancelled'
        AND ((t.due_at > $1 AND t.due_at <= $2) OR (t.status = 'open' AND t.due_at < $3))
        AND ${scopeCondition('t.area_code', scope, p)}
      ORDER BY t.due_at, t.id LIMIT $6`,
    p,
  );
  const lp: unknown[] = [scope.prefix];
  const leaders = await db.query<Leader>(
    `SELECT id, name, title, area_code, function FROM leaders
      WHERE active AND (starts_with($1, area_code) OR ${scopeCondition('area_code', scope, lp)})`,
    lp,
  );
  const fn = FUNCTION_OF_TASK[TASK_KIND] ?? 'all';
  const owned = assign(
    rows.rows.map((r) => ({
      kind: TASK_KIND,
      function: fn,
      area_code: r.area_code,
      due_at: r.due_at,
      subject: { type: 'task', id: r.task_id },
      person_id: null,
    })),
    leaders.rows,
    now,
  );
  const items = rows.rows.map((r, i) => {
    const o = owned[i];
    return {
      today: r.today,
      item: {
        due_id: r.due_id,
        task_id: r.task_id,
        reason: r.reason,
        due_at: r.due_at,
        status: r.status,
        late: r.late,
        place: { id: r.place_id, name: r.name, kind: r.kind, owner: r.owner, area_code: r.area_code },
        // Only an open task has someone answering for it now.
        leader: r.status === 'open' ? (o?.owner ?? null) : null,
        escalated_levels: r.status === 'open' ? (o?.escalated_levels ?? 0) : 0,
        record:
          r.record_id === null
            ? null
            : {
                id: r.record_id,
                done_at: r.done_at as Date,
                done_by: r.done_by as string,
                agent: r.agent as string,
                concentration: r.concentration,
              },
      } satisfies DueItem,
    };
  });
  return {
    due: items.filter((x) => x.today).map((x) => x.item),
    late: items.filter((x) => x.item.late).map((x) => x.item),
    // The first `limit` by due time only (the figures count them all).
    truncated: rows.rows.length === limit,
  };
}

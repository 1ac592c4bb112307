/**
 * The closed loop (闭环管理): "医护、检测、保供、社区等工作人员要实行闭环管理、高频次检测，定点居住、定区活动"
 * (seed 000). A closed-loop post (a quarantine site, a designated hospital…) has its loop — lodging, post,
 * transport — and its workers; each of them has one test due every Beijing day at the loop's test hour
 * (`ensureSchedule`). A due time passed without a test is a gap: a task 'loop_test_gap' on the responsibility list
 * (`checkLoopGaps`, every minute from the server's workers), done when the test is recorded late.
 *
 * A test of an unknown worker (or one of another jurisdiction) is 404 `worker_not_found`, nothing written. A
 * positive worker is a case like any other: tracing's own `createCase`, the loop's other workers recorded as close
 * contacts of it (manual exposures 'workplace', over the two days before the test, at the loop's post), and
 * `traceCase` derives and raises them as for any case; the worker goes into quarantine, their open test dues are
 * cancelled, they are taken off every shift not yet over and a replacement is proposed on each roster.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { refuseFuture } from '../../lib/instant.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { createCase, traceCase } from '../tracing/trace-case.ts';
import { replaceWorker } from './rosters.ts';
import { lockWorker, type WorkerRow } from './workers.ts';

const HOUR = 3_600_000;
/** How far back a positive worker's loop colleagues count as exposed. */
export const LOOP_EXPOSURE_HOURS = 48;

export interface LoopRow {
  id: number;
  name: string;
  area_code: string;
  site_id: number | null;
  lodging: string;
  post: string;
  transport: string;
  test_hour: number;
  created_by: string;
  created_at: Date;
}

const beijingDay = (at: Date) => new Date(at.getTime() + 8 * HOUR).toISOString().slice(0, 10);

export async function createLoop(
  tx: Queryable,
  clock: Clock,
  l: {
    name: string;
    areaCode: string;
    siteId?: number | undefined;
    lodging: string;
    post: string;
    transport: string;
    testHour: number;
  },
  by: string,
  scope: Scope,
): Promise<LoopRow> {
  if (!l.areaCode.startsWith(scope.prefix))
    throw new AppError(403, 'out_of_jurisdiction', `area ${l.areaCode} is outside your jurisdiction`);
  const a = await tx.query('SELECT 1 FROM areas WHERE code = $1', [l.areaCode]);
  if (a.rows.length === 0)
    throw new AppError(400, 'area_unknown', `area ${l.areaCode} is not in the registry`);
  if (l.siteId !== undefined) {
    const params: unknown[] = [l.siteId];
    const s = await tx.query(
      `SELECT 1 FROM sites WHERE id = $1 AND ${scopeCondition('area_code', scope, params)}`,
      params,
    );
    if (s.rows.length === 0)
      throw new AppError(404, 'site_not_found', `no site ${l.siteId} in your jurisdiction`);
  }
  const dup = await tx.query('SELECT 1 FROM closed_loops WHERE name = $1', [l.name]);
  if (dup.rows.length > 0)
    throw new AppError(409, 'loop_name_taken', `a closed loop is already called ${l.name}`);
  const { rows } = await tx.query<LoopRow>(
    `INSERT INTO closed_loops (name, area_code, site_id, lodging, post, transport, test_hour, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
    [l.name, l.areaCode, l.siteId ?? null, l.lodging, l.post, l.transport, l.testHour, by, clock.now()],
  );
  return rows[0] as LoopRow;
}

export async function lockLoop(tx: Queryable, id: number, scope: Scope): Promise<LoopRow> {
  const params: unknown[] = [id];
  const { rows } = await tx.query<LoopRow>(
    `SELECT * FROM closed_loops WHERE id = $1 AND ${scopeCondition('area_code', scope, params)} FOR UPDATE`,
    params,
  );
  const l = rows[0];
  if (!l) throw new AppError(404, 'loop_not_found', `no closed loop ${id} in your jurisdiction`);
  return l;
}

/** How far back an entry into a loop may be recorded after the fact (补录). */
export const JOIN_BACKDATE_MAX_HOURS = 72;

/**
 * Puts workers into a loop (all or none: an unknown worker is 404 `worker_not_found`); their tests start.
 * `joinedAt` records an entry made earlier (the workers moved into the loop's lodging in the morning, the record is
 * made at night): up to JOIN_BACKDATE_MAX_HOURS back, never ahead of the clock (a device a few minutes fast is
 * taken as now). Every test hour passed since then, today's or an earlier day's, is due at once (and a gap until a
 * test is recorded); the dues of the loop they left from that time on are dropped with their gaps.
 */
export async function joinLoop(
  tx: Queryable,
  clock: Clock,
  loopId: number,
  workerIds: number[],
  scope: Scope,
  joinedAt?: Date,
): Promise<{ loop: LoopRow; joined: number[]; already: number[] }> {
  const now = clock.now();
  if (joinedAt) {
    refuseFuture(now, joinedAt, 'joined_at');
    if (joinedAt.getTime() < now.getTime() - JOIN_BACKDATE_MAX_HOURS * HOUR)
      throw new AppError(
        400,
        'joined_too_long_ago',
        `joined_at ${joinedAt.toISOString()} is more than ${JOIN_BACKDATE_MAX_HOURS} hours ago: record entries into a loop within ${JOIN_BACKDATE_MAX_HOURS} hours`,
        { field: 'joined_at' },
      );
  }
  const entered = joinedAt && joinedAt < now ? joinedAt : now;
  const loop = await lockLoop(tx, loopId, scope);
  const joined: number[] = [];
  const already: number[] = [];
  const workers: WorkerRow[] = [];
  for (const id of [...new Set(workerIds)]) workers.push(await lockWorker(tx, id, scope));
  for (const w of workers) {
    if (Number(w.loop_id) === Number(loop.id)) {
      already.push(Number(w.id));
      continue;
    }
    if (w.status === 'quarantined' || w.status === 'left')
      throw new AppError(409, 'worker_unavailable', `worker ${w.id} is ${w.status}: they cannot join a loop`);
    await tx.query('UPDATE workers SET loop_id = $2, loop_joined_at = $3 WHERE id = $1', [
      w.id,
      loop.id,
      entered,
    ]);
    // Dues of another loop not yet met, from the entry on, move with the worker (with their gaps, if passed).
    await tx.query(
      `UPDATE tasks SET status = 'cancelled', done_at = $3
        WHERE kind = 'loop_test_gap' AND status = 'open' AND subject_type = 'loop_test_due'
          AND subject_id IN (SELECT id FROM loop_test_due WHERE worker_id = $1 AND done_at IS NULL AND due_at > $2)`,
      [w.id, entered, now],
    );
    await tx.query('DELETE FROM loop_test_due WHERE worker_id = $1 AND done_at IS NULL AND due_at > $2', [
      w.id,
      entered,
    ]);
    joined.push(Number(w.id));
  }
  await ensureSchedule(tx, now);
  // An entry recorded after the fact: the days between it and today have their tests too (theirs only).
  const today = beijingDay(now);
  const past: string[] = [];
  for (let t = entered.getTime(); beijingDay(new Date(t)) < today; t += 24 * HOUR)
    past.push(beijingDay(new Date(t)));
  if (past.length > 0 && joined.length > 0) await scheduleDays(tx, past, now, joined);
  return { loop, joined, already };
}

/**
 * The schedule of the Beijing day of `at` (and the next): one test due per worker of a loop, at the loop's test
 * hour, for workers who were in the loop before that time and are neither in quarantine nor gone. Idempotent.
 */
export function ensureSchedule(tx: Queryable, at: Date): Promise<number> {
  return scheduleDays(tx, [beijingDay(at), beijingDay(new Date(at.getTime() + 24 * HOUR))], at);
}

/** The dues of these Beijing days (YYYY-MM-DD), for every loop worker or only `workerIds`. Idempotent. */
async function scheduleDays(tx: Queryable, days: string[], at: Date, workerIds?: number[]): Promise<number> {
  let n = 0;
  for (const day of days) {
    const { rowCount } = await tx.query(
      `INSERT INTO loop_test_due (loop_id, worker_id, area_code, due_at, created_at)
       SELECT l.id, w.id, l.area_code, $1::timestamptz + make_interval(hours => l.test_hour), $2
         FROM workers w JOIN closed_loops l ON l.id = w.loop_id
        WHERE w.status IN ('on_duty', 'resting')
          AND w.loop_joined_at < $1::timestamptz + make_interval(hours => l.test_hour)
          AND ($3::int8[] IS NULL OR w.id = ANY($3::int8[]))
       ON CONFLICT (worker_id, due_at) DO NOTHING`,
      [new Date(`${day}T00:00:00+08:00`), at, workerIds ?? null],
    );
    n += rowCount;
  }
  return n;
}

/** Writes the schedule and opens a 'loop_test_gap' task for every due time passed without a test. */
export async function checkLoopGaps(db: Queryable, clock: Clock): Promise<number> {
  const now = clock.now();
  await ensureSchedule(db, now);
  const { rowCount } = await db.query(
    `INSERT INTO tasks (kind, area_code, subject_type, subject_id, due_at, created_at, details)
     SELECT 'loop_test_gap', d.area_code, 'loop_test_due', d.id, d.due_at, $1,
            jsonb_build_object('loop_id', d.loop_id, 'worker_id', d.worker_id)
       FROM loop_test_due d JOIN workers w ON w.id = d.worker_id
      WHERE d.done_at IS NULL AND d.due_at <= $1 AND w.status IN ('on_duty', 'resting')
     ON CONFLICT (kind, subject_type, subject_id) DO NOTHING`,
    [now],
  );
  return rowCount;
}

export interface TestInput {
  key: string;
  workerId: number;
  takenAt: Date;
  result: 'negative' | 'positive';
}

export interface TestOutcome {
  test_id: number;
  duplicate: boolean;
  worker_id: number;
  result: 'negative' | 'positive';
  due_met: number | null;
  case_id: number | null;
  contacts: number;
  traced: { close: number; secondary: number; raised: number } | null;
  removed_shifts: number;
  replacements: number;
}

export async function recordLoopTest(
  tx: Queryable,
  clock: Clock,
  input: TestInput,
  by: string,
  scope: Scope,
): Promise<TestOutcome> {
  const prior = await tx.query<{
    id: number;
    worker_id: number;
    result: 'negative' | 'positive';
    area_code: string;
    case_id: number | null;
  }>('SELECT id, worker_id, result, area_code, case_id FROM loop_tests WHERE idempotency_key = $1', [
    input.key,
  ]);
  const p = prior.rows[0];
  if (p) {
    if (
      Number(p.worker_id) !== input.workerId ||
      p.result !== input.result ||
      !p.area_code.startsWith(scope.prefix)
    )
      throw new AppError(409, 'idempotency_key_reused', `key ${input.key} was used for another test`);
    return {
      test_id: Number(p.id),
      duplicate: true,
      worker_id: input.workerId,
      result: p.result,
      due_met: null,
      case_id: p.case_id === null ? null : Number(p.case_id),
      contacts: 0,
      traced: null,
      removed_shifts: 0,
      replacements: 0,
    };
  }
  const w = await lockWorker(tx, input.workerId, scope);
  const now = clock.now();
  if (input.takenAt.getTime() > now.getTime() + 5 * 60_000)
    throw new AppError(400, 'test_in_future', 'a test is recorded after it was taken');
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO loop_tests (idempotency_key, worker_id, loop_id, area_code, taken_at, result, recorded_by, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [input.key, w.id, w.loop_id, w.area_code, input.takenAt, input.result, by, now],
  );
  const testId = Number((rows[0] as { id: number }).id);
  // The due of the test's Beijing day, met (late or not); its gap task is done.
  const day0 = new Date(`${beijingDay(input.takenAt)}T00:00:00+08:00`);
  const due = await tx.query<{ id: number }>(
    `UPDATE loop_test_due SET done_at = $2, test_id = $3
      WHERE id = (SELECT id FROM loop_test_due WHERE worker_id = $1 AND done_at IS NULL
                     AND due_at >= $4 AND due_at < $4::timestamptz + interval '1 day' ORDER BY due_at LIMIT 1)
      RETURNING id`,
    [w.id, input.takenAt, testId, day0],
  );
  const dueId = due.rows[0] ? Number(due.rows[0].id) : null;
  if (dueId !== null)
    await tx.query(
      `UPDATE tasks SET status = 'done', done_at = $2
        WHERE kind = 'loop_test_gap' AND subject_type = 'loop_test_due' AND subject_id = $1 AND status = 'open'`,
      [dueId, now],
    );
  const out: TestOutcome = {
    test_id: testId,
    duplicate: false,
    worker_id: Number(w.id),
    result: input.result,
    due_met: dueId,
    case_id: null,
    contacts: 0,
    traced: null,
    removed_shifts: 0,
    replacements: 0,
  };
  if (input.result === 'negative') return out;
  // Positive: a case like any other, the loop traced, the worker quarantined and replaced.
  if (w.person_id !== null) {
    const c = await createCase(tx, clock, { personId: Number(w.person_id), firstPositiveAt: input.takenAt });
    out.case_id = Number(c.case.id);
    await tx.query('UPDATE loop_tests SET case_id = $2 WHERE id = $1', [testId, c.case.id]);
    if (w.loop_id !== null) {
      const loop = await tx.query<{ post: string }>('SELECT post FROM closed_loops WHERE id = $1', [
        w.loop_id,
      ]);
      const ins = await tx.query(
        `INSERT INTO manual_exposures (case_id, person_id, kind, level, starts_at, ends_at, place, recorded_by, recorded_at)
         SELECT $1, o.person_id, 'workplace', 'close', $2, $3, $4, $5, $6
           FROM workers o WHERE o.loop_id = $7 AND o.id <> $8 AND o.person_id IS NOT NULL`,
        [
          c.case.id,
          new Date(input.takenAt.getTime() - LOOP_EXPOSURE_HOURS * HOUR),
          input.takenAt,
          loop.rows[0]?.post ?? null,
          by,
          now,
          w.loop_id,
          w.id,
        ],
      );
      out.contacts = ins.rowCount;
    }
    const t = await traceCase(tx, clock, c.case.id);
    out.traced = { close: t.close, secondary: t.secondary, raised: t.raised };
  }
  await tx.query(`UPDATE workers SET status = 'quarantined', status_at = $2 WHERE id = $1`, [w.id, now]);
  await tx.query(
    `UPDATE tasks SET status = 'cancelled', done_at = $2
      WHERE kind = 'loop_test_gap' AND status = 'open' AND subject_type = 'loop_test_due'
        AND subject_id IN (SELECT id FROM loop_test_due WHERE worker_id = $1 AND done_at IS NULL)`,
    [w.id, now],
  );
  await tx.query('DELETE FROM loop_test_due WHERE worker_id = $1 AND done_at IS NULL AND due_at > $2', [
    w.id,
    now,
  ]);
  const rep = await replaceWorker(tx, clock, Number(w.id));
  out.removed_shifts = rep.removed;
  out.replacements = rep.replacements;
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
     VALUES ('forces.worker_positive', 'worker', $1, $2, $3, $4::jsonb)`,
    [
      w.id,
      w.area_code,
      now,
      JSON.stringify({ case_id: out.case_id, loop_id: w.loop_id, contacts: out.contacts }),
    ],
  );
  return out;
}

/** A closed loop with its workers and their test schedule of a day (GET /api/forces/loops). */
export interface LoopScheduleItem extends LoopRow {
  site_name: string | null;
  workers: number;
  quarantined: number;
  schedule: {
    id: number;
    worker_id: number;
    worker_name: string;
    worker_status: string;
    due_at: string;
    done_at: string | null;
    /** The test's result (loop_tests.result), null while none is recorded. */
    result: TestInput['result'] | null;
    state: 'met' | 'gap' | 'pending';
  }[];
}

/** Loops of the jurisdiction with their workers' schedule of a Beijing day: met, gap (past due, no test), pending. */
export async function loopSchedule(
  db: Queryable,
  scope: Scope,
  day: string,
  now: Date,
): Promise<LoopScheduleItem[]> {
  const params: unknown[] = [];
  const loops = await db.query<LoopRow & { site_name: string | null }>(
    `SELECT l.*, s.name AS site_name FROM closed_loops l LEFT JOIN sites s ON s.id = l.site_id
      WHERE ${scopeCondition('l.area_code', scope, params)} ORDER BY l.id`,
    params,
  );
  const d0 = new Date(`${day}T00:00:00+08:00`);
  const out: LoopScheduleItem[] = [];
  for (const l of loops.rows) {
    const dues = await db.query<{
      id: number;
      worker_id: number;
      worker_name: string;
      worker_status: string;
      due_at: Date;
      done_at: Date | null;
      result: TestInput['result'] | null;
    }>(
      `SELECT d.id, d.worker_id, w.name AS worker_name, w.status AS worker_status, d.due_at, d.done_at, t.result
         FROM loop_test_due d JOIN workers w ON w.id = d.worker_id LEFT JOIN loop_tests t ON t.id = d.test_id
        WHERE d.loop_id = $1 AND d.due_at >= $2 AND d.due_at < $2::timestamptz + interval '1 day'
        ORDER BY d.due_at, w.id`,
      [l.id, d0],
    );
    const members = await db.query<{ n: number; quarantined: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'quarantined')::int AS quarantined
         FROM workers WHERE loop_id = $1`,
      [l.id],
    );
    out.push({
      ...l,
      workers: members.rows[0]?.n ?? 0,
      quarantined: members.rows[0]?.quarantined ?? 0,
      schedule: dues.rows.map((d) => ({
        id: Number(d.id),
        worker_id: Number(d.worker_id),
        worker_name: d.worker_name,
        worker_status: d.worker_status,
        due_at: d.due_at.toISOString(),
        done_at: d.done_at?.toISOString() ?? null,
        result: d.result,
        state: d.done_at ? 'met' : d.due_at.getTime() <= now.getTime() ? 'gap' : 'pending',
      })),
    });
  }
  return out;
}

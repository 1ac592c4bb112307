/**
 * Rosters (排班): proposed from the day's demand (demand.ts) by the pure proposer (domain/roster-proposer.ts),
 * stored as a draft, confirmed by a person. Confirming checks the whole plan with every shift already confirmed
 * elsewhere: a worker in two places at once is 409 `worker_double_booked`, a rest rule broken 409
 * `rest_rule_broken`, and nothing is written. Manual edits (add, remove a shift) go through the same checks.
 *
 * Coverage: every slot of the roster's demand has a row in `roster_shortfalls` (demand, assigned, short = demand −
 * assigned, and why); on a confirmed roster a slot short of people has an open task 'force_shortfall' on the
 * responsibility list of the area's leader, done when the slot is covered, opened again if it is short again.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import {
  DEFAULT_REST_RULES,
  proposeRoster,
  type RestRules,
  type RosterReason,
  SHIFTS,
  type Shift,
  type ShiftCode,
  type Skill,
  shiftTimes,
  violations,
} from '../../domain/roster-proposer.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { type DemandSlot, dayDemand } from './demand.ts';
import { lockWorker, ROSTERABLE } from './workers.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How far around a roster's day the rest rules look at shifts already confirmed. */
const LOOK = 8 * DAY;

export interface RosterRow {
  id: number;
  area_code: string;
  day: string;
  status: 'draft' | 'confirmed' | 'superseded' | 'discarded';
  rules: RestRules;
  demand: DemandSlot[];
  proposed_by: string;
  proposed_at: Date;
  confirmed_by: string | null;
  confirmed_at: Date | null;
}

const ROSTER_COLUMNS =
  'r.id, r.area_code, r.day::text AS day, r.status, r.rules, r.demand, r.proposed_by, r.proposed_at, r.confirmed_by, r.confirmed_at';

export const shiftCodeOf = (startsAt: Date): ShiftCode => {
  const h = new Date(startsAt.getTime() + 8 * HOUR).getUTCHours();
  return (SHIFTS.find((s) => h >= s.from && h < s.to) ?? SHIFTS[1]).code;
};

export async function lockRoster(tx: Queryable, id: number, scope: Scope): Promise<RosterRow> {
  const params: unknown[] = [id];
  const { rows } = await tx.query<RosterRow>(
    `SELECT ${ROSTER_COLUMNS} FROM rosters r WHERE r.id = $1 AND ${scopeCondition('r.area_code', scope, params)} FOR UPDATE`,
    params,
  );
  const r = rows[0];
  if (!r) throw new AppError(404, 'roster_not_found', `no roster ${id} in your jurisdiction`);
  return r;
}

async function getRoster(tx: Queryable, id: number): Promise<RosterRow> {
  const { rows } = await tx.query<RosterRow>(`SELECT ${ROSTER_COLUMNS} FROM rosters r WHERE r.id = $1`, [id]);
  return rows[0] as RosterRow;
}

interface ShiftRow {
  id: number;
  roster_id: number;
  worker_id: number;
  area_code: string;
  skill: Skill;
  starts_at: Date;
  ends_at: Date;
  status: 'draft' | 'confirmed' | 'removed';
  origin: string;
}

const toShift = (r: ShiftRow): Shift & { id: number } => ({
  id: r.id,
  worker: Number(r.worker_id),
  area: r.area_code,
  skill: r.skill,
  starts: r.starts_at.getTime(),
  ends: r.ends_at.getTime(),
});

/** Confirmed shifts of current rosters of `workers` around `day`, except the rosters named (being replaced). */
async function confirmedShifts(
  tx: Queryable,
  workers: number[],
  day: string,
  except: number[],
): Promise<(Shift & { id: number })[]> {
  if (workers.length === 0) return [];
  const d0 = new Date(`${day}T00:00:00+08:00`).getTime();
  const { rows } = await tx.query<ShiftRow>(
    `SELECT s.* FROM roster_shifts s JOIN rosters r ON r.id = s.roster_id
      WHERE r.status = 'confirmed' AND s.status = 'confirmed' AND s.worker_id = ANY($1::int8[])
        AND s.starts_at < $3 AND s.ends_at > $2 AND NOT (s.roster_id = ANY($4::int8[]))`,
    [workers, new Date(d0 - LOOK), new Date(d0 + DAY + LOOK), except],
  );
  return rows.map(toShift);
}

async function rosterShifts(tx: Queryable, rosterId: number, statuses: string[]): Promise<ShiftRow[]> {
  const { rows } = await tx.query<ShiftRow>(
    'SELECT * FROM roster_shifts WHERE roster_id = $1 AND status = ANY($2::text[]) ORDER BY starts_at, id',
    [rosterId, statuses],
  );
  return rows;
}

/** The first violation of `mine` (shifts of the roster) with everything confirmed elsewhere, as a 409. */
function refuseViolations(all: Shift[], rules: RestRules, ours: Set<Shift>): void {
  const v =
    violations(all, rules).find((x) => ours.has(x.shift) || (x.other && ours.has(x.other))) ??
    violations(all, rules)[0];
  if (!v) return;
  const when = (s: Shift) => ({
    area: s.area,
    starts_at: new Date(s.starts).toISOString(),
    ends_at: new Date(s.ends).toISOString(),
  });
  if (v.code === 'worker_double_booked')
    throw new AppError(
      409,
      'worker_double_booked',
      `worker ${v.worker} would be in two places at once: ${v.shift.area} and ${v.other?.area} from ${new Date(v.shift.starts).toISOString()}`,
      { worker_id: v.worker, shift: when(v.shift), other: v.other ? when(v.other) : null },
    );
  const what = {
    max_hours: `more than ${rules.maxHoursIn24} hours in 24 hours`,
    min_rest: `less than ${rules.minRestHours} hours of rest between two shifts`,
    rest_day: `no rest day in ${rules.restDayEvery} days`,
  }[v.rule ?? 'max_hours'];
  throw new AppError(409, 'rest_rule_broken', `worker ${v.worker} would work ${what}`, {
    worker_id: v.worker,
    rule: v.rule,
    rules,
    shift: when(v.shift),
    other: v.other ? when(v.other) : null,
  });
}

export interface ProposeInput {
  areaCode: string;
  day: string;
  rules?: RestRules | undefined;
}

/** Proposes a draft roster of an area for a day (earlier drafts of the same area and day are discarded). */
export async function proposeAreaRoster(
  tx: Queryable,
  clock: Clock,
  input: ProposeInput,
  by: string,
  scope: Scope,
): Promise<RosterRow> {
  if (!input.areaCode.startsWith(scope.prefix))
    throw new AppError(403, 'out_of_jurisdiction', `area ${input.areaCode} is outside your jurisdiction`);
  const area = await tx.query('SELECT 1 FROM areas WHERE code = $1', [input.areaCode]);
  if (area.rows.length === 0)
    throw new AppError(400, 'area_unknown', `area ${input.areaCode} is not in the registry`);
  const rules = input.rules ?? DEFAULT_REST_RULES;
  const demand = await dayDemand(tx, input.areaCode, input.day);
  const cands = await tx.query<{
    id: number;
    area_code: string;
    skills: Skill[];
    arrives_on: string | null;
    leaves_on: string | null;
  }>(
    `SELECT w.id, w.area_code, w.skills, t.arrives_on::text AS arrives_on, t.leaves_on::text AS leaves_on
       FROM workers w LEFT JOIN support_teams t ON t.id = w.team_id
      WHERE starts_with(w.area_code, $1) AND w.status = ANY($2::text[]) ORDER BY w.id`,
    [input.areaCode, ROSTERABLE],
  );
  const workers = cands.rows.map((w) => ({
    id: Number(w.id),
    area: w.area_code,
    skills: w.skills,
    ...(w.arrives_on ? { availableFrom: new Date(`${w.arrives_on}T00:00:00+08:00`).getTime() } : {}),
    ...(w.leaves_on ? { availableTo: new Date(`${w.leaves_on}T00:00:00+08:00`).getTime() + DAY } : {}),
  }));
  const current = await tx.query<{ id: number }>(
    `SELECT id FROM rosters WHERE area_code = $1 AND day = $2 AND status = 'confirmed'`,
    [input.areaCode, input.day],
  );
  const existing = await confirmedShifts(
    tx,
    workers.map((w) => w.id),
    input.day,
    current.rows.map((r) => r.id),
  );
  const p = proposeRoster({ slots: demand, workers, existing, rules });
  await tx.query(
    `UPDATE rosters SET status = 'discarded' WHERE area_code = $1 AND day = $2 AND status = 'draft'`,
    [input.areaCode, input.day],
  );
  const now = clock.now();
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO rosters (area_code, day, rules, demand, proposed_by, proposed_at)
     VALUES ($1, $2, $3::jsonb, $4::jsonb, $5, $6) RETURNING id`,
    [input.areaCode, input.day, JSON.stringify(rules), JSON.stringify(demand), by, now],
  );
  const id = (rows[0] as { id: number }).id;
  if (p.shifts.length > 0)
    await tx.query(
      `INSERT INTO roster_shifts (roster_id, worker_id, area_code, skill, starts_at, ends_at)
       SELECT $1, w, a, k, to_timestamp(s / 1000.0), to_timestamp(e / 1000.0)
         FROM unnest($2::int8[], $3::text[], $4::text[], $5::float8[], $6::float8[]) AS x(w, a, k, s, e)`,
      [
        id,
        p.shifts.map((s) => s.worker),
        p.shifts.map((s) => s.area),
        p.shifts.map((s) => s.skill),
        p.shifts.map((s) => s.starts),
        p.shifts.map((s) => s.ends),
      ],
    );
  const reasons = new Map(p.shortfalls.map((f) => [`${f.area}|${f.skill}|${f.starts}`, f.reason]));
  await recomputeCoverage(tx, clock, id, reasons);
  return getRoster(tx, id);
}

/**
 * Confirms a roster (or the replacements proposed on a confirmed one): the whole plan checked with everything
 * confirmed elsewhere, then the drafts become the plan, the previous confirmed roster of the area and day is
 * superseded, and the shortfalls go on the responsibility list. Confirming again with nothing new writes nothing.
 */
export async function confirmRoster(
  tx: Queryable,
  clock: Clock,
  id: number,
  by: string,
  scope: Scope,
): Promise<{ roster: RosterRow; already: boolean; confirmed: number }> {
  const r = await lockRoster(tx, id, scope);
  if (r.status === 'superseded' || r.status === 'discarded')
    throw new AppError(
      409,
      'roster_not_current',
      `roster ${id} is ${r.status}: propose a new one or confirm the current roster`,
    );
  const mine = await rosterShifts(tx, id, ['draft', 'confirmed']);
  const drafts = mine.filter((s) => s.status === 'draft');
  if (r.status === 'confirmed' && drafts.length === 0) return { roster: r, already: true, confirmed: 0 };
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`forces.roster.${r.day}`]);
  const previous =
    r.status === 'draft'
      ? (
          await tx.query<{ id: number }>(
            `SELECT id FROM rosters WHERE area_code = $1 AND day = $2 AND status = 'confirmed' FOR UPDATE`,
            [r.area_code, r.day],
          )
        ).rows.map((x) => Number(x.id))
      : [];
  // Workers of the plan still able to work.
  const gone = await tx.query<{ id: number }>(
    `SELECT id FROM workers WHERE id = ANY($1::int8[]) AND NOT (status = ANY($2::text[]))`,
    [[...new Set(mine.map((s) => s.worker_id))], ROSTERABLE],
  );
  if (gone.rows.length > 0)
    throw new AppError(
      409,
      'worker_unavailable',
      `worker ${gone.rows[0]?.id} is in quarantine or has left: remove their shift first`,
      { worker_ids: gone.rows.map((g) => Number(g.id)) },
    );
  const ours = mine.map(toShift);
  const others = await confirmedShifts(tx, [...new Set(ours.map((s) => s.worker))], r.day, [id, ...previous]);
  refuseViolations([...others, ...ours], r.rules, new Set(ours));
  const now = clock.now();
  for (const p of previous) {
    await tx.query(`UPDATE rosters SET status = 'superseded' WHERE id = $1`, [p]);
    await tx.query(
      `UPDATE tasks SET status = 'cancelled', done_at = $2
        WHERE kind = 'force_shortfall' AND status = 'open' AND subject_type = 'roster_shortfall'
          AND subject_id IN (SELECT id FROM roster_shortfalls WHERE roster_id = $1)`,
      [p, now],
    );
  }
  await tx.query(`UPDATE roster_shifts SET status = 'confirmed' WHERE roster_id = $1 AND status = 'draft'`, [
    id,
  ]);
  if (r.status === 'draft')
    await tx.query(
      `UPDATE rosters SET status = 'confirmed', confirmed_by = $2, confirmed_at = $3 WHERE id = $1`,
      [id, by, now],
    );
  await recomputeCoverage(tx, clock, id);
  return { roster: await getRoster(tx, id), already: false, confirmed: drafts.length };
}

export interface ShiftInput {
  workerId: number;
  areaCode: string;
  skill: Skill;
  shift: ShiftCode;
}

/** Adds a worker to a shift of a roster by hand, checked like a confirmation. */
export async function addShift(
  tx: Queryable,
  clock: Clock,
  rosterId: number,
  input: ShiftInput,
  scope: Scope,
): Promise<{ roster: RosterRow; shift_id: number }> {
  const r = await lockRoster(tx, rosterId, scope);
  if (r.status !== 'draft' && r.status !== 'confirmed')
    throw new AppError(409, 'roster_not_current', `roster ${rosterId} is ${r.status}`);
  const w = await lockWorker(tx, input.workerId, scope);
  if (!ROSTERABLE.includes(w.status))
    throw new AppError(409, 'worker_unavailable', `worker ${w.id} is ${w.status}: they get no shift`);
  if (!w.skills.includes(input.skill))
    throw new AppError(409, 'worker_lacks_skill', `worker ${w.id} is not a ${input.skill}`, {
      skills: w.skills,
    });
  if (!input.areaCode.startsWith(r.area_code))
    throw new AppError(
      400,
      'area_outside_roster',
      `area ${input.areaCode} is not part of roster ${rosterId}'s area`,
    );
  const t = shiftTimes(r.day, input.shift);
  const s: Shift = { worker: Number(w.id), area: input.areaCode, skill: input.skill, ...t };
  const mine = (await rosterShifts(tx, rosterId, ['draft', 'confirmed']))
    .filter((x) => Number(x.worker_id) === s.worker)
    .map(toShift);
  const previous =
    r.status === 'draft'
      ? (
          await tx.query<{ id: number }>(
            `SELECT id FROM rosters WHERE area_code = $1 AND day = $2 AND status = 'confirmed'`,
            [r.area_code, r.day],
          )
        ).rows.map((x) => Number(x.id))
      : [];
  const others = await confirmedShifts(tx, [s.worker], r.day, [rosterId, ...previous]);
  refuseViolations([...others, ...mine, s], r.rules, new Set([s]));
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO roster_shifts (roster_id, worker_id, area_code, skill, starts_at, ends_at, status, origin)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'manual') RETURNING id`,
    [
      rosterId,
      s.worker,
      s.area,
      s.skill,
      new Date(t.starts),
      new Date(t.ends),
      r.status === 'confirmed' ? 'confirmed' : 'draft',
    ],
  );
  await recomputeCoverage(tx, clock, rosterId);
  return { roster: await getRoster(tx, rosterId), shift_id: (rows[0] as { id: number }).id };
}

export async function removeShift(
  tx: Queryable,
  clock: Clock,
  rosterId: number,
  shiftId: number,
  reason: string,
  scope: Scope,
): Promise<{ roster: RosterRow; already: boolean; worker_id: number }> {
  const r = await lockRoster(tx, rosterId, scope);
  const { rows } = await tx.query<ShiftRow>('SELECT * FROM roster_shifts WHERE id = $1 AND roster_id = $2', [
    shiftId,
    rosterId,
  ]);
  const s = rows[0];
  if (!s) throw new AppError(404, 'shift_not_found', `roster ${rosterId} has no shift ${shiftId}`);
  if (s.status === 'removed') return { roster: r, already: true, worker_id: Number(s.worker_id) };
  await tx.query(`UPDATE roster_shifts SET status = 'removed', removed_reason = $2 WHERE id = $1`, [
    shiftId,
    reason,
  ]);
  await recomputeCoverage(tx, clock, rosterId);
  return { roster: await getRoster(tx, rosterId), already: false, worker_id: Number(s.worker_id) };
}

/**
 * Takes a worker off every shift not yet over (they are in quarantine) and proposes a replacement for each on its
 * roster (a draft shift, to be confirmed by a person). Answers the shifts removed and the replacements proposed.
 */
export async function replaceWorker(
  tx: Queryable,
  clock: Clock,
  workerId: number,
): Promise<{ removed: number; replacements: number; rosters: number[] }> {
  const now = clock.now();
  const { rows } = await tx.query<ShiftRow>(
    `SELECT s.* FROM roster_shifts s JOIN rosters r ON r.id = s.roster_id
      WHERE s.worker_id = $1 AND s.status <> 'removed' AND s.ends_at > $2 AND r.status IN ('draft', 'confirmed')
      ORDER BY s.starts_at`,
    [workerId, now],
  );
  let replacements = 0;
  const rosters = [...new Set(rows.map((s) => Number(s.roster_id)))];
  for (const s of rows)
    await tx.query(
      `UPDATE roster_shifts SET status = 'removed', removed_reason = 'quarantined' WHERE id = $1`,
      [s.id],
    );
  for (const rid of rosters) {
    const r = await getRoster(tx, rid);
    const gone = rows.filter((s) => Number(s.roster_id) === rid);
    const cands = await tx.query<{ id: number; area_code: string; skills: Skill[] }>(
      `SELECT id, area_code, skills FROM workers
        WHERE starts_with(area_code, $1) AND status = ANY($2::text[]) AND id <> $3 ORDER BY id`,
      [r.area_code, ROSTERABLE, workerId],
    );
    const workers = cands.rows.map((w) => ({ id: Number(w.id), area: w.area_code, skills: w.skills }));
    const ids = workers.map((w) => w.id);
    const existing = [
      ...(await confirmedShifts(tx, ids, r.day, [rid])),
      ...(await rosterShifts(tx, rid, ['draft', 'confirmed'])).map(toShift),
    ];
    const p = proposeRoster({
      slots: gone.map((s) => ({
        area: s.area_code,
        skill: s.skill,
        starts: Math.max(s.starts_at.getTime(), 0),
        ends: s.ends_at.getTime(),
        need: 1,
      })),
      workers,
      existing,
      rules: r.rules,
    });
    for (const x of p.shifts) {
      await tx.query(
        `INSERT INTO roster_shifts (roster_id, worker_id, area_code, skill, starts_at, ends_at, status, origin)
         VALUES ($1, $2, $3, $4, $5, $6, 'draft', 'replacement')`,
        [rid, x.worker, x.area, x.skill, new Date(x.starts), new Date(x.ends)],
      );
      replacements++;
    }
    const reasons = new Map<string, RosterReason>(
      gone.map((s) => [
        `${s.area_code}|${s.skill}|${s.starts_at.getTime()}`,
        { k: 'forces.worker_removed', p: { worker: workerId } },
      ]),
    );
    await recomputeCoverage(tx, clock, rid, reasons);
  }
  return { removed: rows.length, replacements, rosters };
}

/**
 * The coverage of every slot of a roster (demand, assigned, short) and, on a confirmed roster, its tasks: a slot
 * short of people has an open 'force_shortfall' task (due when the shift starts), a covered one none.
 * Assigned counts the plan: confirmed shifts on a confirmed roster, proposed ones on a draft.
 */
async function recomputeCoverage(
  tx: Queryable,
  clock: Clock,
  rosterId: number,
  reasons: Map<string, RosterReason> = new Map(),
): Promise<void> {
  const r = await getRoster(tx, rosterId);
  const counted = r.status === 'confirmed' ? ['confirmed'] : ['draft'];
  const shifts = await rosterShifts(tx, rosterId, counted);
  const got = new Map<string, number>();
  for (const s of shifts) {
    const k = `${s.area_code}|${s.skill}|${s.starts_at.getTime()}`;
    got.set(k, (got.get(k) ?? 0) + 1);
  }
  const prior = await tx.query<{ area_code: string; skill: string; starts_at: Date; reason: RosterReason }>(
    'SELECT area_code, skill, starts_at, reason FROM roster_shortfalls WHERE roster_id = $1',
    [rosterId],
  );
  const priorReason = new Map(
    prior.rows.map((p) => [`${p.area_code}|${p.skill}|${p.starts_at.getTime()}`, p.reason]),
  );
  const now = clock.now();
  // Slots of the demand, the same slot twice (two sources) summed.
  const slots = new Map<string, DemandSlot & { need: number }>();
  for (const d of r.demand) {
    const k = `${d.area}|${d.skill}|${d.starts}`;
    const s = slots.get(k);
    if (s) s.need += d.need;
    else slots.set(k, { ...d });
  }
  for (const [k, d] of slots) {
    const assigned = got.get(k) ?? 0;
    const short = Math.max(0, d.need - assigned);
    const reason: RosterReason =
      short === 0
        ? { k: 'forces.covered', p: { skill: d.skill } }
        : (reasons.get(k) ??
          (priorReason.get(k)?.k !== 'forces.covered' ? priorReason.get(k) : undefined) ?? {
            k: 'forces.all_taken',
            p: { skill: d.skill, assigned },
          });
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO roster_shortfalls (roster_id, area_code, skill, starts_at, ends_at, demand, assigned, short, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
       ON CONFLICT (roster_id, area_code, skill, starts_at)
       DO UPDATE SET demand = EXCLUDED.demand, assigned = EXCLUDED.assigned, short = EXCLUDED.short, reason = EXCLUDED.reason
       RETURNING id`,
      [
        rosterId,
        d.area,
        d.skill,
        new Date(d.starts),
        new Date(d.ends),
        d.need,
        assigned,
        short,
        JSON.stringify(reason),
      ],
    );
    const sid = (rows[0] as { id: number }).id;
    if (r.status !== 'confirmed') continue;
    const details = JSON.stringify({
      roster_id: rosterId,
      skill: d.skill,
      shift: d.shift,
      demand: d.need,
      assigned,
      short,
    });
    if (short > 0) {
      await tx.query(
        `INSERT INTO tasks (kind, area_code, subject_type, subject_id, due_at, created_at, details)
         VALUES ('force_shortfall', $1, 'roster_shortfall', $2, $3, $4, $5::jsonb)
         ON CONFLICT (kind, subject_type, subject_id)
         DO UPDATE SET status = 'open', done_at = NULL, details = EXCLUDED.details
         WHERE tasks.status <> 'cancelled'`,
        [d.area, sid, new Date(d.starts), now, details],
      );
    } else
      await tx.query(
        `UPDATE tasks SET status = 'done', done_at = $2, details = $3::jsonb
          WHERE kind = 'force_shortfall' AND subject_type = 'roster_shortfall' AND subject_id = $1 AND status = 'open'`,
        [sid, now, details],
      );
  }
}

/** The day's rosters of the jurisdiction for the board: coverage per area, skill and shift, and who works where. */
export async function rosterBoard(db: Queryable, scope: Scope, day: string) {
  const params: unknown[] = [day];
  const rosters = await db.query<RosterRow>(
    `SELECT ${ROSTER_COLUMNS} FROM rosters r
      WHERE r.day = $1 AND r.status IN ('draft', 'confirmed') AND ${scopeCondition('r.area_code', scope, params)}
      ORDER BY r.area_code, r.id`,
    params,
  );
  const out = [];
  for (const r of rosters.rows) {
    const cov = await db.query<{
      id: number;
      area_code: string;
      skill: Skill;
      starts_at: Date;
      demand: number;
      assigned: number;
      short: number;
      reason: RosterReason;
    }>(
      `SELECT id, area_code, skill, starts_at, demand, assigned, short, reason FROM roster_shortfalls
        WHERE roster_id = $1 ORDER BY area_code, starts_at, skill`,
      [r.id],
    );
    const shifts = await db.query<ShiftRow & { worker_name: string }>(
      `SELECT s.*, w.name AS worker_name FROM roster_shifts s JOIN workers w ON w.id = s.worker_id
        WHERE s.roster_id = $1 ORDER BY s.area_code, s.starts_at, s.skill, s.id`,
      [r.id],
    );
    const { demand: _d, ...rest } = r;
    out.push({
      ...rest,
      pending: shifts.rows.filter((s) => s.status === 'draft').length,
      coverage: cov.rows.map((c) => ({
        id: Number(c.id),
        area_code: c.area_code,
        skill: c.skill,
        shift: shiftCodeOf(c.starts_at),
        starts_at: c.starts_at.toISOString(),
        demand: c.demand,
        assigned: c.assigned,
        short: c.short,
        reason: c.reason,
      })),
      shifts: shifts.rows.map((s) => ({
        id: Number(s.id),
        worker_id: Number(s.worker_id),
        worker_name: s.worker_name,
        area_code: s.area_code,
        skill: s.skill,
        shift: shiftCodeOf(s.starts_at),
        starts_at: s.starts_at.toISOString(),
        ends_at: s.ends_at.toISOString(),
        status: s.status,
        origin: s.origin,
      })),
    });
  }
  return out;
}

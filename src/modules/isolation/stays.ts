/**
 * Stays and turnover (清仓): arrival starts the term and its test schedule; release (contacts, when the term is
 * over) or discharge (cases, on two Ct ≥ 35 results 24 h apart) ends it and sends the person home to monitoring;
 * the emptied room or bed goes to terminal disinfection (a task with an owner) and comes back into service.
 * Each step locks the rows it changes and checks its precondition, so no invariant can be broken by a race.
 */

import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { DISCHARGE, dischargeProblem, TERMS, termEnd, testSchedule } from '../../domain/terms.ts';
import { AppError } from '../../lib/errors.ts';
import type { Scope } from '../access/scope.ts';
import { setRiskStatus } from '../registry/risk.ts';
import { startHomeMonitoring } from './home.ts';
import { lockStay, type PlacementRow, stayScopeCondition } from './stay-scope.ts';

/** The person reached the site: the room or bed is occupied, the term and its tests start. */
export async function arrive(
  tx: Queryable,
  clock: Clock,
  id: number,
  scopePrefix: string,
): Promise<PlacementRow> {
  const pl = await lockStay(tx, id, { prefix: scopePrefix });
  if (pl.status !== 'placed')
    throw new AppError(
      409,
      'transition_invalid',
      `stay ${id} is ${pl.status}; only a placed stay can arrive`,
    );
  const now = clock.now();
  // A stay opened by a move (move.ts) continues a term already running: its due date and its test schedule
  // (re-pointed to it by the move) stay as they are.
  const continued = pl.term_started_at !== null;
  const term = pl.category === 'case' ? null : TERMS[pl.edition][pl.category];
  const due = continued ? pl.due_at : term ? termEnd(now, term) : null;
  const started = pl.term_started_at ?? now;
  await tx.query(
    `UPDATE placements SET status = 'arrived', arrived_at = $2, due_at = $3, term_started_at = $4 WHERE id = $1`,
    [id, now, due, started],
  );
  if (pl.room_id) await tx.query(`UPDATE rooms SET status = 'occupied' WHERE id = $1`, [pl.room_id]);
  if (pl.bed_id) await tx.query(`UPDATE beds SET status = 'occupied' WHERE id = $1`, [pl.bed_id]);
  if (term && !continued) {
    const dues = testSchedule(now, term);
    await tx.query(
      `INSERT INTO tasks (kind, person_id, area_code, subject_type, subject_id, due_at, created_at, details)
       SELECT 'quarantine_test', $1, $2, 'placement_test', $3::int8 * 100 + d.n, d.due, $4, jsonb_build_object('day', d.day, 'placement_id', $3::int8)
         FROM unnest($5::timestamptz[], $6::int4[], $7::int4[]) AS d(due, day, n)
       ON CONFLICT DO NOTHING`,
      [pl.person_id, pl.site_area, id, now, dues, term.testDays, term.testDays.map((_, i) => i + 1)],
    );
  }
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload) VALUES ('isolation.arrived', 'placement', $1, $2, $3, '{}')`,
    [id, pl.site_area, now],
  );
  return { ...pl, status: 'arrived', arrived_at: now, due_at: due, term_started_at: started };
}

async function vacate(tx: Queryable, clock: Clock, pl: PlacementRow): Promise<void> {
  const now = clock.now();
  // The room empties when its last occupant leaves; then it waits for terminal disinfection.
  if (pl.room_id) {
    const others = await tx.query(
      `SELECT 1 FROM placements WHERE room_id = $1 AND status IN ('placed', 'arrived') AND id <> $2`,
      [pl.room_id, pl.id],
    );
    if (others.rows.length === 0) {
      await tx.query(`UPDATE rooms SET status = 'awaiting_disinfection', vacated_at = $2 WHERE id = $1`, [
        pl.room_id,
        now,
      ]);
      await disinfectionTask(tx, now, 'room', pl.room_id, pl.site_area);
    }
  }
  if (pl.bed_id) {
    await tx.query(`UPDATE beds SET status = 'awaiting_disinfection', vacated_at = $2 WHERE id = $1`, [
      pl.bed_id,
      now,
    ]);
    await disinfectionTask(tx, now, 'bed', pl.bed_id, pl.site_area);
  }
}

export async function disinfectionTask(
  tx: Queryable,
  now: Date,
  kind: 'room' | 'bed',
  unitId: number,
  area: string,
): Promise<void> {
  // Due the same day (a room is back in service the day it is vacated): end of the Beijing day.
  const endOfDay = new Date(
    Math.floor((now.getTime() + 8 * 3600_000) / 86_400_000 + 1) * 86_400_000 - 8 * 3600_000,
  );
  await tx.query(
    `INSERT INTO tasks (kind, area_code, subject_type, subject_id, due_at, created_at)
     VALUES ('terminal_disinfection', $1, $2, $3, $4, $5)
     ON CONFLICT (kind, subject_type, subject_id) DO UPDATE SET status = 'open', due_at = excluded.due_at, created_at = excluded.created_at, done_at = NULL`,
    [area, kind, unitId, endOfDay, now],
  );
}

/** A contact whose term is over goes home (to home monitoring when the edition has it). */
export async function release(
  tx: Queryable,
  clock: Clock,
  id: number,
  scopePrefix: string,
): Promise<{ homeMonitoringDays: number }> {
  const pl = await lockStay(tx, id, { prefix: scopePrefix });
  if (pl.category === 'case')
    throw new AppError(409, 'use_discharge', `stay ${id} is a case's: cases leave by discharge`);
  if (pl.status !== 'arrived')
    throw new AppError(
      409,
      'transition_invalid',
      `stay ${id} is ${pl.status}; only an arrived stay can be released`,
    );
  const now = clock.now();
  if (!pl.due_at || now.getTime() < pl.due_at.getTime()) {
    throw new AppError(
      409,
      'term_not_over',
      `stay ${id} ends ${pl.due_at?.toISOString()}; it cannot be released before`,
    );
  }
  const open = await tx.query<{ n: number }>(
    `SELECT count(*) AS n FROM tasks WHERE kind = 'quarantine_test' AND status = 'open' AND (details->>'placement_id')::int8 = $1`,
    [id],
  );
  if ((open.rows[0]?.n ?? 0) > 0) {
    throw new AppError(
      409,
      'tests_outstanding',
      `stay ${id} still has ${open.rows[0]?.n} scheduled test(s) not done`,
    );
  }
  const homeDays = TERMS[pl.edition][pl.category].homeDays;
  await tx.query(
    `UPDATE placements SET status = 'released', released_at = $2, release_kind = 'released' WHERE id = $1`,
    [id, now],
  );
  await setRiskStatus(tx, [pl.person_id], homeDays > 0 ? 'home_monitoring' : 'released', now);
  await vacate(tx, clock, pl);
  await startHomeMonitoring(tx, now, {
    personId: pl.person_id,
    category: pl.category,
    edition: pl.edition,
    placementId: id,
    days: homeDays,
  });
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload) VALUES ('isolation.released', 'placement', $1, $2, $3, $4::jsonb)`,
    [id, pl.site_area, now, JSON.stringify({ person_id: pl.person_id, home_monitoring_days: homeDays })],
  );
  return { homeMonitoringDays: homeDays };
}

/** A case leaves hospital on two PCR tests with Ct ≥ 35 at least 24 h apart, to 7 days of home monitoring. */
export async function discharge(
  tx: Queryable,
  clock: Clock,
  id: number,
  tests: readonly { at: Date; ct: number }[],
  scopePrefix: string,
): Promise<{ homeMonitoringDays: number }> {
  const pl = await lockStay(tx, id, { prefix: scopePrefix });
  if (pl.category !== 'case')
    throw new AppError(409, 'use_release', `stay ${id} is a contact's: contacts leave by release`);
  if (pl.status !== 'arrived')
    throw new AppError(
      409,
      'transition_invalid',
      `stay ${id} is ${pl.status}; only an arrived stay can be discharged`,
    );
  const problem = dischargeProblem(tests);
  if (problem) throw new AppError(409, 'discharge_criteria_not_met', problem);
  const now = clock.now();
  await tx.query(
    `UPDATE placements SET status = 'released', released_at = $2, release_kind = 'discharged' WHERE id = $1`,
    [id, now],
  );
  await setRiskStatus(tx, [pl.person_id], 'home_monitoring', now);
  await tx.query(`UPDATE cases SET outcome = 'recovered' WHERE person_id = $1`, [pl.person_id]);
  await vacate(tx, clock, pl);
  await startHomeMonitoring(tx, now, {
    personId: pl.person_id,
    category: 'case',
    edition: pl.edition,
    placementId: id,
    days: DISCHARGE.homeDays,
  });
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload) VALUES ('isolation.discharged', 'placement', $1, $2, $3, '{}')`,
    [id, pl.site_area, now],
  );
  return { homeMonitoringDays: DISCHARGE.homeDays };
}

/** Terminal disinfection: start (awaiting → disinfecting), finish (disinfecting → available, the task done). */
export async function disinfection(
  tx: Queryable,
  clock: Clock,
  kind: 'room' | 'bed',
  unitId: number,
  action: 'start' | 'finish',
  scopePrefix: string,
): Promise<{ status: string; turnoverMinutes?: number }> {
  const table = kind === 'room' ? 'rooms' : 'beds';
  const { rows } = await tx.query<{ status: string; vacated_at: Date | null; area_code: string }>(
    `SELECT u.status, u.vacated_at, s.area_code FROM ${table} u JOIN sites s ON s.id = u.site_id WHERE u.id = $1 AND starts_with(s.area_code, $2) FOR UPDATE OF u`,
    [unitId, scopePrefix],
  );
  const u = rows[0];
  if (!u) throw new AppError(404, 'not_found', `${kind} ${unitId} was not found`);
  const from = action === 'start' ? 'awaiting_disinfection' : 'disinfecting';
  if (u.status !== from) {
    const why =
      u.status === 'occupied' || u.status === 'reserved'
        ? ` — someone is ${u.status === 'occupied' ? 'in' : 'on the way to'} it`
        : '';
    throw new AppError(
      409,
      'transition_invalid',
      `${kind} ${unitId} is ${u.status}${why}; it must be ${from} to ${action} disinfection`,
    );
  }
  const now = clock.now();
  if (action === 'start') {
    await tx.query(`UPDATE ${table} SET status = 'disinfecting' WHERE id = $1`, [unitId]);
    return { status: 'disinfecting' };
  }
  await tx.query(`UPDATE ${table} SET status = 'available' WHERE id = $1`, [unitId]);
  await tx.query(
    `UPDATE tasks SET status = 'done', done_at = $3 WHERE kind = 'terminal_disinfection' AND subject_type = $1 AND subject_id = $2 AND status = 'open'`,
    [kind, unitId, now],
  );
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload) VALUES ('isolation.unit_available', $1, $2, $3, $4, '{}')`,
    [kind, unitId, u.area_code, now],
  );
  return {
    status: 'available',
    turnoverMinutes: u.vacated_at ? Math.round((now.getTime() - u.vacated_at.getTime()) / 60_000) : undefined,
  };
}

/**
 * A contact found positive in quarantine (or on the way to it) is a case now: the contact's stay ends (release
 * kind 'transferred', event 'isolation.became_case'), its open test tasks are cancelled, the room or bed goes to
 * terminal disinfection if it was occupied (back to service if it was only reserved), and the person waits as a
 * case for the placement engine — a case's place (shelter hospital or hospital), never a contact's room.
 * A placed stay already on a trip is left to its trip (it ends here after arrival, the next time this runs).
 */
export async function endContactStaysOfCases(tx: Queryable, clock: Clock, scope: Scope): Promise<number> {
  const params: unknown[] = [];
  const { rows } = await tx.query<{ id: number }>(
    `SELECT pl.id FROM placements pl JOIN person_risk r ON r.person_id = pl.person_id
      WHERE pl.status IN ('placed', 'arrived') AND pl.category <> 'case' AND r.risk_status = 'case'
        AND ${stayScopeCondition('pl', scope, params)}
        AND NOT EXISTS (SELECT 1 FROM trip_passengers tp WHERE tp.placement_id = pl.id AND tp.status IN ('assigned', 'picked_up'))
      ORDER BY pl.id`,
    params,
  );
  const now = clock.now();
  for (const { id } of rows) {
    const pl = await lockStay(tx, id, scope);
    await tx.query(
      `UPDATE placements SET status = 'released', released_at = $2, release_kind = 'transferred' WHERE id = $1`,
      [id, now],
    );
    await tx.query(
      `UPDATE tasks SET status = 'cancelled' WHERE kind = 'quarantine_test' AND status = 'open' AND (details->>'placement_id')::int8 = $1`,
      [id],
    );
    if (pl.status === 'arrived') await vacate(tx, clock, pl);
    else {
      if (pl.room_id)
        await tx.query(
          `UPDATE rooms SET status = 'available' WHERE id = $1 AND status = 'reserved'
             AND NOT EXISTS (SELECT 1 FROM placements o WHERE o.room_id = $1 AND o.status IN ('placed', 'arrived'))`,
          [pl.room_id],
        );
      if (pl.bed_id)
        await tx.query(`UPDATE beds SET status = 'available' WHERE id = $1 AND status = 'reserved'`, [
          pl.bed_id,
        ]);
    }
    await tx.query(
      `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload) VALUES ('isolation.became_case', 'placement', $1, $2, $3, $4::jsonb)`,
      [id, pl.site_area, now, JSON.stringify({ person_id: pl.person_id, was: pl.category })],
    );
  }
  return rows.length;
}

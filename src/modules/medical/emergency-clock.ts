/**
 * The emergency clock: every open emergency (urgency 'emergency', not treated) with the minutes since it was asked
 * for and since its last step. One that has not moved for 30 minutes is stalled: a red item for the commander.
 * `checkStalledEmergencies` (run every minute by the server's workers, src/server/workers.ts) writes one task
 * 'medical_emergency_stalled' per stalled request, due at requested + 30 min, so it is on the responsibility list
 * overdue and climbs the patches; it is idempotent (one task per request: the tasks table's unique (kind, subject))
 * and the task is met when the patient is treated (steps.ts).
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { STALL_MINUTES } from './time.ts';

export interface EmergencyClockItem {
  id: number;
  person_id: number;
  area_code: string;
  service: string;
  status: string;
  code_colour: string;
  hospital_id: number | null;
  vehicle_id: number | null;
  requested_at: string;
  last_step_at: string;
  minutes_since_requested: number;
  minutes_since_step: number;
  stalled: boolean;
}

export async function emergencyClock(db: Queryable, scope: Scope, now: Date): Promise<EmergencyClockItem[]> {
  const params: unknown[] = [];
  const { rows } = await db.query<{
    id: number;
    person_id: number;
    area_code: string;
    service: string;
    status: string;
    code_colour: string;
    hospital_id: number | null;
    vehicle_id: number | null;
    requested_at: Date;
    last_step_at: Date;
  }>(
    `SELECT id, person_id, area_code, service, status, code_colour, hospital_id, vehicle_id, requested_at, last_step_at
       FROM medical_requests
      WHERE urgency = 'emergency' AND status <> 'treated' AND ${scopeCondition('area_code', scope, params)}
      ORDER BY requested_at, id`,
    params,
  );
  const minutes = (d: Date) => Math.max(0, Math.floor((now.getTime() - d.getTime()) / 60_000));
  return rows
    .map((r) => ({
      ...r,
      requested_at: r.requested_at.toISOString(),
      last_step_at: r.last_step_at.toISOString(),
      minutes_since_requested: minutes(r.requested_at),
      minutes_since_step: minutes(r.last_step_at),
      stalled: minutes(r.last_step_at) >= STALL_MINUTES,
    }))
    .sort((a, b) => Number(b.stalled) - Number(a.stalled) || b.minutes_since_step - a.minutes_since_step);
}

/** Opens the red item of every emergency stalled now that has none yet; answers how many were opened. */
export async function checkStalledEmergencies(db: Queryable, clock: Clock): Promise<number> {
  const now = clock.now();
  const { rowCount } = await db.query(
    `INSERT INTO tasks (kind, person_id, area_code, subject_type, subject_id, due_at, created_at, details)
     SELECT 'medical_emergency_stalled', r.person_id, r.area_code, 'medical_request', r.id,
            r.requested_at + make_interval(mins => $2), $1,
            jsonb_build_object('request_id', r.id, 'status', r.status, 'last_step_at', r.last_step_at)
       FROM medical_requests r
      WHERE r.urgency = 'emergency' AND r.status <> 'treated'
        AND r.last_step_at <= $1::timestamptz - make_interval(mins => $2)
     ON CONFLICT (kind, subject_type, subject_id) DO NOTHING`,
    [now, STALL_MINUTES],
  );
  return rowCount;
}

/**
 * The module's figures, one definition for the dashboard and the daily report: rows (area_code, k, n) per exact area
 * code, for requests asked, met (treated) and refused in [from, to), and emergencies open and stalled at `now`.
 * `from`, `to` and `now` are SQL expressions (parameters).
 */
export function medicalFigureRows(from: string, to: string, now: string): string {
  return `SELECT area_code, 'medical_requests_today' AS k, count(*) AS n FROM medical_requests
           WHERE requested_at >= ${from} AND requested_at < ${to} GROUP BY 1
         UNION ALL
         SELECT area_code, 'medical_met_today', count(*) FROM medical_requests
           WHERE treated_at >= ${from} AND treated_at < ${to} GROUP BY 1
         UNION ALL
         SELECT r.area_code, 'medical_refused_today', count(*) FROM medical_refusals f JOIN medical_requests r ON r.id = f.request_id
           WHERE f.refused_at >= ${from} AND f.refused_at < ${to} GROUP BY 1
         UNION ALL
         SELECT area_code, 'medical_emergencies_open', count(*) FROM medical_requests
           WHERE urgency = 'emergency' AND status <> 'treated' GROUP BY 1
         UNION ALL
         SELECT area_code, 'medical_emergencies_stalled', count(*) FROM medical_requests
           WHERE urgency = 'emergency' AND status <> 'treated'
             AND last_step_at <= ${now}::timestamptz - interval '${STALL_MINUTES} minutes' GROUP BY 1`;
}

export const MEDICAL_FIGURES = [
  'medical_requests_today',
  'medical_met_today',
  'medical_refused_today',
  'medical_emergencies_open',
  'medical_emergencies_stalled',
] as const;

/** The figures of a scope for the day [from, to), open emergencies as of `now` (the daily report). */
export async function medicalFigures(
  db: Queryable,
  scope: Scope,
  from: Date,
  to: Date,
  now: Date,
): Promise<Record<(typeof MEDICAL_FIGURES)[number], number>> {
  const params: unknown[] = [from, to, now];
  const { rows } = await db.query<{ k: string; n: number }>(
    `SELECT k, sum(n)::int AS n FROM (${medicalFigureRows('$1', '$2', '$3')}) m
      WHERE ${scopeCondition('m.area_code', scope, params)} GROUP BY k`,
    params,
  );
  const got = new Map(rows.map((r) => [r.k, Number(r.n)]));
  return Object.fromEntries(MEDICAL_FIGURES.map((k) => [k, got.get(k) ?? 0])) as Record<
    (typeof MEDICAL_FIGURES)[number],
    number
  >;
}

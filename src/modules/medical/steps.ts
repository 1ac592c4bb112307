/**
 * The steps of a request after routing: at the hospital, treated. Each step has its own time and moves the
 * emergency clock (`last_step_at`); a step already taken answers the request as it is (`already: true`), so a
 * retried step never counts twice; a step out of order is 409 `step_out_of_order`. A request outside the caller's
 * jurisdiction is 404, as an unknown one, and nothing is written.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { getRequestRow, REQUEST_COLUMNS, type RequestRow, type RequestStatus } from './requests.ts';

/** The request, locked, when it lies in the scope; 404 otherwise. */
export async function lockRequest(tx: Queryable, id: number, scope: Scope): Promise<RequestRow> {
  const params: unknown[] = [id];
  const { rows } = await tx.query<RequestRow>(
    `SELECT ${REQUEST_COLUMNS} FROM medical_requests r WHERE r.id = $1 AND ${scopeCondition('r.area_code', scope, params)} FOR UPDATE`,
    params,
  );
  const r = rows[0];
  if (!r) throw new AppError(404, 'not_found', `request ${id} was not found`);
  return r;
}

export async function recordEvent(
  tx: Queryable,
  type: string,
  r: RequestRow,
  at: Date,
  payload: Record<string, unknown> = {},
): Promise<void> {
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
     VALUES ($1, 'medical_request', $2, $3, $4, $5::jsonb)`,
    [type, r.id, r.area_code, at, JSON.stringify(payload)],
  );
}

const STEP_FROM: Record<'at_hospital' | 'treated', readonly RequestStatus[]> = {
  at_hospital: ['routed', 'vehicle_assigned'],
  treated: ['at_hospital'],
};

export async function recordStep(
  tx: Queryable,
  clock: Clock,
  id: number,
  step: 'at_hospital' | 'treated',
  scope: Scope,
): Promise<{ request: RequestRow; already: boolean }> {
  const r = await lockRequest(tx, id, scope);
  if (r.status === step) return { request: r, already: true };
  if (!STEP_FROM[step].includes(r.status))
    throw new AppError(
      409,
      'step_out_of_order',
      `request ${id} is ${r.status}: ${step.replace('_', ' ')} follows ${STEP_FROM[step].join(' or ')}`,
      { status: r.status, step },
    );
  const now = clock.now();
  await tx.query(
    `UPDATE medical_requests SET status = $2, ${step}_at = $3, last_step_at = $3 WHERE id = $1`,
    [id, step, now],
  );
  if (step === 'treated')
    // A stalled emergency's item is met once the patient is treated.
    await tx.query(
      `UPDATE tasks SET status = 'done', done_at = $2
        WHERE kind = 'medical_emergency_stalled' AND subject_type = 'medical_request' AND subject_id = $1 AND status = 'open'`,
      [id, now],
    );
  await recordEvent(tx, `medical.${step}`, r, now, { hospital_id: r.hospital_id });
  return { request: await getRequestRow(tx, id), already: false };
}

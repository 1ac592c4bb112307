/**
 * A refusal (拒诊/推诿: "禁止以任何借口推诿拒收患者", seeds 002 and 004) is recorded with the hospital, the step it
 * happened at, the reason and who recorded it, and opens at once a task 'medical_refusal' due immediately, in the
 * patient's area: it is on the responsibility list as overdue the moment it is written and climbs the patches as
 * every overdue item does (command/responsibility.ts). Rerouting the request meets the item (routing.ts). A refusal
 * recorded twice for the same hospital (a retry) answers the request as it is and writes nothing.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import type { Scope } from '../access/scope.ts';
import { getRequestRow, type RequestRow } from './requests.ts';
import { lockRequest, recordEvent } from './steps.ts';

const REFUSABLE = ['routed', 'vehicle_assigned', 'at_hospital'] as const;

export async function refuseRequest(
  tx: Queryable,
  clock: Clock,
  id: number,
  reason: string,
  by: string,
  scope: Scope,
): Promise<{ request: RequestRow; refusal_id: number | null; task_id: number | null; already: boolean }> {
  const r = await lockRequest(tx, id, scope);
  if (r.status === 'refused') return { request: r, refusal_id: null, task_id: null, already: true };
  const step = REFUSABLE.find((s) => s === r.status);
  if (!step || r.hospital_id === null)
    throw new AppError(
      409,
      'step_out_of_order',
      `request ${id} is ${r.status}: a refusal is recorded for a request routed to a hospital`,
      { status: r.status, step: 'refused' },
    );
  const now = clock.now();
  const refusal = await tx.query<{ id: number }>(
    `INSERT INTO medical_refusals (request_id, hospital_id, step, reason, refused_by, refused_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [id, r.hospital_id, step, reason, by, now],
  );
  const refusalId = (refusal.rows[0] as { id: number }).id;
  await tx.query(
    `UPDATE medical_requests SET status = 'refused', refused_at = $2, last_step_at = $2 WHERE id = $1`,
    [id, now],
  );
  const task = await tx.query<{ id: number }>(
    `INSERT INTO tasks (kind, person_id, area_code, subject_type, subject_id, due_at, created_at, details)
     VALUES ('medical_refusal', $1, $2, 'medical_refusal', $3, $4, $4, $5::jsonb) RETURNING id`,
    [
      r.person_id,
      r.area_code,
      refusalId,
      now,
      JSON.stringify({ request_id: id, hospital_id: r.hospital_id, step, urgency: r.urgency, reason }),
    ],
  );
  await recordEvent(tx, 'medical.refused', r, now, {
    hospital_id: r.hospital_id,
    step,
    refusal_id: refusalId,
  });
  return {
    request: await getRequestRow(tx, id),
    refusal_id: refusalId,
    task_id: (task.rows[0] as { id: number }).id,
    already: false,
  };
}

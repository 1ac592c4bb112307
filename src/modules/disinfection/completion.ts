/**
 * Recording a disinfection done (消杀完成登记): the place, the due time it answers, who, when, the agent and its
 * concentration. The due time's task is closed in the same transaction (done at the time the disinfection was
 * done), so it leaves the responsibility list. Refusals, each with its code and nothing written:
 * - a place unknown or outside the caller's jurisdiction: 404 `disinfection_place_unknown`;
 * - a due time that is not the place's: 404 `disinfection_due_unknown`;
 * - a due time already done: 409 `disinfection_already_done` (naming the record); cancelled: 409
 *   `disinfection_due_cancelled`;
 * - a time ahead of the clock: 400 `time_in_future`.
 * The key makes a resent record count once: the same key answers the same record (`duplicate: true`); the same key
 * for another due time is refused (409 `disinfection_key_reused`).
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { refuseFuture } from '../../lib/instant.ts';
import type { Scope } from '../access/scope.ts';
import { placeInScope } from './places.ts';
import { type Agent, SUBJECT_TYPE, TASK_KIND } from './rules.ts';

export interface RecordInput {
  key: string;
  placeId: number;
  dueId: number;
  doneAt: Date;
  agent: Agent;
  concentration?: string | undefined;
  notes?: string | undefined;
}

export interface DisinfectionRecord {
  id: number;
  idempotency_key: string;
  place_id: number;
  due_id: number;
  task_id: number;
  area_code: string;
  done_by_user_id: number | null;
  done_by: string;
  done_at: Date;
  recorded_at: Date;
  agent: Agent;
  concentration: string | null;
  notes: string | null;
}

export async function recordDisinfection(
  tx: Queryable,
  clock: Clock,
  input: RecordInput,
  by: { userId: number | null; name: string },
  scope: Scope,
): Promise<{ record: DisinfectionRecord; duplicate: boolean }> {
  const place = await placeInScope(tx, input.placeId, scope);
  const byKey = async () =>
    (
      await tx.query<DisinfectionRecord>('SELECT * FROM disinfections WHERE idempotency_key = $1', [
        input.key,
      ])
    ).rows[0];
  const sameKey = await byKey();
  if (sameKey) return resent(sameKey, input);
  // The due time and its task, locked: two records of one due time wait for each other here.
  const due = (
    await tx.query<{ id: number; task_id: number; status: string }>(
      `SELECT d.id, t.id AS task_id, t.status FROM disinfection_due d
         JOIN tasks t ON t.kind = $3 AND t.subject_type = $4 AND t.subject_id = d.id
        WHERE d.id = $1 AND d.place_id = $2 FOR UPDATE OF t`,
      [input.dueId, place.id, TASK_KIND, SUBJECT_TYPE],
    )
  ).rows[0];
  if (!due)
    throw new AppError(
      404,
      'disinfection_due_unknown',
      `place ${place.id} has no disinfection due with id ${input.dueId}`,
      { place_id: place.id, due_id: input.dueId },
    );
  // A copy sent while the first was in flight finds it now (the lock above waited for it).
  const afterLock = await byKey();
  if (afterLock) return resent(afterLock, input);
  const done = (
    await tx.query<{ id: number; done_at: Date; done_by: string }>(
      'SELECT id, done_at, done_by FROM disinfections WHERE due_id = $1',
      [due.id],
    )
  ).rows[0];
  if (done)
    throw new AppError(
      409,
      'disinfection_already_done',
      `this disinfection was recorded already (record ${done.id}, ${done.done_at.toISOString()}, by ${done.done_by})`,
      { record_id: done.id, done_at: done.done_at.toISOString(), done_by: done.done_by },
    );
  if (due.status === 'cancelled')
    throw new AppError(
      409,
      'disinfection_due_cancelled',
      `this disinfection was cancelled (the place was taken out of service)`,
      { due_id: due.id },
    );
  const now = clock.now();
  refuseFuture(now, input.doneAt, 'done_at');
  const { rows } = await tx.query<DisinfectionRecord>(
    `INSERT INTO disinfections (idempotency_key, place_id, due_id, task_id, area_code, done_by_user_id, done_by,
                                done_at, recorded_at, agent, concentration, notes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
    [
      input.key,
      place.id,
      due.id,
      due.task_id,
      place.area_code,
      by.userId,
      by.name,
      input.doneAt,
      now,
      input.agent,
      input.concentration ?? null,
      input.notes ?? null,
    ],
  );
  const record = rows[0] as DisinfectionRecord;
  await tx.query(`UPDATE tasks SET status = 'done', done_at = $2 WHERE id = $1`, [due.task_id, input.doneAt]);
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
     VALUES ('disinfection.done', 'disinfection_place', $1, $2, $3, $4::jsonb)`,
    [place.id, place.area_code, input.doneAt, JSON.stringify({ record_id: record.id, due_id: due.id })],
  );
  return { record, duplicate: false };
}

function resent(r: DisinfectionRecord, input: RecordInput): { record: DisinfectionRecord; duplicate: true } {
  if (r.place_id !== input.placeId || r.due_id !== input.dueId)
    throw new AppError(
      409,
      'disinfection_key_reused',
      `record key ${input.key} was used for another disinfection: each record needs its own key`,
    );
  return { record: r, duplicate: true };
}

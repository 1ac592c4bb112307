/**
 * The tracing worker: turns every 'testing.person_positive' event whose person has no case yet into a case, and
 * traces every case not traced yet. Idempotent by construction (it looks for work, not at a cursor), serialised
 * by an advisory lock, one transaction per call. The server runs it every few seconds; tests and the CLI call it.
 */
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { DEFAULT_TRACING_RULES, type TracingRules } from '../../domain/contact-rules.ts';
import { createCase, type TraceSummary, traceCase } from './trace-case.ts';

const WORKER_LOCK = 7263003;

export interface TracingRun {
  casesCreated: number;
  traced: TraceSummary[];
}

export async function runTracing(
  db: Db,
  clock: Clock,
  rules: TracingRules = DEFAULT_TRACING_RULES,
  limit = 100,
): Promise<TracingRun> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [WORKER_LOCK]);
    const positives = await tx.query<{ id: number; subject_id: number; occurred_at: Date }>(
      `SELECT e.id, e.subject_id, e.occurred_at FROM events e
        WHERE e.type = 'testing.person_positive' AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = e.subject_id)
        ORDER BY e.id LIMIT $1`,
      [limit],
    );
    let casesCreated = 0;
    for (const e of positives.rows) {
      const r = await createCase(tx, clock, {
        personId: e.subject_id,
        firstPositiveAt: e.occurred_at,
        sourceEventId: e.id,
      });
      if (r.created) casesCreated++;
    }
    const untraced = await tx.query<{ id: number }>(
      'SELECT id FROM cases WHERE traced_at IS NULL ORDER BY id LIMIT $1',
      [limit],
    );
    const traced: TraceSummary[] = [];
    for (const c of untraced.rows) traced.push(await traceCase(tx, clock, c.id, rules));
    return { casesCreated, traced };
  });
}

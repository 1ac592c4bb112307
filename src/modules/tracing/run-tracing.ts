/**
 * The tracing worker: turns every 'testing.person_positive' event whose person has no case yet into a case, and
 * traces every case not traced yet, a batch at a time. Idempotent by construction (it looks for work, not at a
 * cursor). Case creation is serialised by an advisory lock (case numbers run per district per day); tracing takes
 * its batch with SKIP LOCKED, so several workers (or server processes) trace different cases side by side. The
 * server runs it every few seconds; tests, benchmarks and the CLI call it.
 */
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import type { TracingRules } from '../../domain/contact-rules.ts';
import { currentTracingRules } from './rules.ts';
import { createCase, type TraceSummary, traceCases } from './trace-case.ts';

const WORKER_LOCK = 7263003;

export interface TracingRun {
  casesCreated: number;
  traced: TraceSummary[];
}

export async function runTracing(
  db: Db,
  clock: Clock,
  rules?: TracingRules,
  limit = 100,
): Promise<TracingRun> {
  const casesCreated = await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [WORKER_LOCK]);
    const positives = await tx.query<{ id: number; subject_id: number; occurred_at: Date }>(
      `SELECT e.id, e.subject_id, e.occurred_at FROM events e
        WHERE e.type = 'testing.person_positive' AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = e.subject_id)
        ORDER BY e.id LIMIT $1`,
      [limit],
    );
    let created = 0;
    for (const e of positives.rows) {
      const r = await createCase(tx, clock, {
        personId: e.subject_id,
        firstPositiveAt: e.occurred_at,
        sourceEventId: e.id,
      });
      if (r.created) created++;
    }
    return created;
  });
  const traced = await db.transaction(async (tx) => {
    const untraced = await tx.query<{ id: number }>(
      'SELECT id FROM cases WHERE traced_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
      [limit],
    );
    if (untraced.rows.length === 0) return [];
    return traceCases(
      tx,
      clock,
      untraced.rows.map((c) => c.id),
      rules ?? (await currentTracingRules(tx)),
    );
  });
  return { casesCreated, traced };
}

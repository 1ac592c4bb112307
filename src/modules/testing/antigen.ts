/**
 * Antigen results (抗原): a person's, from the self-report app or a lab's FHIR bundle. Idempotent by key; a
 * positive one creates a PCR confirmation task (抗原追阳) due within 4 hours.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import type { TubeResultValue } from './results.ts';

export interface AntigenInput {
  key: string;
  personId: number;
  result: TubeResultValue;
  reportedAt: Date;
}

export type AntigenOutcome =
  | { key: string; status: 'accepted'; task: 'pcr_confirm' | null }
  | { key: string; status: 'duplicate' }
  | { key: string; status: 'rejected'; code: 'person_unknown' | 'reported_at_future'; message: string };

/** How far a phone's or lab's clock may run ahead of the server's. */
const CLOCK_SKEW_MS = 10 * 60_000;
const CONFIRM_WITHIN_MS = 4 * 3600_000;

export async function recordAntigenReports(
  tx: Queryable,
  clock: Clock,
  items: readonly AntigenInput[],
  scopePrefix: string,
  /** Who reported: a person's phone (self-report) or a lab's system (FHIR): named in a clock refusal. */
  sender: 'phone' | 'lab' = 'phone',
): Promise<AntigenOutcome[]> {
  const now = clock.now();
  const people = await tx.query<{ id: number; area_code: string }>(
    'SELECT id, area_code FROM persons WHERE id = ANY($1::int8[]) AND purged_at IS NULL AND starts_with(area_code, $2)',
    [items.map((i) => i.personId), scopePrefix],
  );
  const area = new Map(people.rows.map((p) => [p.id, p.area_code]));
  const out: AntigenOutcome[] = [];
  for (const i of items) {
    const code = area.get(i.personId);
    if (!code) {
      out.push({
        key: i.key,
        status: 'rejected',
        code: 'person_unknown',
        message: `no person ${i.personId} in your jurisdiction`,
      });
      continue;
    }
    if (i.reportedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) {
      out.push({
        key: i.key,
        status: 'rejected',
        code: 'reported_at_future',
        message: `reported at ${i.reportedAt.toISOString()}, after the server's time: check the ${sender === 'lab' ? "lab system's clock and time zone" : "phone's clock"}`,
      });
      continue;
    }
    const ins = await tx.query<{ id: number }>(
      `INSERT INTO antigen_reports (idempotency_key, person_id, area_code, result, reported_at, received_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      [i.key, i.personId, code, i.result, i.reportedAt, now],
    );
    const id = ins.rows[0]?.id;
    if (id === undefined) {
      out.push({ key: i.key, status: 'duplicate' });
      continue;
    }
    if (i.result === 'positive') {
      await tx.query(
        `INSERT INTO tasks (kind, person_id, area_code, subject_type, subject_id, due_at, created_at)
         VALUES ('pcr_confirm', $1, $2, 'antigen_report', $3, $4, $5) ON CONFLICT DO NOTHING`,
        [i.personId, code, id, new Date(now.getTime() + CONFIRM_WITHIN_MS), now],
      );
    }
    out.push({ key: i.key, status: 'accepted', task: i.result === 'positive' ? 'pcr_confirm' : null });
  }
  return out;
}

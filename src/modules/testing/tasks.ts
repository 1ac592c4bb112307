/**
 * Follow-up tasks (re-tests, re-sampling, quarantine and home tests, disinfection…): an open task in the
 * caller's jurisdiction is marked done with who did it and a note. Done or unknown → null (the route answers 404).
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';

export async function completeTasks(
  tx: Queryable,
  clock: Clock,
  ids: readonly number[],
  by: { name: string; scopePrefix: string; note?: string },
): Promise<{ id: number; area_code: string; kind: string }[]> {
  const { rows } = await tx.query<{ id: number; area_code: string; kind: string }>(
    `UPDATE tasks SET status = 'done', done_at = $3, details = details || jsonb_build_object('done_by', $4::text, 'note', $5::text)
      WHERE id = ANY($1::int8[]) AND status = 'open' AND starts_with(area_code, $2) RETURNING id, area_code, kind`,
    [ids, by.scopePrefix, clock.now(), by.name, by.note ?? null],
  );
  return rows;
}

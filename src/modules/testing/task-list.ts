/**
 * The task list (follow-up tasks: re-tests, re-sampling, PCR confirmations, quarantine and home tests, terminal
 * disinfection…), earliest deadline first, keyset-paged on (due_at, id): one query for the page, the count and
 * the export of the whole list (server/list-export.ts). What a task is about is said in words: the person's name
 * for those who may read people, the room or bed with its site for a disinfection.
 */
import type { Queryable } from '../../db/types.ts';
import type { ExportSpec } from '../../server/list-export.ts';

export interface TaskFilter {
  status: 'open' | 'done' | 'cancelled';
  kind?: string;
  /** The area prefix (the caller's scope, narrowed). */
  prefix: string;
  /** Whether the caller may read people's names. */
  names: boolean;
}

export interface TaskRow {
  id: number;
  kind: string;
  status: string;
  person_id: number | null;
  area_code: string;
  subject_type: string;
  subject_id: number;
  due_at: Date;
  created_at: Date;
  done_at: Date | null;
  details: Record<string, unknown>;
  person_name: string | null;
  place: string | null;
}

export async function listTasks(
  q: Queryable,
  f: TaskFilter,
  page: { after?: { due_at: Date; id: number } | null; limit: number },
): Promise<TaskRow[]> {
  const { rows } = await q.query<TaskRow>(
    `SELECT t.id, t.kind, t.status, t.person_id, t.area_code, t.subject_type, t.subject_id, t.due_at, t.created_at,
            t.done_at, t.details, CASE WHEN $5 THEN p.name END AS person_name,
            CASE t.subject_type
              WHEN 'room' THEN (SELECT s.name || ' ' || r.code FROM rooms r JOIN sites s ON s.id = r.site_id WHERE r.id = t.subject_id)
              WHEN 'bed' THEN (SELECT s.name || ' ' || b.ward || '-' || b.code FROM beds b JOIN sites s ON s.id = b.site_id WHERE b.id = t.subject_id)
            END AS place
       FROM tasks t LEFT JOIN persons p ON p.id = t.person_id
      WHERE t.status = $1 AND ($2::text IS NULL OR t.kind = $2) AND starts_with(t.area_code, $3)
        AND ($6::timestamptz IS NULL OR (t.due_at, t.id) > ($6::timestamptz, $7::int8))
      ORDER BY t.due_at, t.id LIMIT $4`,
    [
      f.status,
      f.kind ?? null,
      f.prefix,
      page.limit,
      f.names,
      page.after?.due_at ?? null,
      page.after?.id ?? null,
    ],
  );
  return rows;
}

export async function countTasks(q: Queryable, f: TaskFilter): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM tasks t
      WHERE t.status = $1 AND ($2::text IS NULL OR t.kind = $2) AND starts_with(t.area_code, $3)`,
    [f.status, f.kind ?? null, f.prefix],
  );
  return rows[0]?.n ?? 0;
}

const TASK_STATUS: Record<string, readonly [string, string]> = {
  open: ['未完成', 'open'],
  done: ['已完成', 'done'],
  cancelled: ['已取消', 'cancelled'],
};

export function taskExport(q: Queryable, f: TaskFilter): ExportSpec<TaskRow> {
  return {
    name: ['任务清单', 'tasks'],
    areasOf: (r) => [r.area_code],
    page: (last) =>
      listTasks(q, f, { after: last ? { due_at: last.due_at, id: last.id } : null, limit: 2000 }),
    columns: [
      { header: ['任务', 'Task'], value: (r, c) => c.word('taskKind', r.kind) },
      {
        header: ['状态', 'Status'],
        value: (r, c) => TASK_STATUS[r.status]?.[c.lang === 'en' ? 1 : 0] ?? r.status,
      },
      { header: ['所在区域', 'Area'], value: (r, c) => c.area(r.area_code) },
      { header: ['人员', 'Person'], value: (r) => r.person_name ?? '' },
      { header: ['房间或床位', 'Room or bed'], value: (r) => r.place ?? '' },
      { header: ['期限', 'Due'], value: (r, c) => c.time(r.due_at) },
      { header: ['创建时间', 'Created'], value: (r, c) => c.time(r.created_at) },
      { header: ['完成时间', 'Done'], value: (r, c) => c.time(r.done_at) },
    ],
  };
}

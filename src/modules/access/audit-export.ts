/**
 * The audit log as a file (CSV or Excel), streamed by the server: the entries the list route would show for the
 * same filters and the same scope (listAudit), a page at a time by id, in words (audit-words.ts) and Beijing time.
 */
import type { Queryable } from '../../db/types.ts';
import type { ExportSpec } from '../../server/list-export.ts';
import { type AuditFilter, type AuditRow, listAudit } from './audit.ts';
import {
  auditActionWord,
  auditActorKindWord,
  auditDetailsText,
  auditSubjectWord,
  beijingSeconds,
} from './audit-words.ts';
import type { Scope } from './scope.ts';

export { beijingSeconds } from './audit-words.ts';

/** " 吉林市隔离酒店3号（7）" with a name, " 7" without. */
function subjectLabel(r: AuditRow): string {
  if (!r.subject_id) return '';
  return r.subject_name ? ` ${r.subject_name}（${r.subject_id}）` : ` ${r.subject_id}`;
}

/** Areas a detail names (`area`, `areas`), to be read by name. */
function detailAreas(d: Record<string, unknown> | null): string[] {
  return [d?.area, d?.areas].flat().filter((x): x is string => typeof x === 'string');
}

/**
 * The export of the entries listAudit gives for these filters and scope (with `actorKind`, only entries of that kind
 * of actor: an account and a token may share an id, and the page's filter by account keeps accounts).
 */
export function auditExport(
  db: Queryable,
  scope: Scope,
  filter: Omit<AuditFilter, 'after' | 'limit'>,
): ExportSpec<AuditRow> {
  return {
    name: ['审计日志', 'audit-log'],
    areasOf: (r) => [r.area_code, ...detailAreas(r.details)],
    page: (last) => listAudit(db, scope, { ...filter, after: last?.id ?? 0, limit: 1000 }),
    columns: [
      { header: ['序号', 'No.'], value: (r) => r.id },
      { header: ['时间（北京时间）', 'Time (Beijing time)'], value: (r) => beijingSeconds(r.at) },
      {
        header: ['操作人', 'Actor'],
        value: (r, c) => `${auditActorKindWord(r.actor_kind, c.lang)} ${r.actor_name}`,
      },
      { header: ['操作', 'Action'], value: (r, c) => auditActionWord(r.action, c.lang) },
      {
        header: ['对象', 'Subject'],
        value: (r, c) =>
          r.subject_type ? `${auditSubjectWord(r.subject_type, c.lang)}${subjectLabel(r)}` : '',
      },
      { header: ['区域', 'Area'], value: (r, c) => c.area(r.area_code) },
      { header: ['理由', 'Reason'], value: (r) => r.reason ?? '' },
      { header: ['详情', 'Details'], value: (r, c) => auditDetailsText(r.details, r.action, c.lang, c.area) },
      { header: ['记录哈希', 'Entry hash'], value: (r) => r.hash },
    ],
  };
}

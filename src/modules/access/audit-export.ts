/**
 * The audit log as a file (CSV or Excel), streamed by the server: the entries the list route would show for the
 * same filters and the same scope (listAudit), a page at a time by id, in words (audit-words.ts) and Beijing time.
 */
import type { Queryable } from '../../db/types.ts';
import type { ExportSpec } from '../../server/list-export.ts';
import { type AuditFilter, type AuditRow, listAudit } from './audit.ts';
import { auditActionWord, auditActorKindWord, auditDetailWord, auditSubjectWord } from './audit-words.ts';
import type { Scope } from './scope.ts';

/** `2022-03-14 16:00:05`: Beijing time (UTC+8, no summer time), to the second. */
export function beijingSeconds(at: Date | string): string {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

function detailValue(v: unknown, lang: 'zh' | 'en'): string {
  if (typeof v === 'boolean') return lang === 'en' ? (v ? 'Yes' : 'No') : v ? '是' : '否';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null))
    return v.map(String).join(lang === 'en' ? ', ' : '、');
  return JSON.stringify(v);
}

/** The details of an entry in words: 「数量：12；名单：密接名单」. */
export function auditDetailsText(details: Record<string, unknown> | null, lang: 'zh' | 'en'): string {
  return Object.entries(details ?? {})
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${auditDetailWord(k, lang)}${lang === 'en' ? ': ' : '：'}${detailValue(v, lang)}`)
    .join(lang === 'en' ? '; ' : '；');
}

/**
 * The export of the entries listAudit gives for these filters and scope; with `actorKind`, only entries of that
 * kind of actor (an account and a token may share an id: the page's filter by account keeps accounts).
 */
export function auditExport(
  db: Queryable,
  scope: Scope,
  f: Omit<AuditFilter, 'after' | 'limit'> & { actorKind?: string },
): ExportSpec<AuditRow> {
  const { actorKind, ...filter } = f;
  return {
    name: ['审计日志', 'audit-log'],
    areasOf: (r) => [r.area_code],
    // Pages of 1000 by id; a page left empty by the actor kind is skipped, not taken for the end.
    page: async (last) => {
      let after = last?.id ?? 0;
      for (;;) {
        const rows = await listAudit(db, scope, { ...filter, after, limit: 1000 });
        const kept = actorKind ? rows.filter((r) => r.actor_kind === actorKind) : rows;
        if (kept.length > 0 || rows.length === 0) return kept;
        after = (rows.at(-1) as AuditRow).id;
      }
    },
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
          r.subject_type
            ? `${auditSubjectWord(r.subject_type, c.lang)}${r.subject_id ? ` ${r.subject_id}` : ''}`
            : '',
      },
      { header: ['区域', 'Area'], value: (r, c) => c.area(r.area_code) },
      { header: ['理由', 'Reason'], value: (r) => r.reason ?? '' },
      { header: ['详情', 'Details'], value: (r, c) => auditDetailsText(r.details, c.lang) },
      { header: ['记录哈希', 'Entry hash'], value: (r) => r.hash },
    ],
  };
}

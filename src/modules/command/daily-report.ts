/**
 * The daily report (每日疫情通报): the figures of the 2022 press releases for one Beijing calendar day, within a
 * jurisdiction — new confirmed cases by district and severity, new asymptomatic, reclassified (转确诊), cumulative
 * totals, close and secondary contacts found and released (day and cumulative), quarantine rooms and hospital beds
 * (used / free, as of the time of the report: room states are not kept historically, so a past day's figures
 * come from the report issued at that day's close, ./issued-reports.ts), and the day's testing.
 * Rendered as JSON, Markdown, HTML or XLSX, in Chinese or English.
 */

import type { Queryable } from '../../db/types.ts';
import { figureName, REPORT_FIGURES } from '../../domain/figure-names.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { type DisinfectionFigures, disinfectionFigures } from '../disinfection/lists.ts';
import { type ForcesFigures, forcesFigures } from '../forces/figures.ts';
import { siteInService, siteTakesPeople } from '../isolation/waiting.ts';
import { type MEDICAL_FIGURES, medicalFigures } from '../medical/emergency-clock.ts';
import { type SupplyFigures, supplyFigures } from '../supplies/figures.ts';

export const SYMPTOMATIC = ['mild', 'moderate', 'severe', 'critical'] as const;

export interface DailyReport {
  date: string;
  generated_at: string;
  /**
   * When the report was issued (the job at the day's close, ./issued-reports.ts): its resources are as of then.
   * Absent or null: computed when asked, with the resources as of `generated_at`.
   */
  issued_at?: string | null;
  area: { code: string; name: string };
  cases: {
    new_confirmed: number;
    new_asymptomatic: number;
    new_unclassified: number;
    reclassified: number;
    by_severity: Record<string, number>;
    /** Per district; `unclassified`: positives not yet classified (待分型), neither confirmed nor asymptomatic. */
    by_district: {
      code: string;
      name: string;
      confirmed: number;
      asymptomatic: number;
      unclassified: number;
    }[];
    cumulative_confirmed: number;
    cumulative_asymptomatic: number;
    /** Positives found up to that day and not classified yet (待分型). */
    cumulative_unclassified: number;
  };
  contacts: {
    close_found: number;
    secondary_found: number;
    close_cumulative: number;
    secondary_cumulative: number;
    released_today: number;
    released_cumulative: number;
  };
  capacity: {
    quarantine_rooms_free: number;
    quarantine_rooms_occupied: number;
    quarantine_rooms_in_turnover: number;
    shelter_beds_used: number;
    shelter_beds_free: number;
    designated_beds_used: number;
    designated_beds_free: number;
  };
  testing: { people_sampled: number; tubes_resulted: number; positive_tubes: number; rounds_due: number };
  /** 就医 (medical/emergency-clock.ts, the dashboard's definitions): asked, met, refused that day; emergencies now. */
  medical: Record<(typeof MEDICAL_FIGURES)[number], number>;
  /** Environmental disinfection (环境消杀): due and done that day, late at its end (or now, for today). */
  disinfection: DisinfectionFigures;
  /** 保供 (supplies/figures.ts, the dashboard's definitions): asked and handed that day; late and shortfall now. */
  supplies: SupplyFigures;
  /** 力量调配 (forces/figures.ts, the dashboard's definitions): on duty and short that day, loop tests missed. */
  forces: ForcesFigures;
}

export function beijingToday(now: Date): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD HH:mm` in Beijing time. */
function beijingMinute(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}

export async function dailyReport(
  db: Queryable,
  scope: Scope,
  date: string,
  now: Date,
): Promise<DailyReport> {
  if (date > beijingToday(now))
    throw new AppError(
      400,
      'report_in_future',
      `${date} has not happened yet; ask for today or an earlier day`,
    );
  const from = new Date(`${date}T00:00:00+08:00`);
  const to = new Date(from.getTime() + 86_400_000);
  const p: unknown[] = [from, to];
  const inCases = scopeCondition('c.area_code', scope, p);
  const bySev = await db.query<{ severity: string; n: number }>(
    `SELECT severity, count(*) AS n FROM cases c WHERE c.found_at >= $1 AND c.found_at < $2 AND ${inCases} GROUP BY severity`,
    p,
  );
  const sev = Object.fromEntries(bySev.rows.map((r) => [r.severity, r.n])) as Record<string, number>;
  const districts = await db.query<{
    code: string;
    name: string;
    confirmed: number;
    asymptomatic: number;
    unclassified: number;
  }>(
    `SELECT left(c.area_code, 6) AS code, a.name,
            count(*) FILTER (WHERE c.severity = ANY($${p.length + 1}::text[])) AS confirmed,
            count(*) FILTER (WHERE c.severity = 'asymptomatic') AS asymptomatic,
            count(*) FILTER (WHERE c.severity = 'unclassified') AS unclassified
       FROM cases c JOIN areas a ON a.code = left(c.area_code, 6)
      WHERE c.found_at >= $1 AND c.found_at < $2 AND ${inCases}
      GROUP BY 1, 2 ORDER BY 3 DESC, 1`,
    [...p, SYMPTOMATIC],
  );
  const cum = await db.query<{
    confirmed: number;
    asymptomatic: number;
    unclassified: number;
    reclassified: number;
  }>(
    `SELECT count(*) FILTER (WHERE c.severity = ANY($${p.length + 1}::text[]) AND c.found_at < $2) AS confirmed,
            count(*) FILTER (WHERE c.severity = 'asymptomatic' AND c.found_at < $2) AS asymptomatic,
            count(*) FILTER (WHERE c.severity = 'unclassified' AND c.found_at < $2) AS unclassified,
            count(*) FILTER (WHERE c.reclassified_at >= $1 AND c.reclassified_at < $2) AS reclassified
       FROM cases c WHERE ${inCases}`,
    [...p, SYMPTOMATIC],
  );
  // Contacts found: people whose risk status rose to close or secondary contact (the tracing module's
  // 'tracing.risk_person_found' events) — the dashboard's definition, so both show one figure. A released contact
  // exposed again is found again that day; the cumulative figures count each person once.
  const lp: unknown[] = [from, to];
  const contacts = await db.query<Record<string, number>>(
    `SELECT count(*) FILTER (WHERE e.payload->>'status' = 'close_contact' AND e.occurred_at >= $1) AS close_found,
            count(*) FILTER (WHERE e.payload->>'status' = 'secondary_contact' AND e.occurred_at >= $1) AS secondary_found,
            count(DISTINCT e.subject_id) FILTER (WHERE e.payload->>'status' = 'close_contact') AS close_cumulative,
            count(DISTINCT e.subject_id) FILTER (WHERE e.payload->>'status' = 'secondary_contact') AS secondary_cumulative
       FROM events e
      WHERE e.type = 'tracing.risk_person_found' AND e.occurred_at < $2 AND ${scopeCondition('e.area_code', scope, lp)}`,
    lp,
  );
  const rp: unknown[] = [from, to];
  const released = await db.query<{ today: number; total: number }>(
    `SELECT count(*) FILTER (WHERE pl.released_at >= $1 AND pl.released_at < $2) AS today, count(*) FILTER (WHERE pl.released_at < $2) AS total
       FROM placements pl JOIN persons per ON per.id = pl.person_id
      WHERE pl.release_kind = 'released' AND ${scopeCondition('per.area_code', scope, rp)}`,
    rp,
  );
  const cp: unknown[] = [];
  const capacity = await db.query<Record<string, number>>(
    `SELECT
       count(*) FILTER (WHERE u.kind = 'room' AND u.status = 'available' AND u.takes) AS quarantine_rooms_free,
       count(*) FILTER (WHERE u.kind = 'room' AND u.status IN ('reserved', 'occupied')) AS quarantine_rooms_occupied,
       count(*) FILTER (WHERE u.kind = 'room' AND u.status IN ('awaiting_disinfection', 'disinfecting')) AS quarantine_rooms_in_turnover,
       count(*) FILTER (WHERE u.site_kind = 'shelter_hospital' AND u.status IN ('reserved', 'occupied')) AS shelter_beds_used,
       count(*) FILTER (WHERE u.site_kind = 'shelter_hospital' AND u.status = 'available' AND u.takes) AS shelter_beds_free,
       count(*) FILTER (WHERE u.site_kind = 'designated_hospital' AND u.status IN ('reserved', 'occupied')) AS designated_beds_used,
       count(*) FILTER (WHERE u.site_kind = 'designated_hospital' AND u.status = 'available' AND u.takes) AS designated_beds_free
     FROM (SELECT 'room' AS kind, s.kind AS site_kind, r.status, s.area_code, ${siteTakesPeople('s')} AS takes FROM rooms r JOIN sites s ON s.id = r.site_id WHERE ${siteInService('s')}
           UNION ALL
           SELECT 'bed', s.kind, b.status, s.area_code, ${siteTakesPeople('s')} FROM beds b JOIN sites s ON s.id = b.site_id WHERE ${siteInService('s')}) u
    WHERE ${scopeCondition('u.area_code', scope, cp)}`,
    cp,
  );
  const tp: unknown[] = [from, to];
  const tScope = scopeCondition('t.area_code', scope, tp);
  const testing = await db.query<Record<string, number>>(
    `SELECT
       (SELECT count(x.person_id) FROM (SELECT DISTINCT s.person_id FROM scans s WHERE s.scanned_at >= $1 AND s.scanned_at < $2 AND ${tScope.replaceAll('t.area_code', 's.area_code')}) x) AS people_sampled,
       (SELECT count(*) FROM tubes t WHERE t.resulted_at >= $1 AND t.resulted_at < $2 AND ${tScope}) AS tubes_resulted,
       (SELECT count(*) FROM tubes t WHERE t.resulted_at >= $1 AND t.resulted_at < $2 AND t.result = 'positive' AND ${tScope}) AS positive_tubes,
       (SELECT count(*) FROM rounds r WHERE r.deadline_at >= $1 AND r.deadline_at < $2) AS rounds_due`,
    tp,
  );
  const area = await db.query<{ code: string; name: string }>(
    scope.prefix
      ? 'SELECT code, name FROM areas WHERE code = $1'
      : 'SELECT code, name FROM areas WHERE level = 2 ORDER BY code LIMIT 1',
    scope.prefix ? [scope.prefix] : [],
  );
  const c = cum.rows[0] as {
    confirmed: number;
    asymptomatic: number;
    unclassified: number;
    reclassified: number;
  };
  const k = contacts.rows[0] as Record<string, number>;
  const r = released.rows[0] as { today: number; total: number };
  return {
    date,
    generated_at: now.toISOString(),
    issued_at: null,
    area: area.rows[0] ?? { code: scope.prefix, name: scope.prefix },
    cases: {
      new_confirmed: SYMPTOMATIC.reduce((n, s) => n + (sev[s] ?? 0), 0),
      new_asymptomatic: sev.asymptomatic ?? 0,
      new_unclassified: sev.unclassified ?? 0,
      reclassified: c.reclassified,
      by_severity: Object.fromEntries(
        ['unclassified', 'asymptomatic', ...SYMPTOMATIC].map((s) => [s, sev[s] ?? 0]),
      ),
      by_district: districts.rows,
      cumulative_confirmed: c.confirmed,
      cumulative_asymptomatic: c.asymptomatic,
      cumulative_unclassified: c.unclassified,
    },
    contacts: {
      close_found: k.close_found ?? 0,
      secondary_found: k.secondary_found ?? 0,
      close_cumulative: k.close_cumulative ?? 0,
      secondary_cumulative: k.secondary_cumulative ?? 0,
      released_today: r.today,
      released_cumulative: r.total,
    },
    capacity: capacity.rows[0] as DailyReport['capacity'],
    testing: testing.rows[0] as DailyReport['testing'],
    medical: await medicalFigures(db, scope, from, to, now),
    disinfection: await disinfectionFigures(db, scope, date, now),
    supplies: await supplyFigures(db, scope, from, to, now),
    forces: await forcesFigures(db, scope, from, to, now),
  };
}

type Lang = 'zh' | 'en';

function reportRowNames(lang: Lang): Record<string, string> {
  return Object.fromEntries(Object.entries(REPORT_FIGURES).map(([row, k]) => [row, figureName(k, lang)]));
}

const L = {
  zh: {
    title: (r: DailyReport) => `${r.area.name}新冠肺炎疫情每日通报（${r.date}）`,
    lead: (r: DailyReport) =>
      `${r.date}，${r.area.name}新增本土确诊病例${r.cases.new_confirmed}例（轻型${r.cases.by_severity.mild}例、普通型${r.cases.by_severity.moderate}例、重型${r.cases.by_severity.severe}例、危重型${r.cases.by_severity.critical}例），新增本土无症状感染者${r.cases.new_asymptomatic}例，无症状感染者转确诊${r.cases.reclassified}例${r.cases.new_unclassified > 0 ? `；另有新增阳性感染者${r.cases.new_unclassified}例正在临床分型` : ''}。`,
    sections: [
      '病例',
      '密切接触者',
      '隔离与救治资源',
      '核酸检测',
      '环境消杀',
      '就医保障',
      '生活物资保供',
      '力量调配',
    ],
    rows: reportRowNames('zh'),
    district: ['区县', '确诊', '无症状', '待分型'],
    note: (r: DailyReport) =>
      r.issued_at
        ? `本通报于${beijingMinute(r.issued_at)}（北京时间）发布，资源数字为发布时的状态。`
        : `本通报于${beijingMinute(r.generated_at)}（北京时间）实时生成，资源数字为生成时的状态。`,
  },
  en: {
    title: (r: DailyReport) => `${r.area.name} COVID-19 daily report (${r.date})`,
    lead: (r: DailyReport) =>
      `On ${r.date}, ${r.area.name} reported ${r.cases.new_confirmed} new local confirmed cases (${r.cases.by_severity.mild} mild, ${r.cases.by_severity.moderate} moderate, ${r.cases.by_severity.severe} severe, ${r.cases.by_severity.critical} critical), ${r.cases.new_asymptomatic} new asymptomatic infections, and ${r.cases.reclassified} asymptomatic infections reclassified as confirmed${r.cases.new_unclassified > 0 ? `; ${r.cases.new_unclassified} more new positives are being classified` : ''}.`,
    sections: [
      'Cases',
      'Contacts',
      'Quarantine and treatment capacity',
      'Testing',
      'Environmental disinfection',
      'Medical care',
      'Supplies',
      'Forces',
    ],
    rows: reportRowNames('en'),
    district: ['District', 'Confirmed', 'Asymptomatic', 'Not yet classified'],
    note: (r: DailyReport) =>
      r.issued_at
        ? `Issued at ${beijingMinute(r.issued_at)} Beijing time; capacity figures are as of then.`
        : `Generated on request at ${beijingMinute(r.generated_at)} Beijing time; capacity figures are as of then.`,
  },
} as const;

function sections(r: DailyReport): [string, Record<string, number>][] {
  const { by_severity: _s, by_district: _d, ...cases } = r.cases;
  return [
    ['0', cases],
    ['1', r.contacts],
    ['2', r.capacity],
    ['3', r.testing],
    ['4', { ...r.disinfection }],
    ['5', r.medical],
    ['6', { ...r.supplies }],
    ['7', { ...r.forces }],
  ];
}

export function reportMarkdown(r: DailyReport, lang: Lang): string {
  const t = L[lang];
  const out = [`# ${t.title(r)}`, '', t.lead(r), ''];
  for (const [i, rows] of sections(r)) {
    out.push(`## ${t.sections[Number(i)]}`, '', `| | |`, `|---|---:|`);
    for (const [k, v] of Object.entries(rows)) out.push(`| ${t.rows[k] ?? k} | ${v} |`);
    out.push('');
    if (i === '0' && r.cases.by_district.length > 0) {
      out.push(`| ${t.district.join(' | ')} |`, '|---|---:|---:|---:|');
      for (const d of r.cases.by_district)
        out.push(`| ${d.name} | ${d.confirmed} | ${d.asymptomatic} | ${d.unclassified} |`);
      out.push('');
    }
  }
  out.push(`_${t.note(r)}_`, '');
  return out.join('\n');
}

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

export function reportHtml(r: DailyReport, lang: Lang): string {
  const t = L[lang];
  const body: string[] = [`<h1>${esc(t.title(r))}</h1>`, `<p>${esc(t.lead(r))}</p>`];
  for (const [i, rows] of sections(r)) {
    body.push(`<h2>${esc(t.sections[Number(i)] as string)}</h2><table>`);
    for (const [k, v] of Object.entries(rows))
      body.push(`<tr><th>${esc(t.rows[k] ?? k)}</th><td>${v}</td></tr>`);
    body.push('</table>');
    if (i === '0' && r.cases.by_district.length > 0) {
      body.push(`<table><tr>${t.district.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`);
      for (const d of r.cases.by_district)
        body.push(
          `<tr><td>${esc(d.name)}</td><td>${d.confirmed}</td><td>${d.asymptomatic}</td><td>${d.unclassified}</td></tr>`,
        );
      body.push('</table>');
    }
  }
  body.push(`<p><em>${esc(t.note(r))}</em></p>`);
  return `<!doctype html><html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${esc(t.title(r))}</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}td{text-align:right}</style>
</head><body>${body.join('\n')}</body></html>`;
}

export async function reportXlsx(r: DailyReport, lang: Lang): Promise<Buffer> {
  const t = L[lang];
  const { default: ExcelJS } = await import('exceljs'); // loaded when asked for (about 0.4 s of modules)
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(lang === 'zh' ? '每日通报' : 'Daily report');
  ws.columns = [{ width: 36 }, { width: 14 }, { width: 14 }, { width: 14 }];
  ws.addRow([t.title(r)]).font = { bold: true, size: 14 };
  ws.addRow([t.lead(r)]);
  for (const [i, rows] of sections(r)) {
    ws.addRow([]);
    ws.addRow([t.sections[Number(i)]]).font = { bold: true };
    for (const [k, v] of Object.entries(rows)) ws.addRow([t.rows[k] ?? k, v]);
    if (i === '0' && r.cases.by_district.length > 0) {
      ws.addRow([...t.district]).font = { bold: true };
      for (const d of r.cases.by_district) ws.addRow([d.name, d.confirmed, d.asymptomatic, d.unclassified]);
    }
  }
  ws.addRow([]);
  ws.addRow([t.note(r)]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/**
 * Self-report through a personal link (个人健康打卡链接): site staff issue a link for an open stay; the person
 * opens it on a phone without logging in and reports temperature and symptoms, which go through the same rule
 * as staff entries (health.ts: a fever or a symptom raises a health_alert task and an extra test).
 *
 * The link's secret is random (256 bits) and only its SHA-256 is stored, like API tokens; it is shown once. A
 * stay has at most one live link: issuing another revokes the old one. An unknown or revoked secret answers
 * `link_invalid` (404) without saying which; a link of a stay that ended answers `stay_ended` (410). A report
 * carries the phone's idempotency key, so a resent report counts once; at most 6 reports per stay per Beijing
 * day.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { type Edition, TERMS } from '../../domain/terms.ts';
import { AppError } from '../../lib/errors.ts';
import { recordHealthCheck } from './health.ts';
import { lockStay } from './stay-scope.ts';

export const SELF_REPORT_PATH = '/self-report/';
export const MAX_SELF_REPORTS_PER_DAY = 6;
const DAY = 86_400_000;
const BEIJING = 8 * 3600_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const linkInvalid = () =>
  new AppError(404, 'link_invalid', 'this link is not valid; ask the site staff for a new one');

/** Issues a personal link for an open stay (placed or arrived), revoking the stay's previous link. */
export async function issueSelfReportLink(
  tx: Queryable,
  clock: Clock,
  placementId: number,
  by: string,
  scopePrefix: string,
): Promise<{ path: string; placement_id: number; revoked_previous: boolean; site_area: string }> {
  const pl = await lockStay(tx, placementId, { prefix: scopePrefix });
  if (pl.status !== 'placed' && pl.status !== 'arrived')
    throw new AppError(
      409,
      'stay_ended',
      `stay ${placementId} is ${pl.status}; a link is issued only for an open stay`,
    );
  const now = clock.now();
  const old = await tx.query(
    'UPDATE self_report_links SET revoked_at = $2 WHERE placement_id = $1 AND revoked_at IS NULL RETURNING id',
    [placementId, now],
  );
  const secret = randomBytes(32).toString('base64url');
  await tx.query(
    'INSERT INTO self_report_links (placement_id, secret_hash, created_by, created_at) VALUES ($1, $2, $3, $4)',
    [placementId, sha256(secret), by, now],
  );
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
     VALUES ('isolation.self_report_link_issued', 'placement', $1, $2, $3, $4::jsonb)`,
    [placementId, pl.site_area, now, JSON.stringify({ revoked_previous: old.rows.length > 0 })],
  );
  return {
    path: `${SELF_REPORT_PATH}${secret}`,
    placement_id: placementId,
    revoked_previous: old.rows.length > 0,
    site_area: pl.site_area,
  };
}

/** Revokes the stay's live link; `revoked: false` when it had none. */
export async function revokeSelfReportLink(
  tx: Queryable,
  clock: Clock,
  placementId: number,
  scopePrefix: string,
): Promise<{ revoked: boolean; site_area: string }> {
  const pl = await lockStay(tx, placementId, { prefix: scopePrefix });
  const now = clock.now();
  const { rows } = await tx.query(
    'UPDATE self_report_links SET revoked_at = $2 WHERE placement_id = $1 AND revoked_at IS NULL RETURNING id',
    [placementId, now],
  );
  if (rows.length > 0)
    await tx.query(
      `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
       VALUES ('isolation.self_report_link_revoked', 'placement', $1, $2, $3, '{}')`,
      [placementId, pl.site_area, now],
    );
  return { revoked: rows.length > 0, site_area: pl.site_area };
}

interface LinkedStay {
  placement_id: number;
  person_id: number;
  status: string;
  category: 'case' | 'close' | 'secondary';
  edition: Edition;
  name: string;
  site: string;
  room: string | null;
  bed: string | null;
  arrived_at: Date | null;
  term_started_at: Date | null;
  due_at: Date | null;
}

/** The stay behind a secret; `lock` takes the stay's row lock (reports on one stay are then serialised). */
async function stayOfSecret(tx: Queryable, secret: string, lock: boolean): Promise<LinkedStay> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(secret)) throw linkInvalid();
  const { rows } = await tx.query<LinkedStay>(
    `SELECT pl.id AS placement_id, pl.person_id, pl.status, pl.category, pl.edition, p.name, s.name AS site,
            r.code AS room, CASE WHEN b.id IS NULL THEN NULL ELSE b.ward || ' ' || b.code END AS bed,
            pl.arrived_at, pl.term_started_at, pl.due_at
       FROM self_report_links l
       JOIN placements pl ON pl.id = l.placement_id
       JOIN persons p ON p.id = pl.person_id
       JOIN sites s ON s.id = pl.site_id
       LEFT JOIN rooms r ON r.id = pl.room_id
       LEFT JOIN beds b ON b.id = pl.bed_id
      WHERE l.secret_hash = $1 AND l.revoked_at IS NULL${lock ? ' FOR UPDATE OF pl' : ''}`,
    [sha256(secret)],
  );
  const stay = rows[0];
  if (!stay) throw linkInvalid();
  if (stay.status !== 'placed' && stay.status !== 'arrived')
    throw new AppError(
      410,
      'stay_ended',
      'your quarantine stay has ended; no more reports are needed through this link',
    );
  return stay;
}

/** 王小明 → 王**: the family name only (a name shown on a phone screen that anyone may glance at). */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length === 0) return '*';
  if (/^[\p{Script=Han}]/u.test(name))
    return (chars[0] as string) + '*'.repeat(Math.max(1, chars.length - 1));
  // Latin names: initials only.
  return name
    .trim()
    .split(/\s+/)
    .map((w) => `${w[0] ?? ''}.`)
    .join(' ');
}

const beijingDayStart = (t: Date): Date =>
  new Date(Math.floor((t.getTime() + BEIJING) / DAY) * DAY - BEIJING);

export interface SelfReportView {
  name: string;
  site: string;
  room: string | null;
  bed: string | null;
  status: 'placed' | 'arrived';
  category: 'case' | 'close' | 'secondary';
  /** Day N of the term (day 1 is the first 24 h after the first arrival); null before arrival. */
  day: number | null;
  term_days: number | null;
  due_at: Date | null;
  next_test: { day: number; due_at: Date } | null;
  reports_today: number;
  max_reports_per_day: number;
  last_reports: { at: Date; temperature: number; symptoms: string[]; self_reported: boolean }[];
}

/** What the person sees: no ID number, no phone, the name masked. */
export async function selfReportView(db: Queryable, clock: Clock, secret: string): Promise<SelfReportView> {
  const stay = await stayOfSecret(db, secret, false);
  const now = clock.now();
  const start = stay.term_started_at ?? stay.arrived_at;
  const last = await db.query<{
    at: Date;
    temperature: string | number;
    symptoms: string[];
    self_reported: boolean;
  }>(
    `SELECT checked_at AS at, temperature, symptoms, self_reported FROM health_checks
      WHERE person_id = $1 AND (placement_id = $2 OR ($3::timestamptz IS NOT NULL AND checked_at >= $3))
      ORDER BY checked_at DESC LIMIT 6`,
    [stay.person_id, stay.placement_id, start],
  );
  const test = await db.query<{ day: number; due_at: Date }>(
    `SELECT (details->>'day')::int AS day, due_at FROM tasks
      WHERE kind = 'quarantine_test' AND status = 'open' AND person_id = $1 AND (details->>'placement_id')::int8 = $2
      ORDER BY due_at LIMIT 1`,
    [stay.person_id, stay.placement_id],
  );
  const today = await countToday(db, stay.placement_id, now);
  const term = stay.category === 'case' ? null : TERMS[stay.edition][stay.category];
  return {
    name: maskName(stay.name),
    site: stay.site,
    room: stay.room,
    bed: stay.bed,
    status: stay.status as 'placed' | 'arrived',
    category: stay.category,
    day: start ? Math.max(1, Math.floor((now.getTime() - start.getTime()) / DAY) + 1) : null,
    term_days: term ? term.centralDays : null,
    due_at: stay.due_at,
    next_test: test.rows[0] ?? null,
    reports_today: today,
    max_reports_per_day: MAX_SELF_REPORTS_PER_DAY,
    last_reports: last.rows.map((r) => ({
      at: r.at,
      temperature: Number(r.temperature),
      symptoms: r.symptoms,
      self_reported: r.self_reported,
    })),
  };
}

async function countToday(db: Queryable, placementId: number, now: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*) AS n FROM health_checks WHERE placement_id = $1 AND self_reported AND checked_at >= $2',
    [placementId, beijingDayStart(now)],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Records a self-report (dated now): the same rule as staff entries; a resent key answers `duplicate`. */
export async function submitSelfReport(
  tx: Queryable,
  clock: Clock,
  secret: string,
  report: { temperature: number; symptoms: readonly string[]; note?: string; idempotencyKey: string },
): Promise<{ status: 'recorded' | 'duplicate'; alert: boolean; reports_today: number }> {
  const stay = await stayOfSecret(tx, secret, true);
  const now = clock.now();
  const seen = await tx.query<{ alert: boolean; placement_id: number }>(
    'SELECT alert, placement_id FROM health_checks WHERE person_id = $1 AND idempotency_key = $2',
    [stay.person_id, report.idempotencyKey],
  );
  if (seen.rows[0])
    return {
      status: 'duplicate',
      alert: seen.rows[0].alert,
      reports_today: await countToday(tx, stay.placement_id, now),
    };
  if (stay.status !== 'arrived')
    throw new AppError(
      409,
      'not_arrived',
      'reports start when you have arrived at the site; the staff will confirm your arrival',
    );
  const today = await countToday(tx, stay.placement_id, now);
  if (today >= MAX_SELF_REPORTS_PER_DAY)
    throw new AppError(
      429,
      'daily_limit_reached',
      `at most ${MAX_SELF_REPORTS_PER_DAY} reports a day; if you feel unwell, call the site staff`,
    );
  const out = await recordHealthCheck(
    tx,
    clock,
    stay.placement_id,
    {
      at: now,
      temperature: report.temperature,
      symptoms: report.symptoms,
      by: 'self',
      selfReported: true,
      idempotencyKey: report.idempotencyKey,
      note: report.note,
    },
    '',
  );
  if (out.status === 'duplicate')
    // Same instant as another check of this stay (the key is new): not recorded; the phone may resend later.
    throw new AppError(409, 'report_too_soon', 'another check was recorded at this very moment; send again');
  return { status: 'recorded', alert: out.alert, reports_today: today + 1 };
}

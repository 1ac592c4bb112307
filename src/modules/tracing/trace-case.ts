/**
 * Cases and their contacts. `createCase` is idempotent per person. `traceCases` derives, set-based in SQL for a
 * whole batch of cases, every contact from every source — household, same stairwell floors, venue check-ins (rule
 * per kind of venue), co-location, manual investigation — then secondary contacts through the close ones, writes
 * one contact link per reason (provenance), raises the risk status of close and secondary contacts (never lowers
 * it), and writes a 'tracing.risk_person_found' event for every person whose status rose, for the isolation
 * module. General contacts are kept apart: links only.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { DEFAULT_TRACING_RULES, exposureWindow, type TracingRules } from '../../domain/contact-rules.ts';
import { AppError } from '../../lib/errors.ts';
import { setRiskStatus } from '../registry/risk.ts';

export interface CaseRow {
  id: number;
  person_id: number;
  area_code: string;
  case_no: string;
  severity: string;
  onset_date: string | null;
  first_positive_at: Date;
  found_at: Date;
  /** When an asymptomatic case was confirmed (转确诊). */
  reclassified_at: Date | null;
  outcome: 'recovered' | 'died' | 'transferred_out' | null;
  traced_at: Date | null;
}

export const SEVERITIES = ['unclassified', 'asymptomatic', 'mild', 'moderate', 'severe', 'critical'] as const;

/** Beijing calendar day of a time, as YYYYMMDD. */
function beijingDay(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');
}

export interface CaseClassification {
  severity?: (typeof SEVERITIES)[number];
  onsetDate?: string;
  outcome?: 'recovered' | 'died' | 'transferred_out';
}

/**
 * A clinician's classification of a case: severity, onset date, outcome. An asymptomatic case given a symptomatic
 * class is recorded as reclassified (转确诊); a new onset date sends the case back to tracing (its exposure
 * window moved). The caller has checked the case is in its scope.
 */
export async function classifyCase(
  tx: Queryable,
  clock: Clock,
  caseId: number,
  change: CaseClassification,
): Promise<{ before: CaseRow; after: CaseRow; reclassified: boolean }> {
  const locked = await tx.query<CaseRow>('SELECT * FROM cases WHERE id = $1 FOR UPDATE', [caseId]);
  const before = locked.rows[0];
  if (!before) throw new AppError(404, 'not_found', `case ${caseId} was not found`);
  const reclassified =
    before.severity === 'asymptomatic' &&
    change.severity !== undefined &&
    !['asymptomatic', 'unclassified'].includes(change.severity);
  const { rows } = await tx.query<CaseRow>(
    `UPDATE cases SET severity = coalesce($2, severity), onset_date = coalesce($3::date, onset_date),
            outcome = coalesce($4, outcome), reclassified_at = CASE WHEN $5 THEN $6 ELSE reclassified_at END,
            traced_at = CASE WHEN $3::date IS NOT NULL AND $3::date IS DISTINCT FROM onset_date THEN NULL ELSE traced_at END
      WHERE id = $1 RETURNING *`,
    [
      caseId,
      change.severity ?? null,
      change.onsetDate ?? null,
      change.outcome ?? null,
      reclassified,
      clock.now(),
    ],
  );
  return { before, after: rows[0] as CaseRow, reclassified };
}

export async function createCase(
  tx: Queryable,
  clock: Clock,
  c: {
    personId: number;
    firstPositiveAt: Date;
    onsetDate?: string | null;
    severity?: string;
    sourceEventId?: number;
  },
): Promise<{ case: CaseRow; created: boolean }> {
  const existing = await tx.query<CaseRow>('SELECT * FROM cases WHERE person_id = $1', [c.personId]);
  if (existing.rows[0]) return { case: existing.rows[0], created: false };
  const p = await tx.query<{ area_code: string }>(
    'SELECT area_code FROM persons WHERE id = $1 AND purged_at IS NULL',
    [c.personId],
  );
  const person = p.rows[0];
  if (!person) throw new AppError(404, 'not_found', `person ${c.personId} was not found`);
  const now = clock.now();
  const district = person.area_code.slice(0, 6);
  const prefix = `${district}-${beijingDay(now)}-`;
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [prefix]);
  const n = await tx.query<{ n: number }>('SELECT count(*) AS n FROM cases WHERE starts_with(case_no, $1)', [
    prefix,
  ]);
  const caseNo = `${prefix}${String((n.rows[0]?.n ?? 0) + 1).padStart(4, '0')}`;
  const { rows } = await tx.query<CaseRow>(
    `INSERT INTO cases (person_id, area_code, case_no, severity, onset_date, first_positive_at, found_at, source_event_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [
      c.personId,
      person.area_code,
      caseNo,
      c.severity ?? 'unclassified',
      c.onsetDate ?? null,
      c.firstPositiveAt,
      now,
      c.sourceEventId ?? null,
    ],
  );
  await setRiskStatus(tx, [c.personId], 'case', now, { not: ['case'] });
  return { case: rows[0] as CaseRow, created: true };
}

export interface TraceSummary {
  caseId: number;
  links: number;
  close: number;
  secondary: number;
  general: number;
  raised: number;
  /** How long this case waited, from the start of its batch to its contacts derived (the batch's wall time). */
  ms: number;
}

const STATUS_RANK_SQL = `CASE s WHEN 'case' THEN 6 WHEN 'close_contact' THEN 5 WHEN 'pool_held' THEN 4
  WHEN 'secondary_contact' THEN 3 WHEN 'general_contact' THEN 2 ELSE 0 END`;
const rank = (col: string) => STATUS_RANK_SQL.replace(/\bs\b/, col);

export async function traceCase(
  tx: Queryable,
  clock: Clock,
  caseId: number,
  rules: TracingRules = DEFAULT_TRACING_RULES,
): Promise<TraceSummary> {
  const [summary] = await traceCases(tx, clock, [caseId], rules);
  return summary as TraceSummary;
}

/**
 * Derives the contacts of a batch of cases in a handful of set-based statements (a batch of a hundred costs
 * little more than one case). Re-tracing a case adds only what is new (links are unique per reason).
 */
export async function traceCases(
  tx: Queryable,
  clock: Clock,
  caseIds: readonly number[],
  rules: TracingRules = DEFAULT_TRACING_RULES,
): Promise<TraceSummary[]> {
  const t0 = performance.now();
  if (caseIds.length === 0) return [];
  const c = await tx.query<CaseRow>('SELECT * FROM cases WHERE id = ANY($1::int8[]) ORDER BY id', [
    [...caseIds],
  ]);
  const missing = caseIds.find((id) => !c.rows.some((r) => r.id === id));
  if (missing !== undefined) throw new AppError(404, 'not_found', `case ${missing} was not found`);
  const now = clock.now();
  const windows = c.rows.map((k) =>
    exposureWindow(
      { onsetDate: k.onset_date, firstPositiveAt: k.first_positive_at, isolatedAt: k.found_at },
      rules,
    ),
  );
  const batch = [
    c.rows.map((k) => k.id),
    c.rows.map((k) => k.person_id),
    windows.map((w) => w.from),
    windows.map((w) => w.to),
  ];
  const K =
    'unnest($1::int8[], $2::int8[], $3::timestamptz[], $4::timestamptz[]) AS k(case_id, person_id, wfrom, wto)';
  // $1–$4 the batch (case, case person, window from, window to), $5 now, $6 venue rules per kind (jsonb), $7 and
  // $11 the level and minutes for other kinds, $8 co-location minutes, $9 co-location level, $10 floors around.
  await tx.query(
    `WITH me AS (
       SELECT k.*, p.household_id, h.building_id, h.unit, h.floor
         FROM ${K} JOIN persons p ON p.id = k.person_id JOIN households h ON h.id = p.household_id
     ), mine AS MATERIALIZED (
       -- Materialised on purpose: joined straight to checkins, the planner would also probe the venue's whole
       -- day through the equal venue ids (a second, useless bitmap scan per check-in).
       SELECT k.case_id, k.person_id AS case_person, v.id AS venue_id, c.at, v.name,
              coalesce($6::jsonb -> v.kind ->> 'level', $7) AS level,
              make_interval(mins => coalesce(($6::jsonb -> v.kind ->> 'windowMinutes')::int, $11)) AS span
         FROM ${K} JOIN checkins c ON c.person_id = k.person_id AND c.at BETWEEN k.wfrom AND k.wto
         JOIN venues v ON v.id = c.venue_id
     ), found AS (
       SELECT me.case_id, p.id AS person_id, 'close' AS level, 'household' AS source, min(me.wfrom) AS exposure_at, min(p.address) AS place
         FROM me JOIN persons p ON p.household_id = me.household_id AND p.id <> me.person_id AND p.purged_at IS NULL
        GROUP BY me.case_id, p.id
       UNION ALL
       SELECT me.case_id, p.id, 'secondary', 'building_floor', min(me.wfrom), min(h.address)
         FROM me JOIN households h ON h.building_id = me.building_id AND h.unit IS NOT DISTINCT FROM me.unit
              AND abs(h.floor - me.floor) <= $10 AND h.id <> me.household_id
         JOIN persons p ON p.household_id = h.id AND p.purged_at IS NULL
        GROUP BY me.case_id, p.id
       UNION ALL
       SELECT mine.case_id, o.person_id, mine.level, 'venue', min(o.at), min(mine.name)
         FROM mine JOIN checkins o ON o.venue_id = mine.venue_id AND o.at BETWEEN mine.at - mine.span AND mine.at + mine.span
        WHERE o.person_id <> mine.case_person
        GROUP BY mine.case_id, o.person_id, mine.level
       UNION ALL
       SELECT k.case_id, o.person_id, $9, 'colocation', min(greatest(o.starts_at, mine.starts_at)), min(mine.cell_id)
         FROM ${K} JOIN colocations mine ON mine.person_id = k.person_id AND mine.starts_at < k.wto AND mine.ends_at > k.wfrom
         JOIN colocations o ON o.cell_id = mine.cell_id
              AND o.starts_at < mine.ends_at AND o.starts_at > mine.starts_at - interval '24 hours'
              AND o.ends_at > mine.starts_at
        WHERE o.person_id <> k.person_id
          AND least(o.ends_at, mine.ends_at) - greatest(o.starts_at, mine.starts_at) > make_interval(mins => $8)
        GROUP BY k.case_id, o.person_id
       UNION ALL
       SELECT m.case_id, m.person_id, m.level, 'manual', min(m.starts_at), min(coalesce(m.place, m.kind))
         FROM ${K} JOIN manual_exposures m ON m.case_id = k.case_id AND m.person_id <> k.person_id
              AND m.ends_at >= k.wfrom AND m.starts_at <= k.wto
        GROUP BY m.case_id, m.person_id, m.level
     )
     INSERT INTO contact_links (person_id, case_id, via_person_id, level, source, exposure_at, place, found_at)
     SELECT f.person_id, f.case_id, NULL, f.level, f.source, f.exposure_at, f.place, $5 FROM found f
     ON CONFLICT DO NOTHING`,
    [
      ...batch,
      now,
      JSON.stringify(rules.venueKinds),
      rules.venueLevel,
      rules.colocationMinMinutes,
      rules.colocationLevel,
      rules.floorsAround,
      rules.venueWindowMinutes,
    ],
  );
  // Secondary contacts: the households of each case's close contacts (not the case's own household).
  await tx.query(
    `INSERT INTO contact_links (person_id, case_id, via_person_id, level, source, exposure_at, place, found_at)
     SELECT DISTINCT ON (cl.case_id, p.id) p.id, cl.case_id, cl.person_id, 'secondary', 'household', cl.exposure_at, p.address, $5
       FROM ${K} JOIN persons cp ON cp.id = k.person_id
       JOIN contact_links cl ON cl.case_id = k.case_id AND cl.level = 'close'
       JOIN persons c ON c.id = cl.person_id
       JOIN persons p ON p.household_id = c.household_id AND p.id <> c.id AND p.id <> k.person_id AND p.purged_at IS NULL
      WHERE p.household_id <> cp.household_id
      ORDER BY cl.case_id, p.id, cl.person_id
     ON CONFLICT DO NOTHING`,
    [...batch, now],
  );
  // Raise the statuses of close and secondary contacts (never lower them) and tell the isolation module. General
  // contacts are kept apart: listed with their links for health monitoring, no risk status, nothing to place. The
  // register's rows are written in person order, so two workers tracing overlapping contacts wait for each other
  // instead of deadlocking; each is raised only above its status as it is then (the register is not read in the
  // statement that writes it: see setRiskStatus).
  const raised = await tx.query<{ case_id: number; n: number }>(
    `WITH best AS (
       SELECT person_id, max(CASE level WHEN 'close' THEN 5 ELSE 3 END) AS r,
              (array_agg(case_id ORDER BY CASE level WHEN 'close' THEN 5 ELSE 3 END DESC, case_id))[1] AS case_id
         FROM contact_links WHERE case_id = ANY($1::int8[]) AND level <> 'general' GROUP BY person_id
     ), raise AS (
       SELECT b.person_id, b.case_id, p.area_code, CASE b.r WHEN 5 THEN 'close_contact' ELSE 'secondary_contact' END AS s
         FROM best b JOIN persons p ON p.id = b.person_id
        ORDER BY b.person_id
     ), upd AS (
       INSERT INTO person_risk AS pr (person_id, risk_status, risk_status_at, area_code)
       SELECT person_id, s, $2, area_code FROM raise
       ON CONFLICT (person_id) DO UPDATE SET risk_status = excluded.risk_status, risk_status_at = excluded.risk_status_at
        WHERE ${rank('pr.risk_status')} < ${rank('excluded.risk_status')}
       RETURNING pr.person_id AS id, pr.risk_status, pr.area_code
     ), ev AS (
       INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
       SELECT 'tracing.risk_person_found', 'person', u.id, u.area_code, $2, jsonb_build_object('status', u.risk_status, 'case_id', r.case_id)
         FROM upd u JOIN raise r ON r.person_id = u.id
     )
     SELECT r.case_id, count(*)::int AS n FROM upd u JOIN raise r ON r.person_id = u.id GROUP BY r.case_id`,
    [c.rows.map((k) => k.id), now],
  );
  await tx.query('UPDATE cases SET traced_at = $2 WHERE id = ANY($1::int8[])', [
    c.rows.map((k) => k.id),
    now,
  ]);
  const counts = await tx.query<{ case_id: number; level: string; people: number; links: number }>(
    `SELECT case_id, level, count(DISTINCT person_id)::int AS people, count(*)::int AS links
       FROM contact_links WHERE case_id = ANY($1::int8[]) GROUP BY case_id, level`,
    [c.rows.map((k) => k.id)],
  );
  const ms = performance.now() - t0;
  const raisedBy = new Map(raised.rows.map((r) => [r.case_id, r.n]));
  return caseIds.map((caseId) => {
    const mine = counts.rows.filter((r) => r.case_id === caseId);
    const people = (level: string) => mine.find((r) => r.level === level)?.people ?? 0;
    return {
      caseId,
      links: mine.reduce((a, r) => a + r.links, 0),
      close: people('close'),
      secondary: people('secondary'),
      general: people('general'),
      raised: raisedBy.get(caseId) ?? 0,
      ms,
    };
  });
}

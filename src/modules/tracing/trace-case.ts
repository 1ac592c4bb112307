/**
 * Cases and their contacts. `createCase` is idempotent per person. `traceCase` derives, set-based in SQL, every
 * contact of one case from every source — household, same stairwell floors, venue check-ins, co-location, manual
 * investigation — then secondary contacts through the close ones, writes one contact link per reason
 * (provenance), raises each person's risk status (never lowers it), and writes a 'tracing.risk_person_found'
 * event for every person whose status rose, for the isolation module.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { DEFAULT_TRACING_RULES, exposureWindow, type TracingRules } from '../../domain/contact-rules.ts';
import { AppError } from '../../lib/errors.ts';

export interface CaseRow {
  id: number;
  person_id: number;
  area_code: string;
  case_no: string;
  severity: string;
  onset_date: string | null;
  first_positive_at: Date;
  found_at: Date;
  traced_at: Date | null;
}

export const SEVERITIES = ['unclassified', 'asymptomatic', 'mild', 'moderate', 'severe', 'critical'] as const;

/** Beijing calendar day of a time, as YYYYMMDD. */
function beijingDay(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');
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
  await tx.query(
    `UPDATE persons SET risk_status = 'case', risk_status_at = $2, updated_at = now() WHERE id = $1 AND risk_status <> 'case'`,
    [c.personId, now],
  );
  return { case: rows[0] as CaseRow, created: true };
}

export interface TraceSummary {
  caseId: number;
  links: number;
  close: number;
  secondary: number;
  general: number;
  raised: number;
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
  const c = await tx.query<CaseRow>('SELECT * FROM cases WHERE id = $1', [caseId]);
  const kase = c.rows[0];
  if (!kase) throw new AppError(404, 'not_found', `case ${caseId} was not found`);
  const now = clock.now();
  const w = exposureWindow(
    { onsetDate: kase.onset_date, firstPositiveAt: kase.first_positive_at, isolatedAt: kase.found_at },
    rules,
  );
  const params = [
    caseId,
    kase.person_id,
    w.from,
    w.to,
    now,
    rules.venueWindowMinutes,
    rules.venueLevel,
    rules.colocationMinMinutes,
    rules.colocationLevel,
    rules.floorsAround,
  ];
  // $1 case, $2 case person, $3 window from, $4 window to, $5 now, $6 venue minutes, $7 venue level,
  // $8 co-location minutes, $9 co-location level, $10 floors around.
  const direct = await tx.query(
    `WITH me AS (
       SELECT p.id, p.household_id, h.building_id, h.unit, h.floor FROM persons p JOIN households h ON h.id = p.household_id WHERE p.id = $2
     ), found AS (
       SELECT p.id AS person_id, 'close' AS level, 'household' AS source, $3::timestamptz AS exposure_at, min(p.address) AS place
         FROM persons p, me WHERE p.household_id = me.household_id AND p.id <> me.id AND p.purged_at IS NULL GROUP BY p.id
       UNION ALL
       SELECT p.id, 'secondary', 'building_floor', $3::timestamptz, min(h.address)
         FROM persons p JOIN households h ON h.id = p.household_id, me
        WHERE me.building_id IS NOT NULL AND h.building_id = me.building_id AND h.unit IS NOT DISTINCT FROM me.unit
          AND abs(h.floor - me.floor) <= $10 AND p.household_id <> me.household_id AND p.purged_at IS NULL
        GROUP BY p.id
       UNION ALL
       SELECT o.person_id, $7, 'venue', min(o.at), min(v.name)
         FROM checkins mine JOIN checkins o ON o.venue_id = mine.venue_id
              AND o.at BETWEEN mine.at - make_interval(mins => $6) AND mine.at + make_interval(mins => $6)
         JOIN venues v ON v.id = mine.venue_id
        WHERE mine.person_id = $2 AND mine.at BETWEEN $3 AND $4 AND o.person_id <> $2
        GROUP BY o.person_id
       UNION ALL
       SELECT o.person_id, $9, 'colocation', min(greatest(o.starts_at, mine.starts_at)), min(mine.cell_id)
         FROM colocations mine JOIN colocations o ON o.cell_id = mine.cell_id
              AND o.starts_at < mine.ends_at AND o.ends_at > mine.starts_at
        WHERE mine.person_id = $2 AND mine.starts_at < $4 AND mine.ends_at > $3 AND o.person_id <> $2
          AND least(o.ends_at, mine.ends_at) - greatest(o.starts_at, mine.starts_at) > make_interval(mins => $8)
        GROUP BY o.person_id
       UNION ALL
       SELECT m.person_id, m.level, 'manual', min(m.starts_at), min(coalesce(m.place, m.kind))
         FROM manual_exposures m WHERE m.case_id = $1 AND m.person_id <> $2 AND m.ends_at >= $3 AND m.starts_at <= $4
        GROUP BY m.person_id, m.level
     )
     INSERT INTO contact_links (person_id, case_id, via_person_id, level, source, exposure_at, place, found_at)
     SELECT f.person_id, $1, NULL, f.level, f.source, f.exposure_at, f.place, $5 FROM found f
     ON CONFLICT DO NOTHING`,
    params,
  );
  // Secondary contacts: the households of this case's close contacts (not the case's own household).
  const secondary = await tx.query(
    `INSERT INTO contact_links (person_id, case_id, via_person_id, level, source, exposure_at, place, found_at)
     SELECT DISTINCT ON (p.id) p.id, $1, cl.person_id, 'secondary', 'household', cl.exposure_at, p.address, $3
       FROM contact_links cl JOIN persons c ON c.id = cl.person_id
       JOIN persons p ON p.household_id = c.household_id AND p.id <> c.id AND p.id <> $2 AND p.purged_at IS NULL
      WHERE cl.case_id = $1 AND cl.level = 'close'
        AND p.household_id <> (SELECT household_id FROM persons WHERE id = $2)
      ORDER BY p.id, cl.person_id
     ON CONFLICT DO NOTHING`,
    [caseId, kase.person_id, now],
  );
  // Raise statuses (never lower them) and tell the isolation module.
  const raised = await tx.query<{ id: number }>(
    `WITH best AS (
       SELECT person_id, max(CASE level WHEN 'close' THEN 5 WHEN 'secondary' THEN 3 ELSE 2 END) AS r
         FROM contact_links WHERE case_id = $1 GROUP BY person_id
     ), upd AS (
       UPDATE persons p SET risk_status = CASE b.r WHEN 5 THEN 'close_contact' WHEN 3 THEN 'secondary_contact' ELSE 'general_contact' END,
              risk_status_at = $2, updated_at = now()
         FROM best b WHERE p.id = b.person_id AND b.r > ${rank('p.risk_status')}
       RETURNING p.id, p.risk_status, p.area_code
     )
     INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
     SELECT 'tracing.risk_person_found', 'person', u.id, u.area_code, $2, jsonb_build_object('status', u.risk_status, 'case_id', $1::int8)
       FROM upd u RETURNING subject_id AS id`,
    [caseId, now],
  );
  await tx.query('UPDATE cases SET traced_at = $2 WHERE id = $1', [caseId, now]);
  const counts = await tx.query<{ level: string; n: number }>(
    'SELECT level, count(DISTINCT person_id) AS n FROM contact_links WHERE case_id = $1 GROUP BY level',
    [caseId],
  );
  const by = new Map(counts.rows.map((r) => [r.level, r.n]));
  return {
    caseId,
    links: direct.rowCount + secondary.rowCount,
    close: by.get('close') ?? 0,
    secondary: by.get('secondary') ?? 0,
    general: by.get('general') ?? 0,
    raised: raised.rowCount,
  };
}

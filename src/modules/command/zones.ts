/**
 * Zones and their rules (DOMAIN.md), in two rule sets:
 *
 * March 2022 (8th edition, Jilin), 封控区/管控区/防范区:
 * - overlapping zones: a place is governed by the strongest active zone whose area contains it
 *   (lockdown > control > prevention) — the stated rule for overlaps;
 * - a case found inside a control or prevention zone, or in no zone, suggests a lockdown zone on its community
 *   (提级 / 扩面) — suggestions, decided by a person;
 * - lockdown and control zones lift when: 14 days without a new case inside; the last close contact living inside
 *   more than 14 days past exposure; and one all-negative round in the 2 days before (every tube of the area
 *   resulted negative); a prevention zone lifts when every lockdown and control zone of its district has lifted.
 *
 * June 2022 (9th edition), 高/中/低风险区: a high-risk area with 7 days without a new case inside and an
 * all-negative sampling on the last day goes down to medium risk; a medium-risk area with 3 such days goes down to
 * low risk; a low-risk area lifts when no high- or medium-risk area is left in its district. A case found in an area
 * not at high risk suggests a high-risk area on its community.
 *
 * Levels of the two sets rank alike (lockdown = high > control = medium > prevention = low), so the overlap rule
 * and the pooling of samples treat them alike.
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { english, type Phrase, phrase } from '../../domain/phrase.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';

export const ZONE_RANK = { lockdown: 3, control: 2, prevention: 1, high: 3, medium: 2, low: 1 } as const;
export type ZoneLevel = keyof typeof ZONE_RANK;
export type RuleSet = 'march2022' | 'june2022';
export const JUNE_LEVELS: readonly ZoneLevel[] = ['high', 'medium', 'low'];
export const ruleSetOf = (level: ZoneLevel): RuleSet =>
  JUNE_LEVELS.includes(level) ? 'june2022' : 'march2022';
/** The March-2022 level a zone of either set ranks as (pooling, the overlap rule). */
export function marchEquivalent(level: ZoneLevel): 'lockdown' | 'control' | 'prevention' {
  return ({ 3: 'lockdown', 2: 'control', 1: 'prevention' } as const)[ZONE_RANK[level]];
}
/** SQL rank of a zones.level column. */
export const ZONE_RANK_SQL = (col: string) =>
  `CASE ${col} WHEN 'lockdown' THEN 3 WHEN 'high' THEN 3 WHEN 'control' THEN 2 WHEN 'medium' THEN 2 ELSE 1 END`;
/** June 2022: a risk area goes one level down after this many days without a new case. */
const JUNE_QUIET_DAYS = { high: 7, medium: 3 } as const;
const DAY = 86_400_000;

export interface ZoneRow {
  id: number;
  area_code: string;
  level: ZoneLevel;
  status: string;
  reason: string;
  started_at: Date;
  ended_at: Date | null;
}

export async function setZone(
  tx: Queryable,
  clock: Clock,
  z: { areaCode: string; level: ZoneLevel; reason: string; by: string },
  scopePrefix: string,
): Promise<ZoneRow> {
  const area = await tx.query<{ level: number }>('SELECT level FROM areas WHERE code = $1', [z.areaCode]);
  if (!area.rows[0]) throw new AppError(400, 'area_unknown', `zone on unknown area ${z.areaCode}`);
  if ((area.rows[0].level as number) < 3)
    throw new AppError(400, 'area_level', 'zones are set on districts, streets, communities or grids');
  if (!z.areaCode.startsWith(scopePrefix))
    throw new AppError(403, 'out_of_jurisdiction', `area ${z.areaCode} is outside your jurisdiction`);
  const now = clock.now();
  const prev = await tx.query<ZoneRow>(
    "SELECT * FROM zones WHERE area_code = $1 AND status = 'active' FOR UPDATE",
    [z.areaCode],
  );
  const old = prev.rows[0];
  if (old?.level === z.level)
    throw new AppError(409, 'zone_unchanged', `area ${z.areaCode} is already a ${z.level} zone`);
  if (old) await tx.query("UPDATE zones SET status = 'replaced', ended_at = $2 WHERE id = $1", [old.id, now]);
  const { rows } = await tx.query<ZoneRow>(
    `INSERT INTO zones (area_code, level, reason, started_at, created_by, previous_zone_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [z.areaCode, z.level, z.reason, now, z.by, old?.id ?? null],
  );
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload) VALUES ('command.zone_set', 'zone', $1, $2, $3, $4::jsonb)`,
    [rows[0]?.id, z.areaCode, now, JSON.stringify({ level: z.level, previous: old?.level ?? null })],
  );
  return rows[0] as ZoneRow;
}

export interface ReadinessCheck {
  rule:
    | 'no_new_case_14_days'
    | 'last_close_contact_14_days'
    | 'negative_round_2_days'
    | 'district_zones_lifted'
    | 'no_new_case_7_days'
    | 'no_new_case_3_days'
    | 'negative_sampling_last_day'
    | 'district_risk_areas_lifted';
  ok: boolean;
  /** In English, with ISO times. */
  detail: string;
  /** The same as a phrase (domain/phrase.ts), times in Beijing time. */
  phrase: Phrase;
}

const check = (rule: ReadinessCheck['rule'], ok: boolean, why: Phrase): ReadinessCheck => ({
  rule,
  ok,
  detail: english(why),
  phrase: why,
});

/** What the lifting rules read about one zone's area. */
export interface AreaFacts {
  last_case: Date | null;
  last_close_contact: Date | null;
  /** tubes opened in the last day / the last 2 days, and how many of them resulted negative */
  tubes_1d: number;
  negative_1d: number;
  tubes_2d: number;
  negative_2d: number;
}

/**
 * The lifting rules' facts for many areas at once: cases and tubes one index range per area in one statement, the
 * close contacts in one pass grouped by area (by the prefix lengths of the areas asked) rather than one join per
 * zone — a city with hundreds of zones reads them in a few statements, not hundreds of heavy ones.
 */
export async function readinessFacts(
  db: Queryable,
  codes: readonly string[],
  now: Date,
): Promise<Map<string, AreaFacts>> {
  const out = new Map<string, AreaFacts>();
  const unique = [...new Set(codes)];
  if (unique.length === 0) return out;
  const { rows } = await db.query<AreaFacts & { code: string }>(
    `SELECT z.code,
            (SELECT max(c.found_at) FROM cases c WHERE c.area_code >= z.code AND c.area_code < z.code || ':') AS last_case,
            t.tubes_1d, t.negative_1d, t.tubes_2d, t.negative_2d
       FROM unnest($1::text[]) AS z(code),
            LATERAL (SELECT count(*) FILTER (WHERE t.opened_at >= $3)::int AS tubes_1d,
                            count(*) FILTER (WHERE t.opened_at >= $3 AND t.result = 'negative')::int AS negative_1d,
                            count(*)::int AS tubes_2d,
                            count(*) FILTER (WHERE t.result = 'negative')::int AS negative_2d
                       FROM tubes t
                      WHERE t.area_code >= z.code AND t.area_code < z.code || ':' AND t.opened_at >= $2) t`,
    [unique, new Date(now.getTime() - 2 * DAY), new Date(now.getTime() - DAY)],
  );
  for (const r of rows) out.set(r.code, { ...r, last_close_contact: null });
  const contacts =
    unique.length <= 3
      ? // A few areas: each through its people (the persons' area index, then their links).
        await db.query<{ code: string; at: Date | null }>(
          `SELECT z.code, (SELECT max(l.exposure_at) FROM contact_links l JOIN persons p ON p.id = l.person_id
                            WHERE l.level = 'close' AND p.area_code >= z.code AND p.area_code < z.code || ':') AS at
             FROM unnest($1::text[]) AS z(code)`,
          [unique],
        )
      : // Many: one pass over the close contacts, grouped by each prefix length asked.
        await db.query<{ code: string; at: Date | null }>(
          `WITH links AS MATERIALIZED (
             SELECT p.area_code, l.exposure_at FROM contact_links l JOIN persons p ON p.id = l.person_id
              WHERE l.level = 'close')
           SELECT left(links.area_code, z.len) AS code, max(links.exposure_at) AS at
             FROM (SELECT DISTINCT length(c) AS len FROM unnest($1::text[]) AS c) z, links
            WHERE left(links.area_code, z.len) = ANY($1::text[])
            GROUP BY 1`,
          [unique],
        );
  for (const c of contacts.rows) {
    const f = out.get(c.code);
    if (f) f.last_close_contact = c.at;
  }
  return out;
}

/** readinessFacts for the zones whose rules read their area (not those that wait for their district). */
export function zoneReadinessFacts(
  db: Queryable,
  zones: readonly ZoneRow[],
  now: Date,
): Promise<Map<string, AreaFacts>> {
  const own = zones.filter((z) => z.level !== 'prevention' && z.level !== 'low');
  return readinessFacts(
    db,
    own.map((z) => z.area_code),
    now,
  );
}

/**
 * Whether a zone may lift (or, June 2022, go one level down) now, rule by rule. `facts` are its area's, read with
 * readinessFacts for many zones at once; without them they are read for this zone.
 */
export async function liftReadiness(
  db: Queryable,
  zone: ZoneRow,
  now: Date,
  facts?: Map<string, AreaFacts>,
): Promise<{ ready: boolean; checks: ReadinessCheck[] }> {
  const checks: ReadinessCheck[] = [];
  if (zone.level === 'prevention' || zone.level === 'low') {
    const june = zone.level === 'low';
    checks.push(
      await districtCheck(
        db,
        zone,
        june ? ['high', 'medium'] : ['lockdown', 'control'],
        june ? 'district_risk_areas_lifted' : 'district_zones_lifted',
        phrase(june ? 'zn.what_high_medium' : 'zn.what_lockdown_control'),
      ),
    );
    return { ready: checks.every((c) => c.ok), checks };
  }
  const f =
    facts?.get(zone.area_code) ?? (await readinessFacts(db, [zone.area_code], now)).get(zone.area_code);
  if (!f) throw new Error(`no readiness facts for ${zone.area_code}`);
  if (ruleSetOf(zone.level) === 'june2022') return juneReadiness(zone, now, f);
  const lc = f.last_case;
  const caseOk = lc === null || now.getTime() - lc.getTime() >= 14 * DAY;
  checks.push(
    check(
      'no_new_case_14_days',
      caseOk,
      lc ? phrase('zn.last_case', { at: { at: lc.toISOString() } }) : phrase('zn.no_case'),
    ),
  );
  const ct = f.last_close_contact;
  const contactOk = ct === null || now.getTime() - ct.getTime() > 14 * DAY;
  checks.push(
    check(
      'last_close_contact_14_days',
      contactOk,
      ct ? phrase('zn.last_contact', { at: { at: ct.toISOString() } }) : phrase('zn.no_contact'),
    ),
  );
  const roundOk = f.tubes_2d > 0 && f.tubes_2d === f.negative_2d;
  checks.push(
    check(
      'negative_round_2_days',
      roundOk,
      f.tubes_2d === 0
        ? phrase('zn.no_sampling_2d')
        : phrase('zn.negative_2d', { negative: f.negative_2d, tubes: f.tubes_2d }),
    ),
  );
  return { ready: checks.every((c) => c.ok), checks };
}

/** The weakest level lifts only when no zone of the stronger levels is left in its district. */
async function districtCheck(
  db: Queryable,
  zone: ZoneRow,
  stronger: readonly ZoneLevel[],
  rule: ReadinessCheck['rule'],
  what: Phrase,
): Promise<ReadinessCheck> {
  const district = zone.area_code.slice(0, 6);
  const open = await db.query<{ n: number }>(
    "SELECT count(*) AS n FROM zones WHERE status = 'active' AND level = ANY($2::text[]) AND starts_with(area_code, $1)",
    [district, stronger],
  );
  const n = open.rows[0]?.n ?? 0;
  return check(
    rule,
    n === 0,
    n === 0
      ? phrase('zn.district_clear', { what })
      : phrase('zn.district_open', { n, what, district: { area: district } }),
  );
}

/** June 2022: what a high- or medium-risk area still needs to go one level down (high → medium → low). */
function juneReadiness(zone: ZoneRow, now: Date, f: AreaFacts): { ready: boolean; checks: ReadinessCheck[] } {
  const checks: ReadinessCheck[] = [];
  const days = JUNE_QUIET_DAYS[zone.level as 'high' | 'medium'];
  const lc = f.last_case;
  // The days count from the later of the last case and the area's designation.
  const since = lc && lc.getTime() > zone.started_at.getTime() ? lc : zone.started_at;
  const quiet = now.getTime() - since.getTime() >= days * DAY;
  checks.push(
    check(
      days === 7 ? 'no_new_case_7_days' : 'no_new_case_3_days',
      quiet,
      phrase(lc && since === lc ? 'zn.quiet_since_case' : 'zn.quiet_since_designated', {
        days: ((now.getTime() - since.getTime()) / DAY).toFixed(1),
        at: { at: since.toISOString() },
        need: days,
      }),
    ),
  );
  checks.push(
    check(
      'negative_sampling_last_day',
      f.tubes_1d > 0 && f.tubes_1d === f.negative_1d,
      f.tubes_1d === 0
        ? phrase('zn.no_sampling_1d')
        : phrase('zn.negative_1d', { negative: f.negative_1d, tubes: f.tubes_1d }),
    ),
  );
  return { ready: checks.every((c) => c.ok), checks };
}

export async function liftZone(
  tx: Queryable,
  clock: Clock,
  id: number,
  scopePrefix: string,
): Promise<ZoneRow> {
  const { rows } = await tx.query<ZoneRow>(
    "SELECT * FROM zones WHERE id = $1 AND status = 'active' AND starts_with(area_code, $2) FOR UPDATE",
    [id, scopePrefix],
  );
  const zone = rows[0];
  if (!zone) throw new AppError(404, 'not_found', `no active zone ${id}`);
  const now = clock.now();
  const r = await liftReadiness(tx, zone, now);
  if (!r.ready) {
    throw new AppError(
      409,
      'not_ready',
      `zone ${id} cannot lift yet: ${r.checks
        .filter((c) => !c.ok)
        .map((c) => `${c.rule} (${c.detail})`)
        .join('; ')}`,
      r.checks,
    );
  }
  // June 2022: high and medium risk areas go one level down (降级) instead of lifting.
  const down = zone.level === 'high' ? 'medium' : zone.level === 'medium' ? 'low' : null;
  if (down) {
    return setZone(
      tx,
      clock,
      {
        areaCode: zone.area_code,
        level: down,
        reason: `down from ${zone.level} risk: every rule met`,
        by: 'rules',
      },
      scopePrefix,
    );
  }
  await tx.query("UPDATE zones SET status = 'lifted', ended_at = $2 WHERE id = $1", [id, now]);
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload) VALUES ('command.zone_lifted', 'zone', $1, $2, $3, '{}')`,
    [id, zone.area_code, now],
  );
  return { ...zone, status: 'lifted', ended_at: now };
}

/** The strongest active zone containing an area (the overlap rule), or null. */
export async function effectiveZone(db: Queryable, areaCode: string): Promise<ZoneRow | null> {
  const prefixes = [6, 9, 12, 15].filter((n) => n <= areaCode.length).map((n) => areaCode.slice(0, n));
  const { rows } = await db.query<ZoneRow>(
    `SELECT * FROM zones WHERE status = 'active' AND area_code = ANY($1::text[])
      ORDER BY ${ZONE_RANK_SQL('level')} DESC, length(area_code) DESC LIMIT 1`,
    [prefixes],
  );
  return rows[0] ?? null;
}

export interface ZoneSuggestion {
  area_code: string;
  current: ZoneLevel | null;
  suggested: 'lockdown' | 'high';
  cases: number;
  reason: string;
  reason_phrase: Phrase;
}

/**
 * Cases found in the last 24 h in communities not under the strongest level: suggest a lockdown zone (提级/扩面),
 * or under the June-2022 rules a high-risk area.
 */
export async function zoneSuggestions(
  db: Queryable,
  scope: Scope,
  now: Date,
  ruleSet: RuleSet = 'march2022',
): Promise<ZoneSuggestion[]> {
  const suggested = ruleSet === 'june2022' ? 'high' : 'lockdown';
  const params: unknown[] = [new Date(now.getTime() - DAY)];
  const { rows } = await db.query<{ code: string; cases: number }>(
    `SELECT left(c.area_code, 12) AS code, count(*) AS cases FROM cases c
      WHERE c.found_at >= $1 AND ${scopeCondition('c.area_code', scope, params)} GROUP BY 1 ORDER BY 2 DESC, 1`,
    params,
  );
  const out: ZoneSuggestion[] = [];
  for (const r of rows) {
    const z = await effectiveZone(db, r.code);
    if (z && ZONE_RANK[z.level] === 3) continue;
    const why = phrase('zn.suggest', {
      cases: r.cases,
      zone: z
        ? phrase('zn.in_zone', { level: phrase(`zl.${z.level}`), area: { area: z.area_code } })
        : phrase('zn.no_zone'),
      action: phrase(z ? 'zn.act_upgrade' : suggested === 'high' ? 'zn.act_high' : 'zn.act_lockdown'),
    });
    out.push({
      area_code: r.code,
      current: z?.level ?? null,
      suggested,
      cases: r.cases,
      reason: english(why),
      reason_phrase: why,
    });
  }
  return out;
}

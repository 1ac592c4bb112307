/**
 * Capacity: site activation (reserve → inspecting → active after acceptance inspection 验收, → closing → closed),
 * the stock and increment of a day (存量/增量: people held by category, new today vs carried over, the backlog of
 * found-but-not-placed with its age), and the 3-day forecast of rooms and beds: the people waiting now plus the
 * inflow of people found (cases, contacts) at the last 3 days' average, less scheduled releases, free capacity, and the next reserve tier proposed when demand passes it (梯次使用).
 */
import type { Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { type Scope, scopeCondition } from '../access/scope.ts';
import { atRisk } from '../registry/risk.ts';
import { siteTakesPeople, waitingForPlace } from './waiting.ts';

/**
 * The site's lifecycle steps and the statuses each may start from. `close` on a closing site finishes the close
 * once its last stay has ended (nothing else moves a closing site on to closed).
 */
const STEPS = {
  inspect: { from: ['reserve'], to: 'inspecting' },
  accept: { from: ['inspecting'], to: 'active' },
  close: { from: ['active', 'full', 'closing'], to: 'closing' },
} as const;

export type SiteStep = keyof typeof STEPS;

/** The steps a site of this status may take now, in lifecycle order. */
export function nextSiteSteps(status: string): SiteStep[] {
  return (Object.keys(STEPS) as SiteStep[]).filter((k) =>
    (STEPS[k].from as readonly string[]).includes(status),
  );
}

export interface SiteRow {
  id: number;
  name: string;
  kind: string;
  status: string;
  tier: number;
  area_code: string;
  address: string;
  accepted_at: Date | null;
  /** Rooms of the site; free = available in a site that takes people now (what placement and the forecast count). */
  rooms_total: number;
  rooms_free: number;
  beds_total: number;
  beds_free: number;
  /** Stays placed or arrived at the site (a count, no one named). */
  open_stays: number;
  /** Active and accepted (验收): the placement engine and moves (转点) may put people here. */
  takes_people: boolean;
  next_steps: SiteStep[];
}

/**
 * Every site in the scope (by the site's own area, like every place) with its tier, status, kind, rooms and beds
 * free/total, open stays and when it was accepted; ordered by tier, then id.
 */
export async function listSites(db: Queryable, scope: Scope): Promise<SiteRow[]> {
  const params: unknown[] = [];
  const { rows } = await db.query<Omit<SiteRow, 'next_steps'>>(
    `SELECT s.id, s.name, s.kind, s.status, s.tier, s.area_code, s.address, s.accepted_at,
            coalesce(r.total, 0) AS rooms_total, coalesce(r.available, 0) AS rooms_free,
            coalesce(b.total, 0) AS beds_total, coalesce(b.available, 0) AS beds_free,
            (SELECT count(*) FROM placements pl WHERE pl.site_id = s.id AND pl.status IN ('placed', 'arrived')) AS open_stays,
            ${siteTakesPeople('s')} AS takes_people
       FROM sites s
            LEFT JOIN (SELECT site_id, count(*) AS total, count(*) FILTER (WHERE status = 'available') AS available
                         FROM rooms GROUP BY site_id) r ON r.site_id = s.id
            LEFT JOIN (SELECT site_id, count(*) AS total, count(*) FILTER (WHERE status = 'available') AS available
                         FROM beds GROUP BY site_id) b ON b.site_id = s.id
      WHERE ${scopeCondition('s.area_code', scope, params)}
      ORDER BY s.tier, s.id`,
    params,
  );
  return rows.map((r) => ({
    ...r,
    rooms_free: r.takes_people ? r.rooms_free : 0,
    beds_free: r.takes_people ? r.beds_free : 0,
    next_steps: nextSiteSteps(r.status),
  }));
}

export async function moveSite(
  tx: Queryable,
  clock: Clock,
  siteId: number,
  step: SiteStep,
  scopePrefix: string,
) {
  const { rows } = await tx.query<{ id: number; status: string; area_code: string }>(
    'SELECT id, status, area_code FROM sites WHERE id = $1 AND starts_with(area_code, $2) FOR UPDATE',
    [siteId, scopePrefix],
  );
  const site = rows[0];
  if (!site) throw new AppError(404, 'not_found', `site ${siteId} was not found`);
  const rule = STEPS[step];
  if (!(rule.from as readonly string[]).includes(site.status)) {
    throw new AppError(
      409,
      'transition_invalid',
      `site ${siteId} is ${site.status}; it must be ${rule.from.join(' or ')} to ${step}`,
    );
  }
  const now = clock.now();
  if (step === 'close') {
    const open = await tx.query<{ n: number }>(
      "SELECT count(*) AS n FROM placements WHERE site_id = $1 AND status IN ('placed', 'arrived')",
      [siteId],
    );
    const stillOpen = open.rows[0]?.n ?? 0;
    const to = stillOpen > 0 ? 'closing' : 'closed';
    if (to !== site.status) {
      await tx.query('UPDATE sites SET status = $2 WHERE id = $1', [siteId, to]);
      await tx.query(
        `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload)
         VALUES ('isolation.site_close', 'site', $1, $2, $3, $4::jsonb)`,
        [siteId, site.area_code, now, JSON.stringify({ status: to })],
      );
    }
    if (stillOpen > 0)
      return {
        id: siteId,
        status: 'closing',
        note: `${stillOpen} stay(s) still open: no new placements; close it again once they have ended`,
      };
    return { id: siteId, status: 'closed' };
  }
  await tx.query(
    `UPDATE sites SET status = $2, accepted_at = CASE WHEN $2 = 'active' THEN $3 ELSE accepted_at END WHERE id = $1`,
    [siteId, rule.to, now],
  );
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, area_code, occurred_at, payload) VALUES ('isolation.site_' || $1, 'site', $2, $3, $4, '{}')`,
    [step, siteId, site.area_code, now],
  );
  return { id: siteId, status: rule.to };
}

/**
 * Opens a whole reserve tier at once (the forecast's "启用储备梯次 N"): every site of the tier in the jurisdiction
 * still in reserve or under inspection is inspected and accepted in one transaction, as a commander who has the
 * inspections in hand would do site by site. Nothing to open is a 409.
 */
export async function openTier(tx: Queryable, clock: Clock, tier: number, scopePrefix: string) {
  const { rows } = await tx.query<{ id: number; name: string; status: string; rooms: number; beds: number }>(
    `SELECT s.id, s.name, s.status,
            (SELECT count(*) FROM rooms r WHERE r.site_id = s.id)::int AS rooms,
            (SELECT count(*) FROM beds b WHERE b.site_id = s.id)::int AS beds
       FROM sites s
      WHERE s.tier = $1 AND s.status IN ('reserve', 'inspecting') AND starts_with(s.area_code, $2)
      ORDER BY s.id FOR UPDATE OF s`,
    [tier, scopePrefix],
  );
  if (rows.length === 0)
    throw new AppError(
      409,
      'tier_nothing_to_open',
      `tier ${tier} has no site in reserve or under inspection in your jurisdiction: nothing to open`,
    );
  const opened = [];
  for (const site of rows) {
    if (site.status === 'reserve') await moveSite(tx, clock, Number(site.id), 'inspect', scopePrefix);
    await moveSite(tx, clock, Number(site.id), 'accept', scopePrefix);
    opened.push({
      id: Number(site.id),
      name: site.name,
      from: site.status,
      rooms: site.rooms,
      beds: site.beds,
    });
  }
  return {
    tier,
    sites: opened,
    rooms: opened.reduce((n, x) => n + x.rooms, 0),
    beds: opened.reduce((n, x) => n + x.beds, 0),
  };
}

export async function stockAndIncrement(db: Queryable, scope: Scope, day: string) {
  const from = new Date(`${day}T00:00:00+08:00`);
  const to = new Date(from.getTime() + 86_400_000);
  const params: unknown[] = [from, to];
  const s = scopeCondition('p.area_code', scope, params);
  const held = await db.query<{ category: string; kind: string; held: number; new_today: number }>(
    `SELECT pl.category, si.kind, count(*) AS held, count(*) FILTER (WHERE pl.placed_at >= $1) AS new_today
       FROM placements pl JOIN persons p ON p.id = pl.person_id JOIN sites si ON si.id = pl.site_id
      WHERE pl.placed_at < $2 AND (pl.released_at IS NULL OR pl.released_at >= $2) AND pl.status <> 'cancelled' AND ${s}
      GROUP BY 1, 2 ORDER BY 1, 2`,
    params,
  );
  const bp: unknown[] = [to];
  const backlog = await db.query<{ n: number; oldest: Date | null }>(
    `SELECT count(*) AS n, min(coalesce(p_risk.risk_status_at, p.created_at)) AS oldest FROM ${atRisk('p')}
      WHERE ${waitingForPlace('p')} AND coalesce(p_risk.risk_status_at, p.created_at) < $1
        AND ${scopeCondition('p.area_code', scope, bp)}`,
    bp,
  );
  const b = backlog.rows[0] ?? { n: 0, oldest: null };
  // At home (居家隔离 / 居家健康监测) on that day, by kind and category.
  const hp: unknown[] = [from, to];
  const home = await db.query<{ kind: string; category: string; held: number; new_today: number }>(
    `SELECT h.kind, h.category, count(*) AS held, count(*) FILTER (WHERE h.started_at >= $1) AS new_today
       FROM home_stays h
      WHERE h.started_at < $2 AND (h.ended_at IS NULL OR h.ended_at >= $2) AND ${scopeCondition('h.area_code', scope, hp)}
      GROUP BY 1, 2 ORDER BY 1, 2`,
    hp,
  );
  return {
    day,
    held: held.rows.map((r) => ({ ...r, carried_over: r.held - r.new_today })),
    at_home: home.rows.map((r) => ({ ...r, carried_over: r.held - r.new_today })),
    backlog: {
      people: b.n,
      oldest_since: b.oldest,
      oldest_hours: b.oldest ? Math.round((to.getTime() - b.oldest.getTime()) / 3600_000) : null,
    },
  };
}

export async function forecast(db: Queryable, scope: Scope, now: Date, days = 3) {
  // Inflow: the people found in the last 3 days who need a bed (cases, by found_at) or a room (close and
  // secondary contacts, by the day their status rose: the 8th edition centralises both), per day. Not placements:
  // with rooms short, placements fall while the need grows.
  const params: unknown[] = [new Date(now.getTime() - 3 * 86_400_000), now];
  const inflow = await db.query<{ cases: number; contacts: number }>(
    `SELECT (SELECT count(*) FROM cases c WHERE c.found_at >= $1 AND c.found_at < $2
               AND ${scopeCondition('c.area_code', scope, params)}) AS cases,
            (SELECT count(DISTINCT e.subject_id) FROM events e
              WHERE e.type = 'tracing.risk_person_found' AND e.payload->>'status' IN ('close_contact', 'secondary_contact')
                AND e.occurred_at >= $1 AND e.occurred_at < $2 AND ${scopeCondition('e.area_code', scope, params)}) AS contacts`,
    params,
  );
  // Those already waiting need a room or bed now, before any newcomer.
  const wp: unknown[] = [];
  const waiting = await db.query<{ cases: number; contacts: number }>(
    `SELECT count(*) FILTER (WHERE p_risk.risk_status = 'case') AS cases, count(*) FILTER (WHERE p_risk.risk_status <> 'case') AS contacts
       FROM ${atRisk('p')} WHERE ${waitingForPlace('p')} AND ${scopeCondition('p.area_code', scope, wp)}`,
    wp,
  );
  const rp: unknown[] = [now, new Date(now.getTime() + days * 86_400_000)];
  const releases = await db.query<{ n: number }>(
    `SELECT count(*) AS n FROM placements pl JOIN persons p ON p.id = pl.person_id
      WHERE pl.status = 'arrived' AND pl.due_at >= $1 AND pl.due_at < $2 AND ${scopeCondition('p.area_code', scope, rp)}`,
    rp,
  );
  const cp: unknown[] = [];
  const free = await db.query<{ rooms: number; beds: number }>(
    `SELECT (SELECT count(*) FROM rooms r JOIN sites s ON s.id = r.site_id WHERE r.status = 'available' AND ${siteTakesPeople('s')} AND ${scopeCondition('s.area_code', scope, cp)}) AS rooms,
            (SELECT count(*) FROM beds b JOIN sites s ON s.id = b.site_id WHERE b.status = 'available' AND ${siteTakesPeople('s')} AND ${scopeCondition('s.area_code', scope, cp)}) AS beds`,
    cp,
  );
  const tp: unknown[] = [];
  const tiers = await db.query<{ tier: number; sites: number; rooms: number }>(
    `SELECT s.tier, count(DISTINCT s.id) AS sites, count(r.id) AS rooms FROM sites s LEFT JOIN rooms r ON r.site_id = s.id
      WHERE s.status = 'reserve' AND ${scopeCondition('s.area_code', scope, tp)} GROUP BY s.tier ORDER BY s.tier`,
    tp,
  );
  const i = inflow.rows[0] ?? { cases: 0, contacts: 0 };
  const w = waiting.rows[0] ?? { cases: 0, contacts: 0 };
  const perDay = { cases: Number(i.cases) / 3, contacts: Number(i.contacts) / 3 };
  const f = free.rows[0] ?? { rooms: 0, beds: 0 };
  const roomsNeeded = Math.ceil(Number(w.contacts) + perDay.contacts * days - (releases.rows[0]?.n ?? 0));
  const bedsNeeded = Math.ceil(Number(w.cases) + perDay.cases * days);
  const roomGap = Math.max(0, roomsNeeded - f.rooms);
  let cover = 0;
  const proposed: { tier: number; sites: number; rooms: number }[] = [];
  for (const t of tiers.rows) {
    if (cover >= roomGap) break;
    proposed.push(t);
    cover += t.rooms;
  }
  return {
    days,
    inflow_per_day: { cases: Number(perDay.cases.toFixed(1)), contacts: Number(perDay.contacts.toFixed(1)) },
    waiting_now: { cases: Number(w.cases), contacts: Number(w.contacts) },
    scheduled_releases: releases.rows[0]?.n ?? 0,
    rooms: { needed: Math.max(0, roomsNeeded), free: f.rooms, short: roomGap },
    beds: { needed: bedsNeeded, free: f.beds, short: Math.max(0, bedsNeeded - f.beds) },
    activate_tiers: roomGap > 0 ? proposed : [],
    note:
      roomGap > 0
        ? `${roomGap} more rooms needed within ${days} days: activate reserve tier(s) ${proposed.map((t) => t.tier).join(', ') || '(none left)'}`
        : `free rooms cover the next ${days} days at the current inflow`,
  };
}

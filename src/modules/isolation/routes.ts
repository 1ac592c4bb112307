/**
 * HTTP API of isolation: place the backlog, stays (arrive, release, discharge, move), disinfection, the 清仓
 * board, health checks, and the personal self-report links with their public (rate-limited) pages.
 */
import type {} from '@fastify/rate-limit';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AreaCode } from '../../lib/area-code.ts';
import { AppError } from '../../lib/errors.ts';
import { Instant, PlausibleDate, refuseFuture } from '../../lib/instant.ts';
import { principalOf } from '../../server/auth.ts';
import { ListCache } from '../../server/list-cache.ts';
import { sendExport } from '../../server/list-export.ts';
import { appendAudit, recordRead } from '../access/audit.ts';
import { narrowOrRefuse, scopeOf } from '../access/scope.ts';
import { stuckUnitExport, turnoverBoard } from './board.ts';
import { forecast, listSites, moveSite, openTier, stockAndIncrement } from './capacity.ts';
import { recordHealthCheck, SYMPTOMS } from './health.ts';
import { endDueHomeStays } from './home.ts';
import { countHomeStays, homeStayExport, homeStays } from './home-list.ts';
import { moveStay } from './move.ts';
import { autoPlacementState, placementRuns, runPlacement, setAutoPlacement } from './placement-runs.ts';
import {
  issueSelfReportLink,
  revokeSelfReportLink,
  selfReportView,
  submitSelfReport,
} from './self-report.ts';
import { type StayListRow, stayExport } from './stay-list.ts';
import { stayScopeCondition } from './stay-scope.ts';
import { arrive, discharge, disinfection, release } from './stays.ts';

export interface IsolationDeps {
  db: Db;
  clock: Clock;
  /**
   * The stays list's totals, kept like the people list's (src/server/list-cache.ts), so a full page does not count
   * every open stay of the jurisdiction again on each request. Off (0 ms) by default.
   */
  totals?: ListCache<{ count: number; more: boolean }>;
}

const Id = z.coerce.number().int().positive();
const Edition = z.enum(['8th', '9th']);

/**
 * Requests per client address per minute on each public self-report route. Generous: the residents of a
 * quarantine hotel often share one network address; a guessed secret (256 bits) cannot succeed anyway.
 */
export const SELF_REPORT_RATE_LIMIT = 120;
const selfReportRateLimit = {
  max: SELF_REPORT_RATE_LIMIT,
  timeWindow: '1 minute',
  errorResponseBuilder: (_req: unknown, ctx: { after: string }) =>
    new AppError(429, 'rate_limited', `too many requests; retry in ${ctx.after}`),
};
const Secret = z.object({ secret: z.string().max(200) });

export const isolationRoutes: FastifyPluginAsync<IsolationDeps> = async (
  app,
  { db, clock, totals = new ListCache<{ count: number; more: boolean }>(0) },
) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/isolation/place',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary:
          'Place everyone waiting in my jurisdiction (cases to beds, contacts to rooms); says who still waits and why',
        body: z.object({ edition: Edition.default('8th') }),
      },
    },
    async (req) => {
      const run = await runPlacement(
        db,
        clock,
        principalOf(req),
        scopeOf(principalOf(req)),
        req.body.edition,
        'manual',
      );
      return { placed: run.placed, waiting: run.waiting, home_isolated: run.homeIsolated };
    },
  );

  r.get(
    '/isolation/auto-placement',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary:
          'Auto placement (自动安置) of my jurisdiction: on or off, its edition, its last run, and whether a wider jurisdiction covers mine',
      },
    },
    async (req) => autoPlacementState(db, scopeOf(principalOf(req))),
  );

  r.put(
    '/isolation/auto-placement',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary:
          'Switch auto placement on (with the edition of the rules) or off for my jurisdiction: its backlog is then placed every few minutes',
        body: z.object({ enabled: z.boolean(), edition: Edition.default('8th') }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      await setAutoPlacement(db, clock, p, scopeOf(p), req.body);
      return autoPlacementState(db, scopeOf(p));
    },
  );

  r.get(
    '/isolation/placement-runs',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary: 'The latest placement runs over my jurisdiction, by hand and automatic, with what each did',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
      },
    },
    async (req) => ({ items: await placementRuns(db, scopeOf(principalOf(req)), req.query.limit) }),
  );

  r.get(
    '/isolation/stays/export',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary: 'All open stays of the list (same filter) as CSV or Excel, in words, streamed',
        querystring: z.object({
          status: z.enum(['placed', 'arrived']).optional(),
          format: z.enum(['csv', 'xlsx']).default('xlsx'),
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
      },
    },
    async (req, reply) => {
      const principal = principalOf(req);
      const names = principal.permissions.has('person.read');
      await recordRead(db, clock, principal, {
        action: names ? 'person.exported' : 'isolation.stays_exported',
        subjectType: names ? 'person' : 'placement',
        areaCode: principal.jurisdiction || undefined,
        details: { list: 'stays', export: req.query.format, status: req.query.status ?? null },
      });
      return sendExport(
        reply,
        db,
        stayExport(db, scopeOf(principal), req.query.status, names),
        req.query.format,
        req.query.lang,
      );
    },
  );

  r.get(
    '/isolation/stays',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary:
          'Open stays of people of my jurisdiction or at its sites, with where and why, in pages by id (`after` the last one; `next_after` is the next page’s, null on the last); `total` counts them all, on the first page (the export has every row)',
        querystring: z.object({
          status: z.enum(['placed', 'arrived']).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
          after: Id.optional(),
        }),
      },
    },
    async (req) => {
      const principal = principalOf(req);
      // The person's name for those who may read people (an audited read, like every list of people).
      const names = principal.permissions.has('person.read');
      const scope = scopeOf(principal);
      const after = req.query.after ?? null;
      const params: unknown[] = [req.query.status ?? null, req.query.limit, names, after];
      const { rows } = await db.query<StayListRow>(
        `SELECT pl.id, pl.person_id, CASE WHEN $3 THEN p.name END AS person_name, p.area_code, pl.category, pl.site_id, s.name AS site, s.area_code AS site_area,
                pl.room_id, pl.bed_id, rm.code AS room, bd.ward || ' ' || bd.code AS bed, pl.status, pl.reason,
                pl.reason_phrase, pl.found_at, pl.placed_at, pl.arrived_at, pl.due_at
           FROM placements pl JOIN persons p ON p.id = pl.person_id JOIN sites s ON s.id = pl.site_id
                LEFT JOIN rooms rm ON rm.id = pl.room_id LEFT JOIN beds bd ON bd.id = pl.bed_id
          WHERE pl.status IN ('placed', 'arrived') AND ($1::text IS NULL OR pl.status = $1)
            AND ($4::int8 IS NULL OR pl.id > $4) AND ${stayScopeCondition('pl', scope, params)}
          ORDER BY pl.id LIMIT $2`,
        params,
      );
      // How many there are in all (the page shows the first `limit`; the export gives every one): counted only when
      // the page is full, and kept a few seconds per jurisdiction and filter.
      const full = rows.length === req.query.limit;
      const total =
        after !== null
          ? null
          : !full
            ? rows.length
            : (
                await totals.get(`stays:${JSON.stringify([scope, req.query.status ?? null])}`, async () => {
                  const countParams: unknown[] = [req.query.status ?? null];
                  const counted = await db.query<{ n: number }>(
                    `SELECT count(*)::int AS n FROM placements pl
                    WHERE pl.status IN ('placed', 'arrived') AND ($1::text IS NULL OR pl.status = $1)
                      AND ${stayScopeCondition('pl', scope, countParams)}`,
                    countParams,
                  );
                  return { count: counted.rows[0]?.n ?? rows.length, more: false };
                })
              ).count;
      if (names && rows.length > 0)
        await recordRead(db, clock, principal, {
          action: 'person.list',
          subjectType: 'person',
          areaCode: principal.jurisdiction || undefined,
          details: { list: 'stays', status: req.query.status ?? null, stays: rows.length },
        });
      return { items: rows, next_after: full ? (rows.at(-1)?.id ?? null) : null, total };
    },
  );

  const stayStep = (name: 'arrive' | 'release') =>
    r.post(
      `/isolation/stays/:id/${name}`,
      {
        config: { permission: 'isolation.manage' },
        schema: {
          tags: ['isolation'],
          summary:
            name === 'arrive'
              ? 'Arrival at the site: term and test schedule start'
              : 'Release a contact whose term is over',
          params: z.object({ id: Id }),
        },
      },
      async (req) => {
        const p = principalOf(req);
        return db.transaction(async (tx) => {
          const out =
            name === 'arrive'
              ? await arrive(tx, clock, req.params.id, p.jurisdiction)
              : await release(tx, clock, req.params.id, p.jurisdiction);
          await appendAudit(tx, clock, p, {
            action: `isolation.${name}`,
            subjectType: 'placement',
            subjectId: req.params.id,
            areaCode: p.jurisdiction || undefined,
          });
          return out;
        });
      },
    );
  stayStep('arrive');
  stayStep('release');

  r.post(
    '/isolation/stays/:id/discharge',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary: 'Discharge a case on two PCR tests with Ct ≥ 35 at least 24 h apart',
        params: z.object({ id: Id }),
        body: z.object({
          tests: z
            .array(z.object({ at: Instant, ct: z.number().min(0).max(50) }))
            .min(1)
            .max(10),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      for (const [i, t] of req.body.tests.entries()) refuseFuture(clock.now(), t.at, `tests[${i}].at`);
      return db.transaction(async (tx) => {
        const out = await discharge(tx, clock, req.params.id, req.body.tests, p.jurisdiction);
        await appendAudit(tx, clock, p, {
          action: 'isolation.discharge',
          subjectType: 'placement',
          subjectId: req.params.id,
          areaCode: p.jurisdiction || undefined,
        });
        return out;
      });
    },
  );

  r.post(
    '/isolation/:kind/:id/disinfection',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary: 'Terminal disinfection of an emptied room or bed: start, then finish (back in service)',
        params: z.object({ kind: z.enum(['rooms', 'beds']), id: Id }),
        body: z.object({ action: z.enum(['start', 'finish']) }),
      },
    },
    async (req) =>
      db.transaction((tx) =>
        disinfection(
          tx,
          clock,
          req.params.kind === 'rooms' ? 'room' : 'bed',
          req.params.id,
          req.body.action,
          principalOf(req).jurisdiction,
        ),
      ),
  );

  r.get(
    '/isolation/board',
    {
      config: { permission: 'isolation.read' },
      schema: {
        tags: ['isolation'],
        summary:
          'The 清仓 board of a day: due, released, rooms freed and turnover time, stuck rooms, occupancy',
        querystring: z.object({ date: PlausibleDate.optional() }),
      },
    },
    async (req) => {
      const now = clock.now();
      const day = req.query.date ?? new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
      return turnoverBoard(db, scopeOf(principalOf(req)), day, now);
    },
  );

  r.get(
    '/isolation/board/stuck/export',
    {
      config: { permission: 'isolation.read' },
      schema: {
        tags: ['isolation'],
        summary:
          'Every room and bed stuck in disinfection (vacated over 12 hours ago) as CSV or Excel, in words, streamed',
        querystring: z.object({
          format: z.enum(['csv', 'xlsx']).default('xlsx'),
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
      },
    },
    async (req, reply) => {
      const principal = principalOf(req);
      await recordRead(db, clock, principal, {
        action: 'isolation.stuck_exported',
        subjectType: 'room',
        areaCode: principal.jurisdiction || undefined,
        details: { list: 'stuck_units', export: req.query.format },
      });
      return sendExport(
        reply,
        db,
        stuckUnitExport(db, scopeOf(principal), clock.now()),
        req.query.format,
        req.query.lang,
      );
    },
  );

  r.get(
    '/isolation/sites',
    {
      config: { permission: 'isolation.read' },
      schema: {
        tags: ['isolation'],
        summary:
          'Sites of my jurisdiction by tier: status, kind, area, rooms and beds free/total, open stays, when accepted (验收), and the lifecycle steps each may take now',
      },
    },
    async (req) => ({ items: await listSites(db, scopeOf(principalOf(req))) }),
  );

  r.post(
    '/isolation/sites/:id/:step',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary:
          'Site lifecycle: inspect (reserve → inspecting), accept (验收: → active), close (→ closing while stays are open, closed once none is; again on a closing site to finish)',
        params: z.object({ id: Id, step: z.enum(['inspect', 'accept', 'close']) }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const out = await moveSite(tx, clock, req.params.id, req.params.step, p.jurisdiction);
        await appendAudit(tx, clock, p, {
          action: `isolation.site_${req.params.step}`,
          subjectType: 'site',
          subjectId: req.params.id,
          areaCode: p.jurisdiction || undefined,
        });
        return out;
      });
    },
  );

  r.post(
    '/isolation/tiers/:tier/open',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary:
          'Open a whole reserve tier (启用储备梯次): every site of the tier in my jurisdiction in reserve or under inspection is inspected and accepted, in one step',
        params: z.object({ tier: z.coerce.number().int().min(1).max(9) }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const out = await openTier(tx, clock, req.params.tier, p.jurisdiction);
        await appendAudit(tx, clock, p, {
          action: 'isolation.tier_opened',
          subjectType: 'tier',
          subjectId: req.params.tier,
          areaCode: p.jurisdiction || undefined,
          details: { sites: out.sites.map((x) => x.id), rooms: out.rooms, beds: out.beds },
        });
        return out;
      });
    },
  );

  r.get(
    '/isolation/home',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary:
          'People isolated or monitored at home in my jurisdiction (居家隔离/居家健康监测), due first, with their open tests, in pages (`after` the last one; `next_after` is the next page’s, null on the last); `total` counts them all, on the first page',
        querystring: z.object({
          kind: z.enum(['isolation', 'monitoring']).optional(),
          area: AreaCode.optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
          after: Id.optional(),
        }),
      },
    },
    async (req) => {
      const principal = principalOf(req);
      const scope = narrowOrRefuse(scopeOf(principal), req.query.area);
      if (!scope) return { items: [], next_after: null, total: 0 };
      // The list is in order of due time, then id: the cursor is the last stay's id, its due time looked up.
      const afterId = req.query.after;
      const after =
        afterId === undefined
          ? undefined
          : {
              id: afterId,
              due_at:
                (await db.query<{ due_at: Date }>('SELECT due_at FROM home_stays WHERE id = $1', [afterId]))
                  .rows[0]?.due_at ?? new Date(0),
            };
      const rows = await homeStays(db, scope, { kind: req.query.kind, limit: req.query.limit, after });
      const full = rows.length === req.query.limit;
      // The whole list's size, on the first page: the page says "first N of M" and the export holds them all.
      const total =
        after !== undefined ? null : !full ? rows.length : await countHomeStays(db, scope, req.query.kind);
      await recordRead(db, clock, principal, {
        action: 'person.list',
        subjectType: 'home_stay',
        areaCode: principal.jurisdiction || undefined,
        details: { list: 'home_stays', count: rows.length },
      });
      return { items: rows, next_after: full ? (rows.at(-1)?.id ?? null) : null, total };
    },
  );

  r.get(
    '/isolation/home/export',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary: 'All people at home of the list (same filter) as CSV or Excel, in words, streamed',
        querystring: z.object({
          kind: z.enum(['isolation', 'monitoring']).optional(),
          area: AreaCode.optional(),
          format: z.enum(['csv', 'xlsx']).default('xlsx'),
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
      },
    },
    async (req, reply) => {
      const principal = principalOf(req);
      const scope = narrowOrRefuse(scopeOf(principal), req.query.area);
      const names = principal.permissions.has('person.read');
      await recordRead(db, clock, principal, {
        action: names ? 'person.exported' : 'isolation.home_exported',
        subjectType: 'home_stay',
        areaCode: scope.prefix || undefined,
        details: { list: 'home_stays', export: req.query.format, home_kind: req.query.kind ?? null },
      });
      return sendExport(
        reply,
        db,
        homeStayExport(db, scope, req.query.kind, names),
        req.query.format,
        req.query.lang,
      );
    },
  );

  r.post(
    '/isolation/home/end-due',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary:
          'End the stays at home that are due (isolation only once its tests are done; those still held are listed)',
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const r = await endDueHomeStays(tx, clock, scopeOf(p));
        await appendAudit(tx, clock, p, {
          action: 'isolation.home_ended',
          subjectType: 'home_stay',
          areaCode: p.jurisdiction || undefined,
          details: { ended: r.ended, held: r.held.length },
        });
        return r;
      });
    },
  );

  r.get(
    '/isolation/stock',
    {
      config: { permission: 'isolation.read' },
      schema: {
        tags: ['isolation'],
        summary: 'Stock and increment of a day (存量/增量) and the backlog with its age',
        querystring: z.object({ date: PlausibleDate.optional() }),
      },
    },
    async (req) => {
      const now = clock.now();
      const day = req.query.date ?? new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
      return stockAndIncrement(db, scopeOf(principalOf(req)), day);
    },
  );

  r.get(
    '/isolation/forecast',
    {
      config: { permission: 'isolation.read' },
      schema: {
        tags: ['isolation'],
        summary:
          'Rooms and beds needed in the next days against free capacity, and reserve tiers to activate',
      },
    },
    async (req) => forecast(db, scopeOf(principalOf(req)), clock.now()),
  );

  r.post(
    '/isolation/stays/:id/health',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary:
          'Record a health check (temperature, symptoms); a fever or a symptom raises an alert task and an extra test',
        params: z.object({ id: Id }),
        body: z.object({
          at: Instant,
          temperature: z.number().min(34).max(43),
          symptoms: z.array(z.enum(SYMPTOMS)).max(8).default([]),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction((tx) =>
        recordHealthCheck(
          tx,
          clock,
          req.params.id,
          { at: req.body.at, temperature: req.body.temperature, symptoms: req.body.symptoms, by: p.name },
          p.jurisdiction,
        ),
      );
    },
  );

  r.post(
    '/isolation/stays/:id/self-report-link',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary:
          'Issue the personal self-report link of an open stay (个人健康打卡链接); shown once, revokes the previous one',
        params: z.object({ id: Id }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const out = await issueSelfReportLink(tx, clock, req.params.id, p.name, p.jurisdiction);
        await appendAudit(tx, clock, p, {
          action: 'isolation.self_report_link_issued',
          subjectType: 'placement',
          subjectId: req.params.id,
          areaCode: p.jurisdiction || undefined,
          details: { revoked_previous: out.revoked_previous },
        });
        return { path: out.path, placement_id: out.placement_id, revoked_previous: out.revoked_previous };
      });
    },
  );

  r.delete(
    '/isolation/stays/:id/self-report-link',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary: 'Revoke the personal self-report link of a stay',
        params: z.object({ id: Id }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const out = await revokeSelfReportLink(tx, clock, req.params.id, p.jurisdiction);
        await appendAudit(tx, clock, p, {
          action: 'isolation.self_report_link_revoked',
          subjectType: 'placement',
          subjectId: req.params.id,
          areaCode: p.jurisdiction || undefined,
          details: { revoked: out.revoked },
        });
        return { revoked: out.revoked };
      });
    },
  );

  r.get(
    '/self-report/:secret',
    {
      config: { public: true, rateLimit: selfReportRateLimit },
      schema: {
        tags: ['isolation'],
        summary:
          'The self-report page of a personal link: masked name, site, room, day of the term, last reports, next test',
        params: Secret,
      },
    },
    async (req) => selfReportView(db, clock, req.params.secret),
  );

  r.post(
    '/self-report/:secret',
    {
      config: { public: true, rateLimit: selfReportRateLimit },
      schema: {
        tags: ['isolation'],
        summary:
          'Report temperature and symptoms through a personal link; a fever or a symptom raises an alert and an extra test',
        params: Secret,
        body: z.object({
          temperature: z.number().min(34).max(43),
          symptoms: z
            .array(z.enum(SYMPTOMS))
            .max(SYMPTOMS.length)
            .default([])
            .refine((a) => new Set(a).size === a.length, 'symptoms must not repeat'),
          note: z.string().trim().max(200).optional(),
          idempotency_key: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '8 to 64 letters, digits, _ or -'),
        }),
      },
    },
    async (req) =>
      db.transaction((tx) =>
        submitSelfReport(tx, clock, req.params.secret, {
          temperature: req.body.temperature,
          symptoms: req.body.symptoms,
          note: req.body.note || undefined,
          idempotencyKey: req.body.idempotency_key,
        }),
      ),
  );

  r.post(
    '/isolation/stays/:id/move',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary:
          'Move a stay to another site (转点): placed again by the engine (or into site_id), the term running on; roommates move together',
        params: z.object({ id: Id }),
        body: z.object({
          reason: z.string().trim().min(2).max(500),
          site_id: Id.optional(),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const out = await moveStay(
          tx,
          clock,
          req.params.id,
          { reason: req.body.reason, siteId: req.body.site_id },
          p.jurisdiction,
        );
        await appendAudit(tx, clock, p, {
          action: 'isolation.moved',
          subjectType: 'placement',
          subjectId: req.params.id,
          areaCode: p.jurisdiction || undefined,
          reason: req.body.reason,
          details: {
            from_site: out.from_site,
            to_site: out.to_site,
            moved: out.moved.map((m) => [m.from_placement, m.placement_id]),
          },
        });
        return out;
      });
    },
  );
};

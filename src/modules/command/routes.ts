/** HTTP API of the command: the daily report. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { PlausibleDate } from '../../lib/instant.ts';
import { principalOf } from '../../server/auth.ts';
import { ListCache } from '../../server/list-cache.ts';
import { sendExport } from '../../server/list-export.ts';
import { appendAudit, recordRead } from '../access/audit.ts';
import { narrowOrRefuse, scopeCondition, scopeOf } from '../access/scope.ts';
import { beijingToday, reportHtml, reportMarkdown, reportXlsx } from './daily-report.ts';
import { issuedReports, reportOfDay } from './issued-reports.ts';
import {
  type CachedList,
  filterList,
  type Leader,
  personNames,
  responsibilityExport,
  responsibilityList,
  setLeader,
} from './responsibility.ts';
import {
  effectiveZone,
  liftReadiness,
  liftZone,
  setZone,
  type ZoneRow,
  zoneReadinessFacts,
  zoneSuggestions,
} from './zones.ts';

export const commandRoutes: FastifyPluginAsync<{
  db: Db;
  clock: Clock;
  lists?: ListCache<CachedList>;
}> = async (app, { db, clock, lists = new ListCache<CachedList>(0) }) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/reports/daily',
    {
      config: { permission: 'report.read' },
      schema: {
        tags: ['command'],
        summary:
          'The daily report of my jurisdiction (每日通报) as JSON, Markdown, HTML or XLSX, in Chinese or English',
        querystring: z.object({
          date: PlausibleDate.optional(),
          format: z.enum(['json', 'md', 'html', 'xlsx']).default('json'),
          lang: z.enum(['zh', 'en']).default('zh'),
          // A past day: the report issued at its close (its resources as they were then) when there is one, or
          // computed now on request (`live`: with late corrections, and the resources as of now).
          basis: z.enum(['issued', 'live']).default('issued'),
        }),
      },
    },
    async (req, reply) => {
      const now = clock.now();
      const date = req.query.date ?? beijingToday(now);
      const report = await reportOfDay(db, scopeOf(principalOf(req)), date, now, req.query.basis);
      const name = `daily-report-${date}-${req.query.lang}`;
      switch (req.query.format) {
        case 'md':
          return reply.type('text/markdown; charset=utf-8').send(reportMarkdown(report, req.query.lang));
        case 'html':
          return reply.type('text/html; charset=utf-8').send(reportHtml(report, req.query.lang));
        case 'xlsx':
          return reply
            .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
            .header('content-disposition', `attachment; filename="${name}.xlsx"`)
            .send(await reportXlsx(report, req.query.lang));
        default:
          return report;
      }
    },
  );

  app.withTypeProvider<ZodTypeProvider>().get(
    '/reports/daily/issued',
    {
      config: { permission: 'report.read' },
      schema: {
        tags: ['command'],
        summary: 'The daily reports issued for my jurisdiction at the close of each day, newest first',
        querystring: z.object({ days: z.coerce.number().int().min(1).max(400).default(60) }),
      },
    },
    async (req) => ({ items: await issuedReports(db, scopeOf(principalOf(req)), req.query.days) }),
  );

  const r = app.withTypeProvider<ZodTypeProvider>();
  const AreaCode = z
    .string()
    .regex(/^(\d{6}|\d{9}|\d{12}|\d{15})$/, 'a zone is set on a district, street, community or grid code');

  r.post(
    '/zones',
    {
      config: { permission: 'zone.manage' },
      schema: {
        tags: ['command'],
        summary:
          'Set or change the zone of an area: 封控/管控/防范 (March 2022) or 高/中/低风险 (June 2022); history kept',
        body: z.object({
          area_code: AreaCode,
          level: z.enum(['lockdown', 'control', 'prevention', 'high', 'medium', 'low']),
          reason: z.string().trim().min(4).max(500),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const zone = await setZone(
          tx,
          clock,
          { areaCode: req.body.area_code, level: req.body.level, reason: req.body.reason, by: p.name },
          p.jurisdiction,
        );
        await appendAudit(tx, clock, p, {
          action: 'command.zone_set',
          subjectType: 'zone',
          subjectId: zone.id,
          areaCode: zone.area_code,
          reason: req.body.reason,
          details: { level: zone.level },
        });
        return zone;
      });
    },
  );

  r.get(
    '/zones',
    {
      config: { permission: 'zone.read' },
      schema: {
        tags: ['command'],
        summary: 'Active zones in my jurisdiction, each with its lifting readiness and what is still missing',
      },
    },
    async (req) => {
      const params: unknown[] = [];
      const { rows } = await db.query<ZoneRow>(
        `SELECT * FROM zones WHERE status = 'active' AND ${scopeCondition('area_code', scopeOf(principalOf(req)), params)} ORDER BY area_code`,
        params,
      );
      const now = clock.now();
      const items = [];
      const facts = await zoneReadinessFacts(db, rows, now);
      for (const zone of rows) items.push({ ...zone, readiness: await liftReadiness(db, zone, now, facts) });
      return { items };
    },
  );

  r.get(
    '/zones/effective',
    {
      config: { permission: 'zone.read' },
      schema: {
        tags: ['command'],
        summary: 'The zone that governs an area (the strongest active zone containing it)',
        querystring: z.object({ area: z.string().regex(/^\d{6,15}$/) }),
      },
    },
    async (req) => {
      // Another district's zone (and who set it) is not for this user: refused in words, like its lists.
      narrowOrRefuse(scopeOf(principalOf(req)), req.query.area);
      return { area_code: req.query.area, zone: await effectiveZone(db, req.query.area) };
    },
  );

  r.get(
    '/zones/suggestions',
    {
      config: { permission: 'zone.read' },
      schema: {
        tags: ['command'],
        summary:
          'Suggested upgrades from cases of the last 24 h: lockdown zones, or high-risk areas with ?rule_set=june2022',
        querystring: z.object({ rule_set: z.enum(['march2022', 'june2022']).default('march2022') }),
      },
    },
    async (req) => ({
      items: await zoneSuggestions(db, scopeOf(principalOf(req)), clock.now(), req.query.rule_set),
    }),
  );

  r.post(
    '/zones/:id/lift',
    {
      config: { permission: 'zone.manage' },
      schema: {
        tags: ['command'],
        summary: 'Lift a zone when every rule is met (409 lists what is missing)',
        params: z.object({ id: z.coerce.number().int().positive() }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const zone = await liftZone(tx, clock, req.params.id, p.jurisdiction);
        await appendAudit(tx, clock, p, {
          action: 'command.zone_lifted',
          subjectType: 'zone',
          subjectId: zone.id,
          areaCode: zone.area_code,
        });
        return zone;
      });
    },
  );

  r.post(
    '/leaders',
    {
      config: { permission: 'leader.manage' },
      schema: {
        tags: ['command'],
        summary:
          'Give a leader a patch (包保): an area subtree and a function; the previous holder of that patch is replaced',
        body: z.object({
          name: z.string().trim().min(1).max(100),
          title: z.string().trim().max(100).default(''),
          area_code: z
            .string()
            .regex(/^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12}|\d{15})$/, 'a leader needs a patch: an area code'),
          function: z.enum([
            'all',
            'testing',
            'tracing',
            'isolation',
            'transfer',
            'supply',
            'community_control',
          ]),
          user_id: z.number().int().positive().optional(),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      if (!req.body.area_code.startsWith(p.jurisdiction))
        throw new AppError(
          403,
          'out_of_jurisdiction',
          `area ${req.body.area_code} is outside your jurisdiction`,
        );
      return db.transaction(async (tx) => {
        const leader = await setLeader(tx, clock, {
          name: req.body.name,
          title: req.body.title,
          areaCode: req.body.area_code,
          function: req.body.function,
          userId: req.body.user_id,
        });
        const rows = [leader];
        await appendAudit(tx, clock, p, {
          action: 'command.leader_set',
          subjectType: 'leader',
          subjectId: (rows[0] as { id: number }).id,
          areaCode: req.body.area_code,
          details: { function: req.body.function },
        });
        return rows[0];
      });
    },
  );

  r.get(
    '/leaders',
    {
      config: { permission: 'zone.read' },
      schema: { tags: ['command'], summary: 'Leaders and their patches in my jurisdiction' },
    },
    async (req) => {
      const params: unknown[] = [];
      const { rows } = await db.query<Leader>(
        `SELECT id, name, title, area_code, function FROM leaders WHERE active AND ${scopeCondition('area_code', scopeOf(principalOf(req)), params)} ORDER BY area_code, function`,
        params,
      );
      return { items: rows };
    },
  );

  r.get(
    '/responsibility',
    {
      config: { permission: 'task.read' },
      schema: {
        tags: ['command'],
        summary:
          "Today's task list: every open item in my jurisdiction with its owner (escalated one level per day overdue); a page of it (offset, limit ≤ 2,000) and the figures of the whole list",
        querystring: z.object({
          leader_id: z.coerce.number().int().positive().optional(),
          unowned: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional(),
          offset: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(2000).default(2000),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      // The whole list of the jurisdiction, worked out once and kept a few seconds (QINGCANG_LIST_CACHE_MS), then
      // filtered and paged per request; `as_of` says when it was worked out.
      const scope = scopeOf(p);
      const whole = await lists.get(scope.prefix, async () => {
        const as_of = clock.now();
        return { items: await responsibilityList(db, scope, as_of), as_of };
      });
      const items = filterList(whole.items, req.query);
      const byOwner = new Map<string, number>();
      for (const i of items)
        byOwner.set(
          i.owner ? `${i.owner.id}` : 'none',
          (byOwner.get(i.owner ? `${i.owner.id}` : 'none') ?? 0) + 1,
        );
      // Per kind of item, so the tasks part can be read beside the dashboard's tasks (same definition).
      const byKind: Record<string, { total: number; overdue: number }> = {};
      for (const i of items) {
        const k = byKind[i.kind] ?? { total: 0, overdue: 0 };
        byKind[i.kind] = k;
        k.total++;
        if (i.overdue) k.overdue++;
      }
      // A page of the list (2,000 at most; the whole list through the export) with the people's names for those
      // who may read people (an audited read); the figures are of the whole list.
      const page = items.slice(req.query.offset, req.query.offset + req.query.limit);
      const names = p.permissions.has('person.read') ? await personNames(db, page) : new Map();
      if (names.size > 0)
        await recordRead(db, clock, p, {
          action: 'person.list',
          subjectType: 'person',
          areaCode: p.jurisdiction || undefined,
          details: { list: 'responsibility', people: names.size },
        });
      return {
        items: page.map((i) => ({
          ...i,
          person_name: i.person_id ? (names.get(i.person_id) ?? null) : null,
        })),
        total: items.length,
        overdue: items.filter((i) => i.overdue).length,
        per_owner: Object.fromEntries(byOwner),
        by_kind: byKind,
        as_of: whole.as_of,
      };
    },
  );

  r.get(
    '/responsibility/export',
    {
      config: { permission: 'task.read' },
      schema: {
        tags: ['command'],
        summary:
          "The whole task list (same filters) as CSV or Excel, in words, with people's names if I may read them",
        querystring: z.object({
          leader_id: z.coerce.number().int().positive().optional(),
          unowned: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional(),
          format: z.enum(['csv', 'xlsx']).default('xlsx'),
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const items = await responsibilityList(db, scopeOf(p), clock.now(), req.query);
      const withNames = p.permissions.has('person.read');
      await recordRead(db, clock, p, {
        action: withNames ? 'person.exported' : 'command.responsibility_exported',
        subjectType: withNames ? 'person' : 'task',
        areaCode: p.jurisdiction || undefined,
        details: { list: 'responsibility', export: req.query.format, items: items.length },
      });
      return sendExport(
        reply,
        db,
        responsibilityExport(items, withNames ? (page) => personNames(db, page) : undefined),
        req.query.format,
        req.query.lang,
      );
    },
  );
};

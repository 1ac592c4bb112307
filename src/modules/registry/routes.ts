import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AreaCode } from '../../lib/area-code.ts';
import { notFound } from '../../lib/errors.ts';
import { principalOf } from '../../server/auth.ts';
import { ListCache } from '../../server/list-cache.ts';
import { sendExport } from '../../server/list-export.ts';
import { appendAudit, recordRead } from '../access/audit.ts';
import { can } from '../access/principal.ts';
import { narrowOrRefuse, scopeCondition, scopeOf } from '../access/scope.ts';
import { personExport } from './person-export.ts';
import { presentPerson } from './presenters.ts';
import {
  areaChildren,
  areaNames,
  areaPath,
  countPersons,
  getArea,
  getPerson,
  householdMembers,
  listPersons,
  registryStats,
  searchAreas,
} from './queries.ts';
import { RISK_STATUSES } from './risk.ts';

const RiskStatus = z.enum(RISK_STATUSES);

const Person = z.object({
  id: z.number(),
  id_number: z.string(),
  name: z.string(),
  sex: z.enum(['M', 'F']),
  age: z.number(),
  phone: z.string().nullable(),
  household_id: z.number(),
  area_code: z.string(),
  address: z.string(),
  special_groups: z.array(z.string()),
  health_code: z.string(),
  risk_status: z.string(),
  risk_status_at: z.string().nullable(),
});

const Area = z.object({
  code: z.string(),
  parent_code: z.string().nullable(),
  level: z.number(),
  name: z.string(),
  kind: z.string().nullable(),
});

export interface RegistryDeps {
  db: Db;
  clock: Clock;
  /**
   * The people list's first-page totals, kept like the costly lists (src/server/list-cache.ts): counting up to
   * 10,001 people of a district on every first page was half the list's cost. Off (0 ms) by default.
   */
  totals?: ListCache<{ count: number; more: boolean }>;
}

export const registryRoutes: FastifyPluginAsync<RegistryDeps> = async (
  app,
  { db, clock, totals = new ListCache<{ count: number; more: boolean }>(0) },
) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/stats',
    {
      config: { permission: 'stats.read' },
      schema: {
        tags: ['registry'],
        summary: 'Counts of areas, people, households, sites, rooms, beds, labs, vehicles in my jurisdiction',
      },
    },
    async (req) => registryStats(db, scopeOf(principalOf(req))),
  );

  r.get(
    '/areas',
    {
      config: { permission: 'area.read' },
      schema: {
        tags: ['registry'],
        summary:
          'Provinces, or the children of ?parent=, with resident counts where they overlap my jurisdiction',
        querystring: z.object({ parent: AreaCode.optional() }),
        response: { 200: z.object({ items: z.array(Area.extend({ persons: z.number().nullable() })) }) },
      },
    },
    async (req) => {
      if (req.query.parent && !(await getArea(db, req.query.parent)))
        throw notFound('area', req.query.parent);
      return { items: await areaChildren(db, scopeOf(principalOf(req)), req.query.parent ?? null) };
    },
  );

  r.get(
    '/areas/search',
    {
      config: { permission: 'area.read' },
      schema: {
        tags: ['registry'],
        summary:
          'Areas whose name contains q, under my jurisdiction (or ?under= inside it), shallowest first, with their paths of names (at most 20)',
        querystring: z.object({ q: z.string().trim().min(1).max(40), under: AreaCode.optional() }),
      },
    },
    async (req) => {
      const scope = narrowOrRefuse(scopeOf(principalOf(req)), req.query.under);
      if (!scope) return { items: [] };
      return { items: await searchAreas(db, req.query.q, scope.prefix) };
    },
  );

  r.get(
    '/areas/names',
    {
      config: { permission: 'area.read' },
      schema: {
        tags: ['registry'],
        summary:
          'Names of up to 500 area codes (comma-separated), each with its path of names from the district down',
        querystring: z.object({
          codes: z
            .string()
            .max(500 * 16)
            .transform((s) => s.split(',').filter((c) => c !== ''))
            .pipe(z.array(AreaCode).max(500)),
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({ code: z.string(), name: z.string(), level: z.number(), full: z.string() }),
            ),
          }),
        },
      },
    },
    async (req) => ({ items: await areaNames(db, req.query.codes) }),
  );

  r.get(
    '/areas/:code',
    {
      config: { permission: 'area.read' },
      schema: {
        tags: ['registry'],
        summary: 'One area with its path from the province down',
        params: z.object({ code: AreaCode }),
        response: { 200: Area.extend({ path: z.array(Area) }) },
      },
    },
    async (req) => {
      const area = await getArea(db, req.params.code);
      if (!area) throw notFound('area', req.params.code);
      return { ...area, path: await areaPath(db, area.code) };
    },
  );

  r.get(
    '/persons',
    {
      config: { permission: 'person.read' },
      schema: {
        tags: ['registry'],
        summary:
          'People in my jurisdiction or an area inside it (ID numbers and phones masked), by area then id, keyset-paginated, with a total on the first page',
        querystring: z.object({
          area: AreaCode.optional(),
          risk_status: RiskStatus.optional(),
          q: z.string().min(1).max(50).optional(),
          after: z.coerce.number().int().min(0).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: {
          200: z.object({
            items: z.array(Person),
            next_after: z.number().nullable(),
            total: z
              .number()
              .nullable()
              .describe(
                'how many people the filters give (first page only; exact up to 10,000, or 1,000 for a name search)',
              ),
            total_more: z.boolean().nullable().describe('true: there are more than `total`'),
            can: z.array(z.string()),
          }),
        },
      },
    },
    async (req) => {
      const principal = principalOf(req);
      const q = req.query;
      const scope = narrowOrRefuse(scopeOf(principal), q.area);
      const today = clock.now();
      const filter = { riskStatus: q.risk_status, q: q.q };
      const rows = scope ? await listPersons(db, scope, { ...filter, after: q.after, limit: q.limit }) : [];
      // The total on the first page only (a page further on keeps the first page's figure).
      const total =
        q.after === undefined
          ? scope
            ? await totals.get(`persons:${JSON.stringify([scope, filter])}`, () =>
                countPersons(db, scope, filter),
              )
            : { count: 0, more: false }
          : null;
      if (scope)
        await recordRead(db, clock, principal, {
          action: 'person.list',
          subjectType: 'person',
          areaCode: scope.prefix || undefined,
          details: { count: rows.length, risk_status: q.risk_status ?? null, query: q.q ? 'yes' : 'no' },
        });
      return {
        items: rows.map((p) => presentPerson(p, today)),
        next_after: rows.length === q.limit ? (rows.at(-1)?.id ?? null) : null,
        total: total?.count ?? null,
        total_more: total?.more ?? null,
        can: can(principal, 'person.unmask') ? ['unmask'] : [],
      };
    },
  );

  r.get(
    '/persons/export',
    {
      config: { permission: 'person.read' },
      schema: {
        tags: ['registry'],
        summary:
          'Every person of my jurisdiction (or an area inside it) matching the list filters, masked as the list shows them, as CSV or Excel, in words, streamed; audited',
        querystring: z.object({
          area: AreaCode.optional(),
          risk_status: RiskStatus.optional(),
          q: z.string().min(1).max(50).optional(),
          format: z.enum(['csv', 'xlsx']).default('xlsx'),
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const q = req.query;
      const scope = narrowOrRefuse(scopeOf(p), q.area);
      await recordRead(db, clock, p, {
        action: 'person.exported',
        subjectType: 'person',
        areaCode: scope.prefix || undefined,
        details: { format: q.format, risk_status: q.risk_status ?? null, query: q.q ? 'yes' : 'no' },
      });
      return sendExport(
        reply,
        db,
        personExport(db, clock, scope, { riskStatus: q.risk_status, q: q.q }),
        q.format,
        q.lang,
      );
    },
  );

  r.get(
    '/persons/names',
    {
      config: { permission: 'person.read' },
      schema: {
        tags: ['registry'],
        summary:
          'Names of up to 500 people by id (comma-separated), those in my jurisdiction only (others are left out); an audited read',
        querystring: z.object({
          ids: z
            .string()
            .max(500 * 20)
            .transform((s) => s.split(',').filter((c) => c !== ''))
            .pipe(
              z
                .array(
                  z
                    .string()
                    .regex(/^\d{1,15}$/, 'ids are whole numbers')
                    .transform(Number),
                )
                .min(1)
                .max(500),
            ),
        }),
      },
    },
    async (req) => {
      const principal = principalOf(req);
      const params: unknown[] = [[...new Set(req.query.ids)]];
      const { rows } = await db.query<{ id: number; name: string; area_code: string }>(
        `SELECT id, name, area_code FROM persons
          WHERE id = ANY($1::int8[]) AND purged_at IS NULL AND ${scopeCondition('area_code', scopeOf(principal), params)}`,
        params,
      );
      if (rows.length > 0)
        await recordRead(db, clock, principal, {
          action: 'person.list',
          subjectType: 'person',
          areaCode: principal.jurisdiction || undefined,
          details: { list: 'names', people: rows.length },
        });
      return { items: rows.map((r) => ({ id: Number(r.id), name: r.name, area_code: r.area_code })) };
    },
  );

  r.get(
    '/persons/:id',
    {
      config: { permission: 'person.read' },
      schema: {
        tags: ['registry'],
        summary: 'One person with the members of their household (404 outside my jurisdiction)',
        params: z.object({ id: z.coerce.number().int().positive() }),
        response: { 200: Person.extend({ household: z.array(Person), can: z.array(z.string()) }) },
      },
    },
    async (req) => {
      const principal = principalOf(req);
      const scope = scopeOf(principal);
      const today = clock.now();
      const p = await getPerson(db, scope, req.params.id);
      if (!p) throw notFound('person', req.params.id);
      const members = await householdMembers(db, scope, p.household_id);
      await recordRead(db, clock, principal, {
        action: 'person.read',
        subjectType: 'person',
        subjectId: p.id,
        areaCode: p.area_code,
      });
      return {
        ...presentPerson(p, today),
        household: members.map((m) => presentPerson(m, today)),
        can: can(principal, 'person.unmask') ? ['unmask'] : [],
      };
    },
  );

  r.post(
    '/persons/:id/unmask',
    {
      config: { permission: 'person.unmask' },
      schema: {
        tags: ['registry'],
        summary:
          'The full ID number and phone of one person; needs a reason, and is recorded in the audit log',
        params: z.object({ id: z.coerce.number().int().positive() }),
        body: z.object({ reason: z.string().trim().min(4, 'say why, in a few words').max(500) }),
        response: { 200: z.object({ id: z.number(), id_number: z.string(), phone: z.string().nullable() }) },
      },
    },
    async (req) => {
      const principal = principalOf(req);
      return db.transaction(async (tx) => {
        const p = await getPerson(tx, scopeOf(principal), req.params.id);
        if (!p) throw notFound('person', req.params.id);
        await appendAudit(tx, clock, principal, {
          action: 'person.unmask',
          subjectType: 'person',
          subjectId: p.id,
          areaCode: p.area_code,
          reason: req.body.reason,
          details: { fields: ['id_number', 'phone'] },
        });
        return { id: p.id, id_number: p.id_number, phone: p.phone };
      });
    },
  );
};

import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { notFound } from '../../lib/errors.ts';
import { presentPerson } from './presenters.ts';
import {
  areaChildren,
  areaPath,
  getArea,
  getPerson,
  householdMembers,
  listPersons,
  registryStats,
} from './queries.ts';

const AreaCode = z
  .string()
  .regex(/^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12}|\d{15})$/, 'an area code has 2, 4, 6, 9, 12 or 15 digits');
const RiskStatus = z.enum([
  'none',
  'pool_held',
  'suspected',
  'case',
  'close_contact',
  'secondary_contact',
  'general_contact',
  'released',
  'discharged',
  'home_monitoring',
]);

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
}

/** Until accounts and jurisdictions land, every caller's jurisdiction is the whole registry (prefix ''). */
const WHOLE_REGISTRY = '';

export const registryRoutes: FastifyPluginAsync<RegistryDeps> = async (app, { db, clock }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/stats',
    {
      schema: {
        tags: ['registry'],
        summary: 'Counts of areas, people, households, sites, rooms, beds, labs, vehicles',
      },
    },
    async () => registryStats(db),
  );

  r.get(
    '/areas',
    {
      schema: {
        tags: ['registry'],
        summary: 'Top-level areas (provinces), or the children of ?parent= with their resident counts',
        querystring: z.object({ parent: AreaCode.optional() }),
        response: { 200: z.object({ items: z.array(Area.extend({ persons: z.number() })) }) },
      },
    },
    async (req) => {
      if (req.query.parent && !(await getArea(db, req.query.parent)))
        throw notFound('area', req.query.parent);
      return { items: await areaChildren(db, req.query.parent ?? null) };
    },
  );

  r.get(
    '/areas/:code',
    {
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
      schema: {
        tags: ['registry'],
        summary: 'People in an area (ID numbers and phones masked), keyset-paginated by id',
        querystring: z.object({
          area: AreaCode.optional(),
          risk_status: RiskStatus.optional(),
          q: z.string().min(1).max(50).optional(),
          after: z.coerce.number().int().min(0).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ items: z.array(Person), next_after: z.number().nullable() }) },
      },
    },
    async (req) => {
      const q = req.query;
      const rows = await listPersons(db, {
        areaPrefix: q.area ?? WHOLE_REGISTRY,
        riskStatus: q.risk_status,
        q: q.q,
        after: q.after,
        limit: q.limit,
      });
      const today = clock.now();
      return {
        items: rows.map((p) => presentPerson(p, today)),
        next_after: rows.length === q.limit ? (rows.at(-1)?.id ?? null) : null,
      };
    },
  );

  r.get(
    '/persons/:id',
    {
      schema: {
        tags: ['registry'],
        summary: 'One person with the members of their household',
        params: z.object({ id: z.coerce.number().int().positive() }),
        response: { 200: Person.extend({ household: z.array(Person) }) },
      },
    },
    async (req) => {
      const p = await getPerson(db, req.params.id, WHOLE_REGISTRY);
      if (!p) throw notFound('person', req.params.id);
      const today = clock.now();
      const members = await householdMembers(db, p.household_id, WHOLE_REGISTRY);
      return { ...presentPerson(p, today), household: members.map((m) => presentPerson(m, today)) };
    },
  );
};

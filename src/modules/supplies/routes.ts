/**
 * HTTP API of supplies (保供): `supply.request` (community workers, site managers, dispatchers, commanders) files
 * requests for households and compounds in lockdown and control zones, follows them and records the last metre
 * (handed to the household, by a named worker or volunteer); `supply.dispatch` (dispatchers, commanders) sets up
 * depots and receives stock, reads the planner's proposals, confirms deliveries and records dispatched and at the
 * gate. Writes are audited in their transaction; reads of people are audited as `person.list` / `person.read`.
 * docs/SUPPLIES.md has the whole design.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db, Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { SUPPLY_CATEGORIES } from '../../domain/supply-plan.ts';
import { AreaCode } from '../../lib/area-code.ts';
import { principalOf } from '../../server/auth.ts';
import { sendExport } from '../../server/list-export.ts';
import { type AuditEntry, appendAudit, recordRead } from '../access/audit.ts';
import { narrowOrRefuse, scopeOf } from '../access/scope.ts';
import { createDelivery, handRequest, recordDeliveryStep } from './deliveries.ts';
import { createDepot, listDepots, receiveStock } from './depots.ts';
import { shortfalls, supplyFigures } from './figures.ts';
import {
  countDeliveries,
  countRequests,
  deliveryExport,
  getRequest,
  listDeliveries,
  listRequests,
  requestExport,
} from './lists.ts';
import { proposePlan, refreshShortfall } from './planning.ts';
import { createRequest, REQUEST_STATUSES } from './requests.ts';

const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const Key = z.string().min(8).max(64);
const Category = z.enum(SUPPLY_CATEGORIES);
const Packs = z.number().int().min(1).max(10_000);
const Worker = z.string().trim().min(1).max(50);
const HOUR = 3_600_000;

export const suppliesRoutes: FastifyPluginAsync<{ db: Db; clock: Clock }> = async (app, { db, clock }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  /** A write: the work, the shortfall recomputed, then the audit entry, all in one transaction. */
  const write = <T>(
    p: Parameters<typeof appendAudit>[2],
    work: (tx: Queryable) => Promise<T>,
    audit: (out: T) => AuditEntry | null,
  ) =>
    db.transaction(async (tx) => {
      const out = await work(tx);
      const entry = audit(out);
      if (entry) {
        await refreshShortfall(tx, clock.now());
        await appendAudit(tx, clock, p, entry);
      }
      return out;
    });

  r.get(
    '/supplies/depots',
    {
      config: { permission: 'supply.request' },
      schema: {
        tags: ['supplies'],
        summary:
          'Depots standing in or serving my jurisdiction (the city’s and the district’s), with stock, held by planned deliveries and available per category',
      },
    },
    async (req) => ({ items: await listDepots(db, scopeOf(principalOf(req)), clock.now()) }),
  );

  r.post(
    '/supplies/depots',
    {
      config: { permission: 'supply.dispatch' },
      schema: {
        tags: ['supplies'],
        summary:
          'Set up a depot in an area of my jurisdiction (local, or another city’s support shipment with its origin and arrival) with its first stock',
        body: z.object({
          name: z.string().trim().min(1).max(100),
          area_code: AreaCode,
          source: z.enum(['local', 'support']).default('local'),
          origin: z.string().trim().max(100).default(''),
          arrives_at: z.iso.datetime({ offset: true }).optional(),
          stock: z
            .object(
              Object.fromEntries(
                SUPPLY_CATEGORIES.map((c) => [c, z.number().int().min(0).max(1_000_000).optional()]),
              ) as Record<(typeof SUPPLY_CATEGORIES)[number], z.ZodOptional<z.ZodNumber>>,
            )
            .strict()
            .default({}),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      return write(
        p,
        (tx) =>
          createDepot(
            tx,
            clock,
            {
              name: b.name,
              areaCode: b.area_code,
              source: b.source,
              origin: b.origin,
              arrivesAt: b.arrives_at ? new Date(b.arrives_at) : undefined,
              stock: b.stock,
            },
            p.name,
            scopeOf(p),
          ),
        (d) => ({
          action: 'supplies.depot_created',
          subjectType: 'supply_depot',
          subjectId: d.id,
          areaCode: d.area_code,
          details: { source: d.source, origin: d.origin, stock: b.stock },
        }),
      );
    },
  );

  r.post(
    '/supplies/depots/:id/receipts',
    {
      config: { permission: 'supply.dispatch' },
      schema: {
        tags: ['supplies'],
        summary: 'Receive stock at a depot of my jurisdiction, packs per category; idempotent by key',
        params: z.object({ id: Id }),
        body: z.object({
          key: Key,
          items: z
            .array(z.object({ category: Category, quantity: Packs }))
            .min(1)
            .max(5),
          note: z.string().trim().max(200).default(''),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      const out = await write(
        p,
        (tx) => receiveStock(tx, clock, req.params.id, b, p.name, scopeOf(p)),
        (o) =>
          o.duplicate
            ? null
            : {
                action: 'supplies.stock_received',
                subjectType: 'supply_depot',
                subjectId: o.depot.id,
                areaCode: o.depot.area_code,
                details: { items: b.items },
              },
      );
      return { duplicate: out.duplicate, depot_id: out.depot.id };
    },
  );

  r.post(
    '/supplies/requests',
    {
      config: { permission: 'supply.request' },
      schema: {
        tags: ['supplies'],
        summary:
          'File a supplies request for a household (a person of my jurisdiction) or a compound (a community or grid code) in a lockdown or control zone; idempotent by key',
        body: z.object({
          key: Key,
          person_id: Id.optional(),
          area_code: AreaCode.optional(),
          urgency: z.enum(['urgent', 'normal']).default('normal'),
          items: z
            .array(
              z.object({
                category: Category,
                quantity: Packs,
                detail: z.string().trim().max(200).default(''),
              }),
            )
            .min(1)
            .max(5),
          note: z.string().trim().max(500).default(''),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      const out = await write(
        p,
        (tx) =>
          createRequest(
            tx,
            clock,
            {
              key: b.key,
              personId: b.person_id,
              areaCode: b.area_code,
              urgency: b.urgency,
              items: b.items,
              note: b.note,
            },
            p.name,
            scopeOf(p),
          ),
        (o) =>
          o.duplicate
            ? null
            : {
                action: 'supplies.requested',
                subjectType: 'supply_request',
                subjectId: o.request.id,
                areaCode: o.request.area_code,
                details: {
                  person_id: o.request.person_id,
                  urgency: o.request.urgency,
                  zone: o.request.zone_level,
                  items: b.items.map((i) => [i.category, i.quantity]),
                },
              },
      );
      return {
        duplicate: out.duplicate,
        request: await db.transaction((tx) => getRequest(tx, scopeOf(p), out.request.id, clock.now())),
      };
    },
  );

  const RequestFilters = {
    status: z.enum(REQUEST_STATUSES).optional(),
    open: z.enum(['true', 'false']).optional(),
    late: z.enum(['true', 'false']).optional(),
    area: AreaCode.optional(),
  };
  const filterOf = (q: { status?: string; open?: string; late?: string }) => ({
    status: q.status,
    open: q.open === 'true',
    late: q.late === 'true',
  });

  r.get(
    '/supplies/requests',
    {
      config: { permission: 'supply.request' },
      schema: {
        tags: ['supplies'],
        summary:
          'Supplies requests of my jurisdiction, newest first, with items, steps, lateness and shortfall; keyset pages (`after` the last id, `next_after`), the first page with the total for the filters',
        querystring: z.object({
          ...RequestFilters,
          after: Id.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const q = req.query;
      const scope = narrowOrRefuse(scopeOf(p), q.area);
      if (!scope) return { items: [], next_after: null, total: 0 };
      const f = filterOf(q);
      const now = clock.now();
      const items = await listRequests(db, scope, f, { after: q.after, limit: q.limit }, now);
      // The first page carries the list's size: the page says how many, the export holds them all.
      const total =
        q.after !== undefined
          ? null
          : items.length < q.limit
            ? items.length
            : await countRequests(db, scope, f, now);
      if (items.some((i) => i.person_id !== null))
        await recordRead(db, clock, p, {
          action: 'person.list',
          subjectType: 'supply_request',
          areaCode: scope.prefix || undefined,
          details: { list: 'supply_requests', count: items.length },
        });
      const last = items.at(-1);
      return { items, next_after: items.length === q.limit && last ? last.id : null, total };
    },
  );

  r.get(
    '/supplies/requests/export',
    {
      config: { permission: 'supply.request' },
      schema: {
        tags: ['supplies'],
        summary:
          'All supplies requests of the list (same filters) as CSV or Excel, in words, streamed: residents’ names masked as on the list',
        querystring: z.object({
          ...RequestFilters,
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
        subjectType: 'supply_request',
        areaCode: scope.prefix || undefined,
        details: { list: 'supply_requests', export: q.format },
      });
      return sendExport(reply, db, requestExport(db, scope, filterOf(q), clock.now()), q.format, q.lang);
    },
  );

  r.get(
    '/supplies/requests/:id',
    {
      config: { permission: 'supply.request' },
      schema: {
        tags: ['supplies'],
        summary: 'One supplies request of my jurisdiction',
        params: z.object({ id: Id }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const one = await getRequest(db, scopeOf(p), req.params.id, clock.now());
      if (one.person_id !== null)
        await recordRead(db, clock, p, {
          action: 'person.read',
          subjectType: 'supply_request',
          subjectId: one.id,
          areaCode: one.area_code,
        });
      return one;
    },
  );

  r.post(
    '/supplies/requests/:id/handed',
    {
      config: { permission: 'supply.request' },
      schema: {
        tags: ['supplies'],
        summary:
          'The last metre: the request was handed to the household (at the door, or picked up at the gate) by a named community worker or volunteer',
        params: z.object({ id: Id }),
        body: z.object({
          key: Key.optional(),
          worker: Worker,
          worker_kind: z.enum(['community_worker', 'volunteer']),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      const out = await write(
        p,
        (tx) =>
          handRequest(
            tx,
            clock,
            req.params.id,
            { key: b.key, worker: b.worker, workerKind: b.worker_kind },
            p.name,
            scopeOf(p),
          ),
        (o) =>
          o.already
            ? null
            : {
                action: 'supplies.handed',
                subjectType: 'supply_request',
                subjectId: o.request.id,
                areaCode: o.request.area_code,
                details: { worker: b.worker, worker_kind: b.worker_kind, deliver_to: o.request.deliver_to },
              },
      );
      return {
        already: out.already,
        request: await db.transaction((tx) => getRequest(tx, scopeOf(p), out.request.id, clock.now())),
      };
    },
  );

  r.get(
    '/supplies/plan',
    {
      config: { permission: 'supply.dispatch' },
      schema: {
        tags: ['supplies'],
        summary:
          'The planner’s proposals for my jurisdiction: open requests allocated to depots by urgency, then age, nearest depot covering a request whole; the requests it cannot cover and what they lack',
      },
    },
    async (req) => proposePlan(db, scopeOf(principalOf(req)), clock.now()),
  );

  r.get(
    '/supplies/deliveries',
    {
      config: { permission: 'supply.request' },
      schema: {
        tags: ['supplies'],
        summary:
          'Deliveries to compounds of my jurisdiction, newest first, with their steps; keyset pages (`after`, `next_after`), the first page with the total',
        querystring: z.object({
          after: Id.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const scope = scopeOf(principalOf(req));
      const items = await listDeliveries(db, scope, { after: q.after, limit: q.limit });
      const total =
        q.after !== undefined
          ? null
          : items.length < q.limit
            ? items.length
            : await countDeliveries(db, scope);
      const last = items.at(-1);
      return { items, next_after: items.length === q.limit && last ? last.id : null, total };
    },
  );

  r.get(
    '/supplies/deliveries/export',
    {
      config: { permission: 'supply.request' },
      schema: {
        tags: ['supplies'],
        summary: 'All deliveries to compounds of my jurisdiction as CSV or Excel, in words, streamed',
        querystring: z.object({
          format: z.enum(['csv', 'xlsx']).default('xlsx'),
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      await recordRead(db, clock, p, {
        action: 'supplies.deliveries_exported',
        subjectType: 'supply_delivery',
        areaCode: p.jurisdiction || undefined,
        details: { list: 'supply_deliveries', export: req.query.format },
      });
      return sendExport(reply, db, deliveryExport(db, scopeOf(p)), req.query.format, req.query.lang);
    },
  );

  r.post(
    '/supplies/deliveries',
    {
      config: { permission: 'supply.dispatch' },
      schema: {
        tags: ['supplies'],
        summary:
          'Confirm a delivery from a depot to a compound of my jurisdiction (a community or grid) carrying its open requests (named, or all the depot covers); idempotent by key',
        body: z.object({
          key: Key,
          depot_id: Id,
          area_code: AreaCode,
          request_ids: z.array(Id).max(500).optional(),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      const out = await write(
        p,
        (tx) =>
          createDelivery(
            tx,
            clock,
            { key: b.key, depotId: b.depot_id, areaCode: b.area_code, requestIds: b.request_ids },
            p.name,
            scopeOf(p),
          ),
        (o) =>
          o.duplicate
            ? null
            : {
                action: 'supplies.delivery_planned',
                subjectType: 'supply_delivery',
                subjectId: o.delivery.id,
                areaCode: o.delivery.area_code,
                details: { depot_id: b.depot_id, request_ids: o.request_ids },
              },
      );
      return {
        duplicate: out.duplicate,
        delivery_id: out.delivery.id,
        status: out.delivery.status,
        request_ids: out.request_ids,
      };
    },
  );

  for (const [path, step] of [
    ['dispatched', 'dispatched'],
    ['at-gate', 'at_gate'],
  ] as const)
    r.post(
      `/supplies/deliveries/:id/${path}`,
      {
        config: { permission: 'supply.dispatch' },
        schema: {
          tags: ['supplies'],
          summary:
            step === 'dispatched'
              ? 'The delivery left the depot: its packs leave the stock (never below zero)'
              : 'The delivery is at the compound’s gate',
          params: z.object({ id: Id }),
          body: z
            .object({ key: Key.optional(), worker: z.string().trim().max(50).default('') })
            .default({ worker: '' }),
        },
      },
      async (req) => {
        const p = principalOf(req);
        const out = await write(
          p,
          (tx) => recordDeliveryStep(tx, clock, req.params.id, step, req.body, p.name, scopeOf(p)),
          (o) =>
            o.already
              ? null
              : {
                  action: `supplies.${step}`,
                  subjectType: 'supply_delivery',
                  subjectId: o.delivery.id,
                  areaCode: o.delivery.area_code,
                  details: { worker: req.body.worker },
                },
        );
        return { already: out.already, delivery_id: out.delivery.id, status: out.delivery.status };
      },
    );

  r.get(
    '/supplies/summary',
    {
      config: { permission: 'supply.request' },
      schema: {
        tags: ['supplies'],
        summary:
          'Today’s figures of my jurisdiction (the dashboard’s and the daily report’s definitions) and the shortfall per community and category',
      },
    },
    async (req) => {
      const scope = scopeOf(principalOf(req));
      const now = clock.now();
      const day = new Date(now.getTime() + 8 * HOUR).toISOString().slice(0, 10);
      const from = new Date(`${day}T00:00:00+08:00`);
      return {
        now: now.toISOString(),
        figures: await supplyFigures(db, scope, from, new Date(from.getTime() + 24 * HOUR), now),
        shortfalls: await shortfalls(db, scope),
      };
    },
  );
};

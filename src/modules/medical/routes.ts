/**
 * HTTP API of medical needs (就医): `medical.request` (community workers, site managers, dispatchers, commanders)
 * files requests for people under control in the jurisdiction and follows them; `medical.dispatch` (dispatchers,
 * commanders) sets hospitals' colours and capacities, routes, assigns vehicles and records the steps and refusals.
 * Writes are audited in their transaction; reads of people are audited as `person.list` / `person.read`.
 * docs/MEDICAL.md has the whole design.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db, Queryable } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { CODE_COLOURS, MEDICAL_SERVICES } from '../../domain/medical-routing.ts';
import { AreaCode } from '../../lib/area-code.ts';
import { principalOf } from '../../server/auth.ts';
import { sendExport } from '../../server/list-export.ts';
import { appendAudit, auditPeopleListed, recordRead } from '../access/audit.ts';
import type { Principal } from '../access/principal.ts';
import { narrowOrRefuse, scopeOf } from '../access/scope.ts';
import { emergencyClock } from './emergency-clock.ts';
import { createHospital, listHospitals, updateHospital } from './hospitals.ts';
import { refuseRequest } from './refusal.ts';
import {
  countRefusals,
  countRequests,
  getRequest,
  listRefusals,
  listRequests,
  presentRequest,
  refusalExport,
  requestExport,
} from './request-list.ts';
import { createRequest, REQUEST_STATUSES, type RequestRow, URGENCIES } from './requests.ts';
import { routeRequest } from './routing.ts';
import { recordStep } from './steps.ts';
import { assignVehicle, fleet } from './transport.ts';

const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const Capacity = z.number().int().min(0).max(100_000);
const Services = z
  .object(
    Object.fromEntries(MEDICAL_SERVICES.map((s) => [s, Capacity.optional()])) as Record<
      (typeof MEDICAL_SERVICES)[number],
      z.ZodOptional<typeof Capacity>
    >,
  )
  .strict();
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day, YYYY-MM-DD');

export const medicalRoutes: FastifyPluginAsync<{ db: Db; clock: Clock }> = async (app, { db, clock }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  /** One step of a request: in a transaction, audited with the step, answered as the request now is. */
  const step = async (
    p: Principal,
    action: string,
    work: (tx: Queryable) => Promise<{
      request: RequestRow;
      already: boolean;
      [k: string]: unknown;
    }>,
    details: Record<string, unknown> = {},
    reason?: string,
  ) =>
    db.transaction(async (tx) => {
      const out = await work(tx);
      if (!out.already)
        await appendAudit(tx, clock, p, {
          action,
          subjectType: 'medical_request',
          subjectId: out.request.id,
          areaCode: out.request.area_code,
          details: { ...details, status: out.request.status },
          ...(reason ? { reason } : {}),
        });
      const { request, ...rest } = out;
      return { ...rest, request: presentRequest(request) };
    });

  r.get(
    '/medical/hospitals',
    {
      config: { permission: 'medical.request' },
      schema: {
        tags: ['medical'],
        summary:
          'Hospitals (city-wide: routing crosses districts) with their code colour and, per service, capacity, used and free on a Beijing day (today by default)',
        querystring: z.object({ day: Day.optional() }),
      },
    },
    async (req) => ({ items: await listHospitals(db, clock.now(), req.query.day) }),
  );

  r.post(
    '/medical/hospitals',
    {
      config: { permission: 'medical.dispatch' },
      schema: {
        tags: ['medical'],
        summary:
          'Set up a hospital in an area of my jurisdiction: its code colour (red/yellow/green) and daily capacity per service',
        body: z.object({
          name: z.string().trim().min(1).max(100),
          area_code: AreaCode,
          address: z.string().trim().max(200).default(''),
          code_colour: z.enum(CODE_COLOURS),
          site_id: Id.optional(),
          services: Services.default({}),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      return db.transaction(async (tx) => {
        const h = await createHospital(
          tx,
          clock,
          {
            name: b.name,
            areaCode: b.area_code,
            address: b.address,
            codeColour: b.code_colour,
            siteId: b.site_id,
            services: b.services,
          },
          p.name,
          p.jurisdiction,
        );
        await appendAudit(tx, clock, p, {
          action: 'medical.hospital_created',
          subjectType: 'hospital',
          subjectId: h.id,
          areaCode: h.area_code,
          details: { colour: h.code_colour, services: b.services },
        });
        return h;
      });
    },
  );

  r.patch(
    '/medical/hospitals/:id',
    {
      config: { permission: 'medical.dispatch' },
      schema: {
        tags: ['medical'],
        summary:
          'Change a hospital of my jurisdiction: its code colour, whether it takes requests, its capacities',
        params: z.object({ id: Id }),
        body: z.object({
          code_colour: z.enum(CODE_COLOURS).optional(),
          active: z.boolean().optional(),
          services: Services.optional(),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      return db.transaction(async (tx) => {
        const { before, after } = await updateHospital(
          tx,
          clock,
          req.params.id,
          { codeColour: b.code_colour, active: b.active, services: b.services },
          p.name,
          p.jurisdiction,
        );
        await appendAudit(tx, clock, p, {
          action: 'medical.hospital_changed',
          subjectType: 'hospital',
          subjectId: after.id,
          areaCode: after.area_code,
          details: {
            colour: [before.code_colour, after.code_colour],
            active: [before.active, after.active],
            ...(b.services ? { services: b.services } : {}),
          },
        });
        return after;
      });
    },
  );

  r.get(
    '/medical/vehicles',
    {
      config: { permission: 'medical.dispatch' },
      schema: {
        tags: ['medical'],
        summary: "The transfer module's fleet with what each vehicle is doing now (ambulances first)",
        querystring: z.object({ ambulances: z.enum(['true', 'false']).optional() }),
      },
    },
    async (req) => ({ items: await fleet(db, req.query.ambulances === 'true') }),
  );

  r.post(
    '/medical/requests',
    {
      config: { permission: 'medical.request' },
      schema: {
        tags: ['medical'],
        summary:
          'File a request for care for a person of my jurisdiction under control (in quarantine, at a home stay, or living in a lockdown or control zone); idempotent by key',
        body: z.object({
          key: z.string().min(8).max(64),
          person_id: Id,
          service: z.enum(MEDICAL_SERVICES),
          urgency: z.enum(URGENCIES),
          contact_phone: z.string().max(40).optional(),
          note: z.string().trim().max(500).default(''),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      return db.transaction(async (tx) => {
        const out = await createRequest(
          tx,
          clock,
          {
            key: b.key,
            personId: b.person_id,
            service: b.service,
            urgency: b.urgency,
            contactPhone: b.contact_phone,
            note: b.note,
          },
          p.name,
          scopeOf(p),
        );
        if (!out.duplicate)
          await appendAudit(tx, clock, p, {
            action: 'medical.requested',
            subjectType: 'medical_request',
            subjectId: out.request.id,
            areaCode: out.request.area_code,
            details: {
              person_id: out.request.person_id,
              service: out.request.service,
              urgency: out.request.urgency,
              colour: out.request.code_colour,
            },
          });
        return { duplicate: out.duplicate, request: presentRequest(out.request) };
      });
    },
  );

  const RequestFilters = {
    status: z.enum(REQUEST_STATUSES).optional(),
    urgency: z.enum(URGENCIES).optional(),
    open: z.enum(['true', 'false']).optional(),
    area: AreaCode.optional(),
  };
  const filterOf = (q: { status?: string; urgency?: string; open?: string }) => ({
    status: q.status,
    urgency: q.urgency,
    open: q.open === 'true',
  });

  r.get(
    '/medical/requests',
    {
      config: { permission: 'medical.request' },
      schema: {
        tags: ['medical'],
        summary:
          'Requests of my jurisdiction, newest first, with each step’s time; keyset pages (`after` the last id, `next_after`), the first page with the total for the filters',
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
      const items = await listRequests(db, scope, f, { after: q.after, limit: q.limit });
      // The first page carries the list's size: the page says how many, the export holds them all.
      const total =
        q.after !== undefined
          ? null
          : items.length < q.limit
            ? items.length
            : await countRequests(db, scope, f);
      await auditPeopleListed(db, clock, p, {
        list: 'medical_requests',
        subjectType: 'medical_request',
        areaCode: scope.prefix,
        count: items.length,
      });
      const last = items.at(-1);
      return { items, next_after: items.length === q.limit && last ? last.id : null, total };
    },
  );

  r.get(
    '/medical/requests/export',
    {
      config: { permission: 'medical.request' },
      schema: {
        tags: ['medical'],
        summary:
          'All requests of the list (same filters) as CSV or Excel, in words, streamed: names, ID numbers and phones masked as on the list',
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
        subjectType: 'medical_request',
        areaCode: scope.prefix || undefined,
        details: { list: 'medical_requests', export: q.format },
      });
      return sendExport(reply, db, requestExport(db, scope, filterOf(q)), q.format, q.lang);
    },
  );

  r.get(
    '/medical/emergencies',
    {
      config: { permission: 'medical.request' },
      schema: {
        tags: ['medical'],
        summary:
          'The emergency clock: open emergencies of my jurisdiction with minutes since asked and since the last step; stalled after 30 minutes without a step',
      },
    },
    async (req) => {
      const p = principalOf(req);
      const items = await emergencyClock(db, scopeOf(p), clock.now());
      await auditPeopleListed(db, clock, p, {
        list: 'medical_emergencies',
        subjectType: 'medical_request',
        areaCode: p.jurisdiction,
        count: items.length,
      });
      return { now: clock.now().toISOString(), items };
    },
  );

  r.get(
    '/medical/refusals',
    {
      config: { permission: 'medical.request' },
      schema: {
        tags: ['medical'],
        summary:
          'Refusals of requests of my jurisdiction, newest first: hospital, step, reason, who recorded it; keyset pages (`after`, `next_after`), the first page with the total',
        querystring: z.object({
          after: Id.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const q = req.query;
      const scope = scopeOf(p);
      const items = await listRefusals(db, scope, { after: q.after, limit: q.limit });
      const total =
        q.after !== undefined ? null : items.length < q.limit ? items.length : await countRefusals(db, scope);
      await auditPeopleListed(db, clock, p, {
        list: 'medical_refusals',
        subjectType: 'medical_request',
        areaCode: p.jurisdiction,
        count: items.length,
      });
      const last = items.at(-1);
      return { items, next_after: items.length === q.limit && last ? last.id : null, total };
    },
  );

  r.get(
    '/medical/refusals/export',
    {
      config: { permission: 'medical.request' },
      schema: {
        tags: ['medical'],
        summary:
          'All refusals of my jurisdiction as CSV or Excel, in words, streamed (the patient by name for those who may read people)',
        querystring: z.object({
          format: z.enum(['csv', 'xlsx']).default('xlsx'),
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const names = p.permissions.has('person.read');
      await recordRead(db, clock, p, {
        action: names ? 'person.exported' : 'medical.refusals_exported',
        subjectType: 'medical_request',
        areaCode: p.jurisdiction || undefined,
        details: { list: 'medical_refusals', export: req.query.format },
      });
      return sendExport(reply, db, refusalExport(db, scopeOf(p), names), req.query.format, req.query.lang);
    },
  );

  r.get(
    '/medical/requests/:id',
    {
      config: { permission: 'medical.request' },
      schema: {
        tags: ['medical'],
        summary: 'One request of my jurisdiction with its steps and refusals',
        params: z.object({ id: Id }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const one = await getRequest(db, scopeOf(p), req.params.id);
      await recordRead(db, clock, p, {
        action: 'person.read',
        subjectType: 'medical_request',
        subjectId: one.id,
        areaCode: one.area_code,
      });
      return one;
    },
  );

  r.post(
    '/medical/requests/:id/route',
    {
      config: { permission: 'medical.dispatch' },
      schema: {
        tags: ['medical'],
        summary:
          'Route (or reroute after a refusal) a request of my jurisdiction: the nearest adequate hospital of the patient’s colour, or the one named, checked by the same rules',
        params: z.object({ id: Id }),
        body: z.object({ hospital_id: Id.optional() }).default({}),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return step(
        p,
        'medical.routed',
        (tx) => routeRequest(tx, clock, req.params.id, req.body.hospital_id, p.name, scopeOf(p)),
        { hospital_id: req.body.hospital_id ?? null },
      );
    },
  );

  r.post(
    '/medical/requests/:id/vehicle',
    {
      config: { permission: 'medical.dispatch' },
      schema: {
        tags: ['medical'],
        summary: 'Assign a vehicle of the fleet to a routed request (an ambulance for an emergency)',
        params: z.object({ id: Id }),
        body: z.object({ vehicle_id: Id }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return step(
        p,
        'medical.vehicle_assigned',
        (tx) => assignVehicle(tx, clock, req.params.id, req.body.vehicle_id, scopeOf(p)),
        { vehicle_id: req.body.vehicle_id },
      );
    },
  );

  r.post(
    '/medical/requests/:id/at-hospital',
    {
      config: { permission: 'medical.dispatch' },
      schema: {
        tags: ['medical'],
        summary: 'Record that the patient is at the hospital',
        params: z.object({ id: Id }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return step(p, 'medical.at_hospital', (tx) =>
        recordStep(tx, clock, req.params.id, 'at_hospital', scopeOf(p)),
      );
    },
  );

  r.post(
    '/medical/requests/:id/treated',
    {
      config: { permission: 'medical.dispatch' },
      schema: {
        tags: ['medical'],
        summary: 'Record that the patient was treated (the request is met)',
        params: z.object({ id: Id }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return step(p, 'medical.treated', (tx) => recordStep(tx, clock, req.params.id, 'treated', scopeOf(p)));
    },
  );

  r.post(
    '/medical/requests/:id/refuse',
    {
      config: { permission: 'medical.dispatch' },
      schema: {
        tags: ['medical'],
        summary:
          'Record that the hospital refused the patient, with the reason: a task due at once on the responsibility list; reroute next',
        params: z.object({ id: Id }),
        body: z.object({ reason: z.string().trim().min(2).max(500) }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return step(
        p,
        'medical.refused',
        (tx) => refuseRequest(tx, clock, req.params.id, req.body.reason, p.name, scopeOf(p)),
        {},
        req.body.reason,
      );
    },
  );
};

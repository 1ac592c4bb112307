/**
 * HTTP API of environmental disinfection (环境消杀, docs/DISINFECTION.md): managers (`disinfection.manage`) set up
 * places with their frequency and owner in their jurisdiction and take them out of service; disinfection teams
 * (`disinfection.record`) see the day's due and late disinfections and the places, and record what they did.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AreaCode } from '../../lib/area-code.ts';
import { Instant, PlausibleDate, refuseFutureDate } from '../../lib/instant.ts';
import { principalOf } from '../../server/auth.ts';
import { appendAudit } from '../access/audit.ts';
import { narrowOrRefuse, scopeOf } from '../access/scope.ts';
import { recordDisinfection } from './completion.ts';
import { disinfectionFigures, dueList } from './lists.ts';
import { createPlace, listPlaces, setPlaceActive } from './places.ts';
import { AGENTS, beijingDay, PLACE_KINDS } from './rules.ts';

const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const Text = (max: number) => z.string().trim().min(1).max(max);

export const disinfectionRoutes: FastifyPluginAsync<{ db: Db; clock: Clock }> = async (
  app,
  { db, clock },
) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/disinfection/places',
    {
      config: { permission: 'disinfection.manage' },
      schema: {
        tags: ['disinfection'],
        summary:
          'Set up a place to disinfect (消杀点位) in an area of my jurisdiction (district or smaller): its kind, owner and frequency (every N hours from a first time, once at a time, or only when a case triggers it)',
        body: z.object({
          kind: z.enum(PLACE_KINDS),
          name: Text(200),
          area_code: z
            .string()
            .regex(/^(\d{6}|\d{9}|\d{12}|\d{15})$/, 'a place is in a district, street, community or grid'),
          building_id: Id.optional(),
          venue_id: Id.optional(),
          site_id: Id.optional(),
          vehicle_id: Id.optional(),
          every_hours: z.number().int().min(1).max(168).optional(),
          starts_at: Instant.optional(),
          owner: Text(100),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      return db.transaction(async (tx) => {
        const place = await createPlace(
          tx,
          clock,
          {
            kind: b.kind,
            name: b.name,
            areaCode: b.area_code,
            buildingId: b.building_id,
            venueId: b.venue_id,
            siteId: b.site_id,
            vehicleId: b.vehicle_id,
            everyHours: b.every_hours,
            startsAt: b.starts_at,
            owner: b.owner,
          },
          p.name,
          scopeOf(p),
        );
        await appendAudit(tx, clock, p, {
          action: 'disinfection.place_created',
          subjectType: 'disinfection_place',
          subjectId: place.id,
          areaCode: place.area_code,
          details: { kind: place.kind, name: place.name, every_hours: place.every_hours },
        });
        return place;
      });
    },
  );

  r.get(
    '/disinfection/places',
    {
      config: { permission: 'disinfection.record' },
      schema: {
        tags: ['disinfection'],
        summary:
          'Places to disinfect of my jurisdiction, with their open and late disinfections, the next one due and the last one done',
        querystring: z.object({
          area: AreaCode.optional(),
          kind: z.enum(PLACE_KINDS).optional(),
          active: z.enum(['true', 'false']).optional(),
          q: z.string().trim().max(50).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const scope = narrowOrRefuse(scopeOf(principalOf(req)), q.area);
      if (!scope) return { items: [], total: 0 };
      return listPlaces(
        db,
        scope,
        {
          kind: q.kind,
          active: q.active === undefined ? undefined : q.active === 'true',
          q: q.q || undefined,
        },
        clock.now(),
        q.limit,
      );
    },
  );

  r.post(
    '/disinfection/places/:id/active',
    {
      config: { permission: 'disinfection.manage' },
      schema: {
        tags: ['disinfection'],
        summary:
          'Take a place of my jurisdiction out of service (its disinfections not yet due are cancelled) or back in',
        params: z.object({ id: Id }),
        body: z.object({ active: z.boolean() }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const out = await setPlaceActive(tx, clock, req.params.id, req.body.active, scopeOf(p));
        await appendAudit(tx, clock, p, {
          action: req.body.active ? 'disinfection.place_activated' : 'disinfection.place_deactivated',
          subjectType: 'disinfection_place',
          subjectId: out.place.id,
          areaCode: out.place.area_code,
          details: { cancelled: out.cancelled },
        });
        return { ...out.place, cancelled: out.cancelled };
      });
    },
  );

  r.get(
    '/disinfection/due',
    {
      config: { permission: 'disinfection.record' },
      schema: {
        tags: ['disinfection'],
        summary:
          "A day's disinfections of my jurisdiction (today by default, Beijing time): those due that day and those late now, with the place's owner and the leader answering for each, and the day's figures",
        querystring: z.object({ area: AreaCode.optional(), date: PlausibleDate.optional() }),
      },
    },
    async (req) => {
      const now = clock.now();
      const date = req.query.date ?? beijingDay(now);
      refuseFutureDate(now, date, 'date');
      const scope = narrowOrRefuse(scopeOf(principalOf(req)), req.query.area);
      if (!scope)
        return {
          date,
          due: [],
          late: [],
          truncated: false,
          figures: { disinfections_due: 0, disinfections_done: 0, disinfections_late: 0 },
        };
      const lists = await dueList(db, scope, date, now);
      return { date, ...lists, figures: await disinfectionFigures(db, scope, date, now) };
    },
  );

  r.post(
    '/disinfection/records',
    {
      config: { permission: 'disinfection.record' },
      schema: {
        tags: ['disinfection'],
        summary:
          'Record a disinfection done at a place of my jurisdiction for one of its due times: when, the agent and its concentration (idempotent by the key: a resent record answers the same record)',
        body: z.object({
          key: z.string().min(8).max(64),
          place_id: Id,
          due_id: Id,
          done_at: Instant,
          agent: z.enum(AGENTS),
          concentration: Text(50).optional(),
          notes: z.string().trim().max(500).optional(),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      return db.transaction(async (tx) => {
        const out = await recordDisinfection(
          tx,
          clock,
          {
            key: b.key,
            placeId: b.place_id,
            dueId: b.due_id,
            doneAt: b.done_at,
            agent: b.agent,
            concentration: b.concentration,
            notes: b.notes || undefined,
          },
          { userId: p.kind === 'user' ? p.id : null, name: p.name },
          scopeOf(p),
        );
        if (!out.duplicate)
          await appendAudit(tx, clock, p, {
            action: 'disinfection.recorded',
            subjectType: 'disinfection_place',
            subjectId: out.record.place_id,
            areaCode: out.record.area_code,
            details: { record_id: out.record.id, due_id: out.record.due_id, agent: out.record.agent },
          });
        return { ...out.record, duplicate: out.duplicate };
      });
    },
  );
};

/** HTTP API of transfer: plan the day's trips, insert urgent people, the driver's steps, the trip list and the clocks. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { PlausibleDate } from '../../lib/instant.ts';
import { snakeKeys } from '../../lib/snake-keys.ts';
import { principalOf } from '../../server/auth.ts';
import { sendExport } from '../../server/list-export.ts';
import { appendAudit, recordRead } from '../access/audit.ts';
import { scopeOf } from '../access/scope.ts';
import { lateTransferExport } from './late-list.ts';
import { countTrips, listTrips, listVehicles, tripExport } from './trip-list.ts';
import {
  deliver,
  depart,
  disinfectVehicle,
  insertUrgentPeople,
  pickUp,
  planPendingTrips,
  transferClocks,
} from './trips.ts';

const Id = z.coerce.number().int().positive();

export const transferRoutes: FastifyPluginAsync<{ db: Db; clock: Clock }> = async (app, { db, clock }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/transfer/plan',
    {
      config: { permission: 'transfer.manage' },
      schema: {
        tags: ['transfer'],
        summary:
          "Plan the working day's trips for everyone placed and not yet on a trip (each vehicle a sequence of trips), " +
          'or, with `urgent`, insert those people into the plan (cheapest added km, or a new trip); each trip and ' +
          'each insertion explains itself, and who cannot be moved is listed with the reason',
        body: z
          .object({
            urgent: z.array(z.number().int().positive()).min(1).max(200).optional(),
            shift_start: z.iso.datetime({ offset: true }).optional(),
            window_hours: z.number().min(1).max(24).optional(),
          })
          .strict()
          .nullish(),
      },
    },
    async (req) => {
      const p = principalOf(req);
      // A shift is planned for the days around now: a start more than two days away is a typing mistake.
      if (req.body?.shift_start) {
        const start = new Date(req.body.shift_start).getTime();
        if (Math.abs(start - clock.now().getTime()) > 2 * 86_400_000)
          throw new AppError(
            400,
            'shift_start_implausible',
            `shift_start ${req.body.shift_start} is more than two days from now (${clock.now().toISOString()}): plan today's or tomorrow's shift`,
          );
      }
      const shift = {
        shiftStart: req.body?.shift_start ? new Date(req.body.shift_start) : undefined,
        windowHours: req.body?.window_hours,
      };
      const urgent = req.body?.urgent;
      return db.transaction(async (tx) => {
        if (urgent) {
          const r = await insertUrgentPeople(tx, clock, scopeOf(p), urgent, shift);
          await appendAudit(tx, clock, p, {
            action: 'transfer.urgent_inserted',
            subjectType: 'trip',
            areaCode: p.jurisdiction || undefined,
            details: {
              persons: urgent,
              trips: r.inserted.map((x) => x.tripId),
              waiting: r.waiting.flatMap((w) => w.personIds),
            },
          });
          return snakeKeys(r);
        }
        const plan = await planPendingTrips(tx, clock, scopeOf(p), shift);
        await appendAudit(tx, clock, p, {
          action: 'transfer.planned',
          subjectType: 'trip',
          areaCode: p.jurisdiction || undefined,
          details: { trips: plan.trips.length, passengers: plan.passengers, waiting: plan.waiting.length },
        });
        return snakeKeys(plan);
      });
    },
  );

  r.get(
    '/transfer/trips',
    {
      config: { permission: 'transfer.read' },
      schema: {
        tags: ['transfer'],
        summary:
          "Trips with pickups in my jurisdiction, with their passengers; with vehicle_id, that vehicle's day in order",
        querystring: z.object({
          status: z.enum(['planned', 'departed', 'delivered']).optional(),
          vehicle_id: Id.optional(),
        }),
      },
    },
    async (req) => {
      const scope = scopeOf(principalOf(req));
      const f = { status: req.query.status, vehicleId: req.query.vehicle_id };
      const [items, total] = await Promise.all([
        listTrips(db, scope, f, { limit: 200 }),
        countTrips(db, scope, f),
      ]);
      return { items, total };
    },
  );

  r.get(
    '/transfer/vehicles',
    {
      config: { permission: 'transfer.read' },
      schema: {
        tags: ['transfer'],
        summary:
          'Vehicles based in my jurisdiction or with an open trip picking up in it, with their open trips (a driver picks the vehicle to see its day)',
      },
    },
    async (req) => ({ items: await listVehicles(db, scopeOf(principalOf(req))) }),
  );

  r.get(
    '/transfer/trips/export',
    {
      config: { permission: 'transfer.read' },
      schema: {
        tags: ['transfer'],
        summary:
          'All trips with pickups in my jurisdiction (same filters) as CSV or Excel, in words, streamed',
        querystring: z.object({
          status: z.enum(['planned', 'departed', 'delivered']).optional(),
          vehicle_id: Id.optional(),
          format: z.enum(['csv', 'xlsx']).default('xlsx'),
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      await recordRead(db, clock, p, {
        action: 'transfer.trips_exported',
        subjectType: 'trip',
        areaCode: p.jurisdiction || undefined,
        details: { format: req.query.format, status: req.query.status ?? null },
      });
      const f = { status: req.query.status, vehicleId: req.query.vehicle_id };
      return sendExport(reply, db, tripExport(db, scopeOf(p), f), req.query.format, req.query.lang);
    },
  );

  r.post(
    '/transfer/trips/:id/depart',
    {
      config: { permission: 'transfer.drive' },
      schema: {
        tags: ['transfer'],
        summary:
          "The vehicle leaves for this trip: refused while an earlier trip of the vehicle's day is open " +
          '(previous_trip_open) or the vehicle awaits disinfection after cases (vehicle_not_disinfected)',
        params: z.object({ id: Id }),
      },
    },
    async (req) => db.transaction((tx) => depart(tx, clock, req.params.id, principalOf(req).jurisdiction)),
  );

  r.post(
    '/transfer/trips/:id/pickup',
    {
      config: { permission: 'transfer.drive' },
      schema: {
        tags: ['transfer'],
        summary: 'A passenger got on (or did not show up)',
        params: z.object({ id: Id }),
        body: z.object({ person_id: z.number().int().positive(), no_show: z.boolean().default(false) }),
      },
    },
    async (req) =>
      db.transaction((tx) =>
        pickUp(tx, clock, req.params.id, req.body.person_id, req.body.no_show, principalOf(req).jurisdiction),
      ),
  );

  r.post(
    '/transfer/trips/:id/deliver',
    {
      config: { permission: 'transfer.drive' },
      schema: {
        tags: ['transfer'],
        summary: 'Delivered at the site: the passengers arrive (their stays start)',
        params: z.object({ id: Id }),
        body: z.object({ site_id: z.number().int().positive() }),
      },
    },
    async (req) =>
      db.transaction((tx) =>
        deliver(tx, clock, req.params.id, req.body.site_id, principalOf(req).jurisdiction),
      ),
  );

  r.post(
    '/transfer/trips/:id/disinfected',
    {
      config: { permission: 'transfer.drive' },
      schema: {
        tags: ['transfer'],
        summary: 'The vehicle was disinfected after carrying cases',
        params: z.object({ id: Id }),
      },
    },
    async (req) =>
      db.transaction((tx) => disinfectVehicle(tx, clock, req.params.id, principalOf(req).jurisdiction)),
  );

  r.get(
    '/transfer/clocks',
    {
      config: { permission: 'transfer.manage' },
      schema: {
        tags: ['transfer'],
        summary:
          'found → placed → picked up → delivered (p50/p90 minutes) for people found on a day, and who is late',
        querystring: z.object({ date: PlausibleDate.optional() }),
      },
    },
    async (req) => {
      const now = clock.now();
      const day = req.query.date ?? new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
      return transferClocks(db, scopeOf(principalOf(req)), day, now);
    },
  );

  r.get(
    '/transfer/late/export',
    {
      config: { permission: 'transfer.manage' },
      schema: {
        tags: ['transfer'],
        summary:
          'The whole late list of a day (found that day, not delivered once it is over) as CSV or Excel, in words, streamed; names only with person.read',
        querystring: z.object({
          date: PlausibleDate.optional(),
          format: z.enum(['csv', 'xlsx']).default('xlsx'),
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const now = clock.now();
      const day = req.query.date ?? new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
      const names = p.permissions.has('person.read');
      await recordRead(db, clock, p, {
        action: names ? 'person.exported' : 'transfer.late_exported',
        subjectType: 'placement',
        areaCode: p.jurisdiction || undefined,
        details: { list: 'late_transfers', export: req.query.format, day },
      });
      return sendExport(
        reply,
        db,
        lateTransferExport(db, scopeOf(p), day, now, names),
        req.query.format,
        req.query.lang,
      );
    },
  );
};

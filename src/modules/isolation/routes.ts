/** HTTP API of isolation: place the backlog, stays (arrive, release, discharge), disinfection, the 清仓 board. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { principalOf } from '../../server/auth.ts';
import { appendAudit } from '../access/audit.ts';
import { scopeCondition, scopeOf } from '../access/scope.ts';
import { turnoverBoard } from './board.ts';
import { forecast, moveSite, stockAndIncrement } from './capacity.ts';
import { recordHealthCheck, SYMPTOMS } from './health.ts';
import { placeBacklog } from './place-backlog.ts';
import { arrive, discharge, disinfection, release } from './stays.ts';

export interface IsolationDeps {
  db: Db;
  clock: Clock;
}

const Id = z.coerce.number().int().positive();
const Edition = z.enum(['8th', '9th']);

export const isolationRoutes: FastifyPluginAsync<IsolationDeps> = async (app, { db, clock }) => {
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
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const run = await placeBacklog(tx, clock, scopeOf(p), req.body.edition);
        await appendAudit(tx, clock, p, {
          action: 'isolation.placed',
          subjectType: 'placement',
          areaCode: p.jurisdiction || undefined,
          details: { placed: run.placed, waiting: run.waiting.length, edition: req.body.edition },
        });
        return { placed: run.placed, waiting: run.waiting };
      });
    },
  );

  r.get(
    '/isolation/stays',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary: 'Open stays of people in my jurisdiction, with where and why',
        querystring: z.object({
          status: z.enum(['placed', 'arrived']).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
      },
    },
    async (req) => {
      const params: unknown[] = [req.query.status ?? null, req.query.limit];
      const { rows } = await db.query(
        `SELECT pl.id, pl.person_id, p.area_code, pl.category, pl.site_id, s.name AS site, pl.room_id, pl.bed_id, pl.status, pl.reason,
                pl.found_at, pl.placed_at, pl.arrived_at, pl.due_at
           FROM placements pl JOIN persons p ON p.id = pl.person_id JOIN sites s ON s.id = pl.site_id
          WHERE pl.status IN ('placed', 'arrived') AND ($1::text IS NULL OR pl.status = $1)
            AND ${scopeCondition('p.area_code', scopeOf(principalOf(req)), params)}
          ORDER BY pl.id LIMIT $2`,
        params,
      );
      return { items: rows };
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
            .array(z.object({ at: z.coerce.date(), ct: z.number().min(0).max(50) }))
            .min(1)
            .max(10),
        }),
      },
    },
    async (req) => {
      const p = principalOf(req);
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
        querystring: z.object({ date: z.iso.date().optional() }),
      },
    },
    async (req) => {
      const now = clock.now();
      const day = req.query.date ?? new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
      return turnoverBoard(db, scopeOf(principalOf(req)), day, now);
    },
  );

  r.post(
    '/isolation/sites/:id/:step',
    {
      config: { permission: 'isolation.manage' },
      schema: {
        tags: ['isolation'],
        summary:
          'Site lifecycle: inspect (reserve → inspecting), accept (验收: → active), close (→ closing / closed)',
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

  r.get(
    '/isolation/stock',
    {
      config: { permission: 'isolation.read' },
      schema: {
        tags: ['isolation'],
        summary: 'Stock and increment of a day (存量/增量) and the backlog with its age',
        querystring: z.object({ date: z.iso.date().optional() }),
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
          at: z.coerce.date(),
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
};

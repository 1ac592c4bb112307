/** HTTP API of 推演: ask for a simulation run, follow it, read its curves and summary, cancel it. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { appendAudit } from '../../modules/access/audit.ts';
import { principalOf } from '../../server/auth.ts';
import { loadScenario, SCENARIOS, STRATEGIES } from '../loop/scenario.ts';
import { BANDED } from '../loop/simulate.ts';
import { cancelRun, getRun, listRuns, queueRun } from './runs.ts';

/** Bounds of a run asked for in the web app: each strategy × seed is a whole city simulated day by day. */
export const WEB_LIMITS = { people: [2_000, 200_000], days: [1, 120], seeds: [1, 5], strategies: 4 } as const;

const StrategyName = z.string().refine((s) => s in STRATEGIES, {
  message: `unknown strategy: choose from ${Object.keys(STRATEGIES).join(', ')}`,
});

export const twinRoutes: FastifyPluginAsync<{ db: Db; clock: Clock }> = async (app, { db, clock }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/twin/options',
    {
      config: { permission: 'twin.run' },
      schema: {
        tags: ['twin'],
        summary: 'Scenarios, strategies (with their names), figures and the bounds of a run',
      },
    },
    async () => ({
      scenarios: SCENARIOS.map((name) => {
        const s = loadScenario(name);
        return {
          name,
          title_zh: s.title_zh,
          title_en: s.title_en,
          start: s.start,
          real_people: s.real_people,
        };
      }),
      strategies: Object.entries(STRATEGIES).map(([name, s]) => ({ name, zh: s.zh, en: s.en })),
      figures: BANDED,
      limits: WEB_LIMITS,
    }),
  );

  r.post(
    '/twin/runs',
    {
      config: { permission: 'twin.run' },
      schema: {
        tags: ['twin'],
        summary:
          'Queue a 推演 run (strategies compared on shared seeds); it runs in the background, one at a time',
        body: z.object({
          scenario: z.enum(SCENARIOS),
          strategies: z
            .array(StrategyName)
            .min(1)
            .max(WEB_LIMITS.strategies)
            .refine((a) => new Set(a).size === a.length, { message: 'a strategy is named twice' }),
          days: z.number().int().min(WEB_LIMITS.days[0]).max(WEB_LIMITS.days[1]).default(60),
          seeds: z.number().int().min(WEB_LIMITS.seeds[0]).max(WEB_LIMITS.seeds[1]).default(3),
          people: z.number().int().min(WEB_LIMITS.people[0]).max(WEB_LIMITS.people[1]).default(20_000),
        }),
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const run = await db.transaction(async (tx) => {
        const row = await queueRun(tx, clock, p.name, req.body);
        await appendAudit(tx, clock, p, {
          action: 'twin.run_queued',
          subjectType: 'twin_run',
          subjectId: row.id,
          details: { ...req.body },
        });
        return row;
      });
      return reply.status(202).send(run);
    },
  );

  r.get(
    '/twin/runs',
    {
      config: { permission: 'twin.run' },
      schema: {
        tags: ['twin'],
        summary: 'The latest 推演 runs with their parameters and status (no results)',
      },
    },
    async () => ({ items: await listRuns(db) }),
  );

  r.get(
    '/twin/runs/:id',
    {
      config: { permission: 'twin.run' },
      schema: {
        tags: ['twin'],
        summary:
          'One 推演 run: parameters, status, progress and, once done, the per-day bands and the summary',
        params: z.object({ id: z.coerce.number().int().positive() }),
      },
    },
    async (req) => {
      const run = await getRun(db, req.params.id);
      if (!run) throw new AppError(404, 'not_found', `no run ${req.params.id}`);
      return run;
    },
  );

  r.post(
    '/twin/runs/:id/cancel',
    {
      config: { permission: 'twin.run' },
      schema: {
        tags: ['twin'],
        summary: 'Cancel a waiting or running 推演 run',
        params: z.object({ id: z.coerce.number().int().positive() }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      return db.transaction(async (tx) => {
        const run = await cancelRun(tx, clock, req.params.id);
        await appendAudit(tx, clock, p, {
          action: 'twin.run_cancelled',
          subjectType: 'twin_run',
          subjectId: run.id,
        });
        return run;
      });
    },
  );
};

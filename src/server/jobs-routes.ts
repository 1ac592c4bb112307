/**
 * 后台任务: the job queue as the administrator sees it (GET /api/system/jobs): each queue's jobs waiting,
 * running and failed, and the dead letters (jobs that failed every attempt) with their errors. No people.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../db/types.ts';
import { AppError } from '../lib/errors.ts';
import { jobsOf } from './workers.ts';

export const jobsRoutes: FastifyPluginAsync<{ db: Db }> = async (app, { db }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/system/jobs',
    {
      config: { permission: 'jobs.read' },
      schema: {
        tags: ['system'],
        summary:
          'Background jobs: each queue (waiting, running, failed) and the newest dead letters (failed every attempt)',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
      },
    },
    async (req) => {
      let jobs: Awaited<ReturnType<typeof jobsOf>>;
      try {
        jobs = await jobsOf(db, req.log);
      } catch (err) {
        req.log.error({ err }, 'job queue unavailable');
        throw new AppError(
          503,
          'jobs_unavailable',
          'The job queue cannot be read now (the database is unreachable or its job tables are not installed yet); try again in a minute',
        );
      }
      const [queues, dead] = await Promise.all([jobs.figures(), jobs.deadLetters(req.query.limit)]);
      return { queues, dead_letters: dead };
    },
  );
};

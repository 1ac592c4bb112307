/** HTTP API of the command: the daily report. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { principalOf } from '../../server/auth.ts';
import { scopeOf } from '../access/scope.ts';
import { beijingToday, dailyReport, reportHtml, reportMarkdown, reportXlsx } from './daily-report.ts';

export const commandRoutes: FastifyPluginAsync<{ db: Db; clock: Clock }> = async (app, { db, clock }) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/reports/daily',
    {
      config: { permission: 'report.read' },
      schema: {
        tags: ['command'],
        summary:
          'The daily report of my jurisdiction (每日通报) as JSON, Markdown, HTML or XLSX, in Chinese or English',
        querystring: z.object({
          date: z.iso.date().optional(),
          format: z.enum(['json', 'md', 'html', 'xlsx']).default('json'),
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
      },
    },
    async (req, reply) => {
      const now = clock.now();
      const date = req.query.date ?? beijingToday(now);
      const report = await dailyReport(db, scopeOf(principalOf(req)), date, now);
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
};

/** POST /api/imports/persons: a multipart upload of one CSV/XLSX file, saved to a temporary file, then imported. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../db/types.ts';
import type { Clock } from '../../../domain/clock.ts';
import { principalOf } from '../../../server/auth.ts';
import { withUploadedTable } from '../../../server/upload.ts';
import { appendAudit } from '../../access/audit.ts';
import { importPersons } from './import-persons.ts';

export { safeFileName } from '../../../server/upload.ts';

export const importRoutes: FastifyPluginAsync<{ db: Db; clock: Clock }> = async (app, { db, clock }) => {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/imports/persons',
    {
      config: { permission: 'person.import' },
      schema: {
        tags: ['registry'],
        summary: 'Import persons from one CSV or XLSX file (multipart field "file") into my jurisdiction',
        description:
          'All or nothing by default: any rejected row rejects the file (422, every rejected row listed). ' +
          '?mode=valid_rows writes the good rows. Re-importing the same file changes nothing.',
        querystring: z.object({ mode: z.enum(['all_or_nothing', 'valid_rows']).default('all_or_nothing') }),
        consumes: ['multipart/form-data'],
      },
    },
    async (req, reply) =>
      withUploadedTable(req, async (path, fileName) => {
        const principal = principalOf(req);
        const report = await importPersons(db, path, {
          fileName,
          mode: req.query.mode,
          clock,
          scopePrefix: principal.jurisdiction || undefined,
        });
        await db.transaction((tx) =>
          appendAudit(tx, clock, principal, {
            action: 'person.import',
            subjectType: 'import_run',
            subjectId: report.runId,
            areaCode: principal.jurisdiction || undefined,
            details: {
              status: report.status,
              inserted: report.inserted,
              updated: report.updated,
              rejected: report.rejected,
              households_closed: report.householdsClosed,
            },
          }),
        );
        if (report.status === 'rejected') {
          return reply.status(422).send({
            error: {
              code: 'import_rejected',
              message: `nothing was imported: ${report.rejected} row(s) rejected; fix them and upload again, or use ?mode=valid_rows`,
              details: report,
            },
          });
        }
        return report;
      }),
  );
};

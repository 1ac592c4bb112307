/** POST /api/imports/persons: a multipart upload of one CSV/XLSX file, saved to a temporary file, then imported. */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../db/types.ts';
import type { Clock } from '../../../domain/clock.ts';
import { AppError } from '../../../lib/errors.ts';
import { principalOf } from '../../../server/auth.ts';
import { appendAudit } from '../../access/audit.ts';
import { importPersons } from './import-persons.ts';
import { ImportFileError } from './parse-rows.ts';

const ALLOWED_EXT = new Set(['.csv', '.tsv', '.txt', '.xlsx']);

/** The name to record: no directories, no control characters, bounded length. Never used as a path. */
export function safeFileName(raw: string | undefined): string {
  const name = basename((raw ?? '').replaceAll('\\', '/'))
    .replace(/\p{Cc}/gu, '')
    .slice(0, 200);
  return name || 'upload';
}

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
    async (req, reply) => {
      if (!req.isMultipart())
        throw new AppError(
          415,
          'multipart_required',
          'send the file as multipart/form-data in a field named "file"',
        );
      const part = await req.file();
      if (!part)
        throw new AppError(400, 'file_missing', 'no file in the upload; send it in a field named "file"');
      const fileName = safeFileName(part.filename);
      const ext = extname(fileName).toLowerCase();
      if (!ALLOWED_EXT.has(ext)) {
        part.file.resume();
        throw new AppError(
          415,
          'file_unsupported',
          `unsupported file type "${ext || fileName}": send .csv, .tsv or .xlsx`,
        );
      }
      const dir = await mkdtemp(join(tmpdir(), 'qingcang-upload-'));
      const path = join(dir, `upload${ext}`);
      try {
        await pipeline(part.file, createWriteStream(path, { mode: 0o600 }));
        if (part.file.truncated) {
          throw new AppError(
            413,
            'upload_too_large',
            'the file is larger than the upload limit; split it or import it with the CLI',
          );
        }
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
      } catch (err) {
        if (err instanceof ImportFileError) {
          throw new AppError(400, err.code, err.message, { line: err.line ?? null });
        }
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
          throw new AppError(
            413,
            'upload_too_large',
            'the file is larger than the upload limit; split it or import it with the CLI',
          );
        }
        throw err;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
};

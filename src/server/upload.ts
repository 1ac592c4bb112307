/**
 * Tabular file uploads (CSV, TSV, XLSX): the multipart part is saved to a private temporary file first, so a
 * slow client never holds a database transaction open, then handed to `use`, then deleted. File errors of the
 * table reader become 400 with their code and line; an upload over the limit 413.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.ts';
import { ImportFileError } from '../modules/registry/import/parse-rows.ts';

const ALLOWED_EXT = new Set(['.csv', '.tsv', '.txt', '.xlsx']);

/** The name to record: no directories, no control characters, bounded length. Never used as a path. */
export function safeFileName(raw: string | undefined): string {
  const name = basename((raw ?? '').replaceAll('\\', '/'))
    .replace(/\p{Cc}/gu, '')
    .slice(0, 200);
  return name || 'upload';
}

const tooLarge = () =>
  new AppError(
    413,
    'upload_too_large',
    'the file is larger than the upload limit; split it or import it with the CLI',
  );

/** The multipart reader's complaints about the request itself (no boundary, a body cut short). */
function isMultipartError(err: unknown): boolean {
  return /multipart|boundary/i.test((err as Error)?.message ?? '') && !(err instanceof AppError);
}

const malformed = (err: unknown) =>
  err instanceof AppError
    ? err
    : isMultipartError(err) || (err as { statusCode?: number }).statusCode === 400
      ? new AppError(
          400,
          'multipart_malformed',
          `the upload is not well-formed multipart/form-data (${(err as Error).message}); send the file again in a field named "file"`,
        )
      : (err as Error);

export async function withUploadedTable<T>(
  req: FastifyRequest,
  use: (path: string, fileName: string) => Promise<T>,
): Promise<T> {
  if (!req.isMultipart())
    throw new AppError(
      415,
      'multipart_required',
      'send the file as multipart/form-data in a field named "file"',
    );
  let part: Awaited<ReturnType<FastifyRequest['file']>>;
  try {
    part = await req.file();
  } catch (err) {
    throw malformed(err);
  }
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
    if (part.file.truncated) throw tooLarge();
    return await use(path, fileName);
  } catch (err) {
    if (err instanceof ImportFileError)
      throw new AppError(400, err.code, err.message, { line: err.line ?? null });
    if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
    if (isMultipartError(err)) throw malformed(err);
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

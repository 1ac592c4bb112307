/**
 * Input PostgreSQL cannot store, refused before any handler runs: a NUL character (U+0000) or a lone surrogate
 * (which the database would keep as U+FFFD while a hash over the text saw the original) anywhere in a JSON body,
 * the query string or the path parameters (text columns refuse it with 22021, which would otherwise surface as a
 * 500 after a partial check), and JSON nested deeper than any route accepts. Walks iteratively, so a body nested
 * thousands of levels deep cannot overflow the stack.
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.ts';

/** No route's body nests deeper than this; deeper JSON is refused whole. */
export const MAX_JSON_DEPTH = 64;

/** The JSON path of the first string (or key) holding a NUL character, or null; throws on excessive depth. */
export function findNul(value: unknown, root: string): string | null {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop() as { v: unknown; path: string; depth: number };
    if (typeof v === 'string') {
      if (v.includes('\u0000') || !v.isWellFormed()) return path;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH)
      throw new AppError(
        400,
        'too_deeply_nested',
        `${path} is nested more than ${MAX_JSON_DEPTH} levels deep; no request needs that`,
      );
    if (Buffer.isBuffer(v)) continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--)
        stack.push({ v: v[i], path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    for (const [k, child] of Object.entries(v)) {
      if (k.includes('\u0000') || !k.isWellFormed()) return `${path} (a key)`;
      stack.push({ v: child, path: `${path}.${k}`, depth: depth + 1 });
    }
  }
  return null;
}

export function checkRequestInput(req: Pick<FastifyRequest, 'body' | 'query' | 'params'>): void {
  const where =
    findNul(req.params, 'path') ??
    findNul(req.query, 'query') ??
    (req.body && !isMultipart(req.body) ? findNul(req.body, 'body') : null);
  if (where)
    throw new AppError(
      400,
      'nul_character',
      `${where} contains a NUL character (U+0000) or half of a surrogate pair (\\ud800–\\udfff alone), which cannot be stored as text: remove it and send again`,
      { path: where },
    );
}

/** Multipart bodies are streamed by the upload routes, which check their files themselves. */
function isMultipart(body: unknown): boolean {
  return typeof body === 'object' && body !== null && typeof (body as { pipe?: unknown }).pipe === 'function';
}

export function installInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => checkRequestInput(req));
  // JSON bodies must be UTF-8: invalid bytes would otherwise be replaced by U+FFFD silently and stored.
  const json = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  // application/fhir+json is JSON (FHIR R4's media type): lab systems send it.
  app.addContentTypeParser(
    ['application/json', 'application/fhir+json'],
    { parseAs: 'buffer' },
    (req, body, done) => {
      const bytes = body as Buffer;
      if (!isUtf8(bytes))
        return done(
          new AppError(400, 'invalid_utf8', 'the JSON body is not valid UTF-8: send it encoded as UTF-8'),
          undefined,
        );
      json(req, bytes.toString('utf8'), done);
    },
  );
}

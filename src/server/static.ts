/**
 * The command-centre web app (web/, built into web/dist by `npm run build:web`) served at /.
 *
 * - `GET /` and every other GET outside /api that names no file answer web/dist/index.html (single-page
 *   fallback: the app's own paths such as /people survive a reload); files are served from web/dist, the
 *   content-hashed /assets/* with a year's immutable caching, index.html never cached.
 * - Without a build, `/` shows the landing page and other paths answer 404 as before.
 * - /api/* that no route matched answers the API's 404 (`route_not_found`), built or not.
 *
 * The routes are the same with or without a build (`GET|HEAD /` and `GET|HEAD /*`, all public: they serve
 * no data), so the access tests see one route table.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { landingPage } from './landing.ts';

export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const HAS_EXTENSION = /\.[A-Za-z0-9]+$/;

export async function installWebApp(app: FastifyInstance, distDir: string = WEB_DIST): Promise<void> {
  const built = existsSync(join(distDir, 'index.html'));
  await app.register(async (scope) => {
    if (built) await scope.register(fastifyStatic, { root: distDir, serve: false });
    const index = (reply: FastifyReply) =>
      built
        ? reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false })
        : reply.type('text/html; charset=utf-8').send(landingPage());
    const options = { config: { public: true }, schema: { hide: true } } as const;

    scope.get('/', options, async (_req, reply) => index(reply));
    scope.get('/*', options, async (req, reply) => {
      const path = (req.params as { '*'?: string })['*'] ?? '';
      if (!built || path === 'api' || path.startsWith('api/')) return reply.callNotFound();
      if (path.startsWith('assets/')) return reply.sendFile(path, { maxAge: '365d', immutable: true });
      if (HAS_EXTENSION.test(path)) return reply.sendFile(path);
      return index(reply);
    });
  });
}

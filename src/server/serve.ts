import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Db } from '../db/types.ts';

/**
 * Listens and shuts down gracefully on SIGINT/SIGTERM: stop accepting, finish in-flight requests,
 * close the database (releasing the PGlite lock), exit.
 */
export async function listenWithShutdown(
  app: FastifyInstance,
  db: Db,
  log: Logger,
  host: string,
  port: number,
): Promise<string> {
  const address = await app.listen({ host, port });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      log.error('in-flight requests did not finish in 15 s; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    try {
      await app.close();
      await db.close();
      log.info('stopped cleanly');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  return address;
}

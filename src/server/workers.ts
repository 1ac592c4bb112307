/**
 * Background work inside the server process: the tracing worker every few seconds. One run at a time; errors are
 * logged and retried at the next tick; the app's close waits for a run in flight. (pg-boss is the intended
 * queue for heavier jobs; this loop needs none, and the worker itself is idempotent and lock-serialised, so several
 * server processes may run it side by side.)
 */
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/types.ts';
import type { Clock } from '../domain/clock.ts';
import { runTracing } from '../modules/tracing/run-tracing.ts';

export function installWorkers(app: FastifyInstance, db: Db, clock: Clock, everyMs = 5000): void {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = runTracing(db, clock)
      .then((r) => {
        if (r.casesCreated > 0 || r.traced.length > 0)
          app.log.info({ cases: r.casesCreated, traced: r.traced.length }, 'tracing worker');
      })
      .catch((err: unknown) => app.log.error({ err }, 'tracing worker failed; retrying at the next tick'))
      .finally(() => {
        running = undefined;
      });
  };
  app.addHook('onReady', async () => {
    timer = setInterval(tick, everyMs);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await running;
  });
}

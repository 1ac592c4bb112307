/**
 * A process that takes a run of the queue `test-crash` and never ends it: jobs.test.ts kills it with SIGKILL to
 * see the run failed by its stopped heartbeat and run again elsewhere. Reads the database URL from JOBS_TEST_URL.
 */
import pino from 'pino';
import { openPostgres } from '../db/postgres.ts';
import { Jobs } from './jobs.ts';

const db = await openPostgres(process.env.JOBS_TEST_URL as string);
const jobs = await Jobs.open(db, pino({ level: 'silent' }), { supervise: false });
await jobs.periodic({
  queue: 'test-crash',
  label: 'test crash',
  everyMs: 3_600_000,
  heartbeatSeconds: 10,
  retryDelay: 0,
  run: async () => {
    process.stdout.write('running\n');
    await new Promise(() => {});
  },
});

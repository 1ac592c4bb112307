import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, expect, it } from 'vitest';
import { describeBackends } from '../db/testing.ts';
import { ManualClock } from '../domain/clock.ts';
import { seedCity } from '../modules/registry/seed-city.ts';
import { buildApp } from './app.ts';
import { DEAD_LETTERS, Jobs, jobsPoolSize } from './jobs.ts';
import { loginAs } from './test-auth.ts';

const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await sleep(50);
  }
}

describeBackends('background jobs on pg-boss', (ctx) => {
  const opened: Jobs[] = [];
  const open = async (supervise = true) => {
    const j = await Jobs.open(ctx.db, log, { supervise });
    opened.push(j);
    return j;
  };
  afterAll(async () => {
    for (const j of opened) await j.stop(2000);
  });

  it('runs a periodic job in one process at a time, however many processes send and work it', async () => {
    // Two queues on one database stand for two server processes (on PGlite, two users of its one connection).
    const a = await open();
    const b = await open();
    let running = 0;
    let most = 0;
    let runs = 0;
    const run = async () => {
      running++;
      most = Math.max(most, running);
      await sleep(150);
      runs++;
      running--;
    };
    const job = { queue: 'test-overlap', label: 'test overlap', everyMs: 100, run };
    const sendA = await a.periodic(job);
    const sendB = await b.periodic(job);
    for (let i = 0; i < 10; i++) {
      sendA();
      sendB();
    }
    await until(() => runs >= 4, 20_000);
    expect(most).toBe(1);
    // Never more than one run waiting: the queue refuses the others.
    const { rows } = await ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'test-overlap' AND state = 'created'",
    );
    expect(rows[0]?.n).toBeLessThanOrEqual(1);
  });

  it('retries a failing run, then keeps it among the dead letters with its error', async () => {
    const jobs = await open();
    let attempts = 0;
    await jobs.periodic({
      queue: 'test-failing',
      label: 'test failing',
      everyMs: 3_600_000, // one send at start, no other
      retryLimit: 1,
      retryDelay: 0,
      run: async () => {
        attempts++;
        throw new Error(`the ward list could not be read (attempt ${attempts})`);
      },
    });
    await until(async () => (await jobs.deadLetters()).some((d) => d.queue === 'test-failing'), 20_000);
    expect(attempts).toBe(2);
    const letter = (await jobs.deadLetters()).find((d) => d.queue === 'test-failing');
    expect(letter).toMatchObject({
      queue: 'test-failing',
      attempts: 2,
      error: 'the ward list could not be read (attempt 2)',
    });
    expect(Date.parse(letter?.failed_at ?? '')).toBeGreaterThan(Date.now() - 60_000);
    // A reader without supervision (an API process) sees the same letters and the queues.
    const reader = await open(false);
    expect((await reader.deadLetters()).map((d) => d.id)).toContain(letter?.id);
    expect((await reader.figures()).map((q) => q.queue)).toEqual(
      expect.arrayContaining([DEAD_LETTERS, 'test-failing']),
    );
    // The same through the API, to the administrator only (no people in it, but not everyone's business).
    const clock = new ManualClock('2022-03-14T08:00:00Z');
    await seedCity(ctx.db, { city: '2202', people: 100, seed: 1, clock });
    const app = await buildApp({ db: ctx.db, clock, logger: false });
    try {
      const admin = await loginAs(app, ctx.db, 'admin', '2202');
      const commander = await loginAs(app, ctx.db, 'commander', '2202');
      const r = await app.inject({ method: 'GET', url: '/api/system/jobs?limit=5', headers: admin.headers });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().dead_letters).toContainEqual(
        expect.objectContaining({
          queue: 'test-failing',
          error: 'the ward list could not be read (attempt 2)',
        }),
      );
      expect(r.json().queues.map((q: { queue: string }) => q.queue)).toContain('test-failing');
      const refused = await app.inject({
        method: 'GET',
        url: '/api/system/jobs',
        headers: commander.headers,
      });
      expect(refused.statusCode).toBe(403);
      const bad = await app.inject({
        method: 'GET',
        url: '/api/system/jobs?limit=0',
        headers: admin.headers,
      });
      expect(bad.statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });

  it('gives the run of a process stopped without waiting back at once, and another runs it', async () => {
    const stopping = await Jobs.open(ctx.db, log, { supervise: false });
    const other = await open();
    const runs: string[] = [];
    const job = (who: string) => ({
      queue: 'test-abandon',
      label: 'test abandon',
      everyMs: 3_600_000,
      retryDelay: 0,
      run: async () => {
        runs.push(who);
        if (who === 'stopping') await sleep(60_000);
      },
    });
    await stopping.periodic(job('stopping'));
    await until(() => runs.length === 1, 20_000);
    await stopping.abandon();
    await other.periodic(job('other'));
    await until(() => runs.includes('other'), 20_000);
    expect(runs.slice(0, 2)).toEqual(['stopping', 'other']);
  });

  it.runIf(ctx.kind === 'postgresql')(
    'fails the run of a process killed mid-run once its heartbeat stops, and runs it again in another',
    async () => {
      const conn = ctx.db.jobsConnection?.();
      if (conn?.kind !== 'postgresql') throw new Error('PostgreSQL expected');
      const child = spawn(
        process.execPath,
        [fileURLToPath(new URL('./jobs-crash.fixture.ts', import.meta.url))],
        {
          env: { ...process.env, JOBS_TEST_URL: conn.url },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
      });
      await until(() => out.includes('running'), 30_000);
      child.kill('SIGKILL');
      const killedAt = Date.now();
      const other = await Jobs.open(ctx.db, log, { supervise: true, superviseIntervalSeconds: 1 });
      opened.push(other);
      let ranAt = 0;
      await other.periodic({
        queue: 'test-crash',
        label: 'test crash',
        everyMs: 3_600_000,
        heartbeatSeconds: 10,
        retryDelay: 0,
        run: async () => {
          ranAt ||= Date.now();
        },
      });
      await until(() => ranAt > 0, 40_000);
      // The dead run held the queue (one run at a time) until its heartbeat was 10 s old.
      expect(ranAt - killedAt).toBeGreaterThan(5_000);
      const { rows } = await ctx.db.query<{ state: string; retry_count: number }>(
        "SELECT state, retry_count FROM pgboss.job WHERE name = 'test-crash' ORDER BY created_on LIMIT 1",
      );
      expect(rows[0]?.retry_count).toBe(1); // the killed run, failed by its heartbeat and run again
    },
  );

  it('lets a run in flight finish when it stops, and sends nothing afterwards', async () => {
    const jobs = await Jobs.open(ctx.db, log, { supervise: true });
    let finished = 0;
    let started = 0;
    await jobs.periodic({
      queue: 'test-stop',
      label: 'test stop',
      everyMs: 100,
      run: async () => {
        started++;
        await sleep(400);
        finished++;
      },
    });
    await until(() => started === 1, 20_000);
    await jobs.stop(5000);
    expect(finished).toBe(started);
    const after = started;
    await sleep(300);
    expect(started).toBe(after);
  });
});

it('reads the size of the job queue pool', () => {
  expect(jobsPoolSize({})).toBe(3);
  expect(jobsPoolSize({ QINGCANG_JOBS_POOL: '5' })).toBe(5);
  for (const bad of ['1', '0', 'x', '2.5', '100'])
    expect(() => jobsPoolSize({ QINGCANG_JOBS_POOL: bad })).toThrow(/QINGCANG_JOBS_POOL/);
});

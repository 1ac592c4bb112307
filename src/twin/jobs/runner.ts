/**
 * Runs queued 推演 runs one at a time, each in a worker thread (./run-worker.ts): progress is written to the run
 * every few seconds, the result when it ends; a cancelled run's worker is stopped; a server that stops requeues
 * the run it was running.
 *
 * The runner works as a job of the job queue (src/server/jobs.ts, queue `twin-runner`): one job runs at a time
 * in the whole installation, so a run found running when a job starts was left by a process that died, and goes
 * back to the queue.
 */
import { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import {
  claimNext,
  failRun,
  finishRun,
  type RunRow,
  requeueInterrupted,
  type StoredResult,
  setProgress,
  statusOf,
} from './runs.ts';

/** How often a running run's cancellation is looked for. */
const CANCEL_CHECK_MS = 2000;

export class TwinRunner {
  private worker: Worker | undefined;
  private current: RunRow | undefined;
  private stopping = false;

  private readonly db: Db;
  private readonly clock: Clock;
  private readonly log: FastifyBaseLogger;

  constructor(db: Db, clock: Clock, log: FastifyBaseLogger) {
    this.db = db;
    this.clock = clock;
    this.log = log;
  }

  /**
   * One job of the runner: the runs a dead process left running go back to the queue, then every queued run is
   * run, one after another, until none waits or the runner stops. Resolves with the number of runs it ran.
   */
  async drain(): Promise<number> {
    if (this.stopping) return 0;
    const n = await requeueInterrupted(this.db);
    if (n > 0) this.log.info({ runs: n }, '推演 runs interrupted by a stop are queued again');
    let ran = 0;
    while (!this.stopping) {
      const run = await claimNext(this.db, this.clock);
      if (!run) break;
      await this.execute(run);
      ran++;
    }
    return ran;
  }

  /** Runs one claimed run in a worker thread; resolves when the thread has ended (done, failed, cancelled, stopped). */
  private execute(run: RunRow): Promise<void> {
    this.current = run;
    this.log.info({ run: run.id, params: run.params }, '推演 run started');
    const worker = new Worker(new URL('./run-worker.ts', import.meta.url), { workerData: run.params });
    this.worker = worker;
    const saving: Promise<unknown>[] = [];
    let ended = false;
    const cancelCheck = setInterval(() => {
      statusOf(this.db, run.id)
        .then((status) => {
          if (status !== 'cancelled' || this.worker !== worker) return;
          this.log.info({ run: run.id }, '推演 run cancelled');
          this.worker = undefined;
          return worker.terminate();
        })
        .catch((err: unknown) => this.log.warn({ err, run: run.id }, '推演 cancellation not checked'));
    }, CANCEL_CHECK_MS);
    worker.on('message', (m: { progress?: number; result?: StoredResult }) => {
      if (m.result) ended = true;
      if (m.progress !== undefined)
        saving.push(
          setProgress(this.db, run.id, m.progress).catch((err) =>
            this.log.warn({ err, run: run.id }, '推演 progress not saved'),
          ),
        );
      if (m.result)
        saving.push(
          finishRun(this.db, this.clock, run.id, m.result)
            .then(() => this.log.info({ run: run.id }, '推演 run done'))
            .catch((err) => this.log.error({ err, run: run.id }, '推演 result not saved')),
        );
    });
    worker.on('error', (err) => {
      ended = true;
      this.log.error({ err, run: run.id }, '推演 run failed');
      saving.push(failRun(this.db, this.clock, run.id, err.message).catch(() => undefined));
    });
    return new Promise<void>((resolve) => {
      worker.on('exit', (code) => {
        clearInterval(cancelCheck);
        // Ended without a result or an error (killed, out of memory): failed, so the queue moves on. A worker
        // stopped on purpose (cancel, server stop) is no longer `this.worker`.
        if (!ended && this.worker === worker)
          saving.push(
            failRun(
              this.db,
              this.clock,
              run.id,
              `the run stopped (exit code ${code}) without a result`,
            ).catch(() => undefined),
          );
        if (this.worker === worker) this.worker = undefined;
        this.current = undefined;
        void Promise.all(saving).then(() => resolve());
      });
    });
  }

  /** The server stops: the running run goes back to the queue, to start again at the next job. */
  async stop(): Promise<void> {
    this.stopping = true;
    const run = this.current;
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
    if (run) await requeueInterrupted(this.db);
  }
}

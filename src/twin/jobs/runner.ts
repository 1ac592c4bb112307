/**
 * Runs queued 推演 runs one at a time, each in a worker thread (./run-worker.ts): progress is written to the run
 * every few seconds, the result when it ends; a cancelled run's worker is stopped; a server that stops requeues
 * the run it was running (and a start requeues what a crash left running).
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

  async start(): Promise<void> {
    const n = await requeueInterrupted(this.db);
    if (n > 0) this.log.info({ runs: n }, '推演 runs interrupted by a restart are queued again');
  }

  /** One tick: start the next queued run when none runs; stop the running one if it was cancelled. */
  async tick(): Promise<void> {
    if (this.stopping) return;
    if (this.current) {
      if ((await statusOf(this.db, this.current.id)) === 'cancelled') {
        this.log.info({ run: this.current.id }, '推演 run cancelled');
        await this.stopWorker();
      }
      return;
    }
    const run = await claimNext(this.db, this.clock);
    if (!run) return;
    this.current = run;
    this.log.info({ run: run.id, params: run.params }, '推演 run started');
    const worker = new Worker(new URL('./run-worker.ts', import.meta.url), { workerData: run.params });
    this.worker = worker;
    let ended = false;
    worker.on('message', (m: { progress?: number; result?: StoredResult }) => {
      const id = run.id;
      if (m.result) ended = true;
      if (m.progress !== undefined)
        setProgress(this.db, id, m.progress).catch((err) =>
          this.log.warn({ err, run: id }, '推演 progress not saved'),
        );
      if (m.result)
        finishRun(this.db, this.clock, id, m.result)
          .then(() => this.log.info({ run: id }, '推演 run done'))
          .catch((err) => this.log.error({ err, run: id }, '推演 result not saved'));
    });
    worker.on('error', (err) => {
      ended = true;
      this.log.error({ err, run: run.id }, '推演 run failed');
      failRun(this.db, this.clock, run.id, err.message).catch(() => undefined);
    });
    worker.on('exit', (code) => {
      // Ended without a result or an error (killed, out of memory): failed, so the queue moves on. A worker we
      // stopped (cancel, server stop) is no longer `this.worker`.
      if (!ended && this.worker === worker)
        failRun(this.db, this.clock, run.id, `the run stopped (exit code ${code}) without a result`).catch(
          () => undefined,
        );
      if (this.worker === worker) {
        this.worker = undefined;
        this.current = undefined;
      }
    });
  }

  private async stopWorker(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.current = undefined;
    if (w) await w.terminate();
  }

  /** The server stops: the running run goes back to the queue, to start again at the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    const run = this.current;
    await this.stopWorker();
    if (run) await requeueInterrupted(this.db);
  }
}

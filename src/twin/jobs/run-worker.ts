/**
 * A 推演 run in a worker thread: the simulation (each strategy × seed in its own in-memory database) runs here so
 * the server's event loop stays free. Posts `{ progress }` now and then and `{ result }` at the end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { simulate } from '../loop/simulate.ts';
import { type RunParams, storedResult } from './runs.ts';

const params = workerData as RunParams;
const total = params.strategies.length * params.seeds * params.days;
let done = 0;
let last = 0;
const result = await simulate({
  scenario: params.scenario,
  strategies: params.strategies,
  days: params.days,
  seeds: params.seeds,
  people: params.people,
  onProgress: () => {
    done++;
    const now = Date.now();
    if (now - last > 1000) {
      last = now;
      parentPort?.postMessage({ progress: done / total });
    }
  },
});
parentPort?.postMessage({ result: storedResult(result) });

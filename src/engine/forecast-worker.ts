import { parentPort, workerData } from 'node:worker_threads';
import { runForecast, type ForecastRun } from './forecast.ts';

/**
 * The body of a forecast's worker thread (./forecast-threads.ts): runs one forecast with its own
 * in-memory database and posts the report back. A thread of its own, because the forecast's
 * database and engine keep a core busy for up to the wall limit: in the server's main thread they
 * would hold up the live engine's ticks and the API.
 */
const run = workerData as ForecastRun;
runForecast(run).then(
  (report) => parentPort!.postMessage({ ok: true, report }),
  (err: unknown) =>
    parentPort!.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) }),
);

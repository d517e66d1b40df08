import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ForecastReport, ForecastRun } from './forecast.ts';

/**
 * Runs forecasts in worker threads, at most `concurrency` at once (the others wait in order), so
 * that a forecast never shares the live engine's thread. `close()` ends the threads of forecasts
 * still running (their callers get an error).
 */
export class ForecastThreads {
  readonly #concurrency: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #workers = new Set<Worker>();
  #closed = false;

  constructor(concurrency = 1) {
    this.#concurrency = concurrency;
  }

  /** Forecasts running or waiting. */
  get pending(): number {
    return this.#running + this.#waiting.length;
  }

  /** Runs the forecast `prepare` gives once its turn comes (so it starts from the data then). */
  async run(prepare: () => Promise<ForecastRun>): Promise<ForecastReport> {
    if (this.#running >= this.#concurrency)
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    try {
      if (this.#closed) throw new Error('the server is shutting down');
      return await this.#thread(await prepare());
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }

  #thread(job: ForecastRun): Promise<ForecastReport> {
    const worker = spawn(job);
    this.#workers.add(worker);
    return new Promise<ForecastReport>((resolve, reject) => {
      let settled = false;
      worker.once('message', (m: { ok: boolean; report?: ForecastReport; error?: string }) => {
        settled = true;
        if (m.ok) resolve(m.report!);
        else reject(new Error(m.error));
        void worker.terminate();
      });
      worker.once('error', (err) => {
        settled = true;
        reject(err);
      });
      worker.once('exit', (code) => {
        this.#workers.delete(worker);
        if (!settled) reject(new Error(`the forecast's thread stopped (exit code ${code})`));
      });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#workers].map((w) => w.terminate()));
  }
}

/**
 * The worker runs ./forecast-worker.ts from source (tsx, as `npx outbound` does) or its compiled
 * .js: a thread does not inherit the main thread's loader, so it registers tsx itself first.
 */
function spawn(job: ForecastRun): Worker {
  const self = new URL(import.meta.url);
  const fromSource = self.pathname.endsWith('.ts');
  const file = new URL(`./forecast-worker.${fromSource ? 'ts' : 'js'}`, self).href;
  // The ESM entry of tsx's API (its `import` export), found next to the CommonJS one `require`
  // resolves: the CommonJS entry cannot register the loader in a thread started by `eval`.
  const tsx = fromSource
    ? pathToFileURL(
        createRequire(self)
          .resolve('tsx/esm/api')
          .replace(/\.cjs$/, '.mjs'),
      ).href
    : null;
  const boot = tsx
    ? `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(file)}); })`
    : `import(${JSON.stringify(file)})`;
  return new Worker(boot, { eval: true, workerData: job });
}

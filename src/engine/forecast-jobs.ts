import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import type { SamplePolicy } from '../domain/forecast-sample.ts';
import type { Db } from '../store/db.ts';
import { readForecastSeed } from '../store/forecast-seed.ts';
import { finishForecast, markForecastRunning, type ForecastRow } from '../store/forecasts.ts';
import type { ForecastRun } from './forecast.ts';
import { ForecastThreads } from './forecast-threads.ts';

/**
 * The forecasts this process runs for the API: each one queued, then run in a worker thread
 * (one at a time), its report or error written to the `forecasts` table. The API answers 202 at
 * once and the client polls the forecast (docs/api.md#forecasts).
 */
export interface ForecastJobsOptions {
  db: Db;
  clock: Clock;
  logger?: Logger | undefined;
  /** Real time one forecast may run before it stops and reports as far as it got (default 5 min). */
  wallLimitMs?: number;
  /** Forecasts run at once by this process (default 1: a forecast keeps one core busy). */
  concurrency?: number;
  /** When a forecast runs over a sample of the customers (default DEFAULT_SAMPLE); null: never. */
  sample?: SamplePolicy | null;
}

export type ForecastJob = Omit<ForecastRun, 'seed' | 'wallLimitMs' | 'from'> & {
  blocklistId: string | null;
};

export const DEFAULT_WALL_LIMIT_MS = 300_000;

export class ForecastJobs {
  readonly #o: ForecastJobsOptions;
  readonly #threads: ForecastThreads;
  readonly #jobs = new Map<string, Promise<void>>();
  readonly wallLimitMs: number;

  constructor(o: ForecastJobsOptions) {
    this.#o = o;
    this.#threads = new ForecastThreads(o.concurrency ?? 1);
    this.wallLimitMs = o.wallLimitMs ?? DEFAULT_WALL_LIMIT_MS;
  }

  /** Forecasts running or waiting in this process. */
  get pending(): number {
    return this.#threads.pending;
  }

  /** Runs the queued forecast `f` in the background; its outcome lands in the table. */
  submit(f: ForecastRow, job: ForecastJob): void {
    const { db, clock } = this.#o;
    const done = this.#threads
      .run(async () => {
        await markForecastRunning(db, f.tenantId, f.id, clock.now());
        const seed = await readForecastSeed(db, f.tenantId, f.taskId, job.blocklistId, {
          sample: this.#o.sample,
          channels: job.channels,
          randomSeed: job.randomSeed,
        });
        return { ...job, from: clock.now(), seed, wallLimitMs: this.wallLimitMs };
      })
      .then(
        (report) => ({ report: report as unknown as Record<string, unknown> }),
        (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
      )
      .then((outcome) => finishForecast(db, f.tenantId, f.id, clock.now(), outcome))
      .catch((err: unknown) => this.#o.logger?.error({ err, forecast: f.id }, 'forecast failed'))
      .finally(() => this.#jobs.delete(f.id));
    this.#jobs.set(f.id, done);
  }

  /** Resolves once forecast `id` has finished (at once if it is not running here). */
  async settled(id: string): Promise<void> {
    await this.#jobs.get(id);
  }

  async close(): Promise<void> {
    await this.#threads.close();
    await Promise.all(this.#jobs.values());
  }
}

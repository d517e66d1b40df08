import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runForecast, type ForecastReport } from '../../src/engine/forecast.ts';
import { readForecastSeed } from '../../src/store/forecast-seed.ts';
import { dbKind } from '../helpers/db.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { forecastOutcomes, forecastTask } from '../helpers/forecast.ts';

/**
 * A forecast of a large task runs over a sample of its customers with its pacing and channels
 * scaled by the same share (domain/forecast-sample.ts). Here a task of 900 customers, dialed
 * for 40 minutes, is forecast whole and over a third of them: the sample's calls per hour, attempts and finish
 * time, scaled back up, agree with the whole run's within the tolerances below.
 */
const FROM = '2026-11-23T08:00:00+08:00';
const N = 900;
/** Calls per hour and attempts within 5 %, the finish within 5 minutes. */
const CALLS_TOLERANCE = 0.05;
const FINISH_MINUTES = 5;

describe(`a sampled forecast agrees with the whole one (${dbKind})`, () => {
  let h: EngineHarness;
  let id: string;
  beforeAll(async () => {
    h = await engineHarness({ start: FROM });
    id = await h.startTask(
      // A call a second in a window across 10:00 (calls in two hours); busy customers again
      // after a minute, unanswered after two: the task finishes in its window, on its pacing.
      forecastTask('Large', {
        regular: [{ start: '09:50', end: '10:30' }],
        strategy: { maxRingSec: 20, intervalSec: 3, callsPerInterval: 3 },
        busySec: 60,
      }),
      customers(N),
    );
  });
  afterAll(async () => {
    await h?.stop();
  });

  const forecast = async (sample: { above: number; size: number } | null) =>
    runForecast({
      seed: await readForecastSeed(h.store.db, h.tenant, id, null, { sample, channels: 120 }),
      from: new Date(FROM),
      until: new Date('2026-11-24T00:00:00+08:00'),
      model: { model: { outcomes: forecastOutcomes(100) }, source: 'request', sample: 0 },
      channels: 120,
      wallLimitMs: 600_000,
    });

  it('gives the calls per hour, attempts and finish time of the whole forecast', async () => {
    const whole: ForecastReport = await forecast(null);
    const part: ForecastReport = await forecast({ above: N / 3, size: N / 3 });

    expect(whole.sampled).toBeNull();
    expect(part.sampled).toMatchObject({
      customers: N / 3,
      of: N,
      share: 1 / 3,
      // A third of the pacing and of the 120 channels.
      strategy: { intervalSec: 3, callsPerInterval: 1 },
      channels: 40,
      // 40 channels for ~10 calls held at once: the events on the sample's 3-s ticks.
      eventGridSec: 3,
    });
    expect(whole.finishesAt).not.toBeNull();
    // Calls in more than one hour: the mean and the peak of calls per hour differ.
    expect(whole.series.points.filter((p) => p.calls > 0).length).toBeGreaterThan(1);
    expect(part.finishesAt).not.toBeNull();
    const near = (a: number, b: number) => Math.abs(a - b) / b;
    expect(near(part.callsPerHour.mean, whole.callsPerHour.mean)).toBeLessThan(CALLS_TOLERANCE);
    expect(near(part.callsPerHour.peak, whole.callsPerHour.peak)).toBeLessThan(CALLS_TOLERANCE);
    expect(near(part.attempts.total, whole.attempts.total)).toBeLessThan(CALLS_TOLERANCE);
    const minutes = Math.abs(Date.parse(part.finishesAt!) - Date.parse(whole.finishesAt!)) / 60_000;
    expect(minutes).toBeLessThan(FINISH_MINUTES);
    // The report speaks of the whole task.
    expect(part.customers.total).toBe(N);
    expect(part.channels.limit).toBe(120);
    expect(part.customers.reached + part.customers.unreached.total).toBe(N);
  }, 600_000);
});

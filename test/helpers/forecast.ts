import type { ForecastModel } from '../../src/domain/forecast-model.ts';
import { workdayTask } from './world.ts';

/**
 * How the forecast tests' calls end: half answered, the rest busy, unanswered, switched off or
 * unallocated. Weights in per cent, as simulate's network takes them.
 */
export const FORECAST_OUTCOMES = [
  { weight: 50, result: 'success', ringSec: 6, talkSec: 40 },
  { weight: 20, result: 'busy', ringSec: 3 },
  { weight: 15, result: 'no_answer', ringSec: 30 },
  { weight: 10, result: 'powered_off', ringSec: 2 },
  { weight: 5, result: 'unallocated', ringSec: 1 },
] as const;

/** FORECAST_OUTCOMES as a forecast model's outcomes, each share its weight divided by `per`. */
export const forecastOutcomes = (per: number): ForecastModel['outcomes'] =>
  FORECAST_OUTCOMES.map((o) => ({
    result: o.result,
    share: o.weight / per,
    ringSec: o.ringSec,
    ...('talkSec' in o ? { talkSec: o.talkSec } : {}),
  }));

/**
 * Busy customers called again twice after `busySec`, unanswered ones once after twice as long,
 * unallocated numbers never again: the retries the forecast tests' tasks finish with.
 */
export const retryPolicy = (busySec: number) => ({
  kind: 'global',
  byResult: true,
  rules: [
    { result: 'busy', retries: 2, intervalSec: busySec },
    { result: 'ring_timeout', retries: 1, intervalSec: 2 * busySec },
  ],
  nonRetryResults: ['unallocated'],
});

/**
 * A workdayTask dialing in the `regular` windows (no special dates) at the given pace, with
 * retryPolicy(busySec) and no callbacks: the task the forecast tests forecast and run.
 */
export const forecastTask = (
  name: string,
  o: {
    regular: { start: string; end: string }[];
    strategy: { maxRingSec: number; intervalSec: number; callsPerInterval: number };
    busySec: number;
  },
) =>
  workdayTask(name, {
    schedule: { regular: o.regular, specialDates: [], specialPeriods: [] },
    strategy: o.strategy,
    resultPolicy: retryPolicy(o.busySec),
    callbackUrl: null,
  });

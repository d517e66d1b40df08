import { scaleCounts, scaled, type SamplePlan } from '../domain/forecast-sample.ts';
import type { ForecastModel } from '../domain/forecast-model.ts';
import { CONNECTED_RESULTS } from '../domain/result-codes.ts';
import type { Scheduler } from '../platform/scheduler.ts';
import type { CallEvents } from '../telephony/port.ts';
import type { ForecastReport } from './forecast.ts';

/**
 * A sampled forecast's figures scaled up to the whole task (domain/forecast-sample.ts): counts of
 * calls and customers times n / n' (counts by state or result by largest remainders, so that
 * they add up to their totals), the channels' peaks and means likewise, and the limit the task's
 * own. Times (when the task finishes, its first and last calls) are the sample's as they are.
 */
export interface Sampled {
  /** Customers in the sample, and in the task. */
  customers: number;
  of: number;
  /** The sample's share of the task's pacing and channels. */
  share: number;
  /** The pacing and channels the sample ran with. */
  strategy: { intervalSec: number; callsPerInterval: number };
  channels: number;
  /** Seconds between the instants its engine heard call events (0: as they happened). */
  eventGridSec: number;
}

type Figures = Omit<ForecastReport, 'timings' | 'sampled'>;

export function scaledReport(
  r: Figures,
  plan: SamplePlan,
  eventGridSec: number,
): Figures & { sampled: Sampled } {
  const f = plan.of / plan.customers;
  const c = r.customers;
  const total = plan.of;
  const unreached = scaleCounts(
    {
      policy: c.unreached.policy,
      blocked: c.unreached.blocked,
      filtered: c.unreached.filtered,
      timeRanOut: c.unreached.timeRanOut,
    },
    f,
  );
  const unreachedTotal = Object.values(unreached).reduce((a, b) => a + b, 0);
  const attempts = scaled(r.attempts.total, f);
  return {
    ...r,
    channels: { limit: plan.ofChannels, peak: scaled(r.channels.peak, f) },
    callsPerHour: {
      mean: Math.round(r.callsPerHour.mean * f * 10) / 10,
      peak: scaled(r.callsPerHour.peak, f),
    },
    attempts: { total: attempts, byResult: scaleCounts(r.attempts.byResult, f, attempts) },
    customers: {
      total,
      byState: scaleCounts(c.byState, f, total),
      byFinalResult: scaleCounts(c.byFinalResult, f),
      byBusinessResult: scaleCounts(c.byBusinessResult, f),
      reached: total - unreachedTotal,
      unreached: { ...c.unreached, ...unreached, total: unreachedTotal },
    },
    series: {
      bucket: r.series.bucket,
      points: r.series.points.map((p) => ({
        ...p,
        calls: scaled(p.calls, f),
        answered: scaled(p.answered, f),
        peakChannels: scaled(p.peakChannels, f),
        meanChannels: Math.round(p.meanChannels * f * 100) / 100,
      })),
    },
    sampled: {
      customers: plan.customers,
      of: plan.of,
      share: plan.share,
      strategy: plan.strategy,
      channels: plan.channels,
      eventGridSec,
    },
  };
}

/**
 * A sample's call events heard on a grid of `gridMs` (its ticks of 3 s), each at the first grid
 * instant at or after it happened, with its own time as it happened: the engine settles a tick's
 * worth of calls at once instead of one instant per ring and talk time (a third or less of the
 * sample's transactions). What the engine records is unchanged (an attempt's times are the
 * event's); only what it knows moves, by less than a tick: a channel is free again and a customer's
 * next number due up to 3 s later, which hourly figures do not see.
 */
/**
 * Whether a sample's events may go on the grid: only when its channels are well above what its
 * calls hold even with each one held a grid step longer (rate × (mean hold + grid), with a quarter
 * to spare), so that a channel freed late never holds up a call. A task that channels may bound
 * hears its events when they happen.
 */
export function gridFits(
  outcomes: ForecastModel['outcomes'],
  maxRingSec: number,
  callsPerSec: number,
  channels: number,
  gridMs: number,
): boolean {
  const weight = outcomes.reduce((a, o) => a + o.share, 0);
  if (weight <= 0) return false;
  const hold =
    outcomes.reduce(
      (a, o) =>
        a +
        o.share *
          (Math.min(o.ringSec, maxRingSec) +
            (CONNECTED_RESULTS.has(o.result) ? (o.talkSec ?? 30) : 0)),
      0,
    ) / weight;
  return channels >= 1.25 * callsPerSec * (hold + gridMs / 1000);
}

export function onGrid(
  sched: Scheduler,
  startMs: number,
  gridMs: number,
  events: CallEvents,
): CallEvents {
  return {
    answered: (at) => later(sched, startMs, gridMs, () => events.answered(at)),
    ended: (end) => later(sched, startMs, gridMs, () => events.ended(end)),
  };
}

function later(sched: Scheduler, startMs: number, gridMs: number, fn: () => unknown): void {
  const now = sched.now().getTime();
  const at = startMs + Math.ceil((now - startMs) / gridMs) * gridMs;
  // Through the scheduler even when `at` is now: events keep the order they happened in.
  sched.at(at, async () => void (await fn()));
}

import { describe, expect, it } from 'vitest';
import {
  inSample,
  planSample,
  scaleCounts,
  type SamplePolicy,
} from '../../src/domain/forecast-sample.ts';
import { gridFits } from '../../src/engine/forecast-scale.ts';

const POLICY: SamplePolicy = { above: 20_000, size: 10_000 };
const PACE = { intervalSec: 1, callsPerInterval: 20 };

describe('which forecasts run over a sample', () => {
  it('keeps a task of up to the threshold whole: small forecasts are exact', () => {
    expect(planSample({ customers: 20_000, strategy: PACE, channels: 1000 }, POLICY)).toBeNull();
  });

  it('scales pacing and channels by the share of the customers, the pacing exactly', () => {
    const p = planSample({ customers: 100_000, strategy: PACE, channels: 1000 }, POLICY)!;
    // 20 a second is 60 every 3 s; a tenth of it, 6 every 3 s (ticks of 3 s, the same rate).
    expect(p).toMatchObject({
      customers: 10_000,
      of: 100_000,
      share: 0.1,
      strategy: { intervalSec: 3, callsPerInterval: 6 },
      channels: 100,
    });
  });

  it('finds an exact pacing near the share aimed at when the calls do not divide', () => {
    // 7 every 10 s of 250,000 customers: 1/25 would be 0.28 calls; 1 every 250 s is 4 % of it.
    const p = planSample(
      { customers: 250_000, strategy: { intervalSec: 10, callsPerInterval: 7 }, channels: 2000 },
      POLICY,
    )!;
    expect(p.strategy.callsPerInterval / p.strategy.intervalSec).toBeCloseTo((7 / 10) * p.share);
    expect(p.share).toBeGreaterThan(0.04 * 0.98);
    expect(p.share).toBeLessThan(0.04 * 1.02);
    expect(p.customers).toBe(Math.round(250_000 * p.share));
  });

  it('runs in full when the scaled channels would be too few, or agents pace the task', () => {
    expect(planSample({ customers: 100_000, strategy: PACE, channels: 150 }, POLICY)).toBeNull();
    expect(
      planSample(
        { customers: 100_000, strategy: { ...PACE, pacing: 'predictive' }, channels: 1000 },
        POLICY,
      ),
    ).toBeNull();
  });
});

describe('the sample and its figures', () => {
  it('takes exactly k of n rows, evenly spaced, from any offset', () => {
    for (const offset of [0, 7, 99]) {
      const picked = Array.from({ length: 100 }, (_, i) => i).filter((i) =>
        inSample(i, 10, 100, offset),
      );
      expect(picked).toHaveLength(10);
      for (let j = 1; j < picked.length; j++) expect(picked[j]! - picked[j - 1]!).toBe(10);
    }
  });

  it('scales counts to whole numbers that add up to the total', () => {
    // 3 1/3 each: rounding each would make 9 of 10.
    expect(scaleCounts({ success: 1, busy: 1, no_answer: 1 }, 10 / 3)).toEqual({
      success: 4,
      busy: 3,
      no_answer: 3,
    });
  });
});

describe('a sample’s call events on its tick grid', () => {
  // Half answered for 40 s after 6 s of ringing, the rest ending unanswered: 26.85 s a call.
  const MODEL = [
    { share: 0.5, result: 'success' as const, ringSec: 6, talkSec: 40 },
    { share: 0.2, result: 'busy' as const, ringSec: 3 },
    { share: 0.15, result: 'no_answer' as const, ringSec: 30 },
    { share: 0.1, result: 'powered_off' as const, ringSec: 2 },
    { share: 0.05, result: 'unallocated' as const, ringSec: 1 },
  ];

  it('only when its channels leave room for every call held a tick longer', () => {
    // A call a second holds ~27 channels, ~30 with 3 s more each, 37 with a quarter to spare.
    expect(gridFits(MODEL, 20, 1, 50, 3000)).toBe(true);
    expect(gridFits(MODEL, 20, 1, 36, 3000)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import {
  accrue,
  callsPerTick,
  giveBack,
  initialPacing,
  quotaOf,
  tickLength,
  type PacingPace,
  type PacingState,
} from '../../src/domain/pacing.ts';

/** Runs `ticks` ticks and returns the calls started at each. */
function run(strategy: PacingPace, ticks: number, canDial: (i: number) => boolean = () => true) {
  let state: PacingState = initialPacing(strategy);
  const started: number[] = [];
  for (let i = 0; i < ticks; i++) {
    const r = accrue(state, strategy, canDial(i));
    state = r.state;
    started.push(r.due);
  }
  return { started, state, total: started.reduce((a, b) => a + b, 0) };
}

describe('pacing: the seed worked examples', () => {
  it('interval 10, calls 100: 30 calls every 3 s', () => {
    const s = { intervalSec: 10, callsPerInterval: 100 };
    expect(tickLength(s)).toBe(3000);
    expect(callsPerTick(s)).toBe(30);
    expect(run(s, 5).started).toEqual([30, 30, 30, 30, 30]);
  });

  it('interval 1, calls 10: 10 calls every second (not 30)', () => {
    const s = { intervalSec: 1, callsPerInterval: 10 };
    expect(tickLength(s)).toBe(1000);
    expect(run(s, 4).started).toEqual([10, 10, 10, 10]);
  });

  it('interval 3, calls 3: 3 calls every 3 s, 60 a minute', () => {
    const s = { intervalSec: 3, callsPerInterval: 3 };
    expect(tickLength(s)).toBe(3000);
    const { started, total } = run(s, 20); // 20 ticks × 3 s = 1 minute
    expect(started.every((n) => n === 3)).toBe(true);
    expect(total).toBe(60);
  });

  it('interval 2: ticks every 2 s', () => {
    const s = { intervalSec: 2, callsPerInterval: 5 };
    expect(tickLength(s)).toBe(2000);
    expect(run(s, 3).started).toEqual([5, 5, 5]);
  });

  it('a rate below one call per tick accumulates until a whole call is due', () => {
    // interval 30, calls 1: 0.1 call per 3 s tick, so one call every 10th tick (30 s).
    const s = { intervalSec: 30, callsPerInterval: 1 };
    const { started } = run(s, 30);
    expect(started.slice(0, 9)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(started.flatMap((n, i) => (n > 0 ? [i + 1] : []))).toEqual([10, 20, 30]);
  });

  it('a fractional rate per tick keeps the fraction: interval 6, calls 61 gives 30, 31, 30, 31', () => {
    const s = { intervalSec: 6, callsPerInterval: 61 };
    const { started, total } = run(s, 100);
    expect(started.slice(0, 4)).toEqual([30, 31, 30, 31]);
    expect(total).toBe(61 * 50); // 100 ticks × 3 s = 300 s = 50 intervals
  });
});

describe('pacing: exact in the long run', () => {
  it('rate 1/7 per second gives exactly N calls over N × 7 s', () => {
    const s = { intervalSec: 7, callsPerInterval: 1 };
    // 21 000 ticks of 3 s = 63 000 s = 9 000 × 7 s.
    const { total, started } = run(s, 21_000);
    expect(total).toBe(9_000);
    expect(Math.max(...started)).toBe(1);
  });

  it('odd rates over a long run (interval 9999, calls 1234) lose no call', () => {
    const s = { intervalSec: 9999, callsPerInterval: 1234 };
    const { total } = run(s, 9999 * 2); // 9999 × 6 s = 6 intervals
    expect(total).toBe(1234 * 6);
  });
});

describe('pacing: no burst after a pause', () => {
  it('a fast task resumes at one tick worth of calls, not the backlog', () => {
    const s = { intervalSec: 10, callsPerInterval: 100 };
    // Ticks 0-1 dial, 2-101 cannot (e.g. outside the window), then dialing again.
    const { started } = run(s, 105, (i) => i < 2 || i >= 102);
    expect(started.slice(0, 2)).toEqual([30, 30]);
    expect(started.slice(2, 102).every((n) => n === 0)).toBe(true);
    expect(started.slice(102)).toEqual([30, 30, 30]);
  });

  it('a slow task keeps at most one call pending while it cannot dial', () => {
    const s = { intervalSec: 30, callsPerInterval: 1 };
    let state = initialPacing(s);
    for (let i = 0; i < 1000; i++) state = accrue(state, s, false).state;
    expect(quotaOf(state)).toBeLessThan(2);
    const first = accrue(state, s, true);
    expect(first.due).toBe(1);
    // And then back to one call every 30 s.
    let next = first.state;
    const dues: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = accrue(next, s, true);
      next = r.state;
      dues.push(r.due);
    }
    expect(dues.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2);
  });

  it('calls given back when channels ran out do not pile up', () => {
    const s = { intervalSec: 10, callsPerInterval: 100 };
    let state = initialPacing(s);
    // For 50 ticks only 5 of the 30 due calls can be started each time.
    for (let i = 0; i < 50; i++) {
      const r = accrue(state, s, true);
      expect(r.due).toBe(30);
      state = giveBack(r.state, s, r.due - 5);
    }
    // Channels free again: still 30 per tick, not the 1 250 that went unstarted.
    const r = accrue(state, s, true);
    expect(r.due).toBe(30);
  });

  it('giving back nothing changes nothing', () => {
    const s = { intervalSec: 7, callsPerInterval: 1 };
    const r = accrue(initialPacing(s), s, true);
    expect(giveBack(r.state, s, 0)).toEqual(r.state);
  });
});

describe('pacing: the strategy is edited', () => {
  it('keeps the pending quota when the interval changes', () => {
    const before = { intervalSec: 30, callsPerInterval: 1 };
    let state = initialPacing(before);
    for (let i = 0; i < 5; i++) state = accrue(state, before, true).state; // 0.5 call pending
    const after = { intervalSec: 10, callsPerInterval: 1 };
    expect(quotaOf(state)).toBeCloseTo(0.5);
    // 0.5 + 0.3 per tick: the first call two ticks later.
    const one = accrue(state, after, true);
    expect(one.due).toBe(0);
    expect(accrue(one.state, after, true).due).toBe(1);
  });
});

import { FixedOffsetZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { buildSeries, unreachedOf } from '../../src/domain/forecast-series.ts';
import { modelFromStats, MIN_SAMPLE } from '../../src/domain/forecast-model.ts';

const zone = FixedOffsetZone.instance(8 * 60);
const at = (hhmmss: string) => new Date(`2026-11-23T${hhmmss}+08:00`);
const span = (from: string, to: string | null, answered = true) => ({
  startedAt: at(from),
  endedAt: to ? at(to) : null,
  answered,
  result: to ? 'success' : null,
});

describe('calls per hour and channels over time', () => {
  it('counts calls by local hour and the channels they hold, across hour boundaries', () => {
    const s = buildSeries(
      [
        span('09:10:00', '09:40:00'),
        span('09:20:00', '10:30:00'), // spans into the next hour
        span('09:40:00', '09:50:00', false), // starts as the first ends: reuses its channel
        span('10:45:00', null), // still in progress when the run stops at 11:00
      ],
      at('11:00:00'),
      zone,
    );
    expect(s.bucket).toBe('hour');
    expect(s.points.map((p) => [p.at, p.calls, p.answered, p.peakChannels])).toEqual([
      ['2026-11-23T09:00:00+08:00', 3, 2, 2],
      ['2026-11-23T10:00:00+08:00', 1, 1, 1],
    ]);
    // 09:xx: 30 + 40 + 10 minutes of calls = 80/60; 10:xx: 30 + 15 minutes = 45/60.
    expect(s.points.map((p) => p.meanChannels)).toEqual([1.33, 0.75]);
    expect(s.callsPerHour).toEqual({ mean: 2, peak: 3 });
    expect(s.peakChannels).toBe(2);
  });

  it('counts a call that spans a whole hour in that hour’s peak', () => {
    const s = buildSeries(
      [span('09:50:00', '11:10:00'), span('11:20:00', '11:30:00')],
      at('12:00:00'),
      zone,
    );
    expect(s.points.map((p) => [p.calls, p.peakChannels, p.meanChannels])).toEqual([
      [1, 1, 0.17],
      [0, 1, 1],
      [1, 1, 0.33],
    ]);
    expect(s.callsPerHour).toEqual({ mean: 1, peak: 1 });
  });

  it('sorts the customers not reached by why', () => {
    expect(
      unreachedOf([
        { state: 'finished', result: 'success', n: 5 },
        { state: 'finished', result: 'customer_hangup', n: 1 },
        { state: 'finished', result: 'busy', n: 3 },
        { state: 'finished', result: 'blocked', n: 2 },
        { state: 'filtered', result: null, n: 4 },
        { state: 'waiting', result: null, n: 6 },
        { state: 'ready', result: null, n: 1 },
      ]),
    ).toEqual({ total: 16, policy: 3, blocked: 2, filtered: 4, timeRanOut: 7 });
  });
});

describe('the network model from a task’s past attempts', () => {
  it('takes shares and mean times of network results only, once there are enough', () => {
    const stats = [
      { result: 'success', n: 20, ringSec: 7.04, talkSec: 41.26 },
      { result: 'busy', n: 10, ringSec: 3, talkSec: null },
      { result: 'blocked', n: 50, ringSec: 0, talkSec: null },
    ];
    expect(modelFromStats(stats)).toEqual({
      sample: 30,
      model: {
        outcomes: [
          { result: 'success', share: 0.667, ringSec: 7, talkSec: 41.3 },
          { result: 'busy', share: 0.333, ringSec: 3 },
        ],
      },
    });
    expect(modelFromStats([{ ...stats[0]!, n: MIN_SAMPLE - 1 }])).toBeNull();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { allDay } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';

/**
 * Channels shared between tasks whose ticks differ (1, 2 and 3 s: min(intervalSec, 3)), counted
 * over minutes: product.md §5 says the priority rules hold whatever each task's tick length.
 */
const task = (name: string, priority: number, intervalSec: number, callsPerInterval: number) =>
  allDay(name, intervalSec, callsPerInterval, { priority });

/** n customers whose numbers no other task of the test shares. */
const people = (prefix: number, n: number) =>
  customers(n).map((c, i) => ({
    ...c,
    sessionId: `t${prefix}-${i + 1}`,
    numbers: [{ number: `+8613${prefix}${String(i).padStart(7, '0')}`, type: 'mobile' }],
  }));

/** Calls that end at different times, so channels free one or two at a time. */
const network = {
  default: { result: 'success' as const, ringSec: 2, talkSec: 10 },
  rules: [
    {
      match: '^\\+86',
      outcomes: [
        { weight: 1, result: 'success' as const, ringSec: 2, talkSec: 5 },
        { weight: 1, result: 'success' as const, ringSec: 3, talkSec: 8 },
        { weight: 1, result: 'success' as const, ringSec: 2, talkSec: 11 },
        { weight: 1, result: 'success' as const, ringSec: 4, talkSec: 13 },
      ],
    },
  ],
};

/** These run minutes of dialing on the virtual clock: a loaded machine needs time for that. */
const MINUTES = 240_000;
const START = '2026-11-23T09:00:00+08:00';
const after = (sec: number) => new Date(new Date(START).getTime() + sec * 1000);

describe(`channels shared between tasks of different tick lengths (${dbKind})`, () => {
  let h: EngineHarness;
  afterEach(() => h.stop());

  it(
    'equal priorities, equal rates, ticks of 3 s and 1 s: equal calls over five minutes',
    async () => {
      h = await engineHarness({ start: START, settings: { channels: 6 }, network });
      // 2 calls a second each: 6 per 3 s, and 2 per second.
      const slow = await h.startTask(task('Every 3 s', 2, 3, 6), people(51, 800));
      const fast = await h.startTask(task('Every second', 2, 1, 2), people(52, 800));
      await h.runUntil(after(300));
      const a = (await h.attempts(slow)).length;
      const b = (await h.attempts(fast)).length;
      expect(a + b).toBeGreaterThan(100);
      expect(a / b).toBeGreaterThan(0.9);
      expect(a / b).toBeLessThan(1.1);
    },
    MINUTES,
  );

  it(
    'equal priorities share in proportion to their rates across ticks of 1, 2 and 3 s',
    async () => {
      h = await engineHarness({
        start: START,
        settings: { channels: 8, priorityMode: 'fill' },
        network,
      });
      // Rates 1, 2 and 1 calls a second.
      const one = await h.startTask(task('1 s tick', 2, 1, 1), people(61, 800));
      const two = await h.startTask(task('2 s tick', 2, 2, 4), people(62, 800));
      const three = await h.startTask(task('3 s tick', 2, 3, 3), people(63, 800));
      await h.runUntil(after(300));
      const [n1, n2, n3] = [
        (await h.attempts(one)).length,
        (await h.attempts(two)).length,
        (await h.attempts(three)).length,
      ];
      const total = n1 + n2 + n3;
      expect(total).toBeGreaterThan(150);
      expect(Math.abs(n1 / total - 0.25)).toBeLessThan(0.025);
      expect(Math.abs(n2 / total - 0.5)).toBeLessThan(0.05);
      expect(Math.abs(n3 / total - 0.25)).toBeLessThan(0.025);
    },
    MINUTES,
  );

  it(
    'fill: a higher priority ticking every 3 s keeps its pace; the 1 and 2 s ticks below share the rest',
    async () => {
      h = await engineHarness({
        start: START,
        settings: { channels: 20, priorityMode: 'fill' },
        network,
      });
      // 1 call a second needs about 11 of the 20 channels (calls of 5 to 17 s).
      const high = await h.startTask(task('High, 3 s tick', 1, 3, 3), people(71, 800));
      const low2 = await h.startTask(task('Low, 2 s tick', 2, 2, 20), people(72, 2000));
      const low1 = await h.startTask(task('Low, 1 s tick', 2, 1, 10), people(73, 2000));
      await h.runUntil(after(299));
      // Its pace allows 300 calls (3 at 0, 3, …, 297 s); it misses only the ticks where fewer than
      // 3 channels came free since its last one (the first 7 s, while the first calls last).
      expect((await h.attempts(high)).length).toBeGreaterThanOrEqual(270);
      const a = (await h.attempts(low2)).length;
      const b = (await h.attempts(low1)).length;
      // Rates 10 and 10 a second, far above what is left: the rest is shared equally.
      expect(a + b).toBeGreaterThan(100);
      expect(a / b).toBeGreaterThan(0.9);
      expect(a / b).toBeLessThan(1.1);
    },
    MINUTES,
  );

  it(
    'strict: a lower priority ticking every second starts nothing while higher ones of 2 and 3 s ticks have customers',
    async () => {
      h = await engineHarness({ start: START, settings: { channels: 6 }, network });
      // Equal rates (2 a second) above what 6 channels allow: the channels decide.
      const a = await h.startTask(task('High, 3 s tick', 1, 3, 6), people(81, 30));
      const b = await h.startTask(task('High, 2 s tick', 1, 2, 4), people(82, 30));
      const low = await h.startTask(task('Low, 1 s tick', 2, 1, 5), people(83, 30));
      await h.runUntil(after(150));
      const high = [...(await h.attempts(a)), ...(await h.attempts(b))];
      expect(high).toHaveLength(60);
      // Until both had called everyone, they shared the channels equally.
      const early = (id: string) =>
        h.attempts(id).then((x) => x.filter((y) => y.startedAt < after(90)).length);
      const [na, nb] = [await early(a), await early(b)];
      expect(na + nb).toBeGreaterThan(40);
      expect(na / nb).toBeGreaterThan(0.85);
      expect(na / nb).toBeLessThan(1.15);
      const lastHigh = Math.max(...high.map((x) => x.startedAt.getTime()));
      const lows = await h.attempts(low);
      expect(lows.length).toBeGreaterThan(0);
      expect(lows.every((x) => x.startedAt.getTime() > lastHigh)).toBe(true);
    },
    MINUTES,
  );

  it(
    'with channels to spare, each task keeps its exact pace whatever the others’ ticks',
    async () => {
      h = await engineHarness({ start: START, settings: { channels: 1000 }, network });
      const a = await h.startTask(task('2 a second', 3, 1, 2), people(91, 400));
      const b = await h.startTask(task('3 every 2 s', 3, 2, 3), people(92, 400));
      const c = await h.startTask(task('10 every 10 s', 3, 10, 10), people(93, 400));
      await h.runUntil(after(59));
      expect((await h.attempts(a)).length).toBe(120);
      expect((await h.attempts(b)).length).toBe(90);
      expect((await h.attempts(c)).length).toBe(60);
    },
    MINUTES,
  );
});

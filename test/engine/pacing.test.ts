import { afterEach, describe, expect, it } from 'vitest';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { allDay } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';

/** Calls started per second offset from `from`. */
function perSecond(attempts: { startedAt: Date }[], from: string): Record<number, number> {
  const t0 = new Date(from).getTime();
  const out: Record<number, number> = {};
  for (const a of attempts) {
    const s = (a.startedAt.getTime() - t0) / 1000;
    out[s] = (out[s] ?? 0) + 1;
  }
  return out;
}

describe(`pacing on the virtual clock (${dbKind})`, () => {
  let h: EngineHarness;
  afterEach(() => h.stop());
  const start = '2026-11-23T09:00:00+08:00';

  it('seed Q2: interval 10 s and 100 calls make 30 calls every 3 seconds', async () => {
    h = await engineHarness({
      start,
      settings: { channels: 1000 },
      network: { default: { result: 'success', ringSec: 5, talkSec: 60 } },
    });
    const id = await h.startTask(allDay('Q2', 10, 100), customers(300));
    await h.runUntil('2026-11-23T09:00:10+08:00');
    expect(perSecond(await h.attempts(id), start)).toEqual({ 0: 30, 3: 30, 6: 30, 9: 30 });
  });

  it('seed Q3: interval 1 s and 10 calls make 10 calls every second', async () => {
    h = await engineHarness({
      start,
      settings: { channels: 1000 },
      network: { default: { result: 'success', ringSec: 5, talkSec: 60 } },
    });
    const id = await h.startTask(allDay('Q3', 1, 10), customers(100));
    await h.runUntil('2026-11-23T09:00:04+08:00');
    expect(perSecond(await h.attempts(id), start)).toEqual({ 0: 10, 1: 10, 2: 10, 3: 10, 4: 10 });
  });

  it('seed Q4: a rate below one call per tick accumulates until a whole call is due', async () => {
    h = await engineHarness({ start, settings: { channels: 10 } });
    const id = await h.startTask(allDay('Q4', 30, 1), customers(10));
    await h.runUntil('2026-11-23T09:02:00+08:00');
    const times = (await h.attempts(id)).map(
      (a) => (a.startedAt.getTime() - new Date(start).getTime()) / 1000,
    );
    expect(times).toEqual([27, 57, 87, 117]);
  });

  it('the seed’s advice: interval 3 and 3 calls make 60 calls a minute', async () => {
    h = await engineHarness({
      start,
      settings: { channels: 100 },
      network: { default: { result: 'success', ringSec: 1, talkSec: 5 } },
    });
    const id = await h.startTask(allDay('Advice', 3, 3), customers(200));
    await h.runUntil('2026-11-23T09:00:59+08:00');
    expect(await h.attempts(id)).toHaveLength(60);
  });

  it('never exceeds the tenant’s channels, and the quota does not bank while channels are full', async () => {
    h = await engineHarness({
      start,
      settings: { channels: 5 },
      network: { default: { result: 'success', ringSec: 2, talkSec: 20 } },
    });
    const id = await h.startTask(allDay('Channels', 1, 5), customers(40));
    await h.runUntil('2026-11-23T09:03:00+08:00');
    const attempts = await h.attempts(id);
    if (process.env.DEBUG_PACING)
      console.log(
        attempts.map((a) => [
          a.startedAt.toISOString().slice(11, 19),
          a.endedAt?.toISOString().slice(11, 19),
          a.result,
        ]),
      );
    const events = attempts
      .flatMap((a) => [[a.startedAt.getTime(), 1] as const, [a.endedAt!.getTime(), -1] as const])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let inUse = 0;
    let peak = 0;
    for (const [, d] of events) {
      inUse += d;
      peak = Math.max(peak, inUse);
    }
    expect(peak).toBe(5);
    // Each call holds its channel 22 s: five calls start together, then five more when they end — no burst.
    expect(perSecond(attempts, start)).toMatchObject({ 0: 5, 22: 5, 44: 5 });
  });

  it('a large tenant places thousands of calls in one second (more than one SQL statement can carry)', async () => {
    h = await engineHarness({
      start,
      settings: { channels: 6000 },
      network: { default: { result: 'success', ringSec: 5, talkSec: 60 } },
    });
    const id = await h.startTask(allDay('Big', 1, 6000), customers(6000));
    await h.runUntil(start);
    expect(perSecond(await h.attempts(id), start)).toEqual({ 0: 6000 });
  });
});

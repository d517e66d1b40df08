import { afterEach, describe, expect, it } from 'vitest';
import { Dialer } from '../../src/engine/dialer.ts';
import type { Telephony } from '../../src/telephony/port.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { IN_ORDER, WORKDAY, fullTaskConfig } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';

/** A network that takes calls and never says anything again: its engine "died" with them. */
const blackHole: Telephony = { originate() {}, hangup() {}, close: async () => {} };

describe(`leases: an engine that dies mid-call (${dbKind})`, () => {
  let h: EngineHarness;
  afterEach(() => h.stop());

  it('its calls are closed as system_error once the lease expires, then retried by policy — never while it may be up', async () => {
    h = await engineHarness({ start: '2026-11-23T09:00:00+08:00' });
    await h.dialer.stop(); // the harness's engine stays out of this test
    const cfg = fullTaskConfig({
      name: 'Crash',
      callbackUrl: null,
      schedule: WORKDAY,
      strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 3 },
      callStrategy: IN_ORDER,
      resultPolicy: {
        kind: 'global',
        byResult: true,
        rules: [{ result: 'system_error', retries: 1, intervalSec: 0 }],
        nonRetryResults: [],
      },
      businessResultPolicy: [],
    });
    const dead = new Dialer({
      db: h.store.db,
      scheduler: h.sched,
      telephony: blackHole,
      engineId: 'dead',
      leaseMs: 60_000,
      idleMs: 3600_000,
    });
    dead.start();
    const id = await h.startTask(cfg, customers(3));
    await h.runUntil('2026-11-23T09:00:00+08:00');
    await dead.stop(); // killed: its three calls stay "active" in the database
    expect((await h.attempts(id)).map((a) => a.result)).toEqual([null, null, null]);

    const survivor = new Dialer({
      db: h.store.db,
      scheduler: h.sched,
      telephony: h.sim,
      engineId: 'survivor',
      leaseMs: 60_000,
      idleMs: 1000,
    });
    survivor.start();
    await h.runUntil('2026-11-23T09:00:59+08:00');
    expect((await h.attempts(id)).filter((a) => a.result === null)).toHaveLength(3); // lease not expired: not touched
    await h.runUntil('2026-11-23T09:05:00+08:00');
    await survivor.stop();
    const a = await h.attempts(id);
    expect(a.map((x) => [x.sessionId, x.attemptNo, x.result])).toEqual([
      ['c0001', 1, 'system_error'],
      ['c0002', 1, 'system_error'],
      ['c0003', 1, 'system_error'],
      ['c0001', 2, 'success'],
      ['c0002', 2, 'success'],
      ['c0003', 2, 'success'],
    ]);
    expect(
      a
        .slice(0, 3)
        .every((x) => x.endedAt!.getTime() === new Date('2026-11-23T09:01:00+08:00').getTime()),
    ).toBe(true);
    expect(
      a
        .slice(3)
        .every((x) => x.startedAt.getTime() >= new Date('2026-11-23T09:01:00+08:00').getTime()),
    ).toBe(true);
    expect(survivor.recovered).toBe(3);
  });
});

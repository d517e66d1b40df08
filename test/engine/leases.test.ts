import { afterEach, describe, expect, it } from 'vitest';
import { Dialer } from '../../src/engine/dialer.ts';
import type { Telephony } from '../../src/telephony/port.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { IN_ORDER, WORKDAY, fullTaskConfig, retrying } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';
import { pino } from 'pino';
import { createMetrics } from '../../src/platform/metrics.ts';
import { scaleToClock } from '../../src/cli/serve.ts';

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
      resultPolicy: retrying('system_error', 1, 0),
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
  }, 120_000); // five minutes of one-second ticks: slow on a busy machine
});

describe(`leases: an engine that is alive but late (${dbKind})`, () => {
  let h: EngineHarness;
  afterEach(() => h.stop());

  it('never sweeps its own calls in progress; when another engine sweeps them it warns, counts them in /metrics and hangs them up', async () => {
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      network: { default: { result: 'success', ringSec: 1, talkSec: 3600 } },
    });
    await h.dialer.stop();
    const cfg = fullTaskConfig({
      name: 'Stall',
      callbackUrl: null,
      schedule: WORKDAY,
      strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 3 },
      callStrategy: IN_ORDER,
      resultPolicy: retrying('system_error', 1, 600),
      businessResultPolicy: [],
    });
    const warnings: string[] = [];
    const logger = pino(
      { level: 'warn' },
      { write: (s: string) => warnings.push(JSON.parse(s).msg) },
    );
    const metrics = createMetrics(h.store.db, h.sched);
    const stalled = new Dialer({
      db: h.store.db,
      scheduler: h.sched,
      telephony: h.sim,
      engineId: 'stalled',
      leaseMs: 60_000,
      idleMs: 3600_000,
      logger,
      metrics,
    });
    stalled.start();
    const id = await h.startTask(cfg, customers(3));
    stalled.wakeAt();
    await h.runUntil('2026-11-23T09:00:01+08:00');
    expect(stalled.liveCalls).toBe(3);

    // Its timers stall (no heartbeat) well past the lease; then it ticks once: its own sweeper
    // leaves its calls alone, however expired their leases look.
    await stalled.stop();
    await h.runUntil('2026-11-23T09:02:00+08:00');
    await stalled.tick();
    expect(stalled.recovered).toBe(0);
    expect((await h.attempts(id)).map((a) => a.result)).toEqual([null, null, null]);
    expect(warnings).toContain(
      'leases of calls in progress expired before the heartbeat renewed them; renewing',
    );

    // Another engine takes it for dead and closes its calls; when the stalled one comes back, its
    // heartbeat notices, warns, counts them and hangs them up (their customers may be redialed).
    const other = new Dialer({
      db: h.store.db,
      scheduler: h.sched,
      telephony: h.sim,
      engineId: 'other',
      leaseMs: 60_000,
      idleMs: 1000,
    });
    other.start();
    await h.runUntil('2026-11-23T09:02:01+08:00');
    expect(other.recovered).toBe(3);
    stalled.start();
    await h.runUntil('2026-11-23T09:02:02+08:00');
    await other.stop();
    await stalled.stop();
    expect(stalled.liveSwept).toBe(3);
    expect(stalled.liveCalls).toBe(0);
    expect(h.sim.liveCalls).toBe(0);
    expect(warnings).toContain(
      'calls in progress of this live engine were closed by a sweeper (heartbeat late); hanging them up',
    );
    expect(
      await metrics.registry.getSingleMetricAsString('outbound_live_calls_swept_total'),
    ).toMatch(/outbound_live_calls_swept_total 3$/m);
    // Each call was closed once, as engine lost: the late hang-ups changed nothing.
    const a = await h.attempts(id);
    expect(a.map((x) => x.result)).toEqual(['system_error', 'system_error', 'system_error']);
  });
});

describe('leases on an accelerated clock', () => {
  it('last as many real seconds as configured: they scale with --speed', () => {
    expect(scaleToClock(undefined)).toBe(1);
    expect(scaleToClock(60)).toBe(60);
    // OUTBOUND_LEASE_SEC=60 at --speed 60: 3600 s of the service's clock, 60 s of real time.
    expect(60 * 1000 * scaleToClock(60)).toBe(3600_000);
  });
});

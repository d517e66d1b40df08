import { afterEach, describe, expect, it } from 'vitest';
import { Dialer } from '../../src/engine/dialer.ts';
import type { CallEvents, CallRequest, Telephony } from '../../src/telephony/port.ts';
import type { NetworkRules } from '../../src/telephony/sim/network.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { IN_ORDER, WORKDAY, fullTaskConfig } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';

const T0 = '2026-11-23T09:00:00+08:00';
const at = (sec: number) => new Date(new Date(T0).getTime() + sec * 1000);

const task = () =>
  fullTaskConfig({
    name: 'Upgrade',
    callbackUrl: null,
    schedule: WORKDAY,
    strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 6 },
    callStrategy: IN_ORDER,
    resultPolicy: {
      kind: 'global',
      byResult: true,
      rules: [{ result: 'system_error', retries: 3, intervalSec: 0 }],
      nonRetryResults: [],
    },
    businessResultPolicy: [],
  });

/**
 * Odd numbers: short calls (ring 1 s, talk 5 s). Even numbers: their first two calls last 100 s
 * (longer than any drain here), the third 5 s.
 */
const NETWORK: NetworkRules = {
  rules: [
    { match: '[13579]$', outcomes: [{ result: 'success', ringSec: 1, talkSec: 5 }] },
    {
      match: '[02468]$',
      sequence: [
        { result: 'success', ringSec: 1, talkSec: 100 },
        { result: 'success', ringSec: 1, talkSec: 100 },
        { result: 'success', ringSec: 1, talkSec: 5 },
      ],
    },
  ],
};

describe(`draining stop: SIGTERM lets calls finish, then cuts them as shutdown (${dbKind})`, () => {
  let h: EngineHarness;
  const extra: Dialer[] = [];
  afterEach(async () => {
    for (const d of extra.splice(0)) await d.stop();
    await h.stop();
  });

  /**
   * Runs the virtual clock until `p` settles or `end`: a drain waits on timers (its deadline, the
   * hang-ups' ends), and the clock only moves while a test moves it.
   */
  const runWhile = async (p: Promise<unknown>, end: Date) => {
    let done = false;
    void p.then(
      () => (done = true),
      () => (done = true),
    );
    while (!done && h.sched.now() < end) {
      await h.runUntil(new Date(h.sched.now().getTime() + 100));
      await new Promise((r) => setImmediate(r));
    }
    await h.runUntil(end);
  };

  const engine = (engineId: string) => {
    const d = new Dialer({
      db: h.store.db,
      scheduler: h.sched,
      telephony: h.sim,
      engineId,
      leaseMs: 60_000,
      idleMs: 1000, // as in real time: sees customers another engine made callable
    });
    extra.push(d);
    d.start();
    return d;
  };

  it('a rolling upgrade of two engines finalises no customer: calls finish during the drain, the rest end as system_error "shutdown" and are called again', async () => {
    h = await engineHarness({ start: T0, network: NETWORK, settings: { channels: 20 } });
    const a = h.dialer; // engine "test-engine" places the first calls alone
    const id = await h.startTask(task(), customers(6));
    await h.runUntil(at(0.5));
    const b = engine('b');

    // Upgrade A: drain 10 s while B keeps dialing; then its new version starts.
    const drainA = a.drain(10_000);
    await runWhile(drainA, at(12.5));
    expect(await drainA).toEqual({ ended: 3, cut: 3 });
    // B calls A's customers again; A's new version starts once B has.
    await h.runUntil(at(13.5));
    engine('a2');
    // Upgrade B the same way.
    await h.runUntil(at(14));
    const drainB = b.drain(10_000);
    await runWhile(drainB, at(24.5));
    expect(await drainB).toEqual({ ended: 0, cut: 3 });
    engine('b2');
    await h.runUntil(at(120));

    const rows = await h.store.db
      .selectFrom('attempts')
      .select(['session_id', 'attempt_no', 'engine_id', 'result', 'detail', 'ended_at'])
      .where('task_id', '=', id)
      .orderBy('session_id')
      .orderBy('attempt_no')
      .execute();
    const shutdown = { reason: 'shutdown' };
    expect(rows.map((r) => [r.session_id, r.attempt_no, r.engine_id, r.result])).toEqual([
      ['c0001', 1, 'test-engine', 'success'],
      ['c0002', 1, 'test-engine', 'system_error'],
      ['c0002', 2, 'b', 'system_error'],
      ['c0002', 3, 'a2', 'success'],
      ['c0003', 1, 'test-engine', 'success'],
      ['c0004', 1, 'test-engine', 'system_error'],
      ['c0004', 2, 'b', 'system_error'],
      ['c0004', 3, 'a2', 'success'],
      ['c0005', 1, 'test-engine', 'success'],
      ['c0006', 1, 'test-engine', 'system_error'],
      ['c0006', 2, 'b', 'system_error'],
      ['c0006', 3, 'a2', 'success'],
    ]);
    // The cut calls end at the end of each drain, saying why.
    for (const r of rows.filter((x) => x.result === 'system_error')) {
      expect(r.detail).toMatchObject({ ...shutdown, ending: 'engine_hangup' });
      expect(r.ended_at!.getTime()).toBe(at(r.engine_id === 'b' ? 24 : 10.5).getTime());
    }
    // Every customer finished with the call it was meant to have, none because of the upgrade.
    const contacts = await h.store.db
      .selectFrom('contacts')
      .select(['session_id', 'state', 'final_result'])
      .where('task_id', '=', id)
      .orderBy('session_id')
      .execute();
    expect(contacts.every((c) => c.state === 'finished' && c.final_result === 'success')).toBe(
      true,
    );
  });

  it('a drain ends as soon as the last call in progress ends', async () => {
    h = await engineHarness({
      start: T0,
      network: { default: { result: 'success', ringSec: 1, talkSec: 5 } },
      settings: { channels: 20 },
    });
    const id = await h.startTask(task(), customers(3));
    await h.runUntil(at(0.5));
    let doneAt: Date | undefined;
    const drain = h.dialer.drain(60_000).then((r) => ((doneAt = h.sched.now()), r));
    await h.runUntil(at(120));
    expect(await drain).toEqual({ ended: 3, cut: 0 });
    expect(doneAt!.getTime()).toBe(at(6).getTime());
    expect((await h.attempts(id)).map((a) => a.result)).toEqual(['success', 'success', 'success']);
  });

  it('a cut call keeps what the adapter collected (digits, detail) and says shutdown', async () => {
    h = await engineHarness({ start: T0, settings: { channels: 20 } });
    await h.dialer.stop();
    // An adapter whose call answers and runs an IVR that never ends by itself; hung up, it reports
    // what it collected so far (as the sim and sip adapters do).
    const calls = new Map<string, CallEvents>();
    const ivr: Telephony = {
      originate(req: CallRequest, events: CallEvents) {
        calls.set(req.callId, events);
        h.sched.at(at(1), () => events.answered(at(1)));
      },
      hangup(callId) {
        void calls.get(callId)?.ended({
          result: 'success',
          at: h.sched.now(),
          digits: '12',
          detail: { ivr: { node: 'menu' } },
        });
        calls.delete(callId);
      },
      close: async () => {},
    };
    const d = new Dialer({
      db: h.store.db,
      scheduler: h.sched,
      telephony: ivr,
      engineId: 'ivr',
      idleMs: 3600_000,
    });
    d.start();
    const id = await h.startTask(task(), customers(1));
    d.wakeAt();
    await h.runUntil(at(2));
    const drain = d.drain(3000);
    await runWhile(drain, at(30));
    expect(await drain).toEqual({ ended: 0, cut: 1 });
    const [row] = await h.store.db
      .selectFrom('attempts')
      .select(['result', 'digits', 'detail', 'answered_at', 'ended_at'])
      .where('task_id', '=', id)
      .execute();
    expect(row).toMatchObject({
      result: 'system_error',
      digits: '12',
      detail: { ivr: { node: 'menu' }, reason: 'shutdown' },
      answered_at: at(1),
      ended_at: at(5),
    });
    // Retried by the policy: the customer is callable again, not finished.
    expect((await h.contact(id, 'c0001')).state).toBe('ready');
  });
});

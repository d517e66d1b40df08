import { describe, expect, it } from 'vitest';
import {
  nextGain,
  predictiveDue,
  progressiveDue,
  queuePause,
  type CallMeasures,
  type QueueState,
} from '../../src/domain/agent-pacing.ts';
import { AgentLedger } from '../../src/engine/agent-ledger.ts';
import { VirtualScheduler } from '../../src/platform/scheduler.ts';
import { SimContactCentre, type QueueEvent } from '../../src/telephony/sim/agents.ts';

const NOW = Date.parse('2026-11-23T01:00:00Z');
const queue = (q: Partial<QueueState> = {}): QueueState => ({
  loggedIn: 10,
  ready: 4,
  busy: 6,
  avgHandleSec: 180,
  at: NOW,
  ...q,
});
/** 1,000 calls measured: 30 % answered after 6 s, 60 % of those transferred 3 s later. */
const MEASURED: CallMeasures = {
  resolved: 1000,
  answered: 300,
  flowsEnded: 300,
  transferred: 180,
  ringSec: 6,
  talkBeforeTransferSec: 3,
};
const predict = (q: QueueState, o: { expected?: number; waiting?: number; gain?: number } = {}) =>
  predictiveDue({
    queue: q,
    measures: MEASURED,
    pipeline: { expected: o.expected ?? 0 },
    waiting: o.waiting ?? 0,
    abandon: { rate: 0, samples: 0 },
    target: 0.03,
    gain: o.gain ?? 1,
    tickSec: 3,
  });

describe('pacing by agents (domain)', () => {
  it('pauses without agents logged in or without a fresh queue state', () => {
    expect(queuePause(queue({ loggedIn: 0, ready: 0, busy: 0 }), NOW)).toBe('no_agents_logged_in');
    expect(queuePause(undefined, NOW)).toBe('no_queue_state');
    expect(queuePause(queue(), NOW + 121_000)).toBe('no_queue_state');
    expect(queuePause(queue(), NOW + 60_000)).toBeUndefined();
  });

  it('progressive keeps ratio × ready agents calls in flight', () => {
    expect(progressiveDue(queue({ ready: 4 }), 1, 0)).toBe(3);
    expect(progressiveDue(queue({ ready: 4 }), 1, 0, 2.5)).toBe(9);
    expect(progressiveDue(queue({ ready: 4 }), 3, 2)).toBe(0);
  });

  it('predictive dials for the agents free by the time calls reach the queue', () => {
    // 4 ready + 6 busy × (1 − e^(−9/180)) ≈ 4.29 agents, at 18 % reach: 23 calls.
    expect(predict(queue()).due).toBe(23);
    // Calls on their way and customers waiting take agents first.
    expect(predict(queue(), { expected: 2 }).due).toBe(12);
    expect(predict(queue(), { waiting: 5 }).due).toBe(0);
    // More agents ready, more calls; a higher gain, more calls.
    expect(predict(queue({ ready: 8, busy: 2 })).due).toBeGreaterThan(predict(queue()).due);
    expect(predict(queue(), { gain: 1.5 }).due).toBeGreaterThan(predict(queue()).due);
  });

  it('lowers the gain when abandons run over half the target and raises it under', () => {
    expect(nextGain(1, { rate: 0.06, samples: 100 }, 0.03, 3)).toBeLessThan(1);
    expect(nextGain(1, { rate: 0, samples: 100 }, 0.03, 3)).toBeGreaterThan(1);
    // Too few transfers to judge: unchanged.
    expect(nextGain(1, { rate: 0.5, samples: 3 }, 0.03, 3)).toBe(1);
    expect(nextGain(0.5, { rate: 1, samples: 100 }, 0.03, 300)).toBe(0.5);
  });
});

describe('the sim contact centre', () => {
  it('answers while agents are free, queues the rest, and loses the impatient', async () => {
    const sched = new VirtualScheduler(new Date(NOW));
    const centre = new SimContactCentre(
      sched,
      { sales: { agents: 1, handleSec: 100, handleDistribution: 'fixed', patienceSec: 30 } },
      1,
    );
    const events: QueueEvent[] = [];
    centre.onEvent((e) => events.push(e));
    expect(centre.transfer('sales', 'a')).toBe(true);
    expect(centre.transfer('sales', 'b')).toBe(true);
    expect(centre.transfer('nowhere', 'c')).toBe(false);
    expect(centre.state('sales')).toMatchObject({ loggedIn: 1, ready: 0, busy: 1 });
    expect(centre.waiting('sales')).toBe(1);
    await sched.runUntil(new Date(NOW + 200_000));
    const outcome = (id: string) => events.find((e) => e.callId === id && e.type !== 'queued');
    expect(outcome('a')).toMatchObject({ type: 'answered', waitMs: 0 });
    // b either got the agent after 100 s or gave up before: its patience decides, not chance.
    const b = outcome('b') as { type: string; waitMs?: number };
    expect(b.type === 'answered' ? b.waitMs === 100_000 : b.waitMs! < 100_000).toBe(true);
    const r = centre.report().sales!;
    expect(r.answered + r.abandoned).toBe(2);
    expect(r.occupancy).toBeGreaterThan(0);
  });
});

describe("the engine's agent ledger", () => {
  const MIN = 60_000;
  const HOUR = 60 * MIN;
  const transferred = (at: number) => ({
    result: 'success' as const,
    at: new Date(at),
    detail: { transfer: { ok: true, target: { skillQueue: 'sales' } } },
  });

  /** A call placed at `at`: answered after 6 s, transferred after 3 s more, waiting `waitMs`. */
  const call = (l: AgentLedger, id: string, at: number, abandoned: boolean, waitMs: number) => {
    l.placed('t1', id, at);
    l.answered(id, at + 6_000);
    l.ended(id, transferred(at + 9_000));
    l.outcome(id, abandoned, waitMs, at + 9_000 + waitMs);
  };

  it('measures the calls and customers of the last hour only, and forgets the older ones', () => {
    const l = new AgentLedger();
    l.follow('t1');
    // An hour and a half ago: 10 calls, half of the customers abandoned after a minute.
    for (let i = 0; i < 10; i++) call(l, `old${i}`, NOW - 90 * MIN + i * 1000, i % 2 === 0, MIN);
    // In the last half hour: 20 calls; agents answered the first 19 after 0, 1, … 18 s, the last
    // customer hung up after 30 s.
    for (let i = 0; i < 20; i++)
      call(l, `new${i}`, NOW - 30 * MIN + i * 1000, i === 19, i === 19 ? 30_000 : i * 1000);
    // One unanswered call, still ringing.
    l.placed('t1', 'ringing', NOW - 5_000);

    const f = l.figures('t1', NOW, HOUR);
    expect(f.measures).toEqual({
      resolved: 20,
      answered: 20,
      flowsEnded: 20,
      transferred: 20,
      ringSec: 6,
      talkBeforeTransferSec: 3,
    });
    expect(f).toMatchObject({ ringing: 1, outcomes: 20, abandoned: 1, abandonRate: 0.05 });
    expect(f.waitP50Sec).toBe(9);
    expect(f.waitP95Sec).toBe(18);
    // A window of two hours keeps the older customers.
    const wide = new AgentLedger();
    wide.follow('t1');
    for (let i = 0; i < 10; i++) call(wide, `old${i}`, NOW - 90 * MIN + i * 1000, i % 2 === 0, MIN);
    expect(wide.figures('t1', NOW, 2 * HOUR)).toMatchObject({ outcomes: 10, abandoned: 5 });
    // Half an hour later the first two customers of the last half hour are gone too.
    expect(l.figures('t1', NOW + 30 * MIN + 12_000, HOUR)).toMatchObject({
      outcomes: 18,
      abandoned: 1,
      waitP50Sec: 10,
    });
  });

  it("gives the agents' occupancy over the window from the queue states it samples", () => {
    const l = new AgentLedger();
    const at = (m: number, busy: number) =>
      l.sample(
        'sim/q',
        queue({ loggedIn: 10, busy, ready: 10 - busy, at: NOW + m * MIN }),
        NOW + m * MIN,
      );
    // Sampled every minute: 40 minutes at 5 busy of 10, then 60 minutes at 9 of 10.
    for (let m = 0; m <= 100; m++) at(m, m < 40 ? 5 : 9);
    expect(l.occupancy('sim/q', NOW + 100 * MIN, 200 * MIN)).toBeCloseTo(
      (40 * 5 + 60 * 9) / 1000,
      9,
    );
    // Over the last 50 minutes only the 9 of 10.
    expect(l.occupancy('sim/q', NOW + 100 * MIN, 50 * MIN)).toBeCloseTo(0.9, 9);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { IN_ORDER, fullTaskConfig } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';

const local = (d: Date) =>
  new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
const workday = {
  regular: [{ start: '09:00', end: '18:00' }],
  specialDates: [],
  specialPeriods: [],
  allocations: { enabled: false, entries: [] },
};
const cfg = (name: string, extra: Record<string, unknown>) =>
  fullTaskConfig({
    name,
    schedule: workday,
    strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 1 },
    callStrategy: IN_ORDER,
    businessResultPolicy: [],
    ...extra,
  });
const three = [
  { number: '+8613800020001', type: 'home', sequence: 3 },
  { number: '+8613800020002', type: 'office', sequence: 1 },
  { number: '+8613800020003', type: 'mobile', sequence: 2 },
];
const allFail = {
  rules: [{ match: '^\\+86138000200', outcomes: [{ result: 'no_answer' as const, ringSec: 5 }] }],
};

describe(`number rounds and result policies (${dbKind})`, () => {
  let h: EngineHarness;
  afterEach(() => h.stop());

  const once = {
    kind: 'global',
    byResult: false,
    maxAttemptDays: 1,
    maxAttemptsPerDay: 1,
    retryIntervalSec: 0,
    nonRetryResults: [],
  };

  it.each([
    ['sequence', { mode: 'sequence' }, ['+8613800020001', '+8613800020002', '+8613800020003']],
    [
      'numberType',
      { mode: 'numberType', numberTypes: ['mobile', 'home'] },
      ['+8613800020003', '+8613800020001', '+8613800020002'],
    ],
    [
      'sequenceNumber',
      { mode: 'sequenceNumber' },
      ['+8613800020002', '+8613800020003', '+8613800020001'],
    ],
  ])('calls a customer’s numbers in %s order', async (_name, rounds, expected) => {
    h = await engineHarness({ start: '2026-11-23T09:00:00+08:00', network: allFail });
    const id = await h.startTask(
      cfg('Rounds', {
        callStrategy: { order: { by: 'none' }, numberRounds: rounds },
        resultPolicy: once,
      }),
      [{ sessionId: 'r1', numbers: three, attributes: { vip: 1 } }],
    );
    await h.runUntil('2026-11-23T10:00:00+08:00');
    expect((await h.attempts(id)).map((a) => a.number)).toEqual(expected);
    expect((await h.contact(id, 'r1')).finish_reason).toBe('exhausted');
  });

  it('global policy: at most maxAttemptsPerDay per number per day, on maxAttemptDays days, retryIntervalSec apart', async () => {
    h = await engineHarness({ start: '2026-11-23T09:00:00+08:00', network: allFail });
    const policy = {
      kind: 'global',
      byResult: false,
      maxAttemptDays: 2,
      maxAttemptsPerDay: 2,
      retryIntervalSec: 3600,
      nonRetryResults: [],
    };
    const id = await h.startTask(cfg('Caps', { resultPolicy: policy }), [
      { sessionId: 'g1', numbers: [three[0]], attributes: { vip: 1 } },
    ]);
    await h.runUntil('2026-11-27T00:00:00+08:00');
    expect((await h.attempts(id)).map((a) => local(a.startedAt))).toEqual([
      '2026-11-23 09:00',
      '2026-11-23 10:00',
      '2026-11-24 09:00',
      '2026-11-24 10:00',
    ]);
  });

  it('contact policy: each number follows the rules of its type', async () => {
    h = await engineHarness({ start: '2026-11-23T09:00:00+08:00', network: allFail });
    const policy = {
      kind: 'contact',
      default: {
        byResult: true,
        rules: [{ result: 'no_answer', retries: 0, intervalSec: 0 }],
        nonRetryResults: [],
      },
      numberTypes: [
        {
          numberType: 'mobile',
          byResult: true,
          rules: [{ result: 'R-NOREACH', retries: 2, intervalSec: 600 }],
          nonRetryResults: [],
        },
      ],
    };
    const id = await h.startTask(cfg('Contact policy', { resultPolicy: policy }), [
      { sessionId: 'p1', numbers: [three[0], three[2]], attributes: { vip: 1 } },
    ]);
    await h.runUntil('2026-11-23T12:00:00+08:00');
    expect((await h.attempts(id)).map((a) => [local(a.startedAt), a.number])).toEqual([
      ['2026-11-23 09:00', '+8613800020001'],
      ['2026-11-23 09:00', '+8613800020003'],
      ['2026-11-23 09:10', '+8613800020003'],
      ['2026-11-23 09:20', '+8613800020003'],
    ]);
  });

  it('a blocklist entry with a quota allows that many calls per day to the number', async () => {
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      network: {
        rules: [{ match: '^\\+8613800000098$', outcomes: [{ result: 'busy', ringSec: 2 }] }],
      },
    });
    const policy = {
      kind: 'global',
      byResult: true,
      rules: [{ result: 'busy', retries: 3, intervalSec: 600 }],
      nonRetryResults: [],
    };
    const id = await h.startTask(cfg('Quota', { resultPolicy: policy }), [
      {
        sessionId: 'q1',
        numbers: [{ number: '+8613800000098', type: 'mobile' }],
        attributes: { vip: 1 },
      },
    ]);
    await h.runUntil('2026-11-23T12:00:00+08:00');
    expect((await h.attempts(id)).map((a) => a.result)).toEqual(['busy', 'blocked']);
    expect(h.sim.network.callsTo('+8613800000098')).toBe(1);
  });
});

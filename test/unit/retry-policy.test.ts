import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import {
  decideAfterAttempt,
  decideAfterBusinessResult,
  type AttemptRecord,
  type PolicyNumber,
  type RetryDecision,
  type RetryInput,
} from '../../src/domain/retry-policy.ts';
import {
  nextWindowStart,
  resolveZone,
  type WindowContext,
} from '../../src/domain/calling-windows.ts';
import type {
  BusinessResultRule,
  PolicyBody,
  ResultPolicy,
  Schedule,
} from '../../src/domain/task-config.ts';
import type { ResultDefinition } from '../../src/domain/resources.ts';

const zone = resolveZone('+08:00', '+08:00');
const cn = (local: string): Date => new Date(`${local}+08:00`);
const show = (d: Date): string => DateTime.fromJSDate(d, { zone }).toFormat('MM-dd HH:mm:ss');

const definitions: ResultDefinition[] = [
  {
    code: 'R-NOREACH',
    label: 'Not reached',
    ouId: null,
    results: ['no_answer', 'ring_timeout', 'unreachable'],
  },
];

const body = (over: Partial<PolicyBody>): PolicyBody => ({
  byResult: false,
  nonRetryResults: [],
  ...over,
});
const global = (over: Partial<PolicyBody>): ResultPolicy => ({ kind: 'global', ...body(over) });

/** Calling windows 09:00-18:00 every day, optionally no calls on weekends. */
function windows(noWeekends = false): (t: Date) => Date | null {
  const schedule: Schedule = {
    regular: [{ start: '09:00', end: '18:00' }],
    specialDates: noWeekends ? ['weekend'] : [],
    specialPeriods: [{ start: '00:00', end: '00:00' }],
    allocations: { enabled: false, entries: [] },
  };
  const ctx: WindowContext = {
    schedule,
    specialDates: [
      { id: 'weekend', name: 'Weekends', ouId: null, type: 'weekday', weekdays: [6, 7] },
    ],
    zone,
    taskStart: cn('2026-11-23T00:00:00'),
    taskEnd: cn('2026-12-31T23:59:59'),
  };
  return (t) => nextWindowStart(t, ctx);
}

interface Run {
  /** "number@MM-dd HH:mm:ss result" per attempt. */
  calls: string[];
  end: RetryDecision;
}

/**
 * Plays a customer through the policy: every call lasts 30 s and starts exactly when the policy
 * says; `outcome(numberIndex, nthAttemptOfThatNumber)` gives the result.
 */
function play(
  setup: {
    policy: ResultPolicy;
    numbers?: PolicyNumber[];
    order?: number[];
    windowStart?: RetryInput['windowStart'];
  },
  outcome: (numberIndex: number, nth: number) => string,
  first = cn('2026-11-23T09:00:00'),
): Run {
  const numbers = setup.numbers ?? [{ type: 'mobile', delaySec: 0 }];
  const input: Omit<RetryInput, 'attempts'> = {
    policy: setup.policy,
    resultDefinitions: definitions,
    numbers,
    order: setup.order ?? numbers.map((_, i) => i),
    zone,
    windowStart: setup.windowStart,
  };
  const attempts: AttemptRecord[] = [];
  let next = { numberIndex: input.order[0] ?? 0, at: first };
  for (let i = 0; i < 40; i++) {
    const nth = attempts.filter((a) => a.numberIndex === next.numberIndex).length;
    const result = outcome(next.numberIndex, nth);
    attempts.push({
      numberIndex: next.numberIndex,
      startedAt: next.at,
      endedAt: new Date(next.at.getTime() + 30_000),
      result,
    });
    const d = decideAfterAttempt({ ...input, attempts });
    if (d.kind === 'finish') {
      return {
        calls: attempts.map((a) => `${a.numberIndex}@${show(a.startedAt)} ${a.result}`),
        end: d,
      };
    }
    next = { numberIndex: d.numberIndex, at: d.notBefore };
  }
  throw new Error('the policy never finished the customer');
}

describe('finishing a customer', () => {
  const twoNumbers = [
    { type: 'mobile', delaySec: 0 },
    { type: 'home', delaySec: 0 },
  ];

  it('success on any number completes the customer: its other numbers are not called', () => {
    const run = play(
      {
        policy: global({ maxAttemptsPerDay: 3, maxAttemptDays: 2 }),
        numbers: [...twoNumbers, { type: 'office' }],
      },
      (n) => (n === 1 ? 'success' : 'no_answer'),
    );
    expect(run.calls).toEqual(['0@11-23 09:00:00 no_answer', '1@11-23 09:00:30 success']);
    expect(run.end).toEqual({ kind: 'finish', reason: 'success' });
  });

  it('a customer hang-up during the IVR counts as connected', () => {
    const run = play({ policy: global({ maxAttemptsPerDay: 3 }) }, () => 'customer_hangup');
    expect(run.end).toEqual({ kind: 'finish', reason: 'success' });
    expect(run.calls).toHaveLength(1);
  });

  it('a non-retry result stops calling all numbers of the customer', () => {
    const run = play(
      {
        policy: global({ maxAttemptsPerDay: 3, nonRetryResults: ['unallocated'] }),
        numbers: twoNumbers,
      },
      () => 'unallocated',
    );
    expect(run.calls).toEqual(['0@11-23 09:00:00 unallocated']);
    expect(run.end).toEqual({ kind: 'finish', reason: 'non_retry' });
  });

  it('a non-retry result wins over a rule for the same result', () => {
    const policy = global({
      byResult: true,
      rules: [{ result: 'busy', retries: 2, intervalSec: 300 }],
      nonRetryResults: ['busy'],
    });
    const run = play({ policy }, () => 'busy');
    expect(run.calls).toHaveLength(1);
    expect(run.end).toEqual({ kind: 'finish', reason: 'non_retry' });
  });

  it('a result definition code in nonRetryResults covers each of its results', () => {
    const run = play(
      { policy: global({ maxAttemptsPerDay: 5, nonRetryResults: ['R-NOREACH'] }) },
      () => 'unreachable',
    );
    expect(run.end).toEqual({ kind: 'finish', reason: 'non_retry' });
  });
});

describe('global policy with per-result rules', () => {
  it('seed: if a customer is busy, the call is made another two times (3 attempts)', () => {
    const policy = global({
      byResult: true,
      rules: [{ result: 'busy', retries: 2, intervalSec: 300 }],
    });
    const run = play({ policy }, () => 'busy');
    expect(run.calls).toEqual([
      '0@11-23 09:00:00 busy',
      '0@11-23 09:05:30 busy', // 300 s after the 30 s call ended
      '0@11-23 09:11:00 busy',
    ]);
    expect(run.end).toEqual({ kind: 'finish', reason: 'exhausted' });
  });

  it('stops retrying once the customer answers', () => {
    const policy = global({
      byResult: true,
      rules: [{ result: 'busy', retries: 2, intervalSec: 300 }],
    });
    const run = play({ policy }, (_, nth) => (nth === 1 ? 'success' : 'busy'));
    expect(run.calls).toHaveLength(2);
    expect(run.end).toEqual({ kind: 'finish', reason: 'success' });
  });

  it('a result without a rule is not retried: the next number is called at once plus its delay', () => {
    const policy = global({
      byResult: true,
      rules: [{ result: 'busy', retries: 1, intervalSec: 300 }],
    });
    const run = play(
      { policy, numbers: [{ type: 'mobile' }, { type: 'home', delaySec: 60 }] },
      (n) => (n === 0 ? 'no_answer' : 'busy'),
    );
    expect(run.calls).toEqual([
      '0@11-23 09:00:00 no_answer',
      '1@11-23 09:01:30 busy',
      '1@11-23 09:07:00 busy',
    ]);
    expect(run.end.kind).toBe('finish');
  });

  it('while a busy number waits for its retry the round goes on with the other numbers', () => {
    const policy = global({
      byResult: true,
      rules: [{ result: 'busy', retries: 2, intervalSec: 300 }],
    });
    const run = play({ policy, numbers: [{ type: 'mobile' }, { type: 'home' }] }, (n) =>
      n === 0 ? 'busy' : 'no_answer',
    );
    expect(run.calls).toEqual([
      '0@11-23 09:00:00 busy',
      '1@11-23 09:00:30 no_answer',
      '0@11-23 09:05:30 busy',
      '0@11-23 09:11:00 busy',
    ]);
  });

  it('a rule may name a result definition; a rule naming the result itself wins', () => {
    const byDefinition = global({
      byResult: true,
      rules: [{ result: 'R-NOREACH', retries: 1, intervalSec: 600 }],
    });
    // no_answer and ring_timeout both fall under R-NOREACH: one retry in total.
    const run = play({ policy: byDefinition }, (_, nth) =>
      nth === 0 ? 'no_answer' : 'ring_timeout',
    );
    expect(run.calls).toEqual(['0@11-23 09:00:00 no_answer', '0@11-23 09:10:30 ring_timeout']);

    const both = global({
      byResult: true,
      rules: [
        { result: 'R-NOREACH', retries: 0, intervalSec: 600 },
        { result: 'no_answer', retries: 2, intervalSec: 60 },
      ],
    });
    expect(play({ policy: both }, () => 'no_answer').calls).toHaveLength(3);
    expect(play({ policy: both }, () => 'unreachable').calls).toHaveLength(1);
  });

  it('a retry due outside the calling window waits for the next window', () => {
    const policy = global({
      byResult: true,
      rules: [{ result: 'busy', retries: 1, intervalSec: 600 }],
    });
    const run = play({ policy, windowStart: windows() }, () => 'busy', cn('2026-11-23T17:55:00'));
    expect(run.calls).toEqual(['0@11-23 17:55:00 busy', '0@11-24 09:00:00 busy']);
  });
});

describe('global policy without rules', () => {
  it('each number at most maxAttemptsPerDay a day on maxAttemptDays days, retryIntervalSec apart', () => {
    const policy = global({ maxAttemptsPerDay: 3, maxAttemptDays: 2, retryIntervalSec: 600 });
    const run = play({ policy, windowStart: windows() }, () => 'no_answer');
    expect(run.calls).toEqual([
      '0@11-23 09:00:00 no_answer',
      '0@11-23 09:10:30 no_answer',
      '0@11-23 09:21:00 no_answer',
      '0@11-24 09:00:00 no_answer',
      '0@11-24 09:10:30 no_answer',
      '0@11-24 09:21:00 no_answer',
    ]);
    expect(run.end).toEqual({ kind: 'finish', reason: 'exhausted' });
  });

  it('within a round the next number goes at once plus its delay; rounds are retryIntervalSec apart', () => {
    const policy = global({ maxAttemptsPerDay: 2, maxAttemptDays: 1, retryIntervalSec: 600 });
    const run = play(
      { policy, numbers: [{ type: 'mobile' }, { type: 'home', delaySec: 60 }] },
      () => 'busy',
    );
    expect(run.calls).toEqual([
      '0@11-23 09:00:00 busy',
      '1@11-23 09:01:30 busy',
      '0@11-23 09:12:00 busy',
      '1@11-23 09:13:30 busy',
    ]);
    expect(run.end).toEqual({ kind: 'finish', reason: 'exhausted' });
  });

  it('the number order follows the round order given', () => {
    const policy = global({ maxAttemptsPerDay: 1 });
    const run = play(
      { policy, numbers: [{ type: 'mobile' }, { type: 'home' }], order: [1, 0] },
      () => 'busy',
    );
    expect(run.calls.map((c) => c[0])).toEqual(['1', '0']);
  });

  it('attempt days count days with attempts: a weekend without calls does not use one up', () => {
    const policy = global({ maxAttemptsPerDay: 1, maxAttemptDays: 2 });
    const run = play(
      { policy, windowStart: windows(true) },
      () => 'no_answer',
      cn('2026-11-27T10:00:00'),
    );
    expect(run.calls).toEqual(['0@11-27 10:00:00 no_answer', '0@11-30 09:00:00 no_answer']);
  });

  it('the day caps apply to the day the retry really starts', () => {
    // 3 a day on one day only: a retry pushed by the window to tomorrow would be a second day.
    const policy = global({ maxAttemptsPerDay: 3, maxAttemptDays: 1, retryIntervalSec: 600 });
    const run = play(
      { policy, windowStart: windows() },
      () => 'no_answer',
      cn('2026-11-23T17:45:00'),
    );
    expect(run.calls).toEqual(['0@11-23 17:45:00 no_answer', '0@11-23 17:55:30 no_answer']);
    expect(run.end).toEqual({ kind: 'finish', reason: 'exhausted' });
  });

  it('missing caps mean one attempt per number', () => {
    const run = play(
      { policy: global({}), numbers: [{ type: 'mobile' }, { type: 'home' }] },
      () => 'busy',
    );
    expect(run.calls).toHaveLength(2);
  });

  it('a refused origination (channel_limit) is not an attempt: the number is tried again at once', () => {
    const run = play({ policy: global({ maxAttemptsPerDay: 1 }) }, (_, nth) =>
      nth === 0 ? 'channel_limit' : 'busy',
    );
    expect(run.calls).toEqual(['0@11-23 09:00:00 channel_limit', '0@11-23 09:00:30 busy']);
  });

  it("an invalid or untrusted number is not called again, the customer's other numbers are", () => {
    const policy = global({ maxAttemptsPerDay: 2, retryIntervalSec: 60 });
    const run = play({ policy, numbers: [{ type: 'mobile' }, { type: 'home' }] }, (n) =>
      n === 0 ? 'not_trusted' : 'busy',
    );
    expect(run.calls).toEqual([
      '0@11-23 09:00:00 not_trusted',
      '1@11-23 09:00:30 busy',
      '1@11-23 09:02:00 busy',
    ]);
  });
});

describe('contact policy', () => {
  const policy: ResultPolicy = {
    kind: 'contact',
    default: body({ maxAttemptsPerDay: 1, maxAttemptDays: 1, nonRetryResults: ['rejected'] }),
    numberTypes: [
      {
        numberType: 'mobile',
        ...body({ byResult: true, rules: [{ result: 'busy', retries: 1, intervalSec: 120 }] }),
      },
    ],
  };
  const numbers = [{ type: 'mobile' }, { type: 'home' }, { type: 'office' }];

  it('each number follows the policy of its type, the default for types without one', () => {
    const run = play({ policy, numbers }, () => 'busy');
    expect(run.calls).toEqual([
      '0@11-23 09:00:00 busy',
      '1@11-23 09:00:30 busy', // home: default, one attempt
      '2@11-23 09:01:00 busy', // office: default, one attempt
      '0@11-23 09:02:30 busy', // mobile: busy retried once, 120 s after its first call ended
    ]);
    expect(run.end).toEqual({ kind: 'finish', reason: 'exhausted' });
  });

  it('non-retry results are those of the number type just called', () => {
    const mobileRejected = play({ policy, numbers }, (n) => (n === 0 ? 'rejected' : 'no_answer'));
    expect(mobileRejected.calls).toHaveLength(3); // mobile has no rule for it: next number
    const homeRejected = play({ policy, numbers }, (n) => (n === 1 ? 'rejected' : 'no_answer'));
    expect(homeRejected.calls).toHaveLength(2);
    expect(homeRejected.end).toEqual({ kind: 'finish', reason: 'non_retry' });
  });
});

describe('business result policy', () => {
  const rules: BusinessResultRule[] = [
    { code: 'callback-later', subCode: null, action: 'call_same_number', intervalSec: 3600 },
    { code: 'callback-later', subCode: 'evening', action: 'call_same_number', intervalSec: 7200 },
    { code: 'not-interested', action: 'stop' },
    { code: 'wrong-person', action: 'call_next_number', intervalSec: null },
  ];
  const numbers = [{ type: 'mobile' }, { type: 'home', delaySec: 60 }];
  const base = { rules, numbers, order: [0, 1], numberIndex: 0, now: cn('2026-11-23T10:00:00') };
  const when = (d: RetryDecision | null) =>
    d?.kind === 'retry' ? `${d.numberIndex}@${show(d.notBefore)}` : d;

  it('call_same_number calls the same number again after the interval', () => {
    expect(when(decideAfterBusinessResult({ ...base, code: 'callback-later' }))).toBe(
      '0@11-23 11:00:00',
    );
    expect(
      when(decideAfterBusinessResult({ ...base, code: 'callback-later', subCode: 'evening' })),
    ).toBe('0@11-23 12:00:00');
    expect(
      when(decideAfterBusinessResult({ ...base, code: 'callback-later', subCode: 'other' })),
    ).toBe('0@11-23 11:00:00');
  });

  it('call_next_number moves to the next number in round order', () => {
    expect(when(decideAfterBusinessResult({ ...base, code: 'wrong-person' }))).toBe(
      '1@11-23 10:01:00',
    );
    expect(decideAfterBusinessResult({ ...base, code: 'wrong-person', numberIndex: 1 })).toEqual({
      kind: 'finish',
      reason: 'exhausted',
    });
  });

  it('stop finishes the customer; an unknown code changes nothing', () => {
    expect(decideAfterBusinessResult({ ...base, code: 'not-interested' })).toEqual({
      kind: 'finish',
      reason: 'business_stop',
    });
    expect(decideAfterBusinessResult({ ...base, code: 'bought' })).toBeNull();
  });

  it('waits for the calling window', () => {
    const d = decideAfterBusinessResult({
      ...base,
      code: 'callback-later',
      now: cn('2026-11-23T17:30:00'),
      windowStart: windows(),
    });
    expect(when(d)).toBe('0@11-24 09:00:00');
  });
});

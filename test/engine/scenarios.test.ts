import { afterEach, describe, expect, it } from 'vitest';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { IN_ORDER, fullTaskConfig } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';

const local = (d: Date) =>
  new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

/** The seed's business scenario: working hours on workdays, also on weekends, busy customers called twice more. */
const seedTask = (extra: Record<string, unknown> = {}) =>
  fullTaskConfig({
    name: 'Product change notice',
    schedule: {
      regular: [
        { start: '09:00', end: '11:30' },
        { start: '14:00', end: '18:00' },
      ],
      specialDates: ['weekend'],
      specialPeriods: [{ start: '00:00', end: '23:59' }],
      allocations: { enabled: false, entries: [] },
    },
    strategy: { maxRingSec: 20, intervalSec: 3, callsPerInterval: 3 },
    callStrategy: IN_ORDER,
    resultPolicy: {
      kind: 'global',
      byResult: true,
      rules: [{ result: 'busy', retries: 2, intervalSec: 300 }],
      nonRetryResults: ['unallocated', 'rejected'],
    },
    businessResultPolicy: [],
    ...extra,
  });

describe(`the seed's scenarios on the virtual clock (${dbKind})`, () => {
  let h: EngineHarness;
  afterEach(() => h.stop());

  it('calls a busy customer twice more, 5 minutes apart, and a reachable one once', async () => {
    h = await engineHarness({
      start: '2026-11-23T08:00:00+08:00',
      network: {
        rules: [{ match: '^\\+8613800010001$', outcomes: [{ result: 'busy', ringSec: 2 }] }],
      },
    });
    const id = await h.startTask(seedTask(), customers(2));
    await h.runUntil('2026-11-23T12:00:00+08:00');
    const a = await h.attempts(id);
    expect(
      a
        .filter((x) => x.sessionId === 'c0001')
        .map((x) => [local(x.startedAt), x.result, x.attemptNo]),
    ).toEqual([
      ['2026-11-23 09:00', 'busy', 1],
      ['2026-11-23 09:05', 'busy', 2],
      ['2026-11-23 09:10', 'busy', 3],
    ]);
    expect(a.filter((x) => x.sessionId === 'c0002').map((x) => x.result)).toEqual(['success']);
    const c = await h.contact(id, 'c0001');
    expect([c.state, c.final_result, c.finish_reason]).toEqual(['finished', 'busy', 'exhausted']);
    const task = await h.call(h.key, { method: 'GET', url: `/api/v1/tenants/acme/tasks/${id}` });
    expect(task.body.state).toBe('completed');
  });

  it('dials on weekends all day when weekends are a special date with 00:00–23:59', async () => {
    h = await engineHarness({ start: '2026-11-28T06:00:00+08:00' }); // a Saturday
    const id = await h.startTask(seedTask(), customers(1));
    await h.runUntil('2026-11-28T08:00:00+08:00');
    expect((await h.attempts(id)).map((x) => local(x.startedAt))).toEqual(['2026-11-28 06:00']);
  });

  it('waits for Monday when weekends have the special period 00:00–00:00 (no calls)', async () => {
    h = await engineHarness({ start: '2026-11-28T10:00:00+08:00' });
    const noWeekend = seedTask({
      schedule: {
        regular: [{ start: '00:00', end: '23:59' }],
        specialDates: ['weekend'],
        specialPeriods: [{ start: '00:00', end: '00:00' }],
        allocations: { enabled: false, entries: [] },
      },
    });
    const id = await h.startTask(noWeekend, customers(1));
    await h.runUntil('2026-12-01T00:00:00+08:00');
    expect((await h.attempts(id)).map((x) => local(x.startedAt))).toEqual(['2026-11-30 00:00']);
  });

  it('a retry due outside the window waits for the next window', async () => {
    h = await engineHarness({
      start: '2026-11-23T11:25:00+08:00',
      network: {
        rules: [{ match: '^\\+8613800010001$', outcomes: [{ result: 'busy', ringSec: 2 }] }],
      },
    });
    const id = await h.startTask(seedTask(), customers(1));
    await h.runUntil('2026-11-23T15:00:00+08:00');
    expect((await h.attempts(id)).map((x) => local(x.startedAt))).toEqual([
      '2026-11-23 11:25',
      '2026-11-23 14:00',
      '2026-11-23 14:05',
    ]);
  });

  it('stops a customer at a non-retry result and never calls its other numbers', async () => {
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      network: {
        rules: [{ match: '^\\+8613800010001$', outcomes: [{ result: 'unallocated', ringSec: 1 }] }],
      },
    });
    const id = await h.startTask(
      seedTask(),
      customers(1, () => ({
        numbers: [
          { number: '+8613800010001', type: 'mobile' },
          { number: '+8613800010002', type: 'home' },
        ],
      })),
    );
    await h.runUntil('2026-11-23T10:00:00+08:00');
    expect((await h.attempts(id)).map((x) => [x.number, x.result])).toEqual([
      ['+8613800010001', 'unallocated'],
    ]);
    expect((await h.contact(id, 'c0001')).finish_reason).toBe('non_retry');
  });

  it('after a failure tries the customer’s next number, and success completes the customer', async () => {
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      network: {
        rules: [{ match: '^\\+8613800010001$', outcomes: [{ result: 'no_answer', ringSec: 10 }] }],
      },
    });
    const cfg = seedTask({
      resultPolicy: {
        kind: 'global',
        byResult: false,
        maxAttemptDays: 1,
        maxAttemptsPerDay: 1,
        retryIntervalSec: 600,
        nonRetryResults: [],
      },
    });
    const id = await h.startTask(
      cfg,
      customers(1, () => ({
        numbers: [
          { number: '+8613800010001', type: 'mobile' },
          { number: '+8613800010002', type: 'home', delaySec: 60 },
          { number: '+8613800010003', type: 'office' },
        ],
      })),
    );
    await h.runUntil('2026-11-23T10:00:00+08:00');
    expect((await h.attempts(id)).map((x) => [local(x.startedAt), x.number, x.result])).toEqual([
      ['2026-11-23 09:00', '+8613800010001', 'no_answer'],
      ['2026-11-23 09:01', '+8613800010002', 'success'],
    ]);
  });

  it('skips a blocklisted number with result blocked, without a call', async () => {
    h = await engineHarness({ start: '2026-11-23T09:00:00+08:00' });
    const id = await h.startTask(seedTask(), [
      {
        sessionId: 'b1',
        numbers: [{ number: '+8613800000099', type: 'mobile' }],
        attributes: { vip: 1 },
      },
    ]);
    await h.runUntil('2026-11-23T09:10:00+08:00');
    const a = await h.attempts(id);
    expect(a.map((x) => [x.result, x.callerNo])).toEqual([['blocked', null]]);
    expect(h.sim.network.callsTo('+8613800000099')).toBe(0);
  });

  it('in a trial tenant, a number outside the called-number trustlist gets not_trusted', async () => {
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      settings: { trial: true, calledTrustlist: ['+8613800010002'] },
    });
    const id = await h.startTask(seedTask(), customers(2));
    await h.runUntil('2026-11-23T09:10:00+08:00');
    expect((await h.attempts(id)).map((x) => [x.sessionId, x.result])).toEqual([
      ['c0001', 'not_trusted'],
      ['c0002', 'success'],
    ]);
  });

  it('calls only customers passing the attribute filter, in the configured order', async () => {
    h = await engineHarness({ start: '2026-11-23T09:00:00+08:00' });
    const cfg = seedTask({
      strategy: {
        maxRingSec: 20,
        intervalSec: 10,
        callsPerInterval: 1,
        filter: { join: 'and', conditions: [{ attribute: 'city', op: 'eq', value: 'Shenzhen' }] },
      },
      callStrategy: {
        order: { by: 'attributes', attributes: [{ attribute: 'vip', direction: 'desc' }] },
        numberRounds: { mode: 'sequence' },
      },
    });
    const id = await h.startTask(
      cfg,
      customers(4, (i) => ({
        attributes: { vip: [1, 5, 3, 9][i], city: i === 3 ? 'Beijing' : 'Shenzhen' },
      })),
    );
    await h.runUntil('2026-11-23T09:10:00+08:00');
    expect((await h.attempts(id)).map((x) => x.sessionId)).toEqual(['c0002', 'c0003', 'c0001']);
    expect((await h.contact(id, 'c0004')).state).toBe('filtered');
  });

  it('a task whose end passes becomes expired and stops dialing', async () => {
    h = await engineHarness({ start: '2026-11-23T09:00:00+08:00' });
    const id = await h.startTask(
      seedTask({
        end: '2026-11-23T09:00:30+08:00',
        strategy: { maxRingSec: 20, intervalSec: 10, callsPerInterval: 1 },
      }),
      customers(10),
    );
    await h.runUntil('2026-11-23T12:00:00+08:00');
    expect((await h.attempts(id)).length).toBe(3);
    expect(
      (await h.call(h.key, { method: 'GET', url: `/api/v1/tenants/acme/tasks/${id}` })).body.state,
    ).toBe('expired');
  });
});

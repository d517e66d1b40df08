import { afterEach, describe, expect, it } from 'vitest';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { IN_ORDER, WORKDAY, fullTaskConfig } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';

const task = (name: string, priority: number, extra: Record<string, unknown> = {}) =>
  fullTaskConfig({
    name,
    priority,
    schedule: WORKDAY,
    strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 2 },
    callStrategy: IN_ORDER,
    resultPolicy: {
      kind: 'global',
      byResult: true,
      rules: [{ result: 'busy', retries: 1, intervalSec: 600 }],
      nonRetryResults: [],
    },
    businessResultPolicy: [],
    ...extra,
  });

const prefixed = (prefix: string, n: number) =>
  customers(n).map((c, i) => ({
    ...c,
    sessionId: `${prefix}${i + 1}`,
    numbers: [
      {
        number: `+86139${prefix === 'h' ? '1' : '2'}${String(i).padStart(7, '0')}`,
        type: 'mobile',
      },
    ],
  }));

describe(`priority between tasks and explain (${dbKind})`, () => {
  let h: EngineHarness;
  afterEach(() => h.stop());

  it('strict: a lower-priority task starts no call while a higher one has customers left, then takes over', async () => {
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      settings: { channels: 10 },
      network: { default: { result: 'success', ringSec: 1, talkSec: 10 } },
    });
    const high = await h.startTask(task('High', 1), prefixed('h', 10));
    const low = await h.startTask(task('Low', 3), prefixed('l', 4));
    await h.runUntil('2026-11-23T09:00:02+08:00');
    const explain = await h.call(h.key, {
      method: 'GET',
      url: `/api/v1/tenants/acme/tasks/${low}/contacts/l1/explain`,
    });
    expect(explain.body).toMatchObject({
      callableNow: false,
      reason: 'lower_priority_waiting',
      rule: { task: high, priority: 1 },
    });
    await h.runUntil('2026-11-23T09:10:00+08:00');
    const lastHigh = Math.max(...(await h.attempts(high)).map((a) => a.endedAt!.getTime()));
    const firstLow = Math.min(...(await h.attempts(low)).map((a) => a.startedAt.getTime()));
    expect(firstLow).toBeGreaterThanOrEqual(lastHigh);
    expect((await h.attempts(low)).length).toBe(4);
  });

  it('fill: a lower-priority task uses the channels the higher one leaves', async () => {
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      settings: { channels: 10, priorityMode: 'fill' },
      network: { default: { result: 'success', ringSec: 1, talkSec: 10 } },
    });
    const high = await h.startTask(task('High', 1), prefixed('h', 10));
    const low = await h.startTask(task('Low', 3), prefixed('l', 4));
    await h.runUntil('2026-11-23T09:00:01+08:00');
    expect((await h.attempts(high)).length).toBe(4);
    expect((await h.attempts(low)).length).toBe(4);
  });

  it('reports progress counts and explains each customer’s situation', async () => {
    h = await engineHarness({
      start: '2026-11-23T08:30:00+08:00',
      network: {
        rules: [{ match: '^\\+8613800010001$', outcomes: [{ result: 'busy', ringSec: 2 }] }],
      },
    });
    const id = await h.startTask(
      task('Explained', 3, {
        strategy: {
          maxRingSec: 20,
          intervalSec: 10,
          callsPerInterval: 1,
          filter: { join: 'and', conditions: [{ attribute: 'city', op: 'eq', value: 'Shenzhen' }] },
        },
      }),
      customers(4, (i) => ({ attributes: { vip: 1, city: i === 3 ? 'Beijing' : 'Shenzhen' } })),
    );
    const explain = async (s: string) =>
      (
        await h.call(h.key, {
          method: 'GET',
          url: `/api/v1/tenants/acme/tasks/${id}/contacts/${s}/explain`,
        })
      ).body;
    await h.runUntil('2026-11-23T08:31:00+08:00');
    expect(await explain('c0001')).toMatchObject({
      reason: 'outside_window',
      until: '2026-11-23T09:00:00.000+08:00',
      rule: { source: 'regular' },
    });
    await h.runUntil('2026-11-23T09:00:15+08:00');
    expect(await explain('c0001')).toMatchObject({
      reason: 'waiting_retry',
      until: '2026-11-23T09:10:08.000+08:00',
    }); // first call at 09:00:06: one tick's quota carried over from before the window (§5);
    expect(await explain('c0004')).toMatchObject({ reason: 'filtered_out' });
    expect(await explain('c0003')).toMatchObject({ callableNow: true, reason: 'queued' });
    await h.runUntil('2026-11-23T12:00:00+08:00');
    expect(await explain('c0002')).toMatchObject({
      reason: 'finished',
      rule: { finishReason: 'success', finalResult: 'success' },
    });
    const p = (
      await h.call(h.key, { method: 'GET', url: `/api/v1/tenants/acme/tasks/${id}/progress` })
    ).body;
    expect(p).toMatchObject({
      state: 'completed',
      total: 4,
      byState: { finished: 3, filtered: 1 },
      finalResults: { success: 2, busy: 1 },
      attempts: { total: 4, active: 0, byResult: { success: 2, busy: 2 } },
    });
    const attempts = (
      await h.call(h.key, {
        method: 'GET',
        url: `/api/v1/tenants/acme/tasks/${id}/attempts?sessionId=c0001`,
      })
    ).body;
    expect(
      attempts.items.map((a: { attemptNo: number; result: string }) => [a.attemptNo, a.result]),
    ).toEqual([
      [1, 'busy'],
      [2, 'busy'],
    ]);
    const suspended = await h.call(h.key, {
      method: 'POST',
      url: `/api/v1/tenants/acme/tasks/${id}/suspend`,
    });
    expect(suspended.body.state).toBe('suspended');
  });

  it('a completed task runs again when customers are added', async () => {
    h = await engineHarness({ start: '2026-11-23T09:00:00+08:00' });
    const id = await h.startTask(task('Again', 3), customers(1));
    await h.runUntil('2026-11-23T09:05:00+08:00');
    expect(
      (await h.call(h.key, { method: 'GET', url: `/api/v1/tenants/acme/tasks/${id}` })).body.state,
    ).toBe('completed');
    const add = await h.call(h.key, {
      method: 'POST',
      url: `/api/v1/tenants/acme/tasks/${id}/contacts`,
      payload: {
        contacts: [
          {
            sessionId: 'late',
            numbers: [{ number: '+8613900000001', type: 'mobile' }],
            attributes: { vip: 2 },
          },
        ],
      },
    });
    expect(add.status).toBe(200);
    h.dialer.wakeAt();
    await h.runUntil('2026-11-23T09:10:00+08:00');
    expect((await h.attempts(id)).map((a) => a.sessionId)).toEqual(['c0001', 'late']);
    const events = (
      await h.call(h.key, { method: 'GET', url: `/api/v1/tenants/acme/tasks/${id}/events` })
    ).body.items.map((e: { action: string; actor: string }) => `${e.action}:${e.actor}`);
    expect(events).toEqual(expect.arrayContaining(['complete:engine', 'resume:engine']));
  });
});

describe(`editing a suspended task (${dbKind})`, () => {
  let h: EngineHarness;
  afterEach(() => h.stop());

  it('a new order and filter apply to the customers not called yet', async () => {
    h = await engineHarness({ start: '2026-11-23T09:00:00+08:00' });
    const cfg = task('Edited', 3, {
      strategy: { maxRingSec: 20, intervalSec: 10, callsPerInterval: 1 },
    });
    const id = await h.startTask(
      cfg,
      customers(5, (i) => ({ attributes: { vip: i + 1, city: i === 4 ? 'Beijing' : 'Shenzhen' } })),
    );
    await h.runUntil('2026-11-23T09:00:10+08:00'); // 0.3 calls a tick: the first call at 09:00:09
    expect((await h.attempts(id)).map((a) => a.sessionId)).toEqual(['c0001']);
    const base = `/api/v1/tenants/acme/tasks/${id}`;
    expect((await h.call(h.key, { method: 'POST', url: `${base}/suspend` })).status).toBe(200);
    const edited = {
      ...cfg,
      strategy: {
        ...cfg.strategy,
        filter: { join: 'and', conditions: [{ attribute: 'city', op: 'eq', value: 'Shenzhen' }] },
      },
      callStrategy: {
        order: { by: 'attributes', attributes: [{ attribute: 'vip', direction: 'desc' }] },
        numberRounds: { mode: 'sequence' },
      },
    };
    expect((await h.call(h.key, { method: 'PUT', url: base, payload: edited })).status).toBe(200);
    expect((await h.call(h.key, { method: 'POST', url: `${base}/start` })).status).toBe(200);
    h.dialer.wakeAt();
    await h.runUntil('2026-11-23T09:10:00+08:00');
    expect((await h.attempts(id)).map((a) => a.sessionId)).toEqual([
      'c0001',
      'c0004',
      'c0003',
      'c0002',
    ]);
    expect((await h.contact(id, 'c0005')).state).toBe('filtered');
  });
});

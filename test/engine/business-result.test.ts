import { afterEach, describe, expect, it } from 'vitest';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { IN_ORDER, WORKDAY, fullTaskConfig, retrying } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';

const local = (d: Date) =>
  new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

describe(`business result write-back (${dbKind})`, () => {
  let h: EngineHarness;
  afterEach(() => h.stop());

  const cfg = fullTaskConfig({
    name: 'Business results',
    schedule: WORKDAY,
    strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 5 },
    callStrategy: IN_ORDER,
    resultPolicy: retrying('busy', 0, 0),
    businessResultPolicy: [
      { code: 'callback-later', subCode: null, action: 'call_same_number', intervalSec: 3600 },
      { code: 'callback-later', subCode: 'evening', action: 'stop' },
    ],
  });

  it('“call back later” calls the same number again after the interval; a sub-result may stop instead', async () => {
    h = await engineHarness({ start: '2026-11-23T09:00:00+08:00' });
    const id = await h.startTask(cfg, customers(2));
    await h.runUntil('2026-11-23T09:05:00+08:00');
    const url = (s: string) => `/api/v1/tenants/acme/tasks/${id}/contacts/${s}/business-result`;
    const later = await h.call(h.key, {
      method: 'PUT',
      url: url('c0001'),
      payload: { code: 'callback-later', remark: 'busy at work' },
    });
    expect(later.status).toBe(200);
    expect(later.body.policy).toMatchObject({
      action: 'call',
      number: '+8613800010001',
      notBefore: '2026-11-23T02:05:00.000Z',
    });
    const stop = await h.call(h.key, {
      method: 'PUT',
      url: url('c0002'),
      payload: { code: 'callback-later', subCode: 'evening' },
    });
    expect(stop.body.policy).toMatchObject({ action: 'finish', reason: 'business_stop' });
    h.dialer.wakeAt();
    await h.runUntil('2026-11-23T12:00:00+08:00');
    expect((await h.attempts(id)).map((a) => [a.sessionId, local(a.startedAt)])).toEqual([
      ['c0001', '2026-11-23 09:00'],
      ['c0002', '2026-11-23 09:00'],
      ['c0001', '2026-11-23 10:05'],
    ]);
    expect((await h.contact(id, 'c0001')).business_result).toMatchObject({
      code: 'callback-later',
      subCode: null,
      remark: 'busy at work',
    });
  });

  it('refuses an unknown business result or sub-result, naming the field', async () => {
    h = await engineHarness({ start: '2026-11-23T09:00:00+08:00' });
    const id = await h.startTask(cfg, customers(1));
    const r = await h.call(h.key, {
      method: 'PUT',
      url: `/api/v1/tenants/acme/tasks/${id}/contacts/c0001/business-result`,
      payload: { code: 'callback-later', subCode: 'never' },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([
      { path: '/subCode', message: "'never' is not a sub-result of 'callback-later'" },
    ]);
    const v = await h.call(h.key, {
      method: 'PUT',
      url: `/api/v1/tenants/acme/tasks/${id}/contacts/c0001/business-result`,
      payload: { code: 'nope' },
    });
    expect(v.body.errors[0].path).toBe('/code');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { tenantWithKey } from '../helpers/app.ts';
import { IN_ORDER, WORKDAY, fullTaskConfig, retrying } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';

describe(`per-customer results (${dbKind})`, () => {
  let h: EngineHarness;
  afterEach(() => h.stop());

  it('filters by final result, business result and number; masks personal data for viewers and audits reads', async () => {
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      network: {
        rules: [{ match: '^\\+8613800010002$', outcomes: [{ result: 'busy', ringSec: 2 }] }],
      },
    });
    const cfg = fullTaskConfig({
      name: 'Results',
      schedule: WORKDAY,
      strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 5 },
      callStrategy: IN_ORDER,
      resultPolicy: retrying('busy', 0, 0),
      businessResultPolicy: [],
    });
    const id = await h.startTask(
      cfg,
      customers(3, (i) => ({ attributes: { vip: i, city: 'Shenzhen', idcard: `ID-${i}` } })),
    );
    await h.runUntil('2026-11-23T09:10:00+08:00');
    await h.call(h.key, {
      method: 'PUT',
      url: `/api/v1/tenants/acme/tasks/${id}/contacts/c0003/business-result`,
      payload: { code: 'callback-later', subCode: 'evening' },
    });
    const url = `/api/v1/tenants/acme/tasks/${id}/results`;
    const busy = (await h.call(h.key, { method: 'GET', url: `${url}?finalResult=busy` })).body
      .items;
    expect(busy).toMatchObject([
      {
        sessionId: 'c0002',
        finalResult: 'busy',
        finalCode: '00537',
        finishReason: 'exhausted',
        attempts: 1,
        numbers: ['+8613800010002'],
        attributes: { idcard: 'ID-1' },
      },
    ]);
    const br = (
      await h.call(h.key, {
        method: 'GET',
        url: `${url}?businessResult=callback-later&businessSubResult=evening`,
      })
    ).body.items;
    expect(br.map((r: { sessionId: string }) => r.sessionId)).toEqual(['c0003']);
    const byNumber = (await h.call(h.key, { method: 'GET', url: `${url}?number=10001` })).body
      .items;
    expect(byNumber.map((r: { sessionId: string }) => r.sessionId)).toEqual(['c0001']);
    const page1 = (await h.call(h.key, { method: 'GET', url: `${url}?limit=2` })).body;
    const page2 = (
      await h.call(h.key, { method: 'GET', url: `${url}?limit=2&after=${page1.next}` })
    ).body;
    expect([...page1.items, ...page2.items].map((r: { sessionId: string }) => r.sessionId)).toEqual(
      ['c0001', 'c0002', 'c0003'],
    );

    const viewer = await tenantWithKey(h, 'acme', {}, 'viewer');
    const masked = (await h.call(viewer, { method: 'GET', url: `${url}?finalResult=busy` })).body
      .items[0];
    expect(masked.numbers).toEqual(['+86138****0002']);
    expect(masked.attributes.idcard).toBe('***');
    const auditRows = await h.store.db
      .selectFrom('audit_log')
      .select(['action', 'actor'])
      .where('action', '=', 'results.read')
      .execute();
    expect(auditRows.length).toBe(5); // the five reads by the tenant admin above, none for the viewer
  });
});

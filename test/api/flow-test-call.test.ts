import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, tenantWithKey, type TestApp } from '../helpers/app.ts';
import { dbKind } from '../helpers/db.ts';

/**
 * The designer's test call: a saved flow run once for a simulated callee with scripted keys; the
 * report says which nodes ran, what was heard and what was collected — and nothing is stored.
 */
const MENU = {
  id: 'flow-menu',
  name: 'Menu',
  status: 'draft',
  ouId: null,
  document: {
    nodes: [
      { id: 'welcome', type: 'play', prompt: { text: 'Hello ${name}' }, next: 'menu' },
      {
        id: 'menu',
        type: 'collect',
        prompt: { text: 'Press 1 for sales, 2 for a survey' },
        max: 1,
        timeoutSec: 3,
        variable: 'choice',
        next: 'route',
      },
      {
        id: 'route',
        type: 'branch',
        variable: 'choice',
        cases: [
          { equals: '1', next: 'to-sales' },
          { equals: '2', next: 'survey' },
        ],
        default: 'bye',
      },
      { id: 'to-sales', type: 'transfer', target: { skillQueue: 'sales' }, next: 'bye' },
      {
        id: 'survey',
        type: 'questionnaire',
        questions: [
          { id: 'q1', prompt: { text: 'Rate us 1 to 5' }, answers: ['1', '2', '3', '4', '5'] },
        ],
        next: 'bye',
      },
      { id: 'bye', type: 'hangup', prompt: { text: 'Goodbye' } },
    ],
    layout: { welcome: { x: 0, y: 0 }, menu: { x: 0, y: 120 } },
  },
};

describe(`test call of a flow (${dbKind})`, () => {
  let t: TestApp;
  let key: string;
  const base = '/api/v1/tenants/acme/flows';
  const testCall = (payload: Record<string, unknown>, k = key, id = 'flow-menu') =>
    t.call(k, { method: 'POST', url: `${base}/${id}/test-call`, payload });

  beforeAll(async () => {
    t = await testApp();
    key = await tenantWithKey(t, 'acme');
    const r = await t.call(key, { method: 'POST', url: base, payload: MENU });
    expect(r.status).toBe(201);
  });
  afterAll(() => t.close());

  it('keeps the designer layout in the document', async () => {
    const r = await t.call(key, { method: 'GET', url: `${base}/flow-menu` });
    expect(r.body.document.layout).toEqual(MENU.document.layout);
    const bad = await t.call(key, {
      method: 'PUT',
      url: `${base}/flow-menu`,
      payload: { ...MENU, document: { ...MENU.document, layout: { welcome: { x: 'left' } } } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      '/document/layout/welcome/x',
      '/document/layout/welcome/y',
    ]);
  });

  it('follows the keys pressed: 1 goes to the sales queue', async () => {
    const r = await testCall({ digits: '1', callData: { name: 'Ann' } });
    expect(r.status).toBe(200);
    expect(r.body.path).toEqual(['welcome', 'menu', 'route', 'to-sales']);
    expect(r.body.ending).toBe('transferred');
    expect(r.body.transfer).toEqual({ target: { skillQueue: 'sales' }, ok: true, detail: 'sim' });
    // The key barged into the welcome prompt; the menu took it at once.
    expect(r.body.heard[0]).toMatchObject({
      nodeId: 'welcome',
      text: 'Hello Ann',
      interrupted: true,
    });
    expect(r.body.collected).toEqual([
      { nodeId: 'menu', atSec: expect.any(Number), digits: '1', reason: 'max' },
    ]);
    expect(r.body.variables).toMatchObject({ name: 'Ann', choice: '1' });
    expect(r.body.steps.map((s: { type: string }) => s.type)).toEqual([
      'play',
      'collect',
      'branch',
      'transfer',
    ]);
  });

  it('asks the questionnaire and says goodbye for 2', async () => {
    const r = await testCall({ digits: '24' });
    expect(r.body.path).toEqual(['welcome', 'menu', 'route', 'survey', 'bye']);
    expect(r.body.answers).toEqual([{ questionId: 'q1', label: 'Rate us 1 to 5', answer: '4' }]);
    expect(r.body.heard.map((h: { text: string }) => h.text)).toEqual([
      'Hello ',
      'Press 1 for sales, 2 for a survey',
      'Rate us 1 to 5',
      'Goodbye',
    ]);
    expect(r.body.ending).toBe('flow_end');
    expect(r.body.digits).toBe('24');
  });

  it('takes the default branch when nothing is pressed, on the virtual clock', async () => {
    const r = await testCall({});
    expect(r.body.path).toEqual(['welcome', 'menu', 'route', 'bye']);
    expect(r.body.collected[0]).toMatchObject({ nodeId: 'menu', digits: '', reason: 'timeout' });
    // Two prompts of >= 1 s, a 3 s timeout and the goodbye: seconds of call, not of test.
    expect(r.body.durationSec).toBeGreaterThan(5);
    expect(r.body.heard.at(-1)).toMatchObject({
      nodeId: 'bye',
      text: 'Goodbye',
      interrupted: false,
    });
  });

  it('ends as customer_hangup when the callee hangs up first', async () => {
    const r = await testCall({ talkSec: 1 });
    expect(r.body.ending).toBe('customer_hangup');
    expect(r.body.path).toEqual(['welcome']);
    expect(r.body.durationSec).toBe(1);
  });

  it("asks a questionnaire resource at the flow's questionnaire node, as a task would", async () => {
    const q = await t.call(key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/questionnaires',
      payload: {
        id: 'q-sat',
        name: 'Satisfaction',
        ouId: null,
        kind: 'ivr',
        questions: [
          { id: 'nps', text: 'Would you recommend us? 1 yes, 2 no', answers: ['1', '2'] },
        ],
      },
    });
    expect(q.status).toBe(201);
    const flow = {
      id: 'flow-ask',
      status: 'draft',
      ouId: null,
      document: {
        nodes: [
          { id: 'ask', type: 'questionnaire', next: 'end' },
          { id: 'end', type: 'hangup' },
        ],
      },
    };
    expect((await t.call(key, { method: 'POST', url: base, payload: flow })).status).toBe(201);
    const r = await testCall({ digits: '1', questionnaireId: 'q-sat' }, key, 'flow-ask');
    expect(r.body.path).toEqual(['ask', 'end']);
    expect(r.body.answers).toEqual([
      { questionId: 'nps', label: 'Would you recommend us? 1 yes, 2 no', answer: '1' },
    ]);
    const none = await testCall({ questionnaireId: 'nope' }, key, 'flow-ask');
    expect(none.status).toBe(422);
    expect(none.body.errors).toEqual([
      { path: '/questionnaireId', message: "questionnaire 'nope' does not exist" },
    ]);
  });

  it('names every bad script field at once, and is for tenant administrators only', async () => {
    const bad = await testCall({ digits: 'abc', talkSec: 0, keys: [{ atSec: -1, digits: '1' }] });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      '/digits',
      '/keys/0/atSec',
      '/talkSec',
    ]);
    const viewer = await tenantWithKey(t, 'acme', {}, 'viewer');
    expect((await testCall({}, viewer)).status).toBe(403);
    expect((await testCall({}, key, 'no-such-flow')).status).toBe(404);
    const doc = (await t.call(null, { method: 'GET', url: '/openapi.json' })).body;
    expect(doc.paths['/api/v1/tenants/{tenantId}/flows/{id}/test-call'].post.operationId).toBe(
      'postFlowTestCall',
    );
  });

  it('stores nothing: the flow is unchanged', async () => {
    const before = await t.call(key, { method: 'GET', url: `${base}/flow-menu` });
    await testCall({ digits: '1' });
    const after = await t.call(key, { method: 'GET', url: `${base}/flow-menu` });
    expect(after.body).toEqual(before.body);
  });
});

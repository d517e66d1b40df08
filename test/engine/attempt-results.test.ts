import { afterEach, describe, expect, it } from 'vitest';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { tenantWithKey } from '../helpers/app.ts';
import { IN_ORDER, WORKDAY, fullTaskConfig, retrying } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';

/**
 * Per-attempt results (product.md §5): what each call collected, in `GET …/attempts`, in a
 * customer's results detail, for every way a call ends.
 */
const START = '2026-11-23T09:00:00+08:00';
const TASK = {
  schedule: WORKDAY,
  callStrategy: IN_ORDER,
  flowId: 'flow-menu',
  strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 5 },
  questionnaire: { mode: 'none', questionnaireId: null },
  resultPolicy: retrying('busy', 0, 60),
  businessResultPolicy: [],
};
const MENU = {
  nodes: [
    { id: 'hello', type: 'play', prompt: { file: 'hello.wav' }, bargeIn: false, next: 'menu' },
    { id: 'menu', type: 'collect', max: 1, timeoutSec: 5, variable: 'choice', next: 'hold' },
    { id: 'hold', type: 'play', prompt: { file: 'hold.wav' }, bargeIn: false, next: 'hold' },
  ],
};

describe(`per-attempt results (${dbKind})`, () => {
  let h: EngineHarness;
  afterEach(() => h.stop());

  async function setup() {
    h = await engineHarness({
      start: START,
      network: {
        default: { result: 'success', ringSec: 4, talkSec: 20, keys: [{ atSec: 1, digits: '3' }] },
        rules: [{ match: '0002$', outcomes: [{ result: 'busy', ringSec: 6 }] }],
      },
    });
    const r = await h.call(h.key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/flows',
      payload: { id: 'flow-menu', status: 'published', document: MENU },
    });
    expect(r.status).toBe(201);
  }

  it('shows ring and talk time, digits, path and variables of each attempt', async () => {
    await setup();
    const id = await h.startTask(
      fullTaskConfig(TASK),
      customers(2, () => ({ callData: { order: '8812' } })),
    );
    await h.runUntil('2026-11-23T09:05:00+08:00');
    const url = `/api/v1/tenants/acme/tasks/${id}/attempts`;
    const items = (await h.call(h.key, { method: 'GET', url })).body.items;
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({
      sessionId: 'c0001',
      result: 'success',
      ringSec: 4,
      talkSec: 20,
      digits: '3',
      ending: 'customer_hangup',
      variables: { order: '8812', choice: '3' },
      answers: [],
      transfer: null,
      recording: null,
    });
    expect(items[0].path.slice(0, 3)).toEqual(['hello', 'menu', 'hold']);
    expect(items[1]).toMatchObject({
      sessionId: 'c0002',
      result: 'busy',
      ringSec: 6,
      talkSec: null,
      digits: null,
      path: [],
      ending: null,
    });

    // The customer's detail carries the same per-attempt fields.
    const detail = await h.call(h.key, {
      method: 'GET',
      url: `/api/v1/tenants/acme/tasks/${id}/results/c0001`,
    });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ sessionId: 'c0001', finalResult: 'success', attempts: 1 });
    expect(detail.body.attemptResults).toEqual([items[0]]);
    const missing = await h.call(h.key, {
      method: 'GET',
      url: `/api/v1/tenants/acme/tasks/${id}/results/nobody`,
    });
    expect(missing.status).toBe(404);

    // A viewer sees the outcome, not the number or the variables (call data).
    const viewer = await tenantWithKey(h, 'acme', {}, 'viewer');
    const seen = (await h.call(viewer, { method: 'GET', url })).body.items[0];
    expect(seen).toMatchObject({ number: '+86138****0001', variables: null, digits: '3' });

    // The OpenAPI document describes these fields.
    const doc = (await h.call(null, { method: 'GET', url: '/openapi.json' })).body;
    const schema =
      doc.paths['/api/v1/tenants/{tenantId}/tasks/{taskId}/attempts'].get.responses['200'].content[
        'application/json'
      ].schema;
    const item = schema.properties.items.items;
    expect(Object.keys(item.properties)).toEqual(
      expect.arrayContaining(['ringSec', 'talkSec', 'digits', 'answers', 'path', 'recording']),
    );
    expect(item.properties.answers.items.required).toEqual(['questionId', 'label', 'answer']);
  });

  it("shows the answers to the task's questionnaire, asked before the flow's goodbye", async () => {
    h = await engineHarness({
      start: START,
      network: { default: { result: 'success', ringSec: 3, talkSec: 60, digits: '52' } },
    });
    const post = (kind: string, payload: Record<string, unknown>) =>
      h.call(h.key, { method: 'POST', url: `/api/v1/tenants/acme/${kind}`, payload });
    const q = await post('questionnaires', {
      id: 'q-nps',
      name: 'NPS',
      kind: 'ivr',
      questions: [
        {
          id: 'recommend',
          text: 'Would you recommend us? 1 yes, 2 no.',
          label: 'Recommend',
          answers: [
            { key: '1', label: 'Yes' },
            { key: '2', label: 'No' },
          ],
          retries: 1,
        },
      ],
    });
    expect(q.status).toBe(201);
    const f = await post('flows', {
      id: 'flow-bye',
      status: 'published',
      document: {
        nodes: [
          { id: 'notice', type: 'play', prompt: { file: 'notice.wav' }, next: 'bye' },
          { id: 'bye', type: 'hangup', prompt: { text: 'Goodbye' } },
        ],
      },
    });
    expect(f.status).toBe(201);
    const id = await h.startTask(
      fullTaskConfig({
        ...TASK,
        flowId: 'flow-bye',
        questionnaire: { mode: 'ivr', questionnaireId: 'q-nps' },
      }),
      customers(1),
    );
    await h.runUntil('2026-11-23T09:05:00+08:00');
    const items = (
      await h.call(h.key, { method: 'GET', url: `/api/v1/tenants/acme/tasks/${id}/attempts` })
    ).body.items;
    // '5' is not an allowed answer: asked again, '2' is.
    expect(items[0]).toMatchObject({
      result: 'success',
      digits: '2',
      ringSec: 3,
      ending: 'flow_end',
      path: ['notice', 'bye', 'bye.hangup'],
      answers: [{ questionId: 'recommend', label: 'Recommend', answer: '2', answerLabel: 'No' }],
    });
    // '5' barged into the notice at 0.5 s, '2' 0.5 s into the repeated question, then 'Goodbye'.
    expect(items[0].talkSec).toBe(2);
  });

  it('lets an agent fill the rest of a manual-and-IVR questionnaire, validated against it', async () => {
    h = await engineHarness({
      start: START,
      network: {
        default: { result: 'success', ringSec: 3, talkSec: 60, digits: '1' },
        rules: [{ match: '0002$', outcomes: [{ result: 'busy', ringSec: 2 }] }],
      },
    });
    const post = (kind: string, payload: Record<string, unknown>) =>
      h.call(h.key, { method: 'POST', url: `/api/v1/tenants/acme/${kind}`, payload });
    expect(
      (
        await post('questionnaires', {
          id: 'q-both',
          name: 'Both',
          kind: 'manual_and_ivr',
          questions: [
            { id: 'contact', text: 'May we call again? 1 yes, 2 no.', answers: ['1', '2'] },
            // The IVR asks it too, but the callee presses nothing more.
            {
              id: 'plan',
              text: 'Which plan? 1 basic, 2 premium.',
              label: 'Plan',
              answers: [
                { key: '1', label: 'Basic' },
                { key: '2', label: 'Premium' },
              ],
              retries: 0,
            },
          ],
        })
      ).status,
    ).toBe(201);
    const id = await h.startTask(
      fullTaskConfig({
        ...TASK,
        flowId: 'flow-notice',
        questionnaire: { mode: 'manual_and_ivr', questionnaireId: 'q-both' },
      }),
      customers(2),
    );
    await h.runUntil('2026-11-23T09:05:00+08:00');
    const base = `/api/v1/tenants/acme/tasks/${id}/attempts`;
    const [answered, busy] = (await h.call(h.key, { method: 'GET', url: base })).body.items;
    expect(answered.answers).toEqual([
      { questionId: 'contact', label: 'May we call again? 1 yes, 2 no.', answer: '1' },
    ]);
    const put = (attemptId: number, answers: unknown[]) =>
      h.call(h.key, { method: 'PUT', url: `${base}/${attemptId}/answers`, payload: { answers } });

    const bad = await put(answered.id, [
      { questionId: 'nope', answer: '1' },
      { questionId: 'plan', answer: 'Gold' },
    ]);
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([
      { path: '/answers/0/questionId', message: "questionnaire 'q-both' has no question 'nope'" },
      { path: '/answers/1/answer', message: 'must be one of Basic, Premium' },
    ]);
    expect((await put(busy.id, [{ questionId: 'plan', answer: '2' }])).status).toBe(409);

    const ok = await put(answered.id, [{ questionId: 'plan', answer: 'Premium' }]);
    expect(ok.status).toBe(200);
    expect(ok.body.answers).toEqual([
      { questionId: 'contact', label: 'May we call again? 1 yes, 2 no.', answer: '1' },
      { questionId: 'plan', label: 'Plan', answer: '2', answerLabel: 'Premium', by: 'agent' },
    ]);
    const again = (await h.call(h.key, { method: 'GET', url: base })).body.items[0];
    expect(again.answers).toEqual(ok.body.answers);
  });

  it('refuses a questionnaire a flow cannot ask, naming each bad field', async () => {
    await setup();
    const r = await h.call(h.key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/questionnaires',
      payload: {
        id: 'q-bad',
        name: 'Bad',
        kind: 'ivr',
        questions: [
          { id: 'a+b', text: 'x', answers: ['yes'] },
          { id: 'b', text: '', answers: ['1', { key: '1', label: 'One' }] },
        ],
      },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      '/questions/0/answers/0',
      '/questions/0/id',
      '/questions/1/answers/1/key',
      '/questions/1/text',
    ]);
  });

  it('shows a recording as its URL and length, never its file', async () => {
    await setup();
    const id = await h.startTask(fullTaskConfig(TASK), customers(1));
    await h.runUntil('2026-11-23T09:05:00+08:00');
    const row = await h.store.db
      .selectFrom('attempts')
      .select(['id', 'detail'])
      .where('task_id', '=', id)
      .executeTakeFirstOrThrow();
    await h.store.db
      .updateTable('attempts')
      .set({
        detail: JSON.stringify({
          ...row.detail,
          recording: { file: '/var/lib/outbound/recordings/x.wav', durationSec: 19.5 },
        }),
      })
      .where('id', '=', row.id)
      .execute();
    const res = await h.call(h.key, {
      method: 'GET',
      url: `/api/v1/tenants/acme/tasks/${id}/attempts`,
    });
    expect(res.body.items[0].recording).toEqual({
      url: `/api/v1/tenants/acme/tasks/${id}/attempts/${row.id}/recording`,
      durationSec: 19.5,
    });
    expect(JSON.stringify(res.body)).not.toContain('x.wav');
  });

  it('keeps what a call collected when the engine hangs up during its flow', async () => {
    await setup();
    const id = await h.startTask(fullTaskConfig(TASK), customers(1));
    // Answered at 09:00:04, the key pressed at :05; the engine hangs up at :10.
    await h.runUntil('2026-11-23T09:00:10+08:00');
    const live = await h.store.db
      .selectFrom('attempts')
      .select(['id', 'state'])
      .where('task_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(live.state).toBe('active');
    h.sim.hangup(String(live.id));
    await h.runUntil('2026-11-23T09:01:00+08:00');
    const items = (
      await h.call(h.key, { method: 'GET', url: `/api/v1/tenants/acme/tasks/${id}/attempts` })
    ).body.items;
    expect(items[0]).toMatchObject({
      result: 'success',
      digits: '3',
      talkSec: 6,
      ending: 'engine_hangup',
      variables: { choice: '3' },
    });
  });
});

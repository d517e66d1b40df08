import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKind } from '../helpers/db.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { renewal } from '../helpers/speech-dialogue.ts';
import { speechRobotTask } from '../helpers/world.ts';

/**
 * A robot task of the `speech` kind in the engine, against the sim's talking callees: the robot
 * is created through the API (its dialogue checked field by field), each call's intent becomes
 * the customer's business result, and the turns show in the attempts and the results.
 */
describe(`speech robot tasks (${dbKind})`, () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      network: {
        rules: [
          {
            match: '0001$',
            outcomes: [{ result: 'success', ringSec: 3, talkSec: 60, says: ['Yes please'] }],
          },
          {
            match: '0002$',
            outcomes: [
              {
                result: 'success',
                ringSec: 3,
                talkSec: 60,
                says: ['', 'I want to talk to a person'],
              },
            ],
          },
          { match: '0003$', outcomes: [{ result: 'success', ringSec: 3, talkSec: 60, says: [] }] },
        ],
      },
    });
    for (const id of ['yes', 'no', 'agent', 'no_answer']) {
      const r = await h.call(h.key, {
        method: 'POST',
        url: '/api/v1/tenants/acme/business-results',
        payload: { id, name: id, ouId: null },
      });
      expect(r.status).toBe(201);
    }
  });
  afterAll(() => h.stop());

  it('refuses a dialogue with every bad field named', async () => {
    const bad = await h.call(h.key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/robots',
      payload: {
        id: 'bad-bot',
        ouId: null,
        kind: 'speech',
        document: {
          steps: [
            {
              id: 'ask',
              type: 'listen',
              intents: [{ name: 'yes', phrases: ['yes'], next: 'nowhere' }],
            },
            { id: 'done', type: 'set', result: { code: 'renewed' } },
          ],
        },
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([
      { path: '/document/steps/0/intents/0/next', message: "no step has id 'nowhere'" },
      {
        path: '/document/steps/1/result/code',
        message: "'renewed' is not a business result of this tenant",
      },
    ]);
  });

  it('ends each call with the intent as the business result and the turns in the results', async () => {
    const created = await h.call(h.key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/robots',
      payload: {
        id: 'speech-bot',
        status: 'published',
        ouId: null,
        kind: 'speech',
        document: renewal,
      },
    });
    expect(created.status).toBe(201);
    const id = await h.startTask(speechRobotTask('speech-bot'), customers(3));
    await h.runUntil('2026-11-23T09:30:00+08:00');
    const br = async (s: string) => (await h.contact(id, s)).business_result;
    expect(await br('c0001')).toMatchObject({ code: 'yes', by: 'robot' });
    expect(await br('c0002')).toMatchObject({ code: 'agent', by: 'robot' });
    expect(await br('c0003')).toMatchObject({ code: 'no_answer', by: 'robot' });

    const attempts = await h.call(h.key, {
      method: 'GET',
      url: `/api/v1/tenants/acme/tasks/${id}/attempts`,
    });
    expect(attempts.status).toBe(200);
    const bySession = new Map(
      (attempts.body.items as { sessionId: string; outcome?: unknown; speech?: unknown }[]).map(
        (a) => [a.sessionId, a],
      ),
    );
    expect(JSON.stringify(bySession.get('c0002'))).toContain('i want to talk to a person');
    expect(bySession.get('c0002')).toMatchObject({
      speech: {
        intent: 'agent',
        turns: [
          { outcome: 'no_input', try: 1 },
          { outcome: 'match', transcript: 'i want to talk to a person', intent: 'agent', try: 2 },
        ],
      },
      transfer: { target: { skillQueue: 'vip-care' }, ok: true },
    });
    const results = await h.call(h.key, {
      method: 'GET',
      url: `/api/v1/tenants/acme/tasks/${id}/results?businessResult=yes`,
    });
    expect((results.body.items as { sessionId: string }[]).map((r) => r.sessionId)).toEqual([
      'c0001',
    ]);
  });
});

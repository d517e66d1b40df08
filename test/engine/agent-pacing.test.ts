import { afterEach, describe, expect, it } from 'vitest';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { dbKind } from '../helpers/db.ts';
import { workdayTask } from '../helpers/world.ts';

/**
 * Pacing by agents: a task whose skill queue has nobody logged in does not dial, says why in its
 * progress and in the explainer, and dials again as soon as agents log in.
 */
const START = '2026-11-23T09:00:00+08:00';
const at = (hhmm: string) => `2026-11-23T${hhmm}:00+08:00`;
const TO_AGENT = {
  nodes: [
    {
      id: 'offer',
      type: 'collect',
      prompt: { file: 'offer.wav' },
      max: 1,
      timeoutSec: 3,
      next: 'agent',
    },
    { id: 'agent', type: 'transfer', target: { skillQueue: 'vip-care' } },
  ],
};

describe(`pacing by agents (${dbKind})`, () => {
  let h: EngineHarness;
  afterEach(() => h.stop());

  async function setup(agents?: number) {
    h = await engineHarness({
      start: START,
      network: {
        default: { result: 'success', ringSec: 4, talkSec: 60, keys: [{ atSec: 1, digits: '1' }] },
        ...(agents === undefined ? {} : { queues: { 'vip-care': { agents, handleSec: 120 } } }),
      },
    });
    const r = await h.call(h.key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/flows',
      payload: { id: 'flow-agent', status: 'published', document: TO_AGENT },
    });
    expect(r.status).toBe(201);
  }
  const task = (strategy: Record<string, unknown>) =>
    workdayTask('Renewals', {
      flowId: 'flow-agent',
      questionnaire: { mode: 'none', questionnaireId: null },
      strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 5, ...strategy },
    });
  const progress = async (id: string) =>
    (await h.call(h.key, { method: 'GET', url: `/api/v1/tenants/acme/tasks/${id}/progress` })).body;
  const placedBy = async (id: string, until: string) =>
    (await h.attempts(id)).filter((a) => a.startedAt.getTime() <= new Date(until).getTime()).length;

  it('pauses while no agent is logged in and dials again when agents log in', async () => {
    await setup(0);
    const id = await h.startTask(
      task({ pacing: 'progressive', pacingQueueId: 'sq-vip' }),
      customers(200),
    );
    await h.runUntil(at('09:05'));
    expect(await h.attempts(id)).toHaveLength(0);
    const paused = await progress(id);
    expect(paused.agentPacing).toMatchObject({ paused: 'no_agents_logged_in', loggedIn: 0 });
    const why = await h.call(h.key, {
      method: 'GET',
      url: `/api/v1/tenants/acme/tasks/${id}/contacts/c0001/explain`,
    });
    expect(why.body.reason).toBe('no_agents');

    h.sim.centre.setAgents('vip-care', 2);
    await h.runUntil(at('09:10'));
    const placed = await h.attempts(id);
    // Progressive, ratio 1: two agents, each busy 120 s with the customer handed over.
    expect(placed.length).toBeGreaterThanOrEqual(2);
    expect(placed.length).toBeLessThanOrEqual(10);
    expect(placed[0]!.startedAt.getTime()).toBeLessThan(
      new Date('2026-11-23T09:05:02+08:00').getTime(),
    );
    expect((await progress(id)).agentPacing).toMatchObject({ paused: null, loggedIn: 2 });

    h.sim.centre.setAgents('vip-care', 0);
    await h.runUntil(at('09:11'));
    const before = (await h.attempts(id)).length;
    await h.runUntil(at('09:20'));
    expect(await h.attempts(id)).toHaveLength(before);
    expect((await progress(id)).agentPacing.paused).toBe('no_agents_logged_in');
  });

  it('paces on the state the contact centre pushes, and pauses when the pushes stop', async () => {
    await setup();
    const push = (body: Record<string, unknown>) =>
      h.call(h.key, {
        method: 'PUT',
        url: '/api/v1/tenants/acme/skill-queues/sq-vip/state',
        payload: body,
      });
    const id = await h.startTask(
      // One call a second at most: customers are left when the pushes stop.
      task({ pacing: 'predictive', pacingQueueId: 'sq-vip', callsPerInterval: 1 }),
      customers(600),
    );
    await h.runUntil(at('09:02'));
    expect(await h.attempts(id)).toHaveLength(0);
    expect((await progress(id)).agentPacing.paused).toBe('no_queue_state');

    const r = await push({ loggedIn: 10, ready: 10, busy: 0, avgHandleSec: 180 });
    expect(r.status).toBe(200);
    await h.runUntil(at('09:03'));
    expect(await placedBy(id, at('09:03'))).toBeGreaterThan(0);

    // No push for over two minutes: the state is stale and the task waits.
    await h.runUntil(at('09:06'));
    const before = (await h.attempts(id)).length;
    await h.runUntil(at('09:10'));
    expect(await h.attempts(id)).toHaveLength(before);
    expect((await progress(id)).agentPacing.paused).toBe('no_queue_state');
  });

  it('refuses a state that does not add up, naming every bad field', async () => {
    await setup();
    const r = await h.call(h.key, {
      method: 'PUT',
      url: '/api/v1/tenants/acme/skill-queues/sq-vip/state',
      payload: { loggedIn: 2, ready: 3, busy: 4, avgHandleSec: 0 },
    });
    expect(r.status).toBe(422);
    const paths = (r.body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toContain('/avgHandleSec');
    const unknown = await h.call(h.key, {
      method: 'PUT',
      url: '/api/v1/tenants/acme/skill-queues/nope/state',
      payload: { loggedIn: 2, ready: 1, busy: 1, avgHandleSec: 100 },
    });
    expect(unknown.status).toBe(404);
  });
});

import { getResource, replaceResource } from '../../src/store/resources.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { IN_ORDER, WORKDAY, fullTaskConfig, retrying } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';

/**
 * What an answered call runs is the task's own content: its flow, its robot, with the contact's
 * call data and attributes, rung for the task's own maxRingSec, never to a number its blocklist
 * still bars.
 */
const START = '2026-11-23T09:00:00+08:00';

const PLAIN = {
  schedule: WORKDAY,
  callStrategy: IN_ORDER,
  strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 5 },
  questionnaire: { mode: 'none', questionnaireId: null },
  resultPolicy: retrying('busy', 0, 60),
  businessResultPolicy: [],
};

async function post(h: EngineHarness, kind: string, body: Record<string, unknown>) {
  const r = await h.call(h.key, {
    method: 'POST',
    url: `/api/v1/tenants/acme/${kind}`,
    payload: body,
  });
  if (r.status !== 201) throw new Error(`${kind}: ${r.status} ${JSON.stringify(r.body)}`);
}

async function attemptRows(h: EngineHarness, taskId: string) {
  return h.store.db
    .selectFrom('attempts')
    .select(['session_id', 'result', 'digits', 'detail', 'started_at', 'answered_at', 'ended_at'])
    .where('task_id', '=', taskId)
    .orderBy('id')
    .execute();
}

const flowDoc = (greeting: string) => ({
  nodes: [
    {
      id: `${greeting}-hello`,
      type: 'play',
      prompt: { text: `${greeting} \${name}` },
      next: 'ask',
    },
    { id: 'ask', type: 'collect', max: 1, timeoutSec: 5, variable: 'choice', next: 'bye' },
    { id: 'bye', type: 'hangup', prompt: { text: 'Goodbye' } },
  ],
});

describe(`an answered call runs its task's content (${dbKind})`, () => {
  let h: EngineHarness;
  let server: Server | undefined;
  afterEach(async () => {
    await h.stop();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
  });

  it("runs each IVR task's own flow, with the contact's call data and attributes", async () => {
    h = await engineHarness({
      start: START,
      network: { default: { result: 'success', ringSec: 2, talkSec: 60, digits: '4' } },
    });
    await post(h, 'flows', { id: 'flow-a', status: 'published', document: flowDoc('alpha') });
    await post(h, 'flows', { id: 'flow-b', status: 'published', document: flowDoc('beta') });
    const a = await h.startTask(
      fullTaskConfig({ ...PLAIN, name: 'A', flowId: 'flow-a', priority: 3 }),
      customers(1, () => ({ callData: { name: 'Li' }, attributes: { vip: 2, city: 'Shenzhen' } })),
    );
    const b = await h.startTask(
      fullTaskConfig({ ...PLAIN, name: 'B', flowId: 'flow-b', priority: 3 }),
      customers(1, () => ({ sessionId: 'b1' })),
    );
    await h.runUntil('2026-11-23T09:05:00+08:00');
    const [ra] = await attemptRows(h, a);
    expect(ra).toMatchObject({ result: 'success', digits: '4' });
    expect(ra!.detail).toMatchObject({
      ending: 'flow_end',
      path: ['alpha-hello', 'ask', 'bye'],
      variables: { name: 'Li', city: 'Shenzhen', vip: '2', choice: '4' },
    });
    const [rb] = await attemptRows(h, b);
    expect(rb!.detail).toMatchObject({ path: ['beta-hello', 'ask', 'bye'] });
  });

  it('calls the robot of a robot task, turn by turn, then transfers to the skill queue', async () => {
    const seen: { event: { type: string }; variables: Record<string, string> }[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const turn = JSON.parse(body) as (typeof seen)[number];
        seen.push(turn);
        const actions =
          turn.event.type === 'answered'
            ? [
                { type: 'say', text: 'Hello' },
                { type: 'collect', max: 1 },
              ]
            : [{ type: 'say', text: 'Thank you' }];
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ actions }));
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    h = await engineHarness({
      start: START,
      network: { default: { result: 'success', ringSec: 2, talkSec: 60, digits: '9' } },
      // A loopback robot must be on the tenant's trustlist (the outbound-address policy).
      settings: { callbackTrustlist: ['https://crm.example.com/', `http://127.0.0.1:${port}/`] },
    });
    await post(h, 'robots', {
      id: 'robot-live',
      status: 'published',
      endpoint: `http://127.0.0.1:${port}/robot`,
    });
    const id = await h.startTask(
      fullTaskConfig({
        ...PLAIN,
        type: 'robot',
        flowId: null,
        robotId: 'robot-live',
        skillQueueId: 'sq-vip',
      }),
      customers(1, () => ({ callData: { SkillQueueName: 'gold' } })),
    );
    await h.runUntil('2026-11-23T09:05:00+08:00');
    expect(seen.map((t) => t.event.type)).toEqual(['answered', 'digits']);
    expect(seen[0]!.variables).toMatchObject({ SkillQueueName: 'gold', city: 'Shenzhen' });
    const [row] = await attemptRows(h, id);
    expect(row).toMatchObject({ result: 'success', digits: '9' });
    expect(row!.detail).toMatchObject({
      ending: 'transferred',
      robot: { turns: 2, digits: '9' },
      transfer: { target: { skillQueue: 'gold' }, ok: true },
    });
  });

  it('ends the calls of a robot without an endpoint as system_error, saying why', async () => {
    h = await engineHarness({ start: START });
    // The API refuses to publish such a robot; one stored before that rule (or edited in the
    // database) must still never hold the line silently.
    const robot = await getResource(h.store.db, 'acme', 'robots', 'robot-1');
    const { endpoint: _gone, ...doc } = robot!.doc as Record<string, unknown>;
    await replaceResource(h.store.db, 'acme', 'robots', {
      id: 'robot-1',
      ouId: null,
      doc,
      now: new Date(START),
    });
    const id = await h.startTask(
      fullTaskConfig({ ...PLAIN, type: 'robot', flowId: null, robotId: 'robot-1' }),
      customers(1),
    );
    await h.runUntil('2026-11-23T09:05:00+08:00');
    const [row] = await attemptRows(h, id);
    expect(row).toMatchObject({ result: 'system_error' });
    expect(row!.detail).toMatchObject({ error: "robot 'robot-1' has no endpoint" });
    // It did not hold the line for the callee's talk time.
    expect(row!.ended_at!.getTime()).toBe(row!.answered_at!.getTime());
  });

  it("rings for the task's own maxRingSec", async () => {
    h = await engineHarness({
      start: START,
      network: {
        rules: [
          { match: '0001$', outcomes: [{ result: 'success', ringSec: 9 }] },
          { match: '0002$', outcomes: [{ result: 'success', ringSec: 11 }] },
        ],
      },
    });
    const id = await h.startTask(
      fullTaskConfig({ ...PLAIN, strategy: { ...PLAIN.strategy, maxRingSec: 10 } }),
      customers(2),
    );
    await h.runUntil('2026-11-23T09:05:00+08:00');
    const rows = await attemptRows(h, id);
    const ring = (r: (typeof rows)[number]) =>
      ((r.answered_at ?? r.ended_at)!.getTime() - r.started_at.getTime()) / 1000;
    expect(rows.map((r) => [r.session_id, r.result, ring(r)])).toEqual([
      ['c0001', 'success', 9],
      ['c0002', 'ring_timeout', 10],
    ]);
  });

  it('never dials a number whose blocklist entry is in force; dials one whose entry expired', async () => {
    h = await engineHarness({ start: START });
    await post(h, 'blocklists', {
      id: 'bl-expiry',
      entries: [
        { number: '+8613800010001', expiresAt: '2026-11-23T08:00:00+08:00', restrict: null },
        { number: '+8613800010002', expiresAt: '2026-11-24T00:00:00+08:00', restrict: null },
      ],
    });
    const id = await h.startTask(
      fullTaskConfig({ ...PLAIN, blocklistId: 'bl-expiry' }),
      customers(2),
    );
    await h.runUntil('2026-11-23T09:05:00+08:00');
    const rows = await attemptRows(h, id);
    expect(rows.map((r) => [r.session_id, r.result])).toEqual([
      ['c0001', 'success'],
      ['c0002', 'blocked'],
    ]);
    expect(h.sim.network.callsTo('+8613800010002')).toBe(0);
  });
});

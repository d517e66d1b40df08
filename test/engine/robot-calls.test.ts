import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKind } from '../helpers/db.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { retrying, workdayTask } from '../helpers/world.ts';

/**
 * A robot task in the engine: the robot on loopback, approved by the tenant's trustlist, is
 * called for every answered call; when the trustlist stops approving it, calls end as
 * `system_error` without reaching it, and the task's policy retries them.
 */
describe(`robot tasks and the tenant trustlist (${dbKind})`, () => {
  let robot: Server;
  let base = '';
  const turns: string[] = [];
  let h: EngineHarness;

  beforeAll(async () => {
    robot = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const ev = JSON.parse(body) as { event: { type: string }; to: string };
        turns.push(`${ev.to}:${ev.event.type}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ actions: [{ type: 'say', text: 'Hello' }, { type: 'hangup' }] }));
      });
    });
    await new Promise<void>((r) => robot.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(robot.address() as AddressInfo).port}/`;
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      settings: { callbackTrustlist: ['https://crm.example.com/', base] },
    });
    const created = await h.call(h.key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/robots',
      payload: { id: 'bot-live', status: 'published', ouId: null, endpoint: `${base}turn` },
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await h.stop();
    robot.closeAllConnections();
    await new Promise<void>((r) => robot.close(() => r()));
  });

  const robotTask = (name: string) =>
    workdayTask(name, {
      type: 'robot',
      flowId: null,
      robotId: 'bot-live',
      questionnaire: { mode: 'none', questionnaireId: null },
      resultPolicy: retrying('system_error', 1, 600),
    });

  it('calls the trustlisted robot on every answered call', async () => {
    const id = await h.startTask(robotTask('Robot ok'), customers(2));
    await h.runUntil('2026-11-23T09:30:00+08:00');
    expect(turns.filter((t) => t.endsWith(':answered')).sort()).toEqual([
      '+8613800010001:answered',
      '+8613800010002:answered',
    ]);
    expect((await h.attempts(id)).map((a) => a.result)).toEqual(['success', 'success']);
  });

  it('refuses the robot at call time once the trustlist no longer approves it; the policy retries', async () => {
    turns.length = 0;
    const changed = await h.call(h.adminKey, {
      method: 'PATCH',
      url: '/api/v1/tenants/acme',
      payload: { settings: { callbackTrustlist: ['https://crm.example.com/'] } },
    });
    expect(changed.status).toBe(200);
    const id = await h.startTask(robotTask('Robot refused'), customers(1));
    await h.runUntil('2026-11-23T10:00:00+08:00');
    expect(turns).toEqual([]);
    const attempts = await h.attempts(id);
    expect(attempts.map((a) => a.result)).toEqual(['system_error', 'system_error']);
    const row = await h.store.db
      .selectFrom('attempts')
      .select('detail')
      .where('task_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.detail).toMatchObject({
      ending: 'error',
      error: expect.stringMatching(/^robot endpoint refused: .*approved trustlist/),
    });
  });
});

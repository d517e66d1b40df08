import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantWithKey } from '../helpers/app.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { dbKind } from '../helpers/db.ts';
import { WORLD, workdayTask } from '../helpers/world.ts';

/**
 * A viewer (a role that may not read personal data) never sees a customer's full number, on any
 * route (issue #11): every GET of the OpenAPI document is called with a viewer's key, its path
 * filled with real ids of a task that has dialed, and no answer may hold a customer's or a
 * blocklisted number in full. A route added later is walked without anyone remembering to.
 */
describe(`a viewer sees no full customer number on any route (${dbKind})`, () => {
  let h: EngineHarness;
  let taskId: string;
  const numbers = new Set<string>();
  beforeAll(async () => {
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      network: {
        rules: [{ match: '0002$', outcomes: [{ result: 'busy', ringSec: 2 }] }],
        default: { result: 'success', ringSec: 2, talkSec: 20, digits: '1' },
      },
    });
    const list = customers(3);
    for (const c of list)
      for (const n of (c as { numbers: { number: string }[] }).numbers) numbers.add(n.number);
    for (const b of WORLD.blocklists) for (const e of b.entries) numbers.add(e.number);
    taskId = await h.startTask(workdayTask('Masking'), list);
    await h.runUntil('2026-11-23T09:10:00+08:00');
  }, 120_000);
  afterAll(() => h.stop());

  it('masks numbers in every GET answer', async () => {
    const viewer = await tenantWithKey(h, 'acme', {}, 'viewer');
    const attempts = (
      await h.call(h.key, { method: 'GET', url: `/api/v1/tenants/acme/tasks/${taskId}/attempts` })
    ).body.items as { id: number; number: string }[];
    expect(attempts.length).toBeGreaterThan(0);
    // The admin sees them in full: the walk below would notice a leak.
    expect(numbers.has(attempts[0]!.number)).toBe(true);
    const doc = (await h.call(null, { method: 'GET', url: '/openapi.json' })).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const fill: Record<string, string> = {
      tenantId: 'acme',
      taskId,
      sessionId: 'c0001',
      attemptId: String(attempts[0]!.id),
      kind: 'blocklists',
    };
    const byKind: Record<string, string> = {
      blocklists: 'bl-default',
      flows: 'flow-notice',
      robots: 'robot-1',
    };
    let walked = 0;
    const leaks: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!('get' in ops) || !path.includes('{tenantId}')) continue;
      const kind = /\/tenants\/\{tenantId\}\/([a-z-]+)\/\{id\}/.exec(path)?.[1];
      const url = path.replace(/\{(\w+)\}/g, (_, k: string) =>
        k === 'id' ? (byKind[kind ?? ''] ?? 'x') : (fill[k] ?? 'x'),
      );
      const r = await h.call(viewer, { method: 'GET', url });
      walked++;
      const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      for (const n of numbers) if (text.includes(n)) leaks.push(`${path} (${r.status}): ${n}`);
    }
    expect(walked).toBeGreaterThan(30);
    expect(leaks).toEqual([]);
  });
});

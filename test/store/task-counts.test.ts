import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { IN_ORDER, WORKDAY, fullTaskConfig } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';
import { foldTaskCounts, taskProgress, type TaskProgress } from '../../src/store/progress.ts';
import { taskFigures } from '../../src/store/task-report.ts';
import type { Db } from '../../src/store/db.ts';

/** Progress as a full scan of the task computes it (what the counters replaced). */
async function recount(db: Db, taskId: string): Promise<TaskProgress> {
  const states = await sql<{ state: string; n: number }>`
    select state, count(*)::int as n from contacts where task_id = ${taskId} group by state`.execute(
    db,
  );
  const finals = await sql<{ r: string | null; n: number }>`
    select final_result as r, count(*)::int as n from contacts
    where task_id = ${taskId} and state = 'finished' group by final_result`.execute(db);
  const attempts = await sql<{ result: string | null; state: string; n: number }>`
    select result, state, count(*)::int as n from attempts where task_id = ${taskId}
    group by result, state`.execute(db);
  const span = await sql<{ first: Date | null; last: Date | null }>`
    select min(started_at) as first, max(started_at) as last from attempts
    where task_id = ${taskId}`.execute(db);
  const byState: Record<string, number> = {
    ready: 0,
    waiting: 0,
    dialing: 0,
    filtered: 0,
    finished: 0,
  };
  for (const s of states.rows) byState[s.state] = s.n;
  const byResult: Record<string, number> = {};
  let total = 0;
  let active = 0;
  for (const r of attempts.rows) {
    total += r.n;
    if (r.state === 'active') active += r.n;
    else if (r.result) byResult[r.result] = (byResult[r.result] ?? 0) + r.n;
  }
  return {
    total: Object.values(byState).reduce((a, b) => a + b, 0),
    byState,
    finalResults: Object.fromEntries(finals.rows.map((f) => [f.r ?? 'none', f.n])),
    attempts: { total, active, byResult },
    firstAttemptAt: span.rows[0]?.first ?? null,
    lastAttemptAt: span.rows[0]?.last ?? null,
  };
}

describe(`progress counters (${dbKind})`, () => {
  let h: EngineHarness;
  afterEach(() => h.stop());

  const cfg = fullTaskConfig({
    name: 'Counters',
    schedule: WORKDAY,
    strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 10 },
    callStrategy: IN_ORDER,
    resultPolicy: {
      kind: 'global',
      byResult: true,
      rules: [
        { result: 'busy', retries: 2, intervalSec: 300 },
        { result: 'no_answer', retries: 1, intervalSec: 600 },
      ],
      nonRetryResults: [],
    },
    businessResultPolicy: [
      { code: 'callback-later', subCode: null, action: 'call_same_number', intervalSec: 1800 },
      { code: 'callback-later', subCode: 'evening', action: 'stop' },
    ],
  });

  it(
    'stay equal to a full recount through dialing with retries, imports, re-imports, deletes and business results',
    { timeout: 120_000 },
    async () => {
      h = await engineHarness({
        start: '2026-11-23T09:00:00+08:00',
        network: {
          default: { result: 'success', ringSec: 3, talkSec: 20 },
          rules: [
            { match: '[02468]$', sequence: [{ result: 'busy', ringSec: 2 }] },
            { match: '5$', sequence: [{ result: 'no_answer', ringSec: 10 }] },
          ],
        },
      });
      const db = h.store.db;
      const id = await h.startTask(cfg, customers(60));
      const base = `/api/v1/tenants/acme/tasks/${id}`;
      const check = async (when: string) => {
        const want = await recount(db, id);
        expect(await taskProgress(db, 'acme', id), when).toEqual(want);
        const api = (await h.call(h.key, { method: 'GET', url: `${base}/progress` })).body;
        expect(api.byState, when).toEqual(want.byState);
        expect(api.attempts, when).toEqual(want.attempts);
        expect(api.finalResults, when).toEqual(want.finalResults);
        // The tenant has this one task: its channels in use are the task's calls in progress.
        expect(api.channels.inUse, when).toBe(want.attempts.active);
        const figures = await taskFigures(db, 'acme', id);
        expect(figures.customers.total, when).toBe(want.total);
        expect(figures.attempts.total, when).toBe(want.attempts.total);
      };

      await check('before dialing');
      // Mid-call: attempts active, customers dialing.
      await h.runUntil('2026-11-23T09:00:10+08:00');
      const mid = await taskProgress(db, 'acme', id);
      expect(mid.attempts.active).toBeGreaterThan(0);
      await check('calls in progress');
      await h.runUntil('2026-11-23T09:03:00+08:00');
      await check('first round');
      expect((await recount(db, id)).byState.waiting).toBeGreaterThan(0);

      // Folding moves the deltas into the totals and changes nothing a reader sees.
      expect(await foldTaskCounts(db)).toBeGreaterThan(0);
      await check('after a fold');

      // An import of new customers and a re-import of some already called, while it runs.
      const more = customers(80).slice(50);
      const imported = await h.call(h.key, {
        method: 'POST',
        url: `${base}/contacts`,
        payload: { contacts: more.map((c, i) => (i < 10 ? { ...c, priority: 2 } : c)) },
      });
      expect(imported.body).toMatchObject({ inserted: 20, updated: 10 });
      await check('after an import and a re-import');

      // Business results: one asks for a call later, one stops the customer.
      const finished = await sql<{ session_id: string }>`
      select session_id from contacts where task_id = ${id} and state = 'finished'
      order by id limit 2`.execute(db);
      const [a, b] = finished.rows.map((r) => r.session_id);
      for (const [s, payload] of [
        [a, { code: 'callback-later' }],
        [b, { code: 'callback-later', subCode: 'evening' }],
      ] as const) {
        const r = await h.call(h.key, {
          method: 'PUT',
          url: `${base}/contacts/${s}/business-result`,
          payload,
        });
        expect(r.status).toBe(200);
      }
      await check('after business results');

      h.dialer.wakeAt();
      await h.runUntil('2026-11-23T11:00:00+08:00');
      await check('after the retries');

      // Deleting customers (the task suspended first).
      expect((await h.call(h.key, { method: 'POST', url: `${base}/suspend` })).status).toBe(200);
      for (const s of ['c0001', 'c0002', 'c0075']) {
        const r = await h.call(h.key, { method: 'DELETE', url: `${base}/contacts/${s}` });
        expect(r.status).toBe(204);
      }
      await check('after deletes');
      await foldTaskCounts(db);
      const done = await taskProgress(db, 'acme', id);
      expect(done).toEqual(await recount(db, id));
      expect(done.total).toBe(77);
      expect(done.attempts.total).toBeGreaterThan(77);
      expect(Object.keys(done.attempts.byResult).sort()).toEqual(['busy', 'no_answer', 'success']);
    },
  );
});

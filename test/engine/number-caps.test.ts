import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantWithKey, type TestApp } from '../helpers/app.ts';
import { databaseUrl } from '../helpers/db.ts';
import { spawnServe, type ServeProcess } from '../helpers/engine-process.ts';
import { customers } from '../helpers/engine.ts';
import { pgWorld, realTimeTask, type PgWorld } from '../helpers/pg-world.ts';
import { FULL_SETTINGS, seedWorld } from '../helpers/world.ts';

/**
 * Caps per number across tasks (issue #14): two tasks call the same ten numbers, every call busy
 * and retried at once, dialed by two engine processes on one PostgreSQL. The tenant allows 3
 * calls per number per rolling day: each number gets exactly 3, whichever task or engine made
 * them (both engines claim some), and every customer then waits for the cap (not failed).
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CAP = 3;
const NUMBERS = 12;

describe.skipIf(!databaseUrl)('caps per number across tasks and engines (postgres)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-caps-'));
  let w: PgWorld;
  const procs: ServeProcess[] = [];

  beforeAll(async () => {
    w = await pgWorld('caps');
  });

  afterAll(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await w?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a number shared by two tasks is stopped at its cap across two engine processes', async () => {
    const { t, store } = w;
    const key = await tenantWithKey(t as TestApp, 'acme', {
      ...FULL_SETTINGS,
      numberCaps: [{ max: CAP, period: 'day', count: 'attempts' }],
    });
    await seedWorld(t as TestApp, key, 'acme');
    const network = path.join(dir, 'network.json');
    fs.writeFileSync(network, JSON.stringify({ default: { result: 'busy', ringSec: 0.05 } }));
    for (const name of ['a', 'b']) {
      const p = spawnServe({
        role: 'engine',
        databaseUrl: w.url,
        secretKey: w.secretKey,
        network,
        logFile: path.join(dir, `${name}.log`),
        startTimeoutMs: 120_000,
      });
      procs.push(p);
    }
    await Promise.all(procs.map((p) => p.started));

    const base = '/api/v1/tenants/acme/tasks';
    const busyForever = {
      callbackUrl: null,
      resultPolicy: {
        kind: 'global',
        byResult: true,
        rules: [{ result: 'busy', retries: 20, intervalSec: 0 }],
        nonRetryResults: [],
      },
    };
    const ids: string[] = [];
    for (const name of ['Cap A', 'Cap B']) {
      const created = await t.call(key, {
        method: 'POST',
        url: base,
        payload: realTimeTask(name, '', 1, busyForever),
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const id = created.body.id as string;
      ids.push(id);
      await t.call(key, {
        method: 'POST',
        url: `${base}/${id}/contacts`,
        payload: { contacts: customers(NUMBERS) },
      });
    }
    for (const id of ids)
      expect((await t.call(key, { method: 'POST', url: `${base}/${id}/start` })).status).toBe(200);

    // Slow pacing (1 call a second per task). Both engines claim while they run side by side,
    // but which wins a task's slot depends on their ticks' phase: one could take every call. So
    // once a few calls are placed, the engine that placed most is stopped and the other must go
    // on, counting the first one's calls against the caps.
    const takeover = Date.now() + 90_000;
    let first: ServeProcess | undefined;
    while (!first) {
      const placed = await sql<{ engine_id: string; n: number }>`
        select engine_id, count(*)::int as n from attempts group by 1 order by 2 desc`.execute(
        store.db,
      );
      if (placed.rows.reduce((a, r) => a + r.n, 0) >= 6) {
        first = procs.find((p) => p.engineId === placed.rows[0]!.engine_id);
        if (!first) throw new Error(`no process of engine ${placed.rows[0]!.engine_id}`);
      } else if (Date.now() > takeover) throw new Error('the engines placed no calls');
      else await sleep(100);
    }
    first.child.kill('SIGTERM');
    await first.exited;

    // Done when no customer may be dialed now and no call is in progress.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const r = await sql<{ busy: boolean }>`
        select exists(select 1 from contacts where state in ('ready', 'dialing'))
          or exists(select 1 from attempts where state = 'active') as busy`.execute(store.db);
      if (!r.rows[0]!.busy) break;
      if (Date.now() > deadline) throw new Error('the tasks did not settle');
      await sleep(100);
    }

    const perNumber = await sql<{ number: string; n: number; engines: number }>`
      select number, count(*)::int as n, count(distinct engine_id)::int as engines
      from attempts group by number order by number`.execute(store.db);
    expect(perNumber.rows).toHaveLength(NUMBERS);
    expect(perNumber.rows.map((r) => r.n)).toEqual(Array(NUMBERS).fill(CAP));
    const engines = await sql<{ n: number }>`
      select count(distinct engine_id)::int as n from attempts`.execute(store.db);
    expect(engines.rows[0]!.n).toBe(2);

    // Every customer waits for the cap, with the reason in progress and the explainer.
    for (const id of ids) {
      const progress = await t.call(key, { method: 'GET', url: `${base}/${id}/progress` });
      expect(progress.body.byState).toMatchObject({ waiting: NUMBERS, finished: 0 });
      expect(progress.body.held.numberCap).toBe(NUMBERS);
    }
    const why = await t.call(key, {
      method: 'GET',
      url: `${base}/${ids[0]}/contacts/c0001/explain`,
    });
    expect(why.body.reason).toBe('number_cap');
    expect(why.body.detail).toContain('cap of 3 attempts per day');

    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
  }, 180_000);
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantWithKey, type TestApp } from '../helpers/app.ts';
import { databaseUrl } from '../helpers/db.ts';
import { spawnServe, type ServeProcess } from '../helpers/engine-process.ts';
import { customers } from '../helpers/engine.ts';
import { callbackReceiver, pgWorld, realTimeTask, type PgWorld } from '../helpers/pg-world.ts';
import { FULL_SETTINGS, seedWorld } from '../helpers/world.ts';

/**
 * `serve --speed 60` (issue #17): the lease and the drain are real seconds on the accelerated
 * clock. A 5 s lease is written 300 s of that clock ahead (5 real seconds), not 5 s (which would be
 * 83 ms of real time, and a stalled database would make live calls look dead); a 1 s drain holds
 * the calls in progress for a real second, then ends them as system_error "shutdown".
 */
const SPEED = 60;
const LEASE_SEC = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!databaseUrl)('an engine on an accelerated clock', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-speed-'));
  let w: PgWorld;
  let rx: Awaited<ReturnType<typeof callbackReceiver>>;
  let engine: ServeProcess | undefined;

  beforeAll(async () => {
    w = await pgWorld('speed');
    rx = await callbackReceiver();
  });

  afterAll(async () => {
    engine?.child.kill('SIGKILL');
    await engine?.exited;
    await rx?.close();
    await w?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leases and drains in real seconds', async () => {
    const { t, store, url, secretKey } = w;
    const db = store.db;
    const key = await tenantWithKey(t as TestApp, 'acme', {
      ...FULL_SETTINGS,
      channels: 5,
      callbackTrustlist: [rx.trust],
    });
    await seedWorld(t as TestApp, key, 'acme');
    const network = path.join(dir, 'network.json');
    // Calls of a day on the clock (24 real minutes): in progress for the whole test.
    fs.writeFileSync(
      network,
      JSON.stringify({ default: { result: 'success', ringSec: 1, talkSec: 86_400 } }),
    );
    engine = spawnServe({
      role: 'engine',
      databaseUrl: url,
      secretKey,
      network,
      logFile: path.join(dir, 'engine.log'),
      args: ['--speed', String(SPEED)],
      env: { OUTBOUND_LEASE_SEC: String(LEASE_SEC), OUTBOUND_DRAIN_SEC: '1' },
      startTimeoutMs: 120_000,
    });
    await engine.started;

    const base = '/api/v1/tenants/acme/tasks';
    const created = await t.call(key, {
      method: 'POST',
      url: base,
      payload: realTimeTask('Speed', rx.url, 5),
    });
    const taskId = created.body.id as string;
    await t.call(key, {
      method: 'POST',
      url: `${base}/${taskId}/contacts`,
      payload: { contacts: customers(5) },
    });
    await t.call(key, { method: 'POST', url: `${base}/${taskId}/start` });

    const active = () =>
      db
        .selectFrom('attempts')
        .select(['id', 'started_at', 'lease_expires_at'])
        .where('task_id', '=', taskId)
        .where('state', '=', 'active')
        .execute();
    let rows = await active();
    for (let i = 0; rows.length === 0 && i < 1200; i++) {
      await sleep(50);
      rows = await active();
    }
    expect(rows.length).toBeGreaterThan(0);
    // Seen within moments of the claim: the lease runs LEASE_SEC real seconds = 300 s of the clock.
    for (const r of rows)
      expect(r.lease_expires_at!.getTime() - r.started_at.getTime()).toBeGreaterThanOrEqual(
        LEASE_SEC * 1000 * SPEED,
      );

    // A few real seconds later (heartbeats renewed the leases), nothing was swept.
    await sleep(3000);
    const lost = await db
      .selectFrom('attempts')
      .select('id')
      .where('task_id', '=', taskId)
      .where('state', '=', 'ended')
      .execute();
    expect(lost).toEqual([]);

    // SIGTERM: the calls are held for the drain's real second, then cut as shutdown.
    const at = Date.now();
    engine.child.kill('SIGTERM');
    expect((await engine.exited).code).toBe(0);
    expect(Date.now() - at).toBeGreaterThanOrEqual(900);
    const ended = await db
      .selectFrom('attempts')
      .select(['result', 'detail'])
      .where('task_id', '=', taskId)
      .execute();
    expect(ended.length).toBe(5);
    expect(ended.every((a) => a.result === 'system_error')).toBe(true);
    expect(ended.map((a) => (a.detail as { reason?: string }).reason)).toEqual(
      ended.map(() => 'shutdown'),
    );
  }, 240_000);
});

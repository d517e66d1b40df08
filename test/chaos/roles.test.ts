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
 * `serve --role dialer` and `serve --role dispatcher`: an engine split in two processes, so that
 * callbacks (a slow or dead receiver) never share a process with dialing. PostgreSQL only.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!databaseUrl)('a dialer and a dispatcher in processes of their own', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-roles-'));
  let w: PgWorld;
  let rx: Awaited<ReturnType<typeof callbackReceiver>>;
  const procs: ServeProcess[] = [];

  beforeAll(async () => {
    w = await pgWorld('roles');
    rx = await callbackReceiver();
  });

  afterAll(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await rx?.close();
    await w?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the dialer dials and leaves the callbacks to the dispatcher, which delivers every one', async () => {
    const { t, store } = w;
    const key = await tenantWithKey(t as TestApp, 'acme', {
      ...FULL_SETTINGS,
      callbackTrustlist: [rx.trust],
    });
    await seedWorld(t as TestApp, key, 'acme');
    const network = path.join(dir, 'network.json');
    fs.writeFileSync(
      network,
      JSON.stringify({ default: { result: 'success', ringSec: 0.1, talkSec: 0.2 } }),
    );
    const spawn = (role: 'dialer' | 'dispatcher') => {
      const p = spawnServe({
        role,
        databaseUrl: w.url,
        secretKey: w.secretKey,
        network,
        logFile: path.join(dir, `${role}.log`),
      });
      procs.push(p);
      return p;
    };
    const dialer = spawn('dialer');
    await dialer.started;

    const base = '/api/v1/tenants/acme/tasks';
    const created = await t.call(key, {
      method: 'POST',
      url: base,
      payload: realTimeTask('Roles', rx.url, 30),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    await t.call(key, {
      method: 'POST',
      url: `${base}/${id}/contacts`,
      payload: { contacts: customers(20) },
    });
    expect((await t.call(key, { method: 'POST', url: `${base}/${id}/start` })).status).toBe(200);

    const count = async (table: 'contacts' | 'outbox', col: 'state', not: string) =>
      Number(
        (
          await store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .where(col, '!=', not)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const until = async (what: () => Promise<boolean>, label: string) => {
      const deadline = Date.now() + 60_000;
      while (!(await what())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
        await sleep(100);
      }
    };
    // The dialer alone: every customer called, every callback waiting in the outbox.
    await until(async () => (await count('contacts', 'state', 'finished')) === 0, 'the calls');
    expect(await count('outbox', 'state', 'delivered')).toBe(40); // connect + release each
    expect(rx.received.size).toBe(0);

    // The dispatcher delivers them.
    await spawn('dispatcher').started;
    await until(async () => (await count('outbox', 'state', 'delivered')) === 0, 'the callbacks');
    expect(rx.received.size).toBe(40);

    for (const p of procs) p.child.kill('SIGTERM');
    expect((await Promise.all(procs.map((p) => p.exited))).map((e) => e.code)).toEqual([0, 0]);
  }, 120_000);
});

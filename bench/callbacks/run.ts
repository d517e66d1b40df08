/**
 * Callback benchmark: `npx tsx bench/callbacks/run.ts [--pg] [--count 100000]`.
 *
 * (a) `count` callbacks waiting in the outbox are delivered by the real dispatcher (signed, over
 *     HTTP) to a receiver on 127.0.0.1 answering 200: deliveries per second.
 * (b) The added latency of dialing while the receiver is down: the median wall time of an engine
 *     tick (placing 30 calls) with the dispatcher idle, then while it retries `count` callbacks
 *     against a closed port. Target: no added latency (the dispatcher is a loop of its own).
 * (c) With --pg: the same, with the retrying dispatcher in a process of its own
 *     (`outbound serve --role dispatcher`), as an operator runs it when callbacks must not touch
 *     dialing.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pgClient from 'pg';
import { openStore, newPGlite } from '../../src/store/db.ts';
import { spawnServe } from '../../test/helpers/engine-process.ts';
import { simEngine } from '../../src/cli/simulate-engine.ts';
import { OutboxDispatcher, callbackChannel } from '../../src/engine/outbox-dispatcher.ts';
import { CallbackSender } from '../../src/notify/http-sender.ts';
import { systemResolver } from '../../src/notify/callback-target.ts';
import { RealScheduler } from '../../src/platform/scheduler.ts';

const argv = process.argv.slice(2);
const pg = argv.includes('--pg');
const COUNT = argv.includes('--count') ? Number(argv[argv.indexOf('--count') + 1]) : 100_000;
const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const FROM = new Date('2026-11-23T10:00:00+08:00');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// On PostgreSQL a database of its own, so that a dispatcher process (c) can share it.
const dbName = `bench_callbacks_${randomBytes(4).toString('hex')}`;
async function admin(q: string): Promise<void> {
  const c = new pgClient.Client({ connectionString: DATABASE_URL });
  await c.connect();
  await c.query(q).finally(() => c.end());
}
let url = DATABASE_URL;
if (pg) {
  await admin(`create database ${dbName}`);
  const u = new URL(DATABASE_URL);
  u.pathname = `/${dbName}`;
  url = u.toString();
}
const store = pg
  ? await openStore({ databaseUrl: url, poolSize: 8 })
  : await openStore({ pglite: newPGlite() });

let got = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    got++;
    res.writeHead(200).end();
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const port = (receiver.address() as AddressInfo).port;
const deadPort = port + 1; // nothing listens there (checked below)

try {
  const e = await simEngine({
    db: store.db,
    from: FROM,
    log: () => {},
    tickMs: 3000,
    engineId: 'bench',
  });
  const ok = async (p: Promise<{ status: number; body: unknown }>, want: number) => {
    const r = await p;
    if (r.status !== want) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
    return r;
  };
  await ok(
    e.call('POST', '/api/v1/tenants', {
      id: 'bench',
      name: 'bench',
      settings: {
        channels: 10_000,
        callbackTrustlist: [`http://127.0.0.1:${port}/`, `http://127.0.0.1:${deadPort}/`],
      },
    }),
    201,
  );
  await ok(
    e.call('POST', '/api/v1/tenants/bench/caller-numbers', { number: '+862188880001', ouId: null }),
    201,
  );
  await ok(
    e.call('POST', '/api/v1/tenants/bench/flows', {
      id: 'flow-notice',
      status: 'published',
      ouId: null,
    }),
    201,
  );
  const task = await ok(
    e.call('POST', '/api/v1/tenants/bench/tasks', {
      name: 'callbacks bench',
      type: 'ivr',
      flowId: 'flow-notice',
      callerNumbers: ['+862188880001'],
      start: '2026-11-23T00:00:00+08:00',
      end: '2026-12-31T00:00:00+08:00',
      schedule: { regular: [{ start: '00:00', end: '23:59' }] },
      strategy: { maxRingSec: 20, intervalSec: 3, callsPerInterval: 30 },
      resultPolicy: {
        kind: 'global',
        byResult: true,
        rules: [{ result: 'busy', retries: 1, intervalSec: 60 }],
        nonRetryResults: [],
      },
    }),
    201,
  );
  const taskId = (task.body as { id: string }).id;
  const contacts = Array.from({ length: 3000 }, (_, i) => ({
    sessionId: `c${i}`,
    numbers: [{ number: `+86138${String(i).padStart(8, '0')}`, type: 'mobile' }],
  }));
  await ok(e.call('POST', `/api/v1/tenants/bench/tasks/${taskId}/contacts`, { contacts }), 200);
  await ok(e.call('POST', `/api/v1/tenants/bench/tasks/${taskId}/start`), 200);

  const fill = async (url: string) => {
    await sql`delete from outbox`.execute(store.db);
    await sql`
      insert into outbox (tenant_id, task_id, kind, event, attempt_id, contact_id, idempotency_key, target, payload, next_at, created_at)
      select 'bench', ${taskId}::text, 'callback', 'release', g, g, 'bench:' || g, ${url}::text,
             jsonb_build_object('event', 'release', 'callId', g::text, 'taskId', ${taskId}::text), ${FROM}::timestamptz, ${FROM}::timestamptz
      from generate_series(1, ${COUNT}::int) g`.execute(store.db);
    await sql`analyze outbox`.execute(store.db);
  };
  const pending = async () =>
    Number(
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from outbox where state = 'pending'`.execute(store.db)
      ).rows[0]!.n,
    );

  // (a) deliveries per second
  await fill(`http://127.0.0.1:${port}/outbound/events`);
  const sched = new RealScheduler((err) => console.error(err));
  const sender = new CallbackSender({ resolve: systemResolver, timeoutMs: 5000 });
  const dispatcher = new OutboxDispatcher({
    db: store.db,
    scheduler: sched,
    owner: 'bench',
    channels: { callback: callbackChannel(sender) },
    batch: 256,
    idleMs: 50,
  });
  const t0 = performance.now();
  dispatcher.start();
  while ((await pending()) > 0) await new Promise((r) => setTimeout(r, 200));
  const sec = (performance.now() - t0) / 1000;
  await dispatcher.stop();
  console.log(
    `callbacks on ${pg ? 'PostgreSQL' : 'PGlite (in memory)'}: ${fmt(COUNT)} signed callbacks to a receiver on 127.0.0.1`,
  );
  console.log(
    `  (a) delivered ${fmt(got)} in ${sec.toFixed(1)} s: ${fmt(COUNT / sec)} deliveries/s`,
  );

  // (b) engine ticks with the dispatcher idle, then retrying against a dead receiver
  const ticks = async (n: number, offset: number) => {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      await e.sched.runUntil(FROM.getTime() + (offset + i) * 3000);
      const s = performance.now();
      await e.dialer.tick();
      ms.push(performance.now() - s);
    }
    return ms;
  };
  await ticks(5, 0);
  const idle = median(await ticks(20, 5));
  await fill(`http://127.0.0.1:${deadPort}/outbound/events`);
  const busyDispatcher = new OutboxDispatcher({
    db: store.db,
    scheduler: sched,
    owner: 'bench-dead',
    channels: { callback: callbackChannel(sender) },
    batch: 256,
    idleMs: 50,
  });
  busyDispatcher.start();
  await new Promise((r) => setTimeout(r, 500));
  const down = median(await ticks(20, 25));
  const retried =
    COUNT -
    (await pending()) +
    Number(
      (
        await sql<{ n: number }>`select count(*)::int as n from outbox where tries > 0`.execute(
          store.db,
        )
      ).rows[0]!.n,
    );
  await busyDispatcher.stop();
  console.log(
    `  (b) engine tick, median of 20: ${idle.toFixed(1)} ms with the dispatcher idle, ${down.toFixed(1)} ms while it retries against a dead receiver (${fmt(retried)} tries made meanwhile)`,
  );
  console.log(
    `      added latency ${(down - idle).toFixed(1)} ms per tick (target: none; the dispatcher is a loop apart from the dialer)`,
  );

  if (pg) {
    await fill(`http://127.0.0.1:${deadPort}/outbound/events`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-bench-callbacks-'));
    const proc = spawnServe({
      role: 'dispatcher',
      databaseUrl: url,
      secretKey: randomBytes(32).toString('hex'),
      logFile: path.join(dir, 'dispatcher.log'),
    });
    await proc.started;
    await new Promise((r) => setTimeout(r, 500));
    const apart = median(await ticks(20, 45));
    const tried = Number(
      (
        await sql<{ n: number }>`select count(*)::int as n from outbox where tries > 0`.execute(
          store.db,
        )
      ).rows[0]!.n,
    );
    proc.child.kill('SIGTERM');
    await proc.exited;
    fs.rmSync(dir, { recursive: true, force: true });
    const idle2 = median(await ticks(20, 65));
    console.log(
      `  (c) engine tick, median of 20: ${idle2.toFixed(1)} ms idle, ${apart.toFixed(1)} ms while a \`serve --role dispatcher\` process retries against the dead receiver (${fmt(tried)} tries made meanwhile)`,
    );
    console.log(
      `      added latency ${(apart - idle2).toFixed(1)} ms per tick (target: none) — on ${os.cpus().length} cores shared by both processes and PostgreSQL`,
    );
  }
  await sender.close();
  await e.close();
} finally {
  receiver.close();
  await store.close();
  if (pg) await admin(`drop database if exists ${dbName} with (force)`);
}

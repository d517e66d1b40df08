import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import { createApiKey } from '../../src/api/auth.ts';
import { createCipher, parseKey } from '../../src/platform/cipher.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { testResolver, type TestApp } from './app.ts';
import { databaseUrl } from './db.ts';
import { IN_ORDER, fullTaskConfig } from './world.ts';

/**
 * A fresh PostgreSQL database for tests that run `outbound serve` processes (they cannot share a
 * test schema), with the API in this process on the real clock to set it up.
 */
export interface PgWorld {
  url: string;
  secretKey: string;
  store: Store;
  app: FastifyInstance;
  /** The API in process, as a system administrator (`adminKey`) or any key. */
  t: Pick<TestApp, 'call' | 'adminKey'>;
  close(): Promise<void>;
}

async function admin(q: string): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(q);
  } finally {
    await c.end();
  }
}

export async function pgWorld(prefix: string): Promise<PgWorld> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${name}`);
  const u = new URL(databaseUrl!);
  u.pathname = `/${name}`;
  const url = u.toString();
  const secretKey = randomBytes(32).toString('hex');
  const store = await openStore({ databaseUrl: url, poolSize: 4 });
  const app = await buildApp({
    db: store.db,
    clock: systemClock,
    cipher: createCipher(parseKey(secretKey)),
    resolve: testResolver,
  });
  const { key: adminKey } = await createApiKey(store.db, {
    tenantId: null,
    role: 'system_admin',
    ouId: null,
    name: prefix,
    now: new Date(),
  });
  const call: TestApp['call'] = async (k, opts) => {
    const res = await app.inject({
      ...opts,
      headers: { ...(opts.headers ?? {}), ...(k ? { authorization: `Bearer ${k}` } : {}) },
    } as InjectOptions);
    return { status: res.statusCode, body: res.json(), headers: res.headers };
  };
  return {
    url,
    secretKey,
    store,
    app,
    t: { call, adminKey },
    async close() {
      await app.close();
      await store.close();
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

/** A callback receiver on loopback answering 200: idempotency keys received, with counts. */
export async function callbackReceiver(): Promise<{
  url: string;
  trust: string;
  received: Map<string, number>;
  close(): Promise<void>;
}> {
  const received = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const k = String(req.headers['x-outbound-idempotency-key']);
      received.set(k, (received.get(k) ?? 0) + 1);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/events`,
    trust: `http://127.0.0.1:${port}/`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * A task for processes on the real clock: running from an hour ago to a day ahead, dialing all
 * day (UTC) at `callsPerInterval` calls a second, callbacks to `callbackUrl`.
 */
export function realTimeTask(
  name: string,
  callbackUrl: string,
  callsPerInterval: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = Date.now();
  return fullTaskConfig({
    name,
    callbackUrl,
    sms: null,
    blocklistId: null,
    start: new Date(now - 3600_000).toISOString(),
    end: new Date(now + 86400_000).toISOString(),
    timeZone: '+00:00',
    schedule: {
      regular: [{ start: '00:00', end: '23:59' }],
      specialDates: [],
      specialPeriods: [],
      allocations: { enabled: false, entries: [] },
    },
    strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval },
    callStrategy: IN_ORDER,
    businessResultPolicy: [],
    ...extra,
  });
}

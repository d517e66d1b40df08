import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp, type AppDeps } from '../../src/api/app.ts';
import type { Resolver } from '../../src/notify/callback-target.ts';
import { createApiKey } from '../../src/api/auth.ts';
import { VirtualClock, type Clock } from '../../src/platform/clock.ts';
import { createCipher, type Cipher } from '../../src/platform/cipher.ts';
import { testStore, type TestStore } from './db.ts';

/** DNS for tests: example names resolve to public documentation addresses, no network needed. */
export const testDns: Record<string, string[]> = {
  'crm.example.com': ['93.184.216.34'],
  'intranet.example.com': ['10.1.2.3'],
};
export const testResolver: Resolver = async (host) => {
  const a = testDns[host];
  if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return a.map((address) => ({ address, family: 4 }));
};

/** An app on a fresh test schema with a virtual clock and a system administrator key. */
export interface TestApp {
  app: FastifyInstance;
  store: TestStore;
  clock: VirtualClock;
  /** The service's secret-key cipher (encrypted attributes, provider credentials). */
  cipher: Cipher;
  /** The clock the app runs on (the virtual clock unless one was given). */
  appClock: Clock;
  adminKey: string;
  /** app.inject with a key; `key: null` sends none. */
  call(
    key: string | null,
    opts: InjectOptions & { method: string; url: string },
  ): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function testApp(
  start = '2026-11-23T08:00:00+08:00',
  appClock?: Clock,
  deps: Partial<AppDeps> | ((made: { db: TestStore['db']; clock: Clock }) => Partial<AppDeps>) = {},
): Promise<TestApp> {
  const store = await testStore();
  const clock = new VirtualClock(start);
  const extra =
    typeof deps === 'function' ? deps({ db: store.db, clock: appClock ?? clock }) : deps;
  const cipher = createCipher(randomBytes(32));
  const app = await buildApp({
    db: store.db,
    clock: appClock ?? clock,
    cipher,
    resolve: testResolver,
    ...extra,
  });
  const { key: adminKey } = await createApiKey(store.db, {
    tenantId: null,
    role: 'system_admin',
    ouId: null,
    name: 'test',
    now: clock.now(),
  });
  return {
    app,
    store,
    clock,
    appClock: appClock ?? clock,
    cipher,
    adminKey,
    async call(key, opts) {
      const res = await app.inject({
        ...opts,
        headers: { ...(opts.headers ?? {}), ...(key ? { authorization: `Bearer ${key}` } : {}) },
      } as InjectOptions);
      const type = String(res.headers['content-type'] ?? '');
      return {
        status: res.statusCode,
        body: type.includes('json') ? res.json() : res.body,
        headers: res.headers,
      };
    },
    async close() {
      await app.close();
      await store.dispose();
    },
  };
}

/** Creates a tenant and returns a key of the given role in it. */
export async function tenantWithKey(
  t: TestApp,
  tenantId: string,
  settings: Record<string, unknown> = {},
  role = 'tenant_admin',
  ouId: string | null = null,
): Promise<string> {
  const created = await t.call(t.adminKey, {
    method: 'POST',
    url: '/api/v1/tenants',
    payload: { id: tenantId, name: tenantId, settings },
  });
  if (created.status !== 201 && created.status !== 409)
    throw new Error(`tenant: ${created.status} ${JSON.stringify(created.body)}`);
  const k = await t.call(t.adminKey, {
    method: 'POST',
    url: `/api/v1/tenants/${tenantId}/keys`,
    payload: { name: role, role, ouId },
  });
  if (k.status !== 201) throw new Error(`key: ${k.status} ${JSON.stringify(k.body)}`);
  return k.body.key as string;
}

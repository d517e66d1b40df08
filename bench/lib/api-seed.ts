/**
 * What bench/api-load, bench/engines and bench/sip/engine-rate share to seed their database: the
 * API in this process as a system administrator, a tenant set up to dial, and one IVR task that
 * dials all day. Customers go in by SQL, each benchmark its own way.
 */
import type { InjectOptions } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import { createApiKey } from '../../src/api/auth.ts';
import type { Cipher } from '../../src/platform/cipher.ts';
import { systemClock } from '../../src/platform/clock.ts';
import type { Store } from '../../src/store/db.ts';

/** A request through the API; it throws on an answer of 300 or more and returns the JSON body. */
export type AdminCall = (method: string, url: string, payload?: unknown) => Promise<any>;

/** The API on `store` in this process, and a system administrator's key to call it with. */
export async function adminApi(store: Store, cipher: Cipher) {
  const app = await buildApp({ db: store.db, clock: systemClock, cipher });
  const { key } = await createApiKey(store.db, {
    tenantId: null,
    role: 'system_admin',
    ouId: null,
    name: 'bench',
    now: new Date(),
  });
  const call: AdminCall = async (method, url, payload) => {
    const r = await app.inject({
      method,
      url,
      payload,
      headers: { authorization: `Bearer ${key}` },
    } as InjectOptions);
    if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`);
    return r.json();
  };
  return { app, key, call };
}

/**
 * Tenant `tenant` (100,000 channels, +00:00) with caller number `number` and an empty published
 * flow `flow`; returns the tenant's API base.
 */
export async function benchTenant(call: AdminCall, tenant: string, number: string) {
  const base = `/api/v1/tenants/${tenant}`;
  await call('POST', '/api/v1/tenants', {
    id: tenant,
    name: tenant,
    settings: { channels: 100_000, timeZone: '+00:00' },
  });
  await call('POST', `${base}/caller-numbers`, { number, ouId: null });
  await call('POST', `${base}/flows`, { id: 'flow', status: 'published', ouId: null });
  return base;
}

/**
 * A draft IVR task of flow `flow` from `number`, open from an hour before `now` to a day after,
 * dialing all day `callsPerInterval` calls a second, customers in import order, a busy number
 * called again `busy.retries` times `busy.intervalSec` apart; returns the created task.
 */
export function allDayTask(
  call: AdminCall,
  base: string,
  o: {
    name: string;
    number: string;
    now: number;
    callsPerInterval: number;
    busy: { retries: number; intervalSec: number };
  },
) {
  return call('POST', `${base}/tasks`, {
    name: o.name,
    type: 'ivr',
    flowId: 'flow',
    callerNumbers: [o.number],
    start: new Date(o.now - 3600_000).toISOString(),
    end: new Date(o.now + 86400_000).toISOString(),
    timeZone: '+00:00',
    schedule: { regular: [{ start: '00:00', end: '23:59' }] },
    strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: o.callsPerInterval },
    callStrategy: { order: { by: 'none' }, numberRounds: { mode: 'sequence' } },
    resultPolicy: {
      kind: 'global',
      byResult: true,
      rules: [{ result: 'busy', ...o.busy }],
      nonRetryResults: [],
    },
  });
}

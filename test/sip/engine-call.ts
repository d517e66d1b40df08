import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { RealScheduler } from '../../src/platform/scheduler.ts';
import { SipTelephony } from '../../src/telephony/sip/adapter.ts';
import type { TestApp } from '../helpers/app.ts';
import { phoneConfig, UA_HOST, type Baresip } from './baresip.ts';

/**
 * What the tests of the engine placing a real call to baresip share (engine-e2e, speech-task):
 * cleanups after each test, polling, the tenant's POSTs, the task's all-day window and pace, and
 * the SIP adapter as `outbound serve` wires it.
 */

/** Registers an afterEach that runs what was pushed, last first; returns the list to push to. */
export function cleanupAfterEach(): (() => Promise<unknown>)[] {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  return cleanup;
}

/** Polls `f` every 50 ms until it returns a value, or throws after `ms`. */
export async function until<T>(
  what: string,
  ms: number,
  f: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** POSTs to tenant acme's `url` with key `k`; throws on an answer of 300 or more; the body. */
export const acmePost =
  (t: TestApp) => async (k: string, url: string, payload?: Record<string, unknown>) => {
    const r = await t.call(k, {
      method: 'POST',
      url: `/api/v1/tenants/acme${url}`,
      payload: payload ?? {},
    });
    if (r.status >= 300) throw new Error(`POST ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

/**
 * A task's window and pace: open from an hour before `now` to a day after, all day on +00:00, one
 * call a second ringing up to 10 s, customers in import order, a busy number not called again.
 */
export const allDayOneCall = (now: number) => ({
  start: new Date(now - 3600_000).toISOString(),
  end: new Date(now + 86400_000).toISOString(),
  timeZone: '+00:00',
  schedule: { regular: [{ start: '00:00', end: '23:59' }] },
  strategy: { maxRingSec: 10, intervalSec: 1, callsPerInterval: 1 },
  callStrategy: { order: { by: 'none' }, numberRounds: { mode: 'sequence' } },
  resultPolicy: {
    kind: 'global',
    byResult: true,
    rules: [{ result: 'busy', retries: 0, intervalSec: 60 }],
    nonRetryResults: [],
  },
});

/** The SIP adapter on the real clock, its trunk the phone `ua`; started, and closed at cleanup. */
export async function sipToPhone(
  sched: RealScheduler,
  ua: Baresip,
  dir: string,
  recordingsDir: string,
  cleanup: (() => Promise<unknown>)[],
): Promise<SipTelephony> {
  const sip = new SipTelephony({
    scheduler: sched,
    config: phoneConfig(
      { host: UA_HOST, port: ua.sipPort },
      { recordingsDir, promptCacheDir: join(dir, 'cache') },
    ),
  });
  await sip.start();
  cleanup.push(() => sip.close());
  return sip;
}

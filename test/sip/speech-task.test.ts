import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Dialer } from '../../src/engine/dialer.ts';
import { RealScheduler } from '../../src/platform/scheduler.ts';
import { SipTelephony } from '../../src/telephony/sip/adapter.ts';
import { guidedToDialogue } from '../../web/src/resources/forms/speech-dialogue.ts';
import { tenantWithKey, testApp, type TestApp } from '../helpers/app.ts';
import { dbKind } from '../helpers/db.ts';
import { hasSpeechTools } from './amd-audio.ts';
import { hasBaresip, startBaresip, UA_HOST } from './baresip.ts';
import { hasPocketsphinx, utterance } from './speech-audio.ts';

/**
 * Issue 15's "done when", through the real parts: a speech robot whose dialogue is the one the
 * console's fields make (test/e2e/speech-robot.test.ts makes it in the browser), a robot task
 * using it, the engine placing the call with the SIP adapter to baresip, which plays a recorded
 * customer (espeak-ng, noise by sox); the customer's intent is the business result and the turns
 * are in the results, read back through the API.
 */
const CUSTOMER = '+8613800010002';
const CALLER = '+862188880002';

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function until<T>(what: string, ms: number, f: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!hasBaresip || !hasSpeechTools || !hasPocketsphinx)(
  `a speech robot task against a SIP phone playing speech (${dbKind})`,
  () => {
    it('ends with the intent as the business result and the turns in the results', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'outbound-speech-task-'));
      cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
      const sched = new RealScheduler((e) => console.error(e));
      // After the 3 s question: "yes please", British, a little noise.
      const said = utterance(dir, 'customer', 'yes please', {
        voice: 'en-gb',
        beforeSec: 4.5,
        afterSec: 40,
        snrDb: 25,
      });
      const ua = await startBaresip({ user: CUSTOMER, voiceFile: said.file });
      cleanup.push(() => ua.stop());

      const t: TestApp = await testApp(new Date().toISOString(), sched);
      cleanup.push(() => t.close());
      const key = await tenantWithKey(t, 'acme', { timeZone: '+00:00' });
      const base = '/api/v1/tenants/acme';
      const post = async (k: string, url: string, payload?: Record<string, unknown>) => {
        const r = await t.call(k, { method: 'POST', url: `${base}${url}`, payload: payload ?? {} });
        if (r.status >= 300) throw new Error(`POST ${url}: ${r.status} ${JSON.stringify(r.body)}`);
        return r.body;
      };
      await post(t.adminKey, '/caller-numbers', { number: CALLER, ouId: null });
      for (const id of ['renew', 'decline', 'no_answer'])
        await post(key, '/business-results', { id, name: id, ouId: null });
      await post(key, '/robots', {
        id: 'renewal',
        status: 'published',
        ouId: null,
        kind: 'speech',
        document: guidedToDialogue({
          question: 'Would you like to renew your plan?',
          intents: [
            { name: 'renew', phrases: 'yes, yes please, sure', transfer: false },
            { name: 'decline', phrases: 'no, no thanks', transfer: false },
          ],
          retryPrompt: 'Sorry?',
          retries: 1,
          noAnswerResult: 'no_answer',
          transferPrompt: '',
          goodbye: 'Thank you.',
        }),
      });
      const now = Date.now();
      const task = await post(key, '/tasks', {
        name: 'Renewals over SIP',
        type: 'robot',
        robotId: 'renewal',
        callerNumbers: [CALLER],
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
      const taskId = task.id as string;
      await post(key, `/tasks/${taskId}/contacts`, {
        contacts: [{ sessionId: 'c1', numbers: [{ number: CUSTOMER, type: 'mobile' }] }],
      });

      const sip = new SipTelephony({
        scheduler: sched,
        config: {
          trunk: { host: UA_HOST, port: ua.sipPort },
          domain: UA_HOST,
          bind: { address: '127.0.0.1' },
          media: { address: '127.0.0.1' },
          timers: { t1Ms: 100 },
          recordingsDir: join(dir, 'recordings'),
          promptCacheDir: join(dir, 'cache'),
        },
      });
      await sip.start();
      cleanup.push(() => sip.close());
      const dialer = new Dialer({
        db: t.store.db,
        scheduler: sched,
        telephony: sip,
        engineId: 'speech-e2e',
      });
      dialer.start();
      cleanup.push(() => dialer.stop());
      await post(key, `/tasks/${taskId}/start`);
      dialer.wakeAt();

      const item = await until('the attempt settled', 60_000, async () => {
        const items = (
          await t.call(key, { method: 'GET', url: `${base}/tasks/${taskId}/attempts` })
        ).body.items;
        return items?.[0]?.result ? items[0] : undefined;
      });
      expect(item).toMatchObject({
        sessionId: 'c1',
        result: 'success',
        speech: { intent: 'renew', turns: [{ step: 'ask', outcome: 'match', intent: 'renew' }] },
      });
      expect(['yes', 'yes please', 'sure']).toContain(item.speech.turns[0].transcript);
      const results = await until('the business result', 5000, async () => {
        const r = await t.call(key, { method: 'GET', url: `${base}/tasks/${taskId}/results` });
        const c1 = (r.body.items as { sessionId: string; businessResult?: string }[])?.find(
          (x) => x.sessionId === 'c1',
        );
        return c1?.businessResult ? c1 : undefined;
      });
      expect(results.businessResult).toBe('renew');
    }, 180_000);
  },
);

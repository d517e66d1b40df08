import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dialer } from '../../src/engine/dialer.ts';
import { RealScheduler } from '../../src/platform/scheduler.ts';
import { guidedToDialogue } from '../../web/src/resources/forms/speech-dialogue.ts';
import { tenantWithKey, testApp, type TestApp } from '../helpers/app.ts';
import { dbKind } from '../helpers/db.ts';
import { hasSpeechTools } from './amd-audio.ts';
import { hasBaresip, startBaresip } from './baresip.ts';
import { acmePost, allDayOneCall, cleanupAfterEach, sipToPhone, until } from './engine-call.ts';
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

const cleanup = cleanupAfterEach();

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
      const post = acmePost(t);
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
        ...allDayOneCall(now),
      });
      const taskId = task.id as string;
      await post(key, `/tasks/${taskId}/contacts`, {
        contacts: [{ sessionId: 'c1', numbers: [{ number: CUSTOMER, type: 'mobile' }] }],
      });

      const sip = await sipToPhone(sched, ua, dir, join(dir, 'recordings'), cleanup);
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

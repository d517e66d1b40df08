import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promptStoreFor } from '../../src/telephony/sip/adapter.ts';
import { PocketsphinxRecogniser } from '../../src/telephony/sip/media/pocketsphinx.ts';
import { testApp, tenantWithKey, type TestApp } from '../helpers/app.ts';
import type { DialogueStep, ListenStep } from '../../src/ivr/dialogue.ts';
import { renewal } from '../helpers/speech-dialogue.ts';
import { FULL_SETTINGS, seedWorld, workdayTask } from '../helpers/world.ts';
import { hasSpeechTools } from './amd-audio.ts';
import { hasPocketsphinx } from './speech-audio.ts';

/**
 * On a SIP trunk, a speech robot's prompts are rendered when it is published, and the AMD message
 * a task leaves on voicemail when the task is saved: what cannot be played is refused, by path.
 */
describe.skipIf(!hasSpeechTools)('speech robot and AMD message prompts are prepared ahead', () => {
  const dir = mkdtempSync(join(tmpdir(), 'outbound-speech-publish-'));
  const cacheDir = join(dir, 'cache');
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    const prompts = promptStoreFor({
      trunk: { host: '127.0.0.2' },
      bind: { address: '127.0.0.1' },
      media: { address: '127.0.0.1' },
      promptCacheDir: cacheDir,
      promptBaseDir: dir,
    });
    const hearing = new PocketsphinxRecogniser({ grammarDir: join(dir, 'grammars') });
    t = await testApp(undefined, undefined, {
      preparePrompts: (doc) => prompts.prepare(doc),
      ...(hasPocketsphinx ? { unknownSpeechWords: (p) => hearing.unknownWords(p) } : {}),
    });
    key = await tenantWithKey(t, 'acme', FULL_SETTINGS);
    await seedWorld(t, key, 'acme');
    // The business results the dialogue sets by name (`${answer}` is known only during the call).
    for (const id of ['agent', 'no_answer'])
      await t.call(key, {
        method: 'POST',
        url: '/api/v1/tenants/acme/business-results',
        payload: { id, name: id, ouId: null },
      });
  });
  afterAll(() => t?.close());

  const tts = () => readdirSync(cacheDir).filter((n) => n.startsWith('tts-'));

  it('publishing a speech robot renders its prompts; a prompt that cannot play refuses it', async () => {
    const ok = await t.call(key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/robots',
      payload: { id: 'talker', ouId: null, kind: 'speech', status: 'published', document: renewal },
    });
    expect(ok.status).toBe(201);
    // ask, its two retry prompts, the transfer's, and the two goodbyes.
    expect(tts()).toHaveLength(6);
    const steps = [
      { ...renewal.steps[0]!, prompt: { file: 'missing.wav' } },
      ...renewal.steps.slice(1),
    ];
    const bad = await t.call(key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/robots',
      payload: {
        id: 'mute',
        ouId: null,
        kind: 'speech',
        status: 'published',
        document: { ...renewal, steps },
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([
      { path: '/document/steps/0/prompt', message: expect.stringMatching(/ENOENT/) },
    ]);
  });

  it.skipIf(!hasPocketsphinx)(
    "a phrase with a word the recogniser's dictionary lacks is refused when saved, by path",
    async () => {
      const [ask, ...rest] = renewal.steps as [ListenStep, ...DialogueStep[]];
      const intents = [
        ...ask.intents.slice(0, 2),
        { name: 'agent', phrases: ['agent', 'talk to a hooman'], next: 'record-agent' },
      ];
      const r = await t.call(key, {
        method: 'POST',
        url: '/api/v1/tenants/acme/robots',
        payload: {
          id: 'typo',
          ouId: null,
          kind: 'speech',
          document: { ...renewal, steps: [{ ...ask, intents }, ...rest] },
        },
      });
      expect(r.status).toBe(422);
      expect(r.body.errors).toEqual([
        {
          path: '/document/steps/0/intents/2/phrases/1',
          message: expect.stringContaining(
            "'talk to a hooman': the speech recogniser's dictionary has no 'hooman'",
          ),
        },
      ]);
    },
  );

  it("a task's AMD message is rendered when the task is saved; one that cannot play is refused", async () => {
    const amd = (messagePrompt: unknown) =>
      workdayTask(`AMD ${JSON.stringify(messagePrompt)}`, {
        strategy: {
          maxRingSec: 20,
          intervalSec: 1,
          callsPerInterval: 5,
          amd: { enabled: true, action: 'leave_message', messagePrompt },
        },
      });
    const before = tts().length;
    const ok = await t.call(key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/tasks',
      payload: amd({ text: 'Please call Acme back on 400 800 1234.' }),
    });
    expect(ok.status).toBe(201);
    expect(tts()).toHaveLength(before + 1);
    const bad = await t.call(key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/tasks',
      payload: amd({ file: 'missing.wav' }),
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([
      { path: '/strategy/amd/messagePrompt', message: expect.stringMatching(/ENOENT/) },
    ]);
  });
});

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ListenStep } from '../../src/ivr/dialogue.ts';
import type { SpeechTurn } from '../../src/ivr/speech-robot.ts';
import { RealScheduler } from '../../src/platform/scheduler.ts';
import type { CallEnd } from '../../src/telephony/port.ts';
import { SipTelephony } from '../../src/telephony/sip/adapter.ts';
import { readWav } from '../../src/telephony/sip/media/wav.ts';
import { renewal } from '../helpers/speech-dialogue.ts';
import { hasSpeechTools } from './amd-audio.ts';
import { rms } from './audio.ts';
import { hasBaresip, phoneConfig, startBaresip, UA_HOST, type Baresip } from './baresip.ts';
import { hasPocketsphinx, utterance } from './speech-audio.ts';

/**
 * The speech robot over real SIP, hearing real audio: baresip answers and plays a recorded
 * customer (espeak-ng voices at different speeds, pink noise mixed in by sox), the adapter
 * listens with the embedded recogniser (pocketsphinx) and the dialogue ends with the customer's
 * intent as the business result and every turn in the call's detail.
 */
let tel: SipTelephony | undefined;
let ua: Baresip | undefined;
afterEach(async () => {
  await tel?.close();
  await ua?.stop();
  tel = ua = undefined;
});

const dir = mkdtempSync(join(tmpdir(), 'outbound-speech-'));

async function robotCall(voiceFile: string) {
  ua = await startBaresip({ voiceFile });
  tel = new SipTelephony({
    scheduler: new RealScheduler((e) => console.error(e)),
    config: phoneConfig(
      { host: UA_HOST, port: ua.sipPort },
      { recordingsDir: dir, promptCacheDir: join(dir, 'cache'), transferWaitSec: 2 },
    ),
  });
  await tel.start();
  const flow = {
    record: true,
    nodes: [
      { id: 'robot', type: 'speech', dialogue: renewal, skillQueue: 'sales', next: 'end' },
      { id: 'end', type: 'hangup' },
    ],
  };
  return new Promise<CallEnd>((resolve) =>
    tel!.originate(
      {
        callId: `sp-${Math.random().toString(36).slice(2, 8)}`,
        from: '+8621',
        to: '1000',
        maxRingSec: 5,
        flow,
      },
      { answered: () => undefined, ended: resolve },
    ),
  );
}

const turnsOf = (end: CallEnd) => (end.detail as { speech: { turns: SpeechTurn[] } }).speech.turns;

/**
 * The phrases of one of the dialogue's intents. The recogniser hears whole phrases of the
 * grammar, and which phrase of the right intent it picks for a noisy or accented word ("no" or
 * "nope") is not what the customer notices: the intent is. Transcripts are checked to be one of
 * the intent's phrases.
 */
function phrasesOf(intent: string): string[] {
  const ask = renewal.steps.find((s) => s.type === 'listen') as ListenStep;
  return ask.intents.find((i) => i.name === intent)!.phrases;
}

/** Loud 20 ms frames of a recording's channel, as a list of booleans. */
function loudness(file: string, channel: number): boolean[] {
  const s = readWav(readFileSync(file), channel).samples;
  const out: boolean[] = [];
  for (let i = 0; i + 160 <= s.length; i += 160) out.push(rms(s.subarray(i, i + 160)) > 500);
  return out;
}

describe.skipIf(!hasBaresip || !hasSpeechTools || !hasPocketsphinx)(
  'a speech robot hearing a recorded customer over SIP (pocketsphinx)',
  // Each call plays seconds of real audio (the silent one 18 s): room for a loaded CI machine.
  { timeout: 180_000 },
  () => {
    it('"yes" over the question: the prompt stops (barge-in), yes is the business result', async () => {
      const said = utterance(dir, 'yes', 'yes', { beforeSec: 1.2, afterSec: 40 });
      const end = await robotCall(said.file);
      expect(end.result).toBe('success');
      expect(end.detail).toMatchObject({
        ending: 'flow_end',
        businessResult: { code: 'yes' },
        speech: { intent: 'yes', path: ['ask', 'record', 'thanks'] },
      });
      const [turn] = turnsOf(end);
      expect(turn).toMatchObject({ outcome: 'match', intent: 'yes', bargedIn: true });
      expect(phrasesOf('yes')).toContain(turn!.transcript);
      expect(turn!.confidence).toBeGreaterThan(0);
      // The robot's channel goes quiet within 0.6 s of the customer's first sound, while the
      // question (3 s and more) still had words to say.
      const rec = (end.detail as { recording: { file: string } }).recording.file;
      const customer = loudness(rec, 0).indexOf(true);
      const robot = loudness(rec, 1);
      const quiet = robot.findIndex(
        (loud, i) => i > customer && robot.slice(i, i + 20).every((l) => !l),
      );
      expect(customer).toBeGreaterThan(0);
      expect((quiet - customer) * 20).toBeLessThan(600);
      expect(robot.slice(quiet + 25).some(Boolean)).toBe(true); // then it says goodbye
    });

    it('"no" said slowly in a British voice with noise at 20 dB SNR', async () => {
      const said = utterance(dir, 'no', 'no', {
        voice: 'en-gb',
        speed: 130,
        // Between the end of the question (3.6 s) and the no-input timeout 3 s later, with
        // over a second of room on both sides for a prompt that starts late under load.
        beforeSec: 5,
        afterSec: 40,
        snrDb: 20,
      });
      const end = await robotCall(said.file);
      expect(end.detail).toMatchObject({
        businessResult: { code: 'no' },
        speech: { intent: 'no' },
      });
      const [turn] = turnsOf(end);
      expect(turn).toMatchObject({ outcome: 'match', intent: 'no', bargedIn: false });
      expect(phrasesOf('no')).toContain(turn!.transcript);
    });

    it('"I want to talk to a person", said fast: a transfer to the skill queue', async () => {
      const said = utterance(dir, 'person', 'I want to talk to a person', {
        voice: 'en-us+f3',
        speed: 200,
        beforeSec: 4.5,
        afterSec: 40,
        snrDb: 25,
      });
      const end = await robotCall(said.file);
      expect(end.detail).toMatchObject({
        businessResult: { code: 'agent' },
        speech: { intent: 'agent', turns: [{ outcome: 'match', intent: 'agent' }] },
        transfer: { target: { skillQueue: 'sales' } },
      });
      expect(phrasesOf('agent')).toContain(turnsOf(end)[0]!.transcript);
    });

    it('silence: asked twice, then no input', async () => {
      const said = utterance(dir, 'silence', '', { beforeSec: 0, afterSec: 40, snrDb: 30 });
      const end = await robotCall(said.file);
      expect(end.detail).toMatchObject({
        businessResult: { code: 'no_answer' },
        speech: { intent: null, path: ['ask', 'silent', 'bye'] },
      });
      expect(turnsOf(end).map((t) => t.outcome)).toEqual(['no_input', 'no_input']);
    });
  },
);

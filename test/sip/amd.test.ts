import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Amd } from '../../src/domain/task-config.ts';
import type { FlowDocument } from '../../src/ivr/flow.ts';
import { RealScheduler } from '../../src/platform/scheduler.ts';
import type { CallEnd, CallRequest } from '../../src/telephony/port.ts';
import { SipTelephony } from '../../src/telephony/sip/adapter.ts';
import { readWav } from '../../src/telephony/sip/media/wav.ts';
import { hasSpeechTools, speech, type Speech } from './amd-audio.ts';
import { rms, tone as toneWav } from './audio.ts';
import { hasBaresip, phoneConfig, startBaresip, UA_HOST, type Baresip } from './baresip.ts';
import { adapter as sippAdapter, dial, hasSipp, startSipp, type Sipp } from './sipp.ts';

/**
 * Answering machine detection over real SIP: baresip answers and plays recorded speech (espeak-ng)
 * — a one-word "Hello?" then silence (a person), or a 12-second voicemail greeting and its beep
 * (a machine) — and the adapter decides from what it hears.
 */
let tel: SipTelephony | undefined;
let ua: Baresip | undefined;
let sipp: Sipp | undefined;
afterEach(async () => {
  await tel?.close();
  await ua?.stop();
  sipp?.kill();
  tel = ua = sipp = undefined;
});

const dir = mkdtempSync(join(tmpdir(), 'outbound-amd-'));
let human: Speech;
let machine: Speech;
beforeAll(() => {
  if (!hasSpeechTools || !hasBaresip) return;
  human = speech(dir, 'human', 'Hello?');
  machine = speech(
    dir,
    'machine',
    "Hi, you have reached the voicemail of John Smith. I'm not available to take your call right now. Please leave your name, your number and a short message after the tone, and I will call you back as soon as I can.",
    { beep: true },
  );
});

async function adapter() {
  const t = new SipTelephony({
    scheduler: new RealScheduler((e) => console.error(e)),
    config: phoneConfig(
      { host: UA_HOST, port: ua!.sipPort },
      { recordingsDir: dir, promptCacheDir: join(dir, 'cache') },
    ),
  });
  await t.start();
  return t;
}

interface Call {
  end: CallEnd;
  answeredMs: number;
  endedMs: number;
}

function call(amd: Amd, flow?: FlowDocument, req: Partial<CallRequest> = {}): Promise<Call> {
  const t0 = Date.now();
  let answeredMs = NaN;
  return new Promise((resolve) =>
    tel!.originate(
      {
        callId: `amd-${Math.random().toString(36).slice(2, 8)}`,
        from: '+862188880001',
        to: '1000',
        maxRingSec: 5,
        amd,
        ...(flow ? { flow: flow as unknown as Record<string, unknown> } : {}),
        ...req,
      },
      {
        answered: () => void (answeredMs = Date.now() - t0),
        ended: (end) => resolve({ end, answeredMs, endedMs: Date.now() - t0 }),
      },
    ),
  );
}

const tone = (name: string, sec: number) => toneWav(dir, name, sec);

/** When a channel of the recording first gets loud (RMS of a 20 ms frame over 1000), in s. */
function firstSound(file: string, channel: number): number | undefined {
  const s = readWav(readFileSync(file), channel).samples;
  for (let i = 0; i + 160 <= s.length; i += 160)
    if (rms(s.subarray(i, i + 160)) > 1000) return i / 8000;
  return undefined;
}

const recordingOf = (end: CallEnd) =>
  (end.detail as { recording: { file: string; durationSec: number } }).recording;

describe.skipIf(!hasBaresip || !hasSpeechTools)(
  'AMD against baresip playing recorded speech',
  () => {
    it('a voicemail greeting with action hangup ends as answering_machine within seconds', async () => {
      ua = await startBaresip({ voiceFile: machine.file });
      tel = await adapter();
      const { end, answeredMs, endedMs } = await call({ enabled: true, action: 'hangup' });
      expect(end.result).toBe('answering_machine');
      expect(end.detail).toMatchObject({
        ending: 'answering_machine',
        amd: { decision: 'machine', action: 'hangup' },
      });
      const amd = (end.detail as { amd: { reason: string; words: number; analysisMs: number } })
        .amd;
      expect(['max_words', 'long_greeting']).toContain(amd.reason);
      expect(amd.analysisMs).toBeLessThan(3000);
      // Hung up long before the 13 s greeting ends.
      expect(endedMs - answeredMs).toBeLessThan(4000);
      await ua.event('CALL_CLOSED'); // our BYE reached the phone
    });

    it('a one-word "Hello?" is a human: the flow runs after the decision, not before', async () => {
      ua = await startBaresip({ voiceFile: human.file });
      tel = await adapter();
      const flow: FlowDocument = {
        record: true,
        nodes: [{ id: 'bye', type: 'hangup', prompt: { file: tone('welcome', 1) } }],
      };
      const { end } = await call({ enabled: true, action: 'hangup' }, flow);
      expect(end.result).toBe('success');
      expect(end.detail).toMatchObject({
        ending: 'flow_end',
        path: ['bye'],
        amd: { decision: 'human', reason: 'after_greeting_silence', words: 1 },
      });
      const amd = (end.detail as { amd: { analysisMs: number; initialSilenceMs: number } }).amd;
      expect(amd.analysisMs).toBeLessThan(2500);
      expect(amd.initialSilenceMs).toBeLessThan(1000);
      const file = recordingOf(end).file;
      // Our prompt (right channel) starts once the detector has decided, after the customer's word.
      expect(firstSound(file, 0)).toBeLessThan(1);
      expect(firstSound(file, 1)).toBeGreaterThanOrEqual(amd.analysisMs / 1000 - 0.1);
    });

    it('leave_message waits for the end of the greeting and its beep, plays the message, hangs up', async () => {
      ua = await startBaresip({ voiceFile: machine.file });
      tel = await adapter();
      const flow: FlowDocument = {
        record: true,
        nodes: [{ id: 'bye', type: 'hangup', prompt: { file: tone('never', 1) } }],
      };
      const { end } = await call(
        { enabled: true, action: 'leave_message', messagePrompt: { file: tone('message', 2) } },
        flow,
      );
      expect(end).toMatchObject({
        result: 'answering_machine',
        detail: { ending: 'answering_machine', amd: { decision: 'machine', message: 'left' } },
      });
      const rec = recordingOf(end);
      // The greeting and beep end at `machine.endSec` on the left; the message starts a second
      // (endOfGreetingSilenceMs) later on the right, and lasts its 2 s.
      const start = firstSound(rec.file, 1)!;
      expect(start).toBeGreaterThan(machine.endSec + 0.7);
      expect(start).toBeLessThan(machine.endSec + 1.8);
      expect(rec.durationSec).toBeGreaterThan(start + 1.8);
      await ua.event('CALL_CLOSED');
    });

    it('continue: a machine runs the flow anyway, its decision in the detail', async () => {
      ua = await startBaresip({ voiceFile: machine.file });
      tel = await adapter();
      const flow: FlowDocument = { nodes: [{ id: 'bye', type: 'hangup' }] };
      const { end } = await call({ enabled: true, action: 'continue' }, flow);
      expect(end).toMatchObject({
        result: 'success',
        detail: { ending: 'flow_end', amd: { decision: 'machine', action: 'continue' } },
      });
    });

    it('the callee hangs up during the analysis: notsure (hangup), the call ends as their hang-up', async () => {
      ua = await startBaresip({ voiceFile: human.file });
      tel = await adapter();
      const flow: FlowDocument = { nodes: [{ id: 'bye', type: 'hangup' }] };
      const ended = call({ enabled: true, action: 'hangup' }, flow);
      await ua.event('CALL_RTPESTAB');
      expect((await ua.command('hangup')).ok).toBe(true);
      const { end } = await ended;
      expect(end).toMatchObject({
        result: 'success',
        detail: { ending: 'customer_hangup', amd: { decision: 'notsure', reason: 'hangup' } },
      });
    });
  },
);

describe.skipIf(!hasSipp)('AMD against a callee that sends no audio at all (sipp)', () => {
  it('no RTP counts as silence: a machine by its initial silence, hung up 2.5 s after the answer', async () => {
    sipp = await startSipp('answer-bye', {}, { fill: { hold: 8000 } });
    tel = await sippAdapter(sipp.port);
    const { end, answeredMs, endedMs } = await dial(tel, {
      amd: { enabled: true, action: 'hangup' },
    });
    expect(end).toMatchObject({
      result: 'answering_machine',
      detail: { amd: { decision: 'machine', reason: 'initial_silence', words: 0 } },
    });
    const talk = endedMs - answeredMs!;
    expect(talk).toBeGreaterThanOrEqual(2500);
    expect(talk).toBeLessThan(3500);
  });
});

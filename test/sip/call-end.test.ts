import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlowDocument } from '../../src/ivr/flow.ts';
import type { SipTelephony } from '../../src/telephony/sip/adapter.ts';
import { readWav } from '../../src/telephony/sip/media/wav.ts';
import { rms, tone as toneWav } from './audio.ts';
import { adapter, dial, hasSipp, PEER, startSipp, type Sipp } from './sipp.ts';

/** How an answered call ends when something other than its flow ends it: nothing is lost. */
let tel: SipTelephony | undefined;
let sipp: Sipp | undefined;
afterEach(async () => {
  await tel?.close();
  sipp?.kill();
  tel = sipp = undefined;
});

/** A WAV prompt of `sec` seconds of a 440 Hz tone (no TTS needed). */
const tone = (dir: string, name: string, sec: number) => toneWav(dir, name, sec, 440);

/** A questionnaire (one question, keys 1 or 2), then a 3 s closing prompt. */
function survey(dir: string): Record<string, unknown> {
  const doc: FlowDocument = {
    record: true,
    nodes: [
      {
        id: 'survey',
        type: 'questionnaire',
        questions: [
          { id: 'q1', prompt: { file: tone(dir, 'q1', 0.3) }, answers: ['1', '2'], timeoutSec: 3 },
        ],
        next: 'bye',
      },
      { id: 'bye', type: 'hangup', prompt: { file: tone(dir, 'bye', 3) } },
    ],
  };
  return doc as unknown as Record<string, unknown>;
}

const tmp = () => mkdtempSync(join(tmpdir(), 'outbound-call-end-'));

describe.skipIf(!hasSipp)(
  'an answered SIP call ended from outside its flow keeps everything',
  () => {
    it('the callee hangs up during the closing prompt: digit, answer, path and recording kept', async () => {
      const dir = tmp();
      sipp = await startSipp('info-bye', {}, { fill: { digit: 1, before: 500, hold: 900 } });
      tel = await adapter(sipp.port, { recordingsDir: dir, promptCacheDir: join(dir, 'cache') });
      const { end, answeredMs, endedMs } = await dial(tel, { flow: survey(dir) });
      expect(end.result).toBe('success');
      expect(end.digits).toBe('1');
      expect(end.detail).toMatchObject({
        ending: 'customer_hangup',
        path: ['survey', 'bye'],
        answers: [{ questionId: 'q1', answer: '1' }],
        recording: { file: expect.stringContaining(dir) as string },
      });
      // The recording lasts as long as the call did (about 1.4 s), not 0.
      const rec = (end.detail as { recording: { file: string; durationSec: number } }).recording;
      expect(rec.durationSec).toBeGreaterThan(1.1);
      expect(rec.durationSec).toBeLessThan((endedMs - answeredMs!) / 1000 + 0.2);
      // Stereo: what we played (the question, then part of the closing prompt) on the right; sipp
      // sends no audio, so the customer's left channel is silent.
      const wav = readFileSync(rec.file);
      expect(readWav(wav).channels).toBe(2);
      expect(rms(readWav(wav, 1).samples)).toBeGreaterThan(1000);
      expect(rms(readWav(wav, 0).samples)).toBe(0);
      expect(await sipp.exit, sipp.output()).toBe(0);
    });

    it("the callee hangs up while the robot talks: the robot's turns and the digit are kept", async () => {
      const dir = tmp();
      const events: string[] = [];
      const replies = [
        {
          actions: [
            { type: 'play', file: tone(dir, 'hello', 0.3) },
            { type: 'collect', max: 1 },
          ],
        },
        {
          actions: [
            { type: 'play', file: tone(dir, 'long', 3) },
            { type: 'collect', max: 1 },
          ],
        },
      ];
      // The robot's endpoint, answered in process (no HTTP server needed).
      const bot: typeof fetch = (_url, init) => {
        const body = JSON.parse(String(init?.body)) as { turn: number; event: { type: string } };
        events.push(body.event.type);
        return Promise.resolve(Response.json(replies[body.turn - 1] ?? { actions: [] }));
      };
      sipp = await startSipp('info-bye', {}, { fill: { digit: 1, before: 500, hold: 900 } });
      tel = await adapter(sipp.port, { promptCacheDir: join(dir, 'cache') }, 'udp', bot);
      const flow = {
        nodes: [
          {
            id: 'bot',
            type: 'robot',
            // Answered by the injected fetch; the address still passes the outbound policy.
            endpoint: 'http://127.0.0.1:9/turn',
            trustlist: ['http://127.0.0.1:9/'],
          },
        ],
      };
      const { end } = await dial(tel, { flow });
      expect(end).toMatchObject({
        result: 'success',
        digits: '1',
        detail: { ending: 'customer_hangup', path: ['bot'], robot: { turns: 3, digits: '1' } },
      });
      expect(events).toEqual(['answered', 'digits', 'hangup']);
      expect(await sipp.exit, sipp.output()).toBe(0);
    });

    it("the engine's hang-up mid-flow keeps the digit and the answer, ending engine_hangup", async () => {
      const dir = tmp();
      sipp = await startSipp('info-wait-bye', {}, { fill: { digit: 2, before: 300 } });
      tel = await adapter(sipp.port, { recordingsDir: dir, promptCacheDir: join(dir, 'cache') });
      const callId = 'engine-hangup-1';
      const t = tel;
      const ended = dial(t, { callId, flow: survey(dir) });
      // Well into the 3 s closing prompt.
      setTimeout(() => t.hangup(callId), 1200);
      const { end } = await ended;
      expect(end).toMatchObject({
        result: 'success',
        digits: '2',
        detail: {
          ending: 'engine_hangup',
          answers: [{ questionId: 'q1', answer: '2' }],
          path: ['survey', 'bye'],
        },
      });
      expect(await sipp.exit, sipp.output()).toBe(0); // our BYE reached the callee
    });

    it("the engine's hang-up of a held call (the empty flow) says engine_hangup, not the customer", async () => {
      sipp = await startSipp('info-wait-bye', {}, { fill: { digit: 1, before: 50 } });
      tel = await adapter(sipp.port);
      const t = tel;
      const ended = dial(t, { callId: 'held-1' });
      setTimeout(() => t.hangup('held-1'), 300);
      const { end } = await ended;
      expect(end).toMatchObject({ result: 'success', detail: { ending: 'engine_hangup' } });
      expect(await sipp.exit, sipp.output()).toBe(0);
    });

    it('closing the adapter (shutdown) mid-flow still reports what each call collected', async () => {
      const dir = tmp();
      sipp = await startSipp('info-wait-bye', {}, { fill: { digit: 1, before: 300 } });
      const t = await adapter(sipp.port, {
        recordingsDir: dir,
        promptCacheDir: join(dir, 'cache'),
      });
      const ended = dial(t, { flow: survey(dir) });
      setTimeout(() => void t.close(), 1200);
      const { end } = await ended;
      expect(end).toMatchObject({
        result: 'success',
        digits: '1',
        detail: {
          ending: 'engine_hangup',
          answers: [{ questionId: 'q1', answer: '1' }],
          recording: { file: expect.stringContaining(dir) as string },
        },
      });
      expect(await sipp.exit, sipp.output()).toBe(0);
    });

    it('a REFER accepted without a final NOTIFY is transfer_unconfirmed, not a transfer', async () => {
      sipp = await startSipp('refer-no-notify');
      tel = await adapter(sipp.port, { transferWaitSec: 0.3 });
      const flow: FlowDocument = {
        nodes: [
          { id: 'xfer', type: 'transfer', target: { skillQueue: 'sales' }, next: 'end' },
          { id: 'end', type: 'hangup' },
        ],
      };
      const { end } = await dial(tel, { flow: flow as unknown as Record<string, unknown> });
      expect(end).toMatchObject({
        result: 'success',
        detail: {
          ending: 'flow_end',
          path: ['xfer', 'end'],
          transfer: { ok: false, detail: 'transfer_unconfirmed' },
        },
      });
      expect(await sipp.exit, sipp.output()).toBe(0);
    });

    it('a trunk that only says 100 Trying is alive: ring_timeout, and it gets a CANCEL', async () => {
      sipp = await startSipp('trying-cancel');
      tel = await adapter(sipp.port);
      const { end } = await dial(tel, { maxRingSec: 1 });
      expect(end).toMatchObject({ result: 'ring_timeout', detail: { sip: 'cancelled' } });
      expect(await sipp.exit, sipp.output()).toBe(0);
    });
  },
);

describe('a dead trunk (no response at all) by the ring limit', () => {
  it('is system_error with sip "no response", not ring_timeout', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, PEER, r));
    try {
      tel = await adapter(silent.address().port, { timers: { t1Ms: 500 } }); // Timer B: 32 s
      const { end, endedMs } = await dial(tel, { maxRingSec: 1 });
      expect(end).toMatchObject({ result: 'system_error', detail: { sip: 'no response' } });
      expect(endedMs).toBeLessThan(2000);
    } finally {
      silent.close();
    }
  });
});

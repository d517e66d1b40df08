import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlowDocument } from '../../src/ivr/flow.ts';
import { RealScheduler } from '../../src/platform/scheduler.ts';
import type { CallEnd, CallRequest } from '../../src/telephony/port.ts';
import { SipTelephony } from '../../src/telephony/sip/adapter.ts';
import type { SipConfig } from '../../src/telephony/sip/config.ts';
import { readWav } from '../../src/telephony/sip/media/wav.ts';
import { rms, tone } from './audio.ts';
import { hasBaresip, phoneConfig, startBaresip, UA_HOST, type Baresip } from './baresip.ts';
import { hasKamailio, PROXY_HOST, startKamailio, type Kamailio } from './kamailio.ts';

/**
 * The sip adapter against SIP software someone else wrote: baresip (a SIP phone) as the callee,
 * answering, pressing keys as RFC 4733 events, hanging up; kamailio as a trunk that demands a
 * digest. Everything on loopback; each wait is bounded.
 */
let tel: SipTelephony | undefined;
let ua: Baresip | undefined;
let proxy: Kamailio | undefined;
afterEach(async () => {
  await tel?.close();
  await ua?.stop();
  await proxy?.stop();
  tel = ua = proxy = undefined;
});

async function adapter(trunk: { host: string; port: number }, more: Partial<SipConfig> = {}) {
  const t = new SipTelephony({
    scheduler: new RealScheduler((e) => console.error(e)),
    config: phoneConfig(trunk, more),
  });
  await t.start();
  return t;
}

interface Call {
  end: CallEnd;
  answeredMs?: number;
  endedMs: number;
}

function call(t: SipTelephony, req: Partial<CallRequest> = {}): Promise<Call> {
  const t0 = Date.now();
  let answeredMs: number | undefined;
  return new Promise((resolve) =>
    t.originate(
      {
        callId: `ua-${Math.random().toString(36).slice(2, 8)}`,
        from: '+862188880001',
        to: '1000',
        maxRingSec: 5,
        ...req,
      },
      {
        answered: () => void (answeredMs = Date.now() - t0),
        ended: (end) =>
          resolve({ end, endedMs: Date.now() - t0, ...(answeredMs ? { answeredMs } : {}) }),
      },
    ),
  );
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasBaresip)('against baresip, a real SIP phone', () => {
  it('answers the questionnaire, hangs up during the closing prompt: the digit, the answer, the talk time and a stereo recording with both sides audible are kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbound-real-ua-'));
    ua = await startBaresip();
    tel = await adapter(
      { host: UA_HOST, port: ua.sipPort },
      { recordingsDir: dir, promptCacheDir: join(dir, 'cache') },
    );
    const flow: FlowDocument = {
      record: true,
      nodes: [
        {
          id: 'survey',
          type: 'questionnaire',
          questions: [
            { id: 'q1', prompt: { file: tone(dir, 'q1', 1) }, answers: ['1', '2'], timeoutSec: 5 },
          ],
          next: 'bye',
        },
        { id: 'bye', type: 'hangup', prompt: { file: tone(dir, 'goodbye', 4) } },
      ],
    };
    const ended = call(tel, { flow: flow as unknown as Record<string, unknown> });
    // The phone hears our RTP, presses 1 during the question (barge-in), then, a second into
    // the 4 s closing prompt, hangs up.
    await ua.event('CALL_RTPESTAB');
    expect((await ua.command('sndcode', '1')).ok).toBe(true);
    await pause(1000);
    expect((await ua.command('hangup')).ok).toBe(true);
    const { end, answeredMs, endedMs } = await ended;

    expect(end.result).toBe('success');
    expect(end.digits).toBe('1');
    expect(end.detail).toMatchObject({
      ending: 'customer_hangup',
      path: ['survey', 'bye'],
      answers: [{ questionId: 'q1', answer: '1' }],
    });
    const talkSec = (endedMs - answeredMs!) / 1000;
    expect(talkSec).toBeGreaterThan(0.9);
    expect(talkSec).toBeLessThan(3.5);
    const rec = (end.detail as { recording: { file: string; durationSec: number } }).recording;
    expect(Math.abs(rec.durationSec - talkSec)).toBeLessThan(0.3);
    const wav = readFileSync(rec.file);
    expect(readWav(wav)).toMatchObject({ channels: 2, sampleRate: 8000 });
    const customer = rms(readWav(wav, 0).samples);
    const outbound = rms(readWav(wav, 1).samples);
    // baresip's voice (a 300 Hz tone, amplitude 5000: RMS ≈ 3500 over the call) on the left; our
    // prompts (amplitude 6000) on the right. Silent would be < 100.
    expect(customer).toBeGreaterThan(2000);
    expect(outbound).toBeGreaterThan(2000);
  });

  it('keeps sending RTP between prompts: a phone that drops silent calls keeps the call', async () => {
    // baresip hangs up after 1 s without RTP; the flow waits 2.5 s for a key nobody presses.
    ua = await startBaresip({ rtpTimeoutSec: 1 });
    tel = await adapter({ host: UA_HOST, port: ua.sipPort });
    const flow: FlowDocument = {
      nodes: [
        { id: 'wait', type: 'collect', max: 1, timeoutSec: 2.5, next: 'bye' },
        { id: 'bye', type: 'hangup' },
      ],
    };
    const { end } = await call(tel, { flow: flow as unknown as Record<string, unknown> });
    expect(end).toMatchObject({
      result: 'success',
      detail: { ending: 'flow_end', path: ['wait', 'bye'] },
    });
  });

  it('busy: the phone declines the ringing call (486) → busy', async () => {
    ua = await startBaresip({ answer: false });
    tel = await adapter({ host: UA_HOST, port: ua.sipPort });
    const ended = call(tel);
    await ua.event('CALL_INCOMING');
    await ua.command('hangup');
    const { end } = await ended;
    expect(end).toMatchObject({ result: 'busy', detail: { sip: 486 } });
  });

  it('not found: a number the phone does not have (404) → unallocated', async () => {
    ua = await startBaresip();
    tel = await adapter({ host: UA_HOST, port: ua.sipPort });
    const { end } = await call(tel, { to: '2999' });
    expect(end).toMatchObject({ result: 'unallocated', detail: { sip: 404 } });
  });

  it('ring timeout: the phone rings past maxRingSec → ring_timeout, and it stops ringing', async () => {
    ua = await startBaresip({ answer: false });
    tel = await adapter({ host: UA_HOST, port: ua.sipPort });
    const { end, endedMs } = await call(tel, { maxRingSec: 1 });
    expect(end).toMatchObject({ result: 'ring_timeout', detail: { sip: 'cancelled' } });
    expect(endedMs).toBeGreaterThanOrEqual(990);
    await ua.event('CALL_CLOSED'); // our CANCEL reached it
  });

  it('dead trunk: the phone is frozen (no response at all) → system_error "no response"', async () => {
    ua = await startBaresip();
    tel = await adapter({ host: UA_HOST, port: ua.sipPort });
    ua.proc.kill('SIGSTOP');
    try {
      const { end } = await call(tel, { maxRingSec: 1 });
      expect(end).toMatchObject({ result: 'system_error', detail: { sip: 'no response' } });
    } finally {
      ua.proc.kill('SIGCONT');
    }
  });
});

describe.skipIf(!hasBaresip || !hasKamailio)(
  'through kamailio, a proxy that demands a digest',
  () => {
    it('answers the 407 with the credentials and reaches the phone; a wrong password is system_error', async () => {
      ua = await startBaresip();
      proxy = await startKamailio({ password: 's3cret', to: { host: UA_HOST, port: ua.sipPort } });
      tel = await adapter(
        { host: PROXY_HOST, port: proxy.port },
        { credentials: { username: 'outbound', password: 's3cret' }, holdSec: 0.5 },
      );
      const ok = await call(tel);
      expect(ok.answeredMs).toBeDefined();
      expect(ok.end).toMatchObject({ result: 'success', detail: { ending: 'flow_end' } });
      await ua.event('CALL_CLOSED'); // our BYE went through the proxy's Record-Route
      expect(proxy.log()).toMatch(/authenticated INVITE for 1000/);
      await tel.close();

      tel = await adapter(
        { host: PROXY_HOST, port: proxy.port },
        { credentials: { username: 'outbound', password: 'wrong' } },
      );
      const bad = await call(tel);
      expect(bad.end).toMatchObject({
        result: 'system_error',
        detail: { sip: 407, error: 'authentication failed' },
      });
    });
  },
);

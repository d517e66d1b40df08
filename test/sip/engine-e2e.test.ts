import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dialer } from '../../src/engine/dialer.ts';
import { OutboxDispatcher, callbackChannel } from '../../src/engine/outbox-dispatcher.ts';
import { CallbackSender } from '../../src/notify/http-sender.ts';
import { RealScheduler } from '../../src/platform/scheduler.ts';
import { readWav } from '../../src/telephony/sip/media/wav.ts';
import { tenantWithKey, testApp, testResolver, type TestApp } from '../helpers/app.ts';
import { dbKind } from '../helpers/db.ts';
import { rms, tone } from './audio.ts';
import { hasBaresip, startBaresip, type Baresip } from './baresip.ts';
import { acmePost, allDayOneCall, cleanupAfterEach, sipToPhone, until } from './engine-call.ts';

/**
 * Issue 10's "done when", through the real parts: a tenant, a questionnaire, a recording flow and
 * an IVR task made through the API; the engine (Dialer) on the real clock placing the call with
 * the SIP adapter to baresip, a real SIP phone, which presses 1 (RFC 4733) and hangs up a second
 * into the closing prompt; the outbox dispatcher delivering the signed callbacks to a receiver on
 * loopback. Everything a user then sees is read back through the API.
 */
const CUSTOMER = '+8613800010001';
const CALLER = '+862188880001';

/** A callback receiver on loopback: every JSON body it got, and a wait for one that matches. */
async function receiver() {
  const got: Record<string, any>[] = [];
  const waiting: {
    match(b: Record<string, any>): boolean;
    resolve(b: Record<string, any>): void;
  }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const json = JSON.parse(body) as Record<string, any>;
      got.push(json);
      for (const w of waiting.filter((x) => x.match(json))) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(json);
      }
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/outbound/events`,
    trust: `http://127.0.0.1:${port}/`,
    got,
    next(match: (b: Record<string, any>) => boolean, ms: number): Promise<Record<string, any>> {
      const seen = got.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { match, resolve };
        waiting.push(w);
        setTimeout(() => {
          if (!waiting.includes(w)) return;
          waiting.splice(waiting.indexOf(w), 1);
          reject(new Error(`no matching callback within ${ms} ms: ${JSON.stringify(got)}`));
        }, ms);
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cleanup = cleanupAfterEach();

describe.skipIf(!hasBaresip)(`the engine against baresip, end to end (${dbKind})`, () => {
  it('an IVR task with a questionnaire and recording: the digit, the answer, talkSec and a stereo recording with both sides audible, served by the API and named by the release callback', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbound-e2e-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const recordingsDir = join(dir, 'recordings');
    const sched = new RealScheduler((e) => console.error(e));

    // The customer's phone: baresip, reached at sip:+8613800010001@127.0.0.3.
    const ua: Baresip = await startBaresip({ user: CUSTOMER });
    cleanup.push(() => ua.stop());
    const rx = await receiver();
    cleanup.push(() => rx.close());

    const t: TestApp = await testApp(new Date().toISOString(), sched, { recordingsDir });
    cleanup.push(() => t.close());
    const key = await tenantWithKey(t, 'acme', {
      callbackTrustlist: [rx.trust],
      timeZone: '+00:00',
    });
    const base = '/api/v1/tenants/acme';
    const post = acmePost(t);
    await post(t.adminKey, '/caller-numbers', { number: CALLER, ouId: null });
    await post(key, '/questionnaires', {
      id: 'q-sat',
      name: 'Satisfaction',
      ouId: null,
      kind: 'ivr',
      questions: [
        {
          id: 'satisfied',
          text: 'Were you satisfied? Press 1 for yes, 2 for no.',
          label: 'Satisfied',
          prompt: { file: tone(dir, 'question', 1) },
          answers: ['1', '2'],
          timeoutSec: 5,
        },
      ],
    });
    // No questionnaire node: the task's questionnaire is asked before the closing prompt.
    await post(key, '/flows', {
      id: 'flow-survey',
      status: 'published',
      ouId: null,
      document: {
        record: true,
        nodes: [{ id: 'bye', type: 'hangup', prompt: { file: tone(dir, 'goodbye', 4) } }],
      },
    });
    const now = Date.now();
    const task = await post(key, '/tasks', {
      name: 'Survey over SIP',
      type: 'ivr',
      flowId: 'flow-survey',
      callerNumbers: [CALLER],
      questionnaire: { mode: 'ivr', questionnaireId: 'q-sat' },
      callbackUrl: rx.url,
      ...allDayOneCall(now),
    });
    const taskId = task.id as string;
    const loaded = await post(key, `/tasks/${taskId}/contacts`, {
      contacts: [{ sessionId: 'c1', numbers: [{ number: CUSTOMER, type: 'mobile' }] }],
    });
    expect(loaded.rejected ?? 0).toBe(0);

    // The engine as `outbound serve` wires it, on the real clock, dialing baresip.
    const sip = await sipToPhone(sched, ua, dir, recordingsDir, cleanup);
    const sender = new CallbackSender({ resolve: testResolver, timeoutMs: 2000 });
    cleanup.push(() => sender.close());
    const dispatcher = new OutboxDispatcher({
      db: t.store.db,
      scheduler: sched,
      owner: 'e2e-dispatcher',
      channels: { callback: callbackChannel(sender) },
    });
    dispatcher.start();
    cleanup.push(() => dispatcher.stop());
    const dialer = new Dialer({
      db: t.store.db,
      scheduler: sched,
      telephony: sip,
      engineId: 'e2e-engine',
      onOutbox: () => dispatcher.wakeAt(),
    });
    dialer.start();
    cleanup.push(() => dialer.stop());
    await post(key, `/tasks/${taskId}/start`);
    dialer.wakeAt();

    // The phone answers, hears the question, presses 1; a second into the 4 s goodbye it hangs up.
    await ua.event('CALL_ESTABLISHED', 15_000);
    const answeredAt = Date.now();
    await ua.event('CALL_RTPESTAB');
    expect((await ua.command('sndcode', '1')).ok).toBe(true);
    // The key barges into the question: the answer is taken and the 4 s goodbye starts at once.
    await pause(1000);
    expect((await ua.command('hangup')).ok).toBe(true);
    const hungUpAt = Date.now();
    const talkSec = (hungUpAt - answeredAt) / 1000;

    const release = await rx.next((b) => b.event === 'release', 15_000);
    const attemptsUrl = `${base}/tasks/${taskId}/attempts`;
    const item = await until('the attempt settled', 5000, async () => {
      const items = (await t.call(key, { method: 'GET', url: attemptsUrl })).body.items;
      return items?.[0]?.result ? items[0] : undefined;
    });
    expect(item).toMatchObject({
      sessionId: 'c1',
      number: CUSTOMER,
      result: 'success',
      digits: '1',
      ending: 'customer_hangup',
      answers: [{ questionId: 'satisfied', label: 'Satisfied', answer: '1' }],
      recording: { url: `${attemptsUrl}/${item.id}/recording` },
    });
    // The questionnaire was asked where the flow's hangup was, and the customer hung up during
    // the goodbye that followed (the call ended before the 4 s prompt could finish).
    expect(item.path).toEqual(['bye', 'bye.hangup']);
    expect(item.talkSec).toBeLessThan(4);
    expect(Math.abs(item.talkSec - talkSec)).toBeLessThan(0.5);
    expect(Math.abs(item.recording.durationSec - item.talkSec)).toBeLessThan(0.5);

    // The recording, through the API with the tenant administrator's key: stereo, both audible.
    const wav = await t.app.inject({
      method: 'GET',
      url: item.recording.url,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(wav.statusCode).toBe(200);
    expect(wav.headers['content-type']).toMatch(/^audio\/wav/);
    const body = wav.rawPayload;
    expect(readWav(body)).toMatchObject({ channels: 2, sampleRate: 8000 });
    // baresip's voice (300 Hz, amplitude 5000) on the left, our prompts (amplitude 6000) on the
    // right; silence would be < 100.
    expect(rms(readWav(body, 0).samples)).toBeGreaterThan(2000);
    expect(rms(readWav(body, 1).samples)).toBeGreaterThan(2000);
    const part = await t.app.inject({
      method: 'GET',
      url: item.recording.url,
      headers: { authorization: `Bearer ${key}`, range: 'bytes=0-43' },
    });
    expect(part.statusCode).toBe(206);
    expect(part.rawPayload).toEqual(body.subarray(0, 44));

    // The release callback names that recording.
    expect(release).toMatchObject({
      callId: String(item.id),
      taskId,
      resultCode: 'success',
      calledNo: CUSTOMER,
      filePath: item.recording.url,
    });
  }, 180_000);
});

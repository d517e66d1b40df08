import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { callbackChannel } from '../../src/engine/outbox-dispatcher.ts';
import { CallbackSender } from '../../src/notify/http-sender.ts';
import { verify } from '../../src/notify/signing.ts';
import { tenantWithKey, testResolver } from '../helpers/app.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { retrying, workdayTask } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';
import { recordAnsweredCalls } from '../helpers/recorded-sim.ts';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  json: Record<string, any>;
}

/** A callback receiver on loopback that answers from a script: 'ok', 'fail' (500) or 'hang'. */
async function receiver(script: ('ok' | 'fail' | 'hang')[]) {
  const got: Received[] = [];
  const hanging: ServerResponse[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const action = script[n++] ?? 'ok';
      if (action === 'hang') return void hanging.push(res);
      got.push({ headers: req.headers, body, json: JSON.parse(body) });
      res.statusCode = action === 'ok' ? 200 : 500;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/outbound/events`,
    trust: `http://127.0.0.1:${port}/`,
    got,
    close: () => {
      for (const r of hanging) r.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const task = (callbackUrl: string, extra: Record<string, unknown> = {}) =>
  workdayTask('Callbacks', {
    callbackUrl,
    resultPolicy: retrying('busy', 1, 60),
    ...extra,
  });

describe(`signed callbacks from the outbox (${dbKind})`, () => {
  let h: EngineHarness;
  let rx: Awaited<ReturnType<typeof receiver>>;
  let sender: CallbackSender;
  afterEach(async () => {
    await h.stop();
    await sender.close();
    await rx.close();
  });

  it('a receiver that fails, times out and recovers gets every event, in order per attempt, signed, none lost', async () => {
    rx = await receiver(['fail', 'fail', 'hang', 'fail', 'hang', 'fail']);
    sender = new CallbackSender({ resolve: testResolver, timeoutMs: 150 });
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      settings: { callbackTrustlist: [rx.trust] },
      network: {
        rules: [{ match: '^\\+8613800010003$', outcomes: [{ result: 'busy', ringSec: 2 }] }],
      },
      callbacks: callbackChannel(sender),
    });
    const id = await h.startTask(task(rx.url), customers(5));
    await h.runUntil('2026-11-23T11:00:00+08:00');
    const attempts = await h.call(h.key, {
      method: 'GET',
      url: `/api/v1/tenants/acme/tasks/${id}/attempts`,
    });
    expect(attempts.body.items).toHaveLength(6); // five customers, the busy one twice
    // Every attempt: connect (if answered) then release, each delivered at least once.
    const byCall = new Map<string, string[]>();
    for (const r of rx.got)
      byCall.set(r.json.callId, [...(byCall.get(r.json.callId) ?? []), r.json.event]);
    for (const a of attempts.body.items) {
      const events = [...new Set(byCall.get(String(a.id)))];
      expect(events).toEqual(a.result === 'busy' ? ['release'] : ['connect', 'release']);
      const firstRelease = byCall.get(String(a.id))!.indexOf('release');
      expect(byCall.get(String(a.id))!.lastIndexOf('connect')).toBeLessThan(firstRelease);
    }
    // Duplicates (a try the receiver saw but answered 500) carry the same idempotency key.
    const keys = new Map<string, string>();
    for (const r of rx.got) {
      const k = r.headers['x-outbound-idempotency-key'] as string;
      expect(k).toBe(`cb:${r.json.callId}:${r.json.event}`);
      if (keys.has(k)) expect(keys.get(k)).toBe(r.body);
      keys.set(k, r.body);
    }
    const secret = (
      await h.call(h.key, { method: 'GET', url: '/api/v1/tenants/acme/callback-secret' })
    ).body.secret;
    for (const r of rx.got)
      expect(
        verify(secret, r.body, r.headers['x-outbound-signature'] as string, h.sched.now(), 86400),
      ).toBe(true);
    const sample = rx.got.find(
      (r) => r.json.event === 'release' && r.json.resultCode === 'success',
    )!.json;
    expect(sample).toMatchObject({
      taskId: id,
      vdnId: 'acme',
      failCode: '00000',
      calledNo: expect.stringMatching(/^\+86138/),
      callerNo: expect.stringMatching(/^\+8621/),
      beginTime: expect.stringMatching(/\+08:00$/),
    });
    const log = (
      await h.call(h.key, { method: 'GET', url: `/api/v1/tenants/acme/tasks/${id}/deliveries` })
    ).body.items;
    expect(log).toHaveLength(10); // 4 answered attempts × (connect, release) + 2 busy releases
    expect(log.every((d: { state: string }) => d.state === 'delivered')).toBe(true);
    const retried = log.filter((d: { tries: number }) => d.tries > 1);
    expect(retried.length).toBeGreaterThan(0);
  });

  it('gives up after the tenant’s limit of tries and logs the last error', async () => {
    rx = await receiver(Array(50).fill('fail'));
    sender = new CallbackSender({ resolve: testResolver, timeoutMs: 150 });
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      settings: { callbackTrustlist: [rx.trust], callbackMaxTries: 3 },
      callbacks: callbackChannel(sender),
    });
    const id = await h.startTask(
      task(rx.url),
      customers(1, () => ({ numbers: [{ number: '+8613800010001', type: 'mobile' }] })).map(
        (c) => c,
      ),
    );
    await h.runUntil('2026-11-23T12:00:00+08:00');
    const log = (
      await h.call(h.key, { method: 'GET', url: `/api/v1/tenants/acme/tasks/${id}/deliveries` })
    ).body.items;
    expect(
      log.map((d: { event: string; state: string; tries: number; lastStatus: number }) => [
        d.event,
        d.state,
        d.tries,
        d.lastStatus,
      ]),
    ).toEqual([
      ['connect', 'failed', 3, 500],
      ['release', 'failed', 3, 500],
    ]);
    expect(rx.got).toHaveLength(6);
  });

  it('replays given-up callbacks on request, once the receiver is back, and audits it', async () => {
    rx = await receiver(Array(6).fill('fail')); // down for the first six tries, then back
    sender = new CallbackSender({ resolve: testResolver, timeoutMs: 150 });
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      settings: { callbackTrustlist: [rx.trust], callbackMaxTries: 3 },
      callbacks: callbackChannel(sender),
    });
    const id = await h.startTask(task(rx.url), customers(1));
    await h.runUntil('2026-11-23T12:00:00+08:00');
    const url = `/api/v1/tenants/acme/tasks/${id}/deliveries`;
    const log = async () =>
      (await h.call(h.key, { method: 'GET', url })).body.items.map(
        (d: { event: string; state: string }) => [d.event, d.state],
      );
    expect(await log()).toEqual([
      ['connect', 'failed'],
      ['release', 'failed'],
    ]);
    expect(rx.got).toHaveLength(6);

    const viewer = await tenantWithKey(h, 'acme', {}, 'viewer');
    const refused = await h.call(viewer, {
      method: 'POST',
      url: `${url}/replay`,
      payload: { kind: 'callback' },
    });
    expect(refused.status).toBe(403);
    const none = await h.call(h.key, { method: 'POST', url: `${url}/replay`, payload: {} });
    expect(none.status).toBe(422);

    const r = await h.call(h.key, {
      method: 'POST',
      url: `${url}/replay`,
      payload: { kind: 'callback' },
    });
    expect(r.status).toBe(200);
    expect(r.body.requeued).toBe(2);
    await h.runUntil('2026-11-23T12:05:00+08:00');
    expect(await log()).toEqual([
      ['connect', 'delivered'],
      ['release', 'delivered'],
    ]);
    // Delivered again in order, signed afresh, with the same idempotency keys.
    const again = rx.got.slice(6);
    expect(again.map((g) => g.json.event)).toEqual(['connect', 'release']);
    expect(again.map((g) => g.headers['x-outbound-idempotency-key'])).toEqual([
      ...new Set(rx.got.slice(0, 6).map((g) => g.headers['x-outbound-idempotency-key'])),
    ]);
    // Nothing left to replay; the replay is in the audit log.
    const twice = await h.call(h.key, {
      method: 'POST',
      url: `${url}/replay`,
      payload: { ids: r.body.ids },
    });
    expect(twice.body.requeued).toBe(0);
    const audited = await h.store.db
      .selectFrom('audit_log')
      .select(['action', 'subject'])
      .where('action', '=', 'deliveries.replay')
      .execute();
    expect(audited).toHaveLength(2);
  });

  it("the release carries the recording's API path as filePath (null without one), which serves the WAV", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-cb-recordings-'));
    rx = await receiver([]);
    sender = new CallbackSender({ resolve: testResolver, timeoutMs: 1000 });
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      settings: { callbackTrustlist: [rx.trust] },
      network: {
        rules: [{ match: '^\\+8613800010002$', outcomes: [{ result: 'busy', ringSec: 2 }] }],
      },
      callbacks: callbackChannel(sender),
      app: { recordingsDir: dir },
    });
    recordAnsweredCalls(h.sim, dir);
    const id = await h.startTask(task(rx.url), customers(2));
    await h.runUntil('2026-11-23T09:30:00+08:00');
    const releases = rx.got.filter((r) => r.json.event === 'release').map((r) => r.json);
    const answered = releases.find((r) => r.resultCode === 'success')!;
    expect(answered.filePath).toBe(
      `/api/v1/tenants/acme/tasks/${id}/attempts/${answered.callId}/recording`,
    );
    expect(releases.filter((r) => r.resultCode === 'busy').map((r) => r.filePath)).toEqual([
      null,
      null,
    ]);
    // The connect event never has one (nothing is recorded yet).
    expect(rx.got.filter((r) => r.json.event === 'connect').map((r) => r.json.filePath)).toEqual([
      null,
    ]);
    const wav = await h.app.inject({
      method: 'GET',
      url: answered.filePath,
      headers: { authorization: `Bearer ${h.key}` },
    });
    expect(wav.statusCode).toBe(200);
    expect(wav.headers['content-type']).toBe('audio/wav');
    expect(wav.rawPayload.subarray(0, 4).toString()).toBe('RIFF');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a dead receiver does not change when calls are placed', async () => {
    rx = await receiver([]);
    await rx.close();
    sender = new CallbackSender({ resolve: testResolver, timeoutMs: 150 });
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      settings: { callbackTrustlist: [rx.trust] },
      callbacks: callbackChannel(sender),
    });
    const id = await h.startTask(task(rx.url), customers(20));
    await h.runUntil('2026-11-23T09:00:05+08:00');
    const starts = (await h.attempts(id)).map(
      (a) => (a.startedAt.getTime() - new Date('2026-11-23T09:00:00+08:00').getTime()) / 1000,
    );
    expect(starts).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
  });

  it('refuses an untrusted or private-address URL at save time, and at send time', async () => {
    rx = await receiver([]);
    sender = new CallbackSender({ resolve: testResolver, timeoutMs: 150 });
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      settings: { callbackTrustlist: [rx.trust, 'https://intranet.example.com/'] },
      callbacks: callbackChannel(sender),
    });
    const base = '/api/v1/tenants/acme/tasks';
    const untrusted = await h.call(h.key, {
      method: 'POST',
      url: base,
      payload: task('https://elsewhere.example.net/cb', { name: 'u' }),
    });
    expect(untrusted.body.errors).toEqual([
      { path: '/callbackUrl', message: expect.stringContaining('trustlist') },
    ]);
    const priv = await h.call(h.key, {
      method: 'POST',
      url: base,
      payload: task('https://intranet.example.com/cb', { name: 'p' }),
    });
    expect(priv.body.errors).toEqual([
      { path: '/callbackUrl', message: expect.stringContaining('private address 10.1.2.3') },
    ]);
    // Saved while trusted, then the trustlist changes: the send is refused and given up at once.
    const id = await h.startTask(task(rx.url), customers(1));
    await h.call(h.adminKey, {
      method: 'PATCH',
      url: '/api/v1/tenants/acme',
      payload: { settings: { callbackTrustlist: ['https://crm.example.com/'] } },
    });
    await h.runUntil('2026-11-23T09:10:00+08:00');
    const log = (await h.call(h.key, { method: 'GET', url: `${base}/${id}/deliveries` })).body
      .items;
    expect(
      log.map((d: { state: string; tries: number; lastError: string }) => [
        d.state,
        d.tries,
        d.lastError,
      ]),
    ).toEqual([
      ['failed', 1, expect.stringContaining('trustlist')],
      ['failed', 1, expect.stringContaining('trustlist')],
    ]);
    expect(rx.got).toHaveLength(0);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as smpp from 'smpp';
import { afterEach, describe, expect, it } from 'vitest';
import { smsChannel } from '../../src/notify/sms.ts';
import { testResolver } from '../helpers/app.ts';
import { engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { retrying, workdayTask } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';

const task = (templateId: string, type: 'cloud' | 'gateway') =>
  workdayTask(`SMS ${type}`, {
    sms: { type, templateId },
    callbackUrl: null,
    resultPolicy: retrying('busy', 1, 60),
  });

const contacts = [
  // never reached: busy twice on its mobile → SMS to the mobile number
  {
    sessionId: 'never',
    numbers: [
      { number: '+8613800030001', type: 'home' },
      { number: '+8613800030002', type: 'mobile' },
    ],
    attributes: { vip: 1, city: 'Shenzhen' },
  },
  // reached: no SMS
  {
    sessionId: 'reached',
    numbers: [{ number: '+8613800030003', type: 'mobile' }],
    attributes: { vip: 1, city: 'Shanghai' },
  },
  // never reached but no mobile number: no SMS
  {
    sessionId: 'nomobile',
    numbers: [{ number: '+8613800030004', type: 'home' }],
    attributes: { vip: 1, city: 'Beijing' },
  },
];
const network = {
  rules: [
    { match: '^\\+86138000300(01|02|04)$', outcomes: [{ result: 'busy' as const, ringSec: 2 }] },
  ],
};

describe(`SMS for customers never reached (${dbKind})`, () => {
  let h: EngineHarness;
  // The channel is made before the harness; it opens credentials with the harness's key.
  const harnessCipher = () => ({
    encrypt: (v: string) => h.cipher.encrypt(v),
    decrypt: (v: string) => h.cipher.decrypt(v),
    isEncrypted: (v: string) => h.cipher.isEncrypted(v),
  });
  let close: () => Promise<void>;
  afterEach(async () => {
    await h.stop();
    await close();
  });

  /**
   * The SMS channel, then the harness with `providers` and the provider's address `trusted` on
   * the trustlist; the channel and the provider's `server` are closed after the test.
   */
  async function harnessWithSms(
    server: { close(done: () => void): unknown },
    trusted: string,
    providers: Record<string, unknown>,
  ) {
    const channel = smsChannel({ resolve: testResolver, timeoutMs: 1000, cipher: harnessCipher() });
    close = async () => {
      await channel.close();
      await new Promise<void>((r) => server.close(() => r()));
    };
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      network,
      sms: channel,
      settings: {
        callbackTrustlist: ['https://crm.example.com/', trusted],
        smsProviders: providers,
      },
    });
  }

  it('sends the cloud template, variables filled, to the first mobile number, only for customers never connected', async () => {
    const got: { auth: string; body: Record<string, unknown> }[] = [];
    let fail = 1;
    const server: Server = createServer((req, res) => {
      let b = '';
      req.on('data', (d: Buffer) => (b += d.toString()));
      req.on('end', () => {
        if (fail-- > 0) return void res.writeHead(503).end();
        got.push({ auth: req.headers.authorization ?? '', body: JSON.parse(b) });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    // The SMS endpoint follows the callbacks' outbound-address policy: loopback is approved.
    await harnessWithSms(server, `http://127.0.0.1:${port}/`, {
      cloud: { endpoint: `http://127.0.0.1:${port}/sms`, apiKey: 'k-123', sender: 'ACME' },
    });
    const tpl = await h.call(h.key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/sms-templates',
      payload: { id: 'sms-t', type: 'cloud', text: 'Hello {sessionId} in {city}: {unknown}' },
    });
    expect(tpl.status).toBe(201);
    const id = await h.startTask(task('sms-t', 'cloud'), contacts);
    await h.runUntil('2026-11-23T10:00:00+08:00');
    expect(got).toEqual([
      {
        auth: 'Bearer k-123',
        body: {
          to: '+8613800030002',
          from: 'ACME',
          text: 'Hello never in Shenzhen: {unknown}',
          reference: expect.stringMatching(/^sms:/),
        },
      },
    ]);
    const log = (
      await h.call(h.key, {
        method: 'GET',
        url: `/api/v1/tenants/acme/tasks/${id}/deliveries?kind=sms`,
      })
    ).body.items;
    expect(log).toMatchObject([
      { sessionId: 'never', state: 'delivered', tries: 2, lastStatus: 202 },
    ]);
    const tenant = await h.call(h.key, { method: 'GET', url: '/api/v1/tenants/acme' });
    expect(tenant.body.settings.smsProviders.cloud.apiKey).toBe('***');
    // Stored encrypted at rest; sent in clear to the provider only.
    const row = await h.store.db
      .selectFrom('tenants')
      .select('settings')
      .where('id', '=', 'acme')
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row.settings)).not.toContain('k-123');
    expect(got.map((g) => g.auth)).toContain('Bearer k-123');
    // Saving other settings (the key sent back as ***) keeps the key working.
    const patched = await h.call(h.adminKey, {
      method: 'PATCH',
      url: '/api/v1/tenants/acme',
      payload: {
        settings: { smsProviders: { ...tenant.body.settings.smsProviders }, timeZone: '+08:00' },
      },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const again = await h.store.db
      .selectFrom('tenants')
      .select('settings')
      .where('id', '=', 'acme')
      .executeTakeFirstOrThrow();
    const stored = (again.settings as { smsProviders: { cloud: { apiKey: string } } }).smsProviders;
    expect(h.cipher.decrypt(stored.cloud.apiKey)).toBe('k-123');
  });

  it('submits through an SMPP gateway', async () => {
    const submitted: Record<string, unknown>[] = [];
    const server = smpp.createServer({}, (session) => {
      session.on('error', () => {});
      session.on('bind_transmitter', (pdu) => {
        session.send(
          pdu.response({ command_status: pdu.password === 'pw' ? 0 : smpp.ESME_RBINDFAIL }),
        );
      });
      session.on('submit_sm', (pdu) => {
        submitted.push({
          to: pdu.destination_addr,
          from: pdu.source_addr,
          text: String((pdu.short_message as { message?: string }).message ?? pdu.short_message),
        });
        session.send(pdu.response({ message_id: `m${submitted.length}` }));
      });
      session.on('enquire_link', (pdu) => session.send(pdu.response()));
      session.on('unbind', (pdu) => session.send(pdu.response()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = server.address()!.port;
    // The gateway is approved like any outbound address (here on loopback, so named).
    await harnessWithSms(server, `smpp://127.0.0.1:${port}/`, {
      gateway: {
        host: '127.0.0.1',
        port,
        systemId: 'outbound',
        password: 'pw',
        sourceAddr: '10086',
      },
    });
    await h.call(h.key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/sms-templates',
      payload: { id: 'sms-g', type: 'gateway', text: 'We called {sessionId}' },
    });
    await h.startTask(task('sms-g', 'gateway'), contacts);
    await h.runUntil('2026-11-23T10:00:00+08:00');
    expect(submitted).toEqual([{ to: '8613800030002', from: '10086', text: 'We called never' }]);
  });
});

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackSender } from '../../src/notify/http-sender.ts';
import { SIGNATURE_HEADER, verify, webhookSecret } from '../../src/notify/signing.ts';
import { testResolver } from '../helpers/app.ts';

/**
 * A real delivery of the callback sender, received over HTTP on loopback and verified with the
 * Standard Webhooks reference library (npm `standardwebhooks`) as an integrator would, and with
 * Outbound's own scheme (`x-outbound-signature`).
 */
describe('callbacks verify with a Standard Webhooks library', () => {
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  let url = '';
  const sender = new CallbackSender({ resolve: testResolver });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  });
  afterAll(async () => {
    await sender.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('signs each delivery so that Webhook.verify accepts it and rejects a changed body', async () => {
    const secret = 'qM3v0b7Y2mB1_hX9-sT4kLzP8eR6wNcA5dJgU0iVfQo';
    const body = JSON.stringify({ event: 'release', callId: '4711', resultCode: 'success' });
    const r = await sender.send({
      url,
      body,
      secret,
      idempotencyKey: 'cb:4711:release',
      event: 'release',
      trustlist: [new URL('/', url).href],
      at: new Date(),
    });
    expect(r).toMatchObject({ ok: true, status: 200 });
    const [d] = got;
    const headers = d!.headers as Record<string, string>;
    expect(headers['webhook-id']).toBe('cb:4711:release');

    const wh = new Webhook(webhookSecret(secret));
    expect(wh.verify(d!.body, headers)).toEqual(JSON.parse(body));
    expect(() => wh.verify(d!.body.replace('success', 'busy'), headers)).toThrow();
    expect(() => new Webhook(webhookSecret('another secret')).verify(d!.body, headers)).toThrow();
    // The original header verifies too (the scheme Stripe's verifier also accepts).
    expect(verify(secret, d!.body, headers[SIGNATURE_HEADER]!, new Date())).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { checkOutboundTarget, type Resolver } from '../../src/notify/callback-target.ts';
import { sign, verify } from '../../src/notify/signing.ts';
import { smsChannel } from '../../src/notify/sms.ts';
import { defaultTenantSettings } from '../../src/domain/tenant.ts';

const dns =
  (table: Record<string, string[]>): Resolver =>
  async (host) => {
    const a = table[host];
    if (!a) throw new Error('ENOTFOUND');
    return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('callback targets', () => {
  const resolve = dns({
    'crm.example.com': ['93.184.216.34'],
    'evil.example.com': ['10.0.0.5'],
    'mixed.example.com': ['93.184.216.34', '127.0.0.1'],
  });

  it('accepts a public address under the trustlist and returns the address to connect to', async () => {
    expect(
      await checkOutboundTarget(
        'https://crm.example.com/outbound/events',
        ['https://crm.example.com/'],
        resolve,
      ),
    ).toEqual({ ok: true, address: '93.184.216.34', family: 4 });
  });
  it('refuses a URL outside the trustlist', async () => {
    const r = await checkOutboundTarget(
      'https://other.example.com/x',
      ['https://crm.example.com/'],
      resolve,
    );
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('trustlist') });
  });
  it('refuses an approved name that resolves to a private address (checks the resolved address)', async () => {
    for (const host of ['evil.example.com', 'mixed.example.com']) {
      const r = await checkOutboundTarget(`https://${host}/cb`, [`https://${host}/`], resolve);
      expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('private address') });
    }
  });
  it('refuses loopback, link-local and private literals unless the trustlist names them', async () => {
    for (const url of [
      'http://127.0.0.1:9000/cb',
      'http://169.254.169.254/latest',
      'http://[::1]:80/x',
      'http://192.168.1.10/x',
    ]) {
      const u = new URL(url);
      expect(await checkOutboundTarget(url, ['http://public.example/'], resolve)).toMatchObject({
        ok: false,
      });
      expect(await checkOutboundTarget(url, [`${u.protocol}//${u.host}/`], resolve)).toMatchObject({
        ok: true,
      });
    }
  });
});

describe('the cloud SMS endpoint follows the same policy', () => {
  it("is refused (permanently, nothing sent) unless under the tenant's trustlist", async () => {
    const channel = smsChannel({ resolve: dns({}) });
    const settings = {
      ...defaultTenantSettings(),
      smsProviders: {
        cloud: { endpoint: 'http://10.0.0.7/sms', apiKey: 'k', sender: 'ACME' },
        gateway: null,
      },
    };
    const m = {
      id: 1,
      tenantId: 'acme',
      taskId: 't',
      kind: 'sms',
      event: 'sms',
      idempotencyKey: 'sms:1',
      target: '+8613800000001',
      payload: { provider: 'cloud', text: 'hi' },
      tries: 0,
    };
    // A tenant admin naming a private address in its own SMS settings does not approve it.
    expect(
      await channel.send(m, {
        settings,
        secret: 's',
        trustlist: ['https://crm.example.com/'],
        at: new Date(0),
      }),
    ).toMatchObject({
      ok: false,
      status: null,
      permanent: true,
      error: expect.stringContaining('approved trustlist'),
    });
    await channel.close();
  });
});

describe('callback signatures', () => {
  it('verifies a signature over timestamp and body, and rejects tampering and old timestamps', () => {
    const at = new Date('2026-11-25T00:00:00Z');
    const header = sign('s3cret', '{"a":1}', at);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verify('s3cret', '{"a":1}', header, at)).toBe(true);
    expect(verify('s3cret', '{"a":2}', header, at)).toBe(false);
    expect(verify('other', '{"a":1}', header, at)).toBe(false);
    expect(verify('s3cret', '{"a":1}', header, new Date(at.getTime() + 3600_000))).toBe(false);
  });
});

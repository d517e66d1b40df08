import { describe, expect, it } from 'vitest';
import { checkCallbackTarget, type Resolver } from '../../src/notify/callback-target.ts';
import { sign, verify } from '../../src/notify/signing.ts';

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
      await checkCallbackTarget(
        'https://crm.example.com/outbound/events',
        ['https://crm.example.com/'],
        resolve,
      ),
    ).toEqual({ ok: true, address: '93.184.216.34', family: 4 });
  });
  it('refuses a URL outside the trustlist', async () => {
    const r = await checkCallbackTarget(
      'https://other.example.com/x',
      ['https://crm.example.com/'],
      resolve,
    );
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('trustlist') });
  });
  it('refuses an approved name that resolves to a private address (checks the resolved address)', async () => {
    for (const host of ['evil.example.com', 'mixed.example.com']) {
      const r = await checkCallbackTarget(`https://${host}/cb`, [`https://${host}/`], resolve);
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
      expect(await checkCallbackTarget(url, ['http://public.example/'], resolve)).toMatchObject({
        ok: false,
      });
      expect(await checkCallbackTarget(url, [`${u.protocol}//${u.host}/`], resolve)).toMatchObject({
        ok: true,
      });
    }
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

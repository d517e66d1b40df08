import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, tenantWithKey, type TestApp } from '../helpers/app.ts';

/**
 * Security headers on the console and the API, and the limit on failed authentications (issue #11):
 * after too many wrong keys from one address, or too many tries of one key id, even a right key is
 * refused with 429 until the window passes; successful requests are never counted.
 */
describe('security headers and failed-authentication limits', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await testApp();
    key = await tenantWithKey(t, 'acme');
  });
  afterAll(() => t.close());

  const get = (authorization?: string, ip = '127.0.0.1') =>
    t.app.inject({
      method: 'GET',
      url: '/api/v1/tenants/acme/tasks',
      remoteAddress: ip,
      headers: authorization ? { authorization } : {},
    });

  it('sends a content security policy and the usual hardening headers', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/' });
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("media-src 'self' blob:");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect((await get(`Bearer ${key}`)).headers['strict-transport-security']).toBeDefined();
  });

  it('never limits successful requests', async () => {
    for (let i = 0; i < 50; i++)
      expect((await get(`Bearer ${key}`, '10.9.9.9')).statusCode).toBe(200);
  });

  it('refuses an address after 30 failures, the right key included, with Retry-After', async () => {
    const wrong = () =>
      `Bearer obk_${Math.random().toString(16).slice(2, 14).padEnd(12, '0')}_nope`;
    for (let i = 0; i < 30; i++) expect((await get(wrong(), '10.0.0.1')).statusCode).toBe(401);
    const blocked = await get(`Bearer ${key}`, '10.0.0.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['content-type']).toContain('application/problem+json');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await get(`Bearer ${key}`, '10.0.0.2')).statusCode).toBe(200);
  });

  it('refuses one key id after 10 failures from any addresses', async () => {
    const id = key.split('_')[1]!;
    for (let i = 0; i < 10; i++)
      expect((await get(`Bearer obk_${id}_wrongsecret${i}`, `10.1.0.${i + 1}`)).statusCode).toBe(
        401,
      );
    expect((await get(`Bearer ${key}`, '10.1.0.99')).statusCode).toBe(429);
  });
});

import { describe, expect, it } from 'vitest';
import { smsChannel } from '../../src/notify/sms.ts';
import { defaultTenantSettings } from '../../src/domain/tenant.ts';
import type { LeasedMessage } from '../../src/store/outbox.ts';
import { testResolver } from '../helpers/app.ts';

/**
 * An SMPP gateway is checked against the tenant's trustlist before every send, like callbacks and
 * robots: one that is not (or no longer) approved is never connected to, and the message fails
 * for good rather than being retried. (On loopback: were the check missing, the connection would
 * be refused there, a failure that is retried — not the permanent one asserted.)
 */
describe('SMS through an SMPP gateway obeys the outbound-address policy', () => {
  const message: LeasedMessage = {
    id: 1,
    tenantId: 'acme',
    taskId: 't',
    kind: 'sms',
    event: 'failed_customer',
    idempotencyKey: 'sms:1',
    target: '+8613800000001',
    payload: { provider: 'gateway', text: 'hello' },
    tries: 1,
  };
  const settings = {
    ...defaultTenantSettings(),
    smsProviders: {
      cloud: null,
      gateway: { host: '127.0.0.9', port: 2775, systemId: 'acme', password: 'pw', sourceAddr: '' },
    },
  };

  const ctx = { secret: '', at: new Date() };

  it('refuses a gateway the trustlist does not approve, before connecting', async () => {
    const channel = smsChannel({ resolve: testResolver, timeoutMs: 200 });
    try {
      const r = await channel.send(message, {
        ...ctx,
        trustlist: ['https://crm.example.com/'],
        settings,
      });
      expect(r).toMatchObject({ ok: false, permanent: true });
      expect(r.error).toMatch(/trustlist/);
    } finally {
      await channel.close();
    }
  });
});

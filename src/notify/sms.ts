import type { Cipher } from '../platform/cipher.ts';
import { openProviderSecrets } from './provider-secrets.ts';
import { request } from 'undici';
import * as smpp from 'smpp';
import type { SmsProviders, TenantSettings } from '../domain/tenant.ts';
import type { Channel } from '../engine/outbox-dispatcher.ts';
import type { LeasedMessage } from '../store/outbox.ts';
import { checkOutboundTarget, smppUrl, type Resolver } from './callback-target.ts';
import type { SendResult } from './http-sender.ts';

/**
 * SMS for customers never reached. The message (recipient, text) was fixed when the customer
 * finished; which provider sends it is the task's template type, configured per tenant
 * (`smsProviders`). `cloud`: an HTTPS SMS API (POST JSON, bearer key). `gateway`: SMPP 3.4
 * submit_sm over one bound session per gateway, reopened when it drops.
 */
export function smsChannel(opts: {
  resolve: Resolver;
  timeoutMs?: number;
  /** Opens the provider credentials stored encrypted (./provider-secrets.ts). */
  cipher?: Cipher;
}): Channel & { close(): Promise<void> } {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const gateways = new Map<string, Promise<smpp.Session>>();

  async function cloud(
    cfg: NonNullable<SmsProviders['cloud']>,
    m: LeasedMessage,
    trustlist: readonly string[],
  ): Promise<SendResult> {
    // The endpoint is the tenant admin's own setting: like a callback, it must be under the
    // trustlist the system administrator approved (and not private unless that names it).
    const target = await checkOutboundTarget(cfg.endpoint, trustlist, opts.resolve);
    if (!target.ok) return { ok: false, status: null, error: target.reason, permanent: true };
    try {
      const res = await request(cfg.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${cfg.apiKey}`,
          'x-outbound-idempotency-key': m.idempotencyKey,
        },
        body: JSON.stringify({
          to: m.target,
          from: cfg.sender,
          text: m.payload.text,
          reference: m.idempotencyKey,
        }),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      await res.body.dump();
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      return { ok, status: res.statusCode, error: ok ? null : `HTTP ${res.statusCode}` };
    } catch (e) {
      return { ok: false, status: null, error: (e as Error).message };
    }
  }

  function session(
    cfg: NonNullable<SmsProviders['gateway']>,
    address: string,
  ): Promise<smpp.Session> {
    const key = `${address}:${cfg.port}:${cfg.systemId}`;
    let s = gateways.get(key);
    if (!s) {
      s = new Promise<smpp.Session>((resolve, reject) => {
        const sess = smpp.connect(
          { host: address, port: cfg.port, auto_enquire_link_period: 30_000 },
          () => {
            sess.bind_transmitter({ system_id: cfg.systemId, password: cfg.password }, (pdu) => {
              if (pdu.command_status === 0) resolve(sess);
              else {
                reject(new Error(`SMPP bind refused (status ${pdu.command_status})`));
                sess.destroy();
              }
            });
          },
        );
        const drop = (err?: Error) => {
          gateways.delete(key);
          reject(err ?? new Error('SMPP connection closed'));
        };
        sess.on('error', drop);
        sess.on('close', () => drop());
      });
      gateways.set(key, s);
      s.catch(() => gateways.delete(key));
    }
    return s;
  }

  async function gateway(
    cfg: NonNullable<SmsProviders['gateway']>,
    m: LeasedMessage,
    trustlist: readonly string[],
  ): Promise<SendResult> {
    // The same policy as every other outbound address, and the connection goes to the address
    // that was checked.
    const target = await checkOutboundTarget(smppUrl(cfg.host, cfg.port), trustlist, opts.resolve, [
      'smpp:',
    ]);
    if (!target.ok) return { ok: false, status: null, error: target.reason, permanent: true };
    try {
      const sess = await session(cfg, target.address);
      const pdu = await new Promise<smpp.Pdu>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('SMPP submit_sm timed out')), timeoutMs);
        sess.submit_sm(
          {
            source_addr: cfg.sourceAddr,
            destination_addr: m.target.replace(/^\+/, ''),
            short_message: String(m.payload.text ?? ''),
            registered_delivery: 0,
          },
          (p) => {
            clearTimeout(timer);
            resolve(p);
          },
        );
      });
      return pdu.command_status === 0
        ? { ok: true, status: 0, error: null }
        : { ok: false, status: pdu.command_status, error: `SMPP status ${pdu.command_status}` };
    } catch (e) {
      return { ok: false, status: null, error: (e as Error).message };
    }
  }

  return {
    async send(m, ctx: { trustlist: readonly string[]; settings?: TenantSettings }) {
      const settings =
        ctx.settings && opts.cipher ? openProviderSecrets(ctx.settings, opts.cipher) : ctx.settings;
      const providers = settings?.smsProviders;
      const kind = m.payload.provider === 'gateway' ? 'gateway' : 'cloud';
      if (kind === 'cloud' && providers?.cloud) return cloud(providers.cloud, m, ctx.trustlist);
      if (kind === 'gateway' && providers?.gateway)
        return gateway(providers.gateway, m, ctx.trustlist);
      return {
        ok: false,
        status: null,
        error: `the tenant has no ${kind} SMS provider configured`,
      };
    },
    async close() {
      for (const s of gateways.values()) {
        try {
          (await s).close();
        } catch {
          // already gone
        }
      }
      gateways.clear();
    },
  };
}

import { Agent, request } from 'undici';
import { checkOutboundTarget, type Resolver } from './callback-target.ts';
import { SIGNATURE_HEADER, sign, standardWebhookHeaders } from './signing.ts';

export interface SendResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  /** Permanent: retrying cannot help (the target is not allowed any more). */
  permanent?: boolean;
}

/**
 * POSTs signed callbacks. The target is checked at send time too (trustlist and resolved
 * address), and the connection goes to the address that was checked. A timeout bounds every
 * request, so a slow receiver holds one delivery slot, never the dialer.
 */
export class CallbackSender {
  readonly #pinned = new Map<string, { address: string; family: number }>();
  readonly #agent: Agent;
  readonly #resolve: Resolver;
  readonly #timeoutMs: number;

  constructor(opts: { resolve: Resolver; timeoutMs?: number }) {
    this.#resolve = opts.resolve;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#agent = new Agent({
      connect: {
        timeout: this.#timeoutMs,
        lookup: (hostname, _options, cb) => {
          const pin = this.#pinned.get(hostname);
          if (!pin) return cb(new Error(`no checked address for ${hostname}`), '', 0);
          cb(null, [{ address: pin.address, family: pin.family }] as never, 0);
        },
      },
      keepAliveTimeout: 10_000,
    });
  }

  async send(m: {
    url: string;
    body: string;
    secret: string;
    idempotencyKey: string;
    event: string;
    trustlist: readonly string[];
    at: Date;
  }): Promise<SendResult> {
    const target = await checkOutboundTarget(m.url, m.trustlist, this.#resolve);
    if (!target.ok) return { ok: false, status: null, error: target.reason, permanent: true };
    this.#pinned.set(new URL(m.url).hostname.replace(/^\[|\]$/g, ''), {
      address: target.address,
      family: target.family,
    });
    try {
      const res = await request(m.url, {
        method: 'POST',
        dispatcher: this.#agent,
        body: m.body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'outbound-callbacks/1',
          [SIGNATURE_HEADER]: sign(m.secret, m.body, m.at),
          'x-outbound-idempotency-key': m.idempotencyKey,
          'x-outbound-event': m.event,
          ...standardWebhookHeaders(m.secret, m.idempotencyKey, m.body, m.at),
        },
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      await res.body.dump();
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      return { ok, status: res.statusCode, error: ok ? null : `HTTP ${res.statusCode}` };
    } catch (e) {
      return { ok: false, status: null, error: (e as Error).message || String(e) };
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

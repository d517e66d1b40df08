import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Callback signatures. Header `X-Outbound-Signature: t=<unix seconds>,v1=<hex>` where
 * v1 = HMAC-SHA256(tenant secret, `${t}.${raw body}`). A receiver recomputes it over the raw body
 * and rejects old timestamps (replays). docs/callbacks.md shows the few lines it takes.
 */
export const SIGNATURE_HEADER = 'x-outbound-signature';

/**
 * The same deliveries also carry the Standard Webhooks headers (standardwebhooks.com), which the
 * Standard Webhooks libraries of every major language verify as they are: `webhook-id` (the
 * message's idempotency key, the same on every retry), `webhook-timestamp` (unix seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`. Their key is the
 * tenant's callback secret as bytes; the libraries take it written as `whsec_<base64>`
 * (`webhookSecret()`, also shown by `GET …/callback-secret`).
 */
export const WEBHOOK_ID = 'webhook-id';
export const WEBHOOK_TIMESTAMP = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE = 'webhook-signature';

/** The callback secret as Standard Webhooks libraries take it. */
export function webhookSecret(secret: string): string {
  return `whsec_${Buffer.from(secret, 'utf8').toString('base64')}`;
}

/** The Standard Webhooks headers of one delivery. */
export function standardWebhookHeaders(
  secret: string,
  id: string,
  body: string,
  at: Date,
): Record<string, string> {
  const t = Math.floor(at.getTime() / 1000);
  const sig = createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${id}.${t}.${body}`)
    .digest('base64');
  return {
    [WEBHOOK_ID]: id,
    [WEBHOOK_TIMESTAMP]: String(t),
    [WEBHOOK_SIGNATURE]: `v1,${sig}`,
  };
}

export function sign(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/** True when `header` signs `body` with `secret` and is at most `toleranceSec` old at `now`. */
export function verify(
  secret: string,
  body: string,
  header: string,
  now: Date,
  toleranceSec = 300,
): boolean {
  const parts = Object.fromEntries(
    header.split(',').map((p) => p.split('=', 2) as [string, string]),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(now.getTime() / 1000 - t) > toleranceSec)
    return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const got = Buffer.from(parts.v1);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

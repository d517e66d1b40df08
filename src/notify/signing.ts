import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Callback signatures. Header `X-Outbound-Signature: t=<unix seconds>,v1=<hex>` where
 * v1 = HMAC-SHA256(tenant secret, `${t}.${raw body}`). A receiver recomputes it over the raw body
 * and rejects old timestamps (replays). docs/callbacks.md shows the few lines it takes.
 */
export const SIGNATURE_HEADER = 'x-outbound-signature';

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

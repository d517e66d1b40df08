import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../platform/errors.ts';
import { KEY_HEADER } from './auth.ts';

/**
 * Security headers and authentication-failure limits, from the Fastify ecosystem's own plugins.
 *
 * - `@fastify/helmet` on every response, with a content security policy for the console: its own
 *   scripts only; inline styles (Mantine sets CSS variables in style attributes); `blob:` for
 *   media and images the console builds from API responses (recordings); no framing.
 * - `@fastify/rate-limit` counts only failed authentications, per client address and per key id
 *   presented, and refuses further attempts with 429 until the window passes — a correct key
 *   included, so guessing cannot go on behind the limit. Successful requests are never limited.
 */
export interface AuthFailureLimits {
  perAddress: number;
  perKey: number;
  windowMs: number;
}
export const AUTH_FAILURES: AuthFailureLimits = { perAddress: 30, perKey: 10, windowMs: 60_000 };

export interface AuthLimiter {
  /** Throws 429 when the request's address or key has failed too often. */
  check(req: FastifyRequest): Promise<void>;
  /** Counts a failed authentication. */
  failed(req: FastifyRequest): Promise<void>;
}

const keyIdOf = (req: FastifyRequest) =>
  KEY_HEADER.exec(req.headers.authorization ?? '')?.[1] ??
  /obk_([0-9a-f]{12})/.exec(req.headers.authorization ?? '')?.[1];

export async function registerSecurity(
  app: FastifyInstance,
  limits = AUTH_FAILURES,
): Promise<AuthLimiter> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // The API's JSON and files are fetched by the console and by integrators' servers.
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  await app.register(rateLimit, { global: false });
  const byAddress = app.createRateLimit({
    max: limits.perAddress,
    timeWindow: limits.windowMs,
    keyGenerator: (req) => `addr:${req.ip}`,
  });
  const byKey = app.createRateLimit({
    max: limits.perKey,
    timeWindow: limits.windowMs,
    keyGenerator: (req) => `key:${keyIdOf(req) ?? '-'}`,
  });
  const refuse = (ttlSec: number) =>
    new AppError('too_many_requests', `too many failed authentications; try again in ${ttlSec} s`, {
      extra: { retryAfterSec: ttlSec },
    });
  return {
    async check(req) {
      for (const limiter of keyIdOf(req) ? [byAddress, byKey] : [byAddress]) {
        const s = await limiter(req, { increment: false });
        if (!s.isAllowed && s.remaining === 0) throw refuse(s.ttlInSeconds);
      }
    },
    async failed(req) {
      await byAddress(req);
      if (keyIdOf(req)) await byKey(req);
    },
  };
}

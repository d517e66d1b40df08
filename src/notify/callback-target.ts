import { lookup as dnsLookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { underApproved } from '../domain/validate-task-basic.ts';

/**
 * The one outbound-address policy: every HTTP request Outbound makes on a tenant's behalf
 * (callbacks, the cloud SMS endpoint, robot endpoints) goes only to an address under the tenant's
 * approved trustlist (`callbackTrustlist`, set by the system administrator), and never to a
 * private, loopback or link-local address unless the matching trustlist entry names one.
 */

/** Resolves a host name to its addresses (injected so tests need no DNS). */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

const WEB = ['http:', 'https:'] as const;

/** An SMPP gateway as the outbound-address policy sees it (trustlist entries `smpp://host:port/`). */
export const smppUrl = (host: string, port: number) =>
  `smpp://${host.includes(':') ? `[${host}]` : host}:${port}/`;

export type TargetCheck =
  { ok: true; address: string; family: number } | { ok: false; reason: string };

const isIpLiteral = (host: string) => ipaddr.isValid(host.replace(/^\[|\]$/g, ''));

/** Anything but a public unicast address: private, loopback, link-local, unique-local, reserved… */
export function isPrivateAddress(address: string): boolean {
  const ip = ipaddr.process(address);
  return ip.range() !== 'unicast';
}

/**
 * May a request go to `url` now? It must be under an approved trustlist entry, and every address
 * its host resolves to must be public — unless the matching entry itself names a private address
 * (an IP literal or `localhost`): the administrator approved that private target on purpose. The
 * resolved address is returned so the sender connects to exactly what was checked (no DNS
 * rebinding between check and connect).
 */
export async function checkOutboundTarget(
  url: string,
  trustlist: readonly string[],
  resolve: Resolver,
  /** `smpp:` for SMPP gateways (`smpp://host:port/`); web targets by default. */
  protocols: readonly string[] = WEB,
): Promise<TargetCheck> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  if (!protocols.includes(parsed.protocol))
    return { ok: false, reason: `not a ${protocols.map((p) => p.slice(0, -1)).join(' or ')} URL` };
  const entries = trustlist.filter((e) => underApproved(parsed, e));
  if (entries.length === 0)
    return {
      ok: false,
      reason: "not under an address of the tenant's approved trustlist (callbackTrustlist)",
    };
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const namesPrivate = entries.some((e) => {
    const h = new URL(e).hostname.replace(/^\[|\]$/g, '');
    return h === 'localhost' || (isIpLiteral(h) && isPrivateAddress(h));
  });
  let addresses: { address: string; family: number }[];
  try {
    addresses = isIpLiteral(host)
      ? [{ address: host, family: host.includes(':') ? 6 : 4 }]
      : await resolve(host);
  } catch (e) {
    return { ok: false, reason: `cannot resolve ${host}: ${(e as Error).message}` };
  }
  if (addresses.length === 0) return { ok: false, reason: `${host} has no address` };
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (bad && !namesPrivate) {
    return {
      ok: false,
      reason: `${host} resolves to the private address ${bad.address}; only a trustlist entry naming a private address allows that`,
    };
  }
  return { ok: true, address: addresses[0]!.address, family: addresses[0]!.family };
}

/**
 * The same policy when an address is saved (a task's callback URL, a robot's endpoint): a name
 * that cannot be resolved now is not an error — it is checked again before every request, so a
 * DNS outage does not block saving. Returns why the address is refused, or null.
 */
export async function savedTargetError(
  url: string,
  trustlist: readonly string[],
  resolve: Resolver,
  protocols: readonly string[] = WEB,
): Promise<string | null> {
  const target = await checkOutboundTarget(
    url,
    trustlist,
    async (host) => {
      try {
        return await resolve(host);
      } catch {
        return [];
      }
    },
    protocols,
  );
  return target.ok || /has no address$/.test(target.reason) ? null : target.reason;
}

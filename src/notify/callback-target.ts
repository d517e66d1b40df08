import { lookup as dnsLookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { underApproved } from '../domain/validate-task-basic.ts';

/** Resolves a host name to its addresses (injected so tests need no DNS). */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

export type TargetCheck =
  { ok: true; address: string; family: number } | { ok: false; reason: string };

const isIpLiteral = (host: string) => ipaddr.isValid(host.replace(/^\[|\]$/g, ''));

/** Anything but a public unicast address: private, loopback, link-local, unique-local, reserved… */
export function isPrivateAddress(address: string): boolean {
  const ip = ipaddr.process(address);
  return ip.range() !== 'unicast';
}

/**
 * May a callback go to `url` now? It must be under an approved trustlist entry, and every address
 * its host resolves to must be public — unless the matching entry itself names a private address
 * (an IP literal or `localhost`): the administrator approved that private target on purpose. The
 * resolved address is returned so the sender connects to exactly what was checked (no DNS
 * rebinding between check and connect).
 */
export async function checkCallbackTarget(
  url: string,
  trustlist: readonly string[],
  resolve: Resolver,
): Promise<TargetCheck> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  const entries = trustlist.filter((e) => underApproved(parsed, e));
  if (entries.length === 0)
    return {
      ok: false,
      reason: "not under an address of the tenant's approved callback trustlist",
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

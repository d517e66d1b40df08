import { createHash, randomBytes } from 'node:crypto';

/**
 * HTTP digest authentication as SIP uses it (RFC 3261 §22, RFC 2617, RFC 8760 for SHA-256):
 * parse a WWW-/Proxy-Authenticate challenge, compute the Authorization answer.
 */
export interface Challenge {
  scheme: string;
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: string;
  qop?: string[];
  stale?: boolean;
}

/** Splits `Digest realm="a", nonce="b,c", qop="auth,auth-int"` respecting quotes. */
export function parseChallenge(v: string): Challenge {
  const sp = v.indexOf(' ');
  const scheme = (sp >= 0 ? v.slice(0, sp) : v).trim();
  const fields: Record<string, string> = {};
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/gy;
  re.lastIndex = sp >= 0 ? sp + 1 : v.length;
  for (let m = re.exec(v); m; m = re.exec(v))
    fields[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  return {
    scheme,
    realm: fields.realm ?? '',
    nonce: fields.nonce ?? '',
    ...(fields.opaque !== undefined ? { opaque: fields.opaque } : {}),
    algorithm: fields.algorithm ?? 'MD5',
    ...(fields.qop !== undefined
      ? { qop: fields.qop.split(',').map((s) => s.trim().toLowerCase()) }
      : {}),
    ...(fields.stale !== undefined ? { stale: fields.stale.toLowerCase() === 'true' } : {}),
  };
}

export interface DigestInput {
  username: string;
  password: string;
  method: string;
  uri: string;
  /** Nonce count for this nonce, from 1. */
  nc?: number;
  cnonce?: string;
}

function hashOf(algorithm: string): (s: string) => string {
  const alg = algorithm.toUpperCase().replace(/-SESS$/, '');
  const name = alg === 'SHA-256' ? 'sha256' : alg === 'MD5' ? 'md5' : undefined;
  if (!name) throw new Error(`unsupported digest algorithm ${algorithm}`);
  return (s) => createHash(name).update(s).digest('hex');
}

/** The value of an Authorization / Proxy-Authorization header answering `c`. */
export function authorize(c: Challenge, a: DigestInput): string {
  if (c.scheme.toLowerCase() !== 'digest') throw new Error(`unsupported auth scheme ${c.scheme}`);
  const H = hashOf(c.algorithm);
  const cnonce = a.cnonce ?? randomBytes(8).toString('hex');
  const nc = (a.nc ?? 1).toString(16).padStart(8, '0');
  let ha1 = H(`${a.username}:${c.realm}:${a.password}`);
  if (/-sess$/i.test(c.algorithm)) ha1 = H(`${ha1}:${c.nonce}:${cnonce}`);
  const ha2 = H(`${a.method}:${a.uri}`);
  const qop = c.qop?.includes('auth') ? 'auth' : undefined;
  const response = qop
    ? H(`${ha1}:${c.nonce}:${nc}:${cnonce}:${qop}:${ha2}`)
    : H(`${ha1}:${c.nonce}:${ha2}`);
  const q = (s: string) => `"${s.replace(/(["\\])/g, '\\$1')}"`;
  const parts = [
    `username=${q(a.username)}`,
    `realm=${q(c.realm)}`,
    `nonce=${q(c.nonce)}`,
    `uri=${q(a.uri)}`,
    `response=${q(response)}`,
    `algorithm=${c.algorithm}`,
  ];
  if (c.opaque !== undefined) parts.push(`opaque=${q(c.opaque)}`);
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${q(cnonce)}`);
  return `Digest ${parts.join(', ')}`;
}

/**
 * SIP messages (RFC 3261 §7): parse and serialize, headers kept in order. Only what a UAC needs:
 * compact header names, comma-separated Via/Record-Route, name-addr with tag and parameters.
 */
export interface SipMessageBase {
  headers: [string, string][];
  body: Buffer;
}
export interface SipRequest extends SipMessageBase {
  kind: 'request';
  method: string;
  uri: string;
}
export interface SipResponse extends SipMessageBase {
  kind: 'response';
  status: number;
  reason: string;
}
export type SipMessage = SipRequest | SipResponse;

const COMPACT: Record<string, string> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  e: 'content-encoding',
  s: 'subject',
  o: 'event',
  r: 'refer-to',
  b: 'referred-by',
  x: 'session-expires',
  u: 'allow-events',
};
/** Headers whose value may be a comma-separated list of entries (§7.3.1). */
const LISTS = new Set(['via', 'route', 'record-route', 'contact']);

export function canonicalName(name: string): string {
  const l = name.toLowerCase();
  return COMPACT[l] ?? l;
}

export function header(m: SipMessageBase, name: string): string | undefined {
  const want = canonicalName(name);
  for (const [k, v] of m.headers) if (canonicalName(k) === want) return v;
  return undefined;
}

/** Every value of a header, comma lists split into entries, in order. */
export function headers(m: SipMessageBase, name: string): string[] {
  const want = canonicalName(name);
  const out: string[] = [];
  for (const [k, v] of m.headers) {
    if (canonicalName(k) !== want) continue;
    if (LISTS.has(want)) out.push(...splitList(v));
    else out.push(v);
  }
  return out;
}

/** Splits at commas outside quotes and angle brackets. */
export function splitList(v: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '"' && v[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && c === '<') depth++;
    else if (!quoted && c === '>') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      out.push(v.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = v.slice(start).trim();
  if (last) out.push(last);
  return out;
}

export class SipParseError extends Error {}

/** Parses one datagram (or one framed TCP message). Throws SipParseError on garbage. */
export function parseMessage(buf: Buffer): SipMessage {
  const end = buf.indexOf('\r\n\r\n');
  const headEnd = end >= 0 ? end : buf.length;
  const head = buf.subarray(0, headEnd).toString('utf8');
  const lines = head.split(/\r\n/);
  const first = lines.shift() ?? '';
  const hs: [string, string][] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && hs.length) {
      // Folded continuation line (§7.3.1).
      hs[hs.length - 1]![1] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipParseError(`bad header line: ${line.slice(0, 40)}`);
    hs.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  let body: Buffer = end >= 0 ? buf.subarray(end + 4) : Buffer.alloc(0);
  const base = { headers: hs, body };
  const len = header(base, 'content-length');
  if (len !== undefined) {
    const n = Number(len);
    if (!Number.isInteger(n) || n < 0 || n > body.length)
      throw new SipParseError('bad Content-Length');
    body = body.subarray(0, n);
    base.body = body;
  }
  const resp = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(first);
  if (resp) return { kind: 'response', status: Number(resp[1]), reason: resp[2] ?? '', ...base };
  const req = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(first);
  if (req) return { kind: 'request', method: req[1]!, uri: req[2]!, ...base };
  throw new SipParseError(`bad start line: ${first.slice(0, 60)}`);
}

export function serialize(m: SipMessage): Buffer {
  const first =
    m.kind === 'request' ? `${m.method} ${m.uri} SIP/2.0` : `SIP/2.0 ${m.status} ${m.reason}`;
  const lines = [first];
  for (const [k, v] of m.headers)
    if (canonicalName(k) !== 'content-length') lines.push(`${k}: ${v}`);
  lines.push(`Content-Length: ${m.body.length}`, '', '');
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'utf8'), m.body]);
}

/** `;name=value` parameters (lower-case names) after the first `;` outside `<…>`. */
export function params(v: string): Record<string, string> {
  const close = v.lastIndexOf('>');
  const tail =
    close >= 0 ? v.slice(close + 1) : v.slice(v.indexOf(';') >= 0 ? v.indexOf(';') : v.length);
  const out: Record<string, string> = {};
  for (const p of tail.split(';').slice(1)) {
    const eq = p.indexOf('=');
    const k = (eq >= 0 ? p.slice(0, eq) : p).trim().toLowerCase();
    if (k)
      out[k] =
        eq >= 0
          ? p
              .slice(eq + 1)
              .trim()
              .replace(/^"(.*)"$/, '$1')
          : '';
  }
  return out;
}

/** The URI of a name-addr (`"A" <sip:a@h>;tag=1`) or addr-spec (`sip:a@h;tag=1`). */
export function uriOf(v: string): string {
  const lt = v.indexOf('<');
  if (lt >= 0) return v.slice(lt + 1, v.indexOf('>', lt));
  const semi = v.indexOf(';');
  return (semi >= 0 ? v.slice(0, semi) : v).trim();
}

export interface SipUri {
  user?: string;
  host: string;
  port?: number;
  params: Record<string, string>;
}

export function parseUri(uri: string): SipUri {
  const m = /^sips?:(?:([^@;]+)@)?(\[[^\]]+\]|[^:;?]+)(?::(\d+))?((?:;[^?]*)?)/i.exec(uri);
  if (!m) throw new SipParseError(`bad URI: ${uri}`);
  return {
    ...(m[1] !== undefined ? { user: m[1] } : {}),
    host: m[2]!,
    ...(m[3] ? { port: Number(m[3]) } : {}),
    params: params(`x${m[4] ?? ''}`),
  };
}

export interface Via {
  transport: string;
  host: string;
  port?: number;
  params: Record<string, string>;
}

export function parseVia(v: string): Via {
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+(\[[^\]]+\]|[^:;\s]+)(?::(\d+))?/i.exec(v);
  if (!m) throw new SipParseError(`bad Via: ${v}`);
  return {
    transport: m[1]!.toUpperCase(),
    host: m[2]!,
    ...(m[3] ? { port: Number(m[3]) } : {}),
    params: params(`x${v.slice(m[0].length)}`),
  };
}

/** CSeq: number and method. */
export function parseCSeq(v: string | undefined): { seq: number; method: string } {
  const m = /^(\d+)\s+([A-Za-z]+)$/.exec(v?.trim() ?? '');
  if (!m) throw new SipParseError(`bad CSeq: ${v}`);
  return { seq: Number(m[1]), method: m[2]!.toUpperCase() };
}

/** The headers every response copies from its request (§8.2.6.2). */
export function responseTo(
  req: SipRequest,
  status: number,
  reason: string,
  extra: [string, string][] = [],
  toTag?: string,
): SipResponse {
  const copied: [string, string][] = [];
  for (const [k, v] of req.headers) {
    const n = canonicalName(k);
    if (n === 'via' || n === 'from' || n === 'call-id' || n === 'cseq') copied.push([k, v]);
    else if (n === 'to') copied.push([k, toTag && !params(v).tag ? `${v};tag=${toTag}` : v]);
  }
  return {
    kind: 'response',
    status,
    reason,
    headers: [...copied, ...extra],
    body: Buffer.alloc(0),
  };
}

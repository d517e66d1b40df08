import { describe, expect, it } from 'vitest';
import { authorize, parseChallenge } from '../../src/telephony/sip/digest.ts';
import {
  header,
  headers,
  params,
  parseMessage,
  parseUri,
  parseVia,
  responseTo,
  serialize,
  uriOf,
  type SipRequest,
} from '../../src/telephony/sip/message.ts';
import { resultOfStatus } from '../../src/telephony/sip/results.ts';
import { parseSdp, sdpOffer } from '../../src/telephony/sip/sdp.ts';

const INVITE = [
  'INVITE sip:+8613800000001@trunk.example.com SIP/2.0',
  'v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc;rport, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKdef',
  'Max-Forwards: 70',
  'f: "Sales" <sip:+862188880001@trunk.example.com>;tag=a1',
  'To: <sip:+8613800000001@trunk.example.com>',
  'i: call-1@outbound',
  'CSeq: 1 INVITE',
  'Record-Route: <sip:p1.example.com;lr>,',
  ' <sip:p2.example.com;lr>',
  'Content-Type: application/sdp',
  'l: 4',
  '',
  'v=0\r\nextra',
].join('\r\n');

describe('SIP messages', () => {
  it('parses compact names, comma lists, folded lines and Content-Length', () => {
    const m = parseMessage(Buffer.from(INVITE)) as SipRequest;
    expect(m).toMatchObject({
      kind: 'request',
      method: 'INVITE',
      uri: 'sip:+8613800000001@trunk.example.com',
    });
    expect(headers(m, 'via')).toHaveLength(2);
    expect(parseVia(headers(m, 'Via')[0]!)).toEqual({
      transport: 'UDP',
      host: '10.0.0.1',
      port: 5060,
      params: { branch: 'z9hG4bKabc', rport: '' },
    });
    expect(headers(m, 'record-route')).toEqual([
      '<sip:p1.example.com;lr>',
      '<sip:p2.example.com;lr>',
    ]);
    expect(params(header(m, 'from')!).tag).toBe('a1');
    expect(uriOf(header(m, 'from')!)).toBe('sip:+862188880001@trunk.example.com');
    expect(header(m, 'call-id')).toBe('call-1@outbound');
    expect(m.body.toString()).toBe('v=0\r');
  });

  it('serializes what it parses, and builds responses that copy the right headers', () => {
    const m = parseMessage(Buffer.from(INVITE)) as SipRequest;
    const again = parseMessage(serialize(m)) as SipRequest;
    expect(again.headers).toEqual([
      ...m.headers.filter(([k]) => k !== 'l'),
      ['Content-Length', '4'],
    ]);
    expect(again.body).toEqual(m.body);
    const res = responseTo(m, 486, 'Busy Here', [], 'xyz');
    const text = serialize(res).toString();
    expect(text.startsWith('SIP/2.0 486 Busy Here\r\n')).toBe(true);
    expect(header(res, 'to')).toBe('<sip:+8613800000001@trunk.example.com>;tag=xyz');
    expect(headers(res, 'via')).toHaveLength(2);
    expect(header(res, 'record-route')).toBeUndefined();
  });

  it('rejects garbage and bad lengths, and parses URIs', () => {
    expect(() => parseMessage(Buffer.from('HELLO\r\n\r\n'))).toThrow();
    expect(() =>
      parseMessage(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 99\r\n\r\nx')),
    ).toThrow(/Content-Length/);
    expect(parseUri('sip:alice@[::1]:5070;transport=udp')).toEqual({
      user: 'alice',
      host: '[::1]',
      port: 5070,
      params: { transport: 'udp' },
    });
    expect(parseUri('sip:pbx.example.com')).toEqual({ host: 'pbx.example.com', params: {} });
  });
});

describe('digest authentication', () => {
  it('computes the RFC 2617 example response', () => {
    const c = parseChallenge(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
    expect(c).toMatchObject({
      scheme: 'Digest',
      realm: 'testrealm@host.com',
      qop: ['auth', 'auth-int'],
      algorithm: 'MD5',
    });
    const v = authorize(c, {
      username: 'Mufasa',
      password: 'Circle Of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nc: 1,
      cnonce: '0a4f113b',
    });
    expect(v).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(v).toContain('qop=auth, nc=00000001, cnonce="0a4f113b"');
    expect(v).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  });

  it('answers a challenge without qop (RFC 2069 style) and SHA-256', () => {
    const plain = authorize(parseChallenge('Digest realm="r", nonce="n"'), {
      username: 'u',
      password: 'p',
      method: 'INVITE',
      uri: 'sip:x@y',
    });
    expect(plain).not.toContain('qop');
    expect(
      authorize(parseChallenge('Digest realm="r", nonce="n", algorithm=SHA-256'), {
        username: 'u',
        password: 'p',
        method: 'INVITE',
        uri: 'sip:x@y',
      }),
    ).toMatch(/response="[0-9a-f]{64}"/);
    expect(() =>
      authorize(parseChallenge('Basic realm="r"'), {
        username: 'u',
        password: 'p',
        method: 'INVITE',
        uri: 'sip:x@y',
      }),
    ).toThrow();
  });
});

describe('results and SDP', () => {
  it('maps final responses to §6 results', () => {
    const map = Object.fromEntries(
      [200, 486, 600, 404, 484, 604, 480, 408, 603, 503, 502, 500, 401, 403, 488].map((s) => [
        s,
        resultOfStatus(s),
      ]),
    );
    expect(map).toEqual({
      200: 'success',
      486: 'busy',
      600: 'busy',
      404: 'unallocated',
      484: 'unallocated',
      604: 'unallocated',
      480: 'unreachable',
      408: 'no_answer',
      603: 'rejected',
      503: 'congestion',
      502: 'congestion',
      500: 'congestion',
      401: 'system_error',
      403: 'system_error',
      488: 'system_error',
    });
  });

  it('offers PCMU and telephone-event, and reads an answer with media-level c=', () => {
    const offer = sdpOffer({ address: '10.1.1.1', port: 40000, sessionId: 7 }).toString();
    expect(offer).toContain('m=audio 40000 RTP/AVP 0 101\r\n');
    expect(offer).toContain('a=rtpmap:101 telephone-event/8000');
    expect(parseSdp(offer)).toEqual({
      address: '10.1.1.1',
      port: 40000,
      payloads: [0, 101],
      dtmfPt: 101,
    });
    const answer =
      'v=0\no=- 1 1 IN IP4 1.1.1.1\ns=-\nc=IN IP4 1.1.1.1\nt=0 0\nm=audio 5000 RTP/AVP 0 96\nc=IN IP4 2.2.2.2\na=rtpmap:96 telephone-event/8000\nm=video 6000 RTP/AVP 31\n';
    expect(parseSdp(answer)).toEqual({
      address: '2.2.2.2',
      port: 5000,
      payloads: [0, 96],
      dtmfPt: 96,
    });
    expect(parseSdp('v=0\n')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { FramingError, MAX_HEADER_BYTES, StreamFramer } from '../../src/telephony/sip/framing.ts';
import {
  header,
  parseMessage,
  serialize,
  type SipMessage,
} from '../../src/telephony/sip/message.ts';

/** SIP over TCP is a byte stream: messages are cut out of it by Content-Length, however it arrives. */
function framer() {
  const got: Buffer[] = [];
  let pings = 0;
  const f = new StreamFramer({ message: (b) => void got.push(b), ping: () => void pings++ });
  return { f, got, pings: () => pings };
}

const invite: SipMessage = {
  kind: 'request',
  method: 'INVITE',
  uri: 'sip:1000@pbx.example.com',
  headers: [
    ['Via', 'SIP/2.0/TCP 10.0.0.5:5060;branch=z9hG4bK1'],
    ['Call-ID', 'a1@outbound'],
    ['CSeq', '1 INVITE'],
    ['Content-Type', 'application/sdp'],
  ],
  // A body that itself holds CRLFs and a blank line: only Content-Length says where it ends.
  body: Buffer.from('v=0\r\ns=-\r\n\r\nm=audio 4000 RTP/AVP 0\r\n'),
};
const ok: SipMessage = {
  kind: 'response',
  status: 200,
  reason: 'OK',
  headers: [
    ['Via', 'SIP/2.0/TCP 10.0.0.5:5060;branch=z9hG4bK1'],
    ['Call-ID', 'a1@outbound'],
    ['CSeq', '1 INVITE'],
  ],
  body: Buffer.alloc(0),
};

describe('stream framing by Content-Length', () => {
  it('cuts several messages out of one chunk', () => {
    const { f, got } = framer();
    f.push(Buffer.concat([serialize(invite), serialize(ok), serialize(invite)]));
    expect(got.map((b) => parseMessage(b).kind)).toEqual(['request', 'response', 'request']);
    expect(parseMessage(got[0]!).body.toString()).toBe(invite.body.toString());
    expect(f.buffered).toBe(0);
  });

  it('joins a message split across chunks, at every possible cut', () => {
    const bytes = Buffer.concat([serialize(invite), serialize(ok)]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const { f, got } = framer();
      f.push(bytes.subarray(0, cut));
      f.push(bytes.subarray(cut));
      expect(got, `cut at ${cut}`).toHaveLength(2);
      expect(Buffer.concat(got).equals(bytes)).toBe(true);
    }
  });

  it('takes a stream fed one byte at a time', () => {
    const bytes = Buffer.concat([serialize(ok), serialize(invite)]);
    const { f, got } = framer();
    for (let i = 0; i < bytes.length; i++) f.push(bytes.subarray(i, i + 1));
    expect(got.map((b) => header(parseMessage(b), 'cseq'))).toEqual(['1 INVITE', '1 INVITE']);
    expect(parseMessage(got[1]!).body.equals(invite.body)).toBe(true);
  });

  it('reads the compact form `l:` and skips CRLFs between messages; a CRLFCRLF is a ping', () => {
    const { f, got, pings } = framer();
    const compact = Buffer.from(
      'SIP/2.0 180 Ringing\r\nv: SIP/2.0/TCP h;branch=z9hG4bK2\r\nl: 3\r\n\r\nabc',
    );
    f.push(Buffer.from('\r\n\r\n'));
    expect(pings()).toBe(1);
    f.push(Buffer.concat([compact, Buffer.from('\r\n'), serialize(ok)]));
    expect(got).toHaveLength(2);
    expect(parseMessage(got[0]!).body.toString()).toBe('abc');
  });

  it('a message without Content-Length has no body', () => {
    const { f, got } = framer();
    f.push(Buffer.from('OPTIONS sip:x SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\nSIP/2.0 200 OK\r\n'));
    expect(got).toHaveLength(1);
    expect(f.buffered).toBeGreaterThan(0); // the next one waits for its blank line
  });

  it('refuses a stream it cannot frame: bad Content-Length, endless headers', () => {
    expect(() =>
      framer().f.push(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: ten\r\n\r\n')),
    ).toThrow(FramingError);
    expect(() =>
      framer().f.push(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 99999999\r\n\r\n')),
    ).toThrow(FramingError);
    const { f } = framer();
    expect(() => f.push(Buffer.alloc(MAX_HEADER_BYTES + 1, 'a'))).toThrow(FramingError);
  });
});

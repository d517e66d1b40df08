import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { RealScheduler } from '../../src/platform/scheduler.ts';
import { Pacer } from '../../src/telephony/sip/media/pacer.ts';
import type { PromptStore } from '../../src/telephony/sip/media/prompts.ts';
import { parseRtp, serializeRtp, type RtpPacket } from '../../src/telephony/sip/media/rtp.ts';
import { RtpSession } from '../../src/telephony/sip/media/session.ts';

/** The RTP session on loopback sockets: what it sends with no prompt, and where it sends it. */
const sockets: Socket[] = [];
let session: RtpSession | undefined;
afterEach(async () => {
  await session?.close();
  for (const s of sockets.splice(0)) s.close();
  session = undefined;
});

async function udp(): Promise<Socket & { got: RtpPacket[]; next(n: number): Promise<void> }> {
  const s = createSocket('udp4');
  sockets.push(s);
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const got: RtpPacket[] = [];
  const waits: { n: number; resolve(): void }[] = [];
  s.on('message', (b) => {
    const p = parseRtp(b);
    if (p) got.push(p);
    for (const w of waits.filter((x) => got.length >= x.n)) {
      waits.splice(waits.indexOf(w), 1);
      w.resolve();
    }
  });
  return Object.assign(s, {
    got,
    /** Resolves once `n` more packets arrived (bounded: 2 s). */
    next: (n: number) =>
      new Promise<void>((resolve, reject) => {
        const w = { n: got.length + n, resolve };
        waits.push(w);
        setTimeout(() => reject(new Error(`fewer than ${n} packets in 2 s`)), 2000).unref();
      }),
  });
}

const addr = (s: Socket) => ({ host: '127.0.0.1', port: s.address().port });

function digitPacket(digit: number, ssrc: number): Buffer {
  const payload = Buffer.from([digit, 0x80 | 10, 0, 160]); // end of event
  return serializeRtp({ marker: true, payloadType: 101, seq: 1, timestamp: 1000, ssrc, payload });
}

function start(ours: Socket, remote: Socket): RtpSession {
  return new RtpSession({
    socket: ours,
    remote: addr(remote),
    dtmfPt: 101,
    pacer: new Pacer(),
    prompts: {} as PromptStore,
    sched: new RealScheduler((e) => console.error(e)),
    signal: { hangup: () => undefined, transfer: () => Promise.reject(new Error('no')) },
  });
}

describe('RTP session: continuous and symmetric RTP', () => {
  it('sends 20 ms frames of PCMU silence while nothing plays, one stream without gaps', async () => {
    const [ours, peer] = [await udp(), await udp()];
    session = start(ours, peer);
    await peer.next(5);
    const p = peer.got.slice(0, 5);
    expect(p.every((x) => x.payloadType === 0 && x.payload.length === 160)).toBe(true);
    expect(p.every((x) => x.payload.every((b) => b === 0xff))).toBe(true); // µ-law silence
    expect(p.map((x) => (x.seq - p[0]!.seq + 65536) % 65536)).toEqual([0, 1, 2, 3, 4]);
    expect(p.map((x) => (x.timestamp - p[0]!.timestamp) >>> 0)).toEqual([0, 160, 320, 480, 640]);
    expect(new Set(p.map((x) => x.ssrc)).size).toBe(1);
  });

  it("latches onto the address the peer's RTP comes from, and ignores other sources then", async () => {
    const [ours, inSdp, actual, intruder] = [await udp(), await udp(), await udp(), await udp()];
    session = start(ours, inSdp);
    await inSdp.next(1);
    // The peer (behind a NAT) sends from another port than its SDP said: a digit, 7.
    actual.send(digitPacket(7, 42), ours.address().port, '127.0.0.1');
    await actual.next(3);
    expect(session.remote).toEqual(addr(actual));
    const before = inSdp.got.length;
    await actual.next(3);
    expect(inSdp.got.length - before).toBeLessThanOrEqual(1); // one may have been in flight
    // Anyone else is ignored: their digit 5 never reaches the flow.
    intruder.send(digitPacket(5, 43), ours.address().port, '127.0.0.1');
    await actual.next(2);
    const r = await session.collect({ max: 2, timeoutMs: 40 });
    expect(r.digits).toBe('7');
    expect(session.remote).toEqual(addr(actual));
  });

  it("a re-INVITE's new address is used at once, and latched again from its first packet", async () => {
    const [ours, first, moved, movedActual] = [await udp(), await udp(), await udp(), await udp()];
    session = start(ours, first);
    first.send(digitPacket(1, 42), ours.address().port, '127.0.0.1'); // latched on `first`
    await first.next(2);
    session.updateRemote(addr(moved));
    await moved.next(2);
    movedActual.send(digitPacket(2, 44), ours.address().port, '127.0.0.1');
    await movedActual.next(2);
    expect(session.remote).toEqual(addr(movedActual));
    expect((await session.collect({ max: 2, timeoutMs: 40 })).digits).toBe('12');
  });
});

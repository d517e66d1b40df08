import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { SipTelephony } from '../../src/telephony/sip/adapter.ts';
import { header, parseMessage } from '../../src/telephony/sip/message.ts';
import type { CallEnd } from '../../src/telephony/port.ts';
import { adapter, PEER } from './sipp.ts';

let tel: SipTelephony | undefined;
let sock: Socket | undefined;
afterEach(async () => {
  await tel?.close();
  sock?.close();
  tel = sock = undefined;
});

/** A trunk that only notes when each INVITE arrived (X-Outbound-Call → ms). */
async function listener(): Promise<{ port: number; arrivals: Map<string, number> }> {
  const arrivals = new Map<string, number>();
  sock = createSocket('udp4');
  sock.on('message', (b) => {
    const m = parseMessage(b);
    if (
      m.kind === 'request' &&
      m.method === 'INVITE' &&
      !arrivals.has(header(m, 'x-outbound-call')!)
    )
      arrivals.set(header(m, 'x-outbound-call')!, Date.now());
  });
  await new Promise<void>((r) => sock!.bind(0, PEER, r));
  return { port: sock.address().port, arrivals };
}

describe("the trunk's calls-per-second limit (trunk.maxCallsPerSec)", () => {
  it('spreads a burst of originates instead of sending every INVITE at once', async () => {
    const peer = await listener();
    tel = await adapter(peer.port, {
      trunk: { host: PEER, port: peer.port, maxCallsPerSec: 100 },
      timers: { t1Ms: 5000 }, // no retransmission during the test
    });
    for (let i = 0; i < 20; i++)
      tel.originate(
        { callId: `c${i}`, from: '1', to: '2', maxRingSec: 30 },
        { answered: () => undefined, ended: () => undefined },
      );
    const deadline = Date.now() + 5000;
    while (peer.arrivals.size < 20 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const at = [...peer.arrivals.values()].sort((a, b) => a - b);
    expect(at).toHaveLength(20);
    // 100/s: one every 10 ms, so the 20th leaves at least 190 ms after the first.
    expect(at.at(-1)! - at[0]!).toBeGreaterThanOrEqual(180);
    // In call order.
    expect([...peer.arrivals.keys()]).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}`));
  });

  it('a call hung up while waiting for its slot ends as abandoned and never reaches the wire', async () => {
    const peer = await listener();
    tel = await adapter(peer.port, {
      trunk: { host: PEER, port: peer.port, maxCallsPerSec: 2 }, // one every 500 ms
      timers: { t1Ms: 5000 },
    });
    const ends = new Map<string, CallEnd>();
    for (const id of ['first', 'second'])
      tel.originate(
        { callId: id, from: '1', to: '2', maxRingSec: 30 },
        { answered: () => undefined, ended: (e) => void ends.set(id, e) },
      );
    const deadline = Date.now() + 3000;
    while (!peer.arrivals.has('first') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    tel.hangup('second');
    expect(ends.get('second')).toMatchObject({ result: 'abandoned' });
    // Its slot comes 500 ms after the first: the call is released then, without an INVITE.
    while (tel.sipCalls > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(tel.sipCalls).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(peer.arrivals.has('second')).toBe(false);
  });
});

import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { SipTelephony } from '../../src/telephony/sip/adapter.ts';
import { adapter, dial, hasSipp, PEER, startSipp, type Sipp } from './sipp.ts';

let tel: SipTelephony | undefined;
let sipp: Sipp | undefined;
afterEach(async () => {
  await tel?.close();
  sipp?.kill();
  tel = sipp = undefined;
});

describe.skipIf(!hasSipp)('sip adapter against sipp: every §6 result SIP can produce', () => {
  it.each([
    [486, 'Busy Here', 'busy'],
    [600, 'Busy Everywhere', 'busy'],
    [404, 'Not Found', 'unallocated'],
    [484, 'Address Incomplete', 'unallocated'],
    [604, 'Does Not Exist Anywhere', 'unallocated'],
    [480, 'Temporarily Unavailable', 'unreachable'],
    [408, 'Request Timeout', 'no_answer'],
    [603, 'Decline', 'rejected'],
    [503, 'Service Unavailable', 'congestion'],
    [502, 'Bad Gateway', 'congestion'],
    [500, 'Server Internal Error', 'congestion'],
    [403, 'Forbidden', 'system_error'],
  ])('%i %s → %s', async (status, reason, result) => {
    sipp = await startSipp('reject', {}, { fill: { status, reason } });
    tel = await adapter(sipp.port);
    const { end } = await dial(tel);
    expect(end.result).toBe(result);
    expect(end.detail).toMatchObject({ sip: status });
    expect(await sipp.exit, sipp.output()).toBe(0); // sipp saw our ACK
  });

  it('ringing past maxRingSec: CANCEL, 487 ACKed → ring_timeout', async () => {
    sipp = await startSipp('ring-cancel');
    tel = await adapter(sipp.port);
    const { end, endedMs } = await dial(tel, { maxRingSec: 1 });
    expect(end.result).toBe('ring_timeout');
    expect(endedMs).toBeGreaterThanOrEqual(990);
    expect(await sipp.exit, sipp.output()).toBe(0);
    expect(tel.liveCalls).toBe(0);
  });

  it('answered, then the callee hangs up: success with customer_hangup', async () => {
    sipp = await startSipp('answer-bye', {}, { fill: { hold: 200 } });
    tel = await adapter(sipp.port);
    const { end, answeredMs, endedMs } = await dial(tel);
    expect(answeredMs).toBeDefined();
    expect(end.result).toBe('success');
    expect(end.detail).toMatchObject({ ending: 'customer_hangup' });
    expect(endedMs - answeredMs!).toBeGreaterThanOrEqual(150);
    expect(await sipp.exit, sipp.output()).toBe(0);
  });

  it('answers a digest challenge with the right password, and gives up on a wrong one', async () => {
    sipp = await startSipp('auth', { password: 's3cret' });
    tel = await adapter(sipp.port, {
      credentials: { username: 'outbound', password: 's3cret' },
      holdSec: 0.1,
    });
    const ok = await dial(tel);
    expect(ok.end.result).toBe('success');
    expect(await sipp.exit, sipp.output()).toBe(0);
    await tel.close();
    sipp = await startSipp('auth', { password: 's3cret' });
    tel = await adapter(sipp.port, { credentials: { username: 'outbound', password: 'wrong' } });
    const bad = await dial(tel);
    expect(bad.end).toMatchObject({
      result: 'system_error',
      detail: { sip: 401, error: 'authentication failed' },
    });
    expect(await sipp.exit, sipp.output()).toBe(0);
  });
});

describe('sip adapter against a silent trunk', () => {
  it('retransmits the INVITE on Timer A and ends as system_error on Timer B', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, PEER, r));
    const arrivals: number[] = [];
    silent.on('message', () => arrivals.push(Date.now()));
    try {
      tel = await adapter(silent.address().port); // T1 = 50 ms: Timer B = 3.2 s
      const { end, endedMs } = await dial(tel);
      expect(end).toMatchObject({ result: 'system_error', detail: { sip: 'timeout' } });
      expect(endedMs).toBeGreaterThanOrEqual(3150);
      // Sent at 0, 50, 150, 350, 750, 1550, 3150 ms: doubling intervals.
      expect(arrivals).toHaveLength(7);
      const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
      expect(gaps.at(-1)! / gaps[0]!).toBeGreaterThan(20);
    } finally {
      silent.close();
    }
  });
});

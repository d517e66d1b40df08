import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RealScheduler } from '../../src/platform/scheduler.ts';
import { SipTelephony } from '../../src/telephony/sip/adapter.ts';
import {
  header,
  parseMessage,
  responseTo,
  serialize,
  type SipRequest,
} from '../../src/telephony/sip/message.ts';
import { newBranch } from '../../src/telephony/sip/stack.ts';
import type { CallEnd } from '../../src/telephony/port.ts';

/**
 * The transaction layer against a scripted peer on a plain UDP socket (no sipp needed), and the
 * traps of the npm `sip` package that our own layer must not have (docs/sip.md).
 */
interface Peer {
  sock: Socket;
  port: number;
  got: SipRequest[];
  next(method: string): Promise<{ req: SipRequest; from: { address: string; port: number } }>;
  reply(
    req: SipRequest,
    from: { address: string; port: number },
    status: number,
    reason: string,
    extra?: [string, string][],
  ): void;
}

async function peer(): Promise<Peer> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const got: SipRequest[] = [];
  const waiters: {
    method: string;
    resolve: (x: { req: SipRequest; from: { address: string; port: number } }) => void;
  }[] = [];
  sock.on('message', (buf, rinfo) => {
    const m = parseMessage(buf);
    if (m.kind !== 'request') return;
    got.push(m);
    const i = waiters.findIndex((w) => w.method === m.method);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve({ req: m, from: rinfo });
  });
  return {
    sock,
    port: sock.address().port,
    got,
    next: (method) => new Promise((resolve) => waiters.push({ method, resolve })),
    reply: (req, from, status, reason, extra = []) =>
      sock.send(
        serialize(responseTo(req, status, reason, extra, 'peer1')),
        from.port,
        from.address,
      ),
  };
}

let tel: SipTelephony | undefined;
let p: Peer | undefined;
afterEach(async () => {
  await tel?.close();
  p?.sock.close();
  tel = p = undefined;
});

async function agent(port: number, t1Ms = 20): Promise<SipTelephony> {
  const t = new SipTelephony({
    scheduler: new RealScheduler(() => undefined),
    config: {
      trunk: { host: '127.0.0.1', port },
      bind: { address: '127.0.0.1' },
      media: { address: '127.0.0.1' },
      timers: { t1Ms },
    },
  });
  await t.start();
  return t;
}

function call(t: SipTelephony, maxRingSec = 10): Promise<CallEnd> {
  return new Promise((resolve) =>
    t.originate(
      { callId: 'x1', from: '+8621', to: '+86138', maxRingSec },
      { answered: () => undefined, ended: resolve },
    ),
  );
}

describe('sip transaction layer', () => {
  it('ACKs a retransmitted final response again but reports it once', async () => {
    p = await peer();
    tel = await agent(p.port);
    const ends: CallEnd[] = [];
    tel.originate(
      { callId: 'x1', from: '1', to: '2', maxRingSec: 10 },
      { answered: () => undefined, ended: (e) => void ends.push(e) },
    );
    const { req, from } = await p.next('INVITE');
    const acks = [p.next('ACK'), p.next('ACK')];
    p.reply(req, from, 503, 'Service Unavailable');
    p.reply(req, from, 503, 'Service Unavailable');
    const [a1, a2] = await Promise.all(acks);
    expect(header(a1!.req, 'cseq')).toBe('1 ACK');
    expect(header(a2!.req, 'via')).toBe(header(req, 'via')); // same transaction, same branch
    expect(ends).toEqual([
      expect.objectContaining({
        result: 'congestion',
        detail: expect.objectContaining({ sip: 503 }),
      }),
    ]);
  });

  it('answers a retransmitted BYE from the callee with the same 200', async () => {
    p = await peer();
    tel = await agent(p.port);
    const ended = new Promise<CallEnd>((resolve) =>
      tel!.originate(
        { callId: 'x2', from: '1', to: '2', maxRingSec: 10 },
        { answered: () => undefined, ended: resolve },
      ),
    );
    const { req, from } = await p.next('INVITE');
    p.reply(req, from, 200, 'OK', [['Contact', `<sip:peer@127.0.0.1:${p.port}>`]]);
    await p.next('ACK');
    const bye: SipRequest = {
      kind: 'request',
      method: 'BYE',
      uri: 'sip:outbound@127.0.0.1',
      body: Buffer.alloc(0),
      headers: [
        ['Via', `SIP/2.0/UDP 127.0.0.1:${p.port};branch=${newBranch()}`],
        ['From', `${header(req, 'to')};tag=peer1`],
        ['To', header(req, 'from')!],
        ['Call-ID', header(req, 'call-id')!],
        ['CSeq', '5 BYE'],
      ],
    };
    const responses: string[] = [];
    p.sock.on('message', (b) => {
      const m = parseMessage(b);
      if (m.kind === 'response') responses.push(`${m.status} ${header(m, 'cseq')}`);
    });
    p.sock.send(serialize(bye), from.port, from.address);
    const end = await ended;
    p.sock.send(serialize(bye), from.port, from.address);
    await new Promise((r) => setTimeout(r, 30));
    expect(end).toMatchObject({ result: 'success', detail: { ending: 'customer_hangup' } });
    expect(responses).toEqual(['200 5 BYE', '200 5 BYE']);
  });

  it('rings past Timer B, reports ring_timeout at maxRingSec, drops a call whose CANCEL is never answered', async () => {
    p = await peer();
    tel = await agent(p.port, 10);
    const t0 = Date.now();
    const ended = call(tel, 1); // Timer B would be 640 ms: it must not end a ringing call
    const { req, from } = await p.next('INVITE');
    p.reply(req, from, 180, 'Ringing');
    const cancel = await p.next('CANCEL');
    expect(header(cancel.req, 'via')).toBe(header(req, 'via'));
    expect(header(cancel.req, 'cseq')).toBe('1 CANCEL');
    expect(await ended).toMatchObject({ result: 'ring_timeout' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
    expect(tel.sipCalls).toBe(1);
    // 64·T1 = 640 ms after the CANCEL the guard has released the call although nothing answered.
    const deadline = Date.now() + 2000;
    while (tel.sipCalls > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(tel.sipCalls).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1600);
  });
});

describe('the npm `sip` package traps, absent here', () => {
  it('refuses a trunk that is our own address instead of faking a 404', async () => {
    const probe = createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r));
    const port = probe.address().port;
    await new Promise<void>((r) => probe.close(() => r()));
    const t = new SipTelephony({
      scheduler: new RealScheduler(() => undefined),
      config: {
        trunk: { host: '127.0.0.1', port },
        bind: { address: '127.0.0.1', port },
        media: { address: '127.0.0.1' },
      },
    });
    await expect(t.start()).rejects.toThrow(/own address/);
  });

  it('makes 128-bit branch ids with the RFC 3261 cookie', () => {
    const ids = new Set(Array.from({ length: 10000 }, () => newBranch()));
    expect(ids.size).toBe(10000);
    for (const b of [...ids].slice(0, 10)) expect(b).toMatch(/^z9hG4bK[0-9a-f]{32}$/);
  });

  it('opens no TCP listener, sizes its UDP buffers and survives socket errors', async () => {
    p = await peer();
    tel = await agent(p.port);
    const port = tel.stack.local.port;
    const refused = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.on('connect', () => (c.destroy(), resolve(false)));
      c.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    const sizes = tel.stack.socketBuffers()!;
    expect(sizes.recv).toBeGreaterThan(200_000);
    // A datagram of garbage is counted, not thrown.
    p.sock.send(Buffer.from('garbage\r\n\r\n'), port, '127.0.0.1');
    const deadline = Date.now() + 1000;
    while (tel.stack.badMessages === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    expect(tel.stack.badMessages).toBe(1);
  });
});

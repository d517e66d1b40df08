import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SipTelephony } from '../../src/telephony/sip/adapter.ts';
import { StreamFramer } from '../../src/telephony/sip/framing.ts';
import {
  header,
  headers,
  parseMessage,
  parseUri,
  parseVia,
  responseTo,
  serialize,
  type SipRequest,
  uriOf,
} from '../../src/telephony/sip/message.ts';
import { newBranch } from '../../src/telephony/sip/stack.ts';
import type { TcpTransport } from '../../src/telephony/sip/tcp.ts';
import { adapter, dial, hasSipp, PEER, startSipp, type Sipp } from './sipp.ts';

let tel: SipTelephony | undefined;
let sipp: Sipp | undefined;
let trunk: ScriptedTrunk | undefined;
afterEach(async () => {
  await tel?.close();
  sipp?.kill();
  await trunk?.close();
  tel = sipp = trunk = undefined;
});

describe.skipIf(!hasSipp)('sip adapter over TCP against sipp (-t t1)', () => {
  it('answered, then the callee hangs up: success with customer_hangup', async () => {
    sipp = await startSipp('answer-bye', {}, { fill: { hold: 200 }, transport: 'tcp' });
    tel = await adapter(sipp.port, {}, 'tcp');
    const { end, answeredMs, endedMs } = await dial(tel);
    expect(answeredMs).toBeDefined();
    expect(end.result).toBe('success');
    expect(end.detail).toMatchObject({ ending: 'customer_hangup' });
    expect(endedMs - answeredMs!).toBeGreaterThanOrEqual(150);
    expect(await sipp.exit, sipp.output()).toBe(0); // sipp got our 200 to its BYE on TCP
    expect((tel.stack.transport as TcpTransport).connects).toBe(1);
  });

  it.each([
    [486, 'Busy Here', 'busy'],
    [503, 'Service Unavailable', 'congestion'],
  ])('%i %s → %s', async (status, reason, result) => {
    sipp = await startSipp('reject', {}, { fill: { status, reason }, transport: 'tcp' });
    tel = await adapter(sipp.port, {}, 'tcp');
    const { end } = await dial(tel);
    expect(end).toMatchObject({ result, detail: { sip: status } });
    expect(await sipp.exit, sipp.output()).toBe(0); // sipp saw our ACK
  });

  it('answers a digest challenge with the right password, and gives up on a wrong one', async () => {
    sipp = await startSipp('auth', { password: 's3cret' }, { transport: 'tcp' });
    tel = await adapter(
      sipp.port,
      { credentials: { username: 'outbound', password: 's3cret' }, holdSec: 0.1 },
      'tcp',
    );
    const ok = await dial(tel);
    expect(ok.end.result).toBe('success');
    expect(await sipp.exit, sipp.output()).toBe(0);
    await tel.close();
    sipp = await startSipp('auth', { password: 's3cret' }, { transport: 'tcp' });
    tel = await adapter(
      sipp.port,
      { credentials: { username: 'outbound', password: 'wrong' } },
      'tcp',
    );
    const bad = await dial(tel);
    expect(bad.end).toMatchObject({
      result: 'system_error',
      detail: { sip: 401, error: 'authentication failed' },
    });
    expect(await sipp.exit, sipp.output()).toBe(0);
  });
});

describe('sip adapter over TCP against a scripted trunk', () => {
  it('sends Via SIP/2.0/TCP, never retransmits, and still ends on Timer B', async () => {
    trunk = await scriptedTrunk();
    tel = await adapter(trunk.port, { timers: { t1Ms: 20 } }, 'tcp'); // Timer B = 1.28 s
    const ended = dial(tel);
    const { req } = await trunk.next('INVITE');
    const via = parseVia(headers(req, 'via')[0]!);
    expect(via).toMatchObject({ transport: 'TCP', host: '127.0.0.1', port: tel.stack.local.port });
    expect(header(req, 'contact')).toContain(';transport=tcp');
    const { end, endedMs } = await ended;
    expect(end).toMatchObject({ result: 'system_error', detail: { sip: 'timeout' } });
    expect(endedMs).toBeGreaterThanOrEqual(1270);
    // On UDP, T1 = 20 ms would have sent it 7 times by now.
    expect(trunk.got.filter((g) => g.req.method === 'INVITE')).toHaveLength(1);
  });

  it('a dropped connection ends its calls as system_error; the next call reconnects', async () => {
    trunk = await scriptedTrunk();
    tel = await adapter(trunk.port, {}, 'tcp');
    // A ringing call and an answered one on the first connection.
    const ringing = dial(tel, { maxRingSec: 20 });
    const r1 = await trunk.next('INVITE');
    trunk.reply(r1, 180, 'Ringing');
    // The answered one runs a flow: what it collected before the drop is kept.
    const flow = {
      nodes: [
        { id: 'set', type: 'assign', variable: 'segment', value: 'gold', next: 'wait' },
        { id: 'wait', type: 'collect', max: 1, timeoutSec: 10 },
      ],
    };
    const answered = dial(tel, { maxRingSec: 20, flow });
    const r2 = await trunk.next('INVITE');
    trunk.reply(r2, 200, 'OK', [['Contact', `<sip:trunk@${PEER}:${trunk.port};transport=tcp>`]]);
    await trunk.next('ACK');
    expect(r2.conn).toBe(r1.conn);
    const t0 = Date.now();
    trunk.drop(r1.conn);
    const [e1, e2] = await Promise.all([ringing, answered]);
    expect(Date.now() - t0).toBeLessThan(1000); // not Timer B, not maxRingSec
    for (const e of [e1, e2])
      expect(e.end).toMatchObject({ result: 'system_error', detail: { sip: 'transport' } });
    expect(e2.answeredMs).toBeDefined();
    expect(e2.end.detail).toMatchObject({
      ending: 'transport_lost',
      path: ['set', 'wait'],
      variables: { segment: 'gold' },
    });
    // The answered call is hung up on a new connection, in case the trunk kept it.
    const bye = await trunk.next('BYE');
    expect(header(bye.req, 'call-id')).toBe(header(r2.req, 'call-id'));
    expect(bye.conn).not.toBe(r1.conn);
    trunk.reply(bye, 200, 'OK');
    // The next call goes out on a fresh connection and gets its real result.
    const next = dial(tel);
    const r3 = await trunk.next('INVITE');
    expect(r3.conn).not.toBe(r1.conn);
    trunk.reply(r3, 486, 'Busy Here');
    expect((await next).end).toMatchObject({ result: 'busy', detail: { sip: 486 } });
    expect(tel.liveCalls).toBe(0);
  });

  it("takes the trunk's own connection to our Contact for a BYE, and answers on it", async () => {
    trunk = await scriptedTrunk();
    tel = await adapter(trunk.port, {}, 'tcp');
    const ended = dial(tel);
    const inv = await trunk.next('INVITE');
    trunk.reply(inv, 200, 'OK', [['Contact', `<sip:trunk@${PEER}:${trunk.port};transport=tcp>`]]);
    await trunk.next('ACK');
    const contact = parseUri(uriOf(header(inv.req, 'contact')!));
    const sock = connect({ host: contact.host, port: contact.port!, localAddress: PEER });
    const responses: string[] = [];
    const framer = new StreamFramer({
      message: (b) => {
        const m = parseMessage(b);
        if (m.kind === 'response') responses.push(`${m.status} ${header(m, 'cseq')}`);
      },
    });
    sock.on('data', (c) => framer.push(c));
    const bye: SipRequest = {
      kind: 'request',
      method: 'BYE',
      uri: uriOf(header(inv.req, 'contact')!),
      body: Buffer.alloc(0),
      headers: [
        ['Via', `SIP/2.0/TCP ${PEER}:${trunk.port};branch=${newBranch()}`],
        ['From', `${header(inv.req, 'to')};tag=trunk1`],
        ['To', header(inv.req, 'from')!],
        ['Call-ID', header(inv.req, 'call-id')!],
        ['CSeq', '7 BYE'],
      ],
    };
    sock.write(serialize(bye));
    const { end } = await ended;
    expect(end).toMatchObject({ result: 'success', detail: { ending: 'customer_hangup' } });
    const deadline = Date.now() + 2000;
    while (responses.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    sock.destroy();
    expect(responses).toEqual(['200 7 BYE']);
  });

  it('a trunk that refuses the connection fails the call at once', async () => {
    trunk = await scriptedTrunk();
    const port = trunk.port;
    await trunk.close();
    trunk = undefined;
    tel = await adapter(port, {}, 'tcp');
    const { end, endedMs } = await dial(tel);
    expect(end).toMatchObject({ result: 'system_error', detail: { sip: 'transport' } });
    expect(end.detail!.error).toMatch(/ECONNREFUSED/);
    expect(endedMs).toBeLessThan(1000);
  });
});

interface Got {
  req: SipRequest;
  /** Index of the connection it came on (0: the first one accepted). */
  conn: number;
}

interface ScriptedTrunk {
  port: number;
  got: Got[];
  next(method: string): Promise<Got>;
  reply(g: Got, status: number, reason: string, extra?: [string, string][]): void;
  drop(conn: number): void;
  close(): Promise<void>;
}

/** A TCP trunk on 127.0.0.2 that hands us each request and answers what the test says. */
async function scriptedTrunk(): Promise<ScriptedTrunk> {
  const conns: Socket[] = [];
  const got: Got[] = [];
  const taken = new Set<Got>();
  const waiters: { method: string; resolve: (g: Got) => void }[] = [];
  const srv: Server = createServer((sock) => {
    const conn = conns.push(sock) - 1;
    const framer = new StreamFramer({
      message: (buf) => {
        const m = parseMessage(buf);
        if (m.kind !== 'request') return;
        const g = { req: m, conn };
        got.push(g);
        const i = waiters.findIndex((w) => w.method === m.method);
        if (i >= 0) {
          taken.add(g);
          waiters.splice(i, 1)[0]!.resolve(g);
        }
      },
    });
    sock.on('data', (c) => framer.push(c));
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, PEER, r));
  return {
    port: (srv.address() as { port: number }).port,
    got,
    next: (method) => {
      const seen = got.find((g) => g.req.method === method && !taken.has(g));
      if (seen) taken.add(seen);
      return seen
        ? Promise.resolve(seen)
        : new Promise((resolve) => waiters.push({ method, resolve }));
    },
    reply: (g, status, reason, extra = []) =>
      conns[g.conn]!.write(serialize(responseTo(g.req, status, reason, extra, 'trunk1'))),
    drop: (conn) => conns[conn]!.destroy(),
    close: async () => {
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

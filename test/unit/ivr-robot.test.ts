import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { robotFlow, withRobotTrustlist } from '../../src/ivr/robot.ts';
import { VirtualScheduler } from '../../src/platform/scheduler.ts';
import type { CallEnd } from '../../src/telephony/port.ts';
import { SimTelephony } from '../../src/telephony/sim/adapter.ts';

/** A tenant's bot on 127.0.0.1: asks for an account number, then transfers or hangs up. */
let server: Server;
let base = '';
/** The robot's loopback address is trustlisted, as an administrator would approve it. */
let trust: { trustlist: string[] } = { trustlist: [] };
const seen: any[] = [];

async function body(req: IncomingMessage): Promise<any> {
  let s = '';
  for await (const c of req) s += c;
  return JSON.parse(s);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void body(req).then((ev) => {
      seen.push({ path: req.url, ...ev });
      const reply = (x: unknown, status = 200) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(x));
      };
      if (req.url === '/broken') return reply({ actions: [{ type: 'dance' }] });
      if (req.url === '/down') return reply({ error: 'x' }, 503);
      if (req.url === '/teapot') return reply({ error: 'x' }, 418);
      if (req.url === '/moved') {
        res.writeHead(307, { location: `${base}/bot` });
        return res.end();
      }
      if (req.url === '/slow') return; // never answers
      // Asks for a key, then fails on the next turn.
      if (req.url === '/dies' && ev.event.type !== 'answered') return reply({ error: 'x' }, 500);
      const e = ev.event;
      if (e.type === 'answered')
        return reply({
          actions: [
            { type: 'say', text: 'Your account number, then hash' },
            { type: 'collect', max: 6, terminator: '#', timeoutSec: 3 },
          ],
        });
      if (e.type === 'digits' && e.digits === '1234')
        return reply({
          actions: [
            { type: 'say', text: 'Thanks' },
            { type: 'transfer', skillQueue: 'billing' },
          ],
          variables: { account: e.digits },
        });
      if (e.type === 'silence')
        return reply({ actions: [{ type: 'say', text: 'Bye' }, { type: 'hangup' }] });
      if (e.type === 'digits')
        return reply({
          actions: [
            { type: 'say', text: 'Unknown, again' },
            { type: 'collect', max: 6, terminator: '#', timeoutSec: 3 },
          ],
        });
      return reply({ actions: [] });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  trust = { trustlist: [`${base}/`] };
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

async function call(
  flow: Record<string, unknown>,
  digits: string,
  callData?: unknown,
): Promise<CallEnd> {
  const T0 = Date.parse('2026-11-23T09:00:00Z');
  const sched = new VirtualScheduler(T0);
  const tel = new SimTelephony(sched, {
    default: { result: 'success', ringSec: 1, talkSec: 120, digits },
  });
  const ended = new Promise<CallEnd>((resolve) =>
    tel.originate(
      { callId: `r-${seen.length}`, from: '+8621', to: '+86138', maxRingSec: 20, flow, callData },
      { answered: () => undefined, ended: resolve },
    ),
  );
  await sched.runUntil(T0 + 3600_000);
  return ended;
}

describe('the robot over HTTP (outbound-robot/1)', () => {
  it('runs turn by turn: answered, wrong digits, right digits, then transfers', async () => {
    seen.length = 0;
    const end = await call(robotFlow(`${base}/bot`, trust), '99#1234#');
    expect(end.result).toBe('success');
    expect(end.digits).toBe('991234');
    expect(end.detail).toMatchObject({
      ending: 'transferred',
      transfer: { target: { skillQueue: 'billing' }, ok: true },
      robot: { turns: 3 },
      variables: { account: '1234' },
    });
    expect(seen.map((s) => s.event)).toEqual([
      { type: 'answered' },
      { type: 'digits', digits: '99', reason: 'terminator' },
      { type: 'digits', digits: '1234', reason: 'terminator' },
    ]);
    expect(seen[0]).toMatchObject({
      protocol: 'outbound-robot/1',
      turn: 1,
      from: '+8621',
      to: '+86138',
    });
  });

  it('reports silence and obeys hangup', async () => {
    seen.length = 0;
    const end = await call(robotFlow(`${base}/bot`, trust), '');
    expect(seen.map((s) => s.event.type)).toEqual(['answered', 'silence']);
    expect(end.detail).toMatchObject({ ending: 'flow_end', robot: { turns: 2, hangup: true } });
  });

  it('falls through to the skill queue of the call data when the robot answers nonsense', async () => {
    const end = await call(robotFlow(`${base}/broken`, { skillQueue: 'default-q', ...trust }), '', {
      SkillQueueName: 'vip-care',
    });
    expect(end.result).toBe('success');
    expect(end.detail).toMatchObject({
      ending: 'transferred',
      transfer: { target: { skillQueue: 'vip-care' } },
    });
    expect((end.detail as any).robot.error).toMatch(/invalid at \/actions\/0/);
    // A redirect is not followed (it could lead past the address policy): it is a bad answer.
    seen.length = 0;
    const moved = await call(robotFlow(`${base}/moved`, { skillQueue: 'default-q', ...trust }), '');
    expect(moved.detail).toMatchObject({ robot: { error: 'robot answered HTTP 307' } });
    expect(seen.map((s: { path: string }) => s.path)).toEqual(['/moved']);
    const teapot = await call(
      robotFlow(`${base}/teapot`, { skillQueue: 'default-q', ...trust }),
      '',
    );
    expect(teapot.detail).toMatchObject({
      transfer: { target: { skillQueue: 'default-q' } },
      robot: { error: 'robot answered HTTP 418' },
    });
  });
});

describe('a robot that cannot be reached ends the call as system_error (retryable)', () => {
  const unreachable = async (flow: Record<string, unknown>, why: RegExp) => {
    seen.length = 0;
    const end = await call(flow, '1#');
    expect(end.result).toBe('system_error');
    expect(end.detail).toMatchObject({ ending: 'error', error: expect.stringMatching(why) });
    // Not transferred: the skill queue after the robot never ran.
    expect((end.detail as any).transfer).toBeUndefined();
    return end;
  };

  it('5xx', async () => {
    await unreachable(
      robotFlow(`${base}/down`, { skillQueue: 'default-q', ...trust }),
      /^robot unreachable: it answered HTTP 503$/,
    );
    expect(seen).toHaveLength(1);
  });

  it('connection refused', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await unreachable(
      robotFlow(`http://127.0.0.1:${port}/bot`, { trustlist: [`http://127.0.0.1:${port}/`] }),
      /robot unreachable at http:\/\/127\.0\.0\.1:\d+\/bot: ECONNREFUSED/,
    );
  });

  it('timeout', async () => {
    const flow = robotFlow(`${base}/slow`, trust);
    (flow.nodes[0] as { timeoutSec?: number }).timeoutSec = 0.1;
    await unreachable(flow, /robot unreachable at .*\/slow: timed out/);
  });

  it('keeps the turns and digits collected before the robot failed', async () => {
    const end = await unreachable(
      robotFlow(`${base}/dies`, trust),
      /^robot unreachable: it answered HTTP 500$/,
    );
    expect(end.digits).toBe('1');
    expect(end.detail).toMatchObject({ robot: { turns: 2, digits: '1' } });
  });

  it('an endpoint the trustlist does not approve is never called (checked before each request)', async () => {
    await unreachable(robotFlow(`${base}/bot`), /robot endpoint refused: .*approved trustlist/);
    await unreachable(
      robotFlow(`${base}/bot`, { trustlist: ['https://crm.example.com/'] }),
      /approved trustlist/,
    );
    expect(seen).toEqual([]);
  });
});

describe('the engine stamps the tenant trustlist on the flow it runs', () => {
  it('replaces whatever trustlist a document carries, on every robot node', () => {
    const flow = {
      nodes: [
        { id: 'a', type: 'play', prompt: { text: 'hi' }, next: 'b' },
        { id: 'b', type: 'robot', endpoint: 'https://crm.example.com/r', trustlist: ['x'] },
      ],
    };
    expect(withRobotTrustlist(flow, ['https://crm.example.com/']).nodes).toEqual([
      flow.nodes[0],
      { ...flow.nodes[1], trustlist: ['https://crm.example.com/'] },
    ]);
  });
});

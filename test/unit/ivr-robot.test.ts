import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { robotFlow } from '../../src/ivr/robot.ts';
import { VirtualScheduler } from '../../src/platform/scheduler.ts';
import type { CallEnd } from '../../src/telephony/port.ts';
import { SimTelephony } from '../../src/telephony/sim/adapter.ts';

/** A tenant's bot on 127.0.0.1: asks for an account number, then transfers or hangs up. */
let server: Server;
let base = '';
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
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

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
    const end = await call(robotFlow(`${base}/bot`), '99#1234#');
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
    const end = await call(robotFlow(`${base}/bot`), '');
    expect(seen.map((s) => s.event.type)).toEqual(['answered', 'silence']);
    expect(end.detail).toMatchObject({ ending: 'flow_end', robot: { turns: 2, hangup: true } });
  });

  it('falls through to the skill queue of the call data when the robot fails', async () => {
    const end = await call(robotFlow(`${base}/broken`, { skillQueue: 'default-q' }), '', {
      SkillQueueName: 'vip-care',
    });
    expect(end.detail).toMatchObject({
      ending: 'transferred',
      transfer: { target: { skillQueue: 'vip-care' } },
    });
    expect((end.detail as any).robot.error).toMatch(/invalid at \/actions\/0/);
    const down = await call(robotFlow(`${base}/down`, { skillQueue: 'default-q' }), '');
    expect(down.detail).toMatchObject({
      transfer: { target: { skillQueue: 'default-q' } },
      robot: { error: 'robot answered HTTP 503' },
    });
  });
});

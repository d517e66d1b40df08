import { describe, expect, it } from 'vitest';
import type { FlowDocument } from '../../src/ivr/flow.ts';
import { VirtualScheduler } from '../../src/platform/scheduler.ts';
import type { CallEnd } from '../../src/telephony/port.ts';
import type { Outcome } from '../../src/telephony/sim/network.ts';
import { SimTelephony } from '../../src/telephony/sim/adapter.ts';

/**
 * The sim's scripted callees (keys at given times, an answering machine) and what a call keeps
 * when it is stopped mid-flow: by the engine, by the callee, by a flow that fails.
 */
const T0 = Date.parse('2026-11-23T09:00:00Z');
const ANSWER = T0 + 2000;

function place(flow: Record<string, unknown>, outcome: Partial<Outcome>) {
  const sched = new VirtualScheduler(T0);
  const tel = new SimTelephony(sched, {
    default: { result: 'success', ringSec: 2, talkSec: 60, ...outcome },
  });
  const ends: CallEnd[] = [];
  tel.originate(
    { callId: 'c1', from: '+8621', to: '+8613800000001', maxRingSec: 20, flow },
    { answered: () => undefined, ended: (e) => void ends.push(e) },
  );
  return { sched, tel, ends };
}

const account: FlowDocument = {
  nodes: [
    { id: 'acct', type: 'collect', max: 4, terminator: '#', timeoutSec: 3, next: 'wait' },
    { id: 'wait', type: 'play', prompt: { file: 'hold.wav' }, bargeIn: false, next: 'wait' },
  ],
};

describe('scripted sim callees', () => {
  it('presses timed keys, buffering one pressed while nobody listens', async () => {
    const flow: FlowDocument = {
      nodes: [
        { id: 'intro', type: 'play', prompt: { file: 'intro.wav' }, bargeIn: false, next: 'ask' },
        { id: 'ask', type: 'collect', max: 2, timeoutSec: 5 },
      ],
    };
    const { sched, ends } = place(flow, {
      keys: [
        { atSec: 1, digits: '3' },
        { atSec: 4.5, digits: '8' },
      ],
    });
    await sched.runUntil(T0 + 600_000);
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ result: 'success', digits: '38' });
    // The second key completes the collect the moment it is pressed.
    expect(ends[0]!.at.getTime()).toBe(ANSWER + 4500);
  });

  it('says nothing when it has no keys: every collect times out', async () => {
    const { sched, ends } = place(account, { talkSec: 20 });
    await sched.runUntil(T0 + 600_000);
    expect(ends[0]!.detail).toMatchObject({ ending: 'customer_hangup', variables: { acct: '' } });
    expect(ends[0]!.digits).toBeUndefined();
    expect(ends[0]!.at.getTime()).toBe(ANSWER + 20_000);
  });

  it('answers with a machine greeting: detected when it ends, the flow so far kept', async () => {
    const { sched, ends } = place(account, { machine: { greetingSec: 4 }, digits: '1#' });
    await sched.runUntil(T0 + 600_000);
    expect(ends).toHaveLength(1);
    expect(ends[0]!.result).toBe('answering_machine');
    expect(ends[0]!.detail).toMatchObject({
      amd: 'machine',
      ending: 'answering_machine',
      path: ['acct', 'wait'],
    });
    expect(ends[0]!.digits).toBeUndefined();
    expect(ends[0]!.at.getTime()).toBe(ANSWER + 4000);
  });

  it('answers with a machine greeting on the empty flow too', async () => {
    const { sched, ends } = place({}, { machine: { greetingSec: 6 } });
    await sched.runUntil(T0 + 600_000);
    expect(ends[0]).toMatchObject({ result: 'answering_machine', detail: { amd: 'machine' } });
    expect(ends[0]!.at.getTime()).toBe(ANSWER + 6000);
  });
});

describe('a call stopped mid-flow keeps what it collected', () => {
  it('when the engine hangs up', async () => {
    const { sched, tel, ends } = place(account, { digits: '12#' });
    await sched.runUntil(ANSWER + 5000);
    tel.hangup('c1');
    await tel.close();
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ result: 'success', digits: '12' });
    expect(ends[0]!.detail).toMatchObject({
      ending: 'engine_hangup',
      variables: { acct: '12' },
    });
    expect((ends[0]!.detail!.path as string[]).slice(0, 2)).toEqual(['acct', 'wait']);
    expect(ends[0]!.at.getTime()).toBe(ANSWER + 5000);
    expect(tel.liveCalls).toBe(0);
  });

  it('when the adapter closes (shutdown) during a flow', async () => {
    const { sched, tel, ends } = place(account, { digits: '7#' });
    await sched.runUntil(ANSWER + 5000);
    await tel.close();
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ digits: '7', detail: { ending: 'engine_hangup' } });
  });

  it('when the flow fails: system_error with the error and the digits so far', async () => {
    const loop: FlowDocument = {
      nodes: [
        { id: 'pin', type: 'collect', max: 1, variable: 'pin', next: 'again' },
        { id: 'again', type: 'assign', variable: 'x', value: '1', next: 'back' },
        { id: 'back', type: 'branch', variable: 'x', cases: [{ equals: '1', next: 'again' }] },
      ],
    };
    const { sched, ends } = place(loop, { digits: '5' });
    await sched.runUntil(T0 + 600_000);
    expect(ends[0]).toMatchObject({ result: 'system_error', digits: '5' });
    expect(ends[0]!.detail).toMatchObject({
      ending: 'error',
      error: expect.stringContaining('steps without ending'),
      variables: { pin: '5' },
    });
  });
});

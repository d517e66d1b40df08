import { describe, expect, it } from 'vitest';
import type { FlowDocument } from '../../src/ivr/flow.ts';
import { VirtualScheduler } from '../../src/platform/scheduler.ts';
import type { CallEnd } from '../../src/telephony/port.ts';
import type { Outcome } from '../../src/telephony/sim/network.ts';
import { SimTelephony } from '../../src/telephony/sim/adapter.ts';

const T0 = Date.parse('2026-11-23T09:00:00Z');

/** Places one sim call running `flow` against a callee behaving as `outcome`; returns its end. */
async function call(flow: Record<string, unknown>, outcome: Partial<Outcome>, callData?: unknown) {
  const sched = new VirtualScheduler(T0);
  const tel = new SimTelephony(sched, {
    default: { result: 'success', ringSec: 2, talkSec: 60, ...outcome },
  });
  let answeredAt: Date | undefined;
  let end: CallEnd | undefined;
  tel.originate(
    { callId: 'c1', from: '+8621', to: '+8613800000001', maxRingSec: 20, flow, callData },
    { answered: (at) => void (answeredAt = at), ended: (e) => void (end = e) },
  );
  await sched.runUntil(T0 + 3600_000);
  return { end: end!, answeredAt: answeredAt!, tel };
}

const menu: FlowDocument = {
  nodes: [
    {
      id: 'hello',
      type: 'play',
      prompt: { text: 'Hello, this is a notice about your order.' },
      next: 'menu',
    },
    {
      id: 'menu',
      type: 'collect',
      prompt: { text: 'Press 1 for sales, 2 for care' },
      max: 1,
      timeoutSec: 4,
      variable: 'choice',
      next: 'route',
    },
    {
      id: 'route',
      type: 'branch',
      variable: 'choice',
      cases: [
        { equals: '1', next: 'sales' },
        { equals: '2', next: 'queue' },
      ],
      default: 'bye',
    },
    { id: 'sales', type: 'transfer', target: { number: '+862100000001' } },
    {
      id: 'queue',
      type: 'assign',
      variable: 'SkillQueueName',
      fromCallData: 'SkillQueueName',
      next: 'xfer',
    },
    { id: 'xfer', type: 'transfer', target: { skillQueue: '${SkillQueueName}' }, next: 'bye' },
    { id: 'bye', type: 'hangup', prompt: { text: 'Goodbye' } },
  ],
};

describe('the flow interpreter on the sim adapter', () => {
  it('collects a digit with barge-in and transfers to the skill queue from the call data', async () => {
    const { end } = await call(menu, { digits: '2' }, { SkillQueueName: 'vip-care' });
    expect(end.result).toBe('success');
    expect(end.digits).toBe('2');
    expect(end.detail).toMatchObject({
      ending: 'transferred',
      path: ['hello', 'menu', 'route', 'queue', 'xfer'],
      variables: { choice: '2', SkillQueueName: 'vip-care' },
      transfer: { target: { skillQueue: 'vip-care' }, ok: true },
    });
    // The key barged into the first prompt (which has barge-in by default), 0.5 s in.
    expect(end.at.getTime()).toBe(T0 + 2000 + 500);
  });

  it('times out a collect when the callee presses nothing, then hangs up after the goodbye', async () => {
    const { end } = await call(menu, {});
    expect(end.detail).toMatchObject({
      ending: 'flow_end',
      path: ['hello', 'menu', 'route', 'bye'],
    });
    expect(end.digits).toBeUndefined();
    // 2 s ring, two prompts at 70 ms a character, the 4 s timeout, 'Goodbye' (1 s at least).
    const chars =
      'Hello, this is a notice about your order.'.length + 'Press 1 for sales, 2 for care'.length;
    expect(end.at.getTime()).toBe(T0 + 2000 + chars * 70 + 4000 + 1000);
  });

  it('asks the questionnaire, retrying an answer that is not allowed', async () => {
    const flow: FlowDocument = {
      nodes: [
        {
          id: 'survey',
          type: 'questionnaire',
          questions: [
            {
              id: 'satisfied',
              prompt: { text: 'Satisfied? 1 yes, 2 no' },
              answers: ['1', '2'],
              retries: 1,
            },
            { id: 'score', prompt: { text: 'Score 0 to 9' } },
          ],
        },
      ],
    };
    const { end } = await call(flow, { digits: '717' });
    expect(end.detail).toMatchObject({
      answers: [
        { questionId: 'satisfied', label: 'Satisfied? 1 yes, 2 no', answer: '1' },
        { questionId: 'score', label: 'Score 0 to 9', answer: '7' },
      ],
      ending: 'flow_end',
    });
    expect(end.digits).toBe('17');
  });

  it('stops at a terminator and ends as customer_hangup when the callee hangs up mid-flow', async () => {
    const flow: FlowDocument = {
      nodes: [
        { id: 'acct', type: 'collect', max: 8, terminator: '#', timeoutSec: 3, next: 'wait' },
        { id: 'wait', type: 'play', prompt: { file: 'long.wav' }, bargeIn: false, next: 'wait' },
      ],
    };
    const { end, answeredAt } = await call(flow, { digits: '42#9', talkSec: 10 });
    expect(end.result).toBe('success');
    expect(end.digits).toBe('42');
    expect(end.detail).toMatchObject({ ending: 'customer_hangup', variables: { acct: '42' } });
    expect(end.at.getTime()).toBe(answeredAt.getTime() + 10_000);
  });

  it('keeps the empty flow as before, and ends a broken document cleanly', async () => {
    const held = await call({}, { talkSec: 30, digits: '5' });
    expect(held.end).toMatchObject({ result: 'success', digits: '5' });
    expect(held.end.at.getTime() - held.answeredAt.getTime()).toBe(30_000);
    const broken = await call({ nodes: [{ id: 'x', type: 'nope' }] }, {});
    expect(broken.end.result).toBe('system_error');
    expect(broken.end.detail).toMatchObject({ ending: 'error', error: 'invalid flow document' });
  });

  it('keeps an answering-machine result and ends early when the engine hangs up', async () => {
    const am = await call(menu, { result: 'answering_machine' });
    expect(am.end.result).toBe('answering_machine');
    const sched = new VirtualScheduler(T0);
    const tel = new SimTelephony(sched, {
      default: { result: 'success', ringSec: 1, talkSec: 60 },
    });
    const ends: CallEnd[] = [];
    tel.originate(
      { callId: 'c2', from: '1', to: '2', maxRingSec: 20, flow: menu },
      { answered: () => undefined, ended: (e) => void ends.push(e) },
    );
    await sched.runUntil(T0 + 2000);
    tel.hangup('c2');
    await sched.runUntil(T0 + 600_000);
    expect(ends).toHaveLength(1);
    expect(tel.liveCalls).toBe(0);
  });
});

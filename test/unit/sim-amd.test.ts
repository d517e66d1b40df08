import { describe, expect, it } from 'vitest';
import type { Amd } from '../../src/domain/task-config.ts';
import { VirtualScheduler } from '../../src/platform/scheduler.ts';
import type { CallEnd } from '../../src/telephony/port.ts';
import { SimTelephony } from '../../src/telephony/sim/adapter.ts';
import type { Outcome } from '../../src/telephony/sim/network.ts';

/**
 * The sim's answering machines and people go through the sip adapter's AMD detector when the task
 * enables AMD: the decision, its reason and timings are the detector's, and thresholds matter.
 */
const T0 = Date.parse('2026-11-23T09:00:00Z');
const ANSWER = T0 + 2000;
const flow = { nodes: [{ id: 'hi', type: 'play', prompt: { text: 'Hello there.' } }] };

async function place(outcome: Partial<Outcome>, amd: Amd) {
  const sched = new VirtualScheduler(T0);
  const tel = new SimTelephony(sched, {
    default: { result: 'success', ringSec: 2, talkSec: 30, ...outcome },
  });
  const ends: CallEnd[] = [];
  tel.originate(
    { callId: 'c1', from: '+8621', to: '+8613800000001', maxRingSec: 20, flow, amd },
    { answered: () => undefined, ended: (e) => void ends.push(e) },
  );
  await sched.runUntil(T0 + 600_000);
  expect(ends).toHaveLength(1);
  return ends[0]!;
}

describe('AMD on the sim network', () => {
  it('a 10 s voicemail greeting is a machine by its words, hung up on before it ends', async () => {
    const end = await place({ machine: { greetingSec: 10 } }, { enabled: true, action: 'hangup' });
    expect(end).toMatchObject({
      result: 'answering_machine',
      detail: {
        ending: 'answering_machine',
        amd: { decision: 'machine', reason: 'max_words', action: 'hangup' },
      },
    });
    const amd = (end.detail as { amd: { analysisMs: number } }).amd;
    expect(end.at.getTime()).toBe(ANSWER + amd.analysisMs);
    expect(amd.analysisMs).toBeLessThan(3000);
  });

  it('a person saying one word is a human: the flow runs after the decision', async () => {
    const end = await place({}, { enabled: true, action: 'hangup' });
    expect(end).toMatchObject({
      result: 'success',
      detail: {
        ending: 'flow_end',
        path: ['hi'],
        amd: { decision: 'human', reason: 'after_greeting_silence', words: 1 },
      },
    });
  });

  it('thresholds count: allowing 20 words lets a short greeting through as a human, which then records the flow', async () => {
    const end = await place(
      { machine: { greetingSec: 1.2 } },
      { enabled: true, action: 'hangup', thresholds: { maxWords: 20, greetingMs: 5000 } },
    );
    expect(end).toMatchObject({
      result: 'success',
      detail: { path: ['hi'], amd: { decision: 'human' } },
    });
  });

  it('leave_message ends after the greeting, a second of silence and the message', async () => {
    const end = await place(
      { machine: { greetingSec: 6 } },
      { enabled: true, action: 'leave_message', messagePrompt: { text: 'Please call us back.' } },
    );
    expect(end).toMatchObject({
      result: 'answering_machine',
      detail: { amd: { decision: 'machine', message: 'left' } },
    });
    // 6 s greeting + 1 s silence + 20 characters at 70 ms (at least 1 s).
    expect(end.at.getTime()).toBe(ANSWER + 7000 + 1400);
  });
});

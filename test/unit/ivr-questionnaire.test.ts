import { describe, expect, it } from 'vitest';
import type { Questionnaire } from '../../src/domain/resources.ts';
import { validateFlowDocument, type FlowDocument } from '../../src/ivr/flow.ts';
import { withQuestionnaire } from '../../src/ivr/questionnaire.ts';
import { VirtualScheduler } from '../../src/platform/scheduler.ts';
import type { CallEnd } from '../../src/telephony/port.ts';
import type { Outcome } from '../../src/telephony/sim/network.ts';
import { SimTelephony } from '../../src/telephony/sim/adapter.ts';

/** A task's questionnaire asked in its flow, on the sim: where it is asked and what is kept. */
const T0 = Date.parse('2026-11-23T09:00:00Z');
const ANSWER = T0 + 2000;

const SURVEY: Questionnaire = {
  id: 'q-sat',
  name: 'Satisfaction',
  ouId: null,
  kind: 'ivr',
  questions: [
    {
      id: 'satisfied',
      text: 'Were you satisfied? Press 1 for yes, 2 for no.',
      label: 'Satisfied',
      answers: [
        { key: '1', label: 'Yes' },
        { key: '2', label: 'No' },
      ],
      retries: 1,
      timeoutSec: 4,
    },
    {
      id: 'score',
      text: 'Your score, 0 to 9.',
      answers: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    },
  ],
};

async function run(flow: Record<string, unknown>, outcome: Partial<Outcome>) {
  expect(validateFlowDocument(flow)).toEqual([]);
  const sched = new VirtualScheduler(T0);
  const tel = new SimTelephony(sched, {
    default: { result: 'success', ringSec: 2, talkSec: 120, ...outcome },
  });
  let end: CallEnd | undefined;
  tel.originate(
    { callId: 'c1', from: '+8621', to: '+8613800000001', maxRingSec: 20, flow },
    { answered: () => undefined, ended: (e) => void (end = e) },
  );
  await sched.runUntil(T0 + 3600_000);
  return end!;
}

describe("a task's questionnaire in its flow", () => {
  it('is the whole flow of an empty one: retries a wrong key, labels each answer', async () => {
    const end = await run(withQuestionnaire({}, SURVEY), { digits: '917' });
    expect(end.detail).toMatchObject({
      ending: 'flow_end',
      answers: [
        { questionId: 'satisfied', label: 'Satisfied', answer: '1', answerLabel: 'Yes' },
        { questionId: 'score', label: 'Your score, 0 to 9.', answer: '7' },
      ],
    });
  });

  it('leaves out a question nobody answers, after its retries', async () => {
    const end = await run(withQuestionnaire({}, SURVEY), { keys: [{ atSec: 16, digits: '4' }] });
    const answers = (end.detail as { answers: unknown[] }).answers;
    expect(answers).toEqual([{ questionId: 'score', label: 'Your score, 0 to 9.', answer: '4' }]);
  });

  const notice: FlowDocument = {
    nodes: [
      { id: 'notice', type: 'play', prompt: { file: 'notice.wav' }, next: 'bye' },
      { id: 'bye', type: 'hangup', prompt: { file: 'goodbye.wav' } },
    ],
  };

  it('is asked before the closing prompt of a flow without a questionnaire node; a hang-up during it keeps the answers', async () => {
    const flow = withQuestionnaire(notice as unknown as Record<string, unknown>, SURVEY);
    // notice.wav (3 s), two questions answered by keys at 4 s and 9 s, then goodbye.wav: the
    // callee hangs up 1 s into the goodbye.
    const end = await run(flow, {
      keys: [
        { atSec: 4, digits: '2' },
        { atSec: 9, digits: '8' },
      ],
      talkSec: 10,
    });
    expect(end.result).toBe('success');
    expect(end.digits).toBe('28');
    expect(end.detail).toMatchObject({
      ending: 'customer_hangup',
      path: ['notice', 'bye', 'bye.hangup'],
      answers: [
        { questionId: 'satisfied', answer: '2', answerLabel: 'No' },
        { questionId: 'score', answer: '8' },
      ],
    });
    expect(end.at.getTime()).toBe(ANSWER + 10_000);
    // The shared flow document is not changed.
    expect(notice.nodes.map((n) => n.id)).toEqual(['notice', 'bye']);
  });

  it("fills the flow's own questionnaire node, and is asked after a node that leads nowhere", async () => {
    const own = withQuestionnaire(
      {
        nodes: [
          { id: 'ask', type: 'questionnaire', next: 'thanks' },
          { id: 'thanks', type: 'play', prompt: { file: 'thanks.wav' } },
        ],
      },
      SURVEY,
    );
    const a = await run(own, { digits: '15' });
    expect(a.detail).toMatchObject({ path: ['ask', 'thanks'], answers: [{}, {}] });
    const open = withQuestionnaire(
      { nodes: [{ id: 'info', type: 'play', prompt: { file: 'info.wav' } }] },
      SURVEY,
    );
    const b = await run(open, { digits: '15' });
    expect(b.detail).toMatchObject({ path: ['info', 'questionnaire'], answers: [{}, {}] });
  });

  it('is not asked once the call was transferred', async () => {
    const flow = withQuestionnaire(
      { nodes: [{ id: 'agent', type: 'transfer', target: { skillQueue: 'care' } }] },
      SURVEY,
    );
    const end = await run(flow, { digits: '15' });
    expect(end.detail).toMatchObject({ ending: 'transferred', path: ['agent'] });
    expect(end.detail!.answers).toBeUndefined();
  });
});

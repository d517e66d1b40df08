import { describe, expect, it } from 'vitest';
import { validateDialogue } from '../../src/ivr/dialogue.ts';
import { matchIntent } from '../../src/ivr/recogniser.ts';
import { VirtualScheduler } from '../../src/platform/scheduler.ts';
import type { CallEnd } from '../../src/telephony/port.ts';
import { SimTelephony } from '../../src/telephony/sim/adapter.ts';
import { parseOutput, upsample } from '../../src/telephony/sip/media/pocketsphinx.ts';
import { renewal } from '../helpers/speech-dialogue.ts';

/** The speech robot's dialogue: its validation, and its logic against the sim's talking callees. */
const T0 = Date.parse('2026-11-23T09:00:00Z');

function call(says: string[], skillQueue = 'sales') {
  const sched = new VirtualScheduler(T0);
  const tel = new SimTelephony(sched, {
    default: { result: 'success', ringSec: 2, talkSec: 120, says },
  });
  const ends: CallEnd[] = [];
  const flow = {
    nodes: [
      { id: 'robot', type: 'speech', dialogue: renewal, skillQueue, next: 'end' },
      { id: 'end', type: 'hangup' },
    ],
  };
  tel.originate(
    { callId: 'c1', from: '+8621', to: '+8613800000001', maxRingSec: 20, flow },
    { answered: () => undefined, ended: (e) => void ends.push(e) },
  );
  return { sched, ends };
}

async function ended(says: string[]) {
  const { sched, ends } = call(says);
  await sched.runUntil(T0 + 600_000);
  expect(ends).toHaveLength(1);
  return ends[0]!;
}

describe('speech dialogue documents', () => {
  it('is valid as the tests use it', () => {
    expect(validateDialogue(renewal)).toEqual([]);
  });

  it('names every bad field at once, with its path', () => {
    const errors = validateDialogue({
      start: 'nowhere',
      steps: [
        {
          id: 'ask',
          type: 'listen',
          intents: [
            { name: 'yes', phrases: ['yes', 'Yes!'], next: 'gone' },
            { name: 'yes', phrases: ['ok 2'] },
          ],
          noMatch: 'missing',
        },
        { id: 'ask', type: 'say' },
        { id: 'x', type: 'dance' },
      ],
    });
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: '/start', message: "no step has id 'nowhere'" },
        { path: '/steps/1/id', message: "'ask' is already the id of step 0" },
        { path: '/steps/1/prompt', message: expect.stringContaining('required') },
        { path: '/steps/2/type', message: expect.stringContaining('"listen"') },
        { path: '/steps/0/intents/1/phrases/0', message: expect.any(String) },
      ]),
    );
    const ok = validateDialogue({
      steps: [
        {
          id: 'ask',
          type: 'listen',
          intents: [
            { name: 'yes', phrases: ['yes', 'Yes'], next: 'gone' },
            { name: 'yes', phrases: ['sure'] },
          ],
          noMatch: 'missing',
        },
      ],
    });
    expect(ok).toEqual(
      expect.arrayContaining([
        { path: '/steps/0/noMatch', message: "no step has id 'missing'" },
        { path: '/steps/0/intents/0/next', message: "no step has id 'gone'" },
        {
          path: '/steps/0/intents/0/phrases/1',
          message: "'Yes' is already a phrase of intent 'yes'",
        },
        { path: '/steps/0/intents/1/name', message: "'yes' is listed twice" },
      ]),
    );
  });

  it('matches the longest phrase said, as whole words', () => {
    const intents = (renewal.steps[0] as { intents: Parameters<typeof matchIntent>[1] }).intents;
    expect(matchIntent('Yes, I want to talk to a person', intents)?.intent.name).toBe('agent');
    expect(matchIntent('yesterday', intents)).toBeUndefined();
    expect(matchIntent('well no thanks', intents)?.intent.name).toBe('no');
  });
});

describe('a speech robot on the sim', () => {
  it('hears "yes please": the intent is the business result, the turn is kept', async () => {
    const end = await ended(['Yes please']);
    expect(end.result).toBe('success');
    expect(end.detail).toMatchObject({
      ending: 'flow_end',
      businessResult: { code: 'yes' },
      variables: { answer: 'yes' },
      speech: {
        intent: 'yes',
        path: ['ask', 'record', 'thanks'],
        turns: [{ step: 'ask', try: 1, outcome: 'match', transcript: 'yes please', intent: 'yes' }],
      },
    });
  });

  it('asks again after words it does not know, then hears "no"', async () => {
    const end = await ended(['what is this about', 'no']);
    expect(end.detail).toMatchObject({
      businessResult: { code: 'no' },
      speech: {
        turns: [
          { outcome: 'no_match', transcript: 'what is this about', intent: null },
          { try: 2, outcome: 'match', intent: 'no' },
        ],
      },
    });
  });

  it('transfers "I want to talk to a person" to the skill queue', async () => {
    const end = await ended(['I want to talk to a person']);
    expect(end.detail).toMatchObject({
      ending: 'transferred',
      transfer: { target: { skillQueue: 'sales' }, ok: true },
      businessResult: { code: 'agent' },
    });
  });

  it('gives up after silence twice: no input, and says goodbye', async () => {
    const end = await ended([]);
    expect(end.detail).toMatchObject({
      businessResult: { code: 'no_answer' },
      speech: {
        intent: null,
        path: ['ask', 'silent', 'bye'],
        turns: [{ outcome: 'no_input' }, { outcome: 'no_input', try: 2 }],
      },
    });
  });
});

describe('pocketsphinx plumbing', () => {
  it('joins segments and takes the weakest word posterior as the confidence', () => {
    const out = 'yes\n<sil> 0.0 0.5 1.000000\nyes 0.51 0.9 0.820000\nno\nno 1.2 1.5 0.600000\n';
    expect(parseOutput(out)).toEqual({ transcript: 'yes no', confidence: 0.6 });
    expect(parseOutput('')).toEqual({ transcript: '', confidence: null });
  });

  it('upsamples by interpolation, joining frames', () => {
    const b = upsample(Int16Array.from([100, 300]), 0);
    expect([...new Int16Array(b.buffer, b.byteOffset, 4)]).toEqual([50, 100, 200, 300]);
  });
});

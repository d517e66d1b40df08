import { describe, expect, it } from 'vitest';
import { validateDialogue } from '../../src/ivr/dialogue.ts';
import { renewal } from '../helpers/speech-dialogue.ts';
import {
  dialogueToGuided,
  guidedErrorPath,
  guidedToDialogue,
  type GuidedDialogue,
} from '../../web/src/resources/forms/speech-dialogue.ts';

/**
 * The console's speech robot fields (web/src/resources/forms/speech-dialogue.ts): what they make
 * is a dialogue the API accepts, it reads back into the same fields (whatever order the database
 * gives its keys), any other dialogue stays JSON, and the API's errors land on the fields.
 */
const g: GuidedDialogue = {
  question: 'Would you like to renew? Say yes or no.',
  intents: [
    { name: 'renew', phrases: 'yes, yes please', transfer: false },
    { name: 'agent', phrases: 'a person please;agent', transfer: true },
  ],
  retryPrompt: 'Sorry?',
  retries: 1,
  noAnswerResult: 'no_answer',
  transferPrompt: 'Connecting you.',
  goodbye: 'Goodbye.',
};

const reversed = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(reversed)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.entries(v)
            .reverse()
            .map(([k, x]) => [k, reversed(x)]),
        )
      : v;

describe('speech robot dialogue fields', () => {
  it('make a dialogue the API accepts, which reads back into the same fields', () => {
    const doc = guidedToDialogue(g);
    expect(validateDialogue(doc)).toEqual([]);
    expect(doc.steps).toContainEqual(
      expect.objectContaining({
        type: 'listen',
        intents: [
          { name: 'renew', phrases: ['yes', 'yes please'], next: 'intent-1' },
          { name: 'agent', phrases: ['a person please', 'agent'], next: 'intent-2' },
        ],
      }),
    );
    expect(dialogueToGuided(reversed(doc))).toEqual({
      ...g,
      intents: g.intents.map((i) => ({ ...i, phrases: i.phrases.replace(';', ', ') })),
    });
    const quiet = guidedToDialogue({ ...g, intents: [g.intents[0]!], noAnswerResult: '' });
    expect(validateDialogue(quiet)).toEqual([]);
    expect(JSON.stringify(quiet)).not.toContain('transfer');
  });

  it('leave any other dialogue to JSON', () => {
    expect(dialogueToGuided(renewal)).toBeNull();
    expect(dialogueToGuided({ ...guidedToDialogue(g), voice: 'en-gb' })).toBeNull();
    expect(dialogueToGuided({})).toBeNull();
  });

  it("show the API's errors on their fields", () => {
    expect(guidedErrorPath('steps.0.prompt.text')).toBe('speech.question');
    expect(guidedErrorPath('steps.0.intents.1.phrases.0')).toBe('speech.intents.1.phrases');
    expect(guidedErrorPath('steps.0.intents.1.name')).toBe('speech.intents.1.name');
    expect(guidedErrorPath('steps.1.result.code')).toBe('speech.noAnswerResult');
    expect(guidedErrorPath('steps.3.result.code')).toBe('speech.intents.1.name');
    expect(guidedErrorPath('steps.5.prompt')).toBe('speech');
  });
});

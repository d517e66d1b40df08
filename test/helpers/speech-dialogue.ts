import type { Dialogue } from '../../src/ivr/dialogue.ts';

/**
 * The dialogue the speech robot tests run: asks a yes/no question (retrying once on silence or
 * words it does not know), records the intent as the business result, transfers to a person.
 */
export const renewal: Dialogue = {
  start: 'ask',
  steps: [
    {
      id: 'ask',
      type: 'listen',
      prompt: { text: 'Would you like to renew your plan? Please say yes or no.' },
      noInputPrompt: { text: 'Sorry, I did not hear you.' },
      noMatchPrompt: { text: 'Sorry, I did not understand.' },
      timeoutSec: 3,
      retries: 1,
      variable: 'answer',
      intents: [
        { name: 'yes', phrases: ['yes', 'yeah', 'yes please', 'sure'], next: 'record' },
        { name: 'no', phrases: ['no', 'nope', 'no thanks'], next: 'record' },
        {
          name: 'agent',
          phrases: ['i want to talk to a person', 'agent', 'a person please'],
          next: 'record-agent',
        },
      ],
      noInput: 'silent',
      noMatch: 'silent',
    },
    { id: 'record', type: 'set', result: { code: '${answer}' }, next: 'thanks' },
    { id: 'record-agent', type: 'set', result: { code: 'agent' }, next: 'to-agent' },
    {
      id: 'to-agent',
      type: 'transfer',
      prompt: { text: 'Connecting you to a person.' },
      next: 'thanks',
    },
    { id: 'silent', type: 'set', result: { code: 'no_answer' }, next: 'bye' },
    { id: 'thanks', type: 'hangup', prompt: { text: 'Thank you, goodbye.' } },
    { id: 'bye', type: 'hangup', prompt: { text: 'We will call again. Goodbye.' } },
  ],
};

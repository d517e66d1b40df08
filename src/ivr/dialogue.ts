import { Type, type Static } from '@sinclair/typebox';
import { schemaErrors } from '../domain/schema-errors.ts';
import type { FieldError } from '../platform/errors.ts';
import { Prompt } from './prompt.ts';

/**
 * The document of a `speech` robot: a dialogue of steps run from `start` (or the first step), each
 * naming the step that follows. The robot speaks (`say`), listens for one of a few intents, each a
 * list of phrases (`listen`, with no-input and no-match retries), branches on variables, sets
 * variables and the business result (`set`), transfers to the task's skill queue and hangs up.
 * Text may use `${name}` for a variable (the call data's fields, the contact's attributes, and
 * what the dialogue sets: a listen step stores its intent in `variable`, default its id).
 *
 * Phrases are what the recogniser listens for: the embedded recogniser (pocketsphinx) is
 * constrained to the dialogue's phrases, so every word must be an English word it knows; other
 * recognisers return free text, matched to the phrases by words (see intents.ts).
 */
const StepId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' });
const VarName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z_][A-Za-z0-9_]*$' });
const IntentName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' });
const Phrase = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: "^[A-Za-z' -]+$",
  description: 'words only (letters, apostrophes, spaces, hyphens)',
});
const Next = Type.Optional(StepId);
const Base = { id: StepId, label: Type.Optional(Type.String({ maxLength: 200 })) };

export const Intent = Type.Object(
  {
    name: IntentName,
    phrases: Type.Array(Phrase, { minItems: 1, maxItems: 50 }),
    next: Next,
  },
  { additionalProperties: false },
);
export type Intent = Static<typeof Intent>;

export const SayStep = Type.Object(
  {
    ...Base,
    type: Type.Literal('say'),
    prompt: Prompt,
    bargeIn: Type.Optional(Type.Boolean({ description: 'speech stops the prompt (default true)' })),
    next: Next,
  },
  { additionalProperties: false },
);
export const ListenStep = Type.Object(
  {
    ...Base,
    type: Type.Literal('listen'),
    prompt: Type.Optional(Prompt),
    bargeIn: Type.Optional(Type.Boolean()),
    intents: Type.Array(Intent, { minItems: 1, maxItems: 20 }),
    variable: Type.Optional(VarName),
    timeoutSec: Type.Optional(
      Type.Number({ minimum: 1, maximum: 60, description: 'silence before no-input (default 5)' }),
    ),
    maxSpeechSec: Type.Optional(Type.Number({ minimum: 1, maximum: 60 })),
    retries: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 5, description: 'asks again this often (default 1)' }),
    ),
    noInputPrompt: Type.Optional(Prompt),
    noMatchPrompt: Type.Optional(Prompt),
    noInput: Type.Optional(StepId),
    noMatch: Type.Optional(StepId),
    minConfidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);
export const SetStep = Type.Object(
  {
    ...Base,
    type: Type.Literal('set'),
    variables: Type.Optional(Type.Record(VarName, Type.String({ maxLength: 1000 }))),
    result: Type.Optional(
      Type.Object(
        {
          code: Type.String({ minLength: 1, maxLength: 64 }),
          subCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          remark: Type.Optional(Type.String({ maxLength: 1000 })),
        },
        { additionalProperties: false, description: 'the business result; ${var} allowed' },
      ),
    ),
    next: Next,
  },
  { additionalProperties: false },
);
export const BranchStep = Type.Object(
  {
    ...Base,
    type: Type.Literal('branch'),
    variable: VarName,
    cases: Type.Array(
      Type.Object(
        { equals: Type.String({ maxLength: 1000 }), next: StepId },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 50 },
    ),
    default: Next,
  },
  { additionalProperties: false },
);
export const TransferStep = Type.Object(
  {
    ...Base,
    type: Type.Literal('transfer'),
    prompt: Type.Optional(Prompt),
    skillQueue: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: "default: the task's skill queue" }),
    ),
    next: Type.Optional(StepId),
  },
  { additionalProperties: false, description: '`next` runs when the transfer fails' },
);
export const HangupStep = Type.Object(
  { ...Base, type: Type.Literal('hangup'), prompt: Type.Optional(Prompt) },
  { additionalProperties: false },
);

export const DialogueStep = Type.Union([
  SayStep,
  ListenStep,
  SetStep,
  BranchStep,
  TransferStep,
  HangupStep,
]);
export type DialogueStep = Static<typeof DialogueStep>;
export type ListenStep = Static<typeof ListenStep>;

export const Dialogue = Type.Object(
  {
    version: Type.Optional(Type.Literal(1)),
    start: Type.Optional(StepId),
    voice: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9+_-]{1,32}$', description: 'default espeak-ng voice' }),
    ),
    steps: Type.Array(DialogueStep, { minItems: 1, maxItems: 200 }),
  },
  { additionalProperties: false },
);
export type Dialogue = Static<typeof Dialogue>;

const STEP_TYPES = ['say', 'listen', 'set', 'branch', 'transfer', 'hangup'];

/**
 * Every problem of a dialogue, with JSON pointers into it: structure per step (against its own
 * type, so messages are specific), then links (targets exist, ids unique), and phrases (an intent
 * name or phrase listed twice in one listen step, which would make the match ambiguous).
 */
export function validateDialogue(doc: unknown): FieldError[] {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    return [{ path: '/', message: 'must be an object' }];
  const { steps, ...top } = doc as Record<string, unknown>;
  const errors = schemaErrors(Type.Omit(Dialogue, ['steps']), top);
  if (!Array.isArray(steps)) {
    errors.push({
      path: '/steps',
      message: steps === undefined ? 'is required' : 'must be an array',
    });
    return errors;
  }
  if (steps.length === 0) errors.push({ path: '/steps', message: 'must have at least 1 item' });
  if (steps.length > 200) errors.push({ path: '/steps', message: 'must have at most 200 items' });
  const ids = new Map<string, number>();
  steps.forEach((s, i) => {
    const id = (s as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return;
    if (ids.has(id))
      errors.push({
        path: `/steps/${i}/id`,
        message: `'${id}' is already the id of step ${ids.get(id)}`,
      });
    else ids.set(id, i);
  });
  steps.forEach((s, i) => errors.push(...stepErrors(s, `/steps/${i}`, ids)));
  const start = (top as { start?: unknown }).start;
  if (typeof start === 'string' && !ids.has(start))
    errors.push({ path: '/start', message: `no step has id '${start}'` });
  return errors;
}

function stepErrors(s: unknown, at: string, ids: Map<string, number>): FieldError[] {
  const type = (s as { type?: unknown } | null)?.type;
  const schema = DialogueStep.anyOf.find((x) => x.properties.type.const === type);
  if (!schema)
    return [
      {
        path: `${at}/type`,
        message: `must be one of ${STEP_TYPES.map((t) => `"${t}"`).join(', ')}`,
      },
    ];
  const errors = schemaErrors(schema, s, at);
  if (errors.length) return errors;
  const step = s as DialogueStep;
  const link = (field: string, target: string | undefined) => {
    if (target !== undefined && !ids.has(target))
      errors.push({ path: `${at}/${field}`, message: `no step has id '${target}'` });
  };
  if ('next' in step) link('next', step.next);
  if (step.type === 'branch') {
    link('default', step.default);
    step.cases.forEach((c, j) => link(`cases/${j}/next`, c.next));
  }
  if (step.type === 'listen') {
    link('noInput', step.noInput);
    link('noMatch', step.noMatch);
    const names = new Set<string>();
    const phrases = new Map<string, string>();
    step.intents.forEach((intent, j) => {
      link(`intents/${j}/next`, intent.next);
      if (names.has(intent.name))
        errors.push({
          path: `${at}/intents/${j}/name`,
          message: `'${intent.name}' is listed twice`,
        });
      names.add(intent.name);
      intent.phrases.forEach((p, k) => {
        const key = normalisePhrase(p);
        const owner = phrases.get(key);
        if (owner !== undefined)
          errors.push({
            path: `${at}/intents/${j}/phrases/${k}`,
            message: `'${p}' is already a phrase of intent '${owner}'`,
          });
        else phrases.set(key, intent.name);
      });
    });
  }
  return errors;
}

/** Lower case, single spaces, no punctuation but apostrophes: how phrases are compared. */
export function normalisePhrase(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z' ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Every prompt of a dialogue with its JSON pointer, for publish-time conversion. */
export function dialoguePrompts(doc: Dialogue): { path: string; prompt: Prompt }[] {
  const out: { path: string; prompt: Prompt }[] = [];
  const voiced = (p: Prompt): Prompt =>
    'text' in p && !p.voice && doc.voice ? { ...p, voice: doc.voice } : p;
  doc.steps.forEach((s, i) => {
    for (const f of ['prompt', 'noInputPrompt', 'noMatchPrompt'] as const) {
      const p = (s as Record<string, unknown>)[f] as Prompt | undefined;
      if (p) out.push({ path: `/steps/${i}/${f}`, prompt: voiced(p) });
    }
  });
  return out;
}

/**
 * Phrases with words the recogniser cannot hear (`unknown` names them, e.g. the embedded
 * recogniser's dictionary lookup), each at its own path: the embedded recogniser is constrained
 * to the phrases, so an unknown word would make the whole phrase impossible to hear.
 */
export function unknownWordErrors(
  doc: Dialogue,
  unknown: (phrases: readonly string[]) => string[],
): FieldError[] {
  const errors: FieldError[] = [];
  doc.steps.forEach((s, i) => {
    if (s.type !== 'listen') return;
    s.intents.forEach((intent, j) =>
      intent.phrases.forEach((p, k) => {
        const words = unknown([normalisePhrase(p)]);
        if (words.length)
          errors.push({
            path: `/steps/${i}/intents/${j}/phrases/${k}`,
            message: `'${p}': the speech recogniser's dictionary has no ${words.map((w) => `'${w}'`).join(', ')}, so it could never hear this phrase; use words it knows`,
          });
      }),
    );
  });
  return errors;
}

/** Every phrase of the dialogue (normalised, unique): the embedded recogniser's grammar. */
export function dialoguePhrases(doc: Dialogue): string[] {
  const out = new Set<string>();
  for (const s of doc.steps)
    if (s.type === 'listen')
      for (const i of s.intents) for (const p of i.phrases) out.add(normalisePhrase(p));
  return [...out].filter(Boolean);
}

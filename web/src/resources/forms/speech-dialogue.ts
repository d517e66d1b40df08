/**
 * A speech robot's dialogue as a form can edit it without JSON: one question, the intents the
 * customer may express (each recorded as the business result; some then transfer to the task's
 * skill queue), what is said when nothing was heard or understood, and the goodbye. The form's
 * values become a dialogue of fixed shape (docs/robots.md), and a dialogue of that shape — one
 * this form saved — becomes the form's values again; any other dialogue is edited as JSON.
 */
export interface GuidedIntent {
  name: string;
  /** Comma-separated phrases. */
  phrases: string;
  /** After recording the result, transfer to the task's skill queue. */
  transfer: boolean;
}

export interface GuidedDialogue {
  question: string;
  intents: GuidedIntent[];
  /** Said before asking again, when nothing was heard or understood. */
  retryPrompt: string;
  retries: number | '';
  /** The business result when the customer never expressed an intent (blank: none). */
  noAnswerResult: string;
  transferPrompt: string;
  goodbye: string;
}

export const blankGuided = (): GuidedDialogue => ({
  question: '',
  intents: [{ name: '', phrases: '', transfer: false }],
  retryPrompt: '',
  retries: 1,
  noAnswerResult: '',
  transferPrompt: '',
  goodbye: '',
});

type Step = Record<string, unknown>;
const said = (text: string) => (text.trim() ? { prompt: { text: text.trim() } } : {});
const phrasesOf = (s: string) =>
  s
    .split(/[,;\n]/)
    .map((p) => p.trim())
    .filter(Boolean);

/**
 * Steps, in this order (so an error's path says which field it is about): 0 `ask` (the listen),
 * 1 `no-answer` (sets its result, if any), 2… one `set` per intent, then `transfer` when an intent
 * transfers, and `end` (the goodbye).
 */
export function guidedToDialogue(g: GuidedDialogue): Record<string, unknown> {
  const transfers = g.intents.some((i) => i.transfer);
  const retry = g.retryPrompt.trim() ? { text: g.retryPrompt.trim() } : undefined;
  const ask: Step = {
    id: 'ask',
    type: 'listen',
    prompt: { text: g.question.trim() },
    intents: g.intents.map((i, j) => ({
      name: i.name.trim(),
      phrases: phrasesOf(i.phrases),
      next: `intent-${j + 1}`,
    })),
    ...(g.retries !== '' ? { retries: g.retries } : {}),
    ...(retry ? { noInputPrompt: retry, noMatchPrompt: retry } : {}),
    noInput: 'no-answer',
  };
  const noAnswer: Step = {
    id: 'no-answer',
    type: 'set',
    ...(g.noAnswerResult.trim() ? { result: { code: g.noAnswerResult.trim() } } : {}),
    next: 'end',
  };
  const results: Step[] = g.intents.map((i, j) => ({
    id: `intent-${j + 1}`,
    type: 'set',
    result: { code: i.name.trim() },
    next: i.transfer ? 'transfer' : 'end',
  }));
  const transfer: Step[] = transfers
    ? [{ id: 'transfer', type: 'transfer', ...said(g.transferPrompt), next: 'end' }]
    : [];
  const end: Step = { id: 'end', type: 'hangup', ...said(g.goodbye) };
  return { start: 'ask', steps: [ask, noAnswer, ...results, ...transfer, end] };
}

/** The form's values of a dialogue this form made; null for any other dialogue. */
export function dialogueToGuided(doc: unknown): GuidedDialogue | null {
  const steps = (doc as { steps?: Step[] } | null)?.steps;
  if (!Array.isArray(steps) || steps.length < 3) return null;
  const [ask, noAnswer] = steps as [Step, Step];
  const text = (s: Step | undefined, f = 'prompt') =>
    String((s?.[f] as { text?: unknown } | undefined)?.text ?? '');
  const intents = Array.isArray(ask.intents) ? (ask.intents as Step[]) : [];
  const byId = new Map(steps.map((s) => [s.id, s]));
  const g: GuidedDialogue = {
    question: text(ask),
    intents: intents.map((i) => ({
      name: String(i.name ?? ''),
      phrases: Array.isArray(i.phrases) ? i.phrases.join(', ') : '',
      transfer: byId.get(i.next as string)?.next === 'transfer',
    })),
    retryPrompt: text(ask, 'noInputPrompt'),
    retries: typeof ask.retries === 'number' ? ask.retries : '',
    noAnswerResult: String((noAnswer.result as { code?: unknown } | undefined)?.code ?? ''),
    transferPrompt: text(byId.get('transfer')),
    goodbye: text(byId.get('end')),
  };
  return same(guidedToDialogue(g), doc) ? g : null;
}

/** Deep equality of JSON values, whatever the order of keys (the database may reorder them). */
function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a && typeof a === 'object') {
    if (!b || typeof b !== 'object' || Array.isArray(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => same((a as Step)[k], (b as Step)[k]));
  }
  return a === b;
}

/**
 * Where an error at a path of the dialogue (`steps.0.intents.1.phrases.0`) is shown in the form
 * (`speech.intents.1.phrases`); paths the form has no field for go to `speech`.
 */
export function guidedErrorPath(p: string): string {
  const rules: [RegExp, string][] = [
    [/^steps\.0\.prompt(\.|$)/, 'speech.question'],
    [/^steps\.0\.intents\.(\d+)\.name$/, 'speech.intents.$1.name'],
    [/^steps\.0\.intents\.(\d+)\.phrases(\.\d+)?$/, 'speech.intents.$1.phrases'],
    [/^steps\.0\.intents\.(\d+)(\.|$)/, 'speech.intents.$1.name'],
    [/^steps\.0\.(noInputPrompt|noMatchPrompt)(\.|$)/, 'speech.retryPrompt'],
    [/^steps\.0\.retries$/, 'speech.retries'],
    [/^steps\.1\.result(\.|$)/, 'speech.noAnswerResult'],
  ];
  for (const [re, to] of rules) {
    const m = re.exec(p);
    if (m) return to.replace('$1', m[1] ?? '');
  }
  const result = /^steps\.(\d+)\.result(\.|$)/.exec(p);
  if (result && Number(result[1]) >= 2) return `speech.intents.${Number(result[1]) - 2}.name`;
  return 'speech';
}

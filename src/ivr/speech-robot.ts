import { dialoguePhrases, type Dialogue, type DialogueStep, type ListenStep } from './dialogue.ts';
import type { Prompt } from './prompt.ts';
import type { Heard, MediaSession } from './media.ts';
import { matchIntent } from './recogniser.ts';
import type { TransferOutcome } from './interpreter.ts';

/**
 * The speech robot: runs a dialogue (./dialogue.ts) over a media session that can listen. Every
 * listen is a turn: what was played, what the customer said (transcript, confidence), the intent
 * it matched or why none did (no input, no match), kept in order for the attempt's results.
 */
export interface SpeechTurn {
  step: string;
  /** 1 for the first time a step asks, 2 for its first retry… */
  try: number;
  outcome: 'match' | 'no_match' | 'no_input' | 'hangup';
  transcript: string;
  intent: string | null;
  confidence: number | null;
  bargedIn: boolean;
  recogniseMs?: number;
  error?: string;
}

export interface BusinessResultSet {
  code: string;
  subCode: string | null;
  remark: string | null;
}

export interface SpeechOutcome {
  turns: SpeechTurn[];
  /** The last intent matched (what a task usually records as its business result). */
  intent: string | null;
  businessResult?: BusinessResultSet;
  hangup: boolean;
  transfer?: TransferOutcome;
  /** Step ids in the order they ran. */
  path: string[];
  error?: string;
}

export interface SpeechContext {
  session: MediaSession;
  variables: Record<string, string>;
  /** The task's skill queue, for transfer steps that name none. */
  skillQueue?: string | undefined;
}

const MAX_STEPS = 500;

export async function runDialogue(doc: Dialogue, ctx: SpeechContext): Promise<SpeechOutcome> {
  const { session, variables: vars } = ctx;
  const out: SpeechOutcome = { turns: [], intent: null, hangup: false, path: [] };
  const listen = session.hear?.bind(session);
  if (!listen) {
    out.error = 'this adapter cannot listen to speech';
    return out;
  }
  const byId = new Map(doc.steps.map((s) => [s.id, s]));
  const phrases = dialoguePhrases(doc);
  const voiced = (p: Prompt): Prompt => {
    const text = 'text' in p ? { ...p, text: sub(p.text, vars) } : p;
    return 'text' in text && !text.voice && doc.voice ? { ...text, voice: doc.voice } : text;
  };
  let step: DialogueStep | undefined = doc.start ? byId.get(doc.start) : doc.steps[0];
  const follow = (id: string | undefined) => (id === undefined ? undefined : byId.get(id));
  while (step && !session.hungUp) {
    if (out.path.length >= MAX_STEPS) {
      out.error = `dialogue ran ${MAX_STEPS} steps without ending`;
      break;
    }
    out.path.push(step.id);
    switch (step.type) {
      case 'say':
        await session.play(voiced(step.prompt), { bargeIn: step.bargeIn ?? true });
        step = follow(step.next);
        break;
      case 'listen': {
        const next = await ask(step, session, phrases, voiced, out, listen);
        if (next.intent) {
          vars[step.variable ?? step.id] = next.intent;
          out.intent = next.intent;
        }
        step = follow(next.to);
        break;
      }
      case 'set':
        for (const [k, v] of Object.entries(step.variables ?? {})) vars[k] = sub(v, vars);
        if (step.result)
          out.businessResult = {
            code: sub(step.result.code, vars),
            subCode: step.result.subCode ? sub(step.result.subCode, vars) : null,
            remark: step.result.remark ? sub(step.result.remark, vars) : null,
          };
        step = follow(step.next);
        break;
      case 'branch': {
        const v = vars[step.variable] ?? '';
        step = follow(step.cases.find((c) => c.equals === v)?.next ?? step.default);
        break;
      }
      case 'transfer': {
        if (step.prompt) await session.play(voiced(step.prompt), { bargeIn: false });
        const queue = step.skillQueue ? sub(step.skillQueue, vars) : ctx.skillQueue;
        if (!queue) {
          out.transfer = {
            target: { skillQueue: '' },
            ok: false,
            detail: 'the task has no skill queue',
          };
        } else {
          const r = await session.transfer({ skillQueue: queue });
          out.transfer = { target: { skillQueue: queue }, ok: r.ok, detail: r.detail };
          if (r.ok) return out;
        }
        step = follow(step.next);
        break;
      }
      case 'hangup':
        if (step.prompt) await session.play(voiced(step.prompt), { bargeIn: false });
        out.hangup = true;
        step = undefined;
        break;
    }
  }
  return out;
}

/** One listen step with its retries: where the dialogue goes next, and the intent if one matched. */
async function ask(
  step: ListenStep,
  session: MediaSession,
  phrases: readonly string[],
  voiced: (p: Prompt) => Prompt,
  out: SpeechOutcome,
  listen: NonNullable<MediaSession['hear']>,
): Promise<{ to: string | undefined; intent?: string }> {
  const retries = step.retries ?? 1;
  let prompt = step.prompt;
  let last: 'no_input' | 'no_match' = 'no_input';
  for (let i = 0; i <= retries; i++) {
    const heard: Heard = await listen({
      prompt: prompt ? voiced(prompt) : undefined,
      bargeIn: step.bargeIn ?? true,
      phrases,
      timeoutMs: (step.timeoutSec ?? 5) * 1000,
      maxSpeechMs: (step.maxSpeechSec ?? 10) * 1000,
    });
    const turn: SpeechTurn = {
      step: step.id,
      try: i + 1,
      outcome: 'no_input',
      transcript: heard.transcript,
      intent: null,
      confidence: heard.confidence,
      bargedIn: heard.bargedIn,
      ...(heard.recogniseMs !== undefined ? { recogniseMs: heard.recogniseMs } : {}),
      ...(heard.error ? { error: heard.error } : {}),
    };
    out.turns.push(turn);
    if (heard.kind === 'hangup') {
      turn.outcome = 'hangup';
      return { to: undefined };
    }
    if (heard.kind === 'speech') {
      const m = matchIntent(heard.transcript, step.intents);
      const sure =
        step.minConfidence === undefined || (heard.confidence ?? 1) >= step.minConfidence;
      if (m && sure) {
        turn.outcome = 'match';
        turn.intent = m.intent.name;
        return { to: m.intent.next, intent: m.intent.name };
      }
      turn.outcome = 'no_match';
    }
    last = turn.outcome === 'no_match' ? 'no_match' : 'no_input';
    // A retry says why first (its own prompt), then asks again.
    const why = last === 'no_match' ? step.noMatchPrompt : step.noInputPrompt;
    prompt = why ?? step.prompt;
    if (why && step.prompt && i < retries) {
      await session.play(voiced(why), { bargeIn: true });
      prompt = step.prompt;
    }
  }
  return {
    to: last === 'no_match' ? (step.noMatch ?? step.noInput) : (step.noInput ?? step.noMatch),
  };
}

function sub(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => vars[name] ?? '');
}

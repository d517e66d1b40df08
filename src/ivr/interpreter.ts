import type { FlowDocument, FlowNode, Prompt, TransferTarget } from './flow.ts';
import type { MediaSession } from './media.ts';
import type { Dialogue } from './dialogue.ts';
import { RobotUnreachableError, runRobot, type RobotOutcome } from './robot.ts';
import { runDialogue, type SpeechOutcome } from './speech-robot.ts';

/**
 * The flow interpreter: walks a validated flow document over a media session. It knows nothing of
 * SIP or the sim; the adapter gives it a session and maps the outcome onto the call's end.
 */
export interface FlowContext {
  session: MediaSession;
  callId: string;
  from: string;
  to: string;
  callData?: unknown;
  /** The contact's attributes: variables too, the call data's fields win on a clash. */
  attributes?: Record<string, unknown>;
  /** For the robot node (tests inject one); default: global fetch. */
  fetch?: typeof fetch;
  /** Told of each node as it starts (the console's test call traces what runs where). */
  onStep?: (node: FlowNode) => void;
}

export type FlowEnding =
  | 'flow_end' // ran out of nodes, or a hangup node
  | 'customer_hangup' // the callee hung up during the flow
  | 'transferred'
  | 'error';

export interface TransferOutcome {
  target: TransferTarget;
  ok: boolean;
  detail: string;
}

export interface FlowOutcome {
  ending: FlowEnding;
  /** Every digit collected, in order (collect nodes, questionnaire answers, robot collects). */
  digits: string;
  variables: Record<string, string>;
  /** Questionnaire answers in the order given; a question not answered is left out. */
  answers: QuestionAnswer[];
  transfer?: TransferOutcome;
  robot?: RobotOutcome;
  /** A speech robot's turns, intent and business result. */
  speech?: SpeechOutcome;
  /** Node ids in the order they ran (at most MAX_STEPS). */
  path: string[];
  error?: string;
}

export interface QuestionAnswer {
  questionId: string;
  /** The question's label (its prompt's text, else its id, when it has none). */
  label: string;
  /** The key(s) pressed. */
  answer: string;
  /** What the answer means, when the questionnaire says. */
  answerLabel?: string;
}

/** A guard against flows that loop forever without waiting on the callee. */
export const MAX_STEPS = 1000;

/**
 * Variables start as the contact's scalar attributes and the call data's scalar top-level fields
 * (the call data wins on a clash: it is what the integrator put there for this call), as strings.
 */
export function initialVariables(
  callData: unknown,
  attributes?: Record<string, unknown>,
): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const src of [attributes, callData]) {
    if (!src || typeof src !== 'object' || Array.isArray(src)) continue;
    for (const [k, v] of Object.entries(src)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
        vars[k] = String(v);
    }
  }
  return vars;
}

/** `${name}` → the variable's value (empty when unset). */
export function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => vars[name] ?? '');
}

export function resolvePrompt(p: Prompt, vars: Record<string, string>): Prompt {
  return 'text' in p ? { ...p, text: substitute(p.text, vars) } : p;
}

function dotted(data: unknown, path: string): string | undefined {
  let cur: unknown = data;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  if (cur === undefined || cur === null) return undefined;
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur as string | number | boolean);
}

export async function runFlow(doc: FlowDocument, ctx: FlowContext): Promise<FlowOutcome> {
  const { session } = ctx;
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const out: FlowOutcome = {
    ending: 'flow_end',
    digits: '',
    variables: initialVariables(ctx.callData, ctx.attributes),
    answers: [],
    path: [],
  };
  const vars = out.variables;
  let node: FlowNode | undefined = doc.start ? byId.get(doc.start) : doc.nodes[0];
  const follow = (id: string | undefined) => (id === undefined ? undefined : byId.get(id));
  try {
    while (node) {
      if (session.hungUp) break;
      if (out.path.length >= MAX_STEPS)
        throw new Error(`flow ran ${MAX_STEPS} steps without ending`);
      out.path.push(node.id);
      ctx.onStep?.(node);
      switch (node.type) {
        case 'play':
          await session.play(resolvePrompt(node.prompt, vars), { bargeIn: node.bargeIn ?? true });
          node = follow(node.next);
          break;
        case 'collect': {
          if (node.prompt) await session.play(resolvePrompt(node.prompt, vars), { bargeIn: true });
          const r = await session.collect({
            max: node.max,
            timeoutMs: (node.timeoutSec ?? 5) * 1000,
            interDigitMs: node.interDigitSec !== undefined ? node.interDigitSec * 1000 : undefined,
            terminator: node.terminator,
          });
          vars[node.variable ?? node.id] = r.digits;
          out.digits += r.digits;
          node = follow(node.next);
          break;
        }
        case 'questionnaire':
          for (const q of node.questions ?? []) {
            const answer = await ask(session, q, vars);
            if (answer !== undefined) {
              const label = q.label ?? ('text' in q.prompt ? q.prompt.text : q.id);
              const answerLabel = q.answerLabels?.[answer];
              out.answers.push({
                questionId: q.id,
                label,
                answer,
                ...(answerLabel !== undefined ? { answerLabel } : {}),
              });
              out.digits += answer;
            }
            if (session.hungUp) break;
          }
          node = follow(node.next);
          break;
        case 'assign': {
          const v =
            node.value !== undefined
              ? substitute(node.value, vars)
              : dotted(ctx.callData, node.fromCallData!);
          vars[node.variable] = v ?? '';
          node = follow(node.next);
          break;
        }
        case 'branch': {
          const v = vars[node.variable] ?? '';
          const hit = node.cases.find((c) =>
            c.equals !== undefined
              ? v === c.equals
              : c.in
                ? c.in.includes(v)
                : new RegExp(c.matches!).test(v),
          );
          node = follow(hit ? hit.next : node.default);
          break;
        }
        case 'transfer': {
          const target: TransferTarget =
            'skillQueue' in node.target
              ? { skillQueue: substitute(node.target.skillQueue, vars) }
              : { number: substitute(node.target.number, vars) };
          const r = await session.transfer(target);
          out.transfer = { target, ok: r.ok, detail: r.detail };
          if (r.ok) {
            out.ending = 'transferred';
            return finish(out, session, false);
          }
          node = follow(node.next);
          break;
        }
        case 'hangup':
          if (node.prompt) await session.play(resolvePrompt(node.prompt, vars), { bargeIn: false });
          node = undefined;
          break;
        case 'robot': {
          const r = await runRobot(node, { ...ctx, variables: vars }).catch((err: unknown) => {
            // An unreachable robot ends the flow as an error, keeping the turns it had.
            if (err instanceof RobotUnreachableError && err.outcome) {
              out.robot = err.outcome;
              out.digits += err.outcome.digits;
            }
            throw err;
          });
          out.robot = r;
          out.digits += r.digits;
          if (r.transfer) {
            out.transfer = r.transfer;
            if (r.transfer.ok) {
              out.ending = 'transferred';
              return finish(out, session, false);
            }
          }
          node = r.hangup ? undefined : follow(node.next);
          break;
        }
        case 'speech': {
          const r = await runDialogue(node.dialogue as unknown as Dialogue, {
            session,
            variables: vars,
            // The call data's SkillQueueName wins, as for an HTTP robot's transfer.
            skillQueue: vars.SkillQueueName || node.skillQueue,
          });
          out.speech = r;
          if (r.error) throw new Error(r.error);
          if (r.transfer) {
            out.transfer = r.transfer;
            if (r.transfer.ok) {
              out.ending = 'transferred';
              return finish(out, session, false);
            }
          }
          node = r.hangup ? undefined : follow(node.next);
          break;
        }
      }
    }
  } catch (err) {
    out.ending = 'error';
    out.error = err instanceof Error ? err.message : String(err);
  }
  return finish(out, session, true);
}

async function finish(
  out: FlowOutcome,
  session: MediaSession,
  hangup: boolean,
): Promise<FlowOutcome> {
  if (session.hungUp && out.ending !== 'transferred' && out.ending !== 'error')
    out.ending = 'customer_hangup';
  else if (hangup) await session.hangup();
  return out;
}

/** One question: prompt, one key, retried while the key is not an allowed answer. */
async function ask(
  session: MediaSession,
  q: QuestionLike,
  vars: Record<string, string>,
): Promise<string | undefined> {
  const maxLen = Math.max(1, ...(q.answers ?? ['0']).map((a) => a.length));
  for (let i = 0; i <= (q.retries ?? 1); i++) {
    await session.play(resolvePrompt(q.prompt, vars), { bargeIn: true });
    const r = await session.collect({ max: maxLen, timeoutMs: (q.timeoutSec ?? 5) * 1000 });
    if (session.hungUp) return r.digits || undefined;
    if (r.digits && (!q.answers || q.answers.includes(r.digits))) return r.digits;
  }
  return undefined;
}

interface QuestionLike {
  id: string;
  label?: string | undefined;
  answerLabels?: Record<string, string> | undefined;
  prompt: Prompt;
  answers?: string[] | undefined;
  timeoutSec?: number | undefined;
  retries?: number | undefined;
}

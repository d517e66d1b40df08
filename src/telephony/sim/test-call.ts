import { Type, type Static } from '@sinclair/typebox';
import type { FlowDocument, FlowNode, Prompt } from '../../ivr/flow.ts';
import type {
  CollectOptions,
  CollectResult,
  MediaSession,
  PlayResult,
  ResolvedTarget,
  TransferResult,
} from '../../ivr/media.ts';
import { runFlow, type FlowEnding, type QuestionAnswer } from '../../ivr/interpreter.ts';
import { VirtualScheduler } from '../../platform/scheduler.ts';
import { SimMediaSession, simPromptMs } from './media.ts';

/**
 * A test call: one flow run against a simulated callee on a virtual clock of its own, start to end
 * in milliseconds of real time, reporting what a caller would have lived through — the nodes in the
 * order they ran, every prompt heard, every key input and answer collected. The callee behaves as
 * the sim network's (./media.ts): `digits` pressed one every 0.5 s while listened to, timed `keys`
 * whether listened to or not, a hang-up after `talkSec`. Nothing is stored; no task is involved.
 */
const Keys = Type.String({ pattern: '^[0-9*#]*$', maxLength: 200 });
export const TestCallScript = Type.Object(
  {
    digits: Type.Optional({
      ...Keys,
      description: 'keys the callee presses, one every 0.5 s while it is listened to',
    }),
    keys: Type.Optional(
      Type.Array(
        Type.Object(
          {
            atSec: Type.Number({ minimum: 0, maximum: 3600 }),
            digits: Type.String({ pattern: '^[0-9*#]+$', maxLength: 32 }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 100, description: 'keys pressed at given times after the answer' },
      ),
    ),
    talkSec: Type.Optional(
      Type.Number({
        minimum: 1,
        maximum: 3600,
        default: 300,
        description: 'the callee hangs up this long after answering, unless the flow ends first',
      }),
    ),
    callData: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: "the call's associated data: the flow's variables start from it",
      }),
    ),
  },
  { additionalProperties: false },
);
export type TestCallScript = Static<typeof TestCallScript>;

const Target = Type.Union([
  Type.Object({ skillQueue: Type.String() }),
  Type.Object({ number: Type.String() }),
]);
export const TestCallReport = Type.Object({
  ending: Type.Union(
    (['flow_end', 'customer_hangup', 'transferred', 'error'] as const).map((e) => Type.Literal(e)),
    { description: 'how the call ended, as an attempt would say' },
  ),
  durationSec: Type.Number({ description: 'from the answer to the end of the flow' }),
  path: Type.Array(Type.String(), { description: 'node ids in the order they ran' }),
  steps: Type.Array(
    Type.Object({ nodeId: Type.String(), type: Type.String(), atSec: Type.Number() }),
  ),
  heard: Type.Array(
    Type.Object({
      nodeId: Type.String(),
      atSec: Type.Number(),
      text: Type.Optional(Type.String()),
      file: Type.Optional(Type.String()),
      interrupted: Type.Boolean({ description: 'a key stopped the prompt (barge-in)' }),
    }),
    { description: 'every prompt played, with `${variables}` filled in' },
  ),
  collected: Type.Array(
    Type.Object({
      nodeId: Type.String(),
      atSec: Type.Number(),
      digits: Type.String(),
      reason: Type.String({ description: 'max, terminator, timeout or hangup' }),
    }),
  ),
  answers: Type.Array(
    Type.Object({
      questionId: Type.String(),
      label: Type.String(),
      answer: Type.String(),
      answerLabel: Type.Optional(Type.String()),
    }),
  ),
  variables: Type.Record(Type.String(), Type.String()),
  digits: Type.String(),
  transfer: Type.Optional(
    Type.Object({ target: Target, ok: Type.Boolean(), detail: Type.String() }),
  ),
  error: Type.Optional(Type.String()),
});
export interface TestCallReport {
  ending: FlowEnding;
  durationSec: number;
  path: string[];
  steps: { nodeId: string; type: FlowNode['type']; atSec: number }[];
  heard: { nodeId: string; atSec: number; text?: string; file?: string; interrupted: boolean }[];
  collected: { nodeId: string; atSec: number; digits: string; reason: CollectResult['reason'] }[];
  answers: QuestionAnswer[];
  variables: Record<string, string>;
  digits: string;
  transfer?: { target: ResolvedTarget; ok: boolean; detail: string };
  error?: string;
}

/** The media session of a test call: the sim callee's, noting what it is asked to do and when. */
class TracedSession implements MediaSession {
  readonly #inner: SimMediaSession;
  readonly #sched: VirtualScheduler;
  readonly #start: number;
  readonly report: TestCallReport;
  nodeId = '';

  constructor(inner: SimMediaSession, sched: VirtualScheduler, report: TestCallReport) {
    this.#inner = inner;
    this.#sched = sched;
    this.#start = sched.now().getTime();
    this.report = report;
  }

  get hungUp(): boolean {
    return this.#inner.hungUp;
  }

  atSec(): number {
    return (this.#sched.now().getTime() - this.#start) / 1000;
  }

  async play(prompt: Prompt, opts: { bargeIn: boolean }): Promise<PlayResult> {
    const heard = { nodeId: this.nodeId, atSec: this.atSec(), ...prompt };
    const r = await this.#inner.play(prompt, opts);
    const { voice: _, ...said } = heard as typeof heard & { voice?: string };
    this.report.heard.push({ ...said, interrupted: r.interrupted });
    return r;
  }

  async collect(o: CollectOptions): Promise<CollectResult> {
    const nodeId = this.nodeId;
    const r = await this.#inner.collect(o);
    this.report.collected.push({ nodeId, atSec: this.atSec(), ...r });
    return r;
  }

  wait(ms: number): Promise<void> {
    return this.#inner.wait(ms);
  }

  transfer(target: ResolvedTarget): Promise<TransferResult> {
    return this.#inner.transfer(target);
  }

  hangup(): Promise<void> {
    return this.#inner.hangup();
  }
}

/**
 * Runs `doc` (already validated, robot nodes stamped with the trustlist) for one simulated callee.
 * `start` is only where the virtual clock begins (the flow sees no wall clock).
 */
export async function runTestCall(
  doc: FlowDocument,
  script: TestCallScript,
  start: Date,
  opts: { fetch?: typeof fetch } = {},
): Promise<TestCallReport> {
  const sched = new VirtualScheduler(start);
  const answeredAt = start.getTime();
  const sim = new SimMediaSession(sched, {
    keys: script.digits ?? '',
    timedKeys: (script.keys ?? []).map((k) => ({
      at: answeredAt + k.atSec * 1000,
      digits: k.digits,
    })),
    hangupAt: answeredAt + (script.talkSec ?? 300) * 1000,
    promptMs: simPromptMs,
  });
  const report: TestCallReport = {
    ending: 'flow_end',
    durationSec: 0,
    path: [],
    steps: [],
    heard: [],
    collected: [],
    answers: [],
    variables: {},
    digits: '',
  };
  const session = new TracedSession(sim, sched, report);
  let done = false;
  const idle = sim.idle();
  const run = runFlow(doc, {
    session,
    callId: 'test-call',
    from: 'test',
    to: 'test',
    callData: script.callData ?? {},
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    onStep: (node) => {
      session.nodeId = node.id;
      report.steps.push({ nodeId: node.id, type: node.type, atSec: session.atSec() });
    },
  }).finally(() => {
    done = true;
    // Nothing waits any more: the clock loop below stops.
    sim.close();
  });
  await idle;
  // Time moves from one of the call's timers to the next, each awaited until the flow reacts.
  while (!done) {
    const next = sched.nextAt();
    if (next === null) break;
    await sched.runUntil(next);
  }
  const outcome = await run;
  return {
    ...report,
    ending: outcome.ending,
    durationSec: session.atSec(),
    path: outcome.path,
    answers: outcome.answers,
    variables: outcome.variables,
    digits: outcome.digits,
    ...(outcome.transfer ? { transfer: outcome.transfer } : {}),
    ...(outcome.error ? { error: outcome.error } : {}),
  };
}

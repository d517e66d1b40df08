import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Agent, fetch as undiciFetch } from 'undici';
import { checkOutboundTarget, systemResolver, type Resolver } from '../notify/callback-target.ts';
import type { FlowDocument, Prompt, TransferTarget } from './flow.ts';
import type { MediaSession } from './media.ts';
import type { TransferOutcome } from './interpreter.ts';

/**
 * The robot: the tenant's own bot behind an HTTP endpoint, spoken to turn by turn. Protocol
 * `outbound-robot/1` (docs/robot.md has the long form):
 *
 * Outbound POSTs one JSON event per turn:
 *   { protocol: "outbound-robot/1", callId, turn, from, to, variables,
 *     event: { type: "answered" }
 *          | { type: "digits", digits, reason: "max" | "terminator" | "timeout" }
 *          | { type: "silence" }                          a collect got no digit
 *          | { type: "transfer_failed", detail }
 *          | { type: "hangup" } }                         the callee hung up; reply ignored
 * The bot answers 200 with { actions: [...], variables?: { name: string } }; actions run in order:
 *   { type: "say", text, voice?, bargeIn? }   speak text (espeak-ng on the sip adapter)
 *   { type: "play", file, bargeIn? }          play a WAV file
 *   { type: "collect", max, timeoutSec?, terminator? }  listen; ends the turn
 *   { type: "transfer", skillQueue } | { type: "transfer", number }   ends the robot on success
 *   { type: "hangup" }                        ends the call
 * A reply with no collect, transfer or hangup ends the robot node: the flow goes on at `next`
 * (hangs up when there is none). A robot that answers but cannot be understood (4xx, bad JSON,
 * an invalid reply) ends the robot node the same way, with the error in the outcome.
 *
 * A robot that cannot be reached — its endpoint refused by the tenant's outbound-address policy
 * (checked before every request, like a callback), connection refused, timeout, 5xx — throws
 * `RobotUnreachableError`: the flow fails and the call ends as `system_error`, a result the retry
 * policy can call again, with the reason in the attempt's detail.
 */
export const ROBOT_PROTOCOL = 'outbound-robot/1';

export type RobotEvent =
  | { type: 'answered' }
  | { type: 'digits'; digits: string; reason: 'max' | 'terminator' | 'timeout' }
  | { type: 'silence' }
  | { type: 'transfer_failed'; detail: string }
  | { type: 'hangup' };

const BargeIn = Type.Optional(Type.Boolean());
export const RobotAction = Type.Union([
  Type.Object({
    type: Type.Literal('say'),
    text: Type.String({ minLength: 1, maxLength: 2000 }),
    voice: Type.Optional(Type.String({ maxLength: 32 })),
    bargeIn: BargeIn,
  }),
  Type.Object({
    type: Type.Literal('play'),
    file: Type.String({ minLength: 1, maxLength: 1024 }),
    bargeIn: BargeIn,
  }),
  Type.Object({
    type: Type.Literal('collect'),
    max: Type.Integer({ minimum: 1, maximum: 32 }),
    timeoutSec: Type.Optional(Type.Number({ minimum: 0.5, maximum: 120 })),
    terminator: Type.Optional(Type.Union([Type.Literal('#'), Type.Literal('*')])),
  }),
  Type.Object({
    type: Type.Literal('transfer'),
    skillQueue: Type.String({ minLength: 1, maxLength: 200 }),
  }),
  Type.Object({
    type: Type.Literal('transfer'),
    number: Type.String({ minLength: 1, maxLength: 200 }),
  }),
  Type.Object({ type: Type.Literal('hangup') }),
]);
export type RobotAction = Static<typeof RobotAction>;
export const RobotReply = Type.Object({
  actions: Type.Array(RobotAction, { maxItems: 50 }),
  variables: Type.Optional(Type.Record(Type.String(), Type.String())),
});
export type RobotReply = Static<typeof RobotReply>;

export interface RobotOutcome {
  turns: number;
  digits: string;
  hangup: boolean;
  transfer?: TransferOutcome;
  error?: string;
}

export interface RobotContext {
  session: MediaSession;
  callId: string;
  from: string;
  to: string;
  variables: Record<string, string>;
  /** Tests inject one; then the connection is not pinned to the checked address. */
  fetch?: typeof fetch;
  resolve?: Resolver;
}

interface RobotNodeLike {
  endpoint: string;
  timeoutSec?: number | undefined;
  maxTurns?: number | undefined;
  /** The tenant's approved trustlist, stamped by the engine on the running flow (none: refused). */
  trustlist?: readonly string[] | undefined;
}

/** The robot could not be reached: the call ends as `system_error` (retryable). */
export class RobotUnreachableError extends Error {
  constructor(
    message: string,
    /** What the robot collected before it became unreachable. */
    readonly outcome?: RobotOutcome,
  ) {
    super(message);
    this.name = 'RobotUnreachableError';
  }
}

export async function runRobot(node: RobotNodeLike, ctx: RobotContext): Promise<RobotOutcome> {
  const out: RobotOutcome = { turns: 0, digits: '', hangup: false };
  const conn = pinnedConnection();
  const post = (event: RobotEvent) => callRobot(node, ctx, conn, ++out.turns, event);
  let event: RobotEvent = { type: 'answered' };
  try {
    while (out.turns < (node.maxTurns ?? 50)) {
      const reply = await post(event);
      if (reply.variables) Object.assign(ctx.variables, reply.variables);
      const next = await act(reply.actions, ctx.session, out);
      if (ctx.session.hungUp) {
        await post({ type: 'hangup' }).catch(() => undefined);
        return out;
      }
      if (!next) return out;
      event = next;
    }
    out.error = `robot used its ${node.maxTurns ?? 50} turns`;
  } catch (err) {
    out.error = err instanceof Error ? err.message : String(err);
    if (err instanceof RobotUnreachableError) throw new RobotUnreachableError(out.error, out);
  } finally {
    void conn.agent.close();
  }
  return out;
}

/**
 * One connection pool per robot conversation whose DNS lookup answers only the address the
 * policy just checked, so a name cannot be rebound to a private address between check and connect.
 */
function pinnedConnection(): { agent: Agent; pin?: { address: string; family: number } } {
  const conn: { agent: Agent; pin?: { address: string; family: number } } = {
    agent: new Agent({
      connect: {
        lookup: (hostname, _options, cb) => {
          if (!conn.pin) return cb(new Error(`no checked address for ${hostname}`), '', 0);
          cb(null, [{ address: conn.pin.address, family: conn.pin.family }] as never, 0);
        },
      },
    }),
  };
  return conn;
}

/** `fetch failed` says nothing; its cause (ECONNREFUSED…) or the timeout does. */
function failure(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out';
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** Runs one reply's actions; returns the next event, or undefined when the robot is done. */
async function act(
  actions: RobotAction[],
  session: MediaSession,
  out: RobotOutcome,
): Promise<RobotEvent | undefined> {
  for (const a of actions) {
    if (session.hungUp) return undefined;
    switch (a.type) {
      case 'say':
      case 'play': {
        const prompt: Prompt =
          a.type === 'say'
            ? { text: a.text, ...(a.voice ? { voice: a.voice } : {}) }
            : { file: a.file };
        await session.play(prompt, { bargeIn: a.bargeIn ?? true });
        break;
      }
      case 'collect': {
        const r = await session.collect({
          max: a.max,
          timeoutMs: (a.timeoutSec ?? 5) * 1000,
          terminator: a.terminator,
        });
        out.digits += r.digits;
        if (r.reason === 'hangup') return undefined;
        return r.digits
          ? { type: 'digits', digits: r.digits, reason: r.reason }
          : { type: 'silence' };
      }
      case 'transfer': {
        const target: TransferTarget =
          'skillQueue' in a ? { skillQueue: a.skillQueue } : { number: a.number };
        const r = await session.transfer(target);
        out.transfer = { target, ok: r.ok, detail: r.detail };
        if (r.ok) return undefined;
        return { type: 'transfer_failed', detail: r.detail };
      }
      case 'hangup':
        out.hangup = true;
        return undefined;
    }
  }
  return undefined;
}

async function callRobot(
  node: RobotNodeLike,
  ctx: RobotContext,
  conn: ReturnType<typeof pinnedConnection>,
  turn: number,
  event: RobotEvent,
): Promise<RobotReply> {
  const target = await checkOutboundTarget(
    node.endpoint,
    node.trustlist ?? [],
    ctx.resolve ?? systemResolver,
  );
  if (!target.ok) throw new RobotUnreachableError(`robot endpoint refused: ${target.reason}`);
  conn.pin = { address: target.address, family: target.family };
  const body = {
    protocol: ROBOT_PROTOCOL,
    callId: ctx.callId,
    turn,
    from: ctx.from,
    to: ctx.to,
    variables: ctx.variables,
    event,
  };
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'outbound-robot/1' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout((node.timeoutSec ?? 5) * 1000),
    // A redirect would lead past the address policy (an IP literal needs no lookup): never follow.
    redirect: 'manual' as const,
  };
  let res: {
    ok: boolean;
    status: number;
    json(): Promise<unknown>;
    body: { cancel(): Promise<void> } | null;
  };
  try {
    res = ctx.fetch
      ? await ctx.fetch(node.endpoint, init)
      : await undiciFetch(node.endpoint, { ...init, dispatcher: conn.agent });
  } catch (err) {
    throw new RobotUnreachableError(`robot unreachable at ${node.endpoint}: ${failure(err)}`);
  }
  if (res.status >= 500) {
    await res.body?.cancel().catch(() => undefined);
    throw new RobotUnreachableError(`robot unreachable: it answered HTTP ${res.status}`);
  }
  if (!res.ok) throw new Error(`robot answered HTTP ${res.status}`);
  if (event.type === 'hangup') return { actions: [] };
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw new Error('robot reply is not JSON');
  }
  if (!Value.Check(RobotReply, json)) {
    const first = Value.Errors(RobotReply, json).First();
    throw new Error(
      `robot reply is invalid at ${first?.path || '/'}: ${first?.message ?? 'unknown'}`,
    );
  }
  return json;
}

/**
 * The flow a robot task runs: the robot, then, when it ends without hanging up and the task has a
 * skill queue, a transfer to the queue named by `SkillQueueName` in the call data (or the task's).
 */
export function robotFlow(
  endpoint: string,
  opts: { skillQueue?: string | null; timeoutSec?: number; trustlist?: readonly string[] } = {},
): FlowDocument {
  const nodes: FlowDocument['nodes'] = [
    {
      id: 'robot',
      type: 'robot',
      endpoint,
      ...(opts.timeoutSec ? { timeoutSec: opts.timeoutSec } : {}),
      ...(opts.trustlist ? { trustlist: [...opts.trustlist] } : {}),
    },
  ];
  if (opts.skillQueue) {
    nodes[0] = { ...nodes[0]!, next: 'queue' } as FlowDocument['nodes'][number];
    nodes.push(
      {
        id: 'queue',
        type: 'assign',
        variable: 'SkillQueueName',
        fromCallData: 'SkillQueueName',
        next: 'pick',
      },
      {
        id: 'pick',
        type: 'branch',
        variable: 'SkillQueueName',
        cases: [{ equals: '', next: 'default-queue' }],
        default: 'to-queue',
      },
      {
        id: 'default-queue',
        type: 'assign',
        variable: 'SkillQueueName',
        value: opts.skillQueue,
        next: 'to-queue',
      },
      { id: 'to-queue', type: 'transfer', target: { skillQueue: '${SkillQueueName}' } },
    );
  }
  return { nodes };
}

/**
 * The flow as the engine runs it: every robot node carries the tenant's current trustlist (the
 * saved document never does: publication refuses the field), checked before each robot request.
 */
export function withRobotTrustlist(
  flow: Record<string, unknown>,
  trustlist: readonly string[],
): Record<string, unknown> {
  const nodes = flow.nodes;
  if (!Array.isArray(nodes) || !nodes.some((n) => (n as { type?: unknown })?.type === 'robot'))
    return flow;
  return {
    ...flow,
    nodes: nodes.map((n: Record<string, unknown>) =>
      n?.type === 'robot' ? { ...n, trustlist: [...trustlist] } : n,
    ),
  };
}

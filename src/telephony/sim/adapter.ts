import type { Scheduler, Timer } from '../../platform/scheduler.ts';
import { flowCallEnd, invalidFlowCallEnd } from '../../ivr/call-end.ts';
import { parseFlow } from '../../ivr/flow.ts';
import { runFlow } from '../../ivr/interpreter.ts';
import type { CallEnd, CallEvents, CallRequest, Telephony } from '../port.ts';
import { SimMediaSession } from './media.ts';
import { ANSWERED, SimNetwork, type NetworkRules, type Outcome } from './network.ts';

/**
 * The `sim` adapter: rings, answers or fails each call as the network rules say, on the
 * scheduler's clock. A call that would ring longer than `maxRingSec` is cancelled as
 * `ring_timeout`. An answered call holds its channel for the talk time (the empty flow), then
 * ends with its result. A non-empty flow runs on a simulated media session (./media.ts): the
 * callee presses the outcome's `digits` and hangs up after the talk time unless the flow ends first.
 */
export class SimTelephony implements Telephony {
  readonly network: SimNetwork;
  readonly #sched: Scheduler;
  readonly #live = new Map<
    string,
    { timer: Timer; events: CallEvents; answered: boolean; session?: SimMediaSession }
  >();

  readonly #fetch: typeof fetch | undefined;

  /** `fetch` is for robot nodes (tests give a local one); default: the global fetch. */
  constructor(
    sched: Scheduler,
    rules: NetworkRules = {},
    seed = 1,
    opts: { fetch?: typeof fetch } = {},
  ) {
    this.#sched = sched;
    this.#fetch = opts.fetch;
    this.network = new SimNetwork(rules, seed);
  }

  get liveCalls(): number {
    return this.#live.size;
  }

  originate(req: CallRequest, events: CallEvents): void {
    const o = this.network.next(req.to);
    const start = this.#sched.now().getTime();
    const live: { timer: Timer; events: CallEvents; answered: boolean; session?: SimMediaSession } =
      { timer: { cancel() {} }, events, answered: false };
    this.#live.set(req.callId, live);
    const end = (result: Parameters<CallEvents['ended']>[0]['result'], at: number) => {
      this.#live.delete(req.callId);
      return events.ended({
        result,
        at: new Date(at),
        ...(o.digits && live.answered ? { digits: o.digits } : {}),
      });
    };
    if (o.ringSec >= req.maxRingSec && (ANSWERED.has(o.result) || o.result === 'no_answer')) {
      const at = start + req.maxRingSec * 1000;
      live.timer = this.#sched.at(at, () => end('ring_timeout', at));
      return;
    }
    const ringEnd = start + o.ringSec * 1000;
    if (!ANSWERED.has(o.result)) {
      live.timer = this.#sched.at(ringEnd, () => end(o.result, ringEnd));
      return;
    }
    live.timer = this.#sched.at(ringEnd, async () => {
      live.answered = true;
      await events.answered(new Date(ringEnd));
      if (!this.#live.has(req.callId)) return; // hung up by the engine meanwhile
      const flow = parseFlow(req.flow);
      if (flow.kind !== 'empty') return this.#runFlow(req, live, o, ringEnd, flow);
      const hangAt = ringEnd + o.talkSec * 1000;
      live.timer = this.#sched.at(hangAt, () => end(o.result, hangAt));
    });
  }

  #runFlow(
    req: CallRequest,
    live: { events: CallEvents; session?: SimMediaSession },
    o: Outcome & { talkSec: number },
    answeredAt: number,
    flow: Exclude<ReturnType<typeof parseFlow>, { kind: 'empty' }>,
  ): Promise<void> {
    const finish = (end: CallEnd) => {
      if (!this.#live.has(req.callId)) return;
      this.#live.delete(req.callId);
      return live.events.ended(end);
    };
    if (flow.kind === 'invalid')
      return Promise.resolve(finish(invalidFlowCallEnd(flow.errors, new Date(answeredAt)))).then(
        () => undefined,
      );
    const session = new SimMediaSession(this.#sched, {
      keys: o.digits ?? '',
      hangupAt: answeredAt + o.talkSec * 1000,
    });
    live.session = session;
    const ctx = {
      session,
      callId: req.callId,
      from: req.from,
      to: req.to,
      callData: req.callData,
      ...(this.#fetch ? { fetch: this.#fetch } : {}),
    };
    const idle = session.idle();
    void runFlow(flow.doc, ctx).then(async (outcome) => {
      const end = flowCallEnd(outcome, this.#sched.now());
      // The network's own answered result (e.g. answering_machine) wins over a plain success.
      if (o.result !== 'success' && o.result !== 'customer_hangup') end.result = o.result;
      try {
        await finish(end);
      } finally {
        session.close();
      }
    });
    return idle;
  }

  hangup(callId: string): void {
    const live = this.#live.get(callId);
    if (!live) return;
    live.timer.cancel();
    live.session?.abort();
    this.#live.delete(callId);
    const at = this.#sched.now();
    void live.events.ended({ result: live.answered ? 'success' : 'abandoned', at });
  }

  async close(): Promise<void> {
    for (const id of [...this.#live.keys()]) this.hangup(id);
  }
}

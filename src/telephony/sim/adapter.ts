import type { Scheduler, Timer } from '../../platform/scheduler.ts';
import { flowCallEnd, invalidFlowCallEnd } from '../../ivr/call-end.ts';
import { parseFlow } from '../../ivr/flow.ts';
import { runFlow } from '../../ivr/interpreter.ts';
import type { ResultName } from '../../domain/result-codes.ts';
import type { CallEnd, CallEvents, CallRequest, Telephony } from '../port.ts';
import type { Prompt } from '../../ivr/flow.ts';
import type { AmdResult } from '../sip/media/amd.ts';
import { simAmd } from './amd.ts';
import { SimMediaSession, simPromptMs } from './media.ts';
import { SimContactCentre } from './agents.ts';
import { ANSWERED, SimNetwork, type NetworkRules, type Outcome } from './network.ts';

/**
 * The `sim` adapter: rings, answers or fails each call as the network rules say, on the
 * scheduler's clock. A call that would ring longer than `maxRingSec` is cancelled as
 * `ring_timeout`. An answered call holds its channel for the talk time (the empty flow), then
 * ends with its result. A non-empty flow runs on a simulated media session (./media.ts): the
 * callee presses the outcome's keys and hangs up after the talk time unless the flow ends first.
 * An answering machine (`machine`) is detected once its greeting ends: the call ends there as
 * `answering_machine` with `detail.amd`.
 *
 * However a running flow is stopped (the callee, the machine detection, our `hangup`), the call
 * ends with everything the flow collected so far: the flow is aborted and its outcome awaited.
 */
type SimOutcome = Outcome & { ringSec: number; talkSec: number };
type SimAmdDetail = AmdResult & { action: string; message?: 'left' };

interface Live {
  timer: Timer;
  events: CallEvents;
  answered: boolean;
  ended: boolean;
  session?: SimMediaSession;
  /** Why we stopped the flow, when it was us. */
  stop?: 'engine' | 'machine';
  /** The AMD decision that let the call through (the task's `strategy.amd`). */
  amd?: SimAmdDetail;
  /** Settles once the call's `ended` event was delivered. */
  done: Promise<void>;
  settle: () => void;
}

export class SimTelephony implements Telephony {
  readonly network: SimNetwork;
  /** The agents behind the simulated skill queues (`rules.queues`). */
  readonly centre: SimContactCentre;
  readonly #sched: Scheduler;
  readonly #live = new Map<string, Live>();
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
    this.centre = new SimContactCentre(sched, rules.queues ?? {}, seed);
  }

  get liveCalls(): number {
    return this.#live.size;
  }

  originate(req: CallRequest, events: CallEvents): void {
    const o = this.network.next(req.to);
    const start = this.#sched.now().getTime();
    let settle!: () => void;
    const done = new Promise<void>((r) => (settle = r));
    const live: Live = {
      timer: { cancel() {} },
      events,
      answered: false,
      ended: false,
      done,
      settle,
    };
    this.#live.set(req.callId, live);
    const end = (result: ResultName, at: number, detail?: Record<string, unknown>) =>
      this.#end(req.callId, live, {
        result,
        at: new Date(at),
        ...(o.digits && live.answered && !o.machine ? { digits: o.digits } : {}),
        ...(detail ? { detail } : {}),
      });
    if (o.ringSec >= req.maxRingSec && (ANSWERED.has(o.result) || o.result === 'no_answer')) {
      const at = start + req.maxRingSec * 1000;
      live.timer = this.#sched.at(at, () => end('ring_timeout', at));
      return;
    }
    const ringEnd = start + o.ringSec * 1000;
    if (!ANSWERED.has(o.result) && !o.machine) {
      live.timer = this.#sched.at(ringEnd, () => end(o.result, ringEnd));
      return;
    }
    live.timer = this.#sched.at(ringEnd, async () => {
      live.answered = true;
      await events.answered(new Date(ringEnd));
      if (live.ended) return; // hung up by the engine meanwhile
      if (!req.amd?.enabled) return this.#connected(req, live, o, ringEnd, end);
      // AMD: the greeting goes through the sip adapter's detector; the flow starts after it.
      const amd: SimAmdDetail = {
        ...simAmd(req.amd, o.machine?.greetingSec),
        action: req.amd.action,
      };
      const decidedAt = ringEnd + amd.analysisMs;
      if (amd.decision === 'machine' && amd.action !== 'continue') {
        let at = decidedAt;
        if (amd.action === 'leave_message') {
          // After the greeting and a second of silence, the message plays, then we hang up.
          const greetingEnd = ringEnd + (o.machine?.greetingSec ?? 0.75) * 1000 + 1000;
          const msg = req.amd.messagePrompt;
          at = Math.max(decidedAt, greetingEnd) + (msg ? simPromptMs(msg as Prompt) : 0);
          amd.message = 'left';
        }
        live.timer = this.#sched.at(at, () =>
          end('answering_machine', at, { ending: 'answering_machine', amd }),
        );
        return;
      }
      live.amd = amd;
      live.timer = this.#sched.at(decidedAt, () =>
        live.ended ? undefined : this.#connected(req, live, o, decidedAt, end),
      );
    });
  }

  /** The call is connected (after AMD, if any): the flow runs, or the channel is held. */
  #connected(
    req: CallRequest,
    live: Live,
    o: SimOutcome,
    ringEnd: number,
    end: (result: ResultName, at: number, detail?: Record<string, unknown>) => Promise<void>,
  ): Promise<void> | undefined {
    {
      const flow = parseFlow(req.flow);
      if (flow.kind !== 'empty') return this.#runFlow(req, live, o, ringEnd, flow);
      if (o.machine && !live.amd) {
        const at = ringEnd + o.machine.greetingSec * 1000;
        live.timer = this.#sched.at(at, () =>
          end('answering_machine', at, { ending: 'answering_machine', amd: 'machine' }),
        );
        return;
      }
      const hangAt = ringEnd + o.talkSec * 1000;
      const detail = live.amd ? { ending: 'customer_hangup', amd: live.amd } : undefined;
      live.timer = this.#sched.at(hangAt, () => end(o.result, hangAt, detail));
      return undefined;
    }
  }

  #end(callId: string, live: Live, end: CallEnd): Promise<void> {
    if (live.ended) return Promise.resolve();
    live.ended = true;
    this.#live.delete(callId);
    return Promise.resolve(live.events.ended(end)).finally(live.settle);
  }

  #runFlow(
    req: CallRequest,
    live: Live,
    o: SimOutcome,
    answeredAt: number,
    flow: Exclude<ReturnType<typeof parseFlow>, { kind: 'empty' }>,
  ): Promise<void> {
    if (flow.kind === 'invalid')
      return this.#end(
        req.callId,
        live,
        invalidFlowCallEnd(flow.errors, new Date(answeredAt), flow.reason),
      );
    const machine = o.machine;
    const session = new SimMediaSession(this.#sched, {
      // A machine presses nothing: it plays its greeting, then records.
      keys: machine ? '' : (o.digits ?? ''),
      timedKeys: machine
        ? []
        : (o.keys ?? []).map((k) => ({ at: answeredAt + k.atSec * 1000, digits: k.digits })),
      hangupAt: answeredAt + o.talkSec * 1000,
      ...(machine ? {} : { says: o.says ?? [] }),
      onTransfer: (t) => {
        if ('skillQueue' in t) this.centre.transfer(t.skillQueue, req.callId);
      },
    });
    live.session = session;
    // A machine the detector did not catch (or no AMD: the network's own perfect detection, see
    // docs/simulate.md) — without AMD the call ends when the greeting does; with it, the machine
    // records whatever the flow says until its talk time.
    if (machine && !live.amd) {
      live.timer = this.#sched.at(answeredAt + machine.greetingSec * 1000, () => {
        const idle = session.idle();
        live.stop ??= 'machine';
        session.abort();
        return idle;
      });
    }
    const ctx = {
      session,
      callId: req.callId,
      from: req.from,
      to: req.to,
      callData: req.callData,
      ...(req.attributes ? { attributes: req.attributes } : {}),
      ...(this.#fetch ? { fetch: this.#fetch } : {}),
    };
    const idle = session.idle();
    void runFlow(flow.doc, ctx).then(async (outcome) => {
      const end = flowCallEnd(outcome, this.#sched.now());
      if (live.amd) end.detail = { ...end.detail, amd: live.amd };
      if (live.stop === 'machine') {
        end.result = 'answering_machine';
        end.detail = { ...end.detail, ending: 'answering_machine', amd: 'machine' };
      } else if (live.stop === 'engine') {
        end.detail = { ...end.detail, ending: 'engine_hangup' };
      } else if (o.result !== 'success' && o.result !== 'customer_hangup' && !outcome.error) {
        // The network's own answered result (answering_machine) wins over a plain success.
        end.result = o.result;
      }
      try {
        await this.#end(req.callId, live, end);
      } finally {
        live.timer.cancel();
        session.close();
      }
    });
    return idle;
  }

  /**
   * Ends a call from our side. Before the answer it is `abandoned`; during a flow the flow is
   * stopped and the call ends with everything it collected (`detail.ending: engine_hangup`).
   */
  hangup(callId: string): void {
    const live = this.#live.get(callId);
    if (!live || live.ended) return;
    live.timer.cancel();
    const at = this.#sched.now().getTime();
    if (live.session && !live.session.hungUp) {
      live.stop = 'engine';
      live.session.abort();
      // The flow unwinds on promises: a virtual clock run waits for its end before going on.
      this.#sched.at(at, () => live.done);
      return;
    }
    if (live.session) return; // the flow is finishing already
    void this.#end(callId, live, {
      result: live.answered ? 'success' : 'abandoned',
      at: new Date(at),
      ...(live.answered ? { detail: { ending: 'engine_hangup' } } : {}),
    });
  }

  /** Hangs up every call and waits until each one's end was delivered. */
  async close(): Promise<void> {
    const calls = [...this.#live.values()];
    for (const id of [...this.#live.keys()]) this.hangup(id);
    await Promise.all(calls.map((c) => c.done.catch(() => undefined)));
  }
}

import type { Logger } from '../platform/logger.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { Scheduler } from '../platform/scheduler.ts';
import type { Db } from '../store/db.ts';
import type { CallEnd, Telephony } from '../telephony/port.ts';
import type { AgentLedger } from './agent-ledger.ts';
import { settle, type SettleItem } from './settle.ts';
import type { TaskRuntime } from './task-runtime.ts';

/** A call whose attempt is recorded, to be placed once the claim committed. */
export interface PlacedCall {
  attemptId: number;
  to: string;
  from: string;
  callData: unknown;
  attributes: Record<string, unknown>;
}

type CallEvent =
  | { kind: 'answered'; rt: TaskRuntime; attemptId: number; at: Date }
  | { kind: 'ended'; callId: string; end: CallEnd };

/** A call in progress on this engine. */
export interface Live {
  attemptId: number;
  rt: TaskRuntime;
}

export interface CallsOptions {
  db: Db;
  scheduler: Scheduler;
  telephony: Telephony;
  logger?: Logger | undefined;
  metrics?: Pick<Metrics, 'callsPlaced' | 'leasesHeld'> | undefined;
  /** Called after messages were put in the outbox (wakes the dispatcher). */
  onOutbox: () => void;
  /** Asks the engine for a tick at `at` (a retry or delay falls due then). */
  wakeAt: (at: number) => void;
  /** When a task ticks next: a customer retried sooner waits for it. */
  nextTaskTick: (taskId: string) => number | undefined;
  /** Follows calls for pacing by agents (./agent-ledger.ts). */
  ledger?: AgentLedger | undefined;
}

/** How long a drain waits for the adapter to report the calls it hung up. */
const HANGUP_WAIT_MS = 5000;

/** The end of a call the engine cut to stop: system_error, whatever the adapter made of it. */
function shutdownEnd(end: CallEnd): CallEnd {
  return {
    ...end,
    result: 'system_error',
    detail: { ...end.detail, reason: 'shutdown' },
  };
}

/**
 * The calls of one engine: placing them, hearing their events and settling their customers. The
 * calls that end at one instant settle their customers (retry, wait, finish) together, in one
 * transaction with a constant number of statements (./settle.ts).
 */
export class Calls {
  readonly #o: CallsOptions;
  /** Calls in progress, by call id (the attempt id). */
  readonly live = new Map<string, Live>();
  readonly #pending = new Set<Promise<unknown>>();
  #events: CallEvent[] = [];
  #flushing = false;
  /**
   * Calls this engine hung up itself to stop (drain): whatever the adapter reports for them, they
   * end as `system_error` with `reason: "shutdown"`, so the policy retries the customer.
   */
  readonly #cut = new Set<string>();
  /** Resolves the drain's wait once no call is left in progress. */
  #onIdle: (() => void) | undefined;
  /** Calls placed since start, for progress displays. */
  placed = 0;

  constructor(o: CallsOptions) {
    this.#o = o;
  }

  /** Whether call events were heard and not settled yet. */
  get heard(): boolean {
    return this.#events.length > 0;
  }

  /** The tasks with a call in progress here. */
  busyTasks(): Set<string> {
    return new Set([...this.live.values()].map((l) => l.rt.taskId));
  }

  originate(rt: TaskRuntime, call: PlacedCall): void {
    const callId = String(call.attemptId);
    this.live.set(callId, { attemptId: call.attemptId, rt });
    this.placed++;
    this.#o.metrics?.callsPlaced.inc();
    this.#o.metrics?.leasesHeld.set(this.live.size);
    const ledger = this.#o.ledger;
    ledger?.placed(rt.taskId, callId, this.#o.scheduler.now().getTime());
    this.#o.telephony.originate(
      {
        callId,
        from: call.from,
        to: call.to,
        maxRingSec: rt.config.strategy.maxRingSec,
        flow: rt.flow,
        callData: call.callData,
        // Encrypted attributes stay out of the call: flows and robots never see them.
        attributes: Object.fromEntries(
          Object.entries(call.attributes ?? {}).filter(([k]) => !rt.encrypted.has(k)),
        ),

        amd: rt.config.strategy.amd,
      },
      {
        answered: (at) => {
          ledger?.answered(callId, at.getTime());
          this.#queueEvent({ kind: 'answered', rt, attemptId: call.attemptId, at });
        },
        ended: (end) => {
          ledger?.ended(callId, end);
          this.#queueEvent({ kind: 'ended', callId, end });
        },
      },
    );
  }

  /** Settles the events already heard, then waits for the settling in flight. */
  async settleAll(): Promise<void> {
    if (this.#events.length) await this.track(this.flush());
    await Promise.all([...this.#pending]);
  }

  /**
   * The end of a drain: settles the events already heard as they are (those calls were not cut),
   * hangs up the calls left and waits for the adapter to report them; those it never reports are
   * closed here, as the same shutdown result. Returns how many calls were cut.
   */
  async cutLeft(): Promise<number> {
    const { scheduler } = this.#o;
    if (this.#events.length) await this.track(this.flush());
    const ending = new Set(this.#events.flatMap((e) => (e.kind === 'ended' ? [e.callId] : [])));
    const left = [...this.live.keys()].filter((id) => !ending.has(id));
    for (const id of left) this.#cut.add(id);
    for (const id of left) this.#o.telephony.hangup(id);
    if (left.length > 0) {
      // An adapter reports the end of a call it hung up (at once, or after the far end answers
      // the BYE); one that never does is closed here, as the same shutdown result.
      await this.idleOr(scheduler.now().getTime() + HANGUP_WAIT_MS);
      const at = scheduler.now();
      for (const id of left.filter((x) => this.live.has(x)))
        this.#queueEvent({
          kind: 'ended',
          callId: id,
          end: { result: 'system_error', at, detail: { reason: 'shutdown' } },
        });
      this.#o.logger?.warn(
        { calls: left.length },
        'drain time over: calls still in progress hung up (system_error, reason shutdown)',
      );
    }
    return left.length;
  }

  /** Resolves once no call is in progress here, or at `until` (scheduler time). */
  idleOr(until: number): Promise<void> {
    if (this.live.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = this.#o.scheduler.at(until, () => done());
      const done = () => {
        timer.cancel();
        this.#onIdle = undefined;
        resolve();
      };
      this.#onIdle = done;
    });
  }

  track<T>(p: Promise<T>): Promise<T> {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p)).catch(() => undefined);
    return p.catch((err: unknown) => {
      this.#o.logger?.error({ err }, 'call event failed');
      return undefined as T;
    });
  }

  /**
   * Call events are queued and settled together, in one transaction per instant with a constant
   * number of statements (./settle.ts): calls placed on the same tick with the same outcome end
   * together, and one commit for all of them is what keeps a busy engine fast. If the batch
   * fails, each event is retried on its own.
   */
  #queueEvent(e: CallEvent): void {
    this.#events.push(e);
    if (this.#flushing) return;
    this.#flushing = true;
    this.#o.scheduler.at(this.#o.scheduler.now(), () => this.track(this.flush()));
  }

  /** `inTickAt`: flushed by the tick at this instant, which covers wakes up to it. */
  async flush(inTickAt = -Infinity): Promise<void> {
    const events = this.#events;
    this.#events = [];
    this.#flushing = false;
    if (events.length === 0) return;
    // Each end is matched to its call here, once (a second end of a call is ignored: events are
    // idempotent), so that a batch retried event by event still knows its calls.
    const items: SettleItem[] = [];
    for (const e of events) {
      if (e.kind === 'answered') {
        items.push({ kind: 'answered', rt: e.rt, attemptId: e.attemptId, at: e.at });
        continue;
      }
      const live = this.live.get(e.callId);
      this.live.delete(e.callId);
      if (live)
        items.push({
          kind: 'ended',
          rt: live.rt,
          attemptId: live.attemptId,
          end: this.#cut.delete(e.callId) ? shutdownEnd(e.end) : e.end,
          lastCall: false,
        });
    }
    if (this.live.size === 0) this.#onIdle?.();
    this.#o.metrics?.leasesHeld.set(this.live.size);
    // A call is its task's last here when no call of the task is left once it ended: neither one
    // still in progress nor one that ends after it in this batch.
    const busy = this.busyTasks();
    for (let i = items.length - 1; i >= 0; i--) {
      const it = items[i]!;
      if (it.kind !== 'ended') continue;
      it.lastCall = !busy.has(it.rt.taskId);
      busy.add(it.rt.taskId);
    }
    const opts = { nextTaskTick: this.#o.nextTaskTick };
    let wakes: (number | undefined)[] = [];
    try {
      wakes = await this.#o.db.transaction().execute((trx) => settle(trx, items, opts));
    } catch (err) {
      this.#o.logger?.warn(
        { err, events: events.length },
        'batch of call events failed; settling them one by one',
      );
      wakes = [];
      for (const it of items) {
        try {
          wakes.push(...(await this.#o.db.transaction().execute((trx) => settle(trx, [it], opts))));
        } catch (e2) {
          // Left active: its lease expires and the sweeper closes it as system_error.
          this.#o.logger?.error({ err: e2 }, 'call event failed');
        }
      }
    }
    const now = this.#o.scheduler.now().getTime();
    for (const w of wakes) if (w !== undefined && w > inTickAt) this.#o.wakeAt(Math.max(w, now));
    this.#o.onOutbox();
  }
}

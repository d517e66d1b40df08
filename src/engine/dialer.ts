import { isWithinWindow, nextWindowStart } from '../domain/calling-windows.ts';
import { initialPacing, tickLength } from '../domain/pacing.ts';
import type { Logger } from '../platform/logger.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { Scheduler } from '../platform/scheduler.ts';
import type { Db } from '../store/db.ts';
import { loadWorld } from '../store/resources.ts';
import {
  completeTaskIfDone,
  taskFlags,
  tickState,
  type RunningTask,
  type TickTask,
} from '../store/running-tasks.ts';
import type { Telephony } from '../telephony/port.ts';
import { AgentLedger } from './agent-ledger.ts';
import type { QueueBoard } from './agent-pacing-phase.ts';
import { Calls, type PlacedCall } from './calls.ts';
import { dialTenant, type TaskClaimant } from './dial-phase.ts';
import { Leases } from './leases.ts';
import { Loop } from './loop.ts';
import { prepareContacts } from './prepare.ts';
import { buildRuntime, rateOf, type TaskRuntime } from './task-runtime.ts';

export interface DialerOptions {
  db: Db;
  scheduler: Scheduler;
  telephony: Telephony;
  engineId: string;
  logger?: Logger | undefined;
  /** Engine tick, ms (default 1000). Each task accrues its quota on its own tick (min(interval, 3) s). */
  tickMs?: number;
  /** Longest sleep when nothing is due (real time: 1000 so API changes are seen; virtual: long). */
  idleMs?: number;
  /** Contacts prepared (order key, filter) per task per tick. */
  prepareBatch?: number;
  /**
   * How long a claim and its call stay leased without a heartbeat (default 60 s). The engine
   * renews its leases every quarter of this; a sweeper closes the calls of an engine that stopped
   * renewing (it died) as system_error and lets the policy retry the customer.
   */
  leaseMs?: number;
  /** Called after messages were put in the outbox (wakes the dispatcher). */
  onOutbox?: () => void;
  metrics?:
    | Pick<Metrics, 'callsPlaced' | 'sweeperRecoveries' | 'leasesHeld' | 'liveCallsSwept'>
    | undefined;
  /** Live skill queue states that need no database (the sim's agents); else the pushed ones. */
  queueBoard?: QueueBoard | undefined;
}

/**
 * The dialer: on each tick it expires tasks, completes finished ones, and for each tenant splits
 * free channels between its running tasks by priority and pacing quota, claims the next customers
 * and places their calls (./dial-phase.ts). The calls that end at one instant settle their
 * customers together (./calls.ts); the heartbeat and the sweeper keep leases (./leases.ts).
 * Time comes only from the scheduler.
 */
export class Dialer {
  readonly #o: Required<Omit<DialerOptions, 'logger' | 'metrics' | 'queueBoard'>> &
    Pick<DialerOptions, 'logger' | 'metrics' | 'queueBoard'>;
  /** This engine's view of its calls to skill queues, for pacing by agents. */
  readonly agentLedger = new AgentLedger();
  readonly #runtimes = new Map<string, { updatedAt: number; rt: TaskRuntime }>();
  readonly #loop: Loop;
  readonly #calls: Calls;
  readonly #leases: Leases;
  /** When each task ticks next (its pacing tick), to wake the engine on it. */
  readonly #nextTaskTick = new Map<string, number>();

  constructor(o: DialerOptions) {
    this.#o = {
      tickMs: 1000,
      idleMs: 1000,
      prepareBatch: 20000,
      leaseMs: 60_000,
      onOutbox: () => {},
      ...o,
    };
    this.#loop = new Loop({
      scheduler: o.scheduler,
      tick: () => this.tick(),
      retryMs: this.#o.tickMs,
      onError: (err) => this.#o.logger?.error({ err }, 'engine tick failed'),
    });
    const shared = {
      db: o.db,
      scheduler: o.scheduler,
      telephony: o.telephony,
      logger: o.logger,
      metrics: o.metrics,
      onOutbox: this.#o.onOutbox,
      wakeAt: (at: number) => this.wakeAt(at),
      nextTaskTick: (taskId: string) => this.#nextTaskTick.get(taskId),
      ledger: this.agentLedger,
    };
    this.#calls = new Calls(shared);
    this.#leases = new Leases({
      ...shared,
      engineId: o.engineId,
      leaseMs: this.#o.leaseMs,
      calls: this.#calls,
      runtime: (t) => this.#runtime(t),
    });
  }

  /** Calls of dead engines closed by this engine's sweeper. */
  get recovered(): number {
    return this.#leases.recovered;
  }

  /** Calls of this engine that another engine's sweeper closed while they were in progress. */
  get liveSwept(): number {
    return this.#leases.liveSwept;
  }

  /** Calls placed since start, for progress displays. */
  get placed(): number {
    return this.#calls.placed;
  }

  start(): void {
    this.#loop.start();
    this.#leases.start();
  }

  /** Stops ticking and waits for the work in flight (calls already placed keep their events). */
  async stop(): Promise<void> {
    await this.#loop.stop();
    // Events already heard (calls that ended) are settled before stopping.
    await this.#calls.settleAll();
    await this.#leases.stop();
  }

  /**
   * The draining stop: claims nothing more, lets the calls in progress (their IVR or robot
   * included) end on their own for up to `drainMs`, then hangs up those left. A call cut so ends as
   * `system_error` with `reason: "shutdown"` (keeping what the adapter collected, e.g. digits) and
   * its customer is settled by the policy like any other system_error; never as `abandoned` or
   * `success`, which could finish a customer the engine itself cut. Leases stay renewed meanwhile.
   */
  async drain(drainMs: number): Promise<{ ended: number; cut: number }> {
    const { scheduler } = this.#o;
    // The drain time runs from the signal, not from the end of the tick in flight.
    const until = scheduler.now().getTime() + drainMs;
    await this.#loop.stop();
    const before = this.#calls.live.size;
    if (before > 0) {
      this.#o.logger?.info(
        { calls: before, drainSec: drainMs / 1000 },
        'draining: waiting for the calls in progress',
      );
      await this.#calls.idleOr(until);
    }
    const cut = await this.#calls.cutLeft();
    await this.stop();
    return { ended: before - cut, cut };
  }

  get liveCalls(): number {
    return this.#calls.live.size;
  }

  /** Ask for a tick at `at` (or now): used when a task starts, data arrives or a retry is due. */
  wakeAt(at?: number): void {
    this.#loop.wakeAt(at);
  }

  /** One engine tick at the scheduler's time; returns when the next one is wanted. */
  async tick(): Promise<number> {
    const { db, scheduler } = this.#o;
    const now = scheduler.now();
    const nowMs = now.getTime();
    // Calls that ended at this instant free their channels before this tick counts them (and
    // this tick is the one they would wake at this instant).
    if (this.#calls.heard) await this.#calls.flush(nowMs);
    await this.#leases.sweep(now);
    const state = await tickState(db, now);
    let next = nowMs + this.#o.idleMs;
    const byTenant = new Map<string, TickTask[]>();
    for (const s of state) {
      const list = byTenant.get(s.task.tenantId);
      if (list) list.push(s);
      else byTenant.set(s.task.tenantId, [s]);
    }
    for (const [tenantId, list] of byTenant) {
      next = Math.min(next, await this.#tickTenant(tenantId, list, now));
    }
    for (const s of state) next = Math.min(next, new Date(s.task.config.end).getTime());
    return Math.max(next, nowMs + 1);
  }

  async #runtime(t: RunningTask): Promise<TaskRuntime> {
    const cached = this.#runtimes.get(t.id);
    if (cached && cached.updatedAt === t.updatedAt.getTime()) {
      // The tenant's settings are read every tick: claims obey their current caps, local windows
      // and trustlist without waiting for the task to change.
      cached.rt.tenant = t.tenant;
      return cached.rt;
    }
    const world = await loadWorld(this.#o.db, t.tenantId, t.tenant);
    const rt = buildRuntime(t, world);
    this.#runtimes.set(t.id, { updatedAt: t.updatedAt.getTime(), rt });
    return rt;
  }

  async #tickTenant(tenantId: string, list: TickTask[], now: Date): Promise<number> {
    const { db } = this.#o;
    const nowMs = now.getTime();
    let next = Infinity;
    const claimants: TaskClaimant[] = [];
    let due: number | null = null;
    for (const { task: t, flags: promoted, nextDue } of list) {
      if (nextDue) due = Math.min(due ?? Infinity, nextDue.getTime());
      const rt = await this.#runtime(t);
      // Due retries were promoted by tickState; then preparing, then the flags as they are after.
      const preparing = await prepareContacts(db, rt, t, this.#o.prepareBatch);
      const flags = t.prepareGen === t.preparedGen ? promoted : await taskFlags(db, t.id);
      if (!flags.open) {
        if (await completeTaskIfDone(db, tenantId, t.id, now))
          this.#o.logger?.info({ task: t.name }, 'task completed');
        continue;
      }
      const inWindow = isWithinWindow(now, rt.window);
      const strategy = rt.config.strategy;
      const pacing =
        t.pacing && t.pacing.denominator === strategy.intervalSec
          ? t.pacing
          : initialPacing(strategy);
      const tickDue = !t.nextTickAt || t.nextTickAt.getTime() <= nowMs;
      claimants.push({
        id: t.id,
        priority: t.priority,
        due: 0,
        rate: rateOf(rt),
        holdsPriority: inWindow && flags.open,
        t,
        rt,
        pacing,
        tickDue,
      });
      if (preparing) next = Math.min(next, nowMs + this.#o.tickMs);
      if (!inWindow) {
        const w = nextWindowStart(now, rt.window);
        if (w) next = Math.min(next, w.getTime());
      } else if (flags.ready) {
        // The task's next tick: dialing happens only on task ticks (every min(interval, 3) s).
        next = Math.min(next, tickDue ? nowMs + tickLength(strategy) : t.nextTickAt!.getTime());
      }
      claimants.at(-1)!.canDial = inWindow && flags.ready && !preparing;
    }
    if (due !== null) next = Math.min(next, due);
    // Only a task tick dials (next_tick_at only moves on, so a fresher read would not say
    // otherwise): without one, the dial phase would change nothing.
    if (!claimants.some((c) => c.tickDue)) return next;

    const settings = list[0]!.task.tenant;
    const toCall: { rt: TaskRuntime; call: PlacedCall }[] = [];
    // The dial phase runs under the tenant's row lock: engines sharing a tenant take turns, so
    // channels are counted once and each task's quota accrues once per task tick.
    const phase = {
      db,
      scheduler: this.#o.scheduler,
      engineId: this.#o.engineId,
      leaseMs: this.#o.leaseMs,
      nextTaskTick: this.#nextTaskTick,
      agents: { ledger: this.agentLedger, board: this.#o.queueBoard },
    };
    await this.#leases.claiming(nowMs, async () => {
      await dialTenant(phase, tenantId, claimants, settings, nowMs, toCall);
      // Calls are placed only once their attempts are committed: a crash never leaves a call
      // without its record.
      for (const { rt, call } of toCall) this.#calls.originate(rt, call);
      // Recording calls renewed the engine's lease (store/claim.ts).
      return toCall.length > 0;
    });
    return next;
  }
}

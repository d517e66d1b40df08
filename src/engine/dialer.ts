import { isWithinWindow, nextWindowStart } from '../domain/calling-windows.ts';
import { orderKey, passesFilter } from '../domain/contact-order.ts';
import { roundOrder } from '../domain/number-rounds.ts';
import { accrue, giveBack, initialPacing, tickLength, type PacingState } from '../domain/pacing.ts';
import { RESULT_CODES, type ResultName } from '../domain/result-codes.ts';
import type { Logger } from '../platform/logger.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { Scheduler } from '../platform/scheduler.ts';
import { Loop } from './loop.ts';
import type { Transaction } from 'kysely';
import type { Db } from '../store/db.ts';
import type { Database } from '../store/schema.ts';
import * as dial from '../store/dial.ts';
import { settleContacts } from '../store/settle.ts';
import { blockedAmong } from '../store/blocklists.ts';
import { loadWorld } from '../store/resources.ts';
import type { CallEnd, Telephony } from '../telephony/port.ts';
import { allocate, heldBack, type Claimant } from './allocate.ts';
import { decide, settle, type SettleItem } from './settle.ts';
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
}

interface PlacedCall {
  attemptId: number;
  to: string;
  from: string;
  callData: unknown;
  attributes: Record<string, unknown>;
}

type CallEvent =
  | { kind: 'answered'; rt: TaskRuntime; attemptId: number; at: Date }
  | { kind: 'ended'; callId: string; end: CallEnd };

type SavedPacing = { tenantId: string; taskId: string; pacing: PacingState; nextTickAt: Date };

type Claimant_ = Claimant & {
  t: dial.RunningTask;
  rt: TaskRuntime;
  pacing: PacingState;
  tickDue: boolean;
  canDial?: boolean;
};

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

interface Live {
  attemptId: number;
  rt: TaskRuntime;
}

/**
 * The dialer: on each tick it expires tasks, completes finished ones, and for each tenant splits
 * free channels between its running tasks by priority and pacing quota, claims the next customers
 * and places their calls. The calls that end at one instant settle their customers (retry, wait,
 * finish) together, in one transaction with a constant number of statements (./settle.ts).
 * Time comes only from the scheduler.
 */
export class Dialer {
  readonly #o: Required<Omit<DialerOptions, 'logger' | 'metrics'>> &
    Pick<DialerOptions, 'logger' | 'metrics'>;
  readonly #runtimes = new Map<string, { updatedAt: number; rt: TaskRuntime }>();
  readonly #live = new Map<string, Live>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #loop: Loop;
  /** The heartbeat runs on its own timer, so a slow tick (waiting on a lock) never starves it. */
  readonly #beat: Loop;
  #events: CallEvent[] = [];
  #flushing = false;
  /** When each task ticks next (its pacing tick), to wake the engine on it. */
  readonly #nextTaskTick = new Map<string, number>();
  /** The sweeper looks again at this instant: no lease it saw expires before it. */
  #nextSweepAt = -Infinity;
  /**
   * Whether this engine may hold leases nobody settles (its heartbeat renews them): false once a
   * beat found nothing to renew with no call in progress, true again with the next claim.
   */
  #mayHoldLeases = true;
  /** Claims started, and those in progress: a beat that overlapped one does not clear the above. */
  #claims = 0;
  #claiming = 0;
  /**
   * Calls this engine hung up itself to stop (drain): whatever the adapter reports for them, they
   * end as `system_error` with `reason: "shutdown"`, so the policy retries the customer.
   */
  readonly #cut = new Set<string>();
  /** Resolves the drain's wait once no call is left in progress. */
  #onIdle: (() => void) | undefined;
  /** Calls of dead engines closed by this engine's sweeper. */
  recovered = 0;
  /** Calls of this engine that another engine's sweeper closed while they were in progress. */
  liveSwept = 0;
  /** Calls placed since start, for progress displays. */
  placed = 0;

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
    this.#beat = new Loop({
      scheduler: o.scheduler,
      tick: async () => {
        const now = this.#o.scheduler.now().getTime();
        // An idle engine (no call, no claim since a beat that found nothing) has nothing to renew.
        if (this.#mayHoldLeases || this.#live.size > 0) {
          const claims = this.#claiming > 0 ? -1 : this.#claims;
          const renewed = await dial.renewLeases(
            this.#o.db,
            this.#o.engineId,
            new Date(now + this.#o.leaseMs),
          );
          if (renewed === 0 && this.#live.size === 0 && claims === this.#claims)
            this.#mayHoldLeases = false;
          await this.#lostWhileLive();
        }
        return now + this.#o.leaseMs / 4;
      },
      retryMs: this.#o.leaseMs / 8,
      onError: (err) => this.#o.logger?.error({ err }, 'engine heartbeat failed'),
    });
  }

  /**
   * Calls this engine still has in progress that another engine's sweeper closed (this one's
   * heartbeat did not get through within a lease: a database stall, a frozen process). Their
   * customers may be dialed again already, so the calls are hung up; it is reported as a warning
   * and counted (`outbound_live_calls_swept_total`), as it should never happen with a sound lease.
   */
  async #lostWhileLive(): Promise<void> {
    if (this.#live.size === 0) return;
    const ids = [...this.#live.values()].map((l) => l.attemptId);
    const closed = await dial.endedAmong(this.#o.db, ids);
    const lost = closed.filter((id) => this.#live.has(String(id)));
    if (lost.length === 0) return;
    this.#o.logger?.warn(
      { calls: lost.length, attempts: lost.slice(0, 20) },
      'calls in progress of this live engine were closed by a sweeper (heartbeat late); hanging them up',
    );
    this.#o.metrics?.liveCallsSwept.inc(lost.length);
    this.liveSwept += lost.length;
    // Their end, when the adapter reports it, changes nothing: the attempts are ended already.
    for (const id of lost) this.#o.telephony.hangup(String(id));
  }

  start(): void {
    this.#loop.start();
    this.#beat.start();
  }

  /** Stops ticking and waits for the work in flight (calls already placed keep their events). */
  async stop(): Promise<void> {
    await this.#loop.stop();
    // Events already heard (calls that ended) are settled before stopping.
    if (this.#events.length) await this.#track(this.#flush());
    await Promise.all([...this.#pending]);
    await this.#beat.stop();
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
    const before = this.#live.size;
    if (before > 0) {
      this.#o.logger?.info(
        { calls: before, drainSec: drainMs / 1000 },
        'draining: waiting for the calls in progress',
      );
      await this.#idleOr(until);
    }
    // Events already heard are settled as they are: those calls were not cut.
    if (this.#events.length) await this.#track(this.#flush());
    const ending = new Set(this.#events.flatMap((e) => (e.kind === 'ended' ? [e.callId] : [])));
    const left = [...this.#live.keys()].filter((id) => !ending.has(id));
    for (const id of left) this.#cut.add(id);
    for (const id of left) this.#o.telephony.hangup(id);
    if (left.length > 0) {
      // An adapter reports the end of a call it hung up (at once, or after the far end answers
      // the BYE); one that never does is closed here, as the same shutdown result.
      await this.#idleOr(scheduler.now().getTime() + HANGUP_WAIT_MS);
      const at = scheduler.now();
      for (const id of left.filter((x) => this.#live.has(x)))
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
    await this.stop();
    return { ended: before - left.length, cut: left.length };
  }

  /** Resolves once no call is in progress here, or at `until` (scheduler time). */
  #idleOr(until: number): Promise<void> {
    if (this.#live.size === 0) return Promise.resolve();
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

  get liveCalls(): number {
    return this.#live.size;
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
    if (this.#events.length) await this.#flush(nowMs);
    await this.#sweep(now);
    const state = await dial.tickState(db, now);
    let next = nowMs + this.#o.idleMs;
    const byTenant = new Map<string, dial.TickTask[]>();
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

  async #runtime(t: dial.RunningTask): Promise<TaskRuntime> {
    const cached = this.#runtimes.get(t.id);
    if (cached && cached.updatedAt === t.updatedAt.getTime()) return cached.rt;
    const world = await loadWorld(this.#o.db, t.tenantId, t.tenant);
    const rt = buildRuntime(t, world);
    this.#runtimes.set(t.id, { updatedAt: t.updatedAt.getTime(), rt });
    return rt;
  }

  async #tickTenant(tenantId: string, list: dial.TickTask[], now: Date): Promise<number> {
    const { db } = this.#o;
    const nowMs = now.getTime();
    let next = Infinity;
    const claimants: Claimant_[] = [];
    let due: number | null = null;
    for (const { task: t, flags: promoted, nextDue } of list) {
      if (nextDue) due = Math.min(due ?? Infinity, nextDue.getTime());
      const rt = await this.#runtime(t);
      // Due retries were promoted by tickState; then preparing, then the flags as they are after.
      const preparing = await this.#prepare(rt, t);
      const flags = t.prepareGen === t.preparedGen ? promoted : await dial.taskFlags(db, t.id);
      if (!flags.open) {
        if (await dial.completeTaskIfDone(db, tenantId, t.id, now))
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
    this.#claims++;
    this.#claiming++;
    this.#mayHoldLeases = true;
    try {
      await this.#dial(tenantId, claimants, settings, nowMs, toCall);
      // Calls are placed only once their attempts are committed: a crash never leaves a call
      // without its record.
      for (const { rt, call } of toCall) this.#originate(rt, call);
    } finally {
      this.#claiming--;
    }
    return next;
  }

  async #dial(
    tenantId: string,
    claimants: Claimant_[],
    settings: dial.RunningTask['tenant'],
    nowMs: number,
    toCall: { rt: TaskRuntime; call: PlacedCall }[],
  ): Promise<void> {
    const { db } = this.#o;
    await db.transaction().execute(async (trx) => {
      await dial.lockTenant(trx, tenantId);
      // Calls start now, once the lock is held: another engine may have waited here a while, and
      // channels freed meanwhile were freed before this instant (the records must show that).
      const startAt = this.#o.scheduler.now();
      const { pacing: fresh, active } = await dial.pacingAndChannels(
        trx,
        tenantId,
        claimants.map((c) => c.id),
      );
      for (const c of claimants) {
        const f = fresh.get(c.id);
        const strategy = c.rt.config.strategy;
        c.pacing =
          f?.pacing && f.pacing.denominator === strategy.intervalSec
            ? f.pacing
            : initialPacing(strategy);
        c.tickDue = !f?.nextTickAt || f.nextTickAt.getTime() <= nowMs;
      }
      const free = settings.channels - active;
      // Priority decides before pacing: a task held back by a higher one does not bank quota.
      const held = heldBack(claimants, settings.priorityMode);
      for (const c of claimants) {
        if (!c.tickDue) continue;
        const canDial = c.canDial === true && !held.has(c.id) && free > 0;
        const r = accrue(c.pacing, c.rt.config.strategy, canDial);
        c.pacing = r.state;
        c.due = r.due;
      }
      const grant = allocate(claimants, free, settings.priorityMode);
      const unsaved: SavedPacing[] = [];
      for (const c of claimants) {
        if (!c.tickDue) continue;
        const n = grant.get(c.id) ?? 0;
        const nextTick = nowMs + tickLength(c.rt.config.strategy);
        this.#nextTaskTick.set(c.id, nextTick);
        const pacingAfter = (placed: number): SavedPacing => ({
          tenantId,
          taskId: c.id,
          pacing:
            placed < c.due ? giveBack(c.pacing, c.rt.config.strategy, c.due - placed) : c.pacing,
          nextTickAt: new Date(nextTick),
        });
        // A claim that places calls saves the pacing along with their attempts.
        const placed = n > 0 ? await this.#claim(trx, c.rt, n, startAt, toCall, pacingAfter) : 0;
        if (placed === 0) unsaved.push(pacingAfter(0));
      }
      await dial.savePacing(trx, tenantId, unsaved);
    });
  }

  /**
   * Order keys and the attribute filter, for contacts that have not been prepared yet. Only when
   * the task says some may need it (imports and edits bump its generation), so a tick reads no
   * contact for this in steady state. Returns whether some are still left for the next tick.
   */
  async #prepare(rt: TaskRuntime, t: dial.RunningTask): Promise<boolean> {
    if (t.prepareGen === t.preparedGen) return false;
    const rows = await dial.unprepared(this.#o.db, rt.taskId, this.#o.prepareBatch);
    const cs = rt.config.callStrategy;
    const filter = rt.config.strategy.filter;
    await dial.savePrepared(
      this.#o.db,
      rt.taskId,
      rows.map((r) => r.id),
      rows.map((r) =>
        orderKey(
          {
            priority: r.priority,
            numbers: r.numbers as { number: string }[],
            attributes: r.attributes,
          },
          cs,
          rt.attributes,
        ),
      ),
      rows.map((r) => !passesFilter(r.attributes, filter, rt.attributes)),
    );
    if (rows.length === this.#o.prepareBatch) return true;
    await dial.markPrepared(this.#o.db, rt.taskId, t.prepareGen);
    return false;
  }

  /**
   * Claims up to n customers of the task in `trx` and records their attempts; the calls to place
   * are added to `out`. Returns the attempts made (skipped numbers included); when there are
   * some, the task's pacing was saved with them.
   */
  async #claim(
    trx: Transaction<Database>,
    rt: TaskRuntime,
    n: number,
    now: Date,
    out: { rt: TaskRuntime; call: PlacedCall }[],
    /** The task's pacing once this many attempts were made: saved with them. */
    pacingAfter: (placed: number) => SavedPacing,
  ): Promise<number> {
    const { engineId } = this.#o;
    const cfg = rt.config;
    const leaseUntil = new Date(now.getTime() + this.#o.leaseMs);
    const claimed = await dial.claimContacts(trx, rt.taskId, n, engineId, leaseUntil);
    if (claimed.length === 0) return 0;
    const pick = claimed.map((c) => {
      const order = roundOrder(c.numbers, cfg.callStrategy.numberRounds);
      const idx = c.nextNumber ?? order[0] ?? 0;
      return { c, idx, number: c.numbers[idx]!.number };
    });
    const barred = await this.#barred(
      trx,
      rt,
      pick.map((p) => p.number),
      now,
    );
    const rows: dial.NewAttempt[] = pick.map(({ c, idx, number }) => {
      const bar = barred.get(number);
      const caller = rt.callers.length ? rt.callers[rt.nextCaller++ % rt.callers.length]! : null;
      return {
        tenantId: rt.tenantId,
        taskId: rt.taskId,
        contactId: c.id,
        sessionId: c.sessionId,
        number,
        numberIndex: idx,
        attemptNo: c.attempts + 1,
        callerNo: bar ? null : caller,
        engineId,
        leaseUntil,
        startedAt: now,
        ...(bar ? { endedWith: { result: bar, code: RESULT_CODES[bar] } } : {}),
      };
    });
    const ids = await dial.insertAttempts(trx, rows, pacingAfter(rows.length));
    const skipped: { id: number; history: dial.HistoryEntry[]; outcome: dial.ContactOutcome }[] =
      [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const c = pick[i]!.c;
      if (row.endedWith) {
        // Skipped without a call: the customer moves on at once by the same policy.
        const history = [
          ...c.history,
          {
            numberIndex: row.numberIndex,
            startedAt: now.toISOString(),
            endedAt: now.toISOString(),
            result: row.endedWith.result,
          },
        ];
        skipped.push({ id: c.id, history, outcome: decide(rt, c.numbers, history, now) });
      } else {
        out.push({
          rt,
          call: {
            attemptId: ids[i]!,
            to: row.number,
            from: row.callerNo ?? '',
            callData: c.callData,
            attributes: c.attributes,
          },
        });
      }
    }
    // The claimed contacts are locked by this transaction already.
    await settleContacts(trx, skipped);
    return rows.length;
  }

  /** Numbers that may not be called now: blocklisted (within quota rules) or untrusted in trial. */
  async #barred(
    db: Db,
    rt: TaskRuntime,
    numbers: string[],
    now: Date,
  ): Promise<Map<string, ResultName>> {
    const out = new Map<string, ResultName>();
    if (rt.tenant.trial) {
      const trusted = new Set(rt.tenant.calledTrustlist);
      for (const n of numbers) if (!trusted.has(n)) out.set(n, 'not_trusted');
    }
    const blocklistId = rt.config.blocklistId;
    if (!blocklistId) return out;
    const entries = await blockedAmong(db, rt.tenantId, blocklistId, numbers, now);
    if (entries.size === 0) return out;
    const limited = [...entries.values()].filter((e) => e.restrict);
    const hour = limited.filter((e) => e.restrict!.period === 'hour').map((e) => e.number);
    const day = limited.filter((e) => e.restrict!.period === 'day').map((e) => e.number);
    const inHour = await dial.recentAttempts(
      db,
      rt.tenantId,
      hour,
      new Date(now.getTime() - 3600_000),
    );
    const inDay = await dial.recentAttempts(
      db,
      rt.tenantId,
      day,
      new Date(now.getTime() - 86400_000),
    );
    for (const e of entries.values()) {
      if (out.has(e.number)) continue;
      if (!e.restrict) out.set(e.number, 'blocked');
      else {
        const used = (e.restrict.period === 'hour' ? inHour : inDay).get(e.number) ?? 0;
        if (used >= e.restrict.times) out.set(e.number, 'blocked');
      }
    }
    return out;
  }

  #originate(rt: TaskRuntime, call: PlacedCall): void {
    const callId = String(call.attemptId);
    this.#live.set(callId, { attemptId: call.attemptId, rt });
    this.placed++;
    this.#o.metrics?.callsPlaced.inc();
    this.#o.metrics?.leasesHeld.set(this.#live.size);
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
        answered: (at) => this.#queueEvent({ kind: 'answered', rt, attemptId: call.attemptId, at }),
        ended: (end) => this.#queueEvent({ kind: 'ended', callId, end }),
      },
    );
  }

  #track<T>(p: Promise<T>): Promise<T> {
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
    this.#o.scheduler.at(this.#o.scheduler.now(), () => this.#track(this.#flush()));
  }

  /** `inTickAt`: flushed by the tick at this instant, which covers wakes up to it. */
  async #flush(inTickAt = -Infinity): Promise<void> {
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
      const live = this.#live.get(e.callId);
      this.#live.delete(e.callId);
      if (live)
        items.push({
          kind: 'ended',
          rt: live.rt,
          attemptId: live.attemptId,
          end: this.#cut.delete(e.callId) ? shutdownEnd(e.end) : e.end,
          lastCall: false,
        });
    }
    if (this.#live.size === 0) this.#onIdle?.();
    this.#o.metrics?.leasesHeld.set(this.#live.size);
    // A call is its task's last here when no call of the task is left once it ended: neither one
    // still in progress nor one that ends after it in this batch.
    const busy = new Set([...this.#live.values()].map((l) => l.rt.taskId));
    for (let i = items.length - 1; i >= 0; i--) {
      const it = items[i]!;
      if (it.kind !== 'ended') continue;
      it.lastCall = !busy.has(it.rt.taskId);
      busy.add(it.rt.taskId);
    }
    const opts = { nextTaskTick: (taskId: string) => this.#nextTaskTick.get(taskId) };
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
    for (const w of wakes) if (w !== undefined && w > inTickAt) this.wakeAt(Math.max(w, now));
    this.#o.onOutbox();
  }

  /**
   * Closes the calls whose lease expired (their engine died or lost the database) as
   * `system_error`, and settles their customers by policy — never re-dialing while such a call
   * may still be up, since the lease outlives the heartbeat by three beats. Looks again only once
   * a lease it saw may have expired, or one taken since (leases last `leaseMs`).
   */
  async #sweep(now: Date): Promise<void> {
    const nowMs = now.getTime();
    if (nowMs < this.#nextSweepAt) return;
    const LIMIT = 200;
    const found = await dial.expiredAttempts(this.#o.db, now, LIMIT);
    let expired = found.expired;
    const nextExpiry = found.nextExpiry;
    this.#nextSweepAt =
      expired.length >= LIMIT
        ? nowMs
        : Math.min(nextExpiry?.getTime() ?? Infinity, nowMs + this.#o.leaseMs);
    // Calls this engine still has in progress are its own, however late its heartbeat: never
    // swept here (the heartbeat is asked to renew them now instead).
    const own = expired.filter(
      (a) => a.engineId === this.#o.engineId && this.#live.has(String(a.id)),
    );
    if (own.length > 0) {
      this.#o.logger?.warn(
        { calls: own.length },
        'leases of calls in progress expired before the heartbeat renewed them; renewing',
      );
      this.#beat.wakeAt();
      expired = expired.filter((a) => !own.includes(a));
    }
    if (expired.length === 0) return;
    const busy = new Set([...this.#live.values()].map((l) => l.rt.taskId));
    const tasks = new Map<string, dial.RunningTask | undefined>();
    const items: SettleItem[] = [];
    for (const a of expired) {
      if (!tasks.has(a.taskId))
        tasks.set(a.taskId, await dial.runningTaskById(this.#o.db, a.taskId));
      const task = tasks.get(a.taskId);
      if (!task) continue;
      const rt = await this.#runtime(task);
      items.push({
        kind: 'ended',
        rt,
        attemptId: a.id,
        end: {
          result: 'system_error',
          at: now,
          detail: { reason: 'engine lost', engine: a.engineId },
        },
        lastCall: !busy.has(rt.taskId),
      });
    }
    if (items.length === 0) return;
    const wakes = await this.#o.db.transaction().execute((trx) =>
      settle(trx, items, {
        leaseExpiredBy: now,
        nextTaskTick: (taskId) => this.#nextTaskTick.get(taskId),
      }),
    );
    // The sweep is part of the tick at `now`, which covers the wakes up to it.
    for (const w of wakes) if (w !== undefined && w > nowMs) this.wakeAt(w);
    this.#o.onOutbox();
    this.recovered += items.length;
    this.#o.metrics?.sweeperRecoveries.inc(items.length);
  }
}

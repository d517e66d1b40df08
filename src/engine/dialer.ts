import { isWithinWindow, nextWindowStart } from '../domain/calling-windows.ts';
import { orderKey, passesFilter } from '../domain/contact-order.ts';
import { roundOrder } from '../domain/number-rounds.ts';
import { accrue, giveBack, initialPacing, tickLength, type PacingState } from '../domain/pacing.ts';
import { CONNECTED_RESULTS, RESULT_CODES, type ResultName } from '../domain/result-codes.ts';
import { decideAfterAttempt } from '../domain/retry-policy.ts';
import type { Logger } from '../platform/logger.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { Scheduler } from '../platform/scheduler.ts';
import { Loop } from './loop.ts';
import type { Transaction } from 'kysely';
import type { Db } from '../store/db.ts';
import type { Database } from '../store/schema.ts';
import { enqueue } from '../store/outbox.ts';
import { callbackPayload, smsRecipient, smsText } from '../notify/messages.ts';
import * as dial from '../store/dial.ts';
import { blockedAmong } from '../store/blocklists.ts';
import { loadWorld } from '../store/resources.ts';
import type { CallEnd, Telephony } from '../telephony/port.ts';
import { allocate, heldBack, type Claimant } from './allocate.ts';
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
  metrics?: Pick<Metrics, 'callsPlaced' | 'sweeperRecoveries' | 'leasesHeld'> | undefined;
}

interface PlacedCall {
  attemptId: number;
  to: string;
  from: string;
  callData: unknown;
}

type CallEvent =
  | { kind: 'answered'; rt: TaskRuntime; attemptId: number; at: Date }
  | { kind: 'ended'; callId: string; end: CallEnd };

interface Live {
  attemptId: number;
  rt: TaskRuntime;
}

/**
 * The dialer: on each tick it expires tasks, completes finished ones, and for each tenant splits
 * free channels between its running tasks by priority and pacing quota, claims the next customers
 * and places their calls. A call's end settles its customer (retry, wait, finish) in one
 * transaction. Time comes only from the scheduler.
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
  /** Calls of dead engines closed by this engine's sweeper. */
  recovered = 0;
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
        await dial.renewLeases(this.#o.db, this.#o.engineId, new Date(now + this.#o.leaseMs));
        return now + this.#o.leaseMs / 4;
      },
      retryMs: this.#o.leaseMs / 8,
      onError: (err) => this.#o.logger?.error({ err }, 'engine heartbeat failed'),
    });
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
    // Calls that ended at this instant free their channels before this tick counts them.
    if (this.#events.length) await this.#flush();
    await this.#sweep(now);
    await dial.expireTasks(db, now);
    await dial.resumeCompletedWithData(db, now);
    const tasks = await dial.runningTasks(db);
    let next = nowMs + this.#o.idleMs;
    const byTenant = new Map<string, dial.RunningTask[]>();
    for (const t of tasks) byTenant.set(t.tenantId, [...(byTenant.get(t.tenantId) ?? []), t]);
    for (const [tenantId, list] of byTenant) {
      next = Math.min(next, await this.#tickTenant(tenantId, list, now));
    }
    for (const t of tasks) next = Math.min(next, new Date(t.config.end).getTime());
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

  async #tickTenant(tenantId: string, tasks: dial.RunningTask[], now: Date): Promise<number> {
    const { db } = this.#o;
    const nowMs = now.getTime();
    let next = Infinity;
    const claimants: (Claimant & {
      t: dial.RunningTask;
      rt: TaskRuntime;
      pacing: PacingState;
      tickDue: boolean;
    })[] = [];
    for (const t of tasks) {
      const rt = await this.#runtime(t);
      await dial.promoteDue(db, t.id, now);
      const preparing = await this.#prepare(rt, t);
      const flags = await dial.taskFlags(db, t.id);
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
      (claimants.at(-1) as { canDial?: boolean }).canDial = inWindow && flags.ready && !preparing;
    }
    const due = await dial.nextDue(
      db,
      tasks.map((t) => t.id),
    );
    if (due) next = Math.min(next, due.getTime());
    if (claimants.length === 0) return next;

    const settings = tasks[0]!.tenant;
    const toCall: { rt: TaskRuntime; call: PlacedCall }[] = [];
    // The dial phase runs under the tenant's row lock: engines sharing a tenant take turns, so
    // channels are counted once and each task's quota accrues once per task tick.
    await db.transaction().execute(async (trx) => {
      await dial.lockTenant(trx, tenantId);
      // Calls start now, once the lock is held: another engine may have waited here a while, and
      // channels freed meanwhile were freed before this instant (the records must show that).
      const startAt = this.#o.scheduler.now();
      const fresh = await dial.pacingOf(
        trx,
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
      const free = settings.channels - (await dial.activeChannels(trx, tenantId));
      // Priority decides before pacing: a task held back by a higher one does not bank quota.
      const held = heldBack(claimants, settings.priorityMode);
      for (const c of claimants) {
        if (!c.tickDue) continue;
        const canDial =
          (c as { canDial?: boolean }).canDial === true && !held.has(c.id) && free > 0;
        const r = accrue(c.pacing, c.rt.config.strategy, canDial);
        c.pacing = r.state;
        c.due = r.due;
      }
      const grant = allocate(claimants, free, settings.priorityMode);
      for (const c of claimants) {
        if (!c.tickDue) continue;
        const n = grant.get(c.id) ?? 0;
        const placed = n > 0 ? await this.#claim(trx, c.rt, n, startAt, toCall) : 0;
        const pacing =
          placed < c.due ? giveBack(c.pacing, c.rt.config.strategy, c.due - placed) : c.pacing;
        const nextTick = nowMs + tickLength(c.rt.config.strategy);
        this.#nextTaskTick.set(c.id, nextTick);
        await dial.savePacing(trx, c.id, pacing, new Date(nextTick));
      }
    });
    // Calls are placed only once their attempts are committed: a crash never leaves a call
    // without its record.
    for (const { rt, call } of toCall) this.#originate(rt, call);
    return next;
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
   * are added to `out`. Returns the attempts made (skipped numbers included).
   */
  async #claim(
    trx: Transaction<Database>,
    rt: TaskRuntime,
    n: number,
    now: Date,
    out: { rt: TaskRuntime; call: PlacedCall }[],
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
    const ids = await dial.insertAttempts(trx, rows);
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
        await dial.settleContact(trx, c.id, history, this.#decide(rt, c.numbers, history, now));
      } else {
        out.push({
          rt,
          call: {
            attemptId: ids[i]!,
            to: row.number,
            from: row.callerNo ?? '',
            callData: c.callData,
          },
        });
      }
    }
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

  #decide(
    rt: TaskRuntime,
    numbers: dial.StoredNumber[],
    history: dial.HistoryEntry[],
    now: Date,
  ): dial.ContactOutcome {
    const order = roundOrder(numbers, rt.config.callStrategy.numberRounds);
    const d = decideAfterAttempt({
      policy: rt.config.resultPolicy,
      resultDefinitions: rt.resultDefinitions,
      numbers,
      order,
      attempts: history.map((h) => ({
        numberIndex: h.numberIndex,
        startedAt: new Date(h.startedAt),
        endedAt: new Date(h.endedAt),
        result: h.result,
      })),
      zone: rt.zone,
      windowStart: (t) => nextWindowStart(t, rt.window),
    });
    if (d.kind === 'finish')
      return { kind: 'finish', result: history.at(-1)!.result, reason: d.reason, at: now };
    return {
      kind: 'retry',
      numberIndex: d.numberIndex,
      dueAt: d.notBefore,
      ready: d.notBefore.getTime() <= now.getTime(),
    };
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
   * Call events are queued and settled together, in one transaction per instant: calls placed on
   * the same tick with the same outcome end together, and one commit for all of them is what
   * keeps a busy engine fast. If the batch fails, each event is retried on its own.
   */
  #queueEvent(e: CallEvent): void {
    this.#events.push(e);
    if (this.#flushing) return;
    this.#flushing = true;
    this.#o.scheduler.at(this.#o.scheduler.now(), () => this.#track(this.#flush()));
  }

  async #flush(): Promise<void> {
    const events = this.#events;
    this.#events = [];
    this.#flushing = false;
    if (events.length === 0) return;
    let wakes: (number | undefined)[] = [];
    try {
      await this.#o.db.transaction().execute(async (trx) => {
        wakes = [];
        for (const e of events) wakes.push(await this.#apply(trx, e));
      });
    } catch (err) {
      this.#o.logger?.warn(
        { err, events: events.length },
        'batch of call events failed; settling them one by one',
      );
      wakes = [];
      for (const e of events) {
        try {
          wakes.push(await this.#o.db.transaction().execute((trx) => this.#apply(trx, e)));
        } catch (e2) {
          // Left active: its lease expires and the sweeper closes it as system_error.
          this.#o.logger?.error({ err: e2 }, 'call event failed');
        }
      }
    }
    const now = this.#o.scheduler.now().getTime();
    for (const w of wakes) if (w !== undefined) this.wakeAt(Math.max(w, now));
    this.#o.onOutbox();
  }

  async #apply(trx: Transaction<Database>, e: CallEvent): Promise<number | undefined> {
    if (e.kind === 'answered') {
      await this.#answeredIn(trx, e.rt, e.attemptId, e.at);
      return undefined;
    }
    const live = this.#live.get(e.callId);
    this.#live.delete(e.callId);
    this.#o.metrics?.leasesHeld.set(this.#live.size);
    return live ? this.#endedIn(trx, live, e.end) : undefined;
  }

  async #answeredIn(
    trx: Transaction<Database>,
    rt: TaskRuntime,
    attemptId: number,
    at: Date,
  ): Promise<void> {
    {
      const a = await dial.markAnswered(trx, attemptId, at);
      const url = rt.config.callbackUrl;
      if (!a || !url) return;
      const payload = callbackPayload(
        'connect',
        {
          attemptId,
          tenantId: a.tenant_id,
          taskId: a.task_id,
          contactId: a.contact_id,
          sessionId: a.session_id,
          customField: a.custom_field,
          number: a.number,
          callerNo: a.caller_no,
          attemptNo: a.attempt_no,
          startedAt: a.started_at,
          answeredAt: a.answered_at,
          endedAt: null,
          result: null,
        },
        rt.zone,
      );
      await enqueue(trx, {
        tenantId: a.tenant_id,
        taskId: a.task_id,
        kind: 'callback',
        event: 'connect',
        attemptId,
        contactId: a.contact_id,
        idempotencyKey: `cb:${attemptId}:connect`,
        target: url,
        payload: { ...payload },
        at,
      });
    }
  }

  /** A customer finished without any connected call gets the task's SMS (product.md §7). */
  async #failureSms(
    trx: Transaction<Database>,
    rt: TaskRuntime,
    c: {
      id: number;
      sessionId: string;
      customField: string | null;
      attributes: Record<string, unknown>;
      numbers: dial.StoredNumber[];
    },
    history: dial.HistoryEntry[],
    at: Date,
  ): Promise<void> {
    if (!rt.sms || history.some((h) => CONNECTED_RESULTS.has(h.result as ResultName))) return;
    const to = smsRecipient(c.numbers);
    if (!to) return;
    const text = smsText(rt.sms.text, c, rt.encrypted);
    await enqueue(trx, {
      tenantId: rt.tenantId,
      taskId: rt.taskId,
      kind: 'sms',
      event: 'failed_customer',
      attemptId: null,
      contactId: c.id,
      idempotencyKey: `sms:${c.id}:${history.length}`,
      target: to,
      payload: {
        provider: rt.sms.type,
        templateId: rt.sms.templateId,
        to,
        text,
        sessionId: c.sessionId,
      },
      at,
    });
  }

  /**
   * Closes the calls whose lease expired (their engine died or lost the database) as
   * `system_error`, and settles their customers by policy — never re-dialing while such a call
   * may still be up, since the lease outlives the heartbeat by three beats.
   */
  async #sweep(now: Date): Promise<void> {
    const lost = await dial.expiredAttempts(this.#o.db, now, 200);
    for (const a of lost) {
      const task = await dial.runningTaskById(this.#o.db, a.taskId);
      if (!task) continue;
      const rt = await this.#runtime(task);
      const wake = await this.#o.db.transaction().execute((trx) =>
        this.#endedIn(
          trx,
          { attemptId: a.id, rt },
          {
            result: 'system_error',
            at: now,
            detail: { reason: 'engine lost', engine: a.engineId },
          },
          now,
        ),
      );
      if (wake !== undefined) this.wakeAt(Math.max(wake, now.getTime()));
      this.#o.onOutbox();
      this.recovered++;
      this.#o.metrics?.sweeperRecoveries.inc();
    }
  }

  /** Ends one call in `trx`: the attempt, its customer by policy, the release callback, the SMS. */
  async #endedIn(
    trx: Transaction<Database>,
    live: Live,
    end: CallEnd,
    /** Sweeping: end it only if its lease is still expired at this instant (not renewed since). */
    leaseExpiredBy?: Date,
  ): Promise<number | undefined> {
    const { rt, attemptId } = live;
    let wake: number | undefined;
    {
      const a = await dial.endAttempt(
        trx,
        attemptId,
        {
          result: end.result,
          code: RESULT_CODES[end.result],
          at: end.at,
          digits: end.digits,
          detail: end.detail,
        },
        leaseExpiredBy,
      );
      if (!a) return;
      const c = await dial.lockContact(trx, a.contact_id);
      if (!c) return;
      const history = [
        ...(c.history as dial.HistoryEntry[]),
        {
          numberIndex: a.number_index,
          startedAt: a.started_at.toISOString(),
          endedAt: end.at.toISOString(),
          result: end.result,
        },
      ];
      const outcome = this.#decide(rt, c.numbers as dial.StoredNumber[], history, end.at);
      await dial.settleContact(trx, c.id, history, outcome);
      // Wake on the task's next tick, not at every call's end: calls ending within a tick are
      // settled by one engine tick (pacing only starts calls on task ticks anyway).
      const due = outcome.kind === 'retry' ? outcome.dueAt.getTime() : end.at.getTime();
      // The task's last call here ending: tick at once, the task may be complete.
      const lastCall = ![...this.#live.values()].some((l) => l.rt.taskId === rt.taskId);
      wake = lastCall ? due : Math.max(due, this.#nextTaskTick.get(rt.taskId) ?? due);
      const url = rt.config.callbackUrl;
      if (url) {
        const payload = callbackPayload(
          'release',
          {
            attemptId,
            tenantId: a.tenant_id,
            taskId: a.task_id,
            contactId: c.id,
            sessionId: c.session_id,
            customField: c.custom_field,
            number: a.number,
            callerNo: a.caller_no,
            attemptNo: a.attempt_no,
            startedAt: a.started_at,
            answeredAt: a.answered_at,
            endedAt: end.at,
            result: end.result,
            digits: end.digits ?? null,
          },
          rt.zone,
        );
        await enqueue(trx, {
          tenantId: a.tenant_id,
          taskId: a.task_id,
          kind: 'callback',
          event: 'release',
          attemptId,
          contactId: c.id,
          idempotencyKey: `cb:${attemptId}:release`,
          target: url,
          payload: { ...payload },
          at: end.at,
        });
      }
      if (outcome.kind === 'finish')
        await this.#failureSms(
          trx,
          rt,
          {
            id: c.id,
            sessionId: c.session_id,
            customField: c.custom_field,
            attributes: c.attributes,
            numbers: c.numbers as dial.StoredNumber[],
          },
          history,
          end.at,
        );
    }
    return wake;
  }
}

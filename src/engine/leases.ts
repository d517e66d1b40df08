import type { Logger } from '../platform/logger.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { Scheduler } from '../platform/scheduler.ts';
import type { Db } from '../store/db.ts';
import { dropIdleLeases, endedAmong, expiredAttempts, renewEngineLease } from '../store/leases.ts';
import { runningTaskById, type RunningTask } from '../store/running-tasks.ts';
import type { Telephony } from '../telephony/port.ts';
import type { Calls } from './calls.ts';
import { Loop } from './loop.ts';
import { settle, type SettleItem } from './settle.ts';
import type { TaskRuntime } from './task-runtime.ts';

export interface LeasesOptions {
  db: Db;
  scheduler: Scheduler;
  telephony: Telephony;
  engineId: string;
  leaseMs: number;
  logger?: Logger | undefined;
  metrics?: Pick<Metrics, 'sweeperRecoveries' | 'liveCallsSwept'> | undefined;
  calls: Calls;
  runtime: (t: RunningTask) => Promise<TaskRuntime>;
  onOutbox: () => void;
  wakeAt: (at: number) => void;
  nextTaskTick: (taskId: string) => number | undefined;
}

/**
 * The leases of one engine: its heartbeat renews the engine's lease row every quarter of a lease
 * (one row, whatever the calls in progress); its sweeper closes the calls of engines that stopped
 * renewing theirs (they died).
 */
export class Leases {
  readonly #o: LeasesOptions;
  /** The heartbeat runs on its own timer, so a slow tick (waiting on a lock) never starves it. */
  readonly #beat: Loop;
  /** The sweeper looks again at this instant: no lease it saw expires before it. */
  #nextSweepAt = -Infinity;
  /**
   * Whether this engine may hold leases nobody settles (its heartbeat renews them): false once a
   * beat found no call in progress and no claim since the previous one, true again with a claim.
   */
  #mayHoldLeases = true;
  /** Claims started, and those in progress: a beat that overlapped one does not clear the above. */
  #claims = 0;
  #claiming = 0;
  /**
   * Until when this engine's lease row is known to run (what it last wrote): a beat or claim that
   * comes later than a quarter of a lease before it may find calls another engine's sweeper
   * closed meanwhile, so it looks for them (#lostWhileLive); an on-time beat need not.
   */
  #leaseUntil = -Infinity;
  #mayHaveLapsed = true;
  /** Calls of dead engines closed by this engine's sweeper. */
  recovered = 0;
  /** Calls of this engine that another engine's sweeper closed while they were in progress. */
  liveSwept = 0;

  constructor(o: LeasesOptions) {
    this.#o = o;
    const live = o.calls.live;
    this.#beat = new Loop({
      scheduler: o.scheduler,
      tick: async () => {
        const now = this.#o.scheduler.now().getTime();
        // An idle engine (no call, no claim since a beat that found nothing) has nothing to renew.
        if (this.#mayHoldLeases || live.size > 0) {
          const claims = this.#claiming > 0 ? -1 : this.#claims;
          this.#lapsing(now);
          const until = now + this.#o.leaseMs;
          await renewEngineLease(this.#o.db, this.#o.engineId, new Date(until));
          this.#leaseUntil = Math.max(this.#leaseUntil, until);
          if (live.size === 0 && claims === this.#claims) this.#mayHoldLeases = false;
          if (this.#mayHaveLapsed) {
            await this.#lostWhileLive();
            this.#mayHaveLapsed = false;
          }
        }
        return now + this.#o.leaseMs / 4;
      },
      retryMs: this.#o.leaseMs / 8,
      onError: (err) => this.#o.logger?.error({ err }, 'engine heartbeat failed'),
    });
  }

  /** Notes that the lease may have lapsed before `now` (another engine may have swept calls). */
  #lapsing(now: number): void {
    // A quarter of a lease of margin: another engine's clock may run a little ahead of this one's.
    if (now >= this.#leaseUntil - this.#o.leaseMs / 4) this.#mayHaveLapsed = true;
  }

  start(): void {
    this.#beat.start();
  }

  stop(): Promise<void> {
    return this.#beat.stop();
  }

  /**
   * Runs a claim: the heartbeat knows this engine may hold leases from its start. The claim
   * returns whether it renewed the engine's lease row (it recorded calls), at least to `until`.
   */
  async claiming(at: number, claim: () => Promise<boolean>): Promise<void> {
    this.#claims++;
    this.#claiming++;
    this.#mayHoldLeases = true;
    try {
      this.#lapsing(at);
      if (await claim()) this.#leaseUntil = Math.max(this.#leaseUntil, at + this.#o.leaseMs);
    } finally {
      this.#claiming--;
    }
  }

  /**
   * Calls this engine still has in progress that another engine's sweeper closed (this one's
   * heartbeat did not get through within a lease: a database stall, a frozen process). Their
   * customers may be dialed again already, so the calls are hung up; it is reported as a warning
   * and counted (`outbound_live_calls_swept_total`), as it should never happen with a sound lease.
   */
  async #lostWhileLive(): Promise<void> {
    const live = this.#o.calls.live;
    if (live.size === 0) return;
    const ids = [...live.values()].map((l) => l.attemptId);
    const closed = await endedAmong(this.#o.db, ids);
    const lost = closed.filter((id) => live.has(String(id)));
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

  /**
   * Closes the calls whose lease expired (their engine died or lost the database) as
   * `system_error`, and settles their customers by policy — never re-dialing while such a call
   * may still be up, since the lease outlives the heartbeat by three beats. Looks again only once
   * a lease it saw may have expired, or one taken since (leases last `leaseMs`).
   */
  async sweep(now: Date): Promise<void> {
    const nowMs = now.getTime();
    if (nowMs < this.#nextSweepAt) return;
    const live = this.#o.calls.live;
    const LIMIT = 200;
    const found = await expiredAttempts(this.#o.db, now, LIMIT);
    let expired = found.expired;
    const nextExpiry = found.nextExpiry;
    this.#nextSweepAt =
      expired.length + found.idle.length >= LIMIT
        ? nowMs
        : Math.min(nextExpiry?.getTime() ?? Infinity, nowMs + this.#o.leaseMs);
    // Engines gone with no call left: their rows go (this one's own stays while it runs).
    await dropIdleLeases(
      this.#o.db,
      found.idle.filter((e) => e !== this.#o.engineId),
      now,
    );
    // Calls this engine still has in progress are its own, however late its heartbeat: never
    // swept here (the heartbeat is asked to renew them now instead).
    const own = expired.filter((a) => a.engineId === this.#o.engineId && live.has(String(a.id)));
    if (own.length > 0) {
      this.#o.logger?.warn(
        { calls: own.length },
        'leases of calls in progress expired before the heartbeat renewed them; renewing',
      );
      this.#beat.wakeAt();
      expired = expired.filter((a) => !own.includes(a));
    }
    if (expired.length === 0) return;
    const busy = this.#o.calls.busyTasks();
    const tasks = new Map<string, RunningTask | undefined>();
    const items: SettleItem[] = [];
    for (const a of expired) {
      if (!tasks.has(a.taskId)) tasks.set(a.taskId, await runningTaskById(this.#o.db, a.taskId));
      const task = tasks.get(a.taskId);
      if (!task) continue;
      const rt = await this.#o.runtime(task);
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
        nextTaskTick: this.#o.nextTaskTick,
      }),
    );
    // The sweep is part of the tick at `now`, which covers the wakes up to it.
    for (const w of wakes) if (w !== undefined && w > nowMs) this.#o.wakeAt(w);
    this.#o.onOutbox();
    this.recovered += items.length;
    this.#o.metrics?.sweeperRecoveries.inc(items.length);
  }
}

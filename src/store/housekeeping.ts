import { sql } from 'kysely';
import type { Logger } from '../platform/logger.ts';
import type { Scheduler, Timer } from '../platform/scheduler.ts';
import { CAP_LOOKBACK_MS } from '../domain/number-caps.ts';
import { pruneAudit } from './audit.ts';
import { pruneNumberLocks } from './compliance.ts';
import type { Db } from './db.ts';
import { foldTaskCounts } from './progress.ts';

export interface HousekeeperOptions {
  db: Db;
  scheduler: Scheduler;
  /** Audit rows older than this are removed. */
  auditRetentionMs: number;
  /** How often the task counters' deltas are folded (default 5 s). */
  foldMs?: number;
  /** How often old audit rows are pruned (default hourly). */
  pruneMs?: number;
  /**
   * How often the busiest tables' planner statistics are refreshed; 0 = never (default).
   * PGlite has no autovacuum: without it, statistics taken when a task had no attempts would
   * keep the planner off the list indexes for good. PostgreSQL's autovacuum does this itself.
   */
  analyzeMs?: number;
  logger?: Logger;
}

/**
 * Small periodic upkeep of the store, on the injected clock: folds the task counters' deltas into
 * their totals (progress reads stay a few rows), prunes audit rows past their retention and the
 * lock rows of numbers no cap can count any more (store/compliance.ts). Every
 * process may run one: folds take turns by an advisory lock, pruning twice deletes nothing twice.
 */
export class Housekeeper {
  readonly #o: Required<Omit<HousekeeperOptions, 'logger'>> & { logger?: Logger };
  #timers: Timer[] = [];
  #running = new Set<Promise<unknown>>();
  #stopped = false;

  constructor(o: HousekeeperOptions) {
    this.#o = { foldMs: 5_000, pruneMs: 3_600_000, analyzeMs: 0, ...o };
  }

  start(): this {
    this.#every(this.#o.foldMs, () => this.fold());
    this.#every(this.#o.pruneMs, () => this.prune(), 0);
    if (this.#o.analyzeMs > 0) this.#every(this.#o.analyzeMs, () => this.analyze());
    return this;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) t.cancel();
    await Promise.allSettled([...this.#running]);
  }

  fold(): Promise<number> {
    return foldTaskCounts(this.#o.db);
  }

  /**
   * Removes audit rows older than the retention, and the cap lock rows of numbers not dialed
   * within the longest cap's reach; returns how many audit rows went.
   */
  async prune(): Promise<number> {
    const now = this.#o.scheduler.now().getTime();
    const before = new Date(now - this.#o.auditRetentionMs);
    const n = await pruneAudit(this.#o.db, before);
    if (n) this.#o.logger?.info({ removed: n, before }, 'audit rows past retention removed');
    const locks = await pruneNumberLocks(this.#o.db, new Date(now - CAP_LOOKBACK_MS));
    if (locks) this.#o.logger?.info({ removed: locks }, 'cap locks of numbers no longer dialed');
    return n;
  }

  async analyze(): Promise<void> {
    await sql`analyze contacts, attempts, task_counts, task_count_deltas`.execute(this.#o.db);
  }

  #every(ms: number, job: () => Promise<unknown>, first = ms): void {
    const { scheduler } = this.#o;
    const i = this.#timers.length;
    const run = async () => {
      if (this.#stopped) return;
      const p = job().catch((err: unknown) =>
        this.#o.logger?.error({ err }, 'housekeeping failed'),
      );
      this.#running.add(p);
      await p;
      this.#running.delete(p);
      if (!this.#stopped) this.#timers[i] = scheduler.at(scheduler.now().getTime() + ms, run);
    };
    this.#timers.push(scheduler.at(scheduler.now().getTime() + first, run));
  }
}

import type { Scheduler, Timer } from '../platform/scheduler.ts';

/**
 * The shape every background worker shares (dialer, outbox dispatcher, export worker): one round
 * at a time on the injected scheduler; `tick()` returns when the next round is wanted; `wakeAt()`
 * asks for an earlier one (a wake during a round is kept for when it ends, never run alongside);
 * `stop()` cancels the timer and waits for the round in flight. A failed round is reported and
 * retried after `retryMs`.
 */
export class Loop {
  readonly #sched: Scheduler;
  readonly #tick: () => Promise<number>;
  readonly #onError: (err: unknown) => void;
  readonly #retryMs: number;
  #timer: Timer | undefined;
  #timerAt = Infinity;
  #running = false;
  #busy: Promise<void> | undefined;
  #wantAt = Infinity;

  constructor(o: {
    scheduler: Scheduler;
    tick: () => Promise<number>;
    onError: (err: unknown) => void;
    retryMs: number;
  }) {
    this.#sched = o.scheduler;
    this.#tick = o.tick;
    this.#onError = o.onError;
    this.#retryMs = o.retryMs;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    this.#running = true;
    this.wakeAt(this.#sched.now().getTime());
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = Infinity;
    await this.#busy;
  }

  wakeAt(at: number = this.#sched.now().getTime()): void {
    if (!this.#running) return;
    if (this.#busy) {
      this.#wantAt = Math.min(this.#wantAt, at);
      return;
    }
    if (at >= this.#timerAt) return;
    this.#timer?.cancel();
    this.#timerAt = at;
    this.#timer = this.#sched.at(at, () => this.#round());
  }

  async #round(): Promise<void> {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (!this.#running) return;
    this.#wantAt = Infinity;
    const run = this.#tick().catch((err: unknown) => {
      this.#onError(err);
      return this.#sched.now().getTime() + this.#retryMs;
    });
    this.#busy = run.then(() => undefined);
    const next = await run;
    this.#busy = undefined;
    this.wakeAt(Math.min(next, this.#wantAt));
  }
}

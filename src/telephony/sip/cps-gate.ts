import type { Scheduler, Timer } from '../../platform/scheduler.ts';

/**
 * A trunk's calls-per-second limit: new INVITEs leave at most `perSec` a second, in slots of
 * 10 ms, first come first served; the rest wait their turn instead of being refused. The engine
 * starts each pacing tick's calls at once: without this, a tick of 2,000 calls sends 2,000
 * INVITEs in one burst and their 4,000 responses overflow a UDP receive buffer (docs/sip.md).
 */
const SLOT_MS = 10;

export class CpsGate {
  readonly #sched: Scheduler;
  readonly #perSlot: number;
  readonly #slotMs: number;
  readonly #queue: (() => void)[] = [];
  #slotStart = -Infinity;
  #sentInSlot = 0;
  #timer: Timer | undefined;

  constructor(sched: Scheduler, perSec: number) {
    this.#sched = sched;
    this.#perSlot = Math.max(1, Math.floor((perSec * SLOT_MS) / 1000));
    // Below 100/s a slot would hold less than one call: space them 1000/perSec ms apart instead.
    this.#slotMs = perSec * SLOT_MS < 1000 ? 1000 / perSec : SLOT_MS;
  }

  /** Calls waiting for their slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Runs `send` now if this slot has room, else when a later one does. */
  enqueue(send: () => void): void {
    this.#queue.push(send);
    this.#drain();
  }

  /** Forgets the waiting sends (shutdown); the callers release their calls themselves. */
  clear(): (() => void)[] {
    this.#timer?.cancel();
    this.#timer = undefined;
    return this.#queue.splice(0);
  }

  #drain(): void {
    if (this.#timer) return;
    const now = this.#sched.now().getTime();
    if (now >= this.#slotStart + this.#slotMs) {
      this.#slotStart = now;
      this.#sentInSlot = 0;
    }
    while (this.#queue.length && this.#sentInSlot < this.#perSlot) {
      this.#sentInSlot++;
      this.#queue.shift()!();
    }
    if (this.#queue.length)
      this.#timer = this.#sched.at(this.#slotStart + this.#slotMs, () => {
        this.#timer = undefined;
        this.#drain();
      });
  }
}

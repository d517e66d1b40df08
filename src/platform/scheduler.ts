import type { Clock } from './clock.ts';

/**
 * Timers on the injected clock. The engine and the sim network schedule everything through this:
 * in production it is setTimeout on the system clock; in tests and `simulate` a virtual queue
 * that jumps from one due timer to the next, so days of dialing run in seconds.
 */
export type Task = () => void | Promise<void>;
export interface Timer {
  cancel(): void;
}

export interface Scheduler extends Clock {
  at(when: Date | number, fn: Task): Timer;
}

interface Entry {
  when: number;
  seq: number;
  fn: Task;
  cancelled: boolean;
}

/**
 * A virtual scheduler: time moves only in `runUntil`/`step`, which run due timers in time order
 * (ties in scheduling order) and await each one, so a handler's database writes finish before
 * time moves on.
 */
export class VirtualScheduler implements Scheduler {
  #now: number;
  #seq = 0;
  // A binary heap ordered by (when, seq).
  #heap: Entry[] = [];

  constructor(start: Date | string | number) {
    this.#now = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  at(when: Date | number, fn: Task): Timer {
    const e: Entry = {
      when: Math.max(typeof when === 'number' ? when : when.getTime(), this.#now),
      seq: this.#seq++,
      fn,
      cancelled: false,
    };
    this.#push(e);
    return { cancel: () => void (e.cancelled = true) };
  }

  /** When the next live timer is due, or null. */
  nextAt(): number | null {
    while (this.#heap.length && this.#heap[0]!.cancelled) this.#pop();
    return this.#heap.length ? this.#heap[0]!.when : null;
  }

  /** Runs every timer due up to `until` (inclusive), then sets the clock to `until`. */
  async runUntil(until: Date | number): Promise<void> {
    const limit = typeof until === 'number' ? until : until.getTime();
    for (;;) {
      const next = this.nextAt();
      if (next === null || next > limit) break;
      const e = this.#pop()!;
      this.#now = e.when;
      await e.fn();
    }
    this.#now = Math.max(this.#now, limit);
  }

  #less(a: Entry, b: Entry): boolean {
    return a.when < b.when || (a.when === b.when && a.seq < b.seq);
  }

  #push(e: Entry): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #pop(): Entry | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** Real time: timers are setTimeout; errors of a timer's task go to `onError`. */
export class RealScheduler implements Scheduler {
  readonly #onError: (err: unknown) => void;
  constructor(onError: (err: unknown) => void) {
    this.#onError = onError;
  }
  now(): Date {
    return new Date();
  }
  at(when: Date | number, fn: Task): Timer {
    const ms = Math.max(0, (typeof when === 'number' ? when : when.getTime()) - Date.now());
    const h = setTimeout(() => {
      Promise.resolve()
        .then(fn)
        .catch((e: unknown) => this.#onError(e));
    }, ms);
    return { cancel: () => clearTimeout(h) };
  }
}

/**
 * Real time sped up `speed` times, from `start`: for demonstrations and browser tests that want to
 * watch a task dial through hours in minutes. Timers fire when the accelerated clock reaches them.
 */
export class AcceleratedScheduler implements Scheduler {
  readonly #origin: number;
  readonly #realOrigin: number;
  readonly #speed: number;
  readonly #onError: (err: unknown) => void;
  constructor(start: Date | number, speed: number, onError: (err: unknown) => void) {
    if (!(speed > 0)) throw new Error('speed must be positive');
    this.#origin = new Date(start).getTime();
    this.#realOrigin = performance.now();
    this.#speed = speed;
    this.#onError = onError;
  }
  now(): Date {
    return new Date(this.#origin + (performance.now() - this.#realOrigin) * this.#speed);
  }
  at(when: Date | number, fn: Task): Timer {
    const target = typeof when === 'number' ? when : when.getTime();
    const ms = Math.max(0, (target - this.now().getTime()) / this.#speed);
    const h = setTimeout(() => {
      Promise.resolve()
        .then(fn)
        .catch((e: unknown) => this.#onError(e));
    }, ms);
    return { cancel: () => clearTimeout(h) };
  }
}

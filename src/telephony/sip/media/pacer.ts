/**
 * One pacing loop for every RTP stream of the process. Streams send a frame every 20 ms on a
 * schedule fixed when they start (due = start + n·20 ms on the monotonic clock), so timer jitter
 * never accumulates into drift: a late wake-up sends what is due and the next one comes sooner.
 *
 * Starts snap to a grid of SLOT_MS slots (SLOTS per frame), and each wake serves one slot's
 * streams: one timer per slot instead of one per stream, and the work of a frame is spread over
 * the slots rather than done in one burst. Lateness (actual − due) is kept for the benchmark.
 */
export const FRAME_MS = 20;
const SLOTS = 4;
const SLOT_MS = FRAME_MS / SLOTS;

export interface PacedStream {
  /** Sends the next frame; false when the stream has nothing more to send. */
  frame(): boolean;
}

interface Entry {
  s: PacedStream;
  due: number;
}

export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export class Pacer {
  readonly #slots: Set<Entry>[] = Array.from({ length: SLOTS }, () => new Set<Entry>());
  readonly #byStream = new Map<PacedStream, { e: Entry; slot: number }>();
  #timer: NodeJS.Timeout | undefined;
  #wakeAt = Infinity;
  /** Lateness samples in ms (the last 100,000), when `measure` is on. */
  readonly lateness: number[] = [];
  measure = false;
  #li = 0;
  #rr = 0;

  /** Starts a stream: its first frame goes at the next free slot boundary. */
  add(s: PacedStream): void {
    const now = monotonicMs();
    let boundary = Math.ceil(now / SLOT_MS);
    // Fill slots evenly: take the least loaded of the next SLOTS boundaries (ties round-robin).
    let best = boundary;
    for (let i = 0, min = Infinity; i < SLOTS; i++) {
      const b = boundary + ((i + this.#rr) % SLOTS);
      const n = this.#slots[b % SLOTS]!.size;
      if (n < min) {
        min = n;
        best = b;
      }
    }
    this.#rr++;
    boundary = best;
    const e = { s, due: boundary * SLOT_MS };
    const slot = boundary % SLOTS;
    this.#slots[slot]!.add(e);
    this.#byStream.set(s, { e, slot });
    this.#arm(e.due);
  }

  remove(s: PacedStream): void {
    const x = this.#byStream.get(s);
    if (!x) return;
    this.#slots[x.slot]!.delete(x.e);
    this.#byStream.delete(s);
  }

  get size(): number {
    return this.#byStream.size;
  }

  #arm(at: number): void {
    if (at >= this.#wakeAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#wakeAt = at;
    this.#timer = setTimeout(() => this.#run(), Math.max(0, at - monotonicMs()));
  }

  #run(): void {
    this.#timer = undefined;
    this.#wakeAt = Infinity;
    const now = monotonicMs();
    let next = Infinity;
    for (const slot of this.#slots) {
      for (const e of slot) {
        // A stream more than a second behind (the process stalled) skips ahead rather than burst.
        if (now - e.due > 1000) e.due += Math.floor((now - e.due) / FRAME_MS) * FRAME_MS;
        while (e.due <= now) {
          if (this.measure) this.#sample(now - e.due);
          if (!e.s.frame()) {
            this.remove(e.s);
            break;
          }
          e.due += FRAME_MS;
        }
        if (this.#byStream.has(e.s)) next = Math.min(next, e.due);
      }
    }
    if (next < Infinity) this.#arm(next);
  }

  #sample(ms: number): void {
    if (this.lateness.length < 100_000) this.lateness.push(ms);
    else this.lateness[this.#li++ % 100_000] = ms;
  }
}

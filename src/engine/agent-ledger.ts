import { type CallMeasures, type QueueState } from '../domain/agent-pacing.ts';
import type { CallEnd } from '../telephony/port.ts';

/**
 * This engine's own view of its calls for agent-aware pacing: per task, the calls on their way to
 * a skill queue (ringing, talking to the flow or robot), what became of the calls that ended
 * (answered, transferred, how long before the transfer) and of the customers handed to a queue
 * (waiting, answered by an agent, abandoned, with their wait). Figures are kept for a rolling
 * window and forgotten after it. In memory: several engines each pace on what they see, which
 * is a sample of the same customers and agents.
 */
interface CallRecord {
  taskId: string;
  placedAt: number;
  answeredAt?: number;
  /** When the customer was handed to a queue, and which one (by name). */
  queuedAt?: number;
  queue?: string;
  ended?: boolean;
}

interface Dial {
  at: number;
  answered: boolean;
  ringMs: number;
}
interface Flow {
  at: number;
  transferred: boolean;
  talkMs: number;
}
interface Outcome {
  at: number;
  queue: string;
  abandoned: boolean;
  waitMs: number;
}

/**
 * A task's log over the window, with the sums its figures need kept as entries come and go (a
 * tick reads them without going over the window's thousands of entries).
 */
interface TaskLog {
  dials: Window<Dial>;
  flows: Window<Flow>;
  outcomes: Window<Outcome>;
  answered: number;
  ringMs: number;
  transferred: number;
  talkMs: number;
  abandoned: number;
  /** Waits (ms) of the customers in the window an agent answered, in ascending order. */
  waits: number[];
  ringing: number;
  talking: number;
  /** Customers of the task waiting in a queue: call id → when they were queued. */
  waiting: Map<string, number>;
}

/** Queue samples for occupancy: agent-ms busy and logged in between samples. */
interface QueueLog {
  last?: { at: number; busy: number; loggedIn: number };
  spans: Window<{ at: number; busyMs: number; loggedInMs: number }>;
  busyMs: number;
  loggedInMs: number;
}

export interface TaskFigures {
  measures: CallMeasures;
  ringing: number;
  talking: number;
  waiting: number;
  /** Over the window: abandoned / (answered + abandoned), and how many outcomes that counts. */
  abandonRate: number;
  outcomes: number;
  abandoned: number;
  /** Over the last few minutes, what the controller steers by. */
  recentAbandon: { rate: number; samples: number };
  /** Customers' wait for an agent (answered ones), seconds. */
  waitP50Sec: number | null;
  waitP95Sec: number | null;
}

/** The controller looks at a shorter window than the target's: it must react within minutes. */
const RECENT_MS = 600_000;
const WAIT_FORGET_MS = 600_000;

export class AgentLedger {
  readonly #calls = new Map<string, CallRecord>();
  readonly #tasks = new Map<string, TaskLog>();
  readonly #queues = new Map<string, QueueLog>();
  /** Tasks paced by agents: only their calls are followed. */
  readonly #followed = new Set<string>();

  follow(taskId: string): void {
    this.#followed.add(taskId);
  }

  #task(taskId: string): TaskLog {
    const t = this.#tasks.get(taskId);
    if (t) return t;
    const log: TaskLog = {
      dials: new Window<Dial>((d, k) => {
        if (!d.answered) return;
        log.answered += k;
        log.ringMs += k * d.ringMs;
      }),
      flows: new Window<Flow>((f, k) => {
        if (!f.transferred) return;
        log.transferred += k;
        log.talkMs += k * f.talkMs;
      }),
      outcomes: new Window<Outcome>((o, k) => {
        if (o.abandoned) log.abandoned += k;
        else if (k > 0) insertSorted(log.waits, o.waitMs);
        else removeSorted(log.waits, o.waitMs);
      }),
      answered: 0,
      ringMs: 0,
      transferred: 0,
      talkMs: 0,
      abandoned: 0,
      waits: [],
      ringing: 0,
      talking: 0,
      waiting: new Map(),
    };
    this.#tasks.set(taskId, log);
    return log;
  }

  placed(taskId: string, callId: string, at: number): void {
    if (!this.#followed.has(taskId)) return;
    this.#calls.set(callId, { taskId, placedAt: at });
    this.#task(taskId).ringing++;
  }

  answered(callId: string, at: number): void {
    const c = this.#calls.get(callId);
    if (!c || c.answeredAt !== undefined || c.ended) return;
    c.answeredAt = at;
    const t = this.#task(c.taskId);
    t.ringing--;
    t.talking++;
    t.dials.push({ at, answered: true, ringMs: at - c.placedAt });
  }

  ended(callId: string, end: CallEnd): void {
    const c = this.#calls.get(callId);
    if (!c || c.ended) return;
    c.ended = true;
    const at = end.at.getTime();
    const t = this.#task(c.taskId);
    if (c.answeredAt === undefined) {
      t.ringing--;
      t.dials.push({ at, answered: false, ringMs: at - c.placedAt });
      this.#calls.delete(callId);
      return;
    }
    t.talking--;
    const transfer = (
      end.detail as { transfer?: { target?: { skillQueue?: string }; ok?: boolean } }
    )?.transfer;
    const queue = transfer?.ok ? transfer.target?.skillQueue : undefined;
    if (queue !== undefined && c.queuedAt === undefined) this.queued(callId, queue, at);
    const done = this.#calls.get(callId);
    t.flows.push({
      at,
      transferred: done?.queuedAt !== undefined,
      talkMs: (done?.queuedAt ?? at) - c.answeredAt,
    });
    if (!done?.queue) this.#calls.delete(callId);
  }

  /** A customer handed to a queue (the sim tells at once; a call's end tells otherwise). */
  queued(callId: string, queue: string, at: number): void {
    const c = this.#calls.get(callId);
    if (!c || c.queuedAt !== undefined) return;
    c.queuedAt = at;
    c.queue = queue;
    this.#task(c.taskId).waiting.set(callId, at);
  }

  /** An agent answered the customer, or the customer hung up waiting. */
  outcome(callId: string, abandoned: boolean, waitMs: number, at: number): void {
    const c = this.#calls.get(callId);
    if (!c?.queue) return;
    const t = this.#task(c.taskId);
    if (!t.waiting.delete(callId)) return;
    t.outcomes.push({ at, queue: c.queue, abandoned, waitMs });
    if (c.ended) this.#calls.delete(callId);
  }

  /** A queue state seen at a tick: occupancy is busy over logged-in agent time between samples. */
  sample(queueKey: string, s: QueueState, at: number): void {
    let q = this.#queues.get(queueKey);
    if (!q) {
      const log: QueueLog = {
        spans: new Window((x, k) => {
          log.busyMs += k * x.busyMs;
          log.loggedInMs += k * x.loggedInMs;
        }),
        busyMs: 0,
        loggedInMs: 0,
      };
      this.#queues.set(queueKey, (q = log));
    }
    if (q.last && at > q.last.at) {
      const dt = at - q.last.at;
      q.spans.push({ at, busyMs: q.last.busy * dt, loggedInMs: q.last.loggedIn * dt });
    }
    q.last = { at, busy: Math.min(s.busy, s.loggedIn), loggedIn: s.loggedIn };
  }

  /** Busy / logged-in agent time over the window, or null before any agent time. */
  occupancy(queueKey: string, nowMs: number, windowMs: number): number | null {
    const q = this.#queues.get(queueKey);
    if (!q) return null;
    q.spans.prune(nowMs - windowMs);
    return q.loggedInMs > 0 ? q.busyMs / q.loggedInMs : null;
  }

  /** The task's pipeline and what was measured over the window ending now. */
  figures(taskId: string, nowMs: number, windowMs: number): TaskFigures {
    const t = this.#task(taskId);
    const from = nowMs - windowMs;
    // Without outcome reports (a SIP trunk learns nothing after a blind transfer) a customer
    // would wait forever in this view: after WAIT_FORGET_MS it is forgotten.
    for (const [id, queuedAt] of t.waiting)
      if (queuedAt < nowMs - WAIT_FORGET_MS) {
        t.waiting.delete(id);
        this.#calls.delete(id);
      }
    t.dials.prune(from);
    t.flows.prune(from);
    t.outcomes.prune(from);
    const outcomes = t.outcomes.length;
    let recent = 0;
    let recentAbandoned = 0;
    for (const o of t.outcomes.since(nowMs - RECENT_MS)) {
      recent++;
      if (o.abandoned) recentAbandoned++;
    }
    const wait = (p: number) => {
      const i = percentileIndex(t.waits.length, p);
      return i === undefined ? null : t.waits[i]! / 1000;
    };
    return {
      measures: {
        resolved: t.dials.length,
        answered: t.answered,
        flowsEnded: t.flows.length,
        transferred: t.transferred,
        ringSec: t.answered ? t.ringMs / 1000 / t.answered : 0,
        talkBeforeTransferSec: t.transferred ? t.talkMs / 1000 / t.transferred : 0,
      },
      ringing: t.ringing,
      talking: t.talking,
      waiting: t.waiting.size,
      abandonRate: outcomes ? t.abandoned / outcomes : 0,
      outcomes,
      abandoned: t.abandoned,
      recentAbandon: {
        rate: recent ? recentAbandoned / recent : 0,
        samples: recent,
      },
      waitP50Sec: wait(0.5),
      waitP95Sec: wait(0.95),
    };
  }
}

/**
 * Entries in time order over a rolling window: added at the end, dropped from the front, each
 * passed to `count` with +1 when added and -1 when dropped (the owner keeps its sums there).
 */
class Window<T extends { at: number }> {
  #items: T[] = [];
  #head = 0;
  readonly #count: (x: T, k: 1 | -1) => void;

  constructor(count: (x: T, k: 1 | -1) => void) {
    this.#count = count;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(x: T): void {
    this.#items.push(x);
    this.#count(x, 1);
  }

  /** Drops the entries older than `from`. */
  prune(from: number): void {
    const items = this.#items;
    while (this.#head < items.length && items[this.#head]!.at < from)
      this.#count(items[this.#head++]!, -1);
    // The dropped entries are let go once they are half the array.
    if (this.#head > 64 && this.#head * 2 > items.length) {
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The entries from `from` on, newest first. */
  *since(from: number): Generator<T> {
    for (let i = this.#items.length - 1; i >= this.#head && this.#items[i]!.at >= from; i--)
      yield this.#items[i]!;
  }
}

/** The index `percentile` (domain/agent-pacing.ts) picks in a sorted array of n values. */
function percentileIndex(n: number, p: number): number | undefined {
  return n === 0 ? undefined : Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1));
}

/** The first index whose value is above `v` (binary search of an ascending array). */
function upperBound(xs: number[], v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(xs: number[], v: number): void {
  xs.splice(upperBound(xs, v), 0, v);
}

function removeSorted(xs: number[], v: number): void {
  const i = upperBound(xs, v) - 1;
  if (i >= 0 && xs[i] === v) xs.splice(i, 1);
}

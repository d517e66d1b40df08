import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { percentile, type QueueState } from '../../domain/agent-pacing.ts';
import type { Scheduler, Timer } from '../../platform/scheduler.ts';

/**
 * The sim network's contact centre: agents behind each skill queue. A call the flow transfers to a
 * simulated queue (by the queue's name, as flows and robots name it) waits there until an agent is
 * free (first come, first served) or until the customer's patience runs out (abandoned). Agents
 * handle each customer for a handle time drawn from the queue's distribution.
 *
 * Deterministic for a seed: a call's handle time and patience depend only on the seed and the call
 * id, whatever order things happen in. The state it reports is what a real contact centre pushes
 * through the API (`PUT …/skill-queues/{id}/state`), always fresh.
 */
export const SimQueue = Type.Object(
  {
    agents: Type.Integer({ minimum: 0, maximum: 100_000, description: 'agents logged in' }),
    handleSec: Type.Number({ minimum: 1, maximum: 86_400, default: 180 }),
    handleDistribution: Type.Optional(
      Type.Union([Type.Literal('exponential'), Type.Literal('fixed')], {
        description: 'how handle times spread around handleSec (default exponential)',
      }),
    ),
    patienceSec: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 86_400,
        description:
          'mean time a customer waits for an agent before hanging up (exponential; default 60)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SimQueue = Static<typeof SimQueue>;

export const DEFAULT_PATIENCE_SEC = 60;

export type QueueEvent =
  | { type: 'queued'; queue: string; callId: string; at: number }
  | { type: 'answered' | 'abandoned'; queue: string; callId: string; at: number; waitMs: number };

interface Waiting {
  callId: string;
  at: number;
  timer: Timer;
}

interface QueueRun {
  cfg: SimQueue;
  loggedIn: number;
  busy: number;
  waiting: Waiting[];
  /** Agent-milliseconds busy and logged in since the start, for occupancy. */
  busyMs: number;
  loggedInMs: number;
  lastAt: number;
  /** Waits (ms) of the customers answered and of those who abandoned. */
  answeredWaits: number[];
  abandonedWaits: number[];
}

/** What happened in a simulated queue over the whole run. */
export interface QueueReport {
  agents: number;
  transfers: number;
  answered: number;
  abandoned: number;
  /** abandoned / (answered + abandoned): customers still waiting at the end are not counted. */
  abandonRate: number;
  waitP50Sec: number | null;
  waitP95Sec: number | null;
  /** Busy agent time / logged-in agent time. */
  occupancy: number | null;
}

export class SimContactCentre {
  readonly #sched: Scheduler;
  readonly #seed: number;
  readonly #queues = new Map<string, QueueRun>();
  readonly #listeners: ((e: QueueEvent) => void)[] = [];

  constructor(sched: Scheduler, queues: Record<string, SimQueue> = {}, seed = 1) {
    this.#sched = sched;
    this.#seed = seed;
    const now = sched.now().getTime();
    for (const [name, cfg] of Object.entries(queues)) {
      this.#queues.set(name, {
        cfg,
        loggedIn: cfg.agents,
        busy: 0,
        waiting: [],
        busyMs: 0,
        loggedInMs: 0,
        lastAt: now,
        answeredWaits: [],
        abandonedWaits: [],
      });
    }
  }

  /** Hears every call queued, answered by an agent, or abandoned. */
  onEvent(listener: (e: QueueEvent) => void): void {
    this.#listeners.push(listener);
  }

  has(queue: string): boolean {
    return this.#queues.has(queue);
  }

  /** How the queue stands now, as a contact centre would report it. */
  state(queue: string): QueueState | undefined {
    const q = this.#queues.get(queue);
    if (!q) return undefined;
    const busy = Math.min(q.busy, q.loggedIn);
    return {
      loggedIn: q.loggedIn,
      ready: Math.max(0, q.loggedIn - q.busy),
      busy,
      avgHandleSec: q.cfg.handleSec,
      at: this.#sched.now().getTime(),
    };
  }

  /** Customers waiting in the queue. */
  waiting(queue: string): number {
    return this.#queues.get(queue)?.waiting.length ?? 0;
  }

  /** Busy and logged-in agent-seconds so far: occupancy = busy / logged in. */
  usage(queue: string): { busySec: number; loggedInSec: number } | undefined {
    const q = this.#queues.get(queue);
    if (!q) return undefined;
    this.#account(q);
    return { busySec: q.busyMs / 1000, loggedInSec: q.loggedInMs / 1000 };
  }

  /** Every simulated queue's figures over the run so far. */
  report(): Record<string, QueueReport> {
    const out: Record<string, QueueReport> = {};
    for (const [name, q] of this.#queues) {
      this.#account(q);
      const answered = q.answeredWaits.length;
      const abandoned = q.abandonedWaits.length;
      const waits = q.answeredWaits.map((w) => w / 1000);
      out[name] = {
        agents: q.cfg.agents,
        transfers: answered + abandoned + q.waiting.length,
        answered,
        abandoned,
        abandonRate: answered + abandoned ? abandoned / (answered + abandoned) : 0,
        waitP50Sec: percentile(waits, 0.5) ?? null,
        waitP95Sec: percentile(waits, 0.95) ?? null,
        occupancy: q.loggedInMs > 0 ? q.busyMs / q.loggedInMs : null,
      };
    }
    return out;
  }

  /**
   * Agents log in or out. Agents logging out finish the customer they are with first; new agents
   * take the customers waiting at once.
   */
  setAgents(queue: string, agents: number): void {
    const q = this.#queues.get(queue);
    if (!q) return;
    this.#account(q);
    q.loggedIn = Math.max(0, agents);
    this.#serve(queue, q);
  }

  /** A call transferred to `queue`; false when the sim has no such queue (the call still leaves). */
  transfer(queue: string, callId: string): boolean {
    const q = this.#queues.get(queue);
    if (!q) return false;
    const at = this.#sched.now().getTime();
    this.#emit({ type: 'queued', queue, callId, at });
    const patience = this.#draw(`${callId}#patience`, q.cfg.patienceSec ?? DEFAULT_PATIENCE_SEC);
    const w: Waiting = { callId, at, timer: { cancel() {} } };
    q.waiting.push(w);
    this.#serve(queue, q);
    if (q.waiting.includes(w)) {
      w.timer = this.#sched.at(at + patience * 1000, () => {
        const i = q.waiting.indexOf(w);
        if (i < 0) return;
        q.waiting.splice(i, 1);
        const now = this.#sched.now().getTime();
        q.abandonedWaits.push(now - w.at);
        this.#emit({ type: 'abandoned', queue, callId, at: now, waitMs: now - w.at });
      });
    }
    return true;
  }

  /** Free agents take waiting customers, oldest first. */
  #serve(name: string, q: QueueRun): void {
    while (q.waiting.length && q.busy < q.loggedIn) {
      const w = q.waiting.shift()!;
      w.timer.cancel();
      this.#account(q);
      q.busy++;
      const now = this.#sched.now().getTime();
      q.answeredWaits.push(now - w.at);
      this.#emit({ type: 'answered', queue: name, callId: w.callId, at: now, waitMs: now - w.at });
      const handle =
        q.cfg.handleDistribution === 'fixed'
          ? q.cfg.handleSec
          : this.#draw(`${w.callId}#handle`, q.cfg.handleSec);
      this.#sched.at(now + Math.max(1, handle * 1000), () => {
        this.#account(q);
        q.busy--;
        this.#serve(name, q);
      });
    }
  }

  #account(q: QueueRun): void {
    const now = this.#sched.now().getTime();
    const dt = now - q.lastAt;
    if (dt > 0) {
      q.busyMs += Math.min(q.busy, q.loggedIn) * dt;
      q.loggedInMs += Math.max(q.loggedIn, q.busy) * dt;
    }
    q.lastAt = now;
  }

  /** An exponential draw of the given mean, fixed by the seed and the key. */
  #draw(key: string, mean: number): number {
    if (mean <= 0) return 0;
    const h = createHash('sha256').update(`${this.#seed}:${key}`).digest();
    const u = (h.readUInt32BE(0) + 0.5) / 2 ** 32;
    return -mean * Math.log(1 - u);
  }

  #emit(e: QueueEvent): void {
    for (const l of this.#listeners) l(e);
  }
}

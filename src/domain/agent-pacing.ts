/**
 * Agent-aware pacing (`strategy.pacing`: progressive and predictive; docs/engine.md "Pacing by
 * agents"). Pure: the engine gives the state of the skill queue, what it measured of the task's
 * calls and the calls it has in flight, and gets how many calls to start now. The fixed rate
 * (`callsPerInterval / intervalSec`, ./pacing.ts) stays the ceiling in every mode, and the
 * tenant's channels, the windows and the caps bound the calls as they always do.
 */

export type PacingMode = 'fixed' | 'progressive' | 'predictive';

export interface AgentPacingConfig {
  pacing?: PacingMode | undefined;
  /** Progressive: calls in flight per ready agent (default 1). */
  agentRatio?: number | undefined;
  /** Predictive: the abandon rate to stay under, a fraction (default 0.03). */
  abandonTarget?: number | undefined;
  /** Predictive: the rolling window the abandon rate is measured over (default 3600 s). */
  abandonWindowSec?: number | undefined;
}

export const DEFAULT_AGENT_RATIO = 1;
export const DEFAULT_ABANDON_TARGET = 0.03;
export const DEFAULT_ABANDON_WINDOW_SEC = 3600;
/** A queue state older than this is not trusted: the task pauses as if nobody were logged in. */
export const QUEUE_STATE_STALE_MS = 120_000;

/** How a skill queue stands, as the contact centre (or the sim) reports it. */
export interface QueueState {
  loggedIn: number;
  ready: number;
  busy: number;
  /** Average handle time of the queue's agents (seconds). */
  avgHandleSec: number;
  /** Customers waiting in the queue (every source, not only ours), when reported. */
  waiting?: number;
  /** When the contact centre reported it (epoch ms). */
  at: number;
}

/** What the engine measured of a task's calls over its rolling window. */
export interface CallMeasures {
  /** Calls whose ringing ended (answered or not). */
  resolved: number;
  answered: number;
  /** Answered calls whose flow ended (transferred or not). */
  flowsEnded: number;
  transferred: number;
  /** Mean seconds from dialing to answer, and from answer to the transfer request. */
  ringSec: number;
  talkBeforeTransferSec: number;
}

/** Calls of a task that may still reach the queue. */
export interface Pipeline {
  /** Placed, not answered yet. */
  ringing: number;
  /** Answered, the flow or robot still talking. */
  talking: number;
}

export type PauseReason = 'no_agents_logged_in' | 'no_queue_state';

export interface QueueDecision {
  /** Calls the task may start now (before the fixed ceiling and the channels). */
  due: number;
  paused?: PauseReason;
  /** The predictive gain after this tick (kept between ticks). */
  gain: number;
  /** Probability that a dialed call reaches the queue, as estimated. */
  reachRate: number;
}

/** Priors until enough calls were measured: cautious (they over-estimate the reach rate). */
const PRIOR_WEIGHT = 20;
const PRIOR_ANSWER = 0.5;
const PRIOR_TRANSFER = 0.5;
const PRIOR_RING_SEC = 10;
const PRIOR_TALK_SEC = 20;
const GAIN_MIN = 0.5;
const GAIN_MAX = 2;

const blend = (hits: number, n: number, prior: number) =>
  (hits + prior * PRIOR_WEIGHT) / (n + PRIOR_WEIGHT);

/** The estimated answer rate, transfer rate and their product (a dial's chance to reach the queue). */
export function reachOf(m: CallMeasures): { answer: number; transfer: number; reach: number } {
  const answer = blend(m.answered, m.resolved, PRIOR_ANSWER);
  const transfer = blend(m.transferred, m.flowsEnded, PRIOR_TRANSFER);
  return { answer, transfer, reach: Math.max(0.01, answer * transfer) };
}

/** Why a queue cannot take calls now, if it cannot. */
export function queuePause(q: QueueState | undefined, nowMs: number): PauseReason | undefined {
  if (!q || nowMs - q.at > QUEUE_STATE_STALE_MS) return 'no_queue_state';
  if (q.loggedIn <= 0) return 'no_agents_logged_in';
  return undefined;
}

/**
 * Progressive: keeps `agentRatio` calls in flight (ringing, talking to the robot, or waiting in the
 * queue) per ready agent.
 */
export function progressiveDue(
  q: QueueState,
  inFlight: number,
  waiting: number,
  ratio = DEFAULT_AGENT_RATIO,
): number {
  return Math.max(0, Math.ceil(q.ready * ratio) - inFlight - waiting);
}

export interface PredictiveInput {
  queue: QueueState;
  measures: CallMeasures;
  /** Every call of the queue's tasks still on its way to the queue (this engine's view). */
  pipeline: { expected: number };
  /** This task's customers waiting in the queue. */
  waiting: number;
  /** The measured abandon rate the controller steers by (short window), and how sure it is. */
  abandon: { rate: number; samples: number };
  target: number;
  gain: number;
  tickSec: number;
}

/**
 * Predictive: calls ahead of agents becoming free. Over the horizon D a dialed call takes to reach
 * the queue (ring + talk before the transfer), the agents free by then are the ready ones plus
 * each busy one with probability 1 − e^(−D/AHT) (handle times taken as exponential), minus the
 * customers already waiting. The calls on their way are expected to fill some of those; the rest
 * is divided by the reach rate (answer × transfer) to give the calls to start.
 *
 * The gain scales the agents counted: above 1 dials more (higher occupancy, more waiting), below
 * 1 less. It follows the measured abandon rate: up while abandons stay under half the target,
 * down (faster) when they rise above it, so the rate over the rolling window stays under target.
 */
export function predictiveDue(p: PredictiveInput): { due: number; gain: number; reach: number } {
  const { reach } = reachOf(p.measures);
  const gain = nextGain(p.gain, p.abandon, p.target, p.tickSec);
  const m = p.measures;
  const ring = m.resolved ? m.ringSec : PRIOR_RING_SEC;
  const talk = m.transferred ? m.talkBeforeTransferSec : PRIOR_TALK_SEC;
  const horizon = Math.max(1, ring + talk);
  const aht = Math.max(1, p.queue.avgHandleSec);
  const freeing = p.queue.busy * (1 - Math.exp(-horizon / aht));
  const free = p.queue.ready + freeing - p.waiting;
  const want = free * gain - p.pipeline.expected;
  return { due: Math.max(0, Math.floor(want / reach)), gain, reach };
}

/** The gain after one tick of `tickSec` seconds. */
export function nextGain(
  gain: number,
  abandon: { rate: number; samples: number },
  target: number,
  tickSec: number,
): number {
  const g = Number.isFinite(gain) && gain > 0 ? gain : 1;
  if (abandon.samples < 10) return g;
  // Half the target: the rate over a rolling window is noisy, and the margin keeps it under.
  const aim = 0.5 * target;
  // Relative error, bounded so one bad minute cannot collapse the gain.
  const err = Math.max(-3, Math.min(1, (aim - abandon.rate) / Math.max(aim, 1e-6)));
  // About 1 % a second when under the aim; up to 3 %/s down when well over it.
  const k = err > 0 ? 0.004 : 0.01;
  return Math.max(GAIN_MIN, Math.min(GAIN_MAX, g * Math.exp(k * err * tickSec)));
}

/** The p-th percentile (0–1) of values, nearest rank; undefined for none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i];
}

/** What the engine keeps with a task's pacing state and shows in progress and metrics. */
export interface AgentPacingSnapshot {
  mode: Exclude<PacingMode, 'fixed'>;
  queueId: string;
  paused: PauseReason | null;
  gain: number;
  reachRate: number;
  ready: number | null;
  busy: number | null;
  loggedIn: number | null;
  waiting: number;
  abandonRate: number;
  abandoned: number;
  outcomes: number;
  waitP50Sec: number | null;
  waitP95Sec: number | null;
  occupancy: number | null;
  /** Epoch ms of the tick that computed it. */
  at: number;
}

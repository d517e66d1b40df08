import type { AgentPacingSnapshot } from './agent-pacing.ts';
import type { Strategy } from './task-config.ts';

/**
 * The pacing quota (product.md §5). The rate is `callsPerInterval / intervalSec` calls per second;
 * the engine ticks every T = min(intervalSec, 3) s, adds callsPerInterval × T / intervalSec calls to
 * the quota, starts floor(quota) calls and keeps the fraction.
 *
 * The quota is kept in integer units of 1/intervalSec of a call, so a tick adds exactly
 * callsPerInterval × T units and no floating error ever loses (or invents) a call, however long the
 * task runs: rate 1/7 per second gives exactly N calls in N × 7 s.
 *
 * No banking: the quota never holds more than one tick's worth plus a fraction of a call
 * (`capUnits`). In steady state the quota never reaches that cap (what remains after a tick is less
 * than one call), so the cap only bites while the task cannot dial or could not start what was due:
 * the first tick after a pause starts one tick's worth of calls, never a burst. A slow task (less
 * than one call per tick) that is paused keeps at most one call pending, started when it resumes.
 */

export type PacingPace = Pick<Strategy, 'intervalSec' | 'callsPerInterval'>;

export interface PacingState {
  /** Accumulated quota in units of 1/denominator of a call. */
  units: number;
  /** The intervalSec the units were counted in (rescaled if the strategy changes). */
  denominator: number;
  /** Pacing by agents: the controller's state and the live figures (./agent-pacing.ts). */
  agent?: AgentPacingSnapshot;
}

/** Tick length in milliseconds: min(intervalSec, 3) seconds. */
export function tickLength(strategy: PacingPace): number {
  return Math.min(strategy.intervalSec, 3) * 1000;
}

/** Calls added per tick, as units of 1/intervalSec of a call. */
function unitsPerTick(strategy: PacingPace): number {
  return strategy.callsPerInterval * Math.min(strategy.intervalSec, 3);
}

/** The most the quota may hold: one tick's worth plus any fraction of a call. */
function capUnits(strategy: PacingPace): number {
  return unitsPerTick(strategy) + strategy.intervalSec - 1;
}

/** Calls added per tick (for display): e.g. 30 for interval 10 and 100 calls. */
export function callsPerTick(strategy: PacingPace): number {
  return unitsPerTick(strategy) / strategy.intervalSec;
}

export function initialPacing(strategy: PacingPace): PacingState {
  // A new task starts empty: a rate below one call per tick waits until a whole call is due (seed A4).
  return { units: 0, denominator: strategy.intervalSec };
}

/** The quota as a number of calls (for display and tests). */
export function quotaOf(state: PacingState): number {
  return state.units / state.denominator;
}

/** The state expressed in the strategy's units (the strategy may have been edited since). */
function normalise(state: PacingState, strategy: PacingPace): PacingState {
  const denominator = strategy.intervalSec;
  if (state.denominator === denominator) return state;
  return {
    ...state,
    units: Math.floor((state.units * denominator) / state.denominator),
    denominator,
  };
}

/**
 * One tick. When the task can dial, `due` calls should be started now (the engine reports any it
 * could not start with `giveBack`). When it cannot dial (outside windows, no callable data, no
 * free channel), nothing is due and the quota grows only up to the cap.
 */
export function accrue(
  state: PacingState,
  strategy: PacingPace,
  canDial: boolean,
): { due: number; state: PacingState } {
  const s = normalise(state, strategy);
  const units = Math.min(s.units + unitsPerTick(strategy), capUnits(strategy));
  if (!canDial) return { due: 0, state: { ...s, units } };
  const due = Math.floor(units / s.denominator);
  return { due, state: { ...s, units: units - due * s.denominator } };
}

/**
 * Returns calls that were due but not started (channels ran out, fewer callable customers than
 * due). The quota keeps them only up to the cap, so a starved task asks for one tick's worth next
 * tick rather than the whole backlog.
 */
export function giveBack(state: PacingState, strategy: PacingPace, unused: number): PacingState {
  const s = normalise(state, strategy);
  if (unused <= 0) return s;
  const units = Math.min(s.units + Math.floor(unused) * s.denominator, capUnits(strategy));
  return { ...s, units };
}

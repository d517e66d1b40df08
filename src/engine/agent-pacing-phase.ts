import type { Transaction } from 'kysely';
import {
  DEFAULT_ABANDON_TARGET,
  DEFAULT_ABANDON_WINDOW_SEC,
  predictiveDue,
  progressiveDue,
  queuePause,
  reachOf,
  type AgentPacingSnapshot,
  type QueueState,
} from '../domain/agent-pacing.ts';
import { tickLength } from '../domain/pacing.ts';
import type { Database } from '../store/schema.ts';
import { queueStates } from '../store/skill-queues.ts';
import type { AgentLedger } from './agent-ledger.ts';
import type { TaskClaimant } from './dial-phase.ts';

/** Live queue states that need no database (the sim's contact centre), by queue name. */
export interface QueueBoard {
  state(queueName: string): QueueState | undefined;
}

export interface AgentPacing {
  ledger: AgentLedger;
  board?: QueueBoard | undefined;
}

/**
 * The dial phase's step for tasks paced by agents, run after the fixed quota accrued: each such
 * task's due calls become the smaller of the fixed quota (the ceiling) and what its queue's agents
 * can take (domain/agent-pacing.ts); a queue without agents logged in (or without a fresh state)
 * pauses the task. Tasks sharing a queue are decided in turn, each counting the calls the ones
 * before it were given. The decision and the live figures are kept with the task's pacing state.
 */
export async function paceByAgents(
  trx: Transaction<Database>,
  pacing: AgentPacing,
  tenantId: string,
  claimants: TaskClaimant[],
  nowMs: number,
): Promise<void> {
  const paced = claimants.filter((c) => c.tickDue && c.rt.pacingQueue);
  if (paced.length === 0) return;
  const { ledger, board } = pacing;
  const queues = new Map(paced.map((c) => [c.rt.pacingQueue!.id, c.rt.pacingQueue!.name]));
  const fromBoard = new Map<string, QueueState>();
  for (const [id, name] of queues) {
    const s = board?.state(name);
    if (s) fromBoard.set(id, s);
  }
  const pushed = await queueStates(
    trx,
    tenantId,
    [...queues.keys()].filter((id) => !fromBoard.has(id)),
  );
  const stateOf = (id: string) => fromBoard.get(id) ?? pushed.get(id);
  for (const [id] of queues) {
    const s = stateOf(id);
    if (s) ledger.sample(`${tenantId}/${id}`, s, nowMs);
  }
  // Calls of every paced task on their way to each queue, and its customers waiting there.
  const expected = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const waiting = new Map<string, number>();
  const figures = new Map<string, ReturnType<AgentLedger['figures']>>();
  for (const c of paced) {
    ledger.follow(c.id);
    const strategy = c.rt.config.strategy;
    const windowMs = (strategy.abandonWindowSec ?? DEFAULT_ABANDON_WINDOW_SEC) * 1000;
    const f = ledger.figures(c.id, nowMs, windowMs);
    figures.set(c.id, f);
    const q = c.rt.pacingQueue!.id;
    const r = reachOf(f.measures);
    add(expected, q, f.ringing * r.reach + f.talking * r.transfer);
    add(inFlight, q, f.ringing + f.talking);
    add(waiting, q, f.waiting);
  }
  for (const c of paced) {
    const strategy = c.rt.config.strategy;
    const queueId = c.rt.pacingQueue!.id;
    const state = stateOf(queueId);
    const f = figures.get(c.id)!;
    const paused = queuePause(state, nowMs) ?? null;
    const windowMs = (strategy.abandonWindowSec ?? DEFAULT_ABANDON_WINDOW_SEC) * 1000;
    const queueWaiting = Math.max(state?.waiting ?? 0, waiting.get(queueId) ?? 0);
    let gain = c.pacing.agent?.gain ?? 1;
    let reach = reachOf(f.measures).reach;
    let due = 0;
    if (!paused && state) {
      if (strategy.pacing === 'progressive') {
        due = progressiveDue(state, inFlight.get(queueId) ?? 0, queueWaiting, strategy.agentRatio);
        add(inFlight, queueId, Math.min(due, c.due));
      } else {
        const p = predictiveDue({
          queue: state,
          measures: f.measures,
          pipeline: { expected: expected.get(queueId) ?? 0 },
          waiting: queueWaiting,
          abandon: f.recentAbandon,
          target: strategy.abandonTarget ?? DEFAULT_ABANDON_TARGET,
          gain,
          tickSec: tickLength(strategy) / 1000,
        });
        ({ due, gain, reach } = p);
        add(expected, queueId, Math.min(due, c.due) * reach);
      }
    }
    c.due = Math.min(c.due, due);
    const agent: AgentPacingSnapshot = {
      mode: strategy.pacing === 'progressive' ? 'progressive' : 'predictive',
      queueId,
      paused,
      gain,
      reachRate: reach,
      ready: state?.ready ?? null,
      busy: state?.busy ?? null,
      loggedIn: state?.loggedIn ?? null,
      waiting: queueWaiting,
      abandonRate: f.abandonRate,
      abandoned: f.abandoned,
      outcomes: f.outcomes,
      waitP50Sec: f.waitP50Sec,
      waitP95Sec: f.waitP95Sec,
      occupancy: ledger.occupancy(`${tenantId}/${queueId}`, nowMs, windowMs),
      at: nowMs,
    };
    c.pacing = { ...c.pacing, agent };
  }
}

function add(m: Map<string, number>, k: string, v: number): void {
  m.set(k, (m.get(k) ?? 0) + v);
}

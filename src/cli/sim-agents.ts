import type { Dialer } from '../engine/dialer.ts';
import type { QueueBoard } from '../engine/agent-pacing-phase.ts';
import type { SimContactCentre } from '../telephony/sim/agents.ts';

/**
 * Wires the sim's contact centre to an engine, as a real contact centre is wired through the API:
 * its queues' states pace the tasks (without a push), and its calls queued, answered and
 * abandoned feed the engine's own view of its transfers.
 */
export function simQueueBoard(centre: SimContactCentre): QueueBoard {
  return {
    state(name) {
      const s = centre.state(name);
      return s && { ...s, waiting: centre.waiting(name) };
    },
  };
}

export function connectSimAgents(centre: SimContactCentre, dialer: Dialer): void {
  const ledger = dialer.agentLedger;
  centre.onEvent((e) => {
    if (e.type === 'queued') ledger.queued(e.callId, e.queue, e.at);
    else ledger.outcome(e.callId, e.type === 'abandoned', e.waitMs, e.at);
  });
}

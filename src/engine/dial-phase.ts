import { accrue, giveBack, initialPacing, tickLength, type PacingState } from '../domain/pacing.ts';
import type { Scheduler } from '../platform/scheduler.ts';
import type { Db } from '../store/db.ts';
import {
  lockTenant,
  pacingAndChannels,
  savePacing,
  type StoredPacing,
} from '../store/pacing-state.ts';
import type { RunningTask } from '../store/running-tasks.ts';
import { paceByAgents, type AgentPacing } from './agent-pacing-phase.ts';
import { allocate, heldBack, type Claimant } from './allocate.ts';
import type { PlacedCall } from './calls.ts';
import { claimCustomers, type SavedPacing } from './claim.ts';
import type { TaskRuntime } from './task-runtime.ts';

/** A task taking part in a tenant's dial phase. */
export type TaskClaimant = Claimant & {
  t: RunningTask;
  rt: TaskRuntime;
  pacing: PacingState;
  tickDue: boolean;
  canDial?: boolean;
};

export interface DialPhaseOptions {
  db: Db;
  scheduler: Scheduler;
  engineId: string;
  leaseMs: number;
  /** When each task ticks next: set here for the tasks that ticked. */
  nextTaskTick: Map<string, number>;
  /** Pacing by the agents of skill queues (tasks with `strategy.pacing` other than fixed). */
  agents?: AgentPacing | undefined;
}

/** The saved pacing of a task: its quota, with what it holds and is owed only when not nothing. */
function stored(pacing: PacingState, held: number, credit: number): StoredPacing {
  return {
    units: pacing.units,
    denominator: pacing.denominator,
    ...(pacing.agent ? { agent: pacing.agent } : {}),
    ...(held > 0 ? { held } : {}),
    ...(credit !== 0 ? { credit } : {}),
  };
}

/**
 * The dial phase of one tenant, under its row lock (engines sharing a tenant take turns, so
 * channels are counted once and each task's quota accrues once per task tick). Free channels are
 * split at every instant some task of the tenant ticks, between all its tasks, whatever their
 * tick: a task whose tick is due accrues its pacing quota and claims its share at once; a task
 * whose tick is not due has its share (up to what its next tick will allow) held for it until
 * then, so a task ticking every second cannot take the channels freed before a task ticking every
 * 3 s gets its turn (docs/engine.md "Channels and priority"). The calls to place are added to
 * `toCall`, to be placed once the transaction committed.
 */
export async function dialTenant(
  o: DialPhaseOptions,
  tenantId: string,
  claimants: TaskClaimant[],
  settings: RunningTask['tenant'],
  nowMs: number,
  toCall: { rt: TaskRuntime; call: PlacedCall }[],
): Promise<void> {
  const { db } = o;
  await db.transaction().execute(async (trx) => {
    await lockTenant(trx, tenantId);
    // Calls start now, once the lock is held: another engine may have waited here a while, and
    // channels freed meanwhile were freed before this instant (the records must show that).
    const startAt = o.scheduler.now();
    const { pacing: fresh, active } = await pacingAndChannels(
      trx,
      tenantId,
      claimants.map((c) => c.id),
    );
    const held = new Map<string, number>();
    const nextTickAt = new Map<string, Date>();
    for (const c of claimants) {
      const f = fresh.get(c.id);
      const strategy = c.rt.config.strategy;
      c.pacing =
        f?.pacing && f.pacing.denominator === strategy.intervalSec
          ? f.pacing
          : initialPacing(strategy);
      c.tickDue = !f?.nextTickAt || f.nextTickAt.getTime() <= nowMs;
      if (f?.nextTickAt) nextTickAt.set(c.id, f.nextTickAt);
      held.set(c.id, f?.pacing?.held ?? 0);
      c.credit = f?.pacing?.credit ?? 0;
    }
    const before = new Map(claimants.map((c) => [c.id, [held.get(c.id)!, c.credit!]]));
    const free = settings.channels - active;
    // Priority decides before pacing: a task held back by a higher one does not bank quota.
    const back = heldBack(claimants, settings.priorityMode);
    const mayDial = (c: TaskClaimant) => c.canDial === true && !back.has(c.id);
    // A task paced by agents is not held channels between its ticks: what it may start is only
    // known at its tick, from its queue (docs/decisions.md "Fair shares and agent pacing").
    const byAgents = (c: TaskClaimant) => (c.rt.config.strategy.pacing ?? 'fixed') !== 'fixed';
    for (const c of claimants) if (byAgents(c)) held.set(c.id, 0);
    // A task waiting for its tick is held no more than its next tick will start.
    for (const c of claimants) {
      if (c.tickDue) continue;
      const pending =
        mayDial(c) && !byAgents(c) ? accrue(c.pacing, c.rt.config.strategy, true).due : 0;
      held.set(c.id, Math.min(held.get(c.id)!, pending));
      c.due = pending - held.get(c.id)!;
    }
    let reserved = [...held.values()].reduce((a, b) => a + b, 0);
    if (reserved > free) {
      // Fewer channels than held (the tenant's channels were lowered): shared afresh.
      for (const c of claimants) held.set(c.id, 0);
      reserved = 0;
    }
    const unreserved = free - reserved;
    const quota = new Map<string, number>();
    for (const c of claimants) {
      if (!c.tickDue) continue;
      const mine = held.get(c.id)!;
      const r = accrue(c.pacing, c.rt.config.strategy, mayDial(c) && unreserved + mine > 0);
      c.pacing = r.state;
      quota.set(c.id, r.due);
      c.due = Math.max(0, r.due - mine);
    }
    if (o.agents) await paceByAgents(trx, o.agents, tenantId, claimants, nowMs);
    const credits = new Map<string, number>();
    const grant = allocate(claimants, unreserved, settings.priorityMode, credits);
    const unsaved: SavedPacing[] = [];
    for (const c of claimants) {
      const credit = credits.get(c.id) ?? 0;
      if (!c.tickDue) {
        const h = held.get(c.id)! + (grant.get(c.id) ?? 0);
        const [h0, c0] = before.get(c.id)!;
        if (h !== h0 || credit !== c0)
          unsaved.push({
            tenantId,
            taskId: c.id,
            pacing: stored(c.pacing, h, credit),
            nextTickAt: nextTickAt.get(c.id)!,
          });
        continue;
      }
      const due = quota.get(c.id)!;
      const n = Math.min(due, held.get(c.id)!) + (grant.get(c.id) ?? 0);
      const nextTick = nowMs + tickLength(c.rt.config.strategy);
      o.nextTaskTick.set(c.id, nextTick);
      const pacingAfter = (placed: number): SavedPacing => ({
        tenantId,
        taskId: c.id,
        pacing: stored(
          placed < due ? giveBack(c.pacing, c.rt.config.strategy, due - placed) : c.pacing,
          0,
          credit,
        ),
        nextTickAt: new Date(nextTick),
      });
      // A claim that places calls saves the pacing along with their attempts.
      const placed =
        n > 0 ? await claimCustomers(trx, o, c.rt, n, startAt, toCall, pacingAfter) : 0;
      if (placed === 0) unsaved.push(pacingAfter(0));
    }
    await savePacing(trx, tenantId, unsaved);
  });
}

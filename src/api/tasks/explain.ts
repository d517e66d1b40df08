import { DateTime } from 'luxon';
import {
  isWithinWindow,
  nextWindowStart,
  resolveDay,
  localDay,
} from '../../domain/calling-windows.ts';
import { passesFilter } from '../../domain/contact-order.ts';
import type { ExplainReason } from '../../domain/explain-reasons.ts';
import { roundOrder } from '../../domain/number-rounds.ts';
import { buildRuntime, rateOf } from '../../engine/task-runtime.ts';
import { notFound } from '../../platform/errors.ts';
import type { Db } from '../../store/db.ts';
import type { HistoryEntry, StoredNumber } from '../../store/claim.ts';
import { activeChannels } from '../../store/pacing-state.ts';
import { runningTasks, taskFlags } from '../../store/running-tasks.ts';
import { blockedAmong } from '../../store/blocklists.ts';
import { contactDialState, queuedAhead } from '../../store/progress.ts';
import { loadWorld } from '../../store/resources.ts';
import { getTask } from '../../store/tasks.ts';
import { taskAgentPacing } from '../../store/skill-queues.ts';
import { getTenant } from '../../store/tenants.ts';
import type { ContactHold } from '../../store/compliance.ts';
import { complianceAnswer, holdAnswer } from './explain-compliance.ts';

/**
 * "Why is this customer not being called right now?" — the first rule, in the engine's own order,
 * that keeps the customer from being dialed at `now`, with what would change it.
 */
export interface Explanation {
  sessionId: string;
  callableNow: boolean;
  reason: ExplainReason;
  detail: string;
  until?: string | null;
  rule?: Record<string, unknown>;
}

export async function explainContact(
  db: Db,
  tenantId: string,
  taskId: string,
  sessionId: string,
  now: Date,
): Promise<Explanation> {
  const task = await getTask(db, tenantId, taskId);
  const tenant = await getTenant(db, tenantId);
  const c = await contactDialState(db, tenantId, taskId, sessionId);
  if (!task || !tenant) throw notFound('task', taskId);
  if (!c) throw notFound('customer', sessionId);
  const world = await loadWorld(db, tenantId, tenant.settings);
  const rt = buildRuntime(
    {
      tenantId,
      id: task.id,
      name: task.name,
      priority: task.priority,
      config: task.config,
      tenant: tenant.settings,
    },
    world,
  );
  const base = { sessionId, callableNow: false };
  const iso = (d: Date) => DateTime.fromJSDate(d, { zone: rt.zone }).toISO();

  if (c.state === 'finished') {
    return {
      ...base,
      reason: 'finished',
      detail: `finished (${c.finish_reason}) with result ${c.final_result} after ${c.attempts} attempt(s)`,
      rule: { finishReason: c.finish_reason, finalResult: c.final_result },
    };
  }
  if (c.state === 'filtered') {
    return {
      ...base,
      reason: 'filtered_out',
      detail: 'does not pass the task’s attribute filter',
      rule: { filter: task.config.strategy.filter ?? null },
    };
  }
  if (now.getTime() >= rt.window.taskEnd.getTime()) {
    return { ...base, reason: 'task_ended', detail: `the task ended at ${iso(rt.window.taskEnd)}` };
  }
  if (task.state !== 'running') {
    return {
      ...base,
      reason: 'task_not_running',
      detail: `the task is ${task.state}; it dials only while running`,
    };
  }
  if (now.getTime() < rt.window.taskStart.getTime()) {
    return {
      ...base,
      reason: 'task_not_started',
      detail: `the task starts at ${iso(rt.window.taskStart)}`,
      until: iso(rt.window.taskStart),
    };
  }
  if (c.state === 'dialing')
    return { ...base, reason: 'dialing', detail: 'a call to this customer is in progress' };
  const held = holdAnswer(c.hold as ContactHold | null, c.attempts, rt, now);
  if (c.state === 'waiting' && held) return { ...base, ...held };
  if (c.state === 'waiting' && c.due_at && c.due_at > now) {
    const last = (c.history as HistoryEntry[]).at(-1);
    return {
      ...base,
      reason: 'waiting_retry',
      detail: `waiting until ${iso(c.due_at)} after result ${last?.result ?? '—'}`,
      until: iso(c.due_at),
      rule: { resultPolicy: task.config.resultPolicy.kind, lastResult: last?.result ?? null },
    };
  }
  if (c.order_key === null && c.state === 'ready') {
    if (!passesFilter(c.attributes, task.config.strategy.filter, rt.attributes)) {
      return {
        ...base,
        reason: 'filtered_out',
        detail: 'does not pass the task’s attribute filter',
        rule: { filter: task.config.strategy.filter ?? null },
      };
    }
    return {
      ...base,
      reason: 'preparing',
      detail: 'the engine is ordering the task’s customers; dialing starts when that is done',
    };
  }
  if (!isWithinWindow(now, rt.window)) {
    const next = nextWindowStart(now, rt.window);
    const day = resolveDay(localDay(now, rt.zone), task.config.schedule, rt.specialDates);
    return {
      ...base,
      reason: 'outside_window',
      detail: `outside the calling window (${day.source} periods today); next window ${next ? iso(next) : 'none before the task ends'}`,
      until: next ? iso(next) : null,
      rule: { source: day.source, periods: day.periods },
    };
  }
  const numbers = c.numbers as StoredNumber[];
  const idx = c.next_number ?? roundOrder(numbers, task.config.callStrategy.numberRounds)[0] ?? 0;
  const number = numbers[idx]?.number;
  const compliance = await complianceAnswer(db, rt, numbers, idx, now);
  if (compliance) return { ...base, ...compliance };
  if (number && task.config.blocklistId) {
    const hit = (await blockedAmong(db, tenantId, task.config.blocklistId, [number], now)).get(
      number,
    );
    if (hit && !hit.restrict) {
      return {
        ...base,
        reason: 'blocked_number',
        detail: `its next number ${number} is on blocklist '${task.config.blocklistId}'; it will be skipped with result blocked`,
        rule: { entry: hit },
      };
    }
  }
  if (tenant.settings.priorityMode === 'strict') {
    for (const other of await runningTasks(db)) {
      if (other.tenantId !== tenantId || other.id === taskId || other.priority >= task.priority)
        continue;
      const ort = buildRuntime(other, world);
      if (isWithinWindow(now, ort.window) && (await taskFlags(db, other.id)).open) {
        return {
          ...base,
          reason: 'lower_priority_waiting',
          detail: `task '${other.name}' (priority ${other.priority}) is inside its window with customers left; priority mode strict`,
          rule: { task: other.id, priority: other.priority },
        };
      }
    }
  }
  const agents = rt.pacingQueue ? await taskAgentPacing(db, tenantId, taskId) : null;
  if (agents?.paused) {
    return {
      ...base,
      reason: 'no_agents',
      detail:
        agents.paused === 'no_agents_logged_in'
          ? `nobody is logged in to skill queue '${rt.pacingQueue!.name}': the task dials again when agents log in`
          : `no fresh state of skill queue '${rt.pacingQueue!.name}' (the contact centre pushes it): the task dials again when one arrives`,
      rule: { queue: agents.queueId, paused: agents.paused },
    };
  }
  const inUse = await activeChannels(db, tenantId);
  if (inUse >= tenant.settings.channels) {
    return {
      ...base,
      reason: 'no_channel',
      detail: `all ${tenant.settings.channels} channels of the tenant are in use`,
    };
  }
  const ahead = await queuedAhead(db, taskId, c);
  const eta = Math.ceil(ahead / rateOf(rt));
  return {
    ...base,
    callableNow: true,
    reason: 'queued',
    detail: `callable now: ${ahead} customer(s) ahead at ${rateOf(rt).toFixed(2)} calls/s (about ${eta} s)`,
  };
}

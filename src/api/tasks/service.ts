import { randomUUID } from 'node:crypto';
import { validateTaskConfig } from '../../domain/validate-task.ts';
import { transition, type TaskAction } from '../../domain/lifecycle.ts';
import type { TaskConfig } from '../../domain/task-config.ts';
import { conflict, invalid, notFound } from '../../platform/errors.ts';
import type { Db } from '../../store/db.ts';
import { loadWorld } from '../../store/resources.ts';
import { getTenant } from '../../store/tenants.ts';
import {
  deleteTask,
  insertTask,
  lockTask,
  setTaskState,
  updateTaskConfig,
  type Task,
} from '../../store/tasks.ts';
import { requireOu, type Principal } from '../auth.ts';
import { resetPreparation } from '../../store/preparation.ts';
import { releaseHolds } from '../../store/compliance.ts';
import { savedTargetError, systemResolver, type Resolver } from '../../notify/callback-target.ts';
import type { FlowDocument } from '../../ivr/flow.ts';
import type { FieldError } from '../../platform/errors.ts';

/** Renders prompts (the sip adapter's prompt store); absent: prompts are not prepared (sim). */
export type PreparePrompts = (doc: FlowDocument) => Promise<FieldError[]>;

/** Validates a whole task configuration against the tenant's world; every error at once. */
export async function validConfig(
  db: Db,
  tenantId: string,
  input: unknown,
  p: Principal,
  resolve: Resolver = systemResolver,
  prepare?: PreparePrompts,
): Promise<TaskConfig> {
  const tenant = await getTenant(db, tenantId);
  if (!tenant) throw notFound('tenant', tenantId);
  const result = validateTaskConfig(input, await loadWorld(db, tenantId, tenant.settings));
  if (!result.ok) throw invalid(result.errors, 'Invalid task configuration');
  const url = result.config.callbackUrl;
  if (url) {
    const reason = await savedTargetError(url, tenant.settings.callbackTrustlist, resolve);
    if (reason)
      throw invalid([{ path: '/callbackUrl', message: reason }], 'Invalid task configuration');
  }
  if (p.role === 'ou_operator' && (result.config.ouId ?? null) !== p.ouId) {
    throw invalid(
      [{ path: '/ouId', message: `this key may only create tasks of OU '${p.ouId}'` }],
      'Invalid task configuration',
    );
  }
  await messagePromptReady(result.config, prepare);
  return result.config;
}

/**
 * The AMD message left on voicemail is rendered when the task is saved, as a flow's prompts are
 * at publication: a message that cannot be played is refused now, not found on the first machine.
 */
async function messagePromptReady(config: TaskConfig, prepare?: PreparePrompts): Promise<void> {
  const prompt = config.strategy.amd?.messagePrompt;
  if (!prepare || !prompt || !config.strategy.amd?.enabled) return;
  const errors = await prepare({ nodes: [{ id: 'message', type: 'play', prompt }] });
  if (errors.length)
    throw invalid(
      errors.map((e) => ({ path: '/strategy/amd/messagePrompt', message: e.message })),
      'Invalid task configuration',
    );
}

const nameTaken = (name: string) =>
  invalid(
    [{ path: '/name', message: `a task named '${name}' already exists` }],
    'Invalid task configuration',
  );

export async function createTask(
  db: Db,
  tenantId: string,
  input: unknown,
  p: Principal,
  now: Date,
  resolve: Resolver = systemResolver,
  prepare?: PreparePrompts,
): Promise<Task> {
  const config = await validConfig(db, tenantId, input, p, resolve, prepare);
  const task = await insertTask(db, {
    tenantId,
    id: randomUUID(),
    config,
    state: 'draft',
    now,
    actor: p.actor,
  });
  if (!task) throw nameTaken(config.name);
  return task;
}

export async function editTask(
  db: Db,
  tenantId: string,
  taskId: string,
  input: unknown,
  p: Principal,
  now: Date,
  resolve: Resolver = systemResolver,
  prepare?: PreparePrompts,
): Promise<Task> {
  const config = await validConfig(db, tenantId, input, p, resolve, prepare);
  try {
    return await db.transaction().execute(async (trx) => {
      const task = await lockTask(trx, tenantId, taskId);
      if (!task) throw notFound('task', taskId);
      requireOu(p, task.ouId);
      const t = transition(task.state, 'edit', { now, end: new Date(task.config.end) });
      if (!t.ok) throw conflict(t.reason, { state: task.state });
      const updated = await updateTaskConfig(trx, tenantId, taskId, config, now, p.actor);
      const same = (a: unknown, b: unknown) =>
        JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
      if (
        !same(task.config.callStrategy.order, config.callStrategy.order) ||
        !same(task.config.strategy.filter, config.strategy.filter)
      ) {
        await resetPreparation(trx, taskId);
      }
      if (!same(task.config.localWindows, config.localWindows))
        await releaseHolds(trx, { tenantId, taskId }, now);
      return updated;
    });
  } catch (e) {
    if ((e as { code?: string }).code === '23505') throw nameTaken(config.name);
    throw e;
  }
}

/** Applies a lifecycle action in one transaction with its audit event; 409 with the state if illegal. */
export async function applyAction(
  db: Db,
  tenantId: string,
  taskId: string,
  action: TaskAction,
  p: Principal,
  now: Date,
): Promise<Task> {
  return db.transaction().execute(async (trx) => {
    const task = await lockTask(trx, tenantId, taskId);
    if (!task) throw notFound('task', taskId);
    requireOu(p, task.ouId);
    const t = transition(task.state, action, { now, end: new Date(task.config.end) });
    if (!t.ok) throw conflict(t.reason, { state: task.state });
    return setTaskState(trx, {
      tenantId,
      id: taskId,
      from: task.state,
      to: t.to,
      action,
      now,
      actor: p.actor,
    });
  });
}

export async function removeTask(
  db: Db,
  tenantId: string,
  taskId: string,
  p: Principal,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const task = await lockTask(trx, tenantId, taskId);
    if (!task) throw notFound('task', taskId);
    requireOu(p, task.ouId);
    const t = transition(task.state, 'delete', { now, end: new Date(task.config.end) });
    if (!t.ok) throw conflict(t.reason, { state: task.state });
    await deleteTask(trx, tenantId, taskId, now, p.actor);
  });
}

export function assertVisible(task: Task | undefined, taskId: string, p: Principal): Task {
  if (!task || (p.role === 'ou_operator' && (task.ouId ?? null) !== p.ouId))
    throw notFound('task', taskId);
  return task;
}

import type { Transaction } from 'kysely';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';
import type { TaskConfig } from '../domain/task-config.ts';
import type { TaskState } from '../domain/lifecycle.ts';
import { isUniqueViolation } from './errors.ts';

export interface Task {
  id: string;
  tenantId: string;
  name: string;
  ouId: string | null;
  type: string;
  state: TaskState;
  priority: number;
  config: TaskConfig;
  createdAt: Date;
  updatedAt: Date;
  stateChangedAt: Date;
}

export interface TaskEvent {
  id: number;
  at: Date;
  actor: string;
  action: string;
  fromState: string | null;
  toState: string | null;
  detail: Record<string, unknown> | null;
}

const cols = [
  'tenant_id',
  'id',
  'name',
  'ou_id',
  'type',
  'state',
  'priority',
  'config',
  'created_at',
  'updated_at',
  'state_changed_at',
] as const;

function toTask(r: {
  tenant_id: string;
  id: string;
  name: string;
  ou_id: string | null;
  type: string;
  state: string;
  priority: number;
  config: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  state_changed_at: Date;
}): Task {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    ouId: r.ou_id,
    type: r.type,
    state: r.state as TaskState,
    priority: r.priority,
    config: r.config as unknown as TaskConfig,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    stateChangedAt: r.state_changed_at,
  };
}

/** Inserts a task; undefined when the name is already used in the tenant. */
export async function insertTask(
  db: Db,
  t: {
    tenantId: string;
    id: string;
    config: TaskConfig;
    state: TaskState;
    now: Date;
    actor: string;
  },
): Promise<Task | undefined> {
  try {
    return await db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('tasks')
        .values({
          tenant_id: t.tenantId,
          id: t.id,
          name: t.config.name,
          ou_id: t.config.ouId ?? null,
          type: t.config.type,
          state: t.state,
          priority: t.config.priority,
          config: JSON.stringify(t.config),
          starts_at: t.config.start,
          ends_at: t.config.end,
          created_at: t.now,
          updated_at: t.now,
          state_changed_at: t.now,
        })
        .returning(cols)
        .executeTakeFirstOrThrow();
      await insertEvent(trx, {
        tenantId: t.tenantId,
        taskId: t.id,
        at: t.now,
        actor: t.actor,
        action: 'create',
        from: null,
        to: t.state,
      });
      return toTask(row);
    });
  } catch (e) {
    if (isUniqueViolation(e)) return undefined;
    throw e;
  }
}

export async function getTask(db: Db, tenantId: string, id: string): Promise<Task | undefined> {
  const r = await db
    .selectFrom('tasks')
    .select(cols)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return r && toTask(r);
}

/** Reads the task and locks its row until the transaction ends. */
export async function lockTask(
  trx: Transaction<Database>,
  tenantId: string,
  id: string,
): Promise<Task | undefined> {
  const r = await trx
    .selectFrom('tasks')
    .select(cols)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  return r && toTask(r);
}

export interface TaskListFilter {
  state?: TaskState | undefined;
  name?: string | undefined;
  ouId?: string | null | undefined;
  /** Keyset: tasks created before this (createdAt, id). */
  before?: { createdAt: Date; id: string } | undefined;
  limit: number;
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listTasks(db: Db, tenantId: string, f: TaskListFilter): Promise<Task[]> {
  let q = db
    .selectFrom('tasks')
    .select(cols)
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit);
  if (f.state) q = q.where('state', '=', f.state);
  if (f.name) q = q.where('name', 'ilike', `%${f.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (f.ouId !== undefined)
    q = f.ouId === null ? q.where('ou_id', 'is', null) : q.where('ou_id', '=', f.ouId);
  if (f.before) {
    const { createdAt, id } = f.before;
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '<', createdAt),
        eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)]),
      ]),
    );
  }
  return (await q.execute()).map(toTask);
}

export async function updateTaskConfig(
  trx: Transaction<Database>,
  tenantId: string,
  id: string,
  config: TaskConfig,
  now: Date,
  actor: string,
): Promise<Task> {
  const row = await trx
    .updateTable('tasks')
    .set({
      name: config.name,
      ou_id: config.ouId ?? null,
      type: config.type,
      priority: config.priority,
      config: JSON.stringify(config),
      starts_at: config.start,
      ends_at: config.end,
      updated_at: now,
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returning(cols)
    .executeTakeFirstOrThrow();
  await insertEvent(trx, {
    tenantId,
    taskId: id,
    at: now,
    actor,
    action: 'edit',
    from: row.state,
    to: row.state,
  });
  return toTask(row);
}

export async function setTaskState(
  trx: Transaction<Database>,
  e: {
    tenantId: string;
    id: string;
    from: TaskState;
    to: TaskState;
    action: string;
    now: Date;
    actor: string;
    detail?: Record<string, unknown>;
  },
): Promise<Task> {
  const row = await trx
    .updateTable('tasks')
    .set({ state: e.to, state_changed_at: e.now, updated_at: e.now })
    .where('tenant_id', '=', e.tenantId)
    .where('id', '=', e.id)
    .returning(cols)
    .executeTakeFirstOrThrow();
  await insertEvent(trx, {
    tenantId: e.tenantId,
    taskId: e.id,
    at: e.now,
    actor: e.actor,
    action: e.action,
    from: e.from,
    to: e.to,
    ...(e.detail ? { detail: e.detail } : {}),
  });
  return toTask(row);
}

export async function deleteTask(
  trx: Transaction<Database>,
  tenantId: string,
  id: string,
  now: Date,
  actor: string,
): Promise<void> {
  await trx
    .deleteFrom('contacts')
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', id)
    .execute();
  await trx.deleteFrom('tasks').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
  await insertEvent(trx, {
    tenantId,
    taskId: id,
    at: now,
    actor,
    action: 'delete',
    from: null,
    to: null,
  });
}

async function insertEvent(
  trx: Transaction<Database>,
  e: {
    tenantId: string;
    taskId: string;
    at: Date;
    actor: string;
    action: string;
    from: string | null;
    to: string | null;
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  await trx
    .insertInto('task_events')
    .values({
      tenant_id: e.tenantId,
      task_id: e.taskId,
      at: e.at,
      actor: e.actor,
      action: e.action,
      from_state: e.from,
      to_state: e.to,
      detail: e.detail ? JSON.stringify(e.detail) : null,
    })
    .execute();
}

export async function listTaskEvents(
  db: Db,
  tenantId: string,
  taskId: string,
): Promise<TaskEvent[]> {
  const rows = await db
    .selectFrom('task_events')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    fromState: r.from_state,
    toState: r.to_state,
    detail: r.detail as Record<string, unknown> | null,
  }));
}

/** Name and configuration of every task of the tenant (to find which tasks use a resource). */
export async function listTaskConfigs(
  db: Db,
  tenantId: string,
): Promise<{ id: string; name: string; config: TaskConfig }[]> {
  const rows = await db
    .selectFrom('tasks')
    .select(['id', 'name', 'config'])
    .where('tenant_id', '=', tenantId)
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, config: r.config as unknown as TaskConfig }));
}

import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { TaskConfig } from '../domain/task-config.ts';
import type { TenantSettings } from '../domain/tenant.ts';
import type { PacingState } from '../domain/pacing.ts';

/**
 * The running tasks as the engine reads them, and their life cycle at a tick (expire, resume,
 * complete). Time is always a bound parameter (the injected clock), never now(). Every statement
 * touches only the rows it needs through a partial index, so a tick costs the same with 10
 * thousand or 1 million customers in a task.
 */

export interface RunningTask {
  tenantId: string;
  id: string;
  name: string;
  priority: number;
  config: TaskConfig;
  updatedAt: Date;
  pacing: PacingState | null;
  nextTickAt: Date | null;
  /** Customers may need preparing while these differ. */
  prepareGen: number;
  preparedGen: number;
  tenant: TenantSettings;
}

const RUNNING_COLUMNS = [
  'tasks.tenant_id',
  'tasks.id',
  'tasks.name',
  'tasks.priority',
  'tasks.config',
  'tasks.updated_at',
  'task_pacing.pacing',
  'task_pacing.next_tick_at',
  'tasks.prepare_gen',
  'tasks.prepared_gen',
  'tenants.settings',
] as const;

/** A running task's row as the reads select it (RUNNING_COLUMNS). */
interface RunningRow {
  tenant_id: string;
  id: string;
  name: string;
  priority: number;
  config: Record<string, unknown>;
  updated_at: Date;
  pacing: PacingState | null;
  next_tick_at: Date | null;
  prepare_gen: number;
  prepared_gen: number;
  settings: Record<string, unknown>;
}

function toRunningTask(r: RunningRow): RunningTask {
  return {
    tenantId: r.tenant_id,
    id: r.id,
    name: r.name,
    priority: r.priority,
    config: r.config as unknown as TaskConfig,
    updatedAt: r.updated_at,
    pacing: r.pacing,
    nextTickAt: r.next_tick_at,
    prepareGen: r.prepare_gen,
    preparedGen: r.prepared_gen,
    tenant: r.settings as unknown as TenantSettings,
  };
}

export async function runningTasks(db: Db): Promise<RunningTask[]> {
  const rows = await db
    .selectFrom('tasks')
    .innerJoin('tenants', 'tenants.id', 'tasks.tenant_id')
    .leftJoin('task_pacing', (j) =>
      j
        .onRef('task_pacing.tenant_id', '=', 'tasks.tenant_id')
        .onRef('task_pacing.task_id', '=', 'tasks.id'),
    )
    .select([...RUNNING_COLUMNS])
    .where('tasks.state', '=', 'running')
    .orderBy('tasks.tenant_id')
    .orderBy('tasks.priority')
    .orderBy('tasks.created_at')
    .execute();
  return rows.map(toRunningTask);
}

/** A task in the shape the engine works with, whatever its state. */
export async function runningTaskById(db: Db, taskId: string): Promise<RunningTask | undefined> {
  const r = await db
    .selectFrom('tasks')
    .innerJoin('tenants', 'tenants.id', 'tasks.tenant_id')
    .leftJoin('task_pacing', (j) =>
      j
        .onRef('task_pacing.tenant_id', '=', 'tasks.tenant_id')
        .onRef('task_pacing.task_id', '=', 'tasks.id'),
    )
    .select([...RUNNING_COLUMNS])
    .where('tasks.id', '=', taskId)
    .executeTakeFirst();
  return r && toRunningTask(r);
}

/** A running task as a tick sees it, once its due retries were promoted. */
export interface TickTask {
  task: RunningTask;
  /** taskFlags after the promotion. */
  flags: TaskFlags;
  /** nextDue of the task after the promotion. */
  nextDue: Date | null;
}

/**
 * What a tick starts from, in one statement: tasks whose end has passed become `expired` and
 * completed tasks to which customers that may be called were added run again (an event for each
 * task moved); then, for every running task, the retries and delays that are due become callable
 * (promoteDue), and the task comes with its flags (taskFlags) and the next due time of a waiting
 * contact (nextDue) as they are after that. In runningTasks' order.
 *
 * The reads see the rows as they were before the statement: running tasks are those not expiring
 * plus those resumed (as their update returns them), and promoted contacts count as ready (when
 * prepared) and no longer as waiting.
 */
export async function tickState(db: Db, now: Date): Promise<TickTask[]> {
  const COLUMNS = sql.raw(
    'tenant_id, id, name, priority, config, updated_at, prepare_gen, prepared_gen, created_at',
  );
  const r = await sql<
    RunningRow & {
      ready: boolean;
      open: boolean;
      next_due: Date | null;
    }
  >`
    with expired as (
      update tasks set state = 'expired', state_changed_at = ${now}, updated_at = ${now}
      where state in ('draft', 'running', 'suspended', 'completed') and ends_at <= ${now}
      returning tenant_id, id
    ), completed as materialized (
      -- Those expiring are not resumed (as when expiring came first).
      select tenant_id, id from tasks where state = 'completed' and ends_at > ${now}
    ), resumed as (
      -- The customers are looked for per completed task, by a scalar sub-select: as an EXISTS the
      -- planner may turn it into a join that reads every open contact of every task, and on the
      -- table itself its cost would be counted for every task row.
      update tasks t set state = 'running', state_changed_at = ${now}, updated_at = ${now}
      from completed k
      where t.tenant_id = k.tenant_id and t.id = k.id and t.state = 'completed'
        and (select true from contacts c
             where c.task_id = k.id and c.state in ('ready', 'waiting') limit 1)
      returning ${sql.raw(
        't.tenant_id, t.id, t.name, t.priority, t.config, t.updated_at, t.prepare_gen, t.prepared_gen, t.created_at',
      )}
    ), events as (
      insert into task_events (tenant_id, task_id, at, actor, action, from_state, to_state, detail)
      select tenant_id, id, ${now}::timestamptz, 'engine', 'expire', null, 'expired', null::jsonb
      from expired
      union all
      select tenant_id, id, ${now}::timestamptz, 'engine', 'resume', 'completed', 'running',
        ${JSON.stringify({ reason: 'contacts added' })}::jsonb
      from resumed
    ), running as (
      select ${COLUMNS} from tasks where state = 'running' and ends_at > ${now}
      union all
      select ${COLUMNS} from resumed
    ), promoted as (
      -- Joined per running task (an index scan of each task's due contacts, as promoteDue does:
      -- unlike a bitmap scan it marks the entries of contacts no longer waiting as dead).
      update contacts c set state = 'ready'
      from running r
      where c.task_id = r.id and c.state = 'waiting' and c.due_at <= ${now}
      returning c.task_id, c.order_key
    ), flags as materialized (
      -- Materialized: ready is read twice below and looked for once. The customers are looked
      -- for by scalar sub-selects (as in resumed): statistics taken before the engine prepared a
      -- task's customers say none is callable, and the planner then hashes an EXISTS — reading
      -- every callable customer of the task at every tick (70 ms a tick at 100,000 on PGlite).
      select r.tenant_id, r.id,
        coalesce((select true from contacts c
                  where c.task_id = r.id and c.state = 'ready' and c.order_key is not null
                  limit 1), false)
          or exists(select 1 from promoted p where p.task_id = r.id and p.order_key is not null)
          as ready
      from running r
    )
    select t.tenant_id, t.id, t.name, t.priority, t.config, t.updated_at, p.pacing, p.next_tick_at,
      t.prepare_gen, t.prepared_gen, te.settings, f.ready,
      -- A task with a ready customer is open: the wider look only when it has none.
      f.ready or exists(select 1 from contacts c
        where c.task_id = t.id and c.state in ('ready', 'waiting', 'dialing')) as open,
      (select min(c.due_at) from contacts c
       where c.task_id = t.id and c.state = 'waiting' and c.due_at > ${now}) as next_due
    from running t
    join tenants te on te.id = t.tenant_id
    join flags f on f.tenant_id = t.tenant_id and f.id = t.id
    left join task_pacing p on p.tenant_id = t.tenant_id and p.task_id = t.id
    order by t.tenant_id, t.priority, t.created_at`.execute(db);
  return r.rows.map((x) => ({
    task: toRunningTask(x),
    flags: { ready: x.ready, open: x.open },
    nextDue: x.next_due === null ? null : new Date(x.next_due),
  }));
}

/** running → completed, only if nothing may still be called (checked in the same statement). */
export async function completeTaskIfDone(
  db: Db,
  tenantId: string,
  taskId: string,
  now: Date,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('tasks')
      .set({ state: 'completed', state_changed_at: now, updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', taskId)
      .where('state', '=', 'running')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('contacts')
              .select(sql`1`.as('x'))
              .where('task_id', '=', taskId)
              .where('state', 'in', ['ready', 'waiting', 'dialing']),
          ),
        ),
      )
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await trx
      .insertInto('task_events')
      .values({
        tenant_id: tenantId,
        task_id: taskId,
        at: now,
        actor: 'engine',
        action: 'complete',
        from_state: 'running',
        to_state: 'completed',
        detail: null,
      })
      .execute();
    return true;
  });
}

export interface TaskFlags {
  /** A prepared contact may be called now. */
  ready: boolean;
  /** Some contact is not finished (ready, waiting or dialing): the task still has data. */
  open: boolean;
}

export async function taskFlags(db: Db, taskId: string): Promise<TaskFlags> {
  const r = await sql<{ ready: boolean; open: boolean }>`
    select
      exists(select 1 from contacts where task_id = ${taskId} and state = 'ready' and order_key is not null) as ready,
      exists(select 1 from contacts where task_id = ${taskId} and state in ('ready', 'waiting', 'dialing')) as open`.execute(
    db,
  );
  return r.rows[0]!;
}

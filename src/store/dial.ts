import { sql, type SqlBool, type Transaction } from 'kysely';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';
import type { TaskConfig } from '../domain/task-config.ts';
import type { TenantSettings } from '../domain/tenant.ts';
import type { PacingState } from '../domain/pacing.ts';

/**
 * The engine's SQL. Time is always a bound parameter (the injected clock), never now().
 * Every statement touches only the rows it needs through a partial index, so a tick costs the
 * same with 10 thousand or 1 million customers in a task.
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

export interface StoredNumber {
  number: string;
  type?: string | null;
  sequence?: number | null;
  delaySec?: number | null;
}

export interface HistoryEntry {
  numberIndex: number;
  startedAt: string;
  endedAt: string;
  result: string;
}

export interface ClaimedContact {
  id: number;
  sessionId: string;
  numbers: StoredNumber[];
  nextNumber: number | null;
  attempts: number;
  history: HistoryEntry[];
  callData: unknown;
  attributes: Record<string, unknown>;
}

const RUNNING_COLUMNS = [
  'tasks.tenant_id',
  'tasks.id',
  'tasks.name',
  'tasks.priority',
  'tasks.config',
  'tasks.updated_at',
  'tasks.pacing',
  'tasks.next_tick_at',
  'tasks.prepare_gen',
  'tasks.prepared_gen',
  'tenants.settings',
] as const;

function toRunningTask(r: {
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
}): RunningTask {
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
    .select([...RUNNING_COLUMNS])
    .where('tasks.state', '=', 'running')
    .orderBy('tasks.tenant_id')
    .orderBy('tasks.priority')
    .orderBy('tasks.created_at')
    .execute();
  return rows.map(toRunningTask);
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
    'tenant_id, id, name, priority, config, updated_at, pacing, next_tick_at, prepare_gen, prepared_gen, created_at',
  );
  const r = await sql<{
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
    ready: boolean;
    open: boolean;
    next_due: Date | null;
  }>`
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
        't.tenant_id, t.id, t.name, t.priority, t.config, t.updated_at, t.pacing, t.next_tick_at, t.prepare_gen, t.prepared_gen, t.created_at',
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
      -- Materialized: ready is read twice below and looked for once.
      select r.tenant_id, r.id,
        exists(select 1 from contacts c
               where c.task_id = r.id and c.state = 'ready' and c.order_key is not null)
          or exists(select 1 from promoted p where p.task_id = r.id and p.order_key is not null)
          as ready
      from running r
    )
    select t.tenant_id, t.id, t.name, t.priority, t.config, t.updated_at, t.pacing, t.next_tick_at,
      t.prepare_gen, t.prepared_gen, te.settings, f.ready,
      -- A task with a ready customer is open: the wider look only when it has none.
      f.ready or exists(select 1 from contacts c
        where c.task_id = t.id and c.state in ('ready', 'waiting', 'dialing')) as open,
      (select min(c.due_at) from contacts c
       where c.task_id = t.id and c.state = 'waiting' and c.due_at > ${now}) as next_due
    from running t
    join tenants te on te.id = t.tenant_id
    join flags f on f.tenant_id = t.tenant_id and f.id = t.id
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

export async function unprepared(db: Db, taskId: string, limit: number) {
  return db
    .selectFrom('contacts')
    .select(['id', 'priority', 'numbers', 'attributes'])
    .where('task_id', '=', taskId)
    .where('state', '=', 'ready')
    .where('order_key', 'is', null)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Stores the order keys; contacts failing the filter become `filtered`. */
export async function savePrepared(
  db: Db,
  taskId: string,
  ids: number[],
  keys: string[],
  filtered: boolean[],
): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    update contacts c set order_key = u.k, state = case when u.f then 'filtered' else c.state end
    from unnest(${ids}::bigint[], ${keys}::text[], ${filtered}::boolean[]) as u(id, k, f)
    where c.id = u.id and c.task_id = ${taskId}`.execute(db);
}

/** After the order or the filter of a task changed: prepare its contacts again. */
export async function resetPreparation(trx: Transaction<Database>, taskId: string): Promise<void> {
  await trx
    .updateTable('tasks')
    .set((eb) => ({ prepare_gen: eb('prepare_gen', '+', 1) }))
    .where('id', '=', taskId)
    .execute();
  await trx
    .updateTable('contacts')
    .set({
      order_key: null,
      state: sql<string>`case when state = 'filtered' then 'ready' else state end`,
    })
    .where('task_id', '=', taskId)
    .where('state', 'in', ['ready', 'filtered'])
    .execute();
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

/** Channels in use by the tenant: its active attempts, across every engine. */
export async function activeChannels(
  db: Db | Transaction<Database>,
  tenantId: string,
): Promise<number> {
  const r = await db
    .selectFrom('attempts')
    .select((e) => e.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('state', '=', 'active')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The tasks' pacing quotas and next ticks (rows locked in id order). */
export async function savePacing(
  trx: Transaction<Database>,
  tenantId: string,
  rows: { taskId: string; pacing: PacingState; nextTickAt: Date }[],
): Promise<void> {
  if (rows.length === 0) return;
  const ids = rows.map((r) => r.taskId);
  await sql`
    update tasks t set pacing = u.pacing::jsonb, next_tick_at = u.next_tick_at
    from unnest(${ids}::text[], ${rows.map((r) => JSON.stringify(r.pacing))}::text[],
      ${rows.map((r) => r.nextTickAt.toISOString())}::timestamptz[]) as u(id, pacing, next_tick_at)
    where t.tenant_id = ${tenantId} and t.id = u.id
      and t.id in (
        select id from tasks where tenant_id = ${tenantId} and id = any(${ids}::text[])
        order by id for update)`.execute(trx);
}

/**
 * Claims up to `n` callable contacts of a task in its customer order and leases them to the
 * engine (skip locked: two engines never claim the same contact).
 */
export async function claimContacts(
  trx: Transaction<Database>,
  taskId: string,
  n: number,
  engineId: string,
  leaseUntil: Date,
): Promise<ClaimedContact[]> {
  if (n <= 0) return [];
  const r = await sql<{
    id: number;
    session_id: string;
    numbers: StoredNumber[];
    next_number: number | null;
    attempts: number;
    history: HistoryEntry[];
    call_data: unknown;
    attributes: Record<string, unknown>;
  }>`
    update contacts c set state = 'dialing', lease_owner = ${engineId}, lease_expires_at = ${leaseUntil}
    from (
      select id from contacts
      where task_id = ${taskId} and state = 'ready' and order_key is not null
      order by order_key, due_at nulls first, id
      limit ${n}
      for update skip locked
    ) picked
    where c.id = picked.id
    returning c.id, c.session_id, c.numbers, c.next_number, c.attempts, c.history, c.call_data, c.attributes, c.order_key, c.due_at`.execute(
    trx,
  );
  return r.rows.map((x) => ({
    id: x.id,
    sessionId: x.session_id,
    numbers: x.numbers,
    nextNumber: x.next_number,
    attempts: x.attempts,
    history: x.history,
    callData: x.call_data,
    attributes: x.attributes,
  }));
}

export interface NewAttempt {
  tenantId: string;
  taskId: string;
  contactId: number;
  sessionId: string;
  number: string;
  numberIndex: number;
  attemptNo: number;
  callerNo: string | null;
  engineId: string;
  leaseUntil: Date | null;
  startedAt: Date;
  /** For attempts that end without a call (blocked, not trusted): their result. */
  endedWith?: { result: string; code: string };
}

/** Records the attempts; with `pacing`, saves the task's pacing in the same statement (savePacing). */
export async function insertAttempts(
  trx: Transaction<Database>,
  rows: NewAttempt[],
  pacing?: { tenantId: string; taskId: string; pacing: PacingState; nextTickAt: Date },
): Promise<number[]> {
  if (rows.length === 0) return [];
  const values = rows.map((a) => ({
    tenant_id: a.tenantId,
    task_id: a.taskId,
    contact_id: a.contactId,
    session_id: a.sessionId,
    number: a.number,
    number_index: a.numberIndex,
    attempt_no: a.attemptNo,
    caller_no: a.callerNo,
    state: a.endedWith ? 'ended' : 'active',
    engine_id: a.engineId,
    lease_expires_at: a.endedWith ? null : a.leaseUntil,
    started_at: a.startedAt,
    ended_at: a.endedWith ? a.startedAt : null,
    result: a.endedWith?.result ?? null,
    code: a.endedWith?.code ?? null,
  }));
  // A statement holds at most 65,535 parameters: large claims (big tenants, high pacing) go in
  // chunks, the pacing update with the first.
  const ids: number[] = [];
  for (let i = 0; i < values.length; i += ATTEMPT_CHUNK) {
    const chunk = values.slice(i, i + ATTEMPT_CHUNK);
    const out =
      pacing && i === 0
        ? await trx
            .with('pacing', (q) =>
              q
                .updateTable('tasks')
                .set({ pacing: JSON.stringify(pacing.pacing), next_tick_at: pacing.nextTickAt })
                .where('tenant_id', '=', pacing.tenantId)
                .where('id', '=', pacing.taskId)
                .returning('id'),
            )
            .insertInto('attempts')
            .values(chunk)
            .returning('id')
            .execute()
        : await trx.insertInto('attempts').values(chunk).returning('id').execute();
    for (const r of out) ids.push(r.id);
  }
  return ids;
}

/** Attempts inserted per statement (15 parameters each). */
const ATTEMPT_CHUNK = 2000;

export type ContactOutcome =
  | { kind: 'finish'; result: string; reason: string; at: Date }
  | { kind: 'retry'; numberIndex: number; dueAt: Date; ready: boolean };

/** Records an attempt in the contact's history and moves it on: finished, ready or waiting. */
export async function settleContact(
  trx: Transaction<Database>,
  contactId: number,
  history: HistoryEntry[],
  outcome: ContactOutcome,
): Promise<void> {
  const common = {
    history: JSON.stringify(history),
    attempts: history.length,
    lease_owner: null,
    lease_expires_at: null,
  } as const;
  if (outcome.kind === 'finish') {
    await trx
      .updateTable('contacts')
      .set({
        ...common,
        state: 'finished',
        final_result: outcome.result,
        finish_reason: outcome.reason,
        finished_at: outcome.at,
        due_at: null,
      })
      .where('id', '=', contactId)
      .execute();
  } else {
    await trx
      .updateTable('contacts')
      .set({
        ...common,
        state: outcome.ready ? 'ready' : 'waiting',
        due_at: outcome.dueAt,
        next_number: outcome.numberIndex,
      })
      .where('id', '=', contactId)
      .execute();
  }
}

/** Attempts to these numbers since `since` across the tenant (blocklist restriction quotas). */
export async function recentAttempts(
  db: Db,
  tenantId: string,
  numbers: string[],
  since: Date,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (numbers.length === 0) return out;
  const rows = await db
    .selectFrom('attempts')
    .select(['number', (e) => e.fn.countAll<number>().as('n')])
    .where('tenant_id', '=', tenantId)
    .where(sql<SqlBool>`number = any(${numbers}::text[])`)
    .where('started_at', '>=', since)
    .where('result', 'is distinct from', 'blocked')
    .groupBy('number')
    .execute();
  for (const r of rows) out.set(r.number, Number(r.n));
  return out;
}

/** Serialises the dial phase of engines sharing a tenant (held until the transaction ends). */
export async function lockTenant(trx: Transaction<Database>, tenantId: string): Promise<void> {
  await trx.selectFrom('tenants').select('id').where('id', '=', tenantId).forUpdate().execute();
}

/**
 * After the tenant's lock: the tasks' pacing quotas as another engine may have left them, and the
 * channels in use by the tenant (its active attempts, across every engine).
 */
export async function pacingAndChannels(
  trx: Transaction<Database>,
  tenantId: string,
  taskIds: string[],
): Promise<{
  active: number;
  pacing: Map<string, { pacing: PacingState | null; nextTickAt: Date | null }>;
}> {
  const pacing = new Map<string, { pacing: PacingState | null; nextTickAt: Date | null }>();
  const r = await sql<{
    n: number;
    id: string | null;
    pacing: PacingState | null;
    next_tick_at: Date | null;
  }>`
    select a.n, t.id, t.pacing, t.next_tick_at
    from (select count(*) as n from attempts where tenant_id = ${tenantId} and state = 'active') a
    left join tasks t on t.tenant_id = ${tenantId} and t.id = any(${taskIds}::text[])`.execute(trx);
  for (const x of r.rows) {
    if (x.id !== null) pacing.set(x.id, { pacing: x.pacing, nextTickAt: x.next_tick_at });
  }
  return { active: Number(r.rows[0]?.n ?? 0), pacing };
}

/**
 * The heartbeat: an engine's calls and claims stay its own until `until`. Rows another transaction
 * holds (a call being settled right now) are skipped rather than waited for: waiting could deadlock
 * with a settlement that locks them in another order, and the next beat renews them anyway.
 * Returns how many rows it renewed.
 */
export async function renewLeases(db: Db, engineId: string, until: Date): Promise<number> {
  const r = await db
    .with('a', (q) =>
      q
        .updateTable('attempts')
        .set({ lease_expires_at: until })
        // `= any(array(…))`: the rows are found through the engine's index and updated through
        // the primary key, never by a scan of every attempt.
        .where(
          sql<boolean>`id = any(array(${db
            .selectFrom('attempts')
            .select('id')
            .where('engine_id', '=', engineId)
            .where('state', '=', 'active')
            .forUpdate()
            .skipLocked()}))`,
        )
        .returning('id'),
    )
    .with('c', (q) =>
      q
        .updateTable('contacts')
        .set({ lease_expires_at: until })
        .where(
          sql<boolean>`id = any(array(${db
            .selectFrom('contacts')
            .select('id')
            .where('lease_owner', '=', engineId)
            .where('state', '=', 'dialing')
            .forUpdate()
            .skipLocked()}))`,
        )
        .returning('id'),
    )
    .selectNoFrom((eb) => [
      eb
        .selectFrom('a')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('a'),
      eb
        .selectFrom('c')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('c'),
    ])
    .executeTakeFirstOrThrow();
  return Number(r.a) + Number(r.c);
}

/**
 * Active attempts whose engine stopped renewing their lease (the earliest `limit`), and when the
 * earliest lease of the others expires (null: none active).
 */
export async function expiredAttempts(
  db: Db,
  now: Date,
  limit: number,
): Promise<{
  expired: { id: number; taskId: string; engineId: string | null }[];
  nextExpiry: Date | null;
}> {
  const r = await sql<{
    id: number;
    task_id: string;
    engine_id: string | null;
    lease_expires_at: Date;
  }>`
    (select id, task_id, engine_id, lease_expires_at from attempts
      where state = 'active' and lease_expires_at <= ${now}
      order by lease_expires_at limit ${limit})
    union all
    (select id, task_id, engine_id, lease_expires_at from attempts
      where state = 'active' and lease_expires_at > ${now}
      order by lease_expires_at limit 1)`.execute(db);
  const expired: { id: number; taskId: string; engineId: string | null }[] = [];
  let nextExpiry: Date | null = null;
  for (const x of r.rows) {
    const at = new Date(x.lease_expires_at);
    if (at.getTime() <= now.getTime())
      expired.push({ id: Number(x.id), taskId: x.task_id, engineId: x.engine_id });
    else nextExpiry = at;
  }
  return { expired, nextExpiry };
}

/** Those of the attempts that are no longer active (by primary key). */
export async function endedAmong(db: Db, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('attempts')
    .select('id')
    .where('id', 'in', ids)
    .where('state', '!=', 'active')
    .execute();
  return rows.map((r) => Number(r.id));
}

/** A task in the shape the engine works with, whatever its state. */
export async function runningTaskById(db: Db, taskId: string): Promise<RunningTask | undefined> {
  const r = await db
    .selectFrom('tasks')
    .innerJoin('tenants', 'tenants.id', 'tasks.tenant_id')
    .select([...RUNNING_COLUMNS])
    .where('tasks.id', '=', taskId)
    .executeTakeFirst();
  return r && toRunningTask(r);
}

/** Records that the task's customers were prepared up to generation `gen` (unless it moved on). */
export async function markPrepared(db: Db, taskId: string, gen: number): Promise<void> {
  await db
    .updateTable('tasks')
    .set({ prepared_gen: gen })
    .where('id', '=', taskId)
    .where('prepare_gen', '=', gen)
    .execute();
}

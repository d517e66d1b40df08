import { sql, type Transaction } from 'kysely';
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

/** Tasks whose end has passed become `expired`, with an event each. Returns their ids. */
export async function expireTasks(db: Db, now: Date): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .updateTable('tasks')
      .set({ state: 'expired', state_changed_at: now, updated_at: now })
      .where('state', 'in', ['draft', 'running', 'suspended', 'completed'])
      .where('ends_at', '<=', now)
      .returning(['tenant_id', 'id'])
      .execute();
    if (rows.length) {
      await trx
        .insertInto('task_events')
        .values(
          rows.map((r) => ({
            tenant_id: r.tenant_id,
            task_id: r.id,
            at: now,
            actor: 'engine',
            action: 'expire',
            from_state: null,
            to_state: 'expired',
            detail: null,
          })),
        )
        .execute();
    }
    return rows.map((r) => r.id);
  });
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

/** completed → running when contacts that may be called were added. */
export async function resumeCompletedWithData(db: Db, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const rows = await trx
      .updateTable('tasks')
      .set({ state: 'running', state_changed_at: now, updated_at: now })
      .where('state', '=', 'completed')
      .where(({ exists, selectFrom, ref }) =>
        exists(
          selectFrom('contacts')
            .select(sql`1`.as('x'))
            .whereRef('contacts.task_id', '=', ref('tasks.id'))
            .where('contacts.state', 'in', ['ready', 'waiting']),
        ),
      )
      .returning(['tenant_id', 'id'])
      .execute();
    if (rows.length) {
      await trx
        .insertInto('task_events')
        .values(
          rows.map((r) => ({
            tenant_id: r.tenant_id,
            task_id: r.id,
            at: now,
            actor: 'engine',
            action: 'resume',
            from_state: 'completed',
            to_state: 'running',
            detail: JSON.stringify({ reason: 'contacts added' }),
          })),
        )
        .execute();
    }
  });
}

/** Retries and delays that are due become callable. */
export async function promoteDue(db: Db, taskId: string, now: Date): Promise<number> {
  const r = await db
    .updateTable('contacts')
    .set({ state: 'ready' })
    .where('task_id', '=', taskId)
    .where('state', '=', 'waiting')
    .where('due_at', '<=', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
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

/** The next due time of a waiting contact of these tasks, for the scheduler. */
export async function nextDue(db: Db, taskIds: string[]): Promise<Date | null> {
  if (taskIds.length === 0) return null;
  const r = await db
    .selectFrom('contacts')
    .select((e) => e.fn.min('due_at').as('d'))
    .where('task_id', 'in', taskIds)
    .where('state', '=', 'waiting')
    .executeTakeFirst();
  return (r?.d as Date | null | undefined) ?? null;
}

export async function savePacing(
  db: Db,
  taskId: string,
  pacing: PacingState,
  nextTickAt: Date,
): Promise<void> {
  await db
    .updateTable('tasks')
    .set({ pacing: JSON.stringify(pacing), next_tick_at: nextTickAt })
    .where('id', '=', taskId)
    .execute();
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
    returning c.id, c.session_id, c.numbers, c.next_number, c.attempts, c.history, c.call_data, c.order_key, c.due_at`.execute(
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

export async function insertAttempts(
  trx: Transaction<Database>,
  rows: NewAttempt[],
): Promise<number[]> {
  if (rows.length === 0) return [];
  const out = await trx
    .insertInto('attempts')
    .values(
      rows.map((a) => ({
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
      })),
    )
    .returning('id')
    .execute();
  return out.map((r) => r.id);
}

/** Records the answer; returns the attempt with its customer, for the connect callback. */
export async function markAnswered(trx: Transaction<Database>, attemptId: number, at: Date) {
  return trx
    .updateTable('attempts')
    .set({ answered_at: at })
    .from('contacts')
    .whereRef('contacts.id', '=', 'attempts.contact_id')
    .where('attempts.id', '=', attemptId)
    .where('attempts.state', '=', 'active')
    .returning([
      'attempts.id',
      'attempts.tenant_id',
      'attempts.task_id',
      'attempts.contact_id',
      'attempts.number',
      'attempts.caller_no',
      'attempts.attempt_no',
      'attempts.started_at',
      'attempts.answered_at',
      'contacts.session_id',
      'contacts.custom_field',
    ])
    .executeTakeFirst();
}

/** Ends an active attempt; undefined if it had already ended (events are idempotent). */
export async function endAttempt(
  trx: Transaction<Database>,
  attemptId: number,
  e: {
    result: string;
    code: string;
    at: Date;
    digits?: string | undefined;
    detail?: Record<string, unknown> | undefined;
  },
  leaseExpiredBy?: Date,
) {
  let q = trx
    .updateTable('attempts')
    .set({
      state: 'ended',
      ended_at: e.at,
      result: e.result,
      code: e.code,
      digits: e.digits ?? null,
      detail: e.detail ? JSON.stringify(e.detail) : null,
      lease_expires_at: null,
    })
    .where('id', '=', attemptId)
    .where('state', '=', 'active');
  // The sweeper's condition is checked again on the locked row: a heartbeat may have come since.
  if (leaseExpiredBy) q = q.where('lease_expires_at', '<=', leaseExpiredBy);
  return q
    .returning([
      'id',
      'tenant_id',
      'task_id',
      'contact_id',
      'number_index',
      'started_at',
      'answered_at',
      'number',
      'attempt_no',
      'caller_no',
    ])
    .executeTakeFirst();
}

export async function lockContact(trx: Transaction<Database>, contactId: number) {
  return trx
    .selectFrom('contacts')
    .select([
      'id',
      'numbers',
      'history',
      'attempts',
      'state',
      'session_id',
      'custom_field',
      'attributes',
    ])
    .where('id', '=', contactId)
    .forUpdate()
    .executeTakeFirst();
}

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
    .where('number', 'in', numbers)
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

/** The tasks' pacing quotas as another engine may have left them. */
export async function pacingOf(
  trx: Transaction<Database>,
  taskIds: string[],
): Promise<Map<string, { pacing: PacingState | null; nextTickAt: Date | null }>> {
  const out = new Map<string, { pacing: PacingState | null; nextTickAt: Date | null }>();
  if (taskIds.length === 0) return out;
  const rows = await trx
    .selectFrom('tasks')
    .select(['id', 'pacing', 'next_tick_at'])
    .where('id', 'in', taskIds)
    .execute();
  for (const r of rows) out.set(r.id, { pacing: r.pacing, nextTickAt: r.next_tick_at });
  return out;
}

/**
 * The heartbeat: an engine's calls and claims stay its own until `until`. Rows another transaction
 * holds (a call being settled right now) are skipped rather than waited for: waiting could deadlock
 * with a settlement that locks them in another order, and the next beat renews them anyway.
 */
export async function renewLeases(db: Db, engineId: string, until: Date): Promise<void> {
  await db
    .updateTable('attempts')
    .set({ lease_expires_at: until })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('attempts')
        .select('id')
        .where('engine_id', '=', engineId)
        .where('state', '=', 'active')
        .forUpdate()
        .skipLocked(),
    )
    .execute();
  await db
    .updateTable('contacts')
    .set({ lease_expires_at: until })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('contacts')
        .select('id')
        .where('lease_owner', '=', engineId)
        .where('state', '=', 'dialing')
        .forUpdate()
        .skipLocked(),
    )
    .execute();
}

/** Active attempts whose engine stopped renewing their lease. */
export async function expiredAttempts(
  db: Db,
  now: Date,
  limit: number,
): Promise<{ id: number; taskId: string; engineId: string | null }[]> {
  const rows = await db
    .selectFrom('attempts')
    .select(['id', 'task_id', 'engine_id'])
    .where('state', '=', 'active')
    .where('lease_expires_at', '<=', now)
    .orderBy('lease_expires_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, taskId: r.task_id, engineId: r.engine_id }));
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

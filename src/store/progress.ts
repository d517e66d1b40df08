import { sql } from 'kysely';
import type { Db } from './db.ts';

export interface TaskProgress {
  total: number;
  byState: Record<string, number>;
  finalResults: Record<string, number>;
  attempts: { total: number; active: number; byResult: Record<string, number> };
  firstAttemptAt: Date | null;
  lastAttemptAt: Date | null;
}

interface CountRow {
  kind: 'contact' | 'attempt';
  state: string;
  /** '' for none. */
  result: string;
  n: number;
  first_at: Date | null;
  last_at: Date | null;
}

/**
 * A task's counts as the triggers of migration 0008 keep them: the folded totals plus the deltas
 * not folded yet, by (kind, state, result). Reads a few dozen rows, whatever the task's size.
 */
export async function taskCounts(db: Db, tenantId: string, taskId: string): Promise<CountRow[]> {
  const r = await sql<CountRow>`
    select kind, state, result, sum(n)::bigint as n, min(first_at) as first_at,
           max(last_at) as last_at
    from (
      select kind, state, result, n, first_at, last_at from task_counts
      where tenant_id = ${tenantId} and task_id = ${taskId}
      union all
      select kind, state, result, n, first_at, last_at from task_count_deltas
      where tenant_id = ${tenantId} and task_id = ${taskId}
    ) c
    group by kind, state, result
    order by kind, state, result`.execute(db);
  return r.rows.map((x) => ({ ...x, n: Number(x.n) }));
}

/**
 * Calls in progress in all of a tenant's tasks (channels in use), from the counters: a count of
 * the tenant's active attempts would read the partial index of active attempts, which under
 * heavy dialing holds many dead entries between vacuums.
 */
export async function tenantActiveCalls(db: Db, tenantId: string): Promise<number> {
  const r = await sql<{ n: number | null }>`
    select sum(n)::bigint as n from (
      select n from task_counts
      where tenant_id = ${tenantId} and kind = 'attempt' and state = 'active'
      union all
      select n from task_count_deltas
      where tenant_id = ${tenantId} and kind = 'attempt' and state = 'active'
    ) c`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/**
 * Folds the counters' deltas into their totals, so that reads stay a few rows. One process folds
 * at a time (the others skip); deltas appended meanwhile wait for the next fold.
 */
export async function foldTaskCounts(db: Db): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const lock = await sql<{ ok: boolean }>`
      select pg_try_advisory_xact_lock(hashtext('outbound.task_counts')) as ok`.execute(trx);
    if (!lock.rows[0]?.ok) return 0;
    const r = await sql`
      with d as (delete from task_count_deltas returning *)
      insert into task_counts (tenant_id, task_id, kind, state, result, n, first_at, last_at)
      select tenant_id, task_id, kind, state, result, sum(n), min(first_at), max(last_at)
      from d group by tenant_id, task_id, kind, state, result
      on conflict (tenant_id, task_id, kind, state, result) do update set
        n = task_counts.n + excluded.n,
        first_at = least(task_counts.first_at, excluded.first_at),
        last_at = greatest(task_counts.last_at, excluded.last_at)`.execute(trx);
    return Number(r.numAffectedRows ?? 0);
  });
}

/** Counts for a task's progress display, from the counters (never a scan of the task). */
export async function taskProgress(
  db: Db,
  tenantId: string,
  taskId: string,
): Promise<TaskProgress> {
  const rows = await taskCounts(db, tenantId, taskId);
  const byState: Record<string, number> = {
    ready: 0,
    waiting: 0,
    dialing: 0,
    filtered: 0,
    finished: 0,
  };
  const finalResults: Record<string, number> = {};
  const byResult: Record<string, number> = {};
  let total = 0;
  let active = 0;
  let firstAttemptAt: Date | null = null;
  let lastAttemptAt: Date | null = null;
  for (const r of rows) {
    if (r.kind === 'contact') {
      if (r.n === 0) continue;
      byState[r.state] = (byState[r.state] ?? 0) + r.n;
      if (r.state === 'finished') {
        const k = r.result || 'none';
        finalResults[k] = (finalResults[k] ?? 0) + r.n;
      }
      continue;
    }
    if (r.first_at && (!firstAttemptAt || r.first_at < firstAttemptAt)) firstAttemptAt = r.first_at;
    if (r.last_at && (!lastAttemptAt || r.last_at > lastAttemptAt)) lastAttemptAt = r.last_at;
    if (r.n === 0) continue;
    total += r.n;
    if (r.state === 'active') active += r.n;
    else if (r.result) byResult[r.result] = (byResult[r.result] ?? 0) + r.n;
  }
  return {
    total: Object.values(byState).reduce((a, b) => a + b, 0),
    byState,
    finalResults,
    attempts: { total, active, byResult },
    firstAttemptAt,
    lastAttemptAt,
  };
}

export interface AttemptView {
  id: number;
  sessionId: string;
  number: string;
  numberIndex: number;
  attemptNo: number;
  callerNo: string | null;
  state: string;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  result: string | null;
  code: string | null;
  digits: string | null;
  /** The attempt's stored detail (flow outcome, recording…); the API picks what it shows. */
  detail: Record<string, unknown> | null;
}

export async function listAttempts(
  db: Db,
  tenantId: string,
  taskId: string,
  f: { sessionId?: string | undefined; after?: number | undefined; limit: number },
): Promise<AttemptView[]> {
  let q = db
    .selectFrom('attempts')
    .select([
      'id',
      'session_id',
      'number',
      'number_index',
      'attempt_no',
      'caller_no',
      'state',
      'started_at',
      'answered_at',
      'ended_at',
      'result',
      'code',
      'digits',
      'detail',
    ])
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .orderBy('id')
    .limit(f.limit);
  if (f.sessionId) q = q.where('session_id', '=', f.sessionId);
  if (f.after !== undefined) q = q.where('id', '>', f.after);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    sessionId: r.session_id,
    number: r.number,
    numberIndex: r.number_index,
    attemptNo: r.attempt_no,
    callerNo: r.caller_no,
    state: r.state,
    startedAt: r.started_at,
    answeredAt: r.answered_at,
    endedAt: r.ended_at,
    result: r.result,
    code: r.code,
    digits: r.digits,
    detail: r.detail,
  }));
}

/** A contact's dialing state, for explain. */
export async function contactDialState(
  db: Db,
  tenantId: string,
  taskId: string,
  sessionId: string,
) {
  return db
    .selectFrom('contacts')
    .select([
      'id',
      'state',
      'due_at',
      'order_key',
      'next_number',
      'numbers',
      'attributes',
      'history',
      'final_result',
      'finish_reason',
      'finished_at',
      'attempts',
      'hold',
    ])
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
}

/** Ready contacts of the task that come before this one in its customer order. */
export async function queuedAhead(
  db: Db,
  taskId: string,
  c: { id: number; order_key: string | null; due_at: Date | null },
): Promise<number> {
  const r = await sql<{ n: number }>`
    select count(*)::int as n from contacts
    where task_id = ${taskId} and state = 'ready' and order_key is not null
      and (order_key, coalesce(due_at, '-infinity'::timestamptz), id) < (${c.order_key}::text collate "C", coalesce(${c.due_at}::timestamptz, '-infinity'::timestamptz), ${c.id}::bigint)`.execute(
    db,
  );
  return Number(r.rows[0]?.n ?? 0);
}

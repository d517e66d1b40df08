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

/** Counts for a task's progress display; read on demand, never on the dialing path. */
export async function taskProgress(db: Db, taskId: string): Promise<TaskProgress> {
  const states = await db
    .selectFrom('contacts')
    .select(['state', (e) => e.fn.countAll<number>().as('n')])
    .where('task_id', '=', taskId)
    .groupBy('state')
    .execute();
  const finals = await db
    .selectFrom('contacts')
    .select(['final_result', (e) => e.fn.countAll<number>().as('n')])
    .where('task_id', '=', taskId)
    .where('state', '=', 'finished')
    .groupBy('final_result')
    .execute();
  const results = await db
    .selectFrom('attempts')
    .select(['result', 'state', (e) => e.fn.countAll<number>().as('n')])
    .where('task_id', '=', taskId)
    .groupBy(['result', 'state'])
    .execute();
  const span = await sql<{
    first: Date | null;
    last: Date | null;
  }>`select min(started_at) as first, max(started_at) as last from attempts where task_id = ${taskId}`.execute(
    db,
  );
  const byState: Record<string, number> = {
    ready: 0,
    waiting: 0,
    dialing: 0,
    filtered: 0,
    finished: 0,
  };
  for (const s of states) byState[s.state] = Number(s.n);
  const byResult: Record<string, number> = {};
  let total = 0;
  let active = 0;
  for (const r of results) {
    total += Number(r.n);
    if (r.state === 'active') active += Number(r.n);
    else if (r.result) byResult[r.result] = (byResult[r.result] ?? 0) + Number(r.n);
  }
  return {
    total: Object.values(byState).reduce((a, b) => a + b, 0),
    byState,
    finalResults: Object.fromEntries(finals.map((f) => [f.final_result ?? 'none', Number(f.n)])),
    attempts: { total, active, byResult },
    firstAttemptAt: span.rows[0]?.first ?? null,
    lastAttemptAt: span.rows[0]?.last ?? null,
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

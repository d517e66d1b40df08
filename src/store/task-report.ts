import { sql } from 'kysely';
import type { Db } from './db.ts';

/**
 * Read-only figures about what a task did: attempts by result, customers by state, its first and
 * last attempt, when it completed and how many channels it held at once. Used by `simulate` and
 * `demo` after a run, and by their progress displays while it runs.
 */
export interface TaskFigures {
  attempts: { total: number; inProgress: number; byResult: Record<string, number> };
  customers: {
    total: number;
    byState: Record<string, number>;
    byFinalResult: Record<string, number>;
  };
  firstAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  /** The last `complete` event, unless data came back after it (a `resume`). */
  completedAt: Date | null;
  peakChannels: number;
  state: string;
}

const count = (rows: { k: string | null; n: number }[], nullKey?: string) => {
  const out: Record<string, number> = {};
  for (const r of rows) {
    const k = r.k ?? nullKey;
    if (k !== undefined) out[k] = Number(r.n);
  }
  return out;
};

export async function taskFigures(db: Db, tenantId: string, taskId: string): Promise<TaskFigures> {
  const byResult = await db
    .selectFrom('attempts')
    .select(['result as k', (e) => e.fn.countAll<number>().as('n')])
    .where('task_id', '=', taskId)
    .groupBy('result')
    .orderBy('result')
    .execute();
  const byState = await db
    .selectFrom('contacts')
    .select(['state as k', (e) => e.fn.countAll<number>().as('n')])
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .groupBy('state')
    .orderBy('state')
    .execute();
  const byFinal = await db
    .selectFrom('contacts')
    .select(['final_result as k', (e) => e.fn.countAll<number>().as('n')])
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .where('state', '=', 'finished')
    .groupBy('final_result')
    .orderBy('final_result')
    .execute();
  const span = await db
    .selectFrom('attempts')
    .select((e) => [e.fn.min('started_at').as('first'), e.fn.max('started_at').as('last')])
    .where('task_id', '=', taskId)
    .executeTakeFirst();
  const event = await db
    .selectFrom('task_events')
    .select(['action', 'at'])
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .where('action', 'in', ['complete', 'resume'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const task = await db
    .selectFrom('tasks')
    .select('state')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', taskId)
    .executeTakeFirstOrThrow();
  const results = count(byResult);
  const states = count(byState);
  return {
    attempts: {
      total: byResult.reduce((s, r) => s + Number(r.n), 0),
      inProgress: Number(byResult.find((r) => r.k === null)?.n ?? 0),
      byResult: results,
    },
    customers: {
      total: Object.values(states).reduce((s, n) => s + n, 0),
      byState: states,
      byFinalResult: count(byFinal, 'none'),
    },
    firstAttemptAt: (span?.first as Date | null | undefined) ?? null,
    lastAttemptAt: (span?.last as Date | null | undefined) ?? null,
    completedAt: event?.action === 'complete' ? event.at : null,
    peakChannels: await peakChannels(db, taskId),
    state: task.state,
  };
}

/**
 * The most calls of a task in progress at one instant: attempts hold a channel over
 * [started_at, ended_at) (still active: until now). At equal instants an end is counted before a
 * start, so a call that begins when another ends reuses its channel. Skipped numbers (blocked,
 * not trusted: started = ended) hold none.
 */
export async function peakChannels(db: Db, taskId: string): Promise<number> {
  const r = await sql<{ peak: number | null }>`
    select max(level) as peak from (
      select sum(d) over (order by t, d rows unbounded preceding) as level from (
        select started_at as t, 1 as d from attempts
        where task_id = ${taskId} and (ended_at is null or ended_at > started_at)
        union all
        select ended_at, -1 from attempts
        where task_id = ${taskId} and ended_at > started_at
      ) edges
    ) levels`.execute(db);
  return Number(r.rows[0]?.peak ?? 0);
}

/** Contacts of a task that are finished, and all of them (progress displays). */
export async function customerProgress(
  db: Db,
  tenantId: string,
  taskId: string,
): Promise<{ finished: number; total: number }> {
  const r = await db
    .selectFrom('contacts')
    .select((e) => [
      e.fn.countAll<number>().as('total'),
      e.fn.count<number>('id').filterWhere('state', 'in', ['finished', 'filtered']).as('finished'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .executeTakeFirstOrThrow();
  return { finished: Number(r.finished), total: Number(r.total) };
}

export interface AttemptRow {
  id: number;
  taskId: string;
  sessionId: string;
  number: string;
  attemptNo: number;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  result: string | null;
  code: string | null;
}

/** A tenant's attempts in the order they were placed, a keyset page after `afterId`. */
export async function attemptsPage(
  db: Db,
  tenantId: string,
  afterId: number,
  limit: number,
): Promise<AttemptRow[]> {
  const rows = await db
    .selectFrom('attempts')
    .select([
      'id',
      'task_id',
      'session_id',
      'number',
      'attempt_no',
      'started_at',
      'answered_at',
      'ended_at',
      'result',
      'code',
    ])
    .where('tenant_id', '=', tenantId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    taskId: r.task_id,
    sessionId: r.session_id,
    number: r.number,
    attemptNo: r.attempt_no,
    startedAt: r.started_at,
    answeredAt: r.answered_at,
    endedAt: r.ended_at,
    result: r.result,
    code: r.code,
  }));
}

/** Attempts of a task so far (progress displays). */
export async function attemptCount(db: Db, taskId: string): Promise<number> {
  const r = await db
    .selectFrom('attempts')
    .select((e) => e.fn.countAll<number>().as('n'))
    .where('task_id', '=', taskId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Running tasks other than `taskId`, in every tenant (the dialer runs them all). */
export async function otherRunningTasks(db: Db, taskId: string): Promise<number> {
  const r = await db
    .selectFrom('tasks')
    .select((e) => e.fn.countAll<number>().as('n'))
    .where('state', '=', 'running')
    .where('id', '!=', taskId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

import { sql } from 'kysely';
import type { Db } from './db.ts';
import { taskCounts } from './progress.ts';

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

const sorted = (m: Map<string, number>) =>
  Object.fromEntries([...m].filter(([, n]) => n !== 0).sort(([a], [b]) => (a < b ? -1 : 1)));
const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);

export async function taskFigures(db: Db, tenantId: string, taskId: string): Promise<TaskFigures> {
  const counts = await taskCounts(db, tenantId, taskId);
  const results = new Map<string, number>();
  const states = new Map<string, number>();
  const finals = new Map<string, number>();
  let attempts = 0;
  let inProgress = 0;
  let first: Date | null = null;
  let last: Date | null = null;
  for (const c of counts) {
    if (c.kind === 'attempt') {
      attempts += c.n;
      if (c.result) add(results, c.result, c.n);
      else inProgress += c.n;
      if (c.first_at && (!first || c.first_at < first)) first = c.first_at;
      if (c.last_at && (!last || c.last_at > last)) last = c.last_at;
    } else {
      add(states, c.state, c.n);
      if (c.state === 'finished') add(finals, c.result || 'none', c.n);
    }
  }
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
  const byState = sorted(states);
  return {
    attempts: { total: attempts, inProgress, byResult: sorted(results) },
    customers: {
      total: Object.values(byState).reduce((s, n) => s + n, 0),
      byState,
      byFinalResult: sorted(finals),
    },
    firstAttemptAt: first,
    lastAttemptAt: last,
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

/** Contacts of a task that are finished, and all of them (progress displays), from the counters. */
export async function customerProgress(
  db: Db,
  tenantId: string,
  taskId: string,
): Promise<{ finished: number; total: number }> {
  let finished = 0;
  let total = 0;
  for (const c of await taskCounts(db, tenantId, taskId)) {
    if (c.kind !== 'contact') continue;
    total += c.n;
    if (c.state === 'finished' || c.state === 'filtered') finished += c.n;
  }
  return { finished, total };
}

/** Attempts of a task so far (progress displays), from the counters. */
export async function attemptCount(db: Db, taskId: string): Promise<number> {
  const task = await db
    .selectFrom('tasks')
    .select('tenant_id')
    .where('id', '=', taskId)
    .executeTakeFirst();
  let n = 0;
  if (task)
    for (const c of await taskCounts(db, task.tenant_id, taskId))
      if (c.kind === 'attempt') n += c.n;
  return n;
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

import { sql, type Transaction } from 'kysely';
import type { AgentPacingSnapshot, QueueState } from '../domain/agent-pacing.ts';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';

/** The skill queue states the contact centre pushes (one row per queue, the last push wins). */

export interface PushedQueueState {
  loggedIn: number;
  ready: number;
  busy: number;
  waiting: number;
  avgHandleSec: number;
  reportedAt: Date;
}

export async function saveQueueState(
  db: Db,
  tenantId: string,
  queueId: string,
  s: PushedQueueState,
): Promise<void> {
  const row = {
    logged_in: s.loggedIn,
    ready: s.ready,
    busy: s.busy,
    waiting: s.waiting,
    avg_handle_sec: s.avgHandleSec,
    reported_at: s.reportedAt,
  };
  await db
    .insertInto('skill_queue_states')
    .values({ tenant_id: tenantId, queue_id: queueId, ...row })
    .onConflict((oc) => oc.columns(['tenant_id', 'queue_id']).doUpdateSet(row))
    .execute();
}

export async function queueStates(
  db: Db | Transaction<Database>,
  tenantId: string,
  queueIds: string[],
): Promise<Map<string, QueueState & { waiting: number }>> {
  const out = new Map<string, QueueState & { waiting: number }>();
  if (queueIds.length === 0) return out;
  const rows = await db
    .selectFrom('skill_queue_states')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('queue_id', 'in', queueIds)
    .execute();
  for (const r of rows)
    out.set(r.queue_id, {
      loggedIn: r.logged_in,
      ready: r.ready,
      busy: r.busy,
      waiting: r.waiting,
      avgHandleSec: Number(r.avg_handle_sec),
      at: new Date(r.reported_at).getTime(),
    });
  return out;
}

/** A task's pacing by agents as its last tick left it (the engine keeps it with the quota). */
export async function taskAgentPacing(
  db: Db,
  tenantId: string,
  taskId: string,
): Promise<AgentPacingSnapshot | null> {
  const r = await db
    .selectFrom('task_pacing')
    .select('pacing')
    .where('tenant_id', '=', tenantId)
    .where('task_id', '=', taskId)
    .executeTakeFirst();
  return (r?.pacing as unknown as { agent?: AgentPacingSnapshot } | null)?.agent ?? null;
}

/** The running tasks' pacing by agents, for the metrics. */
export async function runningAgentPacing(
  db: Db,
): Promise<{ tenantId: string; taskId: string; agent: AgentPacingSnapshot }[]> {
  const rows = await db
    .selectFrom('tasks')
    .innerJoin('task_pacing as p', (j) =>
      j.onRef('p.tenant_id', '=', 'tasks.tenant_id').onRef('p.task_id', '=', 'tasks.id'),
    )
    .select(['tasks.tenant_id', 'tasks.id', 'p.pacing'])
    .where('tasks.state', '=', 'running')
    .where(sql<boolean>`p.pacing ? 'agent'`)
    .execute();
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    taskId: r.id,
    agent: (r.pacing as unknown as { agent: AgentPacingSnapshot }).agent,
  }));
}

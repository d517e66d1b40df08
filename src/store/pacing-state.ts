import { sql, type Transaction } from 'kysely';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';
import type { PacingState } from '../domain/pacing.ts';

/**
 * The dial phase's shared state per tenant: its lock (engines sharing a tenant take turns), the
 * channels in use, and the tasks' pacing quotas and next ticks.
 */

/**
 * A task's pacing as saved: its quota, plus the channels held for it until its own tick and the
 * fraction of a channel it is owed from the splits of free channels (engine/dial-phase.ts).
 */
export type StoredPacing = PacingState & { held?: number; credit?: number };

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
  pacing: Map<string, { pacing: StoredPacing | null; nextTickAt: Date | null }>;
}> {
  const pacing = new Map<string, { pacing: StoredPacing | null; nextTickAt: Date | null }>();
  const r = await sql<{
    n: number;
    id: string | null;
    pacing: StoredPacing | null;
    next_tick_at: Date | null;
  }>`
    select a.n, p.task_id as id, p.pacing, p.next_tick_at
    from (select count(*) as n from attempts where tenant_id = ${tenantId} and state = 'active') a
    left join task_pacing p on p.tenant_id = ${tenantId} and p.task_id = any(${taskIds}::text[])`.execute(
    trx,
  );
  for (const x of r.rows) {
    if (x.id !== null) pacing.set(x.id, { pacing: x.pacing, nextTickAt: x.next_tick_at });
  }
  return { active: Number(r.rows[0]?.n ?? 0), pacing };
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

/**
 * The tasks' pacing quotas and next ticks (task_pacing: written only by dial phases, which the
 * tenant's lock serialises).
 */
export async function savePacing(
  trx: Transaction<Database>,
  tenantId: string,
  rows: { taskId: string; pacing: StoredPacing; nextTickAt: Date }[],
): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    insert into task_pacing (tenant_id, task_id, pacing, next_tick_at)
    select ${tenantId}, u.id, u.pacing::jsonb, u.next_tick_at
    from unnest(${rows.map((r) => r.taskId)}::text[], ${rows.map((r) => JSON.stringify(r.pacing))}::text[],
      ${rows.map((r) => r.nextTickAt.toISOString())}::timestamptz[]) as u(id, pacing, next_tick_at)
    where exists (select 1 from tasks t where t.tenant_id = ${tenantId} and t.id = u.id)
    order by u.id
    on conflict (tenant_id, task_id) do update
      set pacing = excluded.pacing, next_tick_at = excluded.next_tick_at`.execute(trx);
}

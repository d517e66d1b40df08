import { sql, type QueryCreator, type SqlBool, type Transaction } from 'kysely';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';
import type { PacingState } from '../domain/pacing.ts';

/**
 * Claiming customers and recording their attempts. Time is always a bound parameter (the
 * injected clock), never now().
 */

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

/**
 * Records the attempts and renews their engine's lease; with `pacing`, saves the task's pacing in
 * the same statement (savePacing).
 */
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
  // chunks, the pacing update and the engine's lease with the first. The lease (store/leases.ts)
  // is renewed in the claim's transaction, so it outlasts the lease each attempt is claimed with.
  const live = rows.find((a) => !a.endedWith && a.leaseUntil);
  const ids: number[] = [];
  for (let i = 0; i < values.length; i += ATTEMPT_CHUNK) {
    const chunk = values.slice(i, i + ATTEMPT_CHUNK);
    let q = trx as QueryCreator<Database>;
    if (pacing && i === 0)
      q = q.with('pacing', (w) =>
        w
          .insertInto('task_pacing')
          .values({
            tenant_id: pacing.tenantId,
            task_id: pacing.taskId,
            pacing: JSON.stringify(pacing.pacing),
            next_tick_at: pacing.nextTickAt,
          })
          .onConflict((oc) =>
            oc.columns(['tenant_id', 'task_id']).doUpdateSet({
              pacing: sql`excluded.pacing`,
              next_tick_at: sql`excluded.next_tick_at`,
            }),
          )
          .returning('task_id'),
      ) as unknown as QueryCreator<Database>;
    if (live && i === 0)
      q = q.with('lease', (w) =>
        w
          .insertInto('engine_leases')
          .values({ engine_id: live.engineId, expires_at: live.leaseUntil! })
          .onConflict((oc) =>
            oc.column('engine_id').doUpdateSet({
              expires_at: sql`greatest(engine_leases.expires_at, excluded.expires_at)`,
            }),
          )
          .returning('engine_id'),
      ) as unknown as QueryCreator<Database>;
    const out = await q.insertInto('attempts').values(chunk).returning('id').execute();
    for (const r of out) ids.push(r.id);
  }
  return ids;
}

/** Attempts inserted per statement (15 parameters each). */
const ATTEMPT_CHUNK = 2000;

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

import { sql, type Transaction } from 'kysely';
import type { CapUse } from '../domain/number-caps.ts';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';

/**
 * Store side of contact-local windows and caps per number: the calls counted against caps, the
 * per-number lock rows, and holding claimed customers back until they may be called.
 */

/** Why a claimed customer waits; valid while the contact's attempt count is still `attempts`. */
export interface ContactHold {
  reason: 'local_hours' | 'number_cap';
  until: string;
  attempts: number;
  number: string;
  /** local_hours: the customer's zones; number_cap: the cap reached. */
  zones?: string[];
  cap?: Record<string, unknown>;
}

/**
 * Locks one row per number (created on first use) until the transaction ends: an engine counting
 * a number's calls against a cap holds it, so another cannot count the same calls and take the
 * last one too. Sorted, so two engines lock overlapping sets in the same order.
 */
export async function lockNumbers(
  trx: Transaction<Database>,
  tenantId: string,
  numbers: readonly string[],
): Promise<void> {
  const sorted = [...new Set(numbers)].sort();
  if (sorted.length === 0) return;
  await sql`
    insert into number_cap_locks (tenant_id, number)
    select ${tenantId}, n from unnest(${sorted}::text[]) with ordinality as u(n, i) order by i
    on conflict (tenant_id, number) do update set number = excluded.number`.execute(trx);
}

/**
 * Removes the lock rows of numbers no call has been started to since `before` (none of their
 * calls can count against a cap any more); a number dialed again gets its row back on first use.
 * Returns how many were removed.
 */
export async function pruneNumberLocks(db: Db, before: Date): Promise<number> {
  const r = await sql`
    delete from number_cap_locks l
    where not exists (select 1 from attempts a
                      where a.tenant_id = l.tenant_id and a.number = l.number
                        and a.started_at >= ${before})`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** Calls started to these numbers since `since` by any task of the tenant (skips excluded). */
export async function capUses(
  db: Db,
  tenantId: string,
  numbers: readonly string[],
  since: Date,
): Promise<Map<string, CapUse[]>> {
  const out = new Map<string, CapUse[]>();
  if (numbers.length === 0) return out;
  const r = await sql<{
    number: string;
    started_at: Date;
    state: string;
    answered_at: Date | null;
    ou_id: string | null;
  }>`
    select a.number, a.started_at, a.state, a.answered_at, t.ou_id
    from attempts a join tasks t on t.tenant_id = a.tenant_id and t.id = a.task_id
    where a.tenant_id = ${tenantId} and a.number = any(${[...new Set(numbers)]}::text[])
      and a.started_at >= ${since}
      and (a.result is null or a.result not in ('blocked', 'not_trusted'))`.execute(db);
  for (const x of r.rows) {
    let list = out.get(x.number);
    if (!list) out.set(x.number, (list = []));
    list.push({
      at: new Date(x.started_at).getTime(),
      active: x.state === 'active',
      connected: x.answered_at !== null,
      ouId: x.ou_id,
    });
  }
  return out;
}

/** Puts claimed customers back as waiting until their hold ends (their lease is dropped). */
export async function holdContacts(
  trx: Transaction<Database>,
  taskId: string,
  holds: { id: number; hold: ContactHold }[],
): Promise<void> {
  if (holds.length === 0) return;
  await sql`
    update contacts c set state = 'waiting', due_at = u.until, hold = u.hold,
      lease_owner = null, lease_expires_at = null
    from unnest(${holds.map((h) => h.id)}::bigint[], ${holds.map((h) => h.hold.until)}::timestamptz[],
                ${holds.map((h) => JSON.stringify(h.hold))}::jsonb[]) as u(id, until, hold)
    where c.id = u.id and c.task_id = ${taskId}`.execute(trx);
}

/** Customers of a task waiting on a hold now, by reason (for progress). */
export async function heldCounts(
  db: Db,
  taskId: string,
): Promise<{ localHours: number; numberCap: number }> {
  const r = await sql<{ reason: string; n: number }>`
    select hold->>'reason' as reason, count(*)::int as n from contacts
    where task_id = ${taskId} and state = 'waiting' and hold is not null
      and (hold->>'attempts')::int = attempts
    group by 1`.execute(db);
  const by = new Map(r.rows.map((x) => [x.reason, Number(x.n)]));
  return { localHours: by.get('local_hours') ?? 0, numberCap: by.get('number_cap') ?? 0 };
}

/**
 * After local windows or caps changed (a task's, or the tenant's for all its tasks): customers
 * waiting on a hold become callable again at once, so the engine looks at them by the new rules
 * (a narrower rule holds them again on the next claim; a wider one lets them be called).
 */
export async function releaseHolds(
  db: Db,
  where: { tenantId: string; taskId?: string },
  now: Date,
): Promise<void> {
  await sql`
    update contacts set state = 'ready', due_at = ${now}, hold = null
    where tenant_id = ${where.tenantId}
      ${where.taskId ? sql`and task_id = ${where.taskId}` : sql``}
      and state = 'waiting' and hold is not null and (hold->>'attempts')::int = attempts`.execute(
    db,
  );
}

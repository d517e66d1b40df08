import { sql, type Transaction } from 'kysely';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';

/**
 * Leases of calls: one row per engine (`engine_leases`). An active attempt stays its engine's
 * while that row has not expired; the heartbeat renews the row alone, whatever the number of
 * calls, and a claim renews it in its own transaction, so the row always outlasts the lease its
 * attempts were claimed with (`attempts.lease_expires_at`). The sweeper reads the calls of the
 * engines whose row expired.
 */

/**
 * Renews the engine's row to at least `until` (created if missing). Takes no other lock: a beat
 * can neither wait for a settlement nor deadlock with one.
 */
export async function renewEngineLease(
  db: Db | Transaction<Database>,
  engineId: string,
  until: Date,
): Promise<void> {
  await sql`
    insert into engine_leases (engine_id, expires_at) values (${engineId}, ${until})
    on conflict (engine_id) do update
      set expires_at = greatest(engine_leases.expires_at, excluded.expires_at)`.execute(db);
}

/**
 * Until when an attempt (the alias of `attempts` in a statement) is leased, as SQL: the later of
 * its claim lease and its engine's row.
 */
export const leaseOf = (attempts: string) =>
  sql`greatest(${sql.ref(`${attempts}.lease_expires_at`)}, (select e.expires_at from engine_leases e
    where e.engine_id = ${sql.ref(`${attempts}.engine_id`)}))`;

/**
 * Active attempts of engines whose lease expired (the earliest `limit`, the longest expired
 * first); the engines whose lease expired with no call left (`idle`); and when the earliest lease
 * of the others expires (null: no engine holds one).
 */
export async function expiredAttempts(
  db: Db,
  now: Date,
  limit: number,
): Promise<{
  expired: { id: number; taskId: string; engineId: string | null }[];
  idle: string[];
  nextExpiry: Date | null;
}> {
  // Through the engines' rows (few) and the engine index of active attempts: never a look at the
  // calls of live engines.
  const r = await sql<{
    id: number | null;
    task_id: string | null;
    engine_id: string;
    expires_at: Date;
  }>`
    (select a.id, a.task_id, e.engine_id, e.expires_at
      from engine_leases e
      left join attempts a on a.engine_id = e.engine_id and a.state = 'active'
      where e.expires_at <= ${now}
      order by e.expires_at, a.id
      limit ${limit})
    union all
    (select null, null, engine_id, expires_at from engine_leases
      where expires_at > ${now}
      order by expires_at limit 1)`.execute(db);
  const expired: { id: number; taskId: string; engineId: string | null }[] = [];
  const idle: string[] = [];
  let nextExpiry: Date | null = null;
  for (const x of r.rows) {
    const at = new Date(x.expires_at);
    if (at.getTime() > now.getTime()) nextExpiry = at;
    else if (x.id === null) idle.push(x.engine_id);
    else expired.push({ id: Number(x.id), taskId: x.task_id!, engineId: x.engine_id });
  }
  return { expired, idle, nextExpiry };
}

/**
 * Forgets the rows of engines whose lease expired and that hold no call (they died or stopped,
 * and their calls were swept). A claim renewing such a row at the same moment keeps it: the
 * delete waits for its lock and then sees the renewed lease.
 */
export async function dropIdleLeases(db: Db, engineIds: string[], now: Date): Promise<void> {
  if (engineIds.length === 0) return;
  await sql`
    delete from engine_leases e
    where e.engine_id = any(${engineIds}::text[]) and e.expires_at <= ${now}
      and not exists (select 1 from attempts a where a.engine_id = e.engine_id and a.state = 'active')`.execute(
    db,
  );
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

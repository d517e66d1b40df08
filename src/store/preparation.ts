import { sql, type Transaction } from 'kysely';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';

/**
 * Preparing a task's customers before they can be claimed: their order key (customer order) and
 * whether they pass the task's attribute filter. Done again when the order or the filter change.
 */

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

/** Records that the task's customers were prepared up to generation `gen` (unless it moved on). */
export async function markPrepared(db: Db, taskId: string, gen: number): Promise<void> {
  await db
    .updateTable('tasks')
    .set({ prepared_gen: gen })
    .where('id', '=', taskId)
    .where('prepare_gen', '=', gen)
    .execute();
}

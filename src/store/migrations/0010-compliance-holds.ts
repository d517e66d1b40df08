import { sql, type Kysely } from 'kysely';

/**
 * Contact-local windows and caps per number (docs/engine.md). A customer the engine claimed but
 * may not call yet (outside its local hours, or its number at a cap) waits as `waiting` until
 * `due_at`, like a retry, so it is not claimed again before then (the `contacts_waiting` index
 * finds it when due); `hold` says why: `{reason, until, attempts, …}`, valid while `attempts` is
 * the contact's. `number_cap_locks` has a row per capped number, locked in the claim transaction
 * while the number's calls are counted, so two engines cannot both take its last call.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table contacts add column hold jsonb;
    create table number_cap_locks (
      tenant_id text not null,
      number text not null,
      primary key (tenant_id, number)
    );
  `.execute(db);
}

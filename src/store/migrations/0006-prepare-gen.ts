import { sql, type Kysely } from 'kysely';

/**
 * A task knows whether its customers need preparing (order key, filter) without reading them:
 * imports and edits bump `prepare_gen`; the engine records the generation it finished preparing.
 * The ready index holds due times with nulls first, as the claim orders them (customers never
 * called before retries of the same rank), so a claim reads only the rows it takes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table tasks add column prepare_gen integer not null default 0;
    alter table tasks add column prepared_gen integer not null default -1;
    drop index contacts_ready;
    create index contacts_ready on contacts (task_id, order_key, due_at nulls first, id)
      where state = 'ready' and order_key is not null;
  `.execute(db);
}

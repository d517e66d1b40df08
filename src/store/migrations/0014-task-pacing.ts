import { sql, type Kysely } from 'kysely';

/**
 * A task's pacing quota and next tick in a narrow table of their own: the dial phase writes them
 * on every task tick, and rewriting the task's row (its whole configuration) each time left dead
 * versions of it that every tick's read of the running tasks then stepped over.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table task_pacing (
      tenant_id text not null,
      task_id text not null,
      pacing jsonb,
      next_tick_at timestamptz,
      primary key (tenant_id, task_id),
      foreign key (tenant_id, task_id) references tasks (tenant_id, id) on delete cascade
    );
    insert into task_pacing (tenant_id, task_id, pacing, next_tick_at)
      select tenant_id, id, pacing, next_tick_at from tasks
      where pacing is not null or next_tick_at is not null;
    alter table tasks drop column pacing, drop column next_tick_at;
  `.execute(db);
}

import { sql, type Kysely } from 'kysely';

/**
 * How each skill queue stands, as the contact centre last pushed it (`PUT …/skill-queues/{id}/state`):
 * one row per queue, overwritten by each push. Engines pacing by agents read the rows of the
 * queues their tasks use, on every tick, so API and engine processes may be apart.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table skill_queue_states (
      tenant_id text not null references tenants (id) on delete cascade,
      queue_id text not null,
      logged_in integer not null,
      ready integer not null,
      busy integer not null,
      waiting integer not null,
      avg_handle_sec double precision not null,
      reported_at timestamptz not null,
      primary key (tenant_id, queue_id)
    );
  `.execute(db);
}

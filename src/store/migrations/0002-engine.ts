import { sql, type Kysely } from 'kysely';

/**
 * Dialing state. A contact is `ready` (may be called now), `waiting` (a retry or delay until
 * due_at), `dialing` (an attempt in flight, leased by an engine), `filtered` (fails the task's
 * attribute filter) or `finished`. `order_key` (bytewise, collate "C") is the task's customer order,
 * computed by the engine before a task dials; null means not prepared yet. An attempt row is also
 * the channel it holds while `active`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table tasks add column starts_at timestamptz;
    alter table tasks add column ends_at timestamptz;
    alter table tasks add column pacing jsonb;
    alter table tasks add column next_tick_at timestamptz;
    update tasks set starts_at = (config->>'start')::timestamptz, ends_at = (config->>'end')::timestamptz;
    alter table tasks alter column starts_at set not null;
    alter table tasks alter column ends_at set not null;
    create index tasks_running on tasks (tenant_id) where state = 'running';

    alter table contacts alter column state set default 'ready';
    update contacts set state = 'ready' where state = 'pending';
    alter table contacts add column due_at timestamptz;
    alter table contacts add column order_key text collate "C";
    alter table contacts add column next_number smallint;
    alter table contacts add column attempts integer not null default 0;
    alter table contacts add column history jsonb not null default '[]';
    alter table contacts add column final_result text;
    alter table contacts add column finish_reason text;
    alter table contacts add column finished_at timestamptz;
    alter table contacts add column lease_owner text;
    alter table contacts add column lease_expires_at timestamptz;
    alter table contacts add column business_result jsonb;

    create index contacts_ready on contacts (task_id, order_key, due_at, id) where state = 'ready' and order_key is not null;
    create index contacts_unprepared on contacts (task_id, id) where state = 'ready' and order_key is null;
    create index contacts_waiting on contacts (task_id, due_at) where state = 'waiting';
    create index contacts_open on contacts (task_id) where state in ('ready', 'waiting', 'dialing');
    create index contacts_dialing on contacts (lease_expires_at) where state = 'dialing';

    create table attempts (
      id bigint generated always as identity primary key,
      tenant_id text not null,
      task_id text not null,
      contact_id bigint not null,
      session_id text not null,
      number text not null,
      number_index smallint not null,
      attempt_no integer not null,
      caller_no text,
      state text not null,
      engine_id text,
      lease_expires_at timestamptz,
      started_at timestamptz not null,
      answered_at timestamptz,
      ended_at timestamptz,
      result text,
      code text,
      digits text,
      detail jsonb
    );
    create index attempts_active on attempts (tenant_id) where state = 'active';
    create index attempts_task on attempts (task_id, id);
    create index attempts_contact on attempts (contact_id, id);
    create index attempts_number on attempts (tenant_id, number, started_at);
  `.execute(db);
}

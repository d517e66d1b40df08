import { sql, type Kysely } from 'kysely';

/** Tenants, keys, resources, tasks with their events and templates, contacts, audit. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table tenants (
      id text primary key,
      name text not null,
      settings jsonb not null,
      callback_secret text not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    );

    create table api_keys (
      id text primary key,
      tenant_id text references tenants(id) on delete cascade,
      role text not null,
      ou_id text,
      name text not null,
      secret_hash text not null,
      created_at timestamptz not null,
      revoked_at timestamptz
    );
    create index api_keys_tenant on api_keys (tenant_id);

    create table resources (
      tenant_id text not null references tenants(id) on delete cascade,
      kind text not null,
      id text not null,
      ou_id text,
      doc jsonb not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, kind, id)
    );

    create table blocklist_entries (
      tenant_id text not null,
      blocklist_id text not null,
      number text not null,
      expires_at timestamptz,
      restrict_times integer,
      restrict_period text,
      primary key (tenant_id, blocklist_id, number)
    );

    create table tasks (
      tenant_id text not null references tenants(id) on delete cascade,
      id text not null,
      name text not null,
      ou_id text,
      type text not null,
      state text not null,
      priority smallint not null,
      config jsonb not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      state_changed_at timestamptz not null,
      primary key (tenant_id, id),
      unique (tenant_id, name)
    );
    create index tasks_list on tasks (tenant_id, created_at desc, id desc);

    create table task_events (
      id bigint generated always as identity primary key,
      tenant_id text not null,
      task_id text not null,
      at timestamptz not null,
      actor text not null,
      action text not null,
      from_state text,
      to_state text,
      detail jsonb
    );
    create index task_events_task on task_events (tenant_id, task_id, id);

    create table templates (
      tenant_id text not null references tenants(id) on delete cascade,
      id text not null,
      name text not null,
      ou_id text,
      config jsonb not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      unique (tenant_id, name)
    );

    create table contacts (
      id bigint generated always as identity primary key,
      tenant_id text not null,
      task_id text not null,
      session_id text not null,
      priority smallint not null,
      custom_field text,
      call_data jsonb,
      attributes jsonb not null,
      numbers jsonb not null,
      state text not null default 'pending',
      created_at timestamptz not null,
      updated_at timestamptz not null,
      unique (tenant_id, task_id, session_id)
    );
    create index contacts_list on contacts (tenant_id, task_id, id);

    create table audit_log (
      id bigint generated always as identity primary key,
      tenant_id text,
      at timestamptz not null,
      actor text not null,
      action text not null,
      subject text not null,
      detail jsonb
    );
    create index audit_log_tenant on audit_log (tenant_id, id);
  `.execute(db);
}

import { sql, type Kysely } from 'kysely';

/**
 * Result exports: a request is `queued`, leased by an export worker (`running`, with an owner and
 * an expiry, so an export whose worker died is taken up again), then `done` with its file or
 * `failed` with an error. `masked` is decided by the requester's role when it is queued and never
 * changes, so who may download what is fixed at request time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table exports (
      tenant_id text not null,
      task_id text not null,
      id text not null,
      format text not null,
      filter jsonb not null,
      state text not null default 'queued',
      requested_by text not null,
      masked boolean not null,
      row_count integer,
      file_path text,
      bytes bigint,
      error text,
      tries integer not null default 0,
      lease_owner text,
      lease_expires_at timestamptz,
      created_at timestamptz not null,
      started_at timestamptz,
      finished_at timestamptz,
      primary key (tenant_id, id)
    );
    create index exports_task on exports (tenant_id, task_id, created_at desc, id desc);
    create index exports_queued on exports (created_at, id) where state = 'queued';
    create index exports_running on exports (lease_expires_at) where state = 'running';
  `.execute(db);
}

import { sql, type Kysely } from 'kysely';

/**
 * The outbox: messages caused by a state change (callbacks on connect and release, SMS for
 * customers never reached), written in the same transaction as the change and sent later by the
 * dispatcher, with retries. A row is `pending` until `delivered`, or `failed` once it gives up.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table outbox (
      id bigint generated always as identity primary key,
      tenant_id text not null,
      task_id text not null,
      kind text not null,
      event text not null,
      attempt_id bigint,
      contact_id bigint,
      idempotency_key text not null unique,
      target text not null,
      payload jsonb not null,
      state text not null default 'pending',
      tries integer not null default 0,
      next_at timestamptz not null,
      lease_owner text,
      lease_expires_at timestamptz,
      last_status integer,
      last_error text,
      created_at timestamptz not null,
      delivered_at timestamptz
    );
    create index outbox_due on outbox (next_at, id) where state = 'pending';
    create index outbox_task on outbox (task_id, id);
    create index outbox_attempt on outbox (attempt_id, id) where state = 'pending';
  `.execute(db);
}

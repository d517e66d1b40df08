import { sql, type Kysely } from 'kysely';

/**
 * One lease row per engine: the heartbeat renews this row alone (O(1), whatever the calls in
 * progress), and an active attempt is leased as long as its engine's row (a claim renews the row
 * in its own transaction, so the row always outlasts the leases its attempts were claimed with).
 * Existing active attempts give their engines a row with their latest lease. The indexes by which
 * the per-call heartbeat and sweeper found their rows go.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table engine_leases (
      engine_id text primary key,
      expires_at timestamptz not null
    );
    insert into engine_leases (engine_id, expires_at)
      select engine_id, max(lease_expires_at) from attempts
      where state = 'active' and engine_id is not null and lease_expires_at is not null
      group by engine_id;
    drop index if exists attempts_lease;
    drop index if exists contacts_lease_owner;
    drop index if exists contacts_dialing;
  `.execute(db);
}

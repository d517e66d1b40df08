import { sql, type Kysely } from 'kysely';

/** The sweeper finds calls whose engine stopped renewing their lease, and heartbeats find their own. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index attempts_lease on attempts (lease_expires_at) where state = 'active';
    create index attempts_engine on attempts (engine_id) where state = 'active';
    create index contacts_lease_owner on contacts (lease_owner) where state = 'dialing';
  `.execute(db);
}

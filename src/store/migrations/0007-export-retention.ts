import { sql, type Kysely } from 'kysely';

/**
 * Export files hold personal data and are kept for a while only: a finished export records when
 * its file expires; the export worker then removes the file and marks the export `expired`.
 * Exports finished before this migration expire 7 days after they finished (the default).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table exports add column expires_at timestamptz;
    update exports set expires_at = finished_at + interval '7 days' where state = 'done';
    create index exports_expiring on exports (expires_at) where state = 'done';
  `.execute(db);
}

import { sql, type Kysely } from 'kysely';

/**
 * Recordings hold personal data and are kept for a while only: the recording worker finds the
 * attempts whose recording is past retention by when the call ended. The index holds only the
 * attempts that still have a recording, so the search costs nothing as recordings expire.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index attempts_recording on attempts (ended_at)
      where jsonb_typeof(detail -> 'recording') = 'object';
  `.execute(db);
}

import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './db.ts';
import * as m0001 from './migrations/0001-core.ts';
import * as m0002 from './migrations/0002-engine.ts';
import * as m0003 from './migrations/0003-outbox.ts';
import * as m0004 from './migrations/0004-exports.ts';
import * as m0005 from './migrations/0005-leases.ts';
import * as m0006 from './migrations/0006-prepare-gen.ts';
import * as m0007 from './migrations/0007-export-retention.ts';
import * as m0008 from './migrations/0008-task-counts.ts';

import * as m0009 from './migrations/0009-recording-retention.ts';
import * as m0010 from './migrations/0010-compliance-holds.ts';
import * as m0011 from './migrations/0011-task-forecasts.ts';
import * as m0012 from './migrations/0012-skill-queue-states.ts';
import * as m0013 from './migrations/0013-engine-leases.ts';
import * as m0014 from './migrations/0014-task-pacing.ts';

/** Migrations are listed here in order; each file exports `up`. They run on every start. */
const migrations: Record<string, Migration> = {
  '0001-core': m0001,
  '0002-engine': m0002,
  '0003-outbox': m0003,
  '0004-exports': m0004,
  '0005-leases': m0005,
  '0006-prepare-gen': m0006,
  '0007-export-retention': m0007,
  '0008-task-counts': m0008,

  '0009-recording-retention': m0009,
  '0010-compliance-holds': m0010,
  '0011-task-forecasts': m0011,
  '0012-skill-queue-states': m0012,
  '0013-engine-leases': m0013,
  '0014-task-pacing': m0014,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * `schema` is where the migration bookkeeping lives: Kysely looks for its tables in any schema
 * unless told which, and would skip creating them when another schema of the database has them.
 */
export async function migrate(db: Db, schema = 'public'): Promise<void> {
  const { error, results } = await new Migrator({
    db,
    provider,
    migrationTableSchema: schema,
  }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? ''} failed: ${String(error)}`, { cause: error });
  }
}

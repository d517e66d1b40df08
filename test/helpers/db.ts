import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import { newPGlite, openStore, dropSchema, type Store } from '../../src/store/db.ts';

/**
 * Store tests run on PGlite by default and on PostgreSQL when DATABASE_URL is set (CI runs both).
 * One PGlite per worker process (vitest isolate=false keeps this module alive across files); each
 * test file gets a fresh schema, dropped at the end.
 */
let sharedLite: PGlite | undefined;

export const databaseUrl = process.env.DATABASE_URL || undefined;
export const dbKind: 'pglite' | 'postgres' = databaseUrl ? 'postgres' : 'pglite';

export interface TestStore extends Store {
  schema: string;
  dispose(): Promise<void>;
}

export async function testStore(): Promise<TestStore> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const store = databaseUrl
    ? await openStore({ databaseUrl, schema, poolSize: 4 })
    : await openStore({ pglite: (sharedLite ??= newPGlite()), schema });
  return {
    ...store,
    schema,
    async dispose() {
      await dropSchema(store.db, schema);
      await store.close();
    },
  };
}

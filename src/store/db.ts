import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PGlitePool } from './pglite-pool.ts';
import { migrate } from './migrate.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

export interface Store {
  db: Db;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL connection string; absent → PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; absent → in memory. */
  dataDir?: string | undefined;
  /** Use an already running PGlite (tests share one per worker). */
  pglite?: PGlite;
  /** Every query runs with this schema first on the search path (tests: a fresh one per file). */
  schema?: string;
  poolSize?: number;
  /** Run migrations on open (default true). */
  migrate?: boolean;
}

// int8 (counts, identities) and numeric come back as JS numbers on both drivers.
const INT8 = 20;
const NUMERIC = 1700;
const toNumber = (v: string) => Number(v);

export function newPGlite(dataDir?: string): PGlite {
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  return new PGlite(dataDir, { parsers: { [INT8]: toNumber, [NUMERIC]: toNumber } });
}

export async function openStore(opts: StoreOptions = {}): Promise<Store> {
  const schema = opts.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new Error(`invalid schema name '${schema}'`);
  }
  let store: Store;
  if (opts.databaseUrl) {
    if (schema) {
      const admin = new pg.Client({ connectionString: opts.databaseUrl });
      await admin.connect();
      await admin.query(`create schema if not exists ${schema}`);
      await admin.end();
    }
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8 || oid === NUMERIC
            ? toNumber
            : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    store = { db, kind: 'postgres', close: () => db.destroy() };
  } else {
    const owned = !opts.pglite;
    const lite = opts.pglite ?? newPGlite(opts.dataDir);
    await lite.waitReady;
    if (schema) {
      await lite.exec(`create schema if not exists ${schema}; set search_path to ${schema}`);
    }
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new PGlitePool(lite) }),
    });
    store = {
      db,
      kind: 'pglite',
      close: async () => {
        await db.destroy();
        if (owned) await lite.close();
      },
    };
  }
  if (opts.migrate !== false) await migrate(store.db, schema ?? 'public');
  return store;
}

/** Drops a schema made by `openStore({schema})` (tests). */
export async function dropSchema(db: Db, schema: string): Promise<void> {
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
}

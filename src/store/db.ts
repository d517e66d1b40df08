import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PGlitePool } from './pglite-pool.ts';
import { migrate } from './migrate.ts';
import { readSnapshot, writeSnapshot } from './snapshot.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

export interface Store {
  db: Db;
  /**
   * The same database for API requests, kept from queueing ahead of the engine: on PGlite a
   * lower-priority lane of its one connection, on PostgreSQL a pool of its own (`apiPoolSize`).
   */
  api: Db;
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
  /** PostgreSQL connections for API requests (default 4), apart from the engine's `poolSize`. */
  apiPoolSize?: number;
  /**
   * For an in-memory PGlite (no `dataDir`, `pglite` or `schema`): start from the prepared schema
   * kept in this directory, building it on first use (store/snapshot.ts).
   */
  snapshotDir?: string | undefined;
  /** Run migrations on open (default true). */
  migrate?: boolean;
  /**
   * An idle PostgreSQL connection that breaks (server restart, network, idle timeout) is dropped
   * from the pool and replaced on next use; this hears about it. Without a listener, `pg` would
   * crash the process on such an error.
   */
  onConnectionError?: (err: Error) => void;
}

// int8 (counts, identities) and numeric come back as JS numbers on both drivers.
const INT8 = 20;
const NUMERIC = 1700;
const toNumber = (v: string) => Number(v);

export function newPGlite(dataDir?: string, loadDataDir?: Blob): PGlite {
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  return new PGlite({
    ...(dataDir ? { dataDir } : {}),
    ...(loadDataDir ? { loadDataDir } : {}),
    parsers: { [INT8]: toNumber, [NUMERIC]: toNumber },
  });
}

/**
 * A fresh in-memory PGlite, from the prepared schema in `dir` when there is one for the current
 * migrations (store/snapshot.ts). `fresh`: none was loaded, so the caller migrates and saves it.
 */
async function pgliteFromSnapshot(dir: string): Promise<{ lite: PGlite; fresh: boolean }> {
  const snap = readSnapshot(dir);
  if (snap) {
    const lite = newPGlite(undefined, snap);
    try {
      await lite.waitReady;
      return { lite, fresh: false };
    } catch {
      // Unreadable (another PGlite build, a damaged file): built again below.
    }
  }
  const lite = newPGlite();
  await lite.waitReady;
  return { lite, fresh: true };
}

function withErrorListener(pool: pg.Pool, onError: (err: Error) => void): pg.Pool {
  pool.on('error', onError);
  return pool;
}

export async function openStore(opts: StoreOptions = {}): Promise<Store> {
  const schema = opts.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new Error(`invalid schema name '${schema}'`);
  }
  let store: Store;
  let snapshotTo: string | undefined;
  let pgliteOpened: PGlite | undefined;
  if (opts.databaseUrl) {
    if (schema) {
      const admin = new pg.Client({ connectionString: opts.databaseUrl });
      await admin.connect();
      await admin.query(`create schema if not exists ${schema}`);
      await admin.end();
    }
    const onError = opts.onConnectionError ?? (() => {});
    const newPool = (max: number, jit: boolean) =>
      withErrorListener(
        new pg.Pool({
          connectionString: opts.databaseUrl,
          max,
          options: [schema ? `-c search_path=${schema}` : '', jit ? '' : '-c jit=off']
            .filter(Boolean)
            .join(' '),
          types: {
            getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
              oid === INT8 || oid === NUMERIC
                ? toNumber
                : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
          },
        }),
        onError,
      );
    const db = new Kysely<Database>({
      // No JIT for the engine: its statements are short and many, and compiling one (when the
      // planner's estimate passes jit_above_cost) costs more than running it.
      dialect: new PostgresDialect({ pool: newPool(opts.poolSize ?? 10, false) }),
    });
    // Created on first use: most stores (tests, workers) never serve the API.
    const api = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: () => Promise.resolve(newPool(opts.apiPoolSize ?? 4, true)),
      }),
    });
    store = {
      db,
      api,
      kind: 'postgres',
      close: async () => {
        await api.destroy();
        await db.destroy();
      },
    };
  } else {
    const owned = !opts.pglite;
    const useSnapshot = !opts.pglite && !opts.dataDir && !schema && opts.snapshotDir;
    let lite: PGlite;
    if (useSnapshot) {
      const s = await pgliteFromSnapshot(opts.snapshotDir!);
      lite = s.lite;
      if (s.fresh) snapshotTo = opts.snapshotDir;
    } else {
      lite = opts.pglite ?? newPGlite(opts.dataDir);
      await lite.waitReady;
    }
    pgliteOpened = lite;
    // With a schema (tests: one PGlite per worker, a schema per file), the pool sets the
    // connection's search_path to it whenever another store's was set last.
    const pool = new PGlitePool(lite, { schema });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    if (schema) await sql.raw(`create schema if not exists ${schema}`).execute(db);
    const api = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pool.lane('api') }) });
    store = {
      db,
      api,
      kind: 'pglite',
      close: async () => {
        await api.destroy();
        await db.destroy();
        if (owned) await lite.close();
      },
    };
  }
  if (opts.migrate !== false) {
    await migrate(store.db, schema ?? 'public');
    if (snapshotTo && pgliteOpened) await writeSnapshot(pgliteOpened, snapshotTo);
  }
  return store;
}

/** Drops a schema made by `openStore({schema})` (tests). */
export async function dropSchema(db: Db, schema: string): Promise<void> {
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
}

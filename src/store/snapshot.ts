import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';

/**
 * A prepared schema for a fresh in-memory PGlite (`outbound simulate`, benchmarks): booting an
 * empty database runs initdb and then every migration, seconds before the first call; loading a
 * data directory dump of a database already migrated takes a fraction of that.
 *
 * The dump is kept in a cache directory under a name made from a hash of the migrations' source
 * (and of PGlite's version), so a changed or added migration never loads a stale schema: its hash
 * names another file, built on first use. The store still runs the migrations after loading, which
 * finds nothing to do on a sound snapshot.
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Where `simulate` and forecasts keep the prepared schema unless told otherwise. */
export const DEFAULT_SNAPSHOT_DIR = path.join(os.tmpdir(), 'outbound-schema');

let hashed: string | undefined;

/** What writeSnapshot leaves out: a snapshot of another format is named otherwise. */
const DUMP_FORMAT = 'without the template databases';

/**
 * Set by the CLI's bundle (cli/build-cli.ts) to the digest of the migrations it was built from:
 * the bundle does not sit next to their files. Undefined when running the sources.
 */
declare const OUTBOUND_MIGRATIONS_DIGEST: string | undefined;

/** A hash of every migration's source and of the list of migrations (files in `dir`/migrations). */
export function migrationsDigest(dir = HERE): string {
  const h = crypto.createHash('sha256');
  const migrations = path.join(dir, 'migrations');
  for (const f of fs.readdirSync(migrations).sort()) {
    h.update(f);
    h.update(fs.readFileSync(path.join(migrations, f)));
  }
  h.update(fs.readFileSync(path.join(dir, 'migrate.ts')));
  return h.digest('hex');
}

/** A hash of the dump's format, of the migrations (migrationsDigest) and of PGlite's version. */
export function schemaHash(): string {
  if (hashed) return hashed;
  const h = crypto.createHash('sha256');
  h.update(DUMP_FORMAT);
  h.update(
    typeof OUTBOUND_MIGRATIONS_DIGEST === 'string'
      ? OUTBOUND_MIGRATIONS_DIGEST
      : migrationsDigest(),
  );
  try {
    // PGlite's version: another PostgreSQL build may not read this one's data directory.
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    let dir2 = path.dirname(entry);
    while (!fs.existsSync(path.join(dir2, 'package.json')) && dir2 !== path.dirname(dir2))
      dir2 = path.dirname(dir2);
    h.update(fs.readFileSync(path.join(dir2, 'package.json')));
  } catch {
    // Not resolvable this way: a snapshot that fails to load is rebuilt (store/db.ts).
  }
  hashed = h.digest('hex').slice(0, 16);
  return hashed;
}

export function snapshotFile(dir: string): string {
  return path.join(dir, `schema-${schemaHash()}.tar`);
}

/** The snapshot for the current migrations, if one was built. */
export function readSnapshot(dir: string): Blob | undefined {
  try {
    return new Blob([fs.readFileSync(snapshotFile(dir))]);
  } catch {
    return undefined;
  }
}

/**
 * Saves a freshly migrated database as the snapshot (written aside and renamed, so a process that
 * reads it never sees half a file). Failing to write it only costs the next start its time.
 */
export async function writeSnapshot(lite: PGlite, dir: string): Promise<void> {
  try {
    // Only the `postgres` database is ever used: the two template databases' catalogs are half of
    // the dump's files, and loading them about a tenth of PGlite's start (nothing here creates a
    // database). A compressed dump ('gzip') is a tenth of the size but costs more to load than it
    // saves: most of what is left is an empty WAL segment, cheap to copy.
    // (DROP DATABASE runs outside a transaction: one statement a call.)
    await lite.exec(
      `update pg_database set datistemplate = false where datname in ('template0', 'template1')`,
    );
    await lite.exec('drop database template0');
    await lite.exec('drop database template1');
    await lite.exec('checkpoint');
    const dump = await lite.dumpDataDir('none');
    fs.mkdirSync(dir, { recursive: true });
    const file = snapshotFile(dir);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(tmp, file);
  } catch {
    // A read-only or full cache directory: the next start migrates again.
  }
}

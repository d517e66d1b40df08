import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.ts';
import { snapshotFile } from '../../src/store/snapshot.ts';
import { dbKind } from '../helpers/db.ts';

/**
 * A fresh in-memory database starts from the prepared schema (store/snapshot.ts): built on first
 * use, loaded after, rebuilt when it cannot be read. PGlite only (PostgreSQL keeps its schema).
 */
describe.skipIf(dbKind !== 'pglite')('prepared schema for a fresh embedded database', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-snapshot-test-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Opens a fresh database: the migrations it has, and rows left by a previous run (none). */
  const migrated = async (snapshotDir: string) => {
    const store = await openStore({ snapshotDir });
    try {
      const r = await sql<{ n: number; left: number }>`
        select (select count(*) from kysely_migration) as n, (select count(*) from audit_log) as left`.execute(
        store.db,
      );
      expect(Number(r.rows[0]!.left)).toBe(0);
      await sql`insert into audit_log (at, actor, action, subject) values (now(), 'x', 'y', 'z')`.execute(
        store.db,
      );
      return Number(r.rows[0]!.n);
    } finally {
      await store.close();
    }
  };

  it('is built on first use, then loaded: every migration applied, nothing of a previous run', async () => {
    const file = snapshotFile(dir);
    expect(fs.existsSync(file)).toBe(false);
    const first = await migrated(dir);
    expect(first).toBeGreaterThan(5);
    expect(fs.existsSync(file)).toBe(true);
    const written = fs.statSync(file).mtimeMs;
    // The row written by the first run is not in the snapshot (it was saved before).
    expect(await migrated(dir)).toBe(first);
    expect(fs.statSync(file).mtimeMs).toBe(written);
  }, 240_000);

  it('holds only the database the store uses (no template databases to load)', async () => {
    if (!fs.existsSync(snapshotFile(dir))) await migrated(dir);
    const store = await openStore({ snapshotDir: dir });
    try {
      const r = await sql<{ datname: string }>`select datname from pg_database`.execute(store.db);
      expect(r.rows.map((row) => row.datname)).toEqual(['postgres']);
    } finally {
      await store.close();
    }
  }, 240_000);

  it('is named after the migrations, and rebuilt when it cannot be read', async () => {
    expect(path.basename(snapshotFile(dir))).toMatch(/^schema-[0-9a-f]{16}\.tar$/);
    fs.writeFileSync(snapshotFile(dir), 'not a data directory');
    expect(await migrated(dir)).toBeGreaterThan(5);
    expect(fs.statSync(snapshotFile(dir)).size).toBeGreaterThan(1000);
  }, 240_000);
});

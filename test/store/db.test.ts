import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { openStore } from '../../src/store/db.ts';
import { testStore, dbKind, type TestStore } from '../helpers/db.ts';

describe(`store on ${dbKind}`, () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await testStore();
  });
  afterAll(() => store.dispose());

  it('runs the migrations into the test schema', async () => {
    const rows = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = ${store.schema}
      order by table_name`.execute(store.db);
    expect(rows.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['tenants', 'tasks', 'contacts', 'resources', 'api_keys']),
    );
  });

  it('returns int8 as numbers and jsonb as objects on both databases', async () => {
    const r = await sql<{ n: number; j: { a: number } }>`
      select 9007199254740::int8 as n, '{"a":1}'::jsonb as j`.execute(store.db);
    expect(r.rows[0]).toEqual({ n: 9007199254740, j: { a: 1 } });
  });

  it('rolls back a failed transaction and keeps serving', async () => {
    await expect(
      store.db.transaction().execute(async (trx) => {
        await sql`insert into audit_log (at, actor, action, subject) values (now(), 'x', 'y', 'z')`.execute(
          trx,
        );
        await sql`select 1/0`.execute(trx);
      }),
    ).rejects.toThrow();
    const r = await store.db
      .selectFrom('audit_log')
      .select((e) => e.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(r.n)).toBe(0);
  });
});

describe.skipIf(dbKind !== 'postgres')('a PostgreSQL connection that breaks while idle', () => {
  it('is reported and replaced; the process and the store go on', async () => {
    const errors: Error[] = [];
    const store = await openStore({
      databaseUrl: process.env.DATABASE_URL!,
      poolSize: 2,
      onConnectionError: (e) => errors.push(e),
    });
    try {
      const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db))
        .rows[0]!.pid;
      // Another session ends the idle connection (as a server restart or an idle timeout would).
      const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      await admin.query('select pg_terminate_backend($1)', [pid]);
      await admin.end();
      await expect.poll(() => errors.length, { timeout: 5000, interval: 20 }).toBeGreaterThan(0);
      const r = await sql<{ one: number }>`select 1 as one`.execute(store.db);
      expect(r.rows[0]!.one).toBe(1);
    } finally {
      await store.close();
    }
  });
});

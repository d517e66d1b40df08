import { afterAll, describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { newPGlite, openStore } from '../../src/store/db.ts';
import { PGlitePool } from '../../src/store/pglite-pool.ts';

describe('PGlite connection lanes', () => {
  const lite = newPGlite();
  const pool = new PGlitePool(lite);
  const engine = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  const api = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: pool.lane('api') }) });
  afterAll(async () => {
    await api.destroy();
    await engine.destroy();
    await lite.close();
  });

  // A read that takes the connection for a few milliseconds.
  const read = () => sql`select count(*) from generate_series(1, 20000)`.execute(api);

  it('lets an engine transaction wait for at most one API statement, with 50 reads queued', async () => {
    let readsDone = 0;
    const reads = Array.from({ length: 50 }, () => read().then(() => readsDone++));
    // The first read holds the connection; the other 49 wait in the API lane.
    await new Promise((r) => setImmediate(r));
    expect(pool.queued.api).toBeGreaterThanOrEqual(40);
    const asked = readsDone;
    let readsBeforeEngine = -1;
    let readsDuringEngine = -1;
    await engine.transaction().execute(async (trx) => {
      readsBeforeEngine = readsDone - asked;
      await sql`select 1`.execute(trx);
      await sql`select count(*) from generate_series(1, 20000)`.execute(trx);
      readsDuringEngine = readsDone - asked - readsBeforeEngine;
    });
    expect(readsBeforeEngine).toBeLessThanOrEqual(1);
    expect(readsDuringEngine).toBe(0); // a transaction keeps the connection to itself
    expect(readsDone).toBeLessThan(10);
    await Promise.all(reads);
    expect(readsDone).toBe(50);
  });

  it('still serves API reads while the engine keeps the connection busy', async () => {
    let engineDone = 0;
    let readAt = -1;
    const engineWork = Array.from({ length: 100 }, () =>
      sql`select count(*) from generate_series(1, 2000)`.execute(engine).then(() => engineDone++),
    );
    const r = read().then(() => (readAt = engineDone));
    await Promise.all([...engineWork, r]);
    // One API holder goes first after a streak of engine grants: the read is not starved.
    expect(readAt).toBeGreaterThan(0);
    expect(readAt).toBeLessThan(100);
  });

  it('keeps plain first-come order within a lane', async () => {
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        sql`select ${i}::int`.execute(api).then(() => order.push(i)),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  // The tests' set-up: one PGlite per worker process, a store (schema) per test file. A store
  // left working by one file must neither act in the next file's schema nor slip its statements
  // into the next file's transaction.
  it('keeps two stores on one PGlite apart: each in its own schema, one transaction at a time', async () => {
    const shared = newPGlite();
    const a = await openStore({ pglite: shared, schema: 'pool_a', migrate: false });
    const b = await openStore({ pglite: shared, schema: 'pool_b', migrate: false });
    await sql`create table t (v int)`.execute(a.db);
    await sql`create table t (v int)`.execute(b.db);
    let inside = -1;
    await Promise.all([
      a.db.transaction().execute(async (trx) => {
        await sql`insert into t values (1)`.execute(trx);
        await new Promise((r) => setTimeout(r, 20)); // b's statements are asked for meanwhile
        inside = (await sql<{ n: number }>`select count(*)::int as n from t`.execute(trx)).rows[0]!
          .n;
        await sql`insert into t values (1)`.execute(trx);
      }),
      sql`insert into t values (2)`.execute(b.db),
      sql`insert into t values (2)`.execute(b.api),
    ]);
    const values = async (db: typeof a.db) =>
      (await sql<{ v: number }>`select v from t order by v`.execute(db)).rows.map((r) => r.v);
    expect(inside).toBe(1);
    expect(await values(a.db)).toEqual([1, 1]);
    expect(await values(b.api)).toEqual([2, 2]);
    await a.close();
    await b.close();
    await shared.close();
  });
});

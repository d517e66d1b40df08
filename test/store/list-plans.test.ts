import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type RawBuilder } from 'kysely';
import { dbKind, testStore, type TestStore } from '../helpers/db.ts';

/**
 * The list endpoints' first pages on a 50,000-customer task read an index in id order (no scan
 * of the task), once the planner has statistics (autovacuum on PostgreSQL, the housekeeper on
 * PGlite).
 */
describe(`list query plans (${dbKind})`, () => {
  let s: TestStore;
  beforeAll(async () => {
    s = await testStore();
    await sql`insert into contacts (tenant_id, task_id, session_id, priority, attributes, numbers,
                                    state, created_at, updated_at)
              select 'acme', 'big', 's' || g, 1, '{}', '[]',
                     case when g % 500 = 0 then 'dialing' when g % 3 = 0 then 'finished'
                          else 'ready' end, now(), now()
              from generate_series(1, 50000) g`.execute(s.db);
    await sql`insert into attempts (tenant_id, task_id, contact_id, session_id, number, number_index,
                                    attempt_no, state, started_at)
              select 'acme', 'big', g, 's' || g, '+86' || g, 0, 1, 'ended', now()
              from generate_series(1, 50000) g`.execute(s.db);
    await sql`analyze`.execute(s.db);
  }, 120_000);
  afterAll(() => s.dispose());

  const plan = async (q: RawBuilder<unknown>) =>
    (await sql<{ 'QUERY PLAN': string }>`explain ${q}`.execute(s.db)).rows
      .map((r) => r['QUERY PLAN'])
      .join('\n');

  it('pages results and contacts by an index, a rare state included', async () => {
    const page = await plan(sql`select id from contacts where tenant_id = 'acme' and task_id = 'big'
      and id > 0 order by id limit 100`);
    expect(page).toMatch(/Index Scan using (contacts_list|contacts_pkey)/);
    expect(page).not.toMatch(/Seq Scan|Sort/);
    const rare = await plan(sql`select id from contacts where tenant_id = 'acme' and task_id = 'big'
      and id > 0 and state in ('dialing') order by id limit 100`);
    expect(rare).toMatch(/Index (Only )?Scan using contacts_state_list/);
    expect(rare).not.toMatch(/Seq Scan/);
  });

  it('pages attempts by an index', async () => {
    const page = await plan(sql`select id from attempts where tenant_id = 'acme' and task_id = 'big'
      and id > 0 order by id limit 100`);
    expect(page).toMatch(/Index Scan using (attempts_task|attempts_pkey)/);
    expect(page).not.toMatch(/Seq Scan|Sort/);
  });

  it('reads progress from a few counter rows', async () => {
    const r = await sql<{ n: number }>`select count(*)::int as n from task_counts
      where task_id = 'big'`.execute(s.db);
    const d = await sql<{ n: number }>`select count(*)::int as n from task_count_deltas
      where task_id = 'big'`.execute(s.db);
    expect(r.rows[0]!.n + d.rows[0]!.n).toBeLessThan(10);
  });
});

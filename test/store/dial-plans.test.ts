import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompiledQuery, sql, type KyselyPlugin, type Transaction } from 'kysely';
import type { Database } from '../../src/store/schema.ts';
import { claimContacts } from '../../src/store/claim.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { fullTaskConfig } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';

/**
 * The engine's statements must touch only the rows they need (src/store/running-tasks.ts: "a tick costs
 * the same with 10 thousand or 1 million customers"). These tests run a statement of the engine as
 * the engine sends it, under EXPLAIN ANALYZE, and count the contact rows the database reads.
 * Both read every contact of the task once (bench/tick --ready 100000 showed ticks of 100-430 ms);
 * migration 0006 and the prepare generation fixed them, and these tests keep them fixed.
 */
const N = 5000;

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** Contact rows read by the scans of a plan: returned plus filtered away. */
function contactRowsRead(node: PlanNode): number {
  const own =
    node['Relation Name'] === 'contacts'
      ? (node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)
      : 0;
  return own + (node.Plans ?? []).reduce((s, p) => s + contactRowsRead(p), 0);
}

describe(`engine statements read only the rows they need (${dbKind})`, () => {
  let h: EngineHarness;
  let taskId: string;
  let captured: CompiledQuery[] = [];

  /** Runs `fn` on a db that records the statements it sends, then EXPLAIN ANALYZEs the last one and rolls back. */
  async function rowsRead(fn: (trx: Transaction<Database>) => Promise<unknown>): Promise<number> {
    captured = [];
    const spy: KyselyPlugin = {
      transformQuery: (a) => {
        captured.push(h.store.db.getExecutor().compileQuery(a.node, a.queryId));
        return a.node;
      },
      transformResult: async (a) => a.result,
    };
    const rollback = new Error('rollback');
    let read = -1;
    await h.store.db
      .withPlugin(spy)
      .transaction()
      .execute(async (trx) => {
        await fn(trx);
        const q = captured.at(-1)!;
        const r = await trx.executeQuery<{ 'QUERY PLAN': unknown }>(
          CompiledQuery.raw(`explain (analyze, format json) ${q.sql}`, [...q.parameters]),
        );
        const raw = r.rows[0]!['QUERY PLAN'];
        const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
        read = contactRowsRead(plan[0]!.Plan);
        throw rollback;
      })
      .catch((e: unknown) => {
        if (e !== rollback) throw e;
      });
    return read;
  }

  beforeAll(async () => {
    h = await engineHarness({ start: '2026-11-23T08:00:00+08:00' });
    // Outside the calling window (09:00): the first tick prepares every contact and dials none.
    taskId = await h.startTask(
      fullTaskConfig({
        schedule: { regular: [{ start: '09:00', end: '18:00' }] },
        strategy: { maxRingSec: 20, intervalSec: 3, callsPerInterval: 30 },
        callStrategy: { order: { by: 'none' }, numberRounds: { mode: 'sequence' } },
        blocklistId: null,
        businessResultPolicy: [],
      }),
      customers(N),
    );
    // Statistics as the import leaves them, when style.md says to ANALYZE: nothing prepared yet.
    // PGlite has no autovacuum, so they stay so until someone runs ANALYZE again.
    await sql`analyze contacts`.execute(h.store.db);
    await h.runUntil('2026-11-23T08:00:01+08:00');
    const ready = await h.store.db
      .selectFrom('contacts')
      .select((e) => e.fn.countAll<number>().as('n'))
      .where('task_id', '=', taskId)
      .where('state', '=', 'ready')
      .where('order_key', 'is not', null)
      .executeTakeFirstOrThrow();
    expect(Number(ready.n)).toBe(N);
  }, 120_000);
  afterAll(() => h?.stop());

  it('once every contact is prepared, ticks no longer look for contacts to prepare', async () => {
    // With the statistics of the import the planner would walk every contact to find none left
    // to prepare; the task's preparation generation spares the engine that query altogether.
    const t = await h.store.db
      .selectFrom('tasks')
      .select(['prepare_gen', 'prepared_gen'])
      .where('id', '=', taskId)
      .executeTakeFirstOrThrow();
    expect(t.prepared_gen).toBe(t.prepare_gen);
    const more = await h.call(h.key, {
      method: 'POST',
      url: `/api/v1/tenants/acme/tasks/${taskId}/contacts`,
      payload: { contacts: customers(1).map((c) => ({ ...c, sessionId: 'late' })) },
    });
    expect(more.status).toBe(200);
    const after = await h.store.db
      .selectFrom('tasks')
      .select(['prepare_gen', 'prepared_gen'])
      .where('id', '=', taskId)
      .executeTakeFirstOrThrow();
    expect(after.prepare_gen).toBeGreaterThan(after.prepared_gen);
  });

  it('claiming 30 customers reads about 30 contact rows, not every ready one', async () => {
    await sql`analyze contacts`.execute(h.store.db);
    const lease = new Date('2026-11-23T10:00:00+08:00');
    const read = await rowsRead((trx) => claimContacts(trx, taskId, 30, 'probe', lease));
    // The claim orders by `due_at nulls first`: the contacts_ready index must hold due_at the same
    // way, or the database reads and sorts every ready contact on every claim.
    expect(read).toBeLessThanOrEqual(100);
  });
});

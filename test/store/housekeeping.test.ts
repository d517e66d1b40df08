import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { dbKind, testStore, type TestStore } from '../helpers/db.ts';
import { VirtualScheduler } from '../../src/platform/scheduler.ts';
import { Housekeeper, type HousekeeperOptions } from '../../src/store/housekeeping.ts';
import { audit, listAudit } from '../../src/store/audit.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { taskProgress } from '../../src/store/progress.ts';

const DAY = 86_400_000;

describe(`housekeeping (${dbKind})`, () => {
  let s: TestStore;
  beforeAll(async () => {
    s = await testStore();
    await sql`insert into tenants (id, name, settings, callback_secret, created_at, updated_at)
              values ('acme', 'Acme', '{}', 'x', now(), now())`.execute(s.db);
  });
  afterAll(() => s.dispose());

  /** Runs `body` with a Housekeeper started on the test's store and `sched`, stopped after it. */
  async function withHousekeeper(
    sched: VirtualScheduler,
    o: Omit<HousekeeperOptions, 'db' | 'scheduler'>,
    body: () => Promise<void>,
  ) {
    const hk = new Housekeeper({ db: s.db, scheduler: sched, ...o }).start();
    try {
      await body();
    } finally {
      await hk.stop();
    }
  }

  it('prunes audit rows past the retention on the injected clock, hourly, and keeps the rest', async () => {
    const sched = new VirtualScheduler('2026-11-23T00:00:00Z');
    const at = (daysAgo: number) => new Date(sched.now().getTime() - daysAgo * DAY);
    for (const d of [400, 200, 31, 29, 1]) {
      await audit(s.db, {
        tenantId: 'acme',
        at: at(d),
        actor: 'key:x',
        action: 'contacts.read',
        subject: `read ${d} days ago`,
      });
    }
    await withHousekeeper(sched, { auditRetentionMs: 30 * DAY, foldMs: DAY }, async () => {
      await sched.runUntil(sched.now());
      const left = async () =>
        (await listAudit(s.db, 'acme', { limit: 100 })).map((a) => a.subject).sort();
      expect(await left()).toEqual(['read 1 days ago', 'read 29 days ago']);
      // Two days on, the row read 29 days ago has passed the retention too: the next hourly run.
      await sched.runUntil(sched.now().getTime() + 2 * DAY);
      expect(await left()).toEqual(['read 1 days ago']);
    });
  });

  it('drops the cap lock of a number not dialed for longer than any cap reaches, and keeps the rest', async () => {
    const sched = new VirtualScheduler('2026-11-23T00:00:00Z');
    const at = (daysAgo: number) => new Date(sched.now().getTime() - daysAgo * DAY);
    const dialed: [string, number][] = [
      ['+8613800000001', 40], // last dialed 40 days ago: no cap counts it now
      ['+8613800000002', 40],
      ['+8613800000002', 20], // dialed again 20 days ago: a 30-day cap still counts it
      ['+8613800000003', 1],
    ];
    for (const [number, d] of dialed)
      await sql`insert into attempts (tenant_id, task_id, contact_id, session_id, number,
                                      number_index, attempt_no, state, started_at)
                values ('acme', 'task-caps', 1, 's1', ${number}, 0, 1, 'ended', ${at(d)})`.execute(
        s.db,
      );
    await sql`insert into number_cap_locks (tenant_id, number)
              values ('acme', '+8613800000001'), ('acme', '+8613800000002'),
                     ('acme', '+8613800000003'), ('other', '+8613800000003')`.execute(s.db);
    await withHousekeeper(sched, { auditRetentionMs: 30 * DAY, foldMs: DAY }, async () => {
      await sched.runUntil(sched.now());
      const locks = await sql<{ t: string; n: string }>`
        select tenant_id as t, number as n from number_cap_locks order by 1, 2`.execute(s.db);
      expect(locks.rows).toEqual([
        { t: 'acme', n: '+8613800000002' },
        { t: 'acme', n: '+8613800000003' },
      ]);
    });
  });

  it('folds the progress counters every few seconds, leaving the counts as they were', async () => {
    const sched = new VirtualScheduler('2026-11-23T00:00:00Z');
    await sql`insert into contacts (tenant_id, task_id, session_id, priority, attributes, numbers,
                                    state, created_at, updated_at)
              select 'acme', 'task-1', 's' || g, 1, '{}', '[]', 'ready', now(), now()
              from generate_series(1, 500) g`.execute(s.db);
    await sql`update contacts set state = 'finished', final_result = 'success'
              where task_id = 'task-1' and session_id < 's2'`.execute(s.db);
    const deltas = async () =>
      Number(
        (await sql<{ n: number }>`select count(*)::int as n from task_count_deltas`.execute(s.db))
          .rows[0]!.n,
      );
    expect(await deltas()).toBeGreaterThan(0);
    const before = await taskProgress(s.db, 'acme', 'task-1');
    expect(before.byState).toMatchObject({ ready: 389, finished: 111 });
    await withHousekeeper(sched, { auditRetentionMs: DAY }, async () => {
      await sched.runUntil(sched.now().getTime() + 5_000);
      expect(await deltas()).toBe(0);
      expect(await taskProgress(s.db, 'acme', 'task-1')).toEqual(before);
    });
  });

  it('refreshes the planner statistics when asked (PGlite has no autovacuum)', async () => {
    const sched = new VirtualScheduler('2026-11-23T00:00:00Z');
    const tuples = async () =>
      Number(
        (
          await sql<{ n: number }>`select reltuples as n from pg_class
            where oid = 'contacts'::regclass`.execute(s.db)
        ).rows[0]!.n,
      );
    await sql`delete from contacts`.execute(s.db);
    await sql`analyze contacts`.execute(s.db);
    expect(await tuples()).toBe(0);
    await sql`insert into contacts (tenant_id, task_id, session_id, priority, attributes, numbers,
                                    state, created_at, updated_at)
              select 'acme', 'task-2', 's' || g, 1, '{}', '[]', 'ready', now(), now()
              from generate_series(1, 300) g`.execute(s.db);
    await withHousekeeper(sched, { auditRetentionMs: DAY, analyzeMs: 600_000 }, async () => {
      await sched.runUntil(sched.now().getTime() + 600_000);
      expect(await tuples()).toBe(300);
    });
  });

  it('reads the retention from OUTBOUND_AUDIT_RETENTION_DAYS and refuses a bad one', () => {
    expect(loadConfig({}, '/').auditRetentionDays).toBe(365);
    expect(loadConfig({ OUTBOUND_AUDIT_RETENTION_DAYS: '90' }, '/').auditRetentionDays).toBe(90);
    expect(() => loadConfig({ OUTBOUND_AUDIT_RETENTION_DAYS: 'never' }, '/')).toThrow(
      /OUTBOUND_AUDIT_RETENTION_DAYS must be a number of days/,
    );
  });
});

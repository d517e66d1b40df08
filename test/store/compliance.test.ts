import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { dbKind } from '../helpers/db.ts';
import { workdayTask } from '../helpers/world.ts';
import { capUses, lockNumbers } from '../../src/store/compliance.ts';

/**
 * Caps per number in the store, on PGlite and PostgreSQL: the calls counted across tasks, the
 * hold that keeps a capped customer waiting (not failed, not claimed again every tick), its
 * release when the cap is raised, and the call placed again once the oldest call is a day old.
 */
const ALL_DAY = {
  regular: [{ start: '00:00', end: '23:59' }],
  specialDates: [],
  specialPeriods: [],
  allocations: { enabled: false, entries: [] },
};
const BUSY = { default: { result: 'busy' as const, ringSec: 0.1 } };
const base = '/api/v1/tenants/acme/tasks';

describe(`caps per number in the store (${dbKind})`, () => {
  let h: EngineHarness;
  afterEach(() => h.stop());

  it('two tasks share a cap of 2 a day on one number; raised to 3 it gets one more; a day later another', async () => {
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      network: BUSY,
      settings: { numberCaps: [{ max: 2, period: 'day' }] },
    });
    const task = (name: string) =>
      workdayTask(name, {
        schedule: ALL_DAY,
        resultPolicy: {
          kind: 'global',
          byResult: true,
          rules: [{ result: 'busy', retries: 50, intervalSec: 0 }],
          nonRetryResults: [],
        },
      });
    const a = await h.startTask(task('Cap A'), customers(1));
    const b = await h.startTask(task('Cap B'), customers(1));
    await h.runUntil('2026-11-23T09:10:00+08:00');
    const calls = async () =>
      (
        await h.store.db
          .selectFrom('attempts')
          .select(['started_at', 'task_id', 'result'])
          .orderBy('id')
          .execute()
      ).map((r) => ({ at: r.started_at.toISOString(), task: r.task_id }));
    expect(await calls()).toHaveLength(2);
    const number = '+8613800010001';
    const uses = await capUses(h.store.db, 'acme', [number], new Date('2026-11-22T00:00:00Z'));
    expect(uses.get(number)).toHaveLength(2);

    // Waiting (not failed), on a hold, not claimed again: one claim each, no more.
    for (const id of [a, b]) {
      const c = await h.contact(id, 'c0001');
      expect(c.state).toBe('waiting');
      const p = await h.call(h.key, { method: 'GET', url: `${base}/${id}/progress` });
      expect(p.body.held).toEqual({ localHours: 0, numberCap: 1 });
    }
    const capped = (await h.contact(a, 'c0001')).hold ? a : b;
    const why = await h.call(h.key, {
      method: 'GET',
      url: `${base}/${capped}/contacts/c0001/explain`,
    });
    expect(why.body.reason).toBe('number_cap');
    // The cap frees a day after the first call.
    expect(new Date(why.body.until).toISOString()).toBe('2026-11-24T01:00:00.000Z');

    // Raising the cap lets the waiting customers be looked at again at once.
    const patched = await h.call(h.key, {
      method: 'PATCH',
      url: '/api/v1/tenants/acme',
      payload: { settings: { numberCaps: [{ max: 3, period: 'day' }] } },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    h.dialer.wakeAt();
    await h.runUntil('2026-11-23T09:11:00+08:00');
    expect(await calls()).toHaveLength(3);

    // The first two calls (both at 09:00:00) leave the day's window at 09:00:00 the next day; the
    // third (09:10) still counts, so two more and no more.
    await h.runUntil('2026-11-24T08:59:59+08:00');
    expect(await calls()).toHaveLength(3);
    await h.runUntil('2026-11-24T09:05:00+08:00');
    const all = await calls();
    expect(all.slice(0, 2).map((c) => c.at)).toEqual([
      '2026-11-23T01:00:00.000Z',
      '2026-11-23T01:00:00.000Z',
    ]);
    expect(all).toHaveLength(5);
    for (const c of all.slice(3))
      expect(Date.parse(c.at) - Date.parse('2026-11-24T09:00:00+08:00')).toBeLessThan(2000);
  });

  it('lock rows are created once per number and taken again without error', async () => {
    h = await engineHarness({ start: '2026-11-23T09:00:00+08:00' });
    for (let i = 0; i < 2; i++)
      await h.store.db.transaction().execute((trx) => lockNumbers(trx, 'acme', ['+2', '+1', '+2']));
    const rows = await sql<{ number: string }>`
      select number from number_cap_locks order by number`.execute(h.store.db);
    expect(rows.rows.map((r) => r.number)).toEqual(['+1', '+2']);
  });
});

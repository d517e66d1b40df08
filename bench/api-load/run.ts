/**
 * Dialing under API load: `npx tsx bench/api-load/run.ts [--pg] [--seconds 60] [--customers 50000]
 * [--clients 20] [--interval-ms 1000]`.
 *
 * One `outbound serve` process (API and engine, as a small site runs it) dials a task of 50,000
 * customers in real time on a fast sim network (every call busy 19 times, 1 s apart, then answered;
 * 50 ms to answer, 100 ms of talk), so the engine runs flat out and any time the API takes from
 * it shows as fewer attempts. Phases of `--seconds` each, alternating: no API load, 20 clients
 * polling `…/progress` (each once every `--interval-ms`, as a dashboard does; the console polls
 * every 2 s), no load, 20 clients paging through `…/results` and `…/contacts` (half each, 100
 * rows a page), no load. Dialing rate = attempts started inside a phase (from the attempt records,
 * read after the run) per second; a load phase's drop is against the mean of the phases around it. Target: the drop
 * under progress polling is < 10 % on PostgreSQL and < 25 % on PGlite. After the run, EXPLAIN
 * shows that the list queries read their indexes. The load clients run in this process, the server
 * in its own.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { createCipher, parseKey } from '../../src/platform/cipher.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { spawnServe } from '../../test/helpers/engine-process.ts';
import { adminApi, allDayTask, benchTenant } from '../lib/api-seed.ts';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? Number(argv[i + 1]) : dflt;
};
const PG = argv.includes('--pg');
const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = arg('--seconds', 60);
const CUSTOMERS = arg('--customers', 50_000);
const CLIENTS = arg('--clients', 20);
const INTERVAL_MS = arg('--interval-ms', 1000);
const WARMUP_SEC = 10;
const LIMIT = PG ? 0.1 : 0.25;
const TENANT = 'load';
const BUSY = { result: 'busy', ringSec: 0.05 } as const;
const NETWORK = {
  default: { result: 'success', ringSec: 0.05, talkSec: 0.1 },
  rules: [
    {
      match: '.',
      sequence: [
        ...Array<typeof BUSY>(19).fill(BUSY),
        { result: 'success', ringSec: 0.05, talkSec: 0.1 },
      ],
    },
  ],
};

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => os.loadavg()[0]!.toFixed(1);

async function admin(q: string): Promise<void> {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    await c.query(q);
  } finally {
    await c.end();
  }
}

/** Tenant, task and customers straight into the store; returns the task id and an API key. */
async function seed(store: Store, secretKey: string): Promise<{ taskId: string; key: string }> {
  const { app, key, call } = await adminApi(store, createCipher(parseKey(secretKey)));
  const now = Date.now();
  const base = await benchTenant(call, TENANT, '+862188880001');
  const task = await allDayTask(call, base, {
    name: 'api load bench',
    number: '+862188880001',
    now,
    callsPerInterval: 2000,
    busy: { retries: 19, intervalSec: 1 },
  });
  const at = new Date(now).toISOString();
  await sql`
    insert into contacts (tenant_id, task_id, session_id, priority, attributes, numbers, state,
                          created_at, updated_at, attempts, history)
    select ${TENANT}, ${task.id}, 'c' || lpad(g::text, 6, '0'), 3, '{}'::jsonb,
           jsonb_build_array(jsonb_build_object('number', '+8613' || lpad(g::text, 9, '0'), 'type', 'mobile')),
           'ready', ${at}::timestamptz, ${at}::timestamptz, 0, '[]'::jsonb
    from generate_series(1, ${CUSTOMERS}::int) g`.execute(store.db);
  await sql`analyze`.execute(store.db);
  await app.close();
  return { taskId: task.id as string, key };
}

interface Reads {
  n: number;
  errors: number;
  ms: number[];
}

/** `clients` loops, each issuing `next()`'s request every INTERVAL_MS until `until`. */
async function clients(
  n: number,
  until: number,
  request: (client: number) => Promise<void>,
  reads: Reads,
): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, async (_, c) => {
      // Spread the clients over the interval, as independent dashboards would be.
      await sleep((INTERVAL_MS * c) / n);
      while (Date.now() < until) {
        const t0 = performance.now();
        try {
          await request(c);
        } catch {
          reads.errors++;
        }
        const ms = performance.now() - t0;
        reads.n++;
        reads.ms.push(ms);
        await sleep(Math.max(0, Math.min(INTERVAL_MS - ms, until - Date.now())));
      }
    }),
  );
}

const quantile = (xs: number[], q: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

type Phase = 'none' | 'progress' | 'lists';
interface Window {
  phase: Phase;
  from: Date;
  to: Date;
  reads: Reads;
  load: string;
}
interface PhaseResult extends Window {
  rate: number;
}

async function runOn(dir: string): Promise<void> {
  const secretKey = randomBytes(32).toString('hex');
  const dbName = `bench_apiload_${randomBytes(4).toString('hex')}`;
  let url = '';
  if (PG) {
    await admin(`create database ${dbName}`);
    const u = new URL(DATABASE_URL);
    u.pathname = `/${dbName}`;
    url = u.toString();
  }
  const open = () =>
    PG
      ? openStore({ databaseUrl: url, poolSize: 2 })
      : openStore({ dataDir: path.join(dir, 'pglite') });
  try {
    let store = await open();
    const t0 = Date.now();
    const { taskId, key } = await seed(store, secretKey);
    await store.close();
    console.log(`seeded ${fmt(CUSTOMERS)} customers in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const networkFile = path.join(dir, 'network.json');
    fs.writeFileSync(networkFile, JSON.stringify(NETWORK));
    const logFile = path.join(dir, 'serve.log');
    const server = spawnServe({
      role: 'all',
      databaseUrl: url,
      secretKey,
      network: networkFile,
      logFile,
      env: PG ? {} : { DATABASE_URL: '', OUTBOUND_DATA_DIR: dir },
      startTimeoutMs: 120_000,
    });
    const windows: Window[] = [];
    try {
      await server.started;
      const port = /listening at http:\/\/[^:]+:(\d+)/.exec(fs.readFileSync(logFile, 'utf8'))?.[1];
      if (!port) throw new Error(`no port in ${logFile}`);
      const origin = `http://127.0.0.1:${port}`;
      const headers = { authorization: `Bearer ${key}` };
      const get = async (p: string) => {
        const r = await fetch(`${origin}${p}`, { headers });
        if (!r.ok) throw new Error(`GET ${p}: ${r.status}`);
        return r.text();
      };
      const task = `/api/v1/tenants/${TENANT}/tasks/${taskId}`;
      /** Calls the engine placed so far (to see that it dials). */
      const placed = async () => {
        const m = /^outbound_calls_placed_total(?:\{[^}]*\})? (\d+)/m.exec(await get('/metrics'));
        return Number(m?.[1] ?? 0);
      };
      const r = await fetch(`${origin}${task}/start`, { method: 'POST', headers });
      if (!r.ok) throw new Error(`start: ${r.status} ${await r.text()}`);
      // The engine prepares the customers (order keys) before it dials: not timed.
      const t1 = Date.now();
      while ((await placed()) === 0) {
        if (Date.now() - t1 > 300_000) throw new Error('the engine did not start dialing');
        await sleep(500);
      }
      await sleep(WARMUP_SEC * 1000);

      const resultsAfter = new Map<number, number>();
      const contactsAfter = new Map<number, string>();
      const requests: Record<Exclude<Phase, 'none'>, (c: number) => Promise<void>> = {
        progress: async () => void (await get(`${task}/progress`)),
        lists: async (c) => {
          if (c % 2 === 0) {
            const after = resultsAfter.get(c) ?? 0;
            const page = JSON.parse(await get(`${task}/results?limit=100&after=${after}`));
            resultsAfter.set(c, page.next ?? 0);
          } else {
            const cursor = contactsAfter.get(c);
            const page = JSON.parse(
              await get(`${task}/contacts?limit=100${cursor ? `&cursor=${cursor}` : ''}`),
            );
            if (page.next) contactsAfter.set(c, page.next);
            else contactsAfter.delete(c);
          }
        },
      };
      const phases: Phase[] = ['none', 'progress', 'none', 'lists', 'none'];
      for (const phase of phases) {
        const reads: Reads = { n: 0, errors: 0, ms: [] };
        const from = Date.now();
        const until = from + SECONDS * 1000;
        const work =
          phase === 'none' ? Promise.resolve() : clients(CLIENTS, until, requests[phase], reads);
        await sleep(SECONDS * 1000);
        windows.push({ phase, from: new Date(from), to: new Date(until), reads, load: load() });
        // Requests still in flight finish before the next phase begins (outside every window).
        await work;
      }
    } finally {
      server.child.kill('SIGTERM');
      const timer = setTimeout(() => server.child.kill('SIGKILL'), 30_000);
      await server.exited;
      clearTimeout(timer);
    }
    // Calls placed in each window, from the attempt records (the server's own view of time is
    // not trusted to answer on time under load).
    store = await open();
    const results: PhaseResult[] = [];
    for (const w of windows) {
      const r = await sql<{ n: number }>`
        select count(*)::int as n from attempts where task_id = ${taskId}
          and started_at >= ${w.from} and started_at < ${w.to}`.execute(store.db);
      const p = { ...w, rate: Number(r.rows[0]!.n) / SECONDS };
      results.push(p);
      console.log(
        `  ${w.phase.padEnd(8)} ${fmt(p.rate).padStart(6)} calls/s` +
          (w.phase === 'none'
            ? ''
            : `  ${fmt(w.reads.n)} reads (${fmt(w.reads.n / SECONDS)}/s), p50 ${quantile(w.reads.ms, 0.5).toFixed(1)} ms, p99 ${quantile(w.reads.ms, 0.99).toFixed(1)} ms${w.reads.errors ? `, ${w.reads.errors} errors` : ''}`) +
          `  (load ${w.load})`,
      );
    }
    for (let i = 1; i < results.length; i += 2) {
      const base = (results[i - 1]!.rate + results[i + 1]!.rate) / 2;
      const drop = 1 - results[i]!.rate / base;
      const limited = results[i]!.phase === 'progress';
      console.log(
        `${results[i]!.phase} reads by ${CLIENTS} clients: ${fmt(results[i]!.rate)} calls/s against ${fmt(base)} without load: drop ${pct(drop)}` +
          (limited ? ` (limit ${pct(LIMIT)}: ${drop < LIMIT ? 'met' : 'NOT met'})` : ''),
      );
    }
    // Planner statistics as autovacuum (PostgreSQL) or the housekeeper (PGlite, every 10 min)
    // keep them; this machine's PostgreSQL runs with autovacuum off.
    await sql`analyze`.execute(store.db);
    await explainLists(store, taskId);
    await store.close();
  } finally {
    if (PG) await admin(`drop database if exists ${dbName} with (force)`);
  }
}

/** The plans of the list endpoints' first pages (as results, contacts and attempts read them). */
async function explainLists(store: Store, taskId: string): Promise<void> {
  const queries: Record<string, ReturnType<typeof sql>> = {
    results: sql`select id, session_id, state, final_result, history->0->>'startedAt' from contacts
      where tenant_id = ${TENANT} and task_id = ${taskId} and id > 0 order by id limit 100`,
    'results?state=finished': sql`select id from contacts where tenant_id = ${TENANT}
      and task_id = ${taskId} and id > 0 and state in ('finished') order by id limit 100`,
    contacts: sql`select id, session_id from contacts where tenant_id = ${TENANT}
      and task_id = ${taskId} order by id limit 100`,
    attempts: sql`select id, session_id from attempts where tenant_id = ${TENANT}
      and task_id = ${taskId} and id > 0 order by id limit 100`,
    progress: sql`select kind, state, result, sum(n) from (
      select kind, state, result, n from task_counts where tenant_id = ${TENANT} and task_id = ${taskId}
      union all select kind, state, result, n from task_count_deltas
      where tenant_id = ${TENANT} and task_id = ${taskId}) c group by 1, 2, 3`,
  };
  for (const [name, q] of Object.entries(queries)) {
    const plan = await sql<{ 'QUERY PLAN': string }>`explain (analyze, costs off) ${q}`.execute(
      store.db,
    );
    const lines = plan.rows.map((r) => r['QUERY PLAN']);
    const scans = lines
      .filter((l) => /Scan/.test(l))
      .map((l) => l.trim().replace(/\s+\(actual.*$/, ''));
    const time = lines.find((l) => l.startsWith('Execution Time'));
    console.log(`  EXPLAIN ${name.padEnd(22)} ${scans.join('; ')}  [${time}]`);
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-bench-apiload-'));
console.log(
  `API load while dialing, ${PG ? `PostgreSQL (${new URL(DATABASE_URL).host})` : 'PGlite'}, real time, ` +
    `${fmt(CUSTOMERS)} customers, ${CLIENTS} clients each every ${INTERVAL_MS} ms, phases of ${SECONDS} s; ` +
    `${os.cpus().length} cores, load ${load()}`,
);
try {
  await runOn(dir);
} finally {
  if (!process.env.OUTBOUND_KEEP_BENCH_LOGS) fs.rmSync(dir, { recursive: true, force: true });
  else console.log(`logs in ${dir}`);
}

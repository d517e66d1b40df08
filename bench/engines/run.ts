/**
 * Several engines on one PostgreSQL: `npx tsx bench/engines/run.ts [--engines 1,2,4]
 * [--seconds 20] [--tenants 4]`.
 *
 * For each engine count, a fresh database gets `--tenants` tenants with one running task each
 * (customers enough for the run, loaded in SQL), and that many `outbound serve --role engine`
 * processes dial them in real time on a fast sim network (every call answered after 50 ms and
 * over 100 ms later), with channels and pacing far above what the engines can reach. Counted: the
 * attempts that ended inside the timed window (after a warm-up), from the attempt records, and
 * how they were spread over the engines. Printed: attempts/s per engine count and the scaling
 * ratio against one engine (ideal: the engine count).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { createCipher, parseKey } from '../../src/platform/cipher.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { spawnServe, type ServeProcess } from '../../test/helpers/engine-process.ts';
import { adminApi, allDayTask, benchTenant } from '../lib/api-seed.ts';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
};
const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const COUNTS = arg('--engines', '1,2,4').split(',').map(Number);
const SECONDS = Number(arg('--seconds', '20'));
const TENANTS = Number(arg('--tenants', '4'));
const WARMUP_SEC = 5;
/** Customers per tenant: more than any engine count can call in the run. */
const CUSTOMERS = Number(arg('--customers', '60000'));
const NETWORK = { default: { result: 'success', ringSec: 0.05, talkSec: 0.1 } };

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function admin(q: string): Promise<void> {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    await c.query(q);
  } finally {
    await c.end();
  }
}

async function seed(store: Store, secretKey: string): Promise<void> {
  const { app, call } = await adminApi(store, createCipher(parseKey(secretKey)));
  const now = Date.now();
  const starts: string[] = [];
  for (let t = 1; t <= TENANTS; t++) {
    const tenant = `bench${t}`;
    const base = await benchTenant(call, tenant, `+86218888000${t}`);
    const task = await allDayTask(call, base, {
      name: 'engines bench',
      number: `+86218888000${t}`,
      now,
      callsPerInterval: 2000,
      busy: { retries: 1, intervalSec: 60 },
    });
    const at = new Date(now).toISOString();
    await sql`
      insert into contacts (tenant_id, task_id, session_id, priority, attributes, numbers, state,
                            created_at, updated_at, attempts, history)
      select ${tenant}, ${task.id}, 'c' || g, 3, '{}'::jsonb,
             jsonb_build_array(jsonb_build_object('number', '+8613' || ${t} || lpad(g::text, 8, '0'), 'type', 'mobile')),
             'ready', ${at}::timestamptz, ${at}::timestamptz, 0, '[]'::jsonb
      from generate_series(1, ${CUSTOMERS}::int) g`.execute(store.db);
    starts.push(`${base}/tasks/${task.id}/start`);
  }
  await sql`analyze`.execute(store.db);
  // All tasks start together, once every tenant is loaded.
  for (const url of starts) await call('POST', url);
  await app.close();
}

interface Run {
  engines: number;
  rate: number;
  perEngine: number[];
  failed: number;
}

async function run(engines: number, dir: string): Promise<Run> {
  const dbName = `bench_engines_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${dbName}`);
  const u = new URL(DATABASE_URL);
  u.pathname = `/${dbName}`;
  const url = u.toString();
  const secretKey = randomBytes(32).toString('hex');
  const store = await openStore({ databaseUrl: url, poolSize: 2 });
  const procs: ServeProcess[] = [];
  try {
    // Engines first (tasks are not running yet), so every engine dials from the first second.
    const networkFile = path.join(dir, 'network.json');
    fs.writeFileSync(networkFile, JSON.stringify(NETWORK));
    for (let i = 0; i < engines; i++) {
      procs.push(
        spawnServe({
          role: 'engine',
          databaseUrl: url,
          secretKey,
          network: networkFile,
          logFile: path.join(dir, `engines-${engines}-${i + 1}.log`),
        }),
      );
    }
    await Promise.all(procs.map((p) => p.started));
    await seed(store, secretKey);
    const t0 = Date.now();
    // The engines first prepare the new customers (order keys, filter) in batches: not timed.
    for (;;) {
      const unprepared = await store.db
        .selectFrom('tasks')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .whereRef('prepare_gen', '<>', 'prepared_gen')
        .executeTakeFirstOrThrow();
      if (Number(unprepared.n) === 0) break;
      if (Date.now() - t0 > 300_000) throw new Error('the engines did not prepare the customers');
      await sleep(200);
    }
    await sleep(WARMUP_SEC * 1000);
    const from = new Date();
    await sleep(SECONDS * 1000);
    const to = new Date();
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    const rows = await store.db
      .selectFrom('attempts')
      .select(['engine_id', 'result', (eb) => eb.fn.countAll<number>().as('n')])
      .where('ended_at', '>=', from)
      .where('ended_at', '<', to)
      .groupBy(['engine_id', 'result'])
      .execute();
    const total = rows.reduce((s, r) => s + Number(r.n), 0);
    const failed = rows.filter((r) => r.result !== 'success').reduce((s, r) => s + Number(r.n), 0);
    const byEngine = new Map<string, number>();
    for (const r of rows)
      byEngine.set(r.engine_id ?? '?', (byEngine.get(r.engine_id ?? '?') ?? 0) + Number(r.n));
    const left = await store.db
      .selectFrom('contacts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', '=', 'ready')
      .executeTakeFirstOrThrow();
    if (process.env.OUTBOUND_BENCH_DEBUG) {
      console.log(
        await store.db
          .selectFrom('contacts')
          .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
          .groupBy('state')
          .execute(),
        await store.db
          .selectFrom('attempts')
          .select([
            'result',
            (eb) => eb.fn.countAll<number>().as('n'),
            (eb) => eb.fn.min('started_at').as('first'),
            (eb) => eb.fn.max('ended_at').as('last'),
          ])
          .groupBy('result')
          .execute(),
        { from, to },
      );
    }
    if (Number(left.n) === 0)
      throw new Error(
        `the customers ran out ${((Date.now() - t0) / 1000).toFixed(0)} s in: raise --customers`,
      );
    return {
      engines,
      rate: total / ((to.getTime() - from.getTime()) / 1000),
      perEngine: [...byEngine.values()].sort((a, b) => b - a),
      failed,
    };
  } finally {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await store.close();
    await admin(`drop database if exists ${dbName} with (force)`);
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-bench-engines-'));
console.log(
  `engines on one PostgreSQL (${new URL(DATABASE_URL).host}), real time, sim network (answer 50 ms, talk 100 ms); ` +
    `${TENANTS} tenants × 1 task, ${SECONDS} s timed after ${WARMUP_SEC} s warm-up; ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}`,
);
const results: Run[] = [];
for (const n of COUNTS) {
  const r = await run(n, dir);
  results.push(r);
  const base = results[0]!;
  console.log(
    `${String(n).padStart(2)} engine${n > 1 ? 's' : ' '}: ${fmt(r.rate).padStart(6)} attempts/s  ` +
      `scaling ${(r.rate / base.rate).toFixed(2)} (ideal ${(n / base.engines).toFixed(0)})  ` +
      `per engine ${r.perEngine.map(fmt).join(' / ')}${r.failed ? `  failed ${fmt(r.failed)}` : ''}`,
  );
}
if (!process.env.OUTBOUND_KEEP_BENCH_LOGS) fs.rmSync(dir, { recursive: true, force: true });

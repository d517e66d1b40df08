/**
 * Engine tick benchmark: `npx tsx bench/tick/run.ts [--pg] [--sizes 10000,100000,1000000]`.
 *
 * For each size, a task is created through the API (as `simulate` does) and filled with that many
 * customers straight in SQL (generate_series): 70 % finished (with their attempt), the rest waiting
 * for a retry due tomorrow, and 1,000 ready. Then the wall time of `dialer.tick()` is measured on
 * the virtual clock, one engine tick (3 s) apart, each tick placing its 30 calls: the median after
 * five warm-up ticks (and a first, unreported run at the smallest size warms up the process). A tick must cost the same at every size: target ratio 1M/10k <= 2.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { simEngine } from '../../src/cli/simulate-engine.ts';
import { dropSchema, openStore, type Store } from '../../src/store/db.ts';

const argv = process.argv.slice(2);
const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const TARGET_RATIO = 2;
const readyArg = argv.indexOf('--ready');
/** Customers ready to be called (the rest finished or waiting). */
const READY = readyArg >= 0 ? Number(argv[readyArg + 1]) : 1000;
const WARMUP = 5;
const TIMED = 20;
const FROM = new Date('2026-11-23T10:00:00+08:00');

const pg = argv.includes('--pg');
const sizesArg = argv[argv.indexOf('--sizes') + 1];
const SIZES =
  argv.includes('--sizes') && sizesArg
    ? sizesArg.split(',').map(Number)
    : [10_000, 100_000, 1_000_000];

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function open(): Promise<{ store: Store; dispose(): Promise<void> }> {
  if (!pg) {
    const store = await openStore({});
    return { store, dispose: () => store.close() };
  }
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const store = await openStore({ databaseUrl: DATABASE_URL, schema, poolSize: 4 });
  return {
    store,
    async dispose() {
      await dropSchema(store.db, schema);
      await store.close();
    },
  };
}

const TASK = {
  name: 'tick bench',
  type: 'ivr',
  flowId: 'flow-notice',
  callerNumbers: ['+862188880001'],
  start: '2026-11-23T00:00:00+08:00',
  end: '2026-12-31T00:00:00+08:00',
  schedule: { regular: [{ start: '00:00', end: '23:59' }] },
  strategy: { maxRingSec: 20, intervalSec: 3, callsPerInterval: 30 },
  callStrategy: { order: { by: 'none' }, numberRounds: { mode: 'sequence' } },
  resultPolicy: {
    kind: 'global',
    byResult: true,
    rules: [{ result: 'busy', retries: 2, intervalSec: 300 }],
    nonRetryResults: ['unallocated'],
  },
};

/** Customers in bulk: the first READY ready, then 70 % finished (with one attempt), the rest waiting. */
async function load(store: Store, taskId: string, n: number): Promise<void> {
  const db = store.db;
  const now = FROM.toISOString();
  const tomorrow = new Date(FROM.getTime() + 86_400_000).toISOString();
  const chunk = 200_000;
  for (let lo = 1; lo <= n; lo += chunk) {
    const hi = Math.min(n, lo + chunk - 1);
    await sql`
      insert into contacts (tenant_id, task_id, session_id, priority, attributes, numbers, state, created_at, updated_at,
                            due_at, attempts, history, final_result, finish_reason, finished_at)
      select 'bench', ${taskId}, 'c' || g, 3, '{}'::jsonb,
             jsonb_build_array(jsonb_build_object('number', '+86138' || lpad(g::text, 8, '0'), 'type', 'mobile')),
             s.state, ${now}::timestamptz, ${now}::timestamptz,
             case when s.state = 'waiting' then ${tomorrow}::timestamptz end,
             case when s.state = 'ready' then 0 else 1 end,
             case when s.state = 'ready' then '[]'::jsonb else jsonb_build_array(jsonb_build_object(
               'numberIndex', 0, 'startedAt', ${now}::text, 'endedAt', ${now}::text, 'result', case when s.state = 'waiting' then 'busy' else 'success' end)) end,
             case when s.state = 'finished' then 'success' end,
             case when s.state = 'finished' then 'success' end,
             case when s.state = 'finished' then ${now}::timestamptz end
      from generate_series(${lo}::int, ${hi}::int) g,
           lateral (select case when g <= ${READY}::int then 'ready' when g % 10 < 7 then 'finished' else 'waiting' end as state) s`.execute(
      db,
    );
  }
  await sql`
    insert into attempts (tenant_id, task_id, contact_id, session_id, number, number_index, attempt_no, caller_no, state,
                          engine_id, started_at, answered_at, ended_at, result, code)
    select tenant_id, task_id, id, session_id, numbers->0->>'number', 0, 1, '+862188880001', 'ended', 'bench',
           ${now}::timestamptz - interval '1 hour', ${now}::timestamptz - interval '1 hour',
           ${now}::timestamptz - interval '59 minutes', history->0->>'result',
           case when history->0->>'result' = 'busy' then '00537' else '00000' end
    from contacts where task_id = ${taskId} and state <> 'ready'`.execute(db);
  await sql`analyze`.execute(db);
}

async function measure(size: number): Promise<{ size: number; loadSec: number; ms: number[] }> {
  const { store, dispose } = await open();
  try {
    const e = await simEngine({
      db: store.db,
      from: FROM,
      log: () => {},
      tickMs: 3000,
      engineId: 'bench',
    });
    const ok = (r: { status: number; body: unknown }, want: number) => {
      if (r.status !== want) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
    };
    ok(
      await e.call('POST', '/api/v1/tenants', {
        id: 'bench',
        name: 'bench',
        settings: { channels: 10_000 },
      }),
      201,
    );
    ok(
      await e.call('POST', '/api/v1/tenants/bench/caller-numbers', {
        number: '+862188880001',
        ouId: null,
      }),
      201,
    );
    ok(
      await e.call('POST', '/api/v1/tenants/bench/flows', {
        id: 'flow-notice',
        status: 'published',
        ouId: null,
      }),
      201,
    );
    const t = await e.call('POST', '/api/v1/tenants/bench/tasks', TASK);
    ok(t, 201);
    const taskId = t.body.id as string;
    const l0 = performance.now();
    await load(store, taskId, size);
    const loadSec = (performance.now() - l0) / 1000;
    ok(await e.call('POST', `/api/v1/tenants/bench/tasks/${taskId}/start`), 200);
    const ms: number[] = [];
    for (let i = 0; i < WARMUP + TIMED; i++) {
      // Calls placed by earlier ticks end in between, as they would: outside the timed tick.
      await e.sched.runUntil(FROM.getTime() + i * 3000);
      const t0 = performance.now();
      await e.dialer.tick();
      if (i >= WARMUP) ms.push(performance.now() - t0);
    }
    if (e.dialer.placed < TIMED * 30)
      throw new Error(`only ${e.dialer.placed} calls placed: the ticks did not dial`);
    await e.close();
    return { size, loadSec, ms };
  } finally {
    await dispose();
  }
}

console.log(
  `engine tick on ${pg ? 'PostgreSQL' : 'PGlite (in memory)'}: ${fmt(READY)} ready, 70 % finished, the rest waiting; 30 calls per tick`,
);
await measure(SIZES[0]!); // JIT and caches: the first size would otherwise pay for them
const results = [];
for (const size of SIZES) {
  const r = await measure(size);
  results.push(r);
  const sorted = [...r.ms].sort((a, b) => a - b);
  console.log(
    `${fmt(size).padStart(10)} customers: tick median ${median(r.ms).toFixed(2)} ms ` +
      `(min ${sorted[0]!.toFixed(2)}, max ${sorted.at(-1)!.toFixed(2)}; ${r.ms.length} ticks)  [loaded in ${r.loadSec.toFixed(1)} s]`,
  );
}
const first = results[0]!;
const last = results.at(-1)!;
const ratio = median(last.ms) / median(first.ms);
console.log(
  `\nratio ${fmt(last.size)}/${fmt(first.size)}: ${ratio.toFixed(2)} (target <= ${TARGET_RATIO}) ${ratio <= TARGET_RATIO ? 'OK' : 'ABOVE TARGET'}`,
);

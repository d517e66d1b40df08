import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { pino } from 'pino';
import { Dialer } from '../../src/engine/dialer.ts';
import { createCipher } from '../../src/platform/cipher.ts';
import { RealScheduler } from '../../src/platform/scheduler.ts';
import { dropSchema, openStore, type Store } from '../../src/store/db.ts';
import type { Telephony } from '../../src/telephony/port.ts';
import { SipTelephony } from '../../src/telephony/sip/adapter.ts';
import { QueryTimer } from './query-timer.ts';
import { PEER, sippUas, type Transport } from './sipp.ts';
import { adminApi, allDayTask, benchTenant } from '../lib/api-seed.ts';

/**
 * Part (a) through the real engine: the Dialer (wired as `outbound serve` wires it) on a fresh
 * database schema, one running task whose pacing is `rate` calls per 1 s interval and which has
 * rate × seconds customers, dialing through the sip adapter to sipp's UAS, in real time. Each
 * answered call is hung up at once (holdSec 0). Counted: calls placed, answered, failed, the
 * placement rate achieved (calls over the span of engine ticks that placed them) and the time
 * until every call was settled in the database; and where the time went: the engine's ticks
 * (claim + attempt records, under the tenant lock), its SQL statements by kind, this process's
 * CPU and event-loop use, and the whole machine's CPU (the database server and sipp included).
 */
export interface EngineRun {
  placed: number;
  answered: number;
  failed: number;
  results: Record<string, number>;
  achieved: number;
  /** First placement to last call settled in the database, s. */
  wallSec: number;
  /** Calls over (first placement to last settled + one tick): the target rate if nothing lags. */
  endToEnd: number;
  ticks: { n: number; p50: number; max: number; dialing: number };
  /** This process: CPU (1 = one core) and event-loop utilisation over the run. */
  cpu: number;
  elu: number;
  /** All cores of the machine busy, 0..1, over the run. */
  machine: number;
  errors: number;
  /** The engine's statements: count and time (summed over connections), and the heaviest kinds. */
  db: { n: number; ms: number; top: [string, { n: number; ms: number }][] };
}

export interface EngineRateOptions {
  rate: number;
  seconds: number;
  transport: Transport;
  /** PostgreSQL URL; absent: PGlite in memory (`lite`, shared across runs). */
  databaseUrl?: string;
  lite?: PGlite;
  /** The adapter's maxCallsPerSec (0: none): spreads each tick's burst of INVITEs. */
  cps?: number;
}

export async function engineRate(o: EngineRateOptions): Promise<EngineRun> {
  const total = o.rate * o.seconds;
  const schema = `bench_sip_${randomBytes(4).toString('hex')}`;
  const store = o.databaseUrl
    ? await openStore({ databaseUrl: o.databaseUrl, schema, poolSize: 8 })
    : await openStore({ pglite: o.lite!, schema });
  const uas = await sippUas(total, o.transport);
  const sched = new RealScheduler(() => undefined);
  const sip = new SipTelephony({
    scheduler: sched,
    config: {
      trunk: {
        host: PEER,
        port: uas.port,
        transport: o.transport,
        ...(o.cps ? { maxCallsPerSec: o.cps } : {}),
      },
      bind: { address: '127.0.0.1' },
      media: { address: '127.0.0.1' },
      holdSec: 0,
    },
  });
  await sip.start();
  let placed = 0;
  let ended = 0;
  let answered = 0;
  let first = 0;
  let last = 0;
  const telephony: Telephony = {
    originate(req, ev) {
      const now = performance.now();
      if (placed++ === 0) first = now;
      last = now;
      sip.originate(req, {
        answered: (at) => (answered++, ev.answered(at)),
        ended: (end) => (ended++, ev.ended(end)),
      });
    },
    hangup: (id) => sip.hangup(id),
    close: () => sip.close(),
  };
  let errors = 0;
  const logger = pino(
    { level: 'warn' },
    {
      write(line: string) {
        errors++;
        if (errors <= 3) process.stderr.write(line);
      },
    },
  );
  const timer = new QueryTimer();
  const dialer = new Dialer({
    db: store.db.withPlugin(timer),
    scheduler: sched,
    telephony,
    engineId: 'bench-sip',
    logger,
  });
  // The engine's tick, timed from outside (the loop calls `this.tick()`).
  const tickMs: number[] = [];
  const dialing: number[] = [];
  const tick = dialer.tick.bind(dialer);
  dialer.tick = async () => {
    const before = placed;
    const t0 = performance.now();
    const next = await tick();
    const ms = performance.now() - t0;
    tickMs.push(ms);
    if (placed > before) dialing.push(ms);
    return next;
  };
  try {
    const taskUrl = await seed(store, o.rate, total);
    dialer.start();
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const m0 = machineTimes();
    const t0 = performance.now();
    await taskUrl.start();
    dialer.wakeAt();
    // Done when every call ended at the adapter and the engine settled it (no live call left).
    const deadline = t0 + (o.seconds * 10 + 60) * 1000;
    while ((ended < total || dialer.liveCalls > 0) && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const wallSec = (performance.now() - first) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0).utilization;
    const machine = machineBusy(m0);
    const runSec = (performance.now() - t0) / 1000;
    await dialer.stop();
    const rows = await store.db
      .selectFrom('attempts')
      .select(['result', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('result')
      .execute();
    const results = Object.fromEntries(rows.map((r) => [r.result ?? 'open', Number(r.n)]));
    const ok = results.success ?? 0;
    // Ticks place a burst each: n bursts a second apart span n − 1 s, so one tick is added.
    const span = (last - first) / 1000 + 1;
    const sorted = [...dialing].sort((a, b) => a - b);
    return {
      placed,
      answered,
      failed: placed - ok,
      results,
      achieved: placed / span,
      wallSec,
      endToEnd: placed / (wallSec + 1),
      ticks: {
        n: tickMs.length,
        p50: sorted[Math.floor(sorted.length / 2)] ?? NaN,
        max: sorted.at(-1) ?? NaN,
        dialing: dialing.length,
      },
      cpu: (cpu.user + cpu.system) / 1e6 / runSec,
      elu,
      machine,
      errors,
      db: { ...timer.total, top: timer.top(4) },
    };
  } finally {
    await dialer.stop();
    await sip.close();
    await Promise.race([uas.done, new Promise((r) => setTimeout(r, 2000))]);
    await dropSchema(store.db, schema);
    await store.close();
  }
}

/** Tenant, caller number, empty published flow and the task, through the API; customers in SQL. */
async function seed(
  store: Store,
  rate: number,
  customers: number,
): Promise<{ start(): Promise<void> }> {
  const { app, call } = await adminApi(store, createCipher(randomBytes(32)));
  const base = await benchTenant(call, 'bench', '+862188880001');
  const now = Date.now();
  const task = await allDayTask(call, base, {
    name: 'sip bench',
    number: '+862188880001',
    now,
    callsPerInterval: rate,
    busy: { retries: 1, intervalSec: 60 },
  });
  const at = new Date(now).toISOString();
  await sql`
    insert into contacts (tenant_id, task_id, session_id, priority, attributes, numbers, state,
                          created_at, updated_at, attempts, history)
    select 'bench', ${task.id}, 'c' || g, 3, '{}'::jsonb,
           jsonb_build_array(jsonb_build_object('number', '+86138' || lpad(g::text, 8, '0'), 'type', 'mobile')),
           'ready', ${at}::timestamptz, ${at}::timestamptz, 0, '[]'::jsonb
    from generate_series(1, ${customers}::int) g`.execute(store.db);
  await sql`analyze`.execute(store.db);
  return {
    start: async () => {
      await call('POST', `${base}/tasks/${task.id}/start`);
      await app.close();
    },
  };
}

function machineTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const c of cpus()) {
    idle += c.times.idle;
    total += c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq;
  }
  return { idle, total };
}

function machineBusy(from: { idle: number; total: number }): number {
  const now = machineTimes();
  const total = now.total - from.total;
  return total > 0 ? 1 - (now.idle - from.idle) / total : NaN;
}

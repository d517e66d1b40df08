import { pino } from 'pino';
import { sql } from 'kysely';
import { resolveZone } from '../domain/calling-windows.ts';
import type { ForecastModel, ModelSource } from '../domain/forecast-model.ts';
import {
  buildSeries,
  unreachedOf,
  type Series,
  type Unreached,
} from '../domain/forecast-series.ts';
import { VirtualScheduler } from '../platform/scheduler.ts';
import { openStore, type Db } from '../store/db.ts';
import { DEFAULT_SNAPSHOT_DIR } from '../store/snapshot.ts';
import { writeForecastSeed, type ForecastSeed } from '../store/forecast-seed.ts';
import { taskCounts } from '../store/progress.ts';
import { attemptSpans } from '../store/attempt-spans.ts';
import { taskFigures } from '../store/task-report.ts';
import type { Telephony } from '../telephony/port.ts';
import { SimTelephony } from '../telephony/sim/adapter.ts';
import type { NetworkRules } from '../telephony/sim/network.ts';
import { Dialer } from './dialer.ts';
import { gridFits, onGrid, scaledReport, type Sampled } from './forecast-scale.ts';
import { DateTime } from 'luxon';

/**
 * A forecast: the task as configured, with its customers as they are now, dialed by the real
 * engine on a virtual clock against a simulated network that follows a model (answer, busy and
 * no-answer rates, ring and talk times), in a database of its own — a fresh PGlite in memory,
 * seeded from the live one (store/forecast-seed.ts) — so no live engine ever sees its calls.
 *
 * The task runs alone with the tenant's channels (or `channels`), from `from` until it completes,
 * expires or `until` comes, or until `wallLimitMs` of real time has passed (then the report says
 * `truncated` and where the clock stopped). Other tasks of the tenant are not simulated.
 */
export interface ForecastRun {
  seed: ForecastSeed;
  from: Date;
  until: Date;
  model: { model: ForecastModel; source: ModelSource; sample: number };
  /** The channels to assume (default: the tenant's). */
  channels?: number | undefined;
  /** Seed of the simulated network's draws (default 1). */
  randomSeed?: number | undefined;
  wallLimitMs: number;
  /**
   * Where the prepared schema of the forecast's fresh database is kept (store/snapshot.ts): loading
   * it takes a fraction of a second where migrating an empty database takes seconds. Default: the
   * cache `simulate` uses.
   */
  snapshotDir?: string | undefined;
  /** Real time now (ms), injectable so the wall limit can be tested. */
  wallNow?: () => number;
}

export interface ForecastReport {
  taskId: string;
  from: string;
  until: string;
  /** Where the virtual clock stopped (the task completed or expired, `until`, or the wall limit). */
  simulatedUntil: string;
  truncated: boolean;
  /** The task's state at the end of the forecast: completed, running, expired. */
  state: string;
  /** When the task completes (nothing left to call); null if not before the forecast stopped. */
  finishesAt: string | null;
  firstCallAt: string | null;
  lastCallAt: string | null;
  model: { source: ModelSource; sample: number; outcomes: ForecastModel['outcomes'] };
  channels: { limit: number; peak: number };
  callsPerHour: Series['callsPerHour'];
  attempts: { total: number; byResult: Record<string, number> };
  customers: {
    total: number;
    byState: Record<string, number>;
    byFinalResult: Record<string, number>;
    byBusinessResult: Record<string, number>;
    reached: number;
    unreached: Unreached;
  };
  series: { bucket: Series['bucket']; points: Series['points'] };
  /**
   * The customers the forecast ran with when it was a sample of the task's (the figures above are
   * scaled up to the whole task); null: all of them.
   */
  sampled: Sampled | null;
  timings: { wallMs: number; setupMs: number; firstCallMs: number | null; runMs: number };
}

/** The model as the sim network's rules: one rule for every number, outcomes by weight. */
export function modelRules(model: ForecastModel): NetworkRules {
  return {
    rules: [
      {
        match: '',
        outcomes: model.outcomes.map((o) => ({
          result: o.result,
          weight: o.share,
          ringSec: o.ringSec,
          talkSec: o.talkSec ?? 30,
        })),
      },
    ],
  };
}

/** How far the clock moves between checks of the task's state. */
const STEP_MS = 3_600_000;
/**
 * How far it moves between checks of the wall limit: an hour of a busy task is tens of thousands
 * of calls, minutes of real time on a loaded machine, which a limit checked hourly would overrun.
 */
const WALL_STEP_MS = 300_000;

export async function runForecast(o: ForecastRun): Promise<ForecastReport> {
  const wall = o.wallNow ?? (() => performance.now());
  const t0 = wall();
  const store = await openStore({ snapshotDir: o.snapshotDir ?? DEFAULT_SNAPSHOT_DIR });
  try {
    const db = store.db;
    await writeForecastSeed(db, o.seed, o.from);
    // A sample runs with its scaled channels (written with the seed).
    if (o.channels !== undefined && !o.seed.sample)
      await sql`update tenants set settings = jsonb_set(settings, '{channels}', ${String(o.channels)}::jsonb)
                where id = ${o.seed.tenantId}`.execute(db);
    const sched = new VirtualScheduler(o.from);
    const failures: string[] = [];
    const logger = pino(
      { level: 'error' },
      { write: (line: string) => void failures.push(errorOf(line)) },
    );
    // A forecast reaches nobody: a robot node's HTTP request fails as an unreachable robot would.
    const sim = new SimTelephony(sched, modelRules(o.model.model), o.randomSeed ?? 1, {
      fetch: () => Promise.reject(new Error('a forecast calls no robot')),
    });
    let firstCallAt: number | null = null;
    // A sample's call events on its tick grid when its channels leave room (./forecast-scale.ts).
    let gridMs = 0;
    const telephony: Telephony = {
      originate(req, events) {
        firstCallAt ??= wall();
        sim.originate(req, gridMs ? onGrid(sched, o.from.getTime(), gridMs, events) : events);
      },
      hangup: (id) => sim.hangup(id),
      close: () => sim.close(),
    };
    const task = (await db
      .selectFrom('tasks')
      .select(['config', 'ends_at', 'prepare_gen', 'prepared_gen'])
      .where('id', '=', o.seed.taskId)
      .executeTakeFirstOrThrow()) as {
      config: {
        strategy?: { intervalSec?: number; callsPerInterval?: number; maxRingSec?: number };
        timeZone?: string;
      };
      ends_at: Date;
      prepare_gen: number;
      prepared_gen: number;
    };
    const interval = task.config.strategy?.intervalSec ?? 1;
    const tickMs = 1000 * Math.min(Math.max(1, Math.floor(interval)), 3);
    const sample = o.seed.sample;
    if (
      sample &&
      gridFits(
        o.model.model.outcomes,
        task.config.strategy?.maxRingSec ?? 20,
        sample.strategy.callsPerInterval / sample.strategy.intervalSec,
        sample.channels,
        tickMs,
      )
    )
      gridMs = tickMs;
    const dialer = new Dialer({
      db,
      scheduler: sched,
      telephony,
      engineId: 'forecast',
      idleMs: 7 * 86_400_000,
      tickMs,
      logger,
    });
    const setupMs = wall() - t0;
    const until = Math.min(o.until.getTime(), task.ends_at.getTime() + 1000);
    let truncated = false;
    dialer.wakeAt();
    dialer.start();
    try {
      if (task.prepare_gen !== task.prepared_gen)
        await afterPreparing(db, sched, o.seed.taskId, tickMs, until);
      // Steps of WALL_STEP_MS from `from` (after preparing, the first one is shorter).
      const start = o.from.getTime();
      for (let t = sched.now().getTime(); t < until && failures.length === 0;) {
        t = Math.min(start + (Math.floor((t - start) / WALL_STEP_MS) + 1) * WALL_STEP_MS, until);
        await sched.runUntil(t);
        if (((t - start) % STEP_MS === 0 || t === until) && (await finished(db, o.seed.taskId)))
          break;
        if (wall() - t0 > o.wallLimitMs) {
          truncated = sched.now().getTime() < until;
          break;
        }
      }
    } finally {
      await dialer.stop();
    }
    if (failures.length) throw new Error(`the forecast's engine failed: ${failures[0]}`);
    const runEnd = sched.now();
    const runMs = wall() - t0 - setupMs;
    const zone = resolveZone(task.config.timeZone, await tenantZone(db, o.seed.tenantId));
    const figures = await report(db, o, runEnd, truncated, zone);
    return {
      ...(sample ? scaledReport(figures, sample, gridMs / 1000) : { ...figures, sampled: null }),
      timings: {
        wallMs: Math.round(wall() - t0),
        setupMs: Math.round(setupMs),
        firstCallMs: firstCallAt === null ? null : Math.round(firstCallAt - t0),
        runMs: Math.round(runMs),
      },
    };
  } finally {
    await store.close();
  }
}

/**
 * A task that has not run yet (a draft) comes with customers the engine has not prepared (no order
 * key): the statistics taken when the seed was written say so, and the planner, told that almost
 * no customer is callable, reads every callable one at each tick (a hashed sub-plan: ~100 ms a tick
 * at 100,000 customers, five times the rest of the tick). So the clock moves a tick at a time
 * until the engine has prepared them (it dials only then), and the statistics are taken again.
 */
async function afterPreparing(
  db: Db,
  sched: VirtualScheduler,
  taskId: string,
  tickMs: number,
  until: number,
): Promise<void> {
  // Preparing goes 20,000 customers a tick: a minute of ticks is well over a million customers.
  for (let i = 0; i < 60 && sched.now().getTime() + tickMs <= until; i++) {
    await sched.runUntil(sched.now().getTime() + tickMs);
    const t = await db
      .selectFrom('tasks')
      .select(['prepare_gen', 'prepared_gen'])
      .where('id', '=', taskId)
      .executeTakeFirst();
    if (!t || t.prepare_gen === t.prepared_gen) break;
  }
  await sql`analyze contacts`.execute(db);
}

const errorOf = (line: string) => {
  const e = JSON.parse(line) as { msg?: string; err?: { message?: string } };
  return `${e.msg ?? 'error'}: ${e.err?.message ?? ''}`.trim();
};

async function finished(db: Db, taskId: string): Promise<boolean> {
  const t = await db
    .selectFrom('tasks')
    .select('state')
    .where('id', '=', taskId)
    .executeTakeFirst();
  return t?.state === 'completed' || t?.state === 'expired';
}

async function tenantZone(db: Db, tenantId: string): Promise<string> {
  const t = await db
    .selectFrom('tenants')
    .select('settings')
    .where('id', '=', tenantId)
    .executeTakeFirst();
  return String((t?.settings as { timeZone?: string } | undefined)?.timeZone ?? '+08:00');
}

async function report(
  db: Db,
  o: ForecastRun,
  runEnd: Date,
  truncated: boolean,
  zone: ReturnType<typeof resolveZone>,
): Promise<Omit<ForecastReport, 'timings' | 'sampled'>> {
  const { tenantId, taskId } = o.seed;
  const f = await taskFigures(db, tenantId, taskId);
  const series = buildSeries(await attemptSpans(db, taskId), runEnd, zone);
  const counts = (await taskCounts(db, tenantId, taskId))
    .filter((c) => c.kind === 'contact')
    .map((c) => ({ state: c.state, result: c.result || null, n: c.n }));
  const unreached = unreachedOf(counts);
  const br = await sql<{ code: string; n: number }>`
    select business_result->>'code' as code, count(*)::int as n from contacts
    where task_id = ${taskId} and business_result is not null group by 1 order by 1`.execute(db);
  const tenant = await db
    .selectFrom('tenants')
    .select('settings')
    .where('id', '=', tenantId)
    .executeTakeFirstOrThrow();
  const iso = (d: Date | null) =>
    d ? DateTime.fromJSDate(d, { zone }).toISO({ suppressMilliseconds: true }) : null;
  return {
    taskId,
    from: iso(o.from)!,
    until: iso(o.until)!,
    simulatedUntil: iso(runEnd)!,
    truncated,
    state: f.state,
    finishesAt: iso(f.completedAt),
    firstCallAt: iso(f.firstAttemptAt),
    lastCallAt: iso(f.lastAttemptAt),
    model: { source: o.model.source, sample: o.model.sample, outcomes: o.model.model.outcomes },
    channels: {
      limit: Number((tenant.settings as { channels?: number }).channels ?? 0),
      peak: series.peakChannels,
    },
    callsPerHour: series.callsPerHour,
    attempts: { total: f.attempts.total, byResult: f.attempts.byResult },
    customers: {
      total: f.customers.total,
      byState: f.customers.byState,
      byFinalResult: f.customers.byFinalResult,
      byBusinessResult: Object.fromEntries(br.rows.map((r) => [r.code, Number(r.n)])),
      reached: f.customers.total - unreached.total,
      unreached,
    },
    series: { bucket: series.bucket, points: series.points },
  };
}

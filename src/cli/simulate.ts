import path from 'node:path';
import type { FieldError } from '../platform/errors.ts';
import { openStore, type Store } from '../store/db.ts';
import { DEFAULT_SNAPSHOT_DIR } from '../store/snapshot.ts';
import { simEngine, tickFor } from './simulate-engine.ts';
import { readScenario, type Scenario } from './simulate-scenario.ts';
import { summaryTasks, taskSummaries, writeAttempts, type Summary } from './simulate-summary.ts';
import { buildWorld, startTasks } from './simulate-world.ts';

/**
 * `outbound simulate SCENARIO.json [--attempts-out FILE.jsonl]`: runs the real API, store and
 * dialer on a virtual clock against the sim network, from the scenario's `from` to its `until`,
 * and prints a JSON summary per task (docs/simulate.md). A scenario with errors is not run: every
 * error is printed with its path, and the exit code is 2.
 */
export interface SimulateOptions {
  attemptsOut?: string | undefined;
  /** Run on this store (benchmarks on PostgreSQL); default a fresh PGlite in memory. */
  store?: Store;
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** The engine's log lines (warnings, errors); default stderr. */
  log?: (line: string) => void;
  /** Called after the world is built and before the clock starts (benchmarks time the run). */
  onStart?: () => void;
}

export interface SimulateResult {
  code: number;
  summary?: Summary & { runMs: number };
  errors?: FieldError[];
}

export const SIM_TENANT = 'sim';

/** Where the prepared schema of a fresh database is kept (store/snapshot.ts). */
export const SCHEMA_CACHE = DEFAULT_SNAPSHOT_DIR;

export async function simulate(file: string, o: SimulateOptions = {}): Promise<SimulateResult> {
  const t0 = performance.now();
  const out = o.out ?? ((s: string) => void process.stdout.write(s));
  const err = o.err ?? ((s: string) => void process.stderr.write(s));
  const fail = (errors: FieldError[]): SimulateResult => {
    err(`${file}: ${errors.length} error${errors.length === 1 ? '' : 's'}\n`);
    for (const e of errors) err(`  ${e.path}: ${e.message}\n`);
    out(JSON.stringify({ errors }, null, 2) + '\n');
    return { code: 2, errors };
  };

  const read = readScenario(file);
  if (!read.scenario) return fail(read.errors);
  const s: Scenario = read.scenario;
  // A fresh in-memory database from the prepared schema (built on the first run).
  const store = o.store ?? (await openStore({ snapshotDir: SCHEMA_CACHE }));
  const from = new Date(s.from);
  // A scenario with errors is only checked, never run: its network may not even compile.
  const network = read.errors.length ? {} : s.network;
  const intervals = s.tasks.map(
    (t) => (t as { strategy?: { intervalSec?: unknown } }).strategy?.intervalSec,
  );
  const engine = await simEngine({
    db: store.db,
    from,
    network,
    seed: s.seed,
    log: o.log,
    tickMs: tickFor(intervals),
  });
  try {
    const world = await buildWorld(engine, SIM_TENANT, s, {
      baseDir: path.dirname(path.resolve(file)),
      skip: read.skip,
    });
    const errors = [...read.errors, ...world.errors];
    if (errors.length) return fail(errors);
    const refused = await startTasks(engine, SIM_TENANT, world.taskIds);
    if (refused.length) return fail(refused);
    for (const w of world.warnings) err(`warning: ${w}\n`);

    o.onStart?.();
    const t1 = performance.now();
    engine.dialer.start();
    await engine.sched.runUntil(new Date(s.until));
    await engine.dialer.stop();
    const runMs = performance.now() - t1;
    if (engine.failures.length) {
      err(
        `${file}: the engine failed at ${engine.sched.now().toISOString()}: ${engine.failures[0]}\n`,
      );
      return { code: 1 };
    }

    const tasks = await summaryTasks(
      store.db,
      SIM_TENANT,
      world.taskIds.filter((x): x is string => !!x),
    );
    if (o.attemptsOut) await writeAttempts(store.db, SIM_TENANT, tasks, o.attemptsOut);
    const summary = {
      tasks: await taskSummaries(store.db, SIM_TENANT, tasks, engine.sched.now()),
      wallMs: Math.round(performance.now() - t0),
      runMs: Math.round(runMs),
      simulatedFrom: s.from,
      simulatedUntil: s.until,
      // The simulated skill queues (network.queues): agents' occupancy, abandons, waits.
      ...(s.network?.queues ? { queues: engine.telephony.centre.report() } : {}),
    };
    out(JSON.stringify(summary, null, 2) + '\n');
    return { code: 0, summary };
  } finally {
    await engine.close();
    if (!o.store) await store.close();
  }
}

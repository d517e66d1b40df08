/**
 * Forecast benchmark:
 * `npx tsx bench/forecast/run.ts [--customers 100000] [--days 7] [--pg] [--wall-limit 1800] [--full]`
 *
 * A task of 100,000 customers with 2 numbers each (the workload of bench/simulate: 20 calls a
 * second from 09:00 to 21:00, 2 attempts a day per number on up to 3 days, half the calls
 * answered) is created as a draft in a live store (PGlite in memory, or a fresh schema at
 * DATABASE_URL with --pg), then forecast over 7 simulated days exactly as `POST …/forecast` does
 * it: the customers are read from the live store, and the forecast runs in a worker thread on its
 * own in-memory PGlite — over a sample of the customers as the API runs it (`--full`: all of
 * them). Prints the wall time of the forecast and the share of it spent before
 * the first simulated call (reading the seed, starting PGlite, migrations, copying the customers,
 * preparing them). Target: under 60 s on 2 cores.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simEngine } from '../../src/cli/simulate-engine.ts';
import { readScenario } from '../../src/cli/simulate-scenario.ts';
import { buildWorld } from '../../src/cli/simulate-world.ts';
import type { ForecastModel } from '../../src/domain/forecast-model.ts';
import { DEFAULT_SAMPLE } from '../../src/domain/forecast-sample.ts';
import { ForecastThreads } from '../../src/engine/forecast-threads.ts';
import { readForecastSeed } from '../../src/store/forecast-seed.ts';
import {
  argv,
  benchStore,
  fmt,
  FROM,
  load,
  NETWORK_OUTCOMES,
  numArg,
  writeWorkload,
} from '../lib/workload.ts';

const CUSTOMERS = numArg('--customers', 100_000);
const DAYS = numArg('--days', 7);
const pg = argv.includes('--pg');
/** Every customer, not a sample (domain/forecast-sample.ts). */
const FULL = argv.includes('--full');
const TARGET_MS = 60_000;
/** Real time after which the forecast stops and reports how far it got (as `POST …/forecast`). */
const WALL_LIMIT_MS = numArg('--wall-limit', 1800) * 1000;

/** The network of bench/simulate as a forecast's model. */
const MODEL: ForecastModel = { outcomes: NETWORK_OUTCOMES.map((o) => ({ ...o })) };

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-bench-forecast-'));
  const store = await benchStore(pg);
  const threads = new ForecastThreads();
  try {
    const file = writeWorkload(dir, CUSTOMERS, { name: 'Forecast benchmark', days: DAYS });
    const s = readScenario(file).scenario!;
    console.log(
      `forecast: ${fmt(CUSTOMERS)} customers × 2 numbers, ${DAYS} simulated days, live store on ${pg ? 'PostgreSQL' : 'PGlite'} (load ${load()})`,
    );
    const e = await simEngine({ db: store.db, from: new Date(FROM), log: () => {} });
    const w0 = performance.now();
    const world = await buildWorld(e, 'sim', s, { baseDir: dir });
    if (world.errors.length) throw new Error(JSON.stringify(world.errors.slice(0, 5)));
    await e.close();
    console.log(`  task created and customers imported in ${fmt(performance.now() - w0)} ms`);

    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let seedMs = 0;
    const report = await threads.run(async () => {
      const seed = await readForecastSeed(store.db, 'sim', world.taskIds[0]!, null, {
        sample: FULL ? null : DEFAULT_SAMPLE,
      });
      seedMs = performance.now() - t0;
      return {
        seed,
        from: new Date(FROM),
        until: new Date(Date.parse(FROM) + DAYS * 86_400_000),
        model: { model: MODEL, source: 'request' as const, sample: 0 },
        wallLimitMs: WALL_LIMIT_MS,
      };
    });
    const wall = performance.now() - t0;
    // The process's CPU over the forecast (its worker thread and the seed read; the main thread
    // is idle meanwhile): about the wall time it would take on a core of its own.
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const ran = report.sampled
      ? Math.round((report.attempts.total * report.sampled.customers) / report.sampled.of)
      : report.attempts.total;
    const beforeFirst = seedMs + (report.timings.firstCallMs ?? report.timings.wallMs);
    console.log(
      JSON.stringify(
        {
          finishesAt: report.finishesAt,
          attempts: report.attempts.total,
          callsPerHour: report.callsPerHour,
          peakChannels: report.channels.peak,
          unreached: report.customers.unreached,
          truncated: report.truncated,
          sampled: report.sampled,
          simulatedUntil: report.simulatedUntil,
          timings: { seedReadMs: Math.round(seedMs), ...report.timings },
        },
        null,
        2,
      ),
    );
    console.log(
      `  wall time ${fmt(wall)} ms (limit ${fmt(TARGET_MS)}): ${wall < TARGET_MS ? 'met' : 'NOT met'}; ` +
        `before the first simulated call ${fmt(beforeFirst)} ms (${Math.round((100 * beforeFirst) / wall)} %); ` +
        `${fmt(ran / (report.timings.runMs / 1000))} simulated attempts/s after it started` +
        `${report.sampled ? ` (${fmt(ran)} attempts of the sample, ${fmt(report.attempts.total)} scaled up)` : ''}; ` +
        `CPU ${fmt(cpuMs)} ms (load ${load()})`,
    );
  } finally {
    await threads.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();

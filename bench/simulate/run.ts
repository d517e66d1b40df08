/**
 * Simulation benchmark: `npx tsx bench/simulate/run.ts [--pg] [--customers 100000] [--days 3]`
 * (`--stats` counts the SQL statements by shape; `--profile FILE.cpuprofile` writes a CPU profile of
 * the run alone, world and import left out; `--write DIR` only writes the scenario and its CSV into
 * DIR, e.g. to profile `outbound simulate`).
 *
 * Writes a scenario (docs/simulate.md) of one task with 100,000 customers of 2 numbers each (a CSV
 * contactsFile, imported through the API as `simulate` does), a global retry policy (2 attempts a
 * day per number on up to 3 days, an hour apart) and a network where half the calls are answered,
 * runs it over 3 simulated days with the `simulate` command function, and prints the attempts per
 * second of wall time while the clock ran (setting up the world and importing are not counted).
 * Target: 2,000 attempts/s on PGlite, 5,000 on PostgreSQL (a fresh schema at DATABASE_URL or
 * postgres://postgres@127.0.0.1:5432/test, dropped after).
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { simulate } from '../../src/cli/simulate.ts';
import {
  argv,
  benchStore,
  fmt,
  load,
  NETWORK_OUTCOMES,
  numArg,
  writeWorkload,
} from '../lib/workload.ts';
import { installStats, printStats, resetStats } from './stats.ts';

const pg = argv.includes('--pg');
const stats = argv.includes('--stats');
const profileTo = argv.includes('--profile') ? argv[argv.indexOf('--profile') + 1] : undefined;
if (stats) installStats();
const CUSTOMERS = numArg('--customers', 100_000);
const DAYS = numArg('--days', 3);
const TARGET = pg ? 5000 : 2000;

const writeScenario = (dir: string) =>
  writeWorkload(dir, CUSTOMERS, {
    name: 'Simulation benchmark',
    days: DAYS,
    callerNumbers: ['+862188880001', '+862188880002'],
    network: {
      default: { result: 'success', ringSec: 5, talkSec: 30 },
      rules: [
        {
          match: '^\\+86',
          outcomes: NETWORK_OUTCOMES.map(({ share, ...o }) => ({
            weight: Math.round(share * 100),
            ...o,
          })),
        },
      ],
    },
  });

async function main(): Promise<void> {
  const write = argv.indexOf('--write');
  if (write >= 0) {
    fs.mkdirSync(argv[write + 1]!, { recursive: true });
    console.log(writeScenario(argv[write + 1]!));
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-bench-sim-'));
  const store = await benchStore(pg);
  try {
    const file = writeScenario(dir);
    console.log(
      `simulate on ${pg ? 'PostgreSQL' : 'PGlite (in memory)'}: ${fmt(CUSTOMERS)} customers × 2 numbers, ` +
        `retries (2 a day per number, up to 3 days), ${DAYS} simulated days`,
    );
    const t0 = performance.now();
    const profiler = profileTo ? new Session() : undefined;
    let profiling: Promise<unknown> | undefined;
    let started = 0;
    let cpu0 = process.cpuUsage();
    const r = await simulate(file, {
      store,
      out: () => {},
      onStart: () => {
        started = performance.now();
        cpu0 = process.cpuUsage();
        resetStats();
        if (profiler) {
          profiler.connect();
          profiling = profiler.post('Profiler.enable').then(() => profiler.post('Profiler.start'));
        }
        console.log(
          `  world built and customers imported in ${((started - t0) / 1000).toFixed(1)} s`,
        );
      },
    });
    if (profiler && profiling) {
      await profiling;
      const { profile } = await profiler.post('Profiler.stop');
      fs.writeFileSync(profileTo!, JSON.stringify(profile));
      profiler.disconnect();
    }
    if (r.code !== 0 || !r.summary)
      throw new Error(`simulate exited with ${r.code}: ${JSON.stringify(r.errors)}`);
    const cpu = process.cpuUsage(cpu0);
    const task = r.summary.tasks[0]!;
    const customers = Object.values(task.customers.byState as Record<string, number>).reduce(
      (a, b) => a + b,
      0,
    );
    if (customers !== CUSTOMERS)
      throw new Error(
        `imported ${customers} customers of ${CUSTOMERS}: the figures would be wrong`,
      );
    const rate = task.attempts.total / (r.summary.runMs / 1000);
    console.log(
      `  attempts    ${fmt(task.attempts.total)} ${JSON.stringify(task.attempts.byResult)}`,
    );
    console.log(
      `  customers   ${JSON.stringify(task.customers.byState)}; completed at ${task.completedAt ?? '(not completed)'}`,
    );
    console.log(`  peak        ${task.peakChannels} channels`);
    console.log(
      `  run         ${(r.summary.runMs / 1000).toFixed(1)} s of wall time for ${DAYS} simulated days`,
    );
    console.log(
      `  rate        ${fmt(rate)} attempts/s (target >= ${fmt(TARGET)}) ${rate >= TARGET ? 'OK' : 'BELOW TARGET'}`,
    );
    // Wall time depends on whatever else shares the cores; CPU time of this process less so (on
    // PGlite it holds the database too; on PostgreSQL only the engine's side).
    const cpuSec = (cpu.user + cpu.system) / 1e6;
    console.log(
      `  cpu         ${cpuSec.toFixed(1)} s of this process while the clock ran: ${fmt(task.attempts.total / cpuSec)} attempts per CPU second (load average ${load()})`,
    );
    if (stats) printStats(task.attempts.total);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();

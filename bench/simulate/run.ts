/**
 * Simulation benchmark: `npx tsx bench/simulate/run.ts [--pg] [--customers 100000] [--days 3]`
 * (`--stats` counts the SQL statements by shape; `--write DIR` only writes the scenario and its CSV into DIR, e.g. to profile `outbound simulate`).
 *
 * Writes a scenario (docs/simulate.md) of one task with 100,000 customers of 2 numbers each (a CSV
 * contactsFile, imported through the API as `simulate` does), a global retry policy (2 attempts a
 * day per number on up to 3 days, an hour apart) and a network where half the calls are answered,
 * runs it over 3 simulated days with the `simulate` command function, and prints the attempts per
 * second of wall time while the clock ran (setting up the world and importing are not counted).
 * Target: 2,000 attempts/s on PGlite, 5,000 on PostgreSQL (a fresh schema at DATABASE_URL or
 * postgres://postgres@127.0.0.1:5432/test, dropped after).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simulate } from '../../src/cli/simulate.ts';
import { dropSchema, openStore } from '../../src/store/db.ts';
import { installStats, printStats, resetStats } from './stats.ts';

const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const argv = process.argv.slice(2);
const pg = argv.includes('--pg');
const stats = argv.includes('--stats');
if (stats) installStats();
const arg = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const CUSTOMERS = arg('--customers', 100_000);
const DAYS = arg('--days', 3);
const TARGET = pg ? 5000 : 2000;
const FROM = '2026-11-23T08:00:00+08:00';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function writeScenario(dir: string): string {
  const rows = ['sessionId,priority,number1,type1,number2,type2'];
  for (let i = 1; i <= CUSTOMERS; i++) {
    const n = String(i).padStart(8, '0');
    rows.push(`C${n},${(i % 5) + 1},+86138${n},mobile,+86215${n},home`);
  }
  fs.writeFileSync(path.join(dir, 'contacts.csv'), rows.join('\n') + '\n');
  const until = new Date(new Date(FROM).getTime() + DAYS * 86_400_000).toISOString();
  const scenario = {
    from: FROM,
    until,
    seed: 1,
    world: {
      tenant: { channels: 1000, timeZone: '+08:00' },
      callerNumbers: [
        { number: '+862188880001', ouId: null },
        { number: '+862188880002', ouId: null },
      ],
      flows: [{ id: 'flow-notice', kind: 'ivr', status: 'published', ouId: null, document: {} }],
      numberTypes: ['mobile', 'home'],
    },
    tasks: [
      {
        name: 'Simulation benchmark',
        type: 'ivr',
        flowId: 'flow-notice',
        callerNumbers: ['+862188880001', '+862188880002'],
        start: FROM,
        end: '2026-12-31T00:00:00+08:00',
        timeZone: '+08:00',
        schedule: { regular: [{ start: '09:00', end: '21:00' }] },
        // 20 calls a second: 100,000 customers' first round takes about 2 hours of each day.
        strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 20 },
        callStrategy: { order: { by: 'priority' }, numberRounds: { mode: 'sequence' } },
        resultPolicy: {
          kind: 'global',
          byResult: false,
          maxAttemptDays: 3,
          maxAttemptsPerDay: 2,
          retryIntervalSec: 3600,
          nonRetryResults: ['unallocated', 'rejected'],
        },
        contactsFile: 'contacts.csv',
      },
    ],
    network: {
      default: { result: 'success', ringSec: 5, talkSec: 30 },
      rules: [
        {
          match: '^\\+86',
          outcomes: [
            { weight: 50, result: 'success', ringSec: 6, talkSec: 40 },
            { weight: 20, result: 'busy', ringSec: 3 },
            { weight: 15, result: 'no_answer', ringSec: 30 },
            { weight: 10, result: 'powered_off', ringSec: 2 },
            { weight: 5, result: 'unallocated', ringSec: 1 },
          ],
        },
      ],
    },
  };
  const file = path.join(dir, 'scenario.json');
  fs.writeFileSync(file, JSON.stringify(scenario));
  return file;
}

async function main(): Promise<void> {
  const write = argv.indexOf('--write');
  if (write >= 0) {
    fs.mkdirSync(argv[write + 1]!, { recursive: true });
    console.log(writeScenario(argv[write + 1]!));
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-bench-sim-'));
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const store = pg
    ? await openStore({ databaseUrl: DATABASE_URL, schema, poolSize: 4 })
    : await openStore({});
  try {
    const file = writeScenario(dir);
    console.log(
      `simulate on ${pg ? 'PostgreSQL' : 'PGlite (in memory)'}: ${fmt(CUSTOMERS)} customers × 2 numbers, ` +
        `retries (2 a day per number, up to 3 days), ${DAYS} simulated days`,
    );
    const t0 = performance.now();
    let started = 0;
    let cpu0 = process.cpuUsage();
    const r = await simulate(file, {
      store,
      out: () => {},
      onStart: () => {
        started = performance.now();
        cpu0 = process.cpuUsage();
        resetStats();
        console.log(
          `  world built and customers imported in ${((started - t0) / 1000).toFixed(1)} s`,
        );
      },
    });
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
      `  cpu         ${cpuSec.toFixed(1)} s of this process while the clock ran: ${fmt(task.attempts.total / cpuSec)} attempts per CPU second (load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')})`,
    );
    if (stats) printStats(task.attempts.total);
  } finally {
    if (pg) await dropSchema(store.db, schema);
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();

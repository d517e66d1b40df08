/**
 * What bench/simulate, bench/simulate/first-call.ts and bench/forecast share: the command line,
 * the store to run on, and the workload of one notice task — customers of two numbers in a CSV,
 * 20 calls a second from 09:00 to 21:00, 2 attempts a day per number on up to 3 days, an hour
 * apart — written as a `simulate` scenario (docs/simulate.md).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropSchema, openStore, type Store } from '../../src/store/db.ts';
import { DEFAULT_SNAPSHOT_DIR } from '../../src/store/snapshot.ts';

export const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const FROM = '2026-11-23T08:00:00+08:00';

export const argv = process.argv.slice(2);
/** `--name N` from the command line, or `dflt`. */
export const numArg = (name: string, dflt: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
/** The machine's load averages (1, 5, 15 min): every figure is printed beside them. */
export const load = (): string =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

/**
 * A store for a benchmark: a fresh schema at DATABASE_URL (dropped by `close`) with `pg`, else an
 * in-memory PGlite started from the prepared schema (store/snapshot.ts) as `simulate` starts.
 */
export async function benchStore(pg: boolean): Promise<Store> {
  if (!pg) return openStore({ snapshotDir: DEFAULT_SNAPSHOT_DIR });
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const store = await openStore({ databaseUrl: DATABASE_URL, schema, poolSize: 4 });
  return {
    ...store,
    close: async () => {
      await dropSchema(store.db, schema);
      await store.close();
    },
  };
}

/** `n` customers of a mobile and a home number each, priorities 1–5, as `contacts.csv` in `dir`. */
export function writeCustomers(dir: string, n: number): string {
  const rows = ['sessionId,priority,number1,type1,number2,type2'];
  for (let i = 1; i <= n; i++) {
    const id = String(i).padStart(8, '0');
    rows.push(`C${id},${(i % 5) + 1},+86138${id},mobile,+86215${id},home`);
  }
  const file = path.join(dir, 'contacts.csv');
  fs.writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

/** The network of bench/simulate: half the calls answered, the rest busy, unanswered or dead. */
export const NETWORK_OUTCOMES = [
  { share: 0.5, result: 'success', ringSec: 6, talkSec: 40 },
  { share: 0.2, result: 'busy', ringSec: 3 },
  { share: 0.15, result: 'no_answer', ringSec: 30 },
  { share: 0.1, result: 'powered_off', ringSec: 2 },
  { share: 0.05, result: 'unallocated', ringSec: 1 },
] as const;

export interface WorkloadOptions {
  name: string;
  from?: string;
  days: number;
  callerNumbers?: string[];
  /** The scenario's network; none for a forecast (its model is given apart). */
  network?: Record<string, unknown>;
}

/**
 * The scenario of the workload, its customers read from `contacts.csv` beside it
 * (writeCustomers).
 */
export function workloadScenario(o: WorkloadOptions): Record<string, unknown> {
  const from = o.from ?? FROM;
  const callerNumbers = o.callerNumbers ?? ['+862188880001'];
  return {
    from,
    until: new Date(Date.parse(from) + o.days * 86_400_000).toISOString(),
    seed: 1,
    world: {
      tenant: { channels: 1000, timeZone: '+08:00' },
      callerNumbers: callerNumbers.map((number) => ({ number, ouId: null })),
      flows: [{ id: 'flow-notice', kind: 'ivr', status: 'published', ouId: null, document: {} }],
      numberTypes: ['mobile', 'home'],
    },
    tasks: [
      {
        name: o.name,
        type: 'ivr',
        flowId: 'flow-notice',
        callerNumbers,
        start: from,
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
    ...(o.network ? { network: o.network } : {}),
  };
}

/** Writes the workload's customers and scenario into `dir`; the scenario's path. */
export function writeWorkload(dir: string, customers: number, o: WorkloadOptions): string {
  writeCustomers(dir, customers);
  const file = path.join(dir, 'scenario.json');
  fs.writeFileSync(file, JSON.stringify(workloadScenario(o)));
  return file;
}

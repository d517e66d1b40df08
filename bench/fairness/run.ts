/**
 * Fairness benchmark: `npx tsx bench/fairness/run.ts [--minutes 20] [--only NAME]`.
 *
 * Runs `outbound simulate` scenarios where tasks of different tick lengths (min(intervalSec, 3):
 * 1, 2 and 3 s) and priorities compete for too few channels, and prints each task's calls against
 * what the rules of product.md §5 give it, as a ratio (goal: every ratio within 5 % of 1):
 * - equal priorities share the channels in proportion to their configured rates (the expected
 *   share of calls is rate / sum of rates);
 * - fill: a higher priority keeps its pace (expected calls: its paced calls over the run), lower
 *   ones share the rest in proportion to their rates;
 * - strict: a lower priority makes no call while a higher one has customers (expected: 0).
 * Calls last 7 to 17 s (four outcomes), so channels free one or two at a time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simulate } from '../../src/cli/simulate.ts';
import { noticeWorld } from '../../test/helpers/sim-world.ts';

const argv = process.argv.slice(2);
const arg = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const MINUTES = Number(arg('--minutes') ?? 20);
const ONLY = arg('--only');
const FROM = '2026-11-23T09:00:00+08:00';
const GOAL = 0.05;

interface TaskSpec {
  name: string;
  priority: number;
  intervalSec: number;
  callsPerInterval: number;
  customers: number;
}

interface Case {
  name: string;
  mode: 'strict' | 'fill';
  channels: number;
  tasks: TaskSpec[];
  /** The calls each task should make by the rules, from the calls the run made. */
  expected(calls: number[], seconds: number): number[];
}

const rate = (t: TaskSpec) => t.callsPerInterval / t.intervalSec;

/** Equal priorities: the calls in proportion to the rates. */
function byRate(tasks: TaskSpec[], calls: number[]): number[] {
  const total = calls.reduce((a, b) => a + b, 0);
  const rates = tasks.map(rate);
  const sum = rates.reduce((a, b) => a + b, 0);
  return rates.map((r) => (total * r) / sum);
}

/** Calls a task's pace allows over the run (one tick's worth at 0, T, 2T, … before the end). */
function paced(t: TaskSpec, seconds: number): number {
  const tick = Math.min(t.intervalSec, 3);
  return Math.floor(
    ((Math.floor((seconds - 1) / tick) + 1) * tick * t.callsPerInterval) / t.intervalSec,
  );
}

const CASES: Case[] = [
  {
    name: 'equal priorities, equal rates, ticks 3 s and 1 s (the issue’s example)',
    mode: 'strict',
    channels: 6,
    tasks: [
      { name: 'A 6 per 3 s', priority: 2, intervalSec: 3, callsPerInterval: 6, customers: 5000 },
      { name: 'B 2 per 1 s', priority: 2, intervalSec: 1, callsPerInterval: 2, customers: 5000 },
    ],
    expected(calls) {
      return byRate(this.tasks, calls);
    },
  },
  {
    name: 'equal priorities, rates 1 : 2 : 1, ticks 1, 2 and 3 s',
    mode: 'fill',
    channels: 8,
    tasks: [
      { name: 'A 1 per 1 s', priority: 2, intervalSec: 1, callsPerInterval: 1, customers: 5000 },
      { name: 'B 4 per 2 s', priority: 2, intervalSec: 2, callsPerInterval: 4, customers: 5000 },
      { name: 'C 3 per 3 s', priority: 2, intervalSec: 3, callsPerInterval: 3, customers: 5000 },
    ],
    expected(calls) {
      return byRate(this.tasks, calls);
    },
  },
  {
    name: 'fill: priority 1 ticking every 3 s, priority 2 ticking every 1 and 2 s',
    mode: 'fill',
    channels: 20,
    tasks: [
      { name: 'High 3 per 3 s', priority: 1, intervalSec: 3, callsPerInterval: 3, customers: 5000 },
      {
        name: 'Low 20 per 2 s',
        priority: 2,
        intervalSec: 2,
        callsPerInterval: 20,
        customers: 30000,
      },
      {
        name: 'Low 10 per 1 s',
        priority: 2,
        intervalSec: 1,
        callsPerInterval: 10,
        customers: 30000,
      },
    ],
    expected(calls, seconds) {
      const high = paced(this.tasks[0]!, seconds);
      const low = byRate(this.tasks.slice(1), calls.slice(1));
      return [high, ...low];
    },
  },
  {
    name: 'strict: priority 1 ticking every 2 and 3 s, priority 2 every 1 s',
    mode: 'strict',
    channels: 6,
    tasks: [
      { name: 'High 6 per 3 s', priority: 1, intervalSec: 3, callsPerInterval: 6, customers: 5000 },
      { name: 'High 4 per 2 s', priority: 1, intervalSec: 2, callsPerInterval: 4, customers: 5000 },
      { name: 'Low 5 per 1 s', priority: 2, intervalSec: 1, callsPerInterval: 5, customers: 5000 },
    ],
    expected(calls) {
      return [...byRate(this.tasks.slice(0, 2), calls.slice(0, 2)), 0];
    },
  },
];

function writeCase(dir: string, c: Case, until: string): string {
  const tasks = c.tasks.map((t, i) => {
    const rows = ['sessionId,number1,type1'];
    for (let k = 1; k <= t.customers; k++)
      rows.push(`T${i}-${k},+8613${i}${String(k).padStart(8, '0')},mobile`);
    const file = `task-${i}.csv`;
    fs.writeFileSync(path.join(dir, file), rows.join('\n') + '\n');
    return {
      name: t.name,
      type: 'ivr',
      flowId: 'flow-notice',
      priority: t.priority,
      callerNumbers: ['+862188880001'],
      start: FROM,
      end: '2026-12-31T00:00:00+08:00',
      timeZone: '+08:00',
      schedule: { regular: [{ start: '00:00', end: '23:59' }] },
      strategy: {
        maxRingSec: 20,
        intervalSec: t.intervalSec,
        callsPerInterval: t.callsPerInterval,
      },
      callStrategy: { order: { by: 'none' }, numberRounds: { mode: 'sequence' } },
      resultPolicy: {
        kind: 'global',
        byResult: true,
        rules: [{ result: 'busy', retries: 0, intervalSec: 0 }],
        nonRetryResults: [],
      },
      contactsFile: file,
    };
  });
  const scenario = {
    from: FROM,
    until,
    seed: 7,
    world: noticeWorld({ channels: c.channels, priorityMode: c.mode }),
    tasks,
    network: {
      default: { result: 'success', ringSec: 2, talkSec: 10 },
      rules: [
        {
          match: '^\\+86',
          outcomes: [
            { weight: 1, result: 'success', ringSec: 2, talkSec: 5 },
            { weight: 1, result: 'success', ringSec: 3, talkSec: 8 },
            { weight: 1, result: 'success', ringSec: 2, talkSec: 11 },
            { weight: 1, result: 'success', ringSec: 4, talkSec: 13 },
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
  const seconds = MINUTES * 60;
  const until = new Date(new Date(FROM).getTime() + (seconds - 1) * 1000).toISOString();
  console.log(
    `fairness: ${MINUTES} simulated minutes a case, goal: every ratio within ${GOAL * 100} % of 1`,
  );
  let worst = 0;
  for (const c of CASES) {
    if (ONLY && !c.name.includes(ONLY)) continue;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-bench-fair-'));
    try {
      const r = await simulate(writeCase(dir, c, until), { out: () => {} });
      if (r.code !== 0 || !r.summary)
        throw new Error(`simulate exited with ${r.code}: ${JSON.stringify(r.errors)}`);
      const calls = c.tasks.map(
        (t) => r.summary!.tasks.find((x) => x.name === t.name)!.attempts.total,
      );
      const expected = c.expected(calls, seconds);
      console.log(`\n${c.name} (${c.mode}, ${c.channels} channels)`);
      for (let i = 0; i < c.tasks.length; i++) {
        const e = expected[i]!;
        // A task the rules give nothing: its calls are the error, as a share of all calls.
        const total = calls.reduce((a, b) => a + b, 0);
        const ratio = e === 0 ? 1 + calls[i]! / total : calls[i]! / e;
        worst = Math.max(worst, Math.abs(ratio - 1));
        console.log(
          `  ${c.tasks[i]!.name.padEnd(16)} calls ${String(calls[i]).padStart(6)}  expected ${e.toFixed(1).padStart(8)}  ratio ${ratio.toFixed(3)}`,
        );
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(
    `\nworst ratio off by ${(worst * 100).toFixed(1)} % (goal within ${GOAL * 100} %): ${worst <= GOAL ? 'OK' : 'NOT MET'}`,
  );
}

await main();

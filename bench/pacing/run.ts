/**
 * Pacing benchmark: `npx tsx bench/pacing/run.ts [--pg] [--hours 8] [--only predictive]`.
 *
 * A robot-like IVR task hands customers to the skill queue `sales` (50 agents, handle time 180 s,
 * exponential; customers wait 60 s on average before hanging up) through `outbound simulate`:
 * 30 % of the dialed customers answer, 60 % of those press 1 for an agent and are transferred.
 * Over 8 hours it measures the agents' occupancy and the abandon rate of each pacing mode:
 * `fixed` at the best rate a search finds (the highest rate whose abandon rate stays ≤ 3 %),
 * `progressive` (ratio 1) and `predictive` (target 3 %).
 * Goal: predictive ≥ 85 % occupancy with abandon ≤ 3 %, ahead of the best fixed rate on both.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simulate } from '../../src/cli/simulate.ts';
import { dropSchema, openStore, type Store } from '../../src/store/db.ts';
import type { QueueReport } from '../../src/telephony/sim/agents.ts';

const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const argv = process.argv.slice(2);
const pg = argv.includes('--pg');
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1]! : dflt;
};
const HOURS = Number(arg('--hours', '8'));
const ONLY = arg('--only', '');
const AGENTS = 50;
const HANDLE_SEC = 180;
const TARGET = 0.03;
const FROM = '2026-11-23T09:00:00+08:00';
// Up to 3 calls a second for 8 hours, each customer called once.
const CUSTOMERS = Math.ceil(3 * 3600 * HOURS);

const FLOW = {
  nodes: [
    {
      id: 'offer',
      type: 'collect',
      // A file prompt lasts 3 s in the sim; every duration of the scenario falls on the 3 s
      // grid of the engine's ticks, so call events settle together with a tick (a faster run).
      prompt: { file: 'offer.wav' },
      max: 1,
      timeoutSec: 3,
      variable: 'choice',
      next: 'route',
    },
    {
      id: 'route',
      type: 'branch',
      variable: 'choice',
      cases: [{ equals: '1', next: 'agent' }],
      default: 'bye',
    },
    { id: 'agent', type: 'transfer', target: { skillQueue: 'sales' } },
    { id: 'bye', type: 'hangup' },
  ],
};

type Pacing =
  | { pacing: 'fixed'; intervalSec: number; callsPerInterval: number }
  | { pacing: 'progressive' | 'predictive'; intervalSec: number; callsPerInterval: number };

function writeScenario(dir: string, p: Pacing): string {
  const csv = path.join(dir, 'contacts.csv');
  if (!fs.existsSync(csv)) {
    const rows = ['sessionId,number1,type1'];
    for (let i = 1; i <= CUSTOMERS; i++) {
      const n = String(i).padStart(8, '0');
      rows.push(`C${n},+86138${n},mobile`);
    }
    fs.writeFileSync(csv, rows.join('\n') + '\n');
  }
  const until = new Date(new Date(FROM).getTime() + HOURS * 3600_000).toISOString();
  const { pacing, ...rate } = p;
  const scenario = {
    from: FROM,
    until,
    seed: 1,
    world: {
      tenant: { channels: 300, timeZone: '+08:00' },
      callerNumbers: [{ number: '+862188880001', ouId: null }],
      flows: [{ id: 'flow-offer', kind: 'ivr', status: 'published', ouId: null, document: FLOW }],
      skillQueues: [{ id: 'q-sales', name: 'sales', ouId: null }],
      numberTypes: ['mobile'],
    },
    tasks: [
      {
        name: `Renewal offer (${pacing})`,
        type: 'ivr',
        flowId: 'flow-offer',
        callerNumbers: ['+862188880001'],
        start: FROM,
        end: '2026-12-31T00:00:00+08:00',
        timeZone: '+08:00',
        schedule: { regular: [{ start: '00:00', end: '23:59' }] },
        strategy: {
          maxRingSec: 30,
          ...rate,
          ...(pacing === 'fixed' ? {} : { pacing, pacingQueueId: 'q-sales' }),
        },
        callStrategy: { order: { by: 'none' }, numberRounds: { mode: 'sequence' } },
        resultPolicy: {
          kind: 'global',
          byResult: false,
          maxAttemptDays: 1,
          maxAttemptsPerDay: 1,
          retryIntervalSec: 3600,
          nonRetryResults: [],
        },
        contactsFile: 'contacts.csv',
      },
    ],
    network: {
      // 30 % answer (after 3–12 s); 60 % of those press 1 during the offer and are transferred
      // when it ends (3 s), the others hear nothing more after 3 s and are hung up.
      default: { result: 'no_answer', ringSec: 27 },
      rules: [
        {
          match: '.',
          outcomes: [
            { weight: 70, result: 'no_answer', ringSec: 27 },
            ...[3, 6, 9, 12].map((ringSec) => ({
              weight: 18 / 4,
              result: 'success',
              ringSec,
              talkSec: 120,
              keys: [{ atSec: 2, digits: '1' }],
            })),
            ...[3, 6, 9, 12].map((ringSec) => ({
              weight: 12 / 4,
              result: 'success',
              ringSec,
              talkSec: 15,
            })),
          ],
        },
      ],
      queues: { sales: { agents: AGENTS, handleSec: HANDLE_SEC, patienceSec: 60 } },
    },
  };
  const file = path.join(dir, `scenario-${pacing}.json`);
  fs.writeFileSync(file, JSON.stringify(scenario));
  return file;
}

interface Run {
  label: string;
  attempts: number;
  q: QueueReport;
  runMs: number;
  /** The machine's 1-minute load average when the run ended (the cores are shared). */
  load: number;
}

async function run(dir: string, label: string, p: Pacing): Promise<Run> {
  let store: Store | undefined;
  let schema: string | undefined;
  if (pg) {
    schema = `bench_pacing_${process.pid}_${Date.now()}`;
    store = await openStore({ databaseUrl: DATABASE_URL, schema, poolSize: 4 });
  }
  try {
    const r = await simulate(writeScenario(dir, p), {
      out: () => {},
      ...(store ? { store } : {}),
    });
    if (r.code !== 0 || !r.summary) throw new Error(`${label}: simulate failed (${r.code})`);
    const summary = r.summary as typeof r.summary & { queues: Record<string, QueueReport> };
    const attempts = summary.tasks.reduce((s, t) => s + t.attempts.total, 0);
    const out = {
      label,
      attempts,
      q: summary.queues.sales!,
      runMs: summary.runMs,
      load: os.loadavg()[0]!,
    };
    print(out);
    return out;
  } finally {
    if (store) {
      await dropSchema(store.db, schema!);
      await store.close();
    }
  }
}

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)} %`);
function print(r: Run): void {
  console.log(
    `${r.label.padEnd(28)} occupancy ${pct(r.q.occupancy).padStart(7)}  abandon ${pct(r.q.abandonRate).padStart(6)}` +
      `  (${r.q.abandoned}/${r.q.answered + r.q.abandoned})  wait p50 ${r.q.waitP50Sec?.toFixed(1)} s p95 ${r.q.waitP95Sec?.toFixed(1)} s` +
      `  ${r.attempts} calls  ${(r.runMs / 1000).toFixed(0)} s (load ${r.load.toFixed(1)})`,
  );
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pacing-'));
console.log(
  `pacing: ${AGENTS} agents, handle ${HANDLE_SEC} s, 30 % answer × 60 % transfer, ${HOURS} h, ${pg ? 'PostgreSQL' : 'PGlite'}`,
);
const results: Run[] = [];
const FIXED = arg('--fixed', '');
if (FIXED) {
  // Given rates (calls per 20 s), e.g. to run the search's candidates in parallel processes.
  for (const n of FIXED.split(',').map(Number))
    results.push(
      await run(dir, `fixed ${n / 20}/s`, {
        pacing: 'fixed',
        intervalSec: 20,
        callsPerInterval: n,
      }),
    );
} else if (!ONLY || ONLY === 'fixed') {
  // The best fixed rate: the highest rate (calls per 20 s, steps of 0.05/s) whose abandon rate
  // stays ≤ target.
  let lo = 20;
  let hi = 36;
  let best: Run | undefined;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const r = await run(dir, `fixed ${mid / 20}/s`, {
      pacing: 'fixed',
      intervalSec: 20,
      callsPerInterval: mid,
    });
    if (r.q.abandonRate <= TARGET) {
      lo = mid;
      best = r;
    } else hi = mid;
  }
  if (!best)
    best = await run(dir, `fixed ${lo / 20}/s`, {
      pacing: 'fixed',
      intervalSec: 20,
      callsPerInterval: lo,
    });
  results.push({ ...best, label: `fixed (best: ${best.label.slice(6)})` });
}
if (!ONLY || ONLY === 'progressive')
  results.push(
    await run(dir, 'progressive ×1', {
      pacing: 'progressive',
      intervalSec: 3,
      callsPerInterval: 30,
    }),
  );
if (!ONLY || ONLY === 'predictive')
  results.push(
    await run(dir, 'predictive 3 %', {
      pacing: 'predictive',
      intervalSec: 3,
      callsPerInterval: 30,
    }),
  );
console.log('\nsummary');
for (const r of results) print(r);
const pred = results.find((r) => r.label.startsWith('predictive'));
const fixed = results.find((r) => r.label.startsWith('fixed'));
if (pred) {
  const occ = pred.q.occupancy ?? 0;
  const met =
    occ >= 0.85 &&
    pred.q.abandonRate <= TARGET &&
    (!fixed ||
      (occ > (fixed.q.occupancy ?? 0) && pred.q.abandonRate <= fixed.q.abandonRate + 1e-9));
  console.log(
    `goal: predictive ≥ 85 % occupancy, abandon ≤ 3 %, ahead of the best fixed rate: ${met ? 'met' : 'NOT met'}`,
  );
}
fs.rmSync(dir, { recursive: true, force: true });

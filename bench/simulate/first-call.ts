/**
 * Time to the first call of `outbound simulate`:
 * `npx tsx bench/simulate/first-call.ts [--runs 3] [--profile DIR]` (`--profile`: a CPU profile of
 * each process in DIR, node's `--cpu-prof`).
 *
 * Runs the real command (`node bin/outbound.js simulate`) on a scenario of one task whose one
 * customer is called at `from`, and prints the wall time of each whole process: an upper bound
 * of the time to its first call. The first run starts without the prepared schema (it runs every
 * migration and saves the snapshot, store/snapshot.ts); the next ones load it. Target: < 2 s.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SNAPSHOT_DIR, snapshotFile } from '../../src/store/snapshot.ts';
import { load } from '../lib/workload.ts';
import { noticeWorld } from '../../test/helpers/sim-world.ts';

const argv = process.argv.slice(2);
const i = argv.indexOf('--runs');
const RUNS = i >= 0 ? Number(argv[i + 1]) : 3;
const p = argv.indexOf('--profile');
const PROFILE = p >= 0 ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(argv[p + 1]!)] : [];
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FROM = '2026-11-23T09:00:00+08:00';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-bench-first-'));
const file = path.join(dir, 'scenario.json');
fs.writeFileSync(
  file,
  JSON.stringify({
    from: FROM,
    until: '2026-11-23T09:00:01+08:00',
    seed: 1,
    world: noticeWorld(),
    tasks: [
      {
        name: 'First call',
        type: 'ivr',
        flowId: 'flow-notice',
        callerNumbers: ['+862188880001'],
        start: FROM,
        end: '2026-12-31T00:00:00+08:00',
        timeZone: '+08:00',
        schedule: { regular: [{ start: '00:00', end: '23:59' }] },
        strategy: { maxRingSec: 20, intervalSec: 1, callsPerInterval: 1 },
        callStrategy: { order: { by: 'none' }, numberRounds: { mode: 'sequence' } },
        resultPolicy: {
          kind: 'global',
          byResult: false,
          maxAttemptDays: 1,
          maxAttemptsPerDay: 1,
          retryIntervalSec: 60,
          nonRetryResults: [],
        },
        contacts: [
          {
            sessionId: 'c1',
            numbers: [{ number: '+8613800000001', type: 'mobile' }],
            attributes: {},
          },
        ],
      },
    ],
    network: { default: { result: 'success', ringSec: 0, talkSec: 0 } },
  }),
);

fs.rmSync(snapshotFile(DEFAULT_SNAPSHOT_DIR), { force: true });
console.log(
  `outbound simulate, one call at \`from\` (target < 2 s to the first call); load ${load()}`,
);
/**
 * CPU seconds of the children waited for so far (Linux: /proc/self/stat's cutime + cstime, in clock
 * ticks of 1/100 s), or NaN elsewhere: a figure the machine's load inflates less than wall time.
 */
function childrenCpu(): number {
  try {
    const f = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return NaN;
  }
}

for (let run = 0; run < RUNS; run++) {
  const cpu0 = childrenCpu();
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [...PROFILE, path.join(ROOT, 'bin', 'outbound.js'), 'simulate', file],
    { encoding: 'utf8' },
  );
  const ms = performance.now() - t0;
  const cpu = childrenCpu() - cpu0;
  const attempts = /"total": (\d+)/.exec(r.stdout)?.[1];
  if (r.status !== 0 || attempts !== '1')
    throw new Error(`simulate failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
  console.log(
    `  run ${run + 1} ${run === 0 ? '(no snapshot: migrates, saves it)' : '(from the snapshot)      '}: ${(ms / 1000).toFixed(2)} s for the whole process${Number.isNaN(cpu) ? '' : ` (CPU ${cpu.toFixed(2)} s)`}`,
  );
}
fs.rmSync(dir, { recursive: true, force: true });

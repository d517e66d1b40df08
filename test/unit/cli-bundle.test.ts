import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../src/cli/build-cli.ts';
import { noticeWorld } from '../helpers/sim-world.ts';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');

/** A scenario of three customers (one busy, one unallocated, one answering) called from 09:00. */
const SCENARIO = {
  from: '2026-11-23T08:00:00+08:00',
  until: '2026-11-23T12:00:00+08:00',
  seed: 1,
  world: noticeWorld(),
  tasks: [
    {
      name: 'Notice',
      type: 'ivr',
      flowId: 'flow-notice',
      callerNumbers: ['+862188880001'],
      start: '2026-11-23T00:00:00+08:00',
      end: '2026-12-31T00:00:00+08:00',
      timeZone: '+08:00',
      schedule: { regular: [{ start: '09:00', end: '11:30' }] },
      strategy: { maxRingSec: 20, intervalSec: 3, callsPerInterval: 3 },
      callStrategy: { order: { by: 'none' }, numberRounds: { mode: 'sequence' } },
      resultPolicy: {
        kind: 'global',
        byResult: true,
        rules: [{ result: 'busy', retries: 2, intervalSec: 300 }],
        nonRetryResults: ['unallocated'],
      },
      contacts: ['1', '2', '3'].map((n) => ({
        sessionId: `c${n}`,
        numbers: [{ number: `+861380000000${n}`, type: 'mobile' }],
        attributes: {},
      })),
    },
  ],
  network: {
    default: { result: 'success', ringSec: 5, talkSec: 30 },
    rules: [
      { match: '^\\+8613800000001$', outcomes: [{ weight: 1, result: 'busy', ringSec: 2 }] },
      { match: '^\\+8613800000002$', outcomes: [{ weight: 1, result: 'unallocated', ringSec: 1 }] },
    ],
  },
};

/**
 * `npm ci` bundles the command (prepare: src/cli/build-cli.ts) and bin/outbound.js runs the bundle
 * only while every file it was built from is older and unchanged; an edited source runs through tsx
 * at once.
 * On a copy of the repository, so that its sources can be edited.
 */
describe('the outbound command runs as prebuilt JavaScript while it is fresh', () => {
  let root: string;
  const bin = () => path.join(root, 'bin/outbound.js');
  const main = () => path.join(root, 'src/main.ts');
  const simulate = async (out: string) => {
    const { stdout } = await run(
      process.execPath,
      [bin(), 'simulate', path.join(root, 'scenario.json'), '--attempts-out', out],
      { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    // Everything but the real time it took.
    const { wallMs, runMs, ...summary } = JSON.parse(stdout) as { wallMs: number; runMs: number };
    expect(wallMs).toBeGreaterThanOrEqual(runMs);
    return {
      summary,
      attempts: readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    };
  };
  /** Makes a file as new as now: newer than the bundle built before. */
  const touch = (file: string) => {
    const now = new Date();
    utimesSync(file, now, now);
  };

  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'outbound-bundle-'));
    // Copies keep their times: the sources are older than the bundle built below.
    for (const f of ['src', 'bin', 'package.json', 'tsconfig.json'])
      cpSync(path.join(repo, f), path.join(root, f), { recursive: true, preserveTimestamps: true });
    symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'));
    writeFileSync(path.join(root, 'scenario.json'), JSON.stringify(SCENARIO));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('runs the bundle while fresh, the edited sources once one is newer', async () => {
    expect(await buildCli(root)).toBe('built');
    // An edit that keeps the file's old time: the bundle, built before it, still runs.
    const before = statSync(main());
    writeFileSync(
      main(),
      readFileSync(main(), 'utf8').replace('usage: outbound', 'usage (edited): outbound'),
    );
    utimesSync(main(), before.atime, before.mtime);
    const bundled = await run(process.execPath, [bin(), 'simulate', '--help']);
    expect(bundled.stdout).toMatch(/^usage: outbound/);
    // The same edit, now newer than the bundle: the sources run.
    touch(main());
    const edited = await run(process.execPath, [bin(), 'simulate', '--help']);
    expect(edited.stdout).toMatch(/^usage \(edited\): outbound/);
    // Rebuilt, the bundle has the edit and runs again.
    expect(await buildCli(root)).toBe('built');
    expect((await run(process.execPath, [bin(), 'simulate', '--help'])).stdout).toMatch(
      /^usage \(edited\)/,
    );
    // A file put back with an older time (a copy keeping its time, a checkout): the sources run.
    writeFileSync(
      main(),
      readFileSync(main(), 'utf8').replace('usage (edited): outbound', 'usage (older): outbound'),
    );
    utimesSync(main(), before.atime, before.mtime);
    expect((await run(process.execPath, [bin(), 'simulate', '--help'])).stdout).toMatch(
      /^usage \(older\)/,
    );
  }, 120_000);

  it('prints the same summary and attempts from the bundle as from the sources', async () => {
    expect(await buildCli(root)).toBe('built');
    const bundled = await simulate(path.join(root, 'bundled.jsonl'));
    expect(bundled.attempts.map((a: { result: string }) => a.result).sort()).toEqual(
      expect.arrayContaining(['busy', 'success', 'unallocated']),
    );
    // A migration newer than the bundle (it is built in, as the prepared schema's name): sources.
    touch(path.join(root, 'src/store/migrations/0001-core.ts'));
    const sources = await simulate(path.join(root, 'sources.jsonl'));
    expect(sources).toEqual(bundled);
  }, 240_000);
});

/**
 * `npm test`: the suite, then the chaos tests (processes of their own, PostgreSQL only), then one
 * closing summary — the counts of both runs as one plain line, and the suites this machine skipped
 * with the one command that enables them. Exits non-zero when either run fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What some suites need from the machine; a missing one skips them (they say so as they run). */
const REQUIREMENTS: { command: string; pkg: string; suites: string; file?: string }[] = [
  { command: 'sipp', pkg: 'sip-tester', suites: 'SIP against sipp (test/sip)' },
  { command: 'espeak-ng', pkg: 'espeak-ng', suites: 'prompts spoken at publish (test/sip)' },
  { command: 'sox', pkg: 'sox', suites: 'prompt conversion (test/sip)' },
  { command: 'chromium', pkg: 'chromium', suites: 'the console in Chromium (test/e2e)' },
  {
    command: 'baresip',
    pkg: 'baresip-core',
    suites: 'SIP against a real phone (test/sip/real-ua)',
  },
  {
    command: 'pocketsphinx_continuous',
    pkg: 'pocketsphinx',
    suites: 'speech robots hearing real audio (test/sip/speech)',
  },
  {
    command: 'pocketsphinx_continuous',
    file: '/usr/share/pocketsphinx/model/en-us/en-us/mdef',
    pkg: 'pocketsphinx-en-us',
    suites: "pocketsphinx's en-us model (test/sip/speech)",
  },
  {
    command: 'kamailio',
    pkg: 'kamailio',
    suites: 'SIP digest through a real proxy (test/sip/real-ua)',
  },
];

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function vitest(args: string[], dir: string, name: string): { ok: boolean; counts: Counts } {
  const out = join(dir, `${name}.json`);
  const r = spawnSync(
    'npx',
    ['vitest', 'run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`],
    { stdio: 'inherit', env: { ...process.env, OUTBOUND_TEST_STORIES: stories } },
  );
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    const j = JSON.parse(readFileSync(out, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
    };
    counts.passed = j.numPassedTests;
    counts.failed = j.numFailedTests;
    counts.skipped = j.numPendingTests + j.numTodoTests;
  } catch {
    counts.failed = Math.max(counts.failed, 1); // no report: the run itself broke
  }
  return { ok: r.status === 0, counts };
}

const has = (cmd: string) =>
  spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

const dir = mkdtempSync(join(tmpdir(), 'outbound-test-'));
/** Where a failed test writes what it saw (e.g. a browser test's pages and requests). */
const stories = join(dir, 'stories');
mkdirSync(stories);
const extra = process.argv.slice(2);
const main = vitest(['--exclude', 'test/chaos/**', ...extra], dir, 'main');
const chaos = extra.length ? undefined : vitest(['test/chaos'], dir, 'chaos');
// Printed again last, each cut to its last lines: a CI log is often read from its tail.
const told = readdirSync(stories).map((f) => readFileSync(join(stories, f), 'utf8'));
rmSync(dir, { recursive: true, force: true });
for (const story of told) {
  const [head, ...lines] = story.trimEnd().split('\n');
  const cut = Math.max(0, lines.length - 120);
  console.log(`\n${head}\n${cut ? `(${cut} lines left out)\n` : ''}${lines.slice(cut).join('\n')}`);
}

const total: Counts = { passed: 0, failed: 0, skipped: 0 };
for (const r of [main, chaos]) {
  if (!r) continue;
  total.passed += r.counts.passed;
  total.failed += r.counts.failed;
  total.skipped += r.counts.skipped;
}

const missing = REQUIREMENTS.filter((q) => !has(q.command) || (q.file && !existsSync(q.file)));
console.log('');
if (!process.env.DATABASE_URL)
  console.log(
    'Skipped here: PostgreSQL-only suites (chaos, engine processes). ' +
      'Enable: DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test',
  );
if (missing.length) {
  console.log(`Skipped here: ${missing.map((q) => q.suites).join('; ')}.`);
  console.log(
    `Enable: apt-get update && apt-get install -y ${missing.map((q) => q.pkg).join(' ')}`,
  );
}
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(main.ok && (chaos?.ok ?? true) ? 0 : 1);

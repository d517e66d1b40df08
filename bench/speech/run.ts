/**
 * Every speech figure in one run: `npx tsx bench/speech/run.ts` — intent accuracy
 * (intents.ts), answering machine detection (amd.ts), the reply delay and the calls one core
 * holds (reply.ts). Each prints its figures and its goal; the corpus is generated into
 * $TMPDIR (cached), never into the repository or the tests.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

let ok = true;
for (const b of ['intents.ts', 'amd.ts', 'reply.ts']) {
  const r = spawnSync(process.execPath, [...process.execArgv, join(import.meta.dirname, b)], {
    stdio: 'inherit',
  });
  ok &&= r.status === 0;
  console.log('');
}
process.exitCode = ok ? 0 : 1;

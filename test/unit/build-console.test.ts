import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../src/cli/build-console.ts';

const repo = path.resolve(import.meta.dirname, '../..');

/** `npm ci` (prepare) and `outbound serve` build the console when it is missing or stale. */
describe('the console is built by the first command', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'outbound-build-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('builds a missing console, leaves a fresh one, rebuilds a stale one', () => {
    cpSync(path.join(repo, 'web'), path.join(root, 'web'), {
      recursive: true,
      filter: (p) => !p.includes(`${path.sep}dist`),
    });
    for (const f of ['node_modules', 'package.json'])
      symlinkSync(path.join(repo, f), path.join(root, f));
    // src/domain copied (its times are changed below), the rest of src linked.
    mkdirSync(path.join(root, 'src'));
    for (const f of readdirSync(path.join(repo, 'src')))
      if (f === 'domain')
        cpSync(path.join(repo, 'src', f), path.join(root, 'src', f), { recursive: true });
      else symlinkSync(path.join(repo, 'src', f), path.join(root, 'src', f));
    const index = path.join(root, 'web/dist/index.html');
    expect(existsSync(index)).toBe(false);
    expect(buildConsole(undefined, root)).toBe('built');
    expect(existsSync(index)).toBe(true);
    // A production build, even under vitest (NODE_ENV=test would give React's development build).
    const js = readdirSync(path.join(root, 'web/dist/assets')).filter((f) => f.endsWith('.js'));
    const code = js.map((f) => readFileSync(path.join(root, 'web/dist/assets', f), 'utf8'));
    expect(code.join('\n')).not.toContain('React DevTools');
    expect(buildConsole(undefined, root)).toBe('fresh');
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(root, 'web/src/App.tsx'), later, later);
    expect(buildConsole(undefined, root)).toBe('built');
    // The console bundles the API's schemas: a changed one in src/domain rebuilds it too.
    const earlier = new Date(Date.now() - 3_600_000);
    utimesSync(path.join(root, 'web/src/App.tsx'), earlier, earlier);
    expect(buildConsole(undefined, root)).toBe('fresh');
    utimesSync(path.join(root, 'src/domain/task-config.ts'), later, later);
    expect(buildConsole(undefined, root)).toBe('built');
  }, 180_000);

  it('does nothing without Vite (an install with --omit=dev)', () => {
    const bare = mkdtempSync(path.join(tmpdir(), 'outbound-bare-'));
    cpSync(path.join(repo, 'web/index.html'), path.join(bare, 'web/index.html'));
    expect(buildConsole(undefined, bare)).toBe('unavailable');
    rmSync(bare, { recursive: true, force: true });
  });

  it('runs at `npm ci` (prepare)', async () => {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.prepare).toContain('src/cli/build-console.ts');
  });
});

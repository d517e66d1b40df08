import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
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
    for (const f of ['node_modules', 'src', 'package.json'])
      symlinkSync(path.join(repo, f), path.join(root, f));
    const index = path.join(root, 'web/dist/index.html');
    expect(existsSync(index)).toBe(false);
    expect(buildConsole(undefined, root)).toBe('built');
    expect(existsSync(index)).toBe(true);
    expect(buildConsole(undefined, root)).toBe('fresh');
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(root, 'web/src/App.tsx'), later, later);
    expect(buildConsole(undefined, root)).toBe('built');
  }, 120_000);

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

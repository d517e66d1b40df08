import { existsSync, mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext } from 'playwright-core';
import { root } from './serve.ts';

/** Debian's Chromium (`apt-get install -y chromium`); the console tests skip without it. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

const run = promisify(execFile);

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds web/dist when it is missing or older than the console's sources. */
export async function ensureWebBuilt(): Promise<void> {
  const index = path.join(root, 'web/dist/index.html');
  const web = path.join(root, 'web');
  // The console bundles the API's schemas (src/domain) for its forms: a schema change rebuilds it.
  const sources = Math.max(
    newest(path.join(web, 'src')),
    newest(path.join(root, 'src/domain')),
    statSync(path.join(web, 'index.html')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const vite = path.join(root, 'node_modules/vite/bin/vite.js');
  await run(process.execPath, [vite, 'build', 'web', '--logLevel', 'warn'], { cwd: root });
}

/** Headless Chromium with a new, empty profile; close() removes the profile. */
export async function launch(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(path.join(tmpdir(), 'outbound-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1440, height: 960 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  // `serve --speed 600` answers slowly while its engine races the accelerated clock: the console's
  // first load (1.7 MB of script) can take tens of seconds on a busy 2-core machine.
  context.setDefaultNavigationTimeout(120_000);
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { buildConsole } from '../../../src/cli/build-console.ts';
import { root } from './serve.ts';

/** Debian's Chromium (`apt-get install -y chromium`); the console tests skip without it. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/**
 * Builds web/dist when it is missing or older than the console's sources, as `outbound serve`
 * does: built aside and moved in place, so a browser test of another file never loads half a build.
 */
export async function ensureWebBuilt(): Promise<void> {
  if (buildConsole(undefined, root) === 'unavailable') throw new Error('cannot build web/dist');
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

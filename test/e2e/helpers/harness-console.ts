import { appendFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeEach } from 'vitest';
import type { EngineHarness } from '../../helpers/engine.ts';
import { launch } from './browser.ts';

/**
 * The console served by an in-process engine harness (virtual clock), in a real Chromium: the
 * harness's app listens on loopback, and `openTask` signs in with a key and opens one tab of a
 * task's details — what the attempt-view and delivery-log tests start from.
 */
export interface HarnessConsole {
  context: BrowserContext;
  /** Signs in with `key` and goes to a console path (e.g. `/tasks/{id}/contacts`). */
  open(key: string, path: string): Promise<Page>;
  openTask(key: string, taskId: string, tab: string): Promise<Page>;
  /**
   * The last few hundred things the pages and the server did (navigations, requests and their
   * answers, console messages, page errors), for a failed test to print: a page that waits
   * forever says why.
   */
  recent(): string;
  close(): Promise<void>;
}

export async function harnessConsole(h: EngineHarness): Promise<HarnessConsole> {
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  const { context, close } = await launch();
  const events: string[] = [];
  const t0 = Date.now();
  const log = (m: string) => {
    events.push(`${String(Date.now() - t0).padStart(7)} ms ${m}`);
    if (events.length > 400) events.splice(0, events.length - 400);
  };
  h.app.server.on('request', (req, res) => {
    const t = Date.now();
    res.on('close', () =>
      log(
        `server ${res.writableFinished ? res.statusCode : 'cut'} ${Date.now() - t} ms ${req.method} ${req.url}`,
      ),
    );
  });
  // Generous: on a loaded CI machine a page can take tens of seconds; a hang still fails.
  context.setDefaultTimeout(60_000);
  const open = async (key: string, path: string) => {
    const p = await context.newPage();
    p.on('framenavigated', (f) => f === p.mainFrame() && log(`page at ${f.url()}`));
    p.on('console', (m) => log(`page console ${m.type()}: ${m.text()}`));
    p.on('pageerror', (e) => log(`page error: ${e.message}`));
    p.on('requestfailed', (r) => log(`page request failed: ${r.url()} ${r.failure()?.errorText}`));
    p.on('crash', () => log('page crashed'));
    await p.goto(url);
    await p.getByTestId('api-key').fill(key);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByTestId('current-tenant').waitFor();
    await p.goto(`${url}${path}`);
    return p;
  };
  return {
    context,
    close,
    open,
    recent: () => events.join('\n'),
    async openTask(key, taskId, tab) {
      const p = await open(key, `/tasks/${taskId}`);
      await p.getByTestId(`tab-${tab}`).click();
      return p;
    },
  };
}

/**
 * Call inside a describe: a failed test of it prints what its console did (`recent()`), so a page
 * that waited forever on a loaded CI machine says why. `npm test` also prints it again at the very
 * end of its output (OUTBOUND_TEST_STORIES, see test/run.ts), where a CI log's tail still shows it.
 */
export function printConsoleOnFailure(ui: () => HarnessConsole | undefined): void {
  beforeEach(({ onTestFailed }) =>
    onTestFailed(({ task }) => {
      const story = `what the console did in "${task.name}":\n${ui()?.recent() ?? '(not open)'}`;
      console.log(story);
      const dir = process.env.OUTBOUND_TEST_STORIES;
      if (dir) appendFileSync(join(dir, `${process.pid}.txt`), `${story}\n\n`);
    }),
  );
}

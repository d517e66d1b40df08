import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
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
  close(): Promise<void>;
}

export async function harnessConsole(h: EngineHarness): Promise<HarnessConsole> {
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  const { context, close } = await launch();
  context.setDefaultTimeout(15_000);
  const open = async (key: string, path: string) => {
    const p = await context.newPage();
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
    async openTask(key, taskId, tab) {
      const p = await open(key, `/tasks/${taskId}`);
      await p.getByTestId(`tab-${tab}`).click();
      return p;
    },
  };
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackChannel } from '../../src/engine/outbox-dispatcher.ts';
import { CallbackSender } from '../../src/notify/http-sender.ts';
import { testResolver } from '../helpers/app.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { workdayTask } from '../helpers/world.ts';
import { CHROMIUM, ensureWebBuilt, hasChromium } from './helpers/browser.ts';
import {
  harnessConsole,
  printConsoleOnFailure,
  type HarnessConsole,
} from './helpers/harness-console.ts';

/**
 * The delivery log in real Chromium (issue #11): the task's receiver was down until the engine
 * gave its callbacks up; it is back, and the administrator sends the failed ones again from the
 * console — one by one or all at once — and watches them arrive.
 */
const skip = !!process.env.DATABASE_URL || !hasChromium;
/** The harness dispatcher's idle period (test/helpers/engine.ts). */
const IDLE_MS = 3600_000;
if (!hasChromium) console.warn(`delivery replay e2e skipped: ${CHROMIUM} is missing`);

describe.skipIf(skip)(
  'the console sends given-up callbacks again (Chromium)',
  { timeout: 180_000 },
  () => {
    let h: EngineHarness;
    let taskId: string;
    let ui: HarnessConsole;
    let up = false;
    const got: string[] = [];
    const rx: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (up) got.push(String(req.headers['x-outbound-idempotency-key']));
        res.statusCode = up ? 200 : 503;
        res.end();
      });
    });
    const sender = new CallbackSender({ resolve: testResolver, timeoutMs: 500 });

    beforeAll(async () => {
      await ensureWebBuilt();
      await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
      const rxBase = `http://127.0.0.1:${(rx.address() as AddressInfo).port}/`;
      h = await engineHarness({
        start: '2026-11-23T09:00:00+08:00',
        settings: { callbackTrustlist: [rxBase], callbackMaxTries: 1 },
        network: { default: { result: 'busy', ringSec: 2 } },
        callbacks: callbackChannel(sender),
      });
      taskId = await h.startTask(
        workdayTask('Receiver down', { callbackUrl: `${rxBase}events` }),
        customers(2),
      );
      await h.runUntil('2026-11-23T09:05:00+08:00');
      ui = await harnessConsole(h);
    }, 120_000);

    printConsoleOnFailure(() => ui);

    afterAll(async () => {
      await ui?.close();
      await h?.stop();
      await sender.close();
      await new Promise<void>((r) => rx.close(() => r()));
    });

    it('sends one failed callback again, then all the others', async () => {
      const p = await ui.openTask(h.key, taskId, 'deliveries');
      const failed = p.getByTestId('delivery-failed');
      await expect.poll(() => failed.count(), { interval: 50, timeout: 10_000 }).toBe(2); // two busy releases

      up = true;
      await failed.first().getByTestId('delivery-replay').click();
      // The dispatcher runs on the harness's clock and looks for due messages at least every idle
      // period (an hour in the harness, a second in `outbound serve`): move the clock on.
      await expect
        .poll(
          async () => {
            await h.runUntil(new Date(h.sched.now().getTime() + IDLE_MS));
            return got.length;
          },
          { interval: 50, timeout: 60_000 },
        )
        .toBe(1);
      await expect.poll(() => failed.count(), { interval: 50, timeout: 10_000 }).toBe(1);

      await p.getByTestId('deliveries-replay').click();
      await expect
        .poll(
          async () => {
            await h.runUntil(new Date(h.sched.now().getTime() + IDLE_MS));
            return got.length;
          },
          { interval: 50, timeout: 60_000 },
        )
        .toBe(2);
      await expect
        .poll(() => p.getByTestId('delivery-delivered').count(), { interval: 50, timeout: 10_000 })
        .toBe(2);
      expect(new Set(got).size).toBe(2);
      await p.close();
    });
  },
);

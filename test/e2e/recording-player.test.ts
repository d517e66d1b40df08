import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { listAudit } from '../../src/store/audit.ts';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { recordAnsweredCalls } from '../helpers/recorded-sim.ts';
import { workdayTask } from '../helpers/world.ts';
import { CHROMIUM, ensureWebBuilt, hasChromium } from './helpers/browser.ts';
import {
  harnessConsole,
  printConsoleOnFailure,
  type HarnessConsole,
} from './helpers/harness-console.ts';

/**
 * The console's attempt view plays a call's recording in real Chromium: the WAV is fetched with
 * the console's key (an <audio src> cannot send it) and handed to the player as an object URL.
 * The engine runs in-process on a virtual clock, with the sim network standing in for an adapter
 * that records (test/helpers/recorded-sim.ts).
 */
const skip = !!process.env.DATABASE_URL || !hasChromium;
if (!hasChromium) console.warn(`recording player e2e skipped: ${CHROMIUM} is missing`);

describe.skipIf(skip)('the console plays recordings (Chromium)', () => {
  let h: EngineHarness;
  let dir: string;
  let taskId: string;
  let ui: HarnessConsole;

  beforeAll(async () => {
    await ensureWebBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-e2e-recordings-'));
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      app: { recordingsDir: dir },
      network: { rules: [{ match: '0002$', outcomes: [{ result: 'busy', ringSec: 2 }] }] },
    });
    recordAnsweredCalls(h.sim, dir, 1.5);
    taskId = await h.startTask(workdayTask('Recorded calls'), customers(2));
    await h.runUntil('2026-11-23T10:00:00+08:00');
    ui = await harnessConsole(h);
  }, 120_000);

  printConsoleOnFailure(() => ui);

  afterAll(async () => {
    await ui?.close();
    await h?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function callsOf(key: string, sessionId: string): Promise<Page> {
    const p = await ui.openTask(key, taskId, 'results');
    await p.getByTestId(`result-${sessionId}`).getByTestId('result-details').click();
    await p.getByTestId('attempts-table').waitFor();
    return p;
  }

  it('fetches the WAV with the key and plays it in an <audio> element', async () => {
    const reads = async () =>
      (await listAudit(h.store.db, 'acme', { limit: 1000 })).filter(
        (e) => e.action === 'recordings.read',
      ).length;
    const before = await reads();
    const p = await callsOf(h.key, 'c0001');
    const table = p.getByTestId('attempts-table');
    expect(await table.textContent()).toContain('2 s');
    await table.getByRole('button', { name: 'Play' }).click();
    const audio = p.getByTestId('recording-player');
    await audio.waitFor();
    expect(await audio.getAttribute('src')).toMatch(/^blob:/);
    // Chromium decoded the bytes it was given: a 1.5 s WAV.
    await expect
      .poll(() => audio.evaluate((a: HTMLAudioElement) => a.readyState), { interval: 50 })
      .toBeGreaterThanOrEqual(1);
    const duration = await audio.evaluate((a: HTMLAudioElement) => a.duration);
    expect(duration).toBeCloseTo(1.5, 1);
    expect(await reads()).toBeGreaterThan(before);
    await p.close();
  });

  it('shows no recording for an unanswered call, and no Play button to a viewer', async () => {
    const busy = await callsOf(h.key, 'c0002');
    const rows = busy.getByTestId('attempts-table').locator('tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    expect(await busy.getByRole('button', { name: 'Play' }).count()).toBe(0);
    await busy.close();
    const viewer = (
      await h.call(h.key, {
        method: 'POST',
        url: '/api/v1/tenants/acme/keys',
        payload: { name: 'v', role: 'viewer' },
      })
    ).body.key as string;
    const p = await callsOf(viewer, 'c0001');
    expect(await p.getByTestId('attempts-table').textContent()).toContain('2 s');
    expect(await p.getByRole('button', { name: 'Play' }).count()).toBe(0);
    await p.close();
  });
});

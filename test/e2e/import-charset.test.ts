import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { fullTaskConfig } from '../helpers/world.ts';
import { CHROMIUM, ensureWebBuilt, hasChromium } from './helpers/browser.ts';
import {
  harnessConsole,
  printConsoleOnFailure,
  type HarnessConsole,
} from './helpers/harness-console.ts';

/**
 * The console's import dialog offers the file's character set (issue #11): a contact list saved
 * by a spreadsheet in GBK imports exactly when GB18030 is chosen, and a wrong choice is refused row
 * by row instead of storing garbled text.
 */
const skip = !!process.env.DATABASE_URL || !hasChromium;
if (!hasChromium) console.warn(`import charset e2e skipped: ${CHROMIUM} is missing`);

describe.skipIf(skip)('the console imports a CSV file in its character set (Chromium)', () => {
  let h: EngineHarness;
  let ui: HarnessConsole;
  let taskId: string;
  let tmp: string;

  beforeAll(async () => {
    await ensureWebBuilt();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-charset-'));
    h = await engineHarness({ start: '2026-11-23T08:00:00+08:00' });
    const r = await h.call(h.key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/tasks',
      payload: fullTaskConfig({ name: 'GBK list' }),
    });
    taskId = r.body.id;
    ui = await harnessConsole(h);
  }, 120_000);

  printConsoleOnFailure(() => ui);

  afterAll(async () => {
    await ui?.close();
    await h?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('reads GBK text when GB18030 is chosen, and refuses it read as UTF-8', async () => {
    // 深圳 in GBK bytes, as a Chinese-language spreadsheet saves "CSV".
    const file = path.join(tmp, 'list.csv');
    fs.writeFileSync(
      file,
      Buffer.concat([
        Buffer.from('sessionId,number1,vip,customField\nG-1,13800000041,1,'),
        Buffer.from([0xc9, 0xee, 0xdb, 0xda]),
        Buffer.from('\n'),
      ]),
    );
    const p = await ui.open(h.key, `/tasks/${taskId}/contacts`);
    await p.locator('input[type=file]').setInputFiles(file);
    const report = p.getByTestId('import-report');
    await report.waitFor();
    expect(await report.textContent()).toContain('0 new, 0 updated, 1 rejected of 1 rows');
    expect(await p.getByTestId('import-errors').textContent()).toContain('charset');

    await p.getByTestId('upload-charset').click();
    await p.getByRole('option', { name: 'CSV in GB18030 / GBK' }).click();
    // The same file again, now read as GB18030.
    await p.locator('input[type=file]').setInputFiles(file);
    await expect
      .poll(() => report.textContent(), { interval: 50, timeout: 10_000 })
      .toContain('1 new, 0 updated, 0 rejected of 1 rows');
    const c = await h.call(h.key, {
      method: 'GET',
      url: `/api/v1/tenants/acme/tasks/${taskId}/contacts/G-1`,
    });
    expect(c.body.customField).toBe('深圳');
    await p.close();
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { acmeWithTask } from '../helpers/world.ts';

/**
 * A contact file as a spreadsheet program writes it (issue #18): Gnumeric's `ssconvert`
 * recalculates a workbook with formulas and saves it as XLSX the way spreadsheet programs do —
 * pretty-printed XML, inline strings, formula cells with their cached text or number. The import
 * takes each formula's last calculated value and says so in the warnings.
 */
const hasSsconvert = spawnSync('ssconvert', ['--version'], { stdio: 'ignore' }).error === undefined;
if (!hasSsconvert)
  console.warn(
    'ssconvert is missing (apt-get install -y gnumeric): spreadsheet import test skipped',
  );

describe.skipIf(!hasSsconvert)('an XLSX file written by a spreadsheet program (Gnumeric)', () => {
  let t: TestApp;
  let key: string;
  let taskId: string;
  const tasks = '/api/v1/tenants/acme/tasks';
  beforeAll(async () => {
    ({ t, key, taskId } = await acmeWithTask());
  });
  afterAll(() => t.close());

  it('imports formula cells by their calculated value, exactly, and warns about them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbound-ss-'));
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('customers');
    ws.addRow(['sessionId', 'number1', 'customField', 'vip', 'city']);
    ws.addRow([
      'S-1',
      '13800000031',
      { formula: 'UPPER("order 8812")' },
      { formula: '1+1' },
      'Zürich',
    ]);
    ws.addRow(['S-2', { formula: '"1380000"&"0032"' }, 'plain text', 3, '深圳']);
    ws.addRow(['S-3', '13800000033', 'two  spaces inside', 1, '']);
    await wb.xlsx.writeFile(join(dir, 'in.xlsx'));
    const conv = spawnSync('ssconvert', ['--recalc', join(dir, 'in.xlsx'), join(dir, 'out.xlsx')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(conv.status, conv.stderr).toBe(0);

    const r = await t.call(key, {
      method: 'POST',
      url: `${tasks}/${taskId}/contacts/import`,
      payload: readFileSync(join(dir, 'out.xlsx')),
      headers: {
        'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ received: 3, inserted: 3, rejected: 0 });
    expect(r.body.warnings).toEqual([
      expect.objectContaining({
        row: 1,
        sessionId: 'S-1',
        message: expect.stringMatching(/'customField', 'vip' hold formulas/),
      }),
      expect.objectContaining({
        row: 2,
        sessionId: 'S-2',
        message: expect.stringMatching(/'number1' holds a formula/),
      }),
    ]);
    const get = async (sid: string) =>
      (await t.call(key, { method: 'GET', url: `${tasks}/${taskId}/contacts/${sid}` })).body;
    expect(await get('S-1')).toMatchObject({
      customField: 'ORDER 8812',
      attributes: { vip: 2, city: 'Zürich' },
      numbers: [expect.objectContaining({ number: '13800000031' })],
    });
    expect(await get('S-2')).toMatchObject({
      customField: 'plain text',
      attributes: { vip: 3, city: '深圳' },
      numbers: [expect.objectContaining({ number: '13800000032' })],
    });
    expect((await get('S-3')).customField).toBe('two  spaces inside');
  });
});

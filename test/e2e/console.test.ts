import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, ensureWebBuilt, hasChromium, launch } from './helpers/browser.ts';
import { root, startServe, type Served } from './helpers/serve.ts';
import { contactsCsv, seedWorld, type World } from './helpers/world.ts';
import { setDateTime, setTime } from './helpers/inputs.ts';

/**
 * The web console in a real browser (Debian's Chromium, headless) against `outbound serve` on a
 * fresh embedded database with a clock 600× faster than real time: the seed's business scenario
 * through the wizard, contacts from a file, dialing on the sim network until completed, results
 * and an export; the isolation rule in the choices; server errors on their fields. Screenshots of
 * the main pages are taken on every run; `npm run screenshots` (OUTBOUND_SCREENSHOTS=1) writes them
 * to docs/screenshots/ for the README, other runs keep them in a temporary directory.
 */
const skip = !!process.env.DATABASE_URL || !hasChromium;
if (!hasChromium)
  console.warn(`console e2e skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

/** Waits for a value the page shows (polled; no sleeping). */
const eventually = <T>(read: () => Promise<T>, o: { timeout?: number } = {}) =>
  expect.poll(read, { timeout: o.timeout ?? 60_000, interval: 50 });

const TASK = 'Product change notice';

describe.skipIf(skip)('the web console in Chromium', () => {
  let served: Served;
  let world: World;
  let context: BrowserContext;
  let closeBrowser: () => Promise<void>;
  const tmp = mkdtempSync(path.join(tmpdir(), 'outbound-console-'));
  const shots = process.env.OUTBOUND_SCREENSHOTS
    ? path.join(root, 'docs/screenshots')
    : path.join(tmp, 'screenshots');

  // The task's callback receiver, on loopback: it turns the very first callback away (503).
  let receiver: Server;
  let callbackUrl: string;
  const received: string[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const key = String(req.headers['x-outbound-idempotency-key']);
        res.statusCode = received.length === 0 && !received.includes(key) ? 503 : 200;
        received.push(key);
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as AddressInfo).port;
    callbackUrl = `http://127.0.0.1:${port}/outbound/events`;
    // Built first: the service clock runs 600× from the moment serve starts.
    await ensureWebBuilt();
    served = await startServe({ speed: 600, from: '2026-11-23T08:55:00+08:00' });
    world = await seedWorld(served.url, served.key, [`http://127.0.0.1:${port}/`]);
    const b = await launch();
    context = b.context;
    closeBrowser = b.close;
    context.setDefaultTimeout(60_000);
    mkdirSync(shots, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await closeBrowser?.();
    await served?.stop();
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
    rmSync(tmp, { recursive: true, force: true });
  });

  async function shot(page: Page, name: string) {
    // From the top: the console's header is fixed.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  }

  async function signIn(key: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(served.url);
    await page.getByTestId('api-key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('current-tenant').waitFor();
    return page;
  }

  /** Picks an option of a Mantine Select/MultiSelect by its label. */
  async function choose(page: Page, testId: string, option: string | RegExp) {
    // Mantine's pill input lies over a MultiSelect's field: click through it.
    await page.getByTestId(testId).click({ force: true });
    await page.getByRole('option', { name: option }).click();
  }

  async function optionsOf(page: Page, testId: string): Promise<string[]> {
    await page.getByTestId(testId).click({ force: true });
    const listbox = page.getByRole('listbox');
    await listbox.waitFor();
    const names = await listbox.getByRole('option').allTextContents();
    await page.keyboard.press('Escape');
    return names;
  }

  it('runs the seed scenario: wizard, contacts, dialing to completion, results, export', async () => {
    const page = await context.newPage();
    await page.goto(served.url);
    await page.getByTestId('api-key').waitFor();
    await shot(page, 'sign-in');
    await page.close();

    const p = await signIn(world.admin);
    await eventually(() => p.getByTestId('current-tenant').textContent()).toContain('acme');

    // The flow must be published before a task can select it.
    await p.getByTestId('nav-flows').click();
    await p.getByTestId('resource-flow-notice').getByTestId('resource-publish').click();
    await p.getByTestId('resource-flow-notice').getByText('Published', { exact: true }).waitFor();
    await shot(p, 'resources-flows');

    // Steps 1–2: Call Mgmt > New > IVR outbound call.
    await p.getByTestId('nav-tasks').click();
    await p.getByTestId('new-task').click();
    await p.getByTestId('new-ivr').click();

    // Step 3: basic information.
    await p.getByTestId('f-name').fill(TASK);
    await p.getByTestId('f-callback').fill(callbackUrl);
    await choose(p, 'f-flow', /flow-notice|Product notice/);
    await p.getByTestId('f-callers').click();
    await p.getByTestId('caller-add').click();
    await choose(p, 'caller-add-select', /\+862188880001/);
    await choose(p, 'caller-add-select', /\+862188880002/);
    await p.keyboard.press('Escape');
    await p.getByTestId('caller-add-ok').click();
    await eventually(() => p.getByTestId('caller-count').textContent()).toBe(
      '2 of at most 100 selected',
    );
    await shot(p, 'caller-numbers');
    await p.getByTestId('caller-ok').click();
    await eventually(() => p.getByTestId('caller-summary').textContent()).toBe(
      '+862188880001, +862188880002',
    );
    await setDateTime(p, 'f-start', '2026-11-23T00:00');
    await setDateTime(p, 'f-end', '2026-12-31T23:59');
    await shot(p, 'wizard-basic');

    // Step 4: working hours on workdays; weekends are a special date with their own period.
    await p.getByTestId('wizard-next').click();
    await setTime(p, 'regular-0-start', '09:00');
    await setTime(p, 'regular-0-end', '11:30');
    await p.getByTestId('regular-add').click();
    await setTime(p, 'regular-1-start', '14:00');
    await setTime(p, 'regular-1-end', '18:00');
    await choose(p, 'f-special-dates', /Weekends/);
    await p.keyboard.press('Escape');
    await p.getByTestId('special-all-day').click();
    await shot(p, 'wizard-windows');

    // Step 5: pacing, with the effective rate computed live.
    await p.getByTestId('wizard-next').click();
    await p.getByTestId('f-interval').fill('10');
    await p.getByTestId('f-calls').fill('100');
    await eventually(() => p.getByTestId('effective-rate').textContent()).toBe(
      '30 calls every 3 s',
    );
    await p.getByTestId('f-interval').fill('3');
    await p.getByTestId('f-calls').fill('3');
    await eventually(() => p.getByTestId('effective-rate').textContent()).toBe('3 calls every 3 s');
    expect(await p.getByTestId('channel-limit').textContent()).toBe('30');
    await shot(p, 'wizard-strategy');

    // Step 6: busy customers are called twice more; unallocated numbers never again.
    await p.getByTestId('wizard-next').click();
    await p.getByTestId('policy-global-by-result').click();
    await p.getByTestId('policy-global-add-rule').click();
    await choose(p, 'policy-global-rule-0-result', 'busy');
    await p.getByTestId('policy-global-rule-0-retries').fill('2');
    await p.getByTestId('policy-global-rule-0-interval').fill('300');
    await choose(p, 'policy-global-non-retry', 'unallocated');
    await p.keyboard.press('Escape');
    await shot(p, 'wizard-policy');

    // Step 7: save as template; step 8: save.
    await p.getByTestId('save-template').click();
    await p.getByTestId('template-name').fill('Product notice template');
    await p.getByTestId('template-ok').click();
    await p.getByTestId('wizard-notice').waitFor();
    await p.getByTestId('wizard-save').click();
    const row = p.getByTestId(`task-row-${TASK}`);
    await row.waitFor();
    expect(await row.getByTestId('task-state').textContent()).toBe('draft');
    expect(await row.getByTestId('op-suspend').getAttribute('title')).toContain('only a running');

    // Step 9: the contact list, from a CSV file; the bad row is reported, the others land.
    await row.getByTestId('op-contacts').click();
    const csv = path.join(tmp, 'customers.csv');
    writeFileSync(csv, contactsCsv());
    await p.locator('input[type=file]').setInputFiles(csv);
    const report = p.getByTestId('import-report');
    await report.waitFor();
    expect(await report.textContent()).toContain('20 new, 0 updated, 1 rejected of 21 rows');
    expect(await p.getByTestId('import-errors').textContent()).toContain('C-BAD');
    await p.getByTestId('search-session').fill('C-0001');
    await p.getByTestId('contact-table').getByText('C-0001').waitFor();
    await p.getByTestId('explain').first().click();
    expect(await p.getByTestId('explanation').textContent()).toContain('draft');
    await p.keyboard.press('Escape');
    await p.getByTestId('search-session').fill('');
    await shot(p, 'contacts');

    // Step 10: start; the task dials on the sim network until every customer is finished.
    await p.getByRole('link', { name: 'Call management' }).first().click();
    await row.getByTestId('op-start').click();
    await p.getByRole('link', { name: TASK }).click();
    await p.getByTestId('progress-panel').waitFor();
    await eventually(() => p.getByTestId('detail-state').textContent(), { timeout: 100_000 }).toBe(
      'completed',
    );
    await eventually(() => p.getByTestId('progress-finished').textContent()).toBe('20 / 20');
    await p.getByTestId('calls-chart').waitFor();
    expect(await p.getByTestId('final-results').textContent()).toContain('success');
    await shot(p, 'task-progress');
    expect(await p.getByTestId('detail-start').getAttribute('title')).toContain('completed');

    // Results per customer: Details lists the calls; Business Result records a remark.
    await p.getByTestId('tab-results').click();
    const first = p.getByTestId('result-C-0001');
    await first.waitFor();
    await first.getByTestId('result-details').click();
    await p.getByTestId('attempts-table').getByText('+8613800000001').waitFor();
    await p.keyboard.press('Escape');
    await first.getByTestId('result-business').click();
    await choose(p, 'br-code', 'Interested');
    await p.getByTestId('br-save').click();
    await first.getByText('interested').waitFor();
    await shot(p, 'task-results');

    // Export, View Export Result, download.
    await p.getByTestId('tab-exports').click();
    await p.getByTestId('export-csv').click();
    await p.getByTestId('export-done').waitFor({ timeout: 30_000 });
    await shot(p, 'task-exports');
    const [download] = await Promise.all([
      p.waitForEvent('download'),
      p.getByTestId('export-download').first().click(),
    ]);
    const file = path.join(tmp, download.suggestedFilename());
    await download.saveAs(file);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('C-0001');
    expect(text).toContain('C-0020');

    // The delivery log: every callback delivered to the receiver, the one it turned away retried.
    await p.getByTestId('tab-deliveries').click();
    await eventually(() => p.getByTestId('delivery-pending').count()).toBe(0);
    const delivered = p.getByTestId('delivery-delivered');
    await delivered.first().waitFor();
    expect(await delivered.count()).toBeGreaterThan(0);
    expect(await delivered.filter({ hasText: 'C-0001' }).count()).toBeGreaterThan(0);
    const keys = new Set(received);
    expect(received.length).toBe(keys.size + 1); // the turned-away one came again, once
    await shot(p, 'task-deliveries');

    // Back in the list: completed tasks can be suspended, not edited until then.
    await p.getByRole('link', { name: 'Call management' }).first().click();
    expect(await row.getByTestId('op-edit').getAttribute('title')).toContain(
      'suspend the task first',
    );
    await row.getByTestId('op-suspend').click();
    await eventually(() => row.getByTestId('task-state').textContent()).toBe('suspended');
    await shot(p, 'task-list');

    // The seed's follow-up: edit the suspended task and change its caller numbers.
    await row.getByTestId('op-edit').click();
    await eventually(() => p.getByTestId('f-name').inputValue()).toBe(TASK);
    await p.getByTestId('f-callers').click();
    await eventually(() => p.getByTestId('caller-count').textContent()).toBe(
      '2 of at most 100 selected',
    );
    await p.getByTestId('caller-selected').getByRole('button', { name: 'Remove' }).first().click();
    await p.getByTestId('caller-ok').click();
    await eventually(() => p.getByTestId('caller-summary').textContent()).toBe('+862188880002');
    await p.getByTestId('wizard-save').click();
    await row.waitFor();
    expect(await row.getByTestId('task-state').textContent()).toBe('suspended');
    await p.close();
  }, 400_000);

  it('offers only the task OU and Unorganized under isolation, and shows server errors on their fields', async () => {
    const p = await signIn(world.admin);
    await p.getByTestId('new-task').click();
    await p.getByTestId('new-ivr').click();
    await choose(p, 'f-ou', 'Sales');
    const flows = await optionsOf(p, 'f-flow');
    expect(flows.some((f) => f.includes('flow-sales') || f.includes('Sales flow'))).toBe(true);
    expect(flows.some((f) => f.includes('Product notice'))).toBe(true);
    expect(flows.some((f) => f.includes('Service flow'))).toBe(false);
    await p.getByTestId('f-callers').click();
    await p.getByTestId('caller-add').click();
    const numbers = await optionsOf(p, 'caller-add-select');
    expect(numbers.some((n) => n.includes('+862188880003'))).toBe(true);
    expect(numbers.some((n) => n.includes('+862188880009'))).toBe(false);
    await p.keyboard.press('Escape');
    await p.getByTestId('caller-ok').waitFor({ state: 'hidden' });

    // A robot task offers a skill queue; business result and manual questionnaire need one.
    await p.getByText('Intelligent robot outbound call').click();
    await p.getByTestId('f-robot').waitFor();
    expect(await p.getByTestId('f-business-result').count()).toBe(0);
    await choose(p, 'f-skill-queue', /VIP care/);
    await p.getByTestId('f-business-result').waitFor();
    await p.getByTestId('f-manual-questionnaire').waitFor();
    await p.getByText('Common IVR outbound call').click();
    expect(await p.getByTestId('f-skill-queue').count()).toBe(0);

    // Nothing chosen, a ring time out of range: every error comes back at once, on its field.
    await p.getByTestId('step-2').click();
    await p.getByTestId('f-max-ring').fill('200');
    await p.getByTestId('wizard-save').click();
    await p.getByTestId('wizard-error').waitFor();
    const errors = await p.getByTestId('wizard-error').textContent();
    // In the wizard's own words: its step and field labels, not JSON paths.
    expect(errors).toContain('Basic information › Task name');
    expect(errors).toContain('Task strategy › Max. response duration (s)');
    expect(errors).not.toContain('/strategy');
    await p
      .getByTestId('step-0-panel')
      .getByText('choose 1 to 100 caller numbers or a caller number group')
      .waitFor();
    await shot(p, 'wizard-errors');
    await p.getByTestId('step-2').click();
    await p
      .getByText('must be <= 120')
      .or(p.getByText(/between 5 and 120/))
      .first()
      .waitFor();
    await p.close();

    // An OU operator works in its OU, shown at all times; the task's OU is fixed to it.
    const op = await signIn(world.salesOperator);
    // By name once the OUs are loaded (the id until then).
    await eventually(() => op.getByTestId('current-ou').textContent()).toContain('Sales');
    await op.getByTestId('new-task').click();
    await op.getByTestId('new-ivr').click();
    expect(await op.getByTestId('f-ou').isDisabled()).toBe(true);
    await op.close();
  }, 180_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { TSchema } from '@sinclair/typebox';
import { Robot } from '../../src/domain/resources.ts';
import { CHROMIUM, ensureWebBuilt, hasChromium, launch } from './helpers/browser.ts';
import path from 'node:path';
import { root, startServe, type Served } from './helpers/serve.ts';

/**
 * The resource forms in Chromium against `outbound serve`: every kind created through its form
 * (no JSON typed), required fields marked and checked by the API's own schema with errors that go
 * as soon as the field is fixed, server rules shown on their field, a confirmation after saving,
 * the empty page, OU and group names in the columns, and a number type created from the wizard's
 * policy step (seed, step 6). The tenant itself is made over the API, as a system administrator
 * would.
 */
const skip = !!process.env.DATABASE_URL || !hasChromium;
if (!hasChromium) console.warn(`resource forms e2e skipped: ${CHROMIUM} is missing`);

const T = 'forms';

/** Robot kinds the API knows (the speech kind, once defined, is created through the form too). */
const ROBOT_KINDS = ((Robot.properties as Record<string, TSchema>).kind?.anyOf ?? []).map(
  (s: { const?: unknown }) => s.const,
);
const DIALOGUE = {
  start: 'bye',
  steps: [{ id: 'bye', type: 'hangup', prompt: { text: 'Goodbye.' } }],
};

/** `OUTBOUND_SCREENSHOTS=1` writes the forms' pictures for docs/console.md. */
async function shot(page: Page, name: string) {
  if (!process.env.OUTBOUND_SCREENSHOTS) return;
  await page.screenshot({ path: path.join(root, 'docs/screenshots', `${name}.png`) });
}

describe.skipIf(skip)('resource forms in Chromium', { timeout: 180_000 }, () => {
  let served: Served;
  let context: BrowserContext;
  let closeBrowser: () => Promise<void>;
  let admin: string;
  let page: Page;

  async function api(method: string, path: string, body?: unknown) {
    const res = await fetch(`${served.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${method === 'POST' && path === '/tenants' ? served.key : admin}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  beforeAll(async () => {
    await ensureWebBuilt();
    served = await startServe();
    await api('POST', '/tenants', {
      id: T,
      name: 'Forms Ltd',
      settings: { timeZone: '+08:00', isolation: true, ownCallerNumbers: true },
    });
    const res = await fetch(`${served.url}/api/v1/tenants/${T}/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${served.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'forms admin', role: 'tenant_admin' }),
    });
    admin = String(((await res.json()) as { key: string }).key);
    const b = await launch();
    context = b.context;
    closeBrowser = b.close;
    context.setDefaultTimeout(60_000);
    page = await context.newPage();
    if (process.env.DEBUG_CONSOLE) page.on('console', (m) => console.log('browser:', m.text()));
    await page.goto(served.url);
    await page.getByTestId('api-key').fill(admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('current-tenant').waitFor();
  }, 240_000);

  afterAll(async () => {
    await closeBrowser?.();
    await served?.stop();
  });

  const go = async (kind: string) => {
    await page.getByTestId(`nav-${kind}`).click();
    await page.getByTestId('resource-new').waitFor();
  };
  const fill = (field: string, value: string) => page.getByTestId(`rf-${field}`).fill(value);
  /** Picks an option of a Mantine Select/MultiSelect by its label. */
  async function choose(testId: string, option: string | RegExp) {
    await page.getByTestId(testId).click({ force: true });
    await page.getByRole('option', { name: option }).click();
  }
  /** Saves the open form and waits for the confirmation and the new row. */
  async function save(id: string) {
    await page.getByTestId('resource-save').click();
    await expect
      .poll(() => page.getByTestId('resource-saved').textContent())
      .toMatch(new RegExp(`Saved: .* ${id.replace(/[+]/g, '\\+')} created`));
    await page.getByTestId(`resource-${id}`).waitFor();
  }
  const row = (id: string) => page.getByTestId(`resource-${id}`);

  it('says what an empty kind is for and offers New there', async () => {
    await go('ous');
    const empty = page.getByTestId('resource-empty');
    await expect.poll(() => empty.textContent()).toContain('No organization unit yet');
    expect(await empty.textContent()).toContain('Departments of the tenant');
    await shot(page, 'resources-empty');
    await expect.poll(() => page.getByTestId('resource-table').count()).toBe(0);
    await empty.getByTestId('resource-empty-new').click();
    await fill('id', 'ou-sales');
    await fill('name', 'Sales');
    await save('ou-sales');
    await expect.poll(() => page.getByTestId('resource-empty').count()).toBe(0);
  });

  it('marks required fields, checks them with the API schema and clears an error once fixed', async () => {
    await go('skill-queues');
    await page.getByTestId('resource-empty-new').click();
    // Required marks come from the schema: id and name are required, OU has a default.
    const label = async (f: string) => {
      const id = await page.getByTestId(`rf-${f}`).getAttribute('id');
      return page.locator(`label[for="${id}"]`);
    };
    expect(await (await label('id')).textContent()).toContain('*');
    expect(await (await label('ouId')).textContent()).not.toContain('*');
    await fill('id', 'bad id');
    await page.getByTestId('resource-save').click();
    const errors = page.getByTestId('resource-errors');
    await expect.poll(() => errors.textContent()).toContain('Name: Required');
    await shot(page, 'resource-form-errors');
    expect(await errors.textContent()).toContain('Id: Letters, digits and - _ . only');
    await expect.poll(() => page.getByTestId('rf-name').getAttribute('aria-invalid')).toBe('true');
    // Fixing the name clears its error at once; the id's stays until the id is fixed.
    await fill('name', 'VIP care');
    await expect
      .poll(() => page.getByTestId('rf-name').getAttribute('aria-invalid'))
      .not.toBe('true');
    expect(await page.getByTestId('rf-id').getAttribute('aria-invalid')).toBe('true');
    await fill('id', 'vip care2');
    await expect.poll(() => errors.textContent()).toContain('Id: Letters');
    await fill('id', 'vip-care');
    await expect.poll(() => errors.count()).toBe(0);
    await save('vip-care');
  });

  it(
    'creates every kind through its form, with names in the OU and group columns',
    { timeout: 240_000 },
    async () => {
      await go('caller-numbers');
      await page.getByTestId('resource-empty-new').click();
      await fill('number', '+862188880001');
      await choose('rf-ouId', 'Sales');
      await save('+862188880001');
      await page.getByTestId('resource-new').click();
      await fill('number', '+862188880002');
      await save('+862188880002');
      expect(await row('+862188880001').getByTestId('resource-ou').textContent()).toBe('Sales');
      expect(await row('+862188880002').getByTestId('resource-ou').textContent()).toBe(
        'Unorganized',
      );

      await go('caller-groups');
      await page.getByTestId('resource-empty-new').click();
      await fill('id', 'grp-main');
      await fill('name', 'Main numbers');
      await choose('rf-numbers', '+862188880002');
      await page.keyboard.press('Escape');
      await save('grp-main');
      await go('caller-numbers');
      await expect
        .poll(() => row('+862188880002').getByTestId('resource-groups').textContent())
        .toBe('Main numbers');

      await go('special-dates');
      await page.getByTestId('resource-empty-new').click();
      await fill('id', 'weekend');
      await fill('name', 'Weekends');
      await page.getByTestId('rf-weekday-6').check();
      await page.getByTestId('rf-weekday-7').check();
      await save('weekend');
      expect(await row('weekend').textContent()).toContain('Sat, Sun');
      // A rule only the server knows (a range that ends before it starts) lands on its field.
      await page.getByTestId('resource-new').click();
      await fill('id', 'holiday');
      await fill('name', 'National Day');
      await choose('rf-type', 'Date range');
      await fill('from', '2026-10-07');
      await page.keyboard.press('Enter');
      await fill('to', '2026-10-01');
      await page.keyboard.press('Enter');
      await page.getByTestId('resource-save').click();
      await expect
        .poll(() => page.getByTestId('resource-errors').textContent())
        .toContain('must not be before from');
      expect(await page.getByTestId('rf-to').getAttribute('aria-invalid')).toBe('true');
      await fill('from', '2026-10-01');
      await page.keyboard.press('Enter');
      await fill('to', '2026-10-07');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByTestId('resource-errors').count()).toBe(0);
      await save('holiday');
      expect(await row('holiday').textContent()).toContain('2026-10-01 – 2026-10-07');

      await go('blocklists');
      await page.getByTestId('resource-empty-new').click();
      await fill('id', 'bl-default');
      await fill('name', 'Do not call');
      // Many numbers pasted at once, then one limited and one blocked until a day (tenant zone).
      await fill('paste-numbers', '+8613800000099\n+8613800000098, +8613800000099');
      await page.getByTestId('rf-paste-add').click();
      await choose('rf-entries.1.limit', 'Per day');
      await fill('entries.1.times', '2');
      await page.getByTestId('rf-entries-add').click();
      await fill('entries.2.number', '+8613800000097');
      await fill('entries.2.expiresOn', '2026-12-31');
      await page.keyboard.press('Enter');
      await save('bl-default');
      const bl = await api('GET', `/tenants/${T}/blocklists/bl-default`);
      expect(bl.entries).toEqual([
        // 23:59 on that day in the tenant's zone (+08:00), as the API stores instants.
        { number: '+8613800000097', expiresAt: '2026-12-31T15:59:00.000Z', restrict: null },
        { number: '+8613800000098', expiresAt: null, restrict: { times: 2, period: 'day' } },
        { number: '+8613800000099', expiresAt: null, restrict: null },
      ]);

      await go('sms-templates');
      await page.getByTestId('resource-empty-new').click();
      await fill('id', 'sms-missed');
      await choose('rf-type', 'SMS gateway');
      await fill('text', 'We tried to reach you.');
      await save('sms-missed');

      await go('attributes');
      await page.getByTestId('resource-empty-new').click();
      await fill('code', 'city');
      await fill('name', 'City');
      await page.getByTestId('rf-mandatory').check();
      await save('city');
      expect(await row('city').textContent()).toContain('Text, Mandatory');

      await go('number-types');
      await page.getByTestId('resource-empty-new').click();
      await fill('id', 'mobile');
      await fill('name', 'Mobile');
      await save('mobile');

      await go('business-results');
      await page.getByTestId('resource-empty-new').click();
      await fill('id', 'interested');
      await fill('name', 'Interested');
      await page.getByTestId('rf-subResults-add').click();
      await fill('subResults.0.code', 'callback');
      await fill('subResults.0.name', 'Call back later');
      await save('interested');
      expect(await row('interested').textContent()).toContain('Call back later');

      await go('result-definitions');
      await page.getByTestId('resource-empty-new').click();
      await fill('code', 'R-NOREACH');
      await fill('label', 'Not reached');
      await choose('rf-results', 'no_answer');
      await choose('rf-results', 'ring_timeout');
      await page.keyboard.press('Escape');
      await save('R-NOREACH');

      await go('questionnaires');
      await page.getByTestId('resource-empty-new').click();
      await fill('id', 'q-satisfaction');
      await fill('name', 'Satisfaction');
      await page.getByTestId('rf-questions-add').click();
      await fill('questions.0.text', 'Were you satisfied? Press 1 for yes, 2 for no.');
      await page.getByTestId('rf-questions.0.answers-add').click();
      await fill('questions.0.answers.0.key', '1');
      await fill('questions.0.answers.0.label', 'Yes');
      await page.getByTestId('rf-questions.0.answers-add').click();
      await fill('questions.0.answers.1.key', '2');
      await shot(page, 'resource-form-questionnaire');
      await save('q-satisfaction');
      const q = await api('GET', `/tenants/${T}/questionnaires/q-satisfaction`);
      expect(q.questions).toEqual([
        {
          id: 'q1',
          text: 'Were you satisfied? Press 1 for yes, 2 for no.',
          answers: [{ key: '1', label: 'Yes' }, '2'],
        },
      ]);

      await go('robots');
      await page.getByTestId('resource-empty-new').click();
      await fill('id', 'robot-1');
      await fill('name', 'Sales robot');
      await fill('endpoint', 'https://robot.forms.invalid/turn');
      // The robot's document (a speech robot's dialogue) is JSON in the form: checked before Save.
      await fill('document', '{"nodes": [');
      await page.getByTestId('resource-save').click();
      await expect
        .poll(() => page.getByTestId('rf-document').getAttribute('aria-invalid'))
        .toBe('true');
      await fill('document', '{}');
      await save('robot-1');
      expect(await row('robot-1').textContent()).toContain('https://robot.forms.invalid/turn');
      if (ROBOT_KINDS.includes('speech')) {
        // A speech robot: no endpoint. Its dialogue has fields (test/e2e/speech-robot.test.ts);
        // one they cannot show (no question) is typed as JSON.
        await page.getByTestId('resource-new').click();
        await fill('id', 'robot-speech');
        await choose('rf-kind', 'Speech robot');
        await expect.poll(() => page.getByTestId('rf-endpoint').count()).toBe(0);
        await page.getByTestId('rf-dialogue-json').click({ force: true });
        await fill('document', JSON.stringify(DIALOGUE));
        await save('robot-speech');
        const r = await api('GET', `/tenants/${T}/robots/robot-speech`);
        expect(r).toMatchObject({ kind: 'speech', document: DIALOGUE });
        expect(r.endpoint ?? null).toBeNull();
      }

      // Editing: the id is fixed, the change is confirmed.
      await go('skill-queues');
      await row('vip-care').getByTestId('resource-edit').click();
      expect(await page.getByTestId('rf-id').isDisabled()).toBe(true);
      await choose('rf-ouId', 'Sales');
      await page.getByTestId('resource-save').click();
      await expect
        .poll(() => page.getByTestId('resource-saved').textContent())
        .toContain('skill queue vip-care changed');
      await expect
        .poll(() => row('vip-care').getByTestId('resource-ou').textContent())
        .toBe('Sales');
    },
  );

  it('keeps JSON as the advanced option, showing what the form holds', async () => {
    await go('number-types');
    await page.getByTestId('resource-new').click();
    await fill('id', 'home');
    await fill('name', 'Home');
    await page.getByTestId('rf-mode').getByText('Advanced (JSON)').click();
    const json = JSON.parse(await page.getByTestId('resource-json').inputValue()) as unknown;
    expect(json).toEqual({ id: 'home', name: 'Home', ouId: null });
    await page.getByTestId('rf-mode').getByText('Form').click();
    expect(await page.getByTestId('rf-name').inputValue()).toBe('Home');
    await save('home');
  });

  it("creates a number type from the wizard's policy step, in the task's OU", async () => {
    await page.goto(`${served.url}/tasks`);
    await page.getByTestId('new-task').click();
    await page.getByTestId('new-ivr').click();
    await choose('f-ou', /Sales/);
    await page.getByTestId('step-3').click();
    await page.getByTestId('f-rounds').getByText('By number type').click();
    await page.getByTestId('new-number-type').click();
    await page.getByTestId('resource-save').click();
    // Required in the dialog too.
    await expect.poll(() => page.getByTestId('rf-id').getAttribute('aria-invalid')).toBe('true');
    await fill('id', 'office');
    await fill('name', 'Office');
    await page.getByTestId('resource-save').click();
    await expect.poll(() => page.getByTestId('rf-id').count()).toBe(0);
    // Chosen in the rounds at once (shown by its name), and stored in the task's OU (isolation is on).
    await expect
      .poll(() => page.getByTestId('step-3-panel').locator('.mantine-Pill-label').allTextContents())
      .toContain('Office');
    const t = await api('GET', `/tenants/${T}/number-types/office`);
    expect(t).toMatchObject({ id: 'office', name: 'Office', ouId: 'ou-sales' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { speechRobotTask } from '../helpers/world.ts';
import { CHROMIUM, ensureWebBuilt, hasChromium } from './helpers/browser.ts';
import {
  harnessConsole,
  printConsoleOnFailure,
  type HarnessConsole,
} from './helpers/harness-console.ts';

/**
 * A speech robot made in the console's robot form, its dialogue in fields (no JSON): a robot task
 * using it ends each call with the customer's intent as the business result, and the results show
 * the turns (what was said, the intent). The sim's callees talk (`says`); the same dialogue over
 * SIP with recorded speech is test/sip/speech.test.ts.
 */
const skip = !!process.env.DATABASE_URL || !hasChromium;
if (!hasChromium) console.warn(`speech robot console e2e skipped: ${CHROMIUM} is missing`);

// A browser, a form and three calls on a virtual clock: room for a loaded machine.
describe.skipIf(skip)('a speech robot made in the console (Chromium)', { timeout: 120_000 }, () => {
  let h: EngineHarness;
  let ui: HarnessConsole;
  let page: Page;

  beforeAll(async () => {
    await ensureWebBuilt();
    h = await engineHarness({
      start: '2026-11-23T09:00:00+08:00',
      network: {
        rules: [
          {
            match: '0001$',
            outcomes: [{ result: 'success', ringSec: 3, talkSec: 60, says: ['Yes please'] }],
          },
          {
            match: '0002$',
            outcomes: [
              { result: 'success', ringSec: 3, talkSec: 60, says: ['', 'a person please'] },
            ],
          },
          { match: '0003$', outcomes: [{ result: 'success', ringSec: 3, talkSec: 60, says: [] }] },
        ],
      },
    });
    for (const id of ['renew', 'decline', 'agent', 'no_answer']) {
      const r = await h.call(h.key, {
        method: 'POST',
        url: '/api/v1/tenants/acme/business-results',
        payload: { id, name: id, ouId: null },
      });
      expect(r.status).toBe(201);
    }
    ui = await harnessConsole(h);
    page = await ui.open(h.key, '/');
  }, 120_000);

  printConsoleOnFailure(() => ui);

  afterAll(async () => {
    await ui?.close();
    await h?.stop();
  });

  const fill = (field: string, value: string) => page.getByTestId(`rf-${field}`).fill(value);

  it('is made with fields; a robot task ends with the intent and shows the turns', async () => {
    await page.getByTestId('nav-robots').click();
    await page.getByTestId('resource-new').or(page.getByTestId('resource-empty-new')).click();
    await fill('id', 'renewal');
    await fill('name', 'Renewal');
    await page.getByTestId('rf-kind').click({ force: true });
    await page.getByRole('option', { name: 'Speech robot' }).click();
    await fill('speech.question', 'Would you like to renew your plan? Please say yes or no.');
    await fill('speech.intents.0.name', 'renew');
    await fill('speech.intents.0.phrases', 'yes, yes please, sure');
    for (const [name, phrases] of [
      ['decline', 'no, no thanks'],
      ['agent', 'a person please, agent'],
    ]) {
      await page.getByTestId('rf-speech.intents-add').click();
      const i = (await page.getByTestId('rf-speech.intents-row').count()) - 1;
      await fill(`speech.intents.${i}.name`, name!);
      await fill(`speech.intents.${i}.phrases`, phrases!);
    }
    await page.getByTestId('rf-speech.intents.2.transfer').check({ force: true });
    await fill('speech.retryPrompt', 'Sorry, I did not catch that.');
    await fill('speech.noAnswerResult', 'no_answer');
    await fill('speech.transferPrompt', 'Connecting you to a person.');
    await fill('speech.goodbye', 'Thank you, goodbye.');
    // A result the tenant does not have is refused by the server, on the intent's field.
    await fill('speech.intents.1.name', 'declined');
    await page.getByTestId('resource-save').click();
    await expect
      .poll(() => page.getByTestId('rf-speech.intents.1.name').getAttribute('aria-invalid'))
      .toBe('true');
    expect(await page.getByTestId('resource-errors').textContent()).toContain(
      "'declined' is not a business result of this tenant",
    );
    await fill('speech.intents.1.name', 'decline');
    await page.getByTestId('resource-save').click();
    await expect
      .poll(() => page.getByTestId('resource-saved').textContent())
      .toMatch(/renewal created/);
    await page.getByTestId('resource-renewal').getByTestId('resource-publish').click();
    await expect
      .poll(() => page.getByTestId('resource-renewal').textContent())
      .toMatch(/published/i);

    const robot = (
      await h.call(h.key, { method: 'GET', url: '/api/v1/tenants/acme/robots/renewal' })
    ).body;
    expect(robot).toMatchObject({ kind: 'speech', status: 'published' });
    expect(robot.document.steps[0]).toMatchObject({
      type: 'listen',
      prompt: { text: 'Would you like to renew your plan? Please say yes or no.' },
      intents: [
        { name: 'renew', phrases: ['yes', 'yes please', 'sure'] },
        { name: 'decline', phrases: ['no', 'no thanks'] },
        { name: 'agent', phrases: ['a person please', 'agent'] },
      ],
    });

    // Editing shows the same fields again.
    await page.getByTestId('resource-renewal').getByTestId('resource-edit').click();
    expect(await page.getByTestId('rf-speech.intents.2.phrases').inputValue()).toBe(
      'a person please, agent',
    );
    expect(await page.getByTestId('rf-speech.intents.2.transfer').isChecked()).toBe(true);
    await page.keyboard.press('Escape');
    await page.getByTestId('rf-speech.question').waitFor({ state: 'detached' });

    const taskId = await h.startTask(speechRobotTask('renewal'), customers(3));
    await h.runUntil('2026-11-23T09:30:00+08:00');
    const br = async (s: string) => (await h.contact(taskId, s)).business_result;
    expect(await br('c0001')).toMatchObject({ code: 'renew', by: 'robot' });
    expect(await br('c0002')).toMatchObject({ code: 'agent', by: 'robot' });
    expect(await br('c0003')).toMatchObject({ code: 'no_answer', by: 'robot' });

    const results = await ui.openTask(h.key, taskId, 'results');
    const turns = async (sessionId: string) => {
      await results.getByTestId(`result-${sessionId}`).getByTestId('result-details').click();
      const cell = results.getByTestId('attempts-table').getByTestId('attempt-speech');
      await cell.waitFor();
      const text = await cell.textContent();
      await results.keyboard.press('Escape');
      await results.getByTestId('attempts-table').waitFor({ state: 'detached' });
      return text;
    };
    expect(await turns('c0001')).toBe('“yes please” → renew');
    expect(await turns('c0002')).toBe('(silence); “a person please” → agent');
    await results.close();
  });
});

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { RESULT_NAMES } from '../../src/domain/result-codes.ts';
import { engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { tenantWithKey } from '../helpers/app.ts';
import { CHROMIUM, ensureWebBuilt, hasChromium, launch } from './helpers/browser.ts';
import { connect, dropStep, fillStep, flowNode } from './helpers/designer.ts';
import { setDateTime, setTime } from './helpers/inputs.ts';
import { root } from './helpers/serve.ts';
import { contactsCsv } from './helpers/world.ts';

/**
 * The seed's whole procedure (creating-outbound-call-tasks.txt) walked through the console alone,
 * as a new tenant administrator of an empty tenant would, in English and in Chinese: every
 * resource the task needs created through its form, the IVR flow drawn in the designer and
 * published, the task made in the wizard (an IVR task with an IVR questionnaire, a caller number
 * group, the seed's working hours and weekends, a number type created inline, busy customers
 * called twice more), saved as a template, customers imported from a file, the task started and
 * seen dialing. The test makes no API call: the harness only creates the tenant and its
 * administrator key (as a system administrator would) and runs the virtual clock. With
 * `OUTBOUND_SCREENSHOTS=1` (`npm run screenshots`) the walks write the pictures of docs/console.md's
 * walkthrough.
 */
const skip = !!process.env.DATABASE_URL || !hasChromium;
if (!hasChromium) console.warn(`procedure walk e2e skipped: ${CHROMIUM} is missing`);

/** Waits on what the page shows; generous, the CI machine is loaded. */
const WAIT = 60_000;
const eventually = <T>(read: () => Promise<T>) =>
  expect.poll(read, { timeout: WAIT, interval: 100 });

type Lang = 'en' | 'zh-CN';

/** The console's own words, from its locale files: what a user reads on the page. */
function words(lang: Lang): (key: string) => string {
  const cache = new Map<string, Record<string, unknown>>();
  return (key) => {
    const [ns, rest] = key.split(':') as [string, string];
    if (!cache.has(ns))
      cache.set(
        ns,
        JSON.parse(
          readFileSync(path.join(root, 'web/src/i18n/locales', lang, `${ns}.json`), 'utf8'),
        ) as Record<string, unknown>,
      );
    let v: unknown = cache.get(ns);
    for (const k of rest.split('.')) v = (v as Record<string, unknown>)[k];
    if (typeof v !== 'string') throw new Error(`no ${lang} text for ${key}`);
    return v;
  };
}

/** What the administrator types, in the walk's language. */
const WALKS = [
  {
    lang: 'en' as Lang,
    tenant: 'walk-en',
    languageButton: 'English',
    ou: 'Product team',
    queue: 'VIP care',
    questionnaire: 'Satisfaction',
    question: 'Were you satisfied with our service? Press 1 for yes, 2 for no.',
    answers: ['Yes', 'No'],
    sms: 'We tried to reach you about a product change.',
    blocklist: 'Do not call',
    group: 'Main numbers',
    weekends: 'Weekends',
    mobile: 'Mobile',
    home: 'Home',
    flow: 'Product notice',
    notice: 'Our product is changing. Please listen to the following notice.',
    ask: 'Press 1 to talk to an agent.',
    task: 'Product change notice',
    template: 'Product notice template',
  },
  {
    lang: 'zh-CN' as Lang,
    tenant: 'walk-zh',
    languageButton: '中文',
    ou: '产品部',
    queue: '贵宾服务',
    questionnaire: '满意度调查',
    question: '您对我们的服务满意吗？满意请按1，不满意请按2。',
    answers: ['满意', '不满意'],
    sms: '我们曾致电通知您产品变更事宜。',
    blocklist: '免打扰名单',
    group: '主号码组',
    weekends: '周末',
    mobile: '手机',
    home: '家庭电话',
    flow: '产品变更通知',
    notice: '我们的产品即将变更，请收听以下通知。',
    ask: '转人工服务请按1。',
    task: '产品变更通知任务',
    template: '产品通知模板',
  },
];

/**
 * Latin words a Chinese page may show: the language switch, what the walk typed (ids, the flow's
 * variable, the customers file's column names and values, a step's `${name}` syntax), the API's
 * names beside their words (result names, IANA zones) and acronyms.
 */
const LATIN_OK = new Set([
  'English',
  'WALK-ZH',
  'IVR',
  'JSON',
  'CSV',
  'XLSX',
  'IANA',
  'name',
  'choice',
  'mobile',
  'home',
  'weekend',
  'C-BAD',
  'sessionId',
  'priority',
  'customField',
  'number',
  'type',
  'callData',
  'order',
  'city',
  'Shenzhen',
  ...RESULT_NAMES,
]);

describe.skipIf(skip)('the seed procedure through the console only (Chromium)', () => {
  let h: EngineHarness;
  let url: string;
  let context: BrowserContext;
  let closeBrowser: () => Promise<void>;
  const tmp = mkdtempSync(path.join(tmpdir(), 'outbound-walk-'));
  const csv = path.join(tmp, 'customers.csv');

  beforeAll(async () => {
    await ensureWebBuilt();
    // Monday 08:55 in the tenants' zone: the task's first window opens at 09:00.
    h = await engineHarness({ start: '2026-11-23T08:55:00+08:00' });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    const b = await launch();
    context = b.context;
    closeBrowser = b.close;
    context.setDefaultTimeout(WAIT);
    writeFileSync(csv, contactsCsv());
    if (process.env.OUTBOUND_SCREENSHOTS)
      mkdirSync(path.join(root, 'docs/screenshots'), { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await closeBrowser?.();
    await h?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  describe.each(WALKS)('in $lang', (w) => {
    const tr = words(w.lang);
    let admin: string;
    let p: Page;

    /**
     * Looks at the page at a step of the walk: in Chinese no English is left on it (only what the
     * administrator typed, codes and names of the API); with `OUTBOUND_SCREENSHOTS=1`, the picture
     * for docs/console.md (from the English walk; `zh` ones from the Chinese walk too, as `*-zh`).
     */
    async function look(name: string, o: { fullPage?: boolean; zh?: boolean } = {}) {
      if (w.lang !== 'en') {
        const text = await p.evaluate(() => document.body.innerText);
        const words = [...new Set(text.match(/[A-Za-z][A-Za-z_.-]{2,}/g) ?? [])];
        expect(
          words.filter((x) => !LATIN_OK.has(x) && !/^[a-z]+-$/.test(x)),
          name,
        ).toEqual([]);
      }
      if (!process.env.OUTBOUND_SCREENSHOTS || (w.lang !== 'en' && !o.zh)) return;
      await p.evaluate(() => window.scrollTo(0, 0));
      const file = w.lang === 'en' ? name : `${name}-zh`;
      await p.screenshot({
        path: path.join(root, 'docs/screenshots', `${file}.png`),
        fullPage: o.fullPage ?? true,
      });
    }

    /**
     * Picks an option of a Mantine Select by its label. A MultiSelect's pills lie over its field:
     * `through` clicks through them (no waiting for the field to be still, so only where no dialog
     * is still opening).
     */
    async function choose(testId: string, option: string | RegExp, through = false) {
      await p.getByTestId(testId).click({ force: through });
      await p.getByRole('option', { name: option, exact: typeof option === 'string' }).click();
    }
    /** A platform result as the console names it ("Busy (busy)", "用户忙 (busy)"). */
    const result = (name: string) => `${tr(`common:results.${name}`)} (${name})`;
    const fill = (field: string, value: string) => p.getByTestId(`rf-${field}`).fill(value);
    const row = (id: string) => p.getByTestId(`resource-${id}`);

    /** Opens a kind's page from the navigation and its empty form. */
    async function newResource(kind: string) {
      await p.getByTestId(`nav-${kind}`).click();
      // The kind's own page, not the one being left (whose New would open a form that goes away).
      await p
        .getByRole('heading', { name: tr(`resources:kind.${kind}.title`), exact: true })
        .waitFor();
      await p.getByTestId('resource-new').click();
      await p.getByTestId('resource-save').waitFor();
    }
    /** Saves the open form and waits for the new row in the list. */
    async function save(id: string) {
      await p.getByTestId('resource-save').click();
      await p.getByTestId('resource-saved').waitFor();
      await row(id).waitFor();
    }

    beforeAll(async () => {
      // The harness's only part: a tenant with its administrator key, as a system administrator
      // makes them. Caller numbers are the tenant's own to maintain (seed: "Calling numbers can be
      // directly added when … Allowing Tenants to Maintain Calling Numbers").
      admin = await tenantWithKey(h, w.tenant, {
        timeZone: '+08:00',
        channels: 30,
        ownCallerNumbers: true,
        numberRules: { defaultCountry: 'CN', minLength: 5, maxLength: 20 },
      });
      p = await context.newPage();
      if (process.env.DEBUG_CONSOLE) p.on('console', (m) => console.log('browser:', m.text()));
    });

    afterAll(async () => {
      await p?.close();
    });

    // Each step goes on from the last: once one fails, the rest of this walk is skipped, and the
    // page as it was is kept for the report.
    let broken = false;
    beforeEach((ctx) => {
      if (broken) ctx.skip();
      ctx.onTestFailed(async () => {
        broken = true;
        const file = path.join(tmpdir(), `outbound-walk-${w.lang}-failed.png`);
        await p.screenshot({ path: file, fullPage: true }).catch(() => undefined);
        console.warn(`procedure walk (${w.lang}) failed; the page: ${file}`);
      });
    });

    it('signs in and switches the console to the language', async () => {
      await p.goto(url);
      await p.getByTestId('language').getByText(w.languageButton).click();
      await eventually(() => p.getByTestId('sign-in-hint').textContent()).toContain(
        tr('common:nav.tenants'),
      );
      await p.getByTestId('api-key').fill(admin);
      await p.getByTestId('api-key').press('Enter');
      await eventually(() => p.getByTestId('current-tenant').textContent()).toContain(w.tenant);
      await eventually(() => p.getByTestId('nav-tasks').textContent()).toBe(tr('common:nav.tasks'));
    }, 120_000);

    it('creates every resource the task needs through its form', async () => {
      // The organization unit the task belongs to.
      await newResource('ous');
      await fill('id', 'ou-product');
      await fill('name', w.ou);
      await save('ou-product');

      // Caller numbers, and the number group the task calls from.
      await newResource('caller-numbers');
      await fill('number', '+862188880001');
      await save('+862188880001');
      await p.getByTestId('resource-new').click();
      await fill('number', '+862188880002');
      await save('+862188880002');
      await newResource('caller-groups');
      await fill('id', 'grp-main');
      await fill('name', w.group);
      await choose('rf-numbers', '+862188880001', true);
      await choose('rf-numbers', '+862188880002', true);
      await p.keyboard.press('Escape');
      await look('walk-caller-group');
      await save('grp-main');

      // The skill queue the flow transfers to.
      await newResource('skill-queues');
      await fill('id', 'vip-care');
      await fill('name', w.queue);
      await save('vip-care');

      // The IVR questionnaire the flow's questionnaire step asks.
      await newResource('questionnaires');
      await fill('id', 'q-satisfaction');
      await fill('name', w.questionnaire);
      await p.getByTestId('rf-questions-add').click();
      await fill('questions.0.text', w.question);
      for (const [i, label] of w.answers.entries()) {
        await p.getByTestId('rf-questions.0.answers-add').click();
        await fill(`questions.0.answers.${i}.key`, String(i + 1));
        await fill(`questions.0.answers.${i}.label`, label);
      }
      await look('walk-questionnaire');
      await save('q-satisfaction');

      // The SMS for failed calls, the blocklist group, weekends as a special date.
      await newResource('sms-templates');
      await fill('id', 'sms-missed');
      await fill('name', w.sms.slice(0, 12));
      await fill('text', w.sms);
      await save('sms-missed');
      await newResource('blocklists');
      await fill('id', 'bl-default');
      await fill('name', w.blocklist);
      await fill('paste-numbers', '+8613800000099');
      await p.getByTestId('rf-paste-add').click();
      await save('bl-default');
      await newResource('special-dates');
      await fill('id', 'weekend');
      await fill('name', w.weekends);
      await p.getByTestId('rf-weekday-6').check();
      await p.getByTestId('rf-weekday-7').check();
      await save('weekend');

      // One number type here; the other is created from the wizard (seed, step 6).
      await newResource('number-types');
      await fill('id', 'mobile');
      await fill('name', w.mobile);
      await save('mobile');
    }, 240_000);

    it('draws the IVR flow in the designer and publishes it', async () => {
      await p.getByTestId('nav-flows').click();
      await p
        .getByRole('heading', { name: tr('resources:kind.flows.title'), exact: true })
        .waitFor();
      await p.getByTestId('resource-new').click();
      await p.getByTestId('flow-designer').waitFor();
      await p.getByTestId('flow-id').fill('flow-notice');
      await p.getByTestId('flow-name').fill(w.flow);

      // Start sits at (320, 30) of an empty canvas: the call goes down the page.
      await dropStep(p, 'play', 120, 100);
      await dropStep(p, 'questionnaire', 120, 200);
      await dropStep(p, 'collect', 120, 300);
      await dropStep(p, 'branch', 120, 420);
      await dropStep(p, 'hangup', 40, 580);
      await dropStep(p, 'transfer', 330, 580);
      await connect(p, 'start-next', 'play-1');
      await connect(p, 'play-1-next', 'questionnaire-1');
      await connect(p, 'questionnaire-1-next', 'collect-1');
      await connect(p, 'collect-1-next', 'branch-1');
      await connect(p, 'branch-1-case-0', 'transfer-1');
      await connect(p, 'branch-1-default', 'hangup-1');

      await fillStep(p, 'play-1', { 'prompt-text': w.notice });
      // The questionnaire step asks the task's questionnaire (chosen in the wizard).
      await fillStep(p, 'collect-1', { 'prompt-text': w.ask, variable: 'choice' });
      await fillStep(p, 'branch-1', { variable: 'choice' });
      await flowNode(p, 'transfer-1').click();
      await p.getByTestId('field-target-queue').fill(w.queue);
      await eventually(() => p.locator('[data-invalid="true"]').count()).toBe(0);
      await look('walk-flow', { fullPage: false });

      await p.getByTestId('flow-publish').click();
      await eventually(() => p.getByTestId('flow-status').textContent()).toBe(
        tr('flow:status.published'),
      );
      await p.getByTestId('flow-close').click();
      await eventually(() => row('flow-notice').textContent()).toContain(w.flow);
    }, 240_000);

    it('creates the IVR task with its questionnaire in the wizard', async () => {
      // Steps 1–2: Call management > New > IVR outbound call.
      await p.getByTestId('nav-tasks').click();
      await p.getByTestId('new-task').click();
      await p.getByTestId('new-ivr').click();

      // Step 3: basic information.
      await p.getByTestId('f-name').fill(w.task);
      await choose('f-ou', w.ou);
      await choose('f-flow', new RegExp(w.flow));
      await p.getByTestId('f-callers').click();
      await p.getByTestId('caller-mode').getByText(tr('wizard:field.callerGroupId')).click();
      await choose('caller-group', new RegExp(w.group));
      await p.getByTestId('caller-ok').click();
      await eventually(() => p.getByTestId('caller-summary').textContent()).toContain(w.group);
      await setDateTime(p, 'f-start', '2026-11-23T00:00');
      await setDateTime(p, 'f-end', '2026-12-31T23:59');
      await choose('f-questionnaire-mode', tr('wizard:basic.questionnaireIvr'));
      await choose('f-questionnaire', new RegExp(w.questionnaire));
      await choose('f-sms-type', tr('wizard:basic.smsCloud'));
      await choose('f-sms-template', new RegExp(w.sms.slice(0, 12)));
      await choose('f-blocklist', new RegExp(w.blocklist));
      await look('walk-wizard-basic', { zh: true });

      // Step 4: working hours on workdays, and all day on weekends.
      await p.getByTestId('wizard-next').click();
      await setTime(p, 'regular-0-start', '09:00');
      await setTime(p, 'regular-0-end', '11:30');
      await p.getByTestId('regular-add').click();
      await setTime(p, 'regular-1-start', '14:00');
      await setTime(p, 'regular-1-end', '18:00');
      await choose('f-special-dates', new RegExp(w.weekends), true);
      await p.keyboard.press('Escape');
      await p.getByTestId('special-all-day').click();

      // Step 5: three calls every three seconds.
      await p.getByTestId('wizard-next').click();
      await p.getByTestId('f-interval').fill('3');
      await p.getByTestId('f-calls').fill('3');
      await eventually(() => p.getByTestId('effective-rate').textContent()).toMatch(/3/);

      // Step 6: mobile numbers first, then a number type created here; busy customers are called
      // twice more, five minutes apart; unallocated numbers never again.
      await p.getByTestId('wizard-next').click();
      await p.getByTestId('f-rounds').getByText(tr('wizard:policy.roundsNumberType')).click();
      await choose('f-number-types', w.mobile, true);
      await p.keyboard.press('Escape');
      await p.getByTestId('new-number-type').click();
      await fill('id', 'home');
      await fill('name', w.home);
      await p.getByTestId('resource-save').click();
      await eventually(() => p.getByTestId('rf-id').count()).toBe(0);
      await eventually(() =>
        p.getByTestId('step-3-panel').locator('.mantine-Pill-label').allTextContents(),
      ).toEqual([w.mobile, w.home]);
      await p.getByTestId('policy-global-by-result').click();
      await p.getByTestId('policy-global-add-rule').click();
      await choose('policy-global-rule-0-result', result('busy'));
      await p.getByTestId('policy-global-rule-0-retries').fill('2');
      await p.getByTestId('policy-global-rule-0-interval').fill('300');
      await choose('policy-global-non-retry', result('unallocated'), true);
      await p.keyboard.press('Escape');
      await look('walk-wizard-policy');

      // Step 7: save as template; step 8: save.
      await p.getByTestId('save-template').click();
      await p.getByTestId('template-name').fill(w.template);
      await p.getByTestId('template-ok').click();
      await p.getByTestId('wizard-notice').waitFor();
      await p.getByTestId('wizard-save').click();
      const task = p.getByTestId(`task-row-${w.task}`);
      await eventually(() => task.getByTestId('task-state').textContent()).toBe(
        tr('common:states.draft'),
      );
    }, 240_000);

    it('imports the customers from a file', async () => {
      // Step 9: Contact list, a CSV upload; the bad row is reported by its session id.
      await p.getByTestId(`task-row-${w.task}`).getByTestId('op-contacts').click();
      await p.locator('input[type=file]').setInputFiles(csv);
      const report = p.getByTestId('import-report');
      await report.waitFor();
      await eventually(() => p.getByTestId('import-errors').textContent()).toContain('C-BAD');
      // The problem in the console's words, not the API's.
      expect(await p.getByTestId('import-errors').textContent()).toContain(
        tr('errors:rule.numberChars'),
      );
      await p.getByTestId('contact-table').getByText('C-0001').waitFor();
      await look('walk-contacts');
    }, 120_000);

    it('starts the task and sees it dial', async () => {
      // Step 10: start it from Call management, then watch it on its page.
      await p.getByTestId('nav-tasks').click();
      const task = p.getByTestId(`task-row-${w.task}`);
      await task.getByTestId('op-start').click();
      await eventually(() => task.getByTestId('task-state').textContent()).toBe(
        tr('common:states.running'),
      );
      await task.getByRole('link', { name: w.task }).click();
      await p.getByTestId('progress-panel').waitFor();
      // The harness's dialer sleeps an hour between polls where `serve` polls every second: wake
      // it as that poll would, then let service time pass five seconds at a time until the page
      // shows the first customers finished (calls take longer than that: the task is under way).
      h.dialer.wakeAt();
      const finished = async () => {
        await h.runUntil(new Date(h.sched.now().getTime() + 5_000));
        const text = (await p.getByTestId('progress-finished').textContent()) ?? '';
        return Number(text.split('/')[0]);
      };
      await expect.poll(finished, { timeout: 120_000, interval: 500 }).toBeGreaterThan(0);
      await eventually(() => p.getByTestId('attempt-results').count()).toBe(1);
      await look('walk-dialing', { zh: true });
    }, 240_000);
  });
});

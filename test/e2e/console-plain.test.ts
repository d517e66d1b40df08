import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Request } from 'playwright-core';
import { customers, engineHarness, type EngineHarness } from '../helpers/engine.ts';
import { fullTaskConfig } from '../helpers/world.ts';
import { CHROMIUM, ensureWebBuilt, hasChromium } from './helpers/browser.ts';
import {
  harnessConsole,
  printConsoleOnFailure,
  type HarnessConsole,
} from './helpers/harness-console.ts';
import { setDateTime, setTime, timeOf } from './helpers/inputs.ts';

/**
 * Issue #13's smaller problems and plain language, in Chromium at 1440 px: each check is what an
 * administrator saw go wrong (a cut State column, errors that outlive their fix, Next leaving an
 * empty step, "No tasks" for a filter that matches nothing, no word after a save, OU ids, a
 * sign-in hint naming a menu that does not exist), and that the console speaks both languages,
 * per key.
 */
const skip = !!process.env.DATABASE_URL || !hasChromium;
if (!hasChromium) console.warn(`console plain-language e2e skipped: ${CHROMIUM} is missing`);

const eventually = <T>(read: () => Promise<T>) =>
  expect.poll(read, { timeout: 60_000, interval: 50 });

describe.skipIf(skip)('the console in plain words (Chromium)', () => {
  let h: EngineHarness;
  let ui: HarnessConsole;
  let salesTask: string;
  let viewer: string;

  beforeAll(async () => {
    await ensureWebBuilt();
    h = await engineHarness({ start: '2026-11-23T08:00:00+08:00' });
    const post = async (url: string, payload: Record<string, unknown> = {}) =>
      (await h.call(h.key, { method: 'POST', url: `/api/v1/tenants/acme${url}`, payload })).body;
    salesTask = (await post('/tasks', fullTaskConfig({ name: 'Sales list', ouId: 'ou-sales' }))).id;
    const suspended = (await post('/tasks', fullTaskConfig({ name: 'Paused list' }))).id;
    await post(`/tasks/${suspended}/start`);
    await post(`/tasks/${suspended}/suspend`);
    viewer = (await post('/keys', { name: 'wallboard', role: 'viewer' })).key;
    ui = await harnessConsole(h);
  }, 120_000);

  printConsoleOnFailure(() => ui);

  afterAll(async () => {
    await ui?.close();
    await h?.stop();
  });

  const row = (p: Page, name: string) => p.getByTestId(`task-row-${name}`);

  it('names a menu that exists in the sign-in hint', async () => {
    const p = await ui.open(h.key, '/tasks');
    await p.getByRole('button', { name: 'Sign out' }).click();
    const hint = (await p.getByTestId('sign-in-hint').textContent())!;
    const menu = /under (.+)\.$/.exec(hint)?.[1];
    expect(menu).toBe('Tenants and keys');
    await p.getByTestId('api-key').fill(h.key);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('link', { name: menu }).waitFor();
    await p.close();
  }, 240_000);

  it('shows the whole state at 1440 px, OUs by name, and says when a filter matches nothing', async () => {
    const p = await ui.open(h.key, '/tasks');
    const badge = row(p, 'Paused list').getByTestId('task-state');
    await eventually(() => badge.textContent()).toBe('suspended');
    const cut = await badge.evaluate((el) => {
      const label = el.querySelector('span') ?? el;
      return label.scrollWidth > label.clientWidth || el.scrollWidth > el.clientWidth;
    });
    expect(cut).toBe(false);
    await eventually(() => row(p, 'Sales list').getByTestId('task-ou').textContent()).toBe('Sales');

    await p.getByTestId('filter-name').fill('no such task');
    await eventually(() => p.getByTestId('task-empty').textContent()).toContain(
      'No task matches these filters',
    );
    await p.getByTestId('filter-name').fill('');
    await row(p, 'Sales list').waitFor();
    await p.close();
  }, 240_000);

  it('keeps Next on an empty step, clears an error once fixed, and says so after a save', async () => {
    const p = await ui.open(h.key, '/tasks/new?type=ivr');
    await p.getByTestId('wizard-next').click();
    await p.getByTestId('wizard-error').waitFor();
    expect(await p.getByTestId('step-0-panel').count()).toBe(1);
    const errors = (await p.getByTestId('wizard-error').textContent())!;
    expect(errors).toContain('Basic information › Task name');
    expect(errors).not.toMatch(/\/name|\/flowId/);

    const name = p.getByTestId('f-name');
    const fieldError = () =>
      name.evaluate((el) => el.closest('.mantine-InputWrapper-root')?.textContent ?? '');
    expect(await fieldError()).toContain('is required');
    await name.fill('New list');
    await eventually(fieldError).not.toContain('is required');
    await eventually(async () =>
      (await p.getByTestId('wizard-error').allTextContents()).join(' '),
    ).not.toContain('Task name');
    await p.close();

    // Editing a task and saving it says so.
    const e = await ui.open(h.key, `/tasks/${salesTask}/edit`);
    await eventually(() => e.getByTestId('f-name').inputValue()).toBe('Sales list');
    await e.getByTestId('f-description').fill('now with a note');
    await e.getByTestId('wizard-save').click();
    await eventually(() => e.getByTestId('saved-notice').textContent()).toContain(
      'Task "Sales list" saved.',
    );
    await e.close();
  }, 240_000);

  it('shows 00:00–00:00 in 24 hours, durations in words and times in one format', async () => {
    const p = await ui.open(h.key, '/tasks/new?type=ivr');
    await p.getByTestId('step-1').click();
    await p.getByTestId('special-no-calls').click();
    await setTime(p, 'regular-0-end', '21:45');
    expect(await timeOf(p, 'regular-0-end')).toBe('21:45');
    expect(await timeOf(p, 'special-0-start')).toBe('00:00');
    expect(await timeOf(p, 'special-0-end')).toBe('00:00');
    expect(await p.getByTestId('step-1-panel').textContent()).not.toMatch(/\b(AM|PM)\b/);

    await p.getByTestId('step-0').click();
    await setDateTime(p, 'f-start', '2026-11-24T08:30');
    expect(await p.getByTestId('f-start-date').inputValue()).toBe('2026-11-24');
    expect(await timeOf(p, 'f-start-time')).toBe('08:30');

    await p.getByTestId('step-2').click();
    await p.getByTestId('f-interval').fill('200');
    await eventually(() => p.getByTestId('step-2-panel').textContent()).toContain('3 min 20 s');
    await p.close();

    const d = await ui.open(h.key, `/tasks/${salesTask}`);
    await eventually(() => d.getByText(/2026-11-23 00:00 – 2026-12-31 23:59/).count()).toBe(1);
    await d.close();

    // "Why not called now?" is a sentence and what to do, not a code with JSON.
    const c = await ui.open(h.key, `/tasks/${salesTask}/contacts`);
    const added = await h.call(h.key, {
      method: 'POST',
      url: `/api/v1/tenants/acme/tasks/${salesTask}/contacts`,
      payload: { contacts: customers(1) },
    });
    expect(added.status).toBeLessThan(300);
    await c.reload();
    await c.getByTestId('explain').first().click();
    const what = (await c.getByTestId('explanation-what').textContent())!;
    expect(what).toMatch(/^The task is draft; it dials only while running\.$/);
    expect(await c.getByTestId('explanation-todo').textContent()).toBe(
      'Start the task from Call management.',
    );
    expect(await c.getByTestId('explanation').textContent()).not.toMatch(/task_not_running|\{/);
    await c.close();
  }, 240_000);

  it('stays signed in when the server fails as a tab reloads, and forgets a refused key', async () => {
    const p = await ui.open(h.key, '/tasks');
    await row(p, 'Sales list').waitFor();
    const unavailable = {
      status: 503,
      contentType: 'application/problem+json',
      body: JSON.stringify({ title: 'Service Unavailable', status: 503 }),
    };
    // Who am I fails twice, the task list once: the reload must still end on the list.
    let me = 0;
    let list = 0;
    await p.route('**/api/v1/me', (r) => (me++ < 2 ? r.fulfill(unavailable) : r.continue()));
    await p.route(/\/api\/v1\/tenants\/acme\/tasks(\?|$)/, (r) =>
      list++ < 1 ? r.fulfill(unavailable) : r.continue(),
    );
    await p.reload();
    await row(p, 'Sales list').waitFor();
    expect(me).toBe(3);
    expect(list).toBeGreaterThanOrEqual(2);
    expect(await p.getByTestId('api-key').count()).toBe(0);

    // A key the server refuses (revoked, say) is forgotten at once: the sign-in page shows.
    await p.unroute('**/api/v1/me');
    await p.route('**/api/v1/me', (r) =>
      r.fulfill({ ...unavailable, status: 401, body: '{"title":"Unauthorized","status":401}' }),
    );
    await p.reload();
    await p.getByTestId('api-key').waitFor();
    expect(await p.evaluate(() => sessionStorage.getItem('outbound.key'))).toBeNull();
    await p.close();
  }, 240_000);

  it('polls a task’s progress once per interval however many parts of the page show it', async () => {
    const p = await ui.open(h.key, `/tasks/${salesTask}`);
    await p.getByTestId('progress-panel').waitFor();
    // Counted from here: the task list the sign-in opened polls progress too, until it is left.
    const sent: Request[] = [];
    p.on('requestfinished', (r) => {
      if (r.url().endsWith(`/tasks/${salesTask}/progress`)) sent.push(r);
    });
    await eventually(async () => sent.length).toBeGreaterThanOrEqual(4);
    // The header's state and the progress panel would each poll on their own: two requests at
    // once every 2 s. One shared query makes them about 2 s apart, never two together. Times
    // are the browser's (when each request started), not when this busy process heard of them.
    const at = sent.map((r) => r.timing().startTime).sort((a, b) => a - b);
    const gaps = at.slice(1, 4).map((t, i) => t - at[i]!);
    expect(Math.min(...gaps)).toBeGreaterThan(1000);
    await p.close();
  }, 240_000);

  it('speaks Chinese when a user chooses it, and remembers the choice per key', async () => {
    const p = await ui.open(h.key, '/tasks');
    const origin = new URL(p.url()).origin;
    await p.getByTestId('language').getByText('中文').click();
    await eventually(() => p.getByTestId('nav-tasks').textContent()).toBe('外呼管理');
    await eventually(() => row(p, 'Paused list').getByTestId('task-state').textContent()).toBe(
      '已暂停',
    );
    await p.goto(new URL('/tasks/new?type=ivr', p.url()).href);
    await p.getByTestId('wizard-next').click();
    const errors = (await p.getByTestId('wizard-error').textContent())!;
    expect(errors).toContain('基本信息 › 任务名称');
    expect(errors).toContain('必填');
    await p.close();

    // Another user keeps their own language: the viewer picks English, the admin stays in Chinese.
    // A key that never chose starts in the browser's last choice (Chinese here).
    const v = await ui.context.newPage();
    await v.goto(new URL('/tasks', origin).href);
    await v.getByTestId('api-key').fill(viewer);
    await v.getByRole('button', { name: '登录' }).click();
    await eventually(() => v.getByTestId('nav-tasks').textContent()).toBe('外呼管理');
    await v.getByTestId('language').getByText('English').click();
    await eventually(() => v.getByTestId('nav-tasks').textContent()).toBe('Call management');
    await v.close();
    const a = await ui.open(h.key, '/tasks');
    await eventually(() => a.getByTestId('nav-tasks').textContent()).toBe('外呼管理');
    await a.getByTestId('language').getByText('English').click();
    await a.close();
  }, 240_000);
});

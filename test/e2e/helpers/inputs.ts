import type { Page } from 'playwright-core';

/** Types "HH:mm" into one of the console's 24-hour time pickers (hours and minutes fields). */
export async function setTime(page: Page, testId: string, hhmm: string): Promise<void> {
  const [h, m] = hhmm.split(':');
  await page.getByTestId(`${testId}-h`).fill(h!);
  await page.getByTestId(`${testId}-m`).fill(m!);
}

/** What a time picker shows, as "HH:mm". */
export async function timeOf(page: Page, testId: string): Promise<string> {
  const h = await page.getByTestId(`${testId}-h`).inputValue();
  const m = await page.getByTestId(`${testId}-m`).inputValue();
  return `${h}:${m}`;
}

/** Sets a wizard date-time ("yyyy-MM-ddTHH:mm"): the date field, then the 24-hour time. */
export async function setDateTime(page: Page, testId: string, local: string): Promise<void> {
  const date = page.getByTestId(`${testId}-date`);
  await date.fill(local.slice(0, 10));
  await date.press('Enter');
  await setTime(page, `${testId}-time`, local.slice(11, 16));
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idlePolls } from '../../src/cli/serve.ts';
import { testApp, type TestApp } from '../helpers/app.ts';

/**
 * `serve` on an accelerated clock: its workers poll for work in real seconds, and its API wakes
 * them after every change, so a task started from the console dials at once while an idle
 * `serve --speed 600` leaves the database (and the API's answers) alone.
 */
describe('waking the workers of serve', () => {
  let t: TestApp;
  let changes = 0;

  beforeAll(async () => {
    t = await testApp(undefined, undefined, { onChange: () => changes++ });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('wakes them after a change, not after a read or a refused request', async () => {
    const as = { authorization: `Bearer ${t.adminKey}` };
    const before = changes;
    const made = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tenants',
      headers: as,
      payload: { id: 'acme', name: 'Acme', settings: { channels: 5, timeZone: '+08:00' } },
    });
    expect(made.statusCode).toBe(201);
    expect(changes).toBe(before + 1);

    const read = await t.app.inject({ method: 'GET', url: '/api/v1/tenants/acme', headers: as });
    expect(read.statusCode).toBe(200);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tenants',
      headers: as,
      payload: { id: 'Not an id!' },
    });
    expect(refused.statusCode).toBe(422);
    expect(changes).toBe(before + 1);
  });

  it('polls in real seconds on an accelerated clock, the dialer at most a minute of it', () => {
    expect(idlePolls(undefined)).toEqual({
      dialer: 1000,
      dispatcher: 1000,
      exports: 2000,
      fold: 5000,
    });
    expect(idlePolls(600)).toEqual({
      dialer: 60_000,
      dispatcher: 600_000,
      exports: 1_200_000,
      fold: 60_000,
    });
    expect(idlePolls(10)).toEqual({
      dialer: 10_000,
      dispatcher: 10_000,
      exports: 20_000,
      fold: 50_000,
    });
  });
});

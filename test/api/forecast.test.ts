import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForecastJobs } from '../../src/engine/forecast-jobs.ts';
import { testApp, tenantWithKey, type TestApp } from '../helpers/app.ts';
import { dbKind } from '../helpers/db.ts';
import { FULL_SETTINGS, seedWorld, workdayTask } from '../helpers/world.ts';

/** The forecast routes' contract: validation, roles, one at a time, 202 + Location + polling. */
describe(`POST …/tasks/{id}/forecast (${dbKind})`, () => {
  let t: TestApp;
  let jobs: ForecastJobs;
  let key: string;
  let base: string;
  beforeAll(async () => {
    t = await testApp('2026-11-23T08:00:00+08:00', undefined, ({ db, clock }) => {
      jobs = new ForecastJobs({ db, clock });
      return { forecasts: jobs };
    });
    key = await tenantWithKey(t, 'acme', FULL_SETTINGS);
    await seedWorld(t, key, 'acme');
    const task = await t.call(key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/tasks',
      payload: workdayTask('Forecast me', { callbackUrl: null }),
    });
    base = `/api/v1/tenants/acme/tasks/${task.body.id}`;
  });
  afterAll(async () => {
    await jobs?.close();
    await t?.close();
  });

  it('names every bad field of the request at once', async () => {
    const shape = await t.call(key, {
      method: 'POST',
      url: `${base}/forecast`,
      payload: { channels: 0, model: { outcomes: [{ result: 'bogus', share: 1, ringSec: 1 }] } },
    });
    expect(shape.status).toBe(422);
    const paths = shape.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/channels', '/model/outcomes/0/result']));

    const meaning = await t.call(key, {
      method: 'POST',
      url: `${base}/forecast`,
      payload: {
        until: '2026-11-22T00:00:00+08:00',
        model: { outcomes: [{ result: 'success', share: 0, ringSec: 5 }] },
      },
    });
    expect(meaning.status).toBe(422);
    expect(meaning.body.errors.map((e: { path: string }) => e.path)).toEqual([
      '/until',
      '/model/outcomes',
    ]);
  });

  it('lets viewers read forecasts but not ask for one', async () => {
    const viewer = await tenantWithKey(t, 'acme', {}, 'viewer');
    const r = await t.call(viewer, { method: 'POST', url: `${base}/forecast` });
    expect(r.status).toBe(403);
    const list = await t.call(viewer, { method: 'GET', url: `${base}/forecasts` });
    expect(list.status).toBe(200);
  });

  it('answers 202 with where to poll, and refuses a second forecast while one is under way', async () => {
    const first = await t.call(key, { method: 'POST', url: `${base}/forecast` });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ state: 'queued', report: null });
    expect(first.headers.location).toBe(`${base}/forecasts/${first.body.id}`);
    const second = await t.call(key, { method: 'POST', url: `${base}/forecast`, payload: {} });
    expect(second.status).toBe(409);
    expect(second.body.forecastId).toBe(first.body.id);
    const missing = await t.call(key, { method: 'GET', url: `${base}/forecasts/nope` });
    expect(missing.status).toBe(404);

    await jobs.settled(first.body.id);
    const done = await t.call(key, { method: 'GET', url: String(first.headers.location) });
    expect(done.body.state).toBe('done');
    // The draft task without past calls: the typical model; its 0 customers finish at once.
    expect(done.body.report).toMatchObject({
      model: { source: 'default', sample: 0 },
      customers: { total: 0 },
      attempts: { total: 0 },
    });
    const list = await t.call(key, { method: 'GET', url: `${base}/forecasts` });
    expect(list.body.items.map((f: { id: string }) => f.id)).toEqual([first.body.id]);
  }, 600_000);
});

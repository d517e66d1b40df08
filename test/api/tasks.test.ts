import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, tenantWithKey, type TestApp } from '../helpers/app.ts';
import { dbKind } from '../helpers/db.ts';
import { FULL_SETTINGS, fullTaskConfig, seedWorld } from '../helpers/world.ts';

const paths = (body: { errors?: { path: string }[] }) =>
  (body.errors ?? []).map((e) => e.path).sort();

describe(`tasks over the API (${dbKind})`, () => {
  let t: TestApp;
  let key: string;
  const base = '/api/v1/tenants/acme/tasks';
  beforeAll(async () => {
    t = await testApp();
    key = await tenantWithKey(t, 'acme', FULL_SETTINGS);
    await seedWorld(t, key, 'acme');
  });
  afterAll(() => t.close());

  it('creates a draft task with every option and reads it back unchanged', async () => {
    const cfg = fullTaskConfig({ name: 'Every option' });
    const r = await t.call(key, { method: 'POST', url: base, payload: cfg });
    expect(r.status).toBe(201);
    expect(r.body.state).toBe('draft');
    const got = await t.call(key, { method: 'GET', url: `${base}/${r.body.id}` });
    expect(got.body.config).toEqual(cfg);
  });

  it('fills defaults for omitted optional fields', async () => {
    const cfg = fullTaskConfig({ name: 'Defaults' });
    delete cfg.priority;
    delete cfg.callStrategy;
    delete cfg.businessResultPolicy;
    delete cfg.questionnaire;
    delete cfg.strategy.maxRingSec;
    delete cfg.strategy.filter;
    const r = await t.call(key, { method: 'POST', url: base, payload: cfg });
    expect(r.status).toBe(201);
    expect(r.body.config).toMatchObject({
      priority: 3,
      strategy: { maxRingSec: 20 },
      callStrategy: { order: { by: 'none' }, numberRounds: { mode: 'sequence' } },
    });
  });

  it('reports every invalid field at once with its path, as problem+json', async () => {
    const cfg = fullTaskConfig({
      name: 'Broken',
      priority: 9,
      flowId: 'flow-draft',
      start: '2027-01-01T00:00:00+08:00',
    });
    cfg.strategy.maxRingSec = 200;
    cfg.strategy.callsPerInterval = 31;
    const r = await t.call(key, { method: 'POST', url: base, payload: cfg });
    expect(r.status).toBe(422);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(paths(r.body)).toEqual(
      expect.arrayContaining([
        '/priority',
        '/strategy/maxRingSec',
        '/strategy/callsPerInterval',
        '/flowId',
        '/end',
      ]),
    );
  });

  it('refuses a second task with the same name in the tenant', async () => {
    await t.call(key, { method: 'POST', url: base, payload: fullTaskConfig({ name: 'Twin' }) });
    const r = await t.call(key, {
      method: 'POST',
      url: base,
      payload: fullTaskConfig({ name: 'Twin' }),
    });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([
      { path: '/name', message: "a task named 'Twin' already exists" },
    ]);
  });

  it('moves through its lifecycle with an audited event per transition and 409 on illegal ones', async () => {
    const id = (
      await t.call(key, {
        method: 'POST',
        url: base,
        payload: fullTaskConfig({ name: 'Lifecycle' }),
      })
    ).body.id;
    const suspendDraft = await t.call(key, { method: 'POST', url: `${base}/${id}/suspend` });
    expect(suspendDraft.status).toBe(409);
    expect(suspendDraft.body.state).toBe('draft');
    expect((await t.call(key, { method: 'POST', url: `${base}/${id}/start` })).body.state).toBe(
      'running',
    );
    const again = await t.call(key, { method: 'POST', url: `${base}/${id}/start` });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      state: 'running',
      title: expect.stringContaining('only from draft or suspended'),
    });
    const edit = await t.call(key, {
      method: 'PUT',
      url: `${base}/${id}`,
      payload: fullTaskConfig({ name: 'Lifecycle', priority: 1 }),
    });
    expect(edit.status).toBe(409);
    expect((await t.call(key, { method: 'DELETE', url: `${base}/${id}` })).status).toBe(409);
    t.clock.advance(60_000);
    expect((await t.call(key, { method: 'POST', url: `${base}/${id}/suspend` })).body.state).toBe(
      'suspended',
    );
    const edited = await t.call(key, {
      method: 'PUT',
      url: `${base}/${id}`,
      payload: fullTaskConfig({ name: 'Lifecycle', priority: 1 }),
    });
    expect(edited.status).toBe(200);
    expect(edited.body.priority).toBe(1);
    const events = await t.call(key, { method: 'GET', url: `${base}/${id}/events` });
    expect(
      events.body.items.map((e: { action: string; toState: string }) => `${e.action}:${e.toState}`),
    ).toEqual(['create:draft', 'start:running', 'suspend:suspended', 'edit:suspended']);
    expect(events.body.items[2]).toMatchObject({
      at: '2026-11-23T00:01:00.000Z',
      actor: expect.stringContaining('key:'),
    });
    expect((await t.call(key, { method: 'DELETE', url: `${base}/${id}` })).status).toBe(204);
    expect((await t.call(key, { method: 'GET', url: `${base}/${id}` })).status).toBe(404);
  });

  it('refuses to start a task whose end has passed', async () => {
    const id = (
      await t.call(key, {
        method: 'POST',
        url: base,
        payload: fullTaskConfig({ name: 'Late', end: '2026-11-23T01:00:00+08:00' }),
      })
    ).body.id;
    const r = await t.call(key, { method: 'POST', url: `${base}/${id}/start` });
    expect(r.status).toBe(409);
    expect(r.body.title).toBe('the task end time has passed');
  });

  it('lists by state and name, newest first, in keyset pages', async () => {
    for (let i = 0; i < 5; i++) {
      t.clock.advance(1000);
      await t.call(key, {
        method: 'POST',
        url: base,
        payload: fullTaskConfig({ name: `Page ${i}` }),
      });
    }
    const first = await t.call(key, { method: 'GET', url: `${base}?name=page&limit=2` });
    expect(first.body.items.map((x: { name: string }) => x.name)).toEqual(['Page 4', 'Page 3']);
    const second = await t.call(key, {
      method: 'GET',
      url: `${base}?name=page&limit=2&cursor=${first.body.next}`,
    });
    expect(second.body.items.map((x: { name: string }) => x.name)).toEqual(['Page 2', 'Page 1']);
    const third = await t.call(key, {
      method: 'GET',
      url: `${base}?name=page&limit=2&cursor=${second.body.next}`,
    });
    expect(third.body.items.map((x: { name: string }) => x.name)).toEqual(['Page 0']);
    expect(third.body.next).toBeNull();
    const drafts = await t.call(key, { method: 'GET', url: `${base}?state=running` });
    expect(drafts.body.items.every((x: { state: string }) => x.state === 'running')).toBe(true);
    expect((await t.call(key, { method: 'GET', url: `${base}?cursor=garbage!` })).status).toBe(400);
  });

  it('saves a task as a template and creates a task from it with overrides', async () => {
    const id = (
      await t.call(key, { method: 'POST', url: base, payload: fullTaskConfig({ name: 'Source' }) })
    ).body.id;
    const tpl = await t.call(key, {
      method: 'POST',
      url: `${base}/${id}/template`,
      payload: { name: 'Notice template' },
    });
    expect(tpl.status).toBe(201);
    expect(tpl.body.config.name).toBeUndefined();
    const made = await t.call(key, {
      method: 'POST',
      url: `/api/v1/tenants/acme/templates/${tpl.body.id}/tasks`,
      payload: { name: 'From template', priority: 2, strategy: { intervalSec: 10 } },
    });
    expect(made.status).toBe(201);
    expect(made.body.config).toMatchObject({
      name: 'From template',
      priority: 2,
      flowId: 'flow-notice',
      strategy: { intervalSec: 10, callsPerInterval: 3 },
    });
    const partial = await t.call(key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/templates',
      payload: {
        name: 'Pacing preset',
        config: { strategy: { maxRingSec: 30, intervalSec: 3, callsPerInterval: 3 } },
      },
    });
    expect(partial.status).toBe(201);
    const bad = await t.call(key, {
      method: 'POST',
      url: `/api/v1/tenants/acme/templates/${partial.body.id}/tasks`,
      payload: { name: 'Incomplete' },
    });
    expect(bad.status).toBe(422);
    expect(paths(bad.body)).toEqual(
      expect.arrayContaining(['/type', '/schedule', '/resultPolicy']),
    );
  });
});

describe(`OU isolation at save time (${dbKind})`, () => {
  let t: TestApp;
  let key: string;
  const base = '/api/v1/tenants/iso/tasks';
  beforeAll(async () => {
    t = await testApp();
    key = await tenantWithKey(t, 'iso', FULL_SETTINGS);
    await seedWorld(t, key, 'iso');
  });
  afterAll(() => t.close());

  const salesTask = (name: string) =>
    fullTaskConfig({
      name,
      ouId: 'ou-sales',
      flowId: 'flow-support',
      callerNumbers: ['+862188880001', '+862188880004'],
    });

  it('with isolation off, a task may use any OU’s resources', async () => {
    const r = await t.call(key, { method: 'POST', url: base, payload: salesTask('Off') });
    expect(r.status).toBe(201);
  });

  it('with isolation on, only its own OU’s and Unorganized resources', async () => {
    await t.call(key, {
      method: 'PATCH',
      url: '/api/v1/tenants/iso',
      payload: { settings: { isolation: true } },
    });
    const r = await t.call(key, { method: 'POST', url: base, payload: salesTask('On') });
    expect(r.status).toBe(422);
    expect(paths(r.body)).toEqual(['/callerNumbers/1', '/flowId']);
    const own = await t.call(key, {
      method: 'POST',
      url: base,
      payload: fullTaskConfig({
        name: 'Own',
        ouId: 'ou-sales',
        flowId: 'flow-sales',
        callerNumbers: ['+862188880001', '+862188880003'],
      }),
    });
    expect(own.status).toBe(201);
  });

  it('an OU operator sees and creates only its OU’s tasks', async () => {
    const op = await tenantWithKey(t, 'iso', {}, 'ou_operator', 'ou-support');
    const list = await t.call(op, { method: 'GET', url: base });
    expect(list.body.items).toEqual([]);
    const wrong = await t.call(op, {
      method: 'POST',
      url: base,
      payload: fullTaskConfig({ name: 'Op task', ouId: 'ou-sales', flowId: 'flow-sales' }),
    });
    expect(wrong.status).toBe(422);
    const right = await t.call(op, {
      method: 'POST',
      url: base,
      payload: fullTaskConfig({ name: 'Op task', ouId: 'ou-support', flowId: 'flow-support' }),
    });
    expect(right.status).toBe(201);
    expect(
      (await t.call(op, { method: 'GET', url: base })).body.items.map(
        (x: { name: string }) => x.name,
      ),
    ).toEqual(['Op task']);
    const salesId = (await t.call(key, { method: 'GET', url: `${base}?name=Own` })).body.items[0]
      .id;
    expect((await t.call(op, { method: 'GET', url: `${base}/${salesId}` })).status).toBe(404);
    expect((await t.call(op, { method: 'POST', url: `${base}/${salesId}/start` })).status).toBe(
      403,
    );
  });
});

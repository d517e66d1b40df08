import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, tenantWithKey, type TestApp } from '../helpers/app.ts';
import { dbKind } from '../helpers/db.ts';

describe(`tenants and keys (${dbKind})`, () => {
  let t: TestApp;
  let adminA: string;
  beforeAll(async () => {
    t = await testApp();
    adminA = await tenantWithKey(t, 'acme', { channels: 10 });
  });
  afterAll(() => t.close());

  it('creates a tenant with default settings merged with the given ones', async () => {
    const r = await t.call(adminA, { method: 'GET', url: '/api/v1/tenants/acme' });
    expect(r.status).toBe(200);
    expect(r.body.settings).toMatchObject({
      channels: 10,
      timeZone: '+08:00',
      priorityMode: 'strict',
      isolation: false,
      maxCallerNumbers: 100,
    });
  });

  it('refuses requests without a key or with a wrong key', async () => {
    expect((await t.call(null, { method: 'GET', url: '/api/v1/tenants/acme' })).status).toBe(401);
    const wrong = await t.call('obk_000000000000_nope', {
      method: 'GET',
      url: '/api/v1/tenants/acme',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['content-type']).toContain('application/problem+json');
  });

  it('only a system administrator creates tenants', async () => {
    const r = await t.call(adminA, {
      method: 'POST',
      url: '/api/v1/tenants',
      payload: { id: 'other', name: 'x' },
    });
    expect(r.status).toBe(403);
  });

  it('reports every bad setting at once', async () => {
    const r = await t.call(t.adminKey, {
      method: 'POST',
      url: '/api/v1/tenants',
      payload: {
        id: 'bad',
        name: 'Bad',
        settings: {
          channels: 0,
          timeZone: 'Mars/Base',
          priorityMode: 'random',
          numberRules: { minLength: 9, maxLength: 5 },
        },
      },
    });
    expect(r.status).toBe(422);
    const paths = r.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/settings/channels',
        '/settings/timeZone',
        '/settings/priorityMode',
        '/settings/numberRules/minLength',
      ]),
    );
  });

  it('lets a tenant admin change its own settings but not the system-only ones', async () => {
    const ok = await t.call(adminA, {
      method: 'PATCH',
      url: '/api/v1/tenants/acme',
      payload: { settings: { isolation: true, timeZone: 'Asia/Shanghai' } },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.settings).toMatchObject({
      isolation: true,
      timeZone: 'Asia/Shanghai',
      channels: 10,
    });
    const denied = await t.call(adminA, {
      method: 'PATCH',
      url: '/api/v1/tenants/acme',
      payload: { settings: { channels: 500, callbackTrustlist: ['https://evil.example/'] } },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      '/settings/callbackTrustlist',
      '/settings/channels',
    ]);
    const bySys = await t.call(t.adminKey, {
      method: 'PATCH',
      url: '/api/v1/tenants/acme',
      payload: { settings: { channels: 50 } },
    });
    expect(bySys.body.settings.channels).toBe(50);
  });

  it('creates, lists and revokes keys; a revoked key stops working', async () => {
    const viewer = await t.call(adminA, {
      method: 'POST',
      url: '/api/v1/tenants/acme/keys',
      payload: { name: 'ro', role: 'viewer' },
    });
    expect(viewer.status).toBe(201);
    expect(viewer.body.key).toMatch(/^obk_[0-9a-f]{12}_/);
    const list = await t.call(adminA, { method: 'GET', url: '/api/v1/tenants/acme/keys' });
    expect(list.body.items.map((k: { role: string }) => k.role)).toContain('viewer');
    expect(JSON.stringify(list.body)).not.toContain(viewer.body.key);
    expect(
      (await t.call(viewer.body.key, { method: 'GET', url: '/api/v1/tenants/acme' })).status,
    ).toBe(200);
    expect(
      (
        await t.call(viewer.body.key, {
          method: 'PATCH',
          url: '/api/v1/tenants/acme',
          payload: { name: 'x' },
        })
      ).status,
    ).toBe(403);
    const del = await t.call(adminA, {
      method: 'DELETE',
      url: `/api/v1/tenants/acme/keys/${viewer.body.apiKey.id}`,
    });
    expect(del.status).toBe(204);
    expect(
      (await t.call(viewer.body.key, { method: 'GET', url: '/api/v1/tenants/acme' })).status,
    ).toBe(401);
  });

  it('an OU operator key needs an existing OU', async () => {
    const r = await t.call(adminA, {
      method: 'POST',
      url: '/api/v1/tenants/acme/keys',
      payload: { name: 'op', role: 'ou_operator' },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors[0].path).toBe('/ouId');
    const r2 = await t.call(adminA, {
      method: 'POST',
      url: '/api/v1/tenants/acme/keys',
      payload: { name: 'op', role: 'ou_operator', ouId: 'nope' },
    });
    expect(r2.status).toBe(422);
  });

  it('rotates the callback secret', async () => {
    const a = await t.call(adminA, { method: 'GET', url: '/api/v1/tenants/acme/callback-secret' });
    const b = await t.call(adminA, { method: 'POST', url: '/api/v1/tenants/acme/callback-secret' });
    expect(a.body.secret).toHaveLength(43);
    expect(b.body.secret).not.toBe(a.body.secret);
  });

  it('serves the OpenAPI document and a browsable page', async () => {
    const doc = await t.call(null, { method: 'GET', url: '/openapi.json' });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/api/v1/tenants/{tenantId}/tasks');
    const body =
      doc.body.paths['/api/v1/tenants/{tenantId}/tasks'].post.requestBody.content[
        'application/json'
      ].schema;
    expect(body.properties.strategy.properties.maxRingSec).toMatchObject({
      minimum: 5,
      maximum: 120,
    });
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger');
  });
});

describe(`nullable request fields (${dbKind})`, () => {
  it('keep null as null (no coercion to an empty string)', async () => {
    const t = await testApp();
    try {
      await tenantWithKey(t, 'nulls');
      const r = await t.call(t.adminKey, {
        method: 'POST',
        url: '/api/v1/tenants/nulls/keys',
        payload: { name: 'v', role: 'viewer', ouId: null },
      });
      expect(r.status).toBe(201);
      expect(r.body.apiKey.ouId).toBeNull();
    } finally {
      await t.close();
    }
  });
});

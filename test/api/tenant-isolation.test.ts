import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, tenantWithKey, type TestApp } from '../helpers/app.ts';
import { dbKind } from '../helpers/db.ts';
import { FULL_SETTINGS, fullTaskConfig, seedWorld } from '../helpers/world.ts';

/**
 * Tenant B's keys, of every role, against every tenant route of the OpenAPI document aimed at
 * tenant A: each answers 404 and A's data is unchanged afterwards.
 */
describe(`tenant A is invisible to tenant B on every route (${dbKind})`, () => {
  let t: TestApp;
  let keyA: string;
  let taskId: string;
  const snapshot = async () => {
    const out: unknown[] = [];
    for (const url of [
      '/api/v1/tenants/acme',
      '/api/v1/tenants/acme/tasks',
      '/api/v1/tenants/acme/flows',
      '/api/v1/tenants/acme/blocklists',
      '/api/v1/tenants/acme/templates',
      `/api/v1/tenants/acme/tasks/${taskId}/events`,
    ]) {
      out.push((await t.call(keyA, { method: 'GET', url })).body);
    }
    return out;
  };

  beforeAll(async () => {
    t = await testApp();
    keyA = await tenantWithKey(t, 'acme', FULL_SETTINGS);
    await seedWorld(t, keyA, 'acme');
    taskId = (
      await t.call(keyA, {
        method: 'POST',
        url: '/api/v1/tenants/acme/tasks',
        payload: fullTaskConfig(),
      })
    ).body.id;
  });
  afterAll(() => t.close());

  it('answers 404 to every role of tenant B on every tenant route, and changes nothing', async () => {
    // Every tenant role of tenant B (an OU operator needs an OU of its tenant).
    const admin = await tenantWithKey(t, 'beta', {}, 'tenant_admin');
    const ou = await t.call(admin, {
      method: 'POST',
      url: '/api/v1/tenants/beta/ous',
      payload: { id: 'ou-b', name: 'B' },
    });
    expect(ou.status).toBe(201);
    const keysB = [
      admin,
      await tenantWithKey(t, 'beta', {}, 'viewer'),
      await tenantWithKey(t, 'beta', {}, 'ou_operator', 'ou-b'),
    ];
    const before = await snapshot();
    const doc = (await t.call(null, { method: 'GET', url: '/openapi.json' })).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths).filter(([p]) => p.includes('{tenantId}'));
    expect(routes.length).toBeGreaterThan(40);
    let checked = 0;
    for (const [path, ops] of routes) {
      const url = path
        .replace('{tenantId}', 'acme')
        .replace('{taskId}', taskId)
        .replace(/\{[^}]+\}/g, (m) => (m === '{id}' ? 'flow-notice' : 'x'));
      for (const method of Object.keys(ops)) {
        for (const key of keysB) {
          const r = await t.call(key, {
            method: method.toUpperCase(),
            url,
            payload: method === 'get' || method === 'delete' ? undefined : {},
          });
          expect({ method, url, status: r.status }).toEqual({ method, url, status: 404 });
          expect(r.body.title).toBe("tenant 'acme' not found");
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(80);
    expect(await snapshot()).toEqual(before);
  });

  it('lists only its own tenant to a tenant key', async () => {
    const keyB = await tenantWithKey(t, 'gamma');
    const r = await t.call(keyB, { method: 'GET', url: '/api/v1/tenants' });
    expect(r.body.items.map((x: { id: string }) => x.id)).toEqual(['gamma']);
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRoutes } from '../../src/api/static.ts';
import { registerErrorHandler } from '../../src/api/problem.ts';
import { testApp, tenantWithKey, type TestApp } from '../helpers/app.ts';
import { dbKind } from '../helpers/db.ts';

/** How the API process serves the console: files, the SPA fallback, and what stays the API's. */
describe('the console is served at / next to the API', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'outbound-web-'));
  const app = Fastify();
  beforeAll(async () => {
    mkdirSync(path.join(root, 'assets'));
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(path.join(root, 'assets/app-abc123.js'), 'console.log(1)');
    registerErrorHandler(app);
    await app.register(consoleRoutes, { root });
  });
  afterAll(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves index.html at / and for any console URL, never cached', async () => {
    for (const url of ['/', '/tasks/42/edit', '/resources/flows?x=1']) {
      const r = await app.inject({ url });
      expect(r.statusCode).toBe(200);
      expect(r.body).toContain('<title>console</title>');
      expect(r.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves hashed assets for good, and nothing outside the build', async () => {
    const r = await app.inject({ url: '/assets/app-abc123.js' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['cache-control']).toContain('immutable');
    const escape = await app.inject({ url: '/..%2f..%2fetc%2fpasswd' });
    expect(escape.body).toContain('<title>console</title>');
  });

  it('leaves unknown API paths to the API: 404 problem+json', async () => {
    const r = await app.inject({ url: '/api/v1/nothing-here' });
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toContain('application/problem+json');
  });

  it('says how to build the console when it is not built', async () => {
    const bare = Fastify();
    await bare.register(consoleRoutes, { root: path.join(root, 'missing') });
    const r = await bare.inject({ url: '/tasks' });
    expect(r.body).toContain('npm run build');
    await bare.close();
  });
});

describe(`GET /api/v1/me (${dbKind})`, () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await testApp();
    await tenantWithKey(t, 'acme', {});
    const k = await t.call(t.adminKey, {
      method: 'POST',
      url: '/api/v1/tenants/acme/keys',
      payload: { name: 'console', role: 'tenant_admin' },
    });
    admin = k.body.key as string;
  });
  afterAll(() => t.close());

  it('tells the console who the key is', async () => {
    const r = await t.call(admin, { method: 'GET', url: '/api/v1/me' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ role: 'tenant_admin', tenantId: 'acme', ouId: null });
    expect((await t.call(null, { method: 'GET', url: '/api/v1/me' })).status).toBe(401);
  });
});

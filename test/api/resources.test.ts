import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, tenantWithKey, type TestApp } from '../helpers/app.ts';
import { dbKind } from '../helpers/db.ts';
import { FULL_SETTINGS, fullTaskConfig, seedWorld, segment, WORLD } from '../helpers/world.ts';

describe(`tenant resources (${dbKind})`, () => {
  let t: TestApp;
  let key: string;
  const url = (kind: string, id = '') =>
    `/api/v1/tenants/acme/${segment(kind)}${id ? `/${encodeURIComponent(id)}` : ''}`;
  beforeAll(async () => {
    t = await testApp();
    key = await tenantWithKey(t, 'acme', FULL_SETTINGS);
    await seedWorld(t, key, 'acme');
  });
  afterAll(() => t.close());

  it.each(Object.keys(WORLD))('lists and reads back every %s', async (kind) => {
    const list = await t.call(key, { method: 'GET', url: url(kind) });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(
      (WORLD as Record<string, readonly unknown[]>)[kind]!.length,
    );
    const first = list.body.items[0];
    const one = await t.call(key, { method: 'GET', url: url(kind, first.id) });
    expect(one.status).toBe(200);
    expect(one.body).toEqual(first);
  });

  it('refuses a duplicate id with 409', async () => {
    const r = await t.call(key, {
      method: 'POST',
      url: url('ous'),
      payload: { id: 'ou-sales', name: 'Again' },
    });
    expect(r.status).toBe(409);
  });

  it('reports every field error of a resource at once', async () => {
    const r = await t.call(key, {
      method: 'POST',
      url: url('smsTemplates'),
      payload: { id: 's2', type: 'fax', text: '' },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/text', '/type']);
  });

  it('refuses a resource bound to an OU that does not exist', async () => {
    const r = await t.call(key, {
      method: 'POST',
      url: url('skillQueues'),
      payload: { id: 'sq2', name: 'x', ouId: 'ou-ghost' },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([{ path: '/ouId', message: "OU 'ou-ghost' does not exist" }]);
  });

  it('checks special dates by their type', async () => {
    const r = await t.call(key, {
      method: 'POST',
      url: url('specialDates'),
      payload: {
        id: 'sd',
        name: 'x',
        type: 'dateRange',
        from: '2026-12-10',
        to: '2026-12-01',
        weekdays: [1],
      },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/to', '/weekdays']);
    const y = await t.call(key, {
      method: 'POST',
      url: url('specialDates'),
      payload: { id: 'sd', name: 'x', type: 'yearly', dates: ['02-30'] },
    });
    expect(y.body.errors).toEqual([{ path: '/dates/0', message: "'02-30' is not a MM-dd date" }]);
  });

  it('a caller group may only hold the tenant’s caller numbers', async () => {
    const r = await t.call(key, {
      method: 'POST',
      url: url('callerGroups'),
      payload: { id: 'g2', numbers: ['+862188880001', '+869999'] },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors[0].path).toBe('/numbers/1');
  });

  it('caller numbers are provisioned by the system administrator unless the tenant may add its own', async () => {
    const denied = await t.call(key, {
      method: 'POST',
      url: url('callerNumbers'),
      payload: { number: '+862188889999' },
    });
    expect(denied.status).toBe(403);
    await t.call(t.adminKey, {
      method: 'PATCH',
      url: '/api/v1/tenants/acme',
      payload: { settings: { ownCallerNumbers: true } },
    });
    const ok = await t.call(key, {
      method: 'POST',
      url: url('callerNumbers'),
      payload: { number: '+862188889999' },
    });
    expect(ok.status).toBe(201);
  });

  it('publishes and unpublishes a flow', async () => {
    const un = await t.call(key, { method: 'POST', url: `${url('flows', 'flow-draft')}/publish` });
    expect(un.body.status).toBe('published');
    const back = await t.call(key, {
      method: 'POST',
      url: `${url('flows', 'flow-draft')}/unpublish`,
    });
    expect(back.body.status).toBe('draft');
  });

  describe("robot addresses follow the callbacks' outbound-address policy", () => {
    let beta = '';
    const burl = (kind: string, id = '') =>
      `/api/v1/tenants/beta/${segment(kind)}${id ? `/${encodeURIComponent(id)}` : ''}`;
    const robot = (id: string, endpoint: string | null, status = 'published') => ({
      id,
      status,
      ouId: null,
      endpoint,
      document: {},
    });
    beforeAll(async () => {
      beta = await tenantWithKey(t, 'beta', {
        ...FULL_SETTINGS,
        callbackTrustlist: [
          'https://crm.example.com/',
          'https://intranet.example.com/',
          'http://127.0.0.1:8080/',
        ],
      });
    });

    it('a robot without an endpoint cannot be published, on create or by /publish', async () => {
      const created = await t.call(beta, {
        method: 'POST',
        url: burl('robots'),
        payload: robot('r-none', null),
      });
      expect(created.status).toBe(422);
      expect(created.body.errors).toEqual([
        { path: '/endpoint', message: 'a robot without an endpoint cannot be published' },
      ]);
      const draft = await t.call(beta, {
        method: 'POST',
        url: burl('robots'),
        payload: robot('r-none', null, 'draft'),
      });
      expect(draft.status).toBe(201);
      const pub = await t.call(beta, {
        method: 'POST',
        url: `${burl('robots', 'r-none')}/publish`,
      });
      expect(pub.status).toBe(422);
      expect(pub.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(pub.body.errors).toEqual([
        { path: '/endpoint', message: 'a robot without an endpoint cannot be published' },
      ]);
      const after = await t.call(beta, { method: 'GET', url: burl('robots', 'r-none') });
      expect(after.body.status).toBe('draft');
    });

    it('refuses an endpoint outside the trustlist, or private unless the trustlist names it', async () => {
      const refused: [string, RegExp][] = [
        ['https://bots.example.net/turn', /approved trustlist/],
        ['http://127.0.0.1:9999/turn', /approved trustlist/],
        ['https://intranet.example.com/bot', /private address 10\.1\.2\.3/],
        ['ftp://crm.example.com/bot', /http or https/],
      ];
      for (const [endpoint, why] of refused) {
        const r = await t.call(beta, {
          method: 'POST',
          url: burl('robots'),
          payload: robot('r-bad', endpoint),
        });
        expect(r.status, endpoint).toBe(422);
        expect(r.body.errors, endpoint).toEqual([
          { path: '/endpoint', message: expect.stringMatching(why) },
        ]);
      }
      // A draft may hold any http address; publishing it is what is checked.
      const draft = await t.call(beta, {
        method: 'POST',
        url: burl('robots'),
        payload: robot('r-later', 'https://bots.example.net/turn', 'draft'),
      });
      expect(draft.status).toBe(201);
      const pub = await t.call(beta, {
        method: 'POST',
        url: `${burl('robots', 'r-later')}/publish`,
      });
      expect(pub.status).toBe(422);
      expect(pub.body.errors[0].path).toBe('/endpoint');
      for (const [id, endpoint] of [
        ['r-public', 'https://crm.example.com/robot'],
        ['r-loop', 'http://127.0.0.1:8080/turn'],
      ]) {
        const ok = await t.call(beta, {
          method: 'POST',
          url: burl('robots'),
          payload: robot(id!, endpoint!),
        });
        expect(ok.status, endpoint).toBe(201);
      }
    });

    it("checks a flow's robot nodes at publish, and refuses a trustlist in the document", async () => {
      const flow = (endpoint: string, extra: Record<string, unknown> = {}) => ({
        id: 'f-robot',
        kind: 'ivr',
        status: 'published',
        ouId: null,
        document: { nodes: [{ id: 'bot', type: 'robot', endpoint, ...extra }] },
      });
      const outside = await t.call(beta, {
        method: 'POST',
        url: burl('flows'),
        payload: flow('http://169.254.169.254/latest'),
      });
      expect(outside.status).toBe(422);
      expect(outside.body.errors).toEqual([
        { path: '/document/nodes/0/endpoint', message: expect.stringMatching(/trustlist/) },
      ]);
      const smuggled = await t.call(beta, {
        method: 'POST',
        url: burl('flows'),
        payload: flow('https://crm.example.com/robot', {
          trustlist: ['http://169.254.169.254/'],
        }),
      });
      expect(smuggled.status).toBe(422);
      expect(smuggled.body.errors).toEqual([
        {
          path: '/document/nodes/0/trustlist',
          message: expect.stringMatching(/set by the engine/),
        },
      ]);
      const ok = await t.call(beta, {
        method: 'POST',
        url: burl('flows'),
        payload: flow('https://crm.example.com/robot'),
      });
      expect(ok.status).toBe(201);
    });
  });

  it('keeps blocklist entries with expiry and restriction, and edits them', async () => {
    const bl = await t.call(key, { method: 'GET', url: url('blocklists', 'bl-default') });
    expect(bl.body.entries).toEqual([
      {
        number: '+8613800000098',
        expiresAt: '2026-11-30T16:00:00.000Z',
        restrict: { times: 1, period: 'day' },
      },
      { number: '+8613800000099', expiresAt: null, restrict: null },
    ]);
    const add = await t.call(key, {
      method: 'POST',
      url: `${url('blocklists', 'bl-default')}/entries`,
      payload: { entries: [{ number: '+8613800000097', restrict: { times: 2, period: 'hour' } }] },
    });
    expect(add.body.entries).toHaveLength(3);
    expect(
      (
        await t.call(key, {
          method: 'DELETE',
          url: `${url('blocklists', 'bl-default')}/entries/${encodeURIComponent('+8613800000097')}`,
        })
      ).status,
    ).toBe(204);
  });

  it('stores blocklist numbers the way customers’ numbers are stored (E.164 with a default country)', async () => {
    const cn = await tenantWithKey(t, 'cn-tenant', {
      numberRules: { defaultCountry: 'CN', minLength: 5, maxLength: 20 },
    });
    const blUrl = '/api/v1/tenants/cn-tenant/blocklists';
    const bad = await t.call(cn, {
      method: 'POST',
      url: blUrl,
      payload: {
        id: 'bl',
        entries: [{ number: '13800000099' }, { number: '+8613800000099' }, { number: '12' }],
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([
      { path: '/entries/1/number', message: "'+8613800000099' is listed twice" },
      {
        path: '/entries/2/number',
        message: "'12' is not a valid phone number for CN; write it with its country code (+…)",
      },
    ]);
    const ok = await t.call(cn, {
      method: 'POST',
      url: blUrl,
      payload: { id: 'bl', entries: [{ number: '13800000099' }, { number: '*99#' }] },
    });
    expect(ok.status).toBe(201);
    const stored = await t.call(cn, { method: 'GET', url: `${blUrl}/bl` });
    expect(stored.body.entries.map((e: { number: string }) => e.number)).toEqual([
      '*99#',
      '+8613800000099',
    ]);
    const add = await t.call(cn, {
      method: 'POST',
      url: `${blUrl}/bl/entries`,
      payload: { entries: [{ number: '13900000001' }, { number: '99' }] },
    });
    expect([add.status, add.body.errors]).toEqual([
      422,
      [
        {
          path: '/entries/1/number',
          message: "'99' is not a valid phone number for CN; write it with its country code (+…)",
        },
      ],
    ]);
    await t.call(cn, {
      method: 'POST',
      url: `${blUrl}/bl/entries`,
      payload: { entries: [{ number: '13900000001' }] },
    });
    // Removed by the number as the administrator writes it.
    expect(
      (await t.call(cn, { method: 'DELETE', url: `${blUrl}/bl/entries/13900000001` })).status,
    ).toBe(204);
    expect(
      (await t.call(cn, { method: 'GET', url: `${blUrl}/bl` })).body.entries.map(
        (e: { number: string }) => e.number,
      ),
    ).toEqual(['*99#', '+8613800000099']);
  });

  it('refuses to delete a resource a task uses, naming the task', async () => {
    const task = await t.call(key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/tasks',
      payload: fullTaskConfig(),
    });
    expect(task.status).toBe(201);
    const r = await t.call(key, { method: 'DELETE', url: url('flows', 'flow-notice') });
    expect(r.status).toBe(409);
    expect(r.body.title).toContain("'Product change notice'");
    const free = await t.call(key, { method: 'DELETE', url: url('flows', 'flow-support') });
    expect(free.status).toBe(204);
    expect((await t.call(key, { method: 'GET', url: url('flows', 'flow-support') })).status).toBe(
      404,
    );
  });

  it('a viewer reads but cannot write resources', async () => {
    const viewer = (
      await t.call(key, {
        method: 'POST',
        url: '/api/v1/tenants/acme/keys',
        payload: { name: 'v', role: 'viewer' },
      })
    ).body.key;
    expect((await t.call(viewer, { method: 'GET', url: url('flows') })).status).toBe(200);
    expect(
      (await t.call(viewer, { method: 'POST', url: url('ous'), payload: { id: 'x', name: 'x' } }))
        .status,
    ).toBe(403);
  });
});

import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { acmeWithTask, fullTaskConfig } from '../helpers/world.ts';

/**
 * Input a careless integrator or an attacker sends (issue #11): characters PostgreSQL cannot store,
 * files in other character sets, JSON nested without end, wrong content types and malformed keys.
 * Each gets a problem+json answer that names what is wrong, and good rows still land.
 */
describe('input that cannot be stored or read is answered, and loses nothing', () => {
  let t: TestApp;
  let key: string;
  let taskId: string;
  const tasks = '/api/v1/tenants/acme/tasks';

  beforeAll(async () => {
    ({ t, key, taskId } = await acmeWithTask());
  });
  afterAll(() => t.close());

  const csv = (body: string | Buffer, query = '', type = 'text/csv') =>
    t.call(key, {
      method: 'POST',
      url: `${tasks}/${taskId}/contacts/import${query}`,
      payload: typeof body === 'string' ? Buffer.from(body) : body,
      headers: { 'content-type': type },
    });
  const contact = (sessionId: string) =>
    t.call(key, { method: 'GET', url: `${tasks}/${taskId}/contacts/${sessionId}` });

  it('refuses NUL and lone surrogates in a task with every field path, and stores nothing', async () => {
    const r = await t.call(key, {
      method: 'POST',
      url: tasks,
      payload: JSON.stringify(fullTaskConfig({ name: 'a\u0000b', description: 'x\ud800y' })),
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(422);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.body.errors).toEqual(
      expect.arrayContaining([
        { path: '/name', message: expect.stringContaining('NUL') },
        { path: '/description', message: expect.stringContaining('surrogate') },
      ]),
    );
    const list = await t.call(key, { method: 'GET', url: tasks });
    expect(list.body.items.map((x: { name: string }) => x.name)).not.toContain('a\u0000b');
  });

  it('rejects only the JSON contacts with NUL, naming row and field; the good ones land', async () => {
    const r = await t.call(key, {
      method: 'POST',
      url: `${tasks}/${taskId}/contacts`,
      payload: {
        contacts: [
          { sessionId: 'N-1', numbers: [{ number: '13800000001' }], attributes: { vip: 1 } },
          {
            sessionId: 'N-2',
            customField: 'x\u0000y',
            numbers: [{ number: '13800000002' }],
            attributes: { vip: 1 },
          },
          {
            sessionId: 'N-3',
            numbers: [{ number: '13800000003' }],
            attributes: { vip: 1, city: 'Sh\u0000enzhen' },
          },
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ received: 3, inserted: 1, rejected: 2 });
    expect(r.body.errors).toEqual([
      { row: 2, sessionId: 'N-2', path: '/customField', message: expect.stringContaining('NUL') },
      {
        row: 3,
        sessionId: 'N-3',
        path: '/attributes/city',
        message: expect.stringContaining('NUL'),
      },
    ]);
    expect((await contact('N-1')).status).toBe(200);
  });

  it('rejects a CSV row with NUL by row number and keeps the others', async () => {
    const r = await csv(
      'sessionId,number1,vip,customField\nC-1,13800000011,1,ok\nC-2,13800000012,1,a\u0000b\n',
    );
    expect(r.body).toMatchObject({ received: 2, inserted: 1, rejected: 1 });
    expect(r.body.errors).toEqual([
      expect.objectContaining({
        row: 2,
        path: 'customField',
        message: expect.stringContaining('NUL'),
      }),
    ]);
  });

  it('reads GB18030, Latin-1 and UTF-16 files as declared, and refuses undecodable rows by number', async () => {
    const header = 'sessionId,number1,vip,customField\n';
    // GB18030 (GBK-compatible bytes for 中文), declared by the query and by the Content-Type.
    const gbk = Buffer.concat([
      Buffer.from(`${header}G-1,13800000021,1,`),
      Buffer.from([0xd6, 0xd0, 0xce, 0xc4]),
      Buffer.from('\n'),
    ]);
    expect((await csv(gbk, '?charset=gb18030')).body).toMatchObject({ inserted: 1, rejected: 0 });
    expect((await contact('G-1')).body.customField).toBe('中文');
    expect(
      (
        await csv(
          Buffer.from(gbk.toString('latin1').replace('G-1', 'G-2'), 'latin1'),
          '',
          'text/csv; charset=GBK',
        )
      ).body,
    ).toMatchObject({ inserted: 1 });
    expect((await contact('G-2')).body.customField).toBe('中文');

    const latin = Buffer.from(`${header}L-1,13800000022,1,Zürich\n`, 'latin1');
    expect((await csv(latin, '?charset=latin1')).body).toMatchObject({ inserted: 1 });
    expect((await contact('L-1')).body.customField).toBe('Zürich');

    // A spreadsheet's "Unicode text": UTF-16LE with a byte-order mark, whatever was declared.
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`${header}U-1,13800000023,1,Zürich 中文\n`, 'utf16le'),
    ]);
    expect((await csv(utf16)).body).toMatchObject({ inserted: 1, rejected: 0 });
    expect((await contact('U-1')).body.customField).toBe('Zürich 中文');

    // The same Latin-1 file sent as UTF-8: its row is refused by number, never stored garbled;
    // the valid row beside it lands.
    const mixed = Buffer.concat([
      Buffer.from(`${header}M-1,13800000024,1,plain\nM-2,13800000025,1,Z`),
      Buffer.from([0xfc]),
      Buffer.from('rich\n'),
    ]);
    const r = await csv(mixed);
    expect(r.body).toMatchObject({ received: 2, inserted: 1, rejected: 1 });
    expect(r.body.errors).toEqual([
      expect.objectContaining({
        row: 2,
        path: 'customField',
        message: expect.stringContaining('charset'),
      }),
    ]);
    expect((await contact('M-2')).status).toBe(404);

    const bad = await csv(latin, '?charset=ebcdic');
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: '/querystring/charset' })]);
  });

  it('refuses unknown fields on writes, top level included, naming each', async () => {
    const patch = await t.call(t.adminKey, {
      method: 'PATCH',
      url: '/api/v1/tenants/acme',
      payload: { name: 'Acme', channels: 99 },
    });
    expect(patch.status).toBe(422);
    expect(patch.body.errors).toEqual([{ path: '/channels', message: 'is not a known field' }]);
    const inSettings = await t.call(t.adminKey, {
      method: 'PATCH',
      url: '/api/v1/tenants/acme',
      payload: { settings: { timeZone: '+08:00', colour: 'red' } },
    });
    expect(inSettings.status).toBe(422);
    expect(inSettings.body.errors).toEqual([
      { path: '/settings/colour', message: expect.stringContaining('known') },
    ]);
    const tenant = await t.call(t.adminKey, { method: 'GET', url: '/api/v1/tenants/acme' });
    expect(tenant.body.settings.channels).not.toBe(99);
    const k = await t.call(key, {
      method: 'POST',
      url: '/api/v1/tenants/acme/keys',
      payload: { name: 'x', role: 'viewer', scope: 'all' },
    });
    expect(k.status).toBe(422);
    expect(k.body.errors).toEqual([{ path: '/scope', message: 'is not a known field' }]);
  });

  it('refuses an SMS endpoint outside the trustlist or on a private address when it is saved', async () => {
    const save = (endpoint: string) =>
      t.call(key, {
        method: 'PATCH',
        url: '/api/v1/tenants/acme',
        payload: {
          settings: { smsProviders: { cloud: { endpoint, apiKey: 'k', sender: 'ACME' } } },
        },
      });
    for (const endpoint of [
      'http://10.0.0.5/sms',
      'https://intranet.example.com/sms',
      'https://sms.example.net/send',
    ]) {
      const r = await save(endpoint);
      expect(r.status, endpoint).toBe(422);
      expect(r.body.errors).toEqual([
        { path: '/settings/smsProviders/cloud/endpoint', message: expect.any(String) },
      ]);
    }
    // Under the trustlist (crm.example.com, a public address): saved.
    expect((await save('https://crm.example.com/sms')).status).toBe(200);
    // An SMPP gateway likewise, as smpp://host:port/.
    const gateway = await t.call(key, {
      method: 'PATCH',
      url: '/api/v1/tenants/acme',
      payload: {
        settings: {
          smsProviders: {
            gateway: { host: '10.0.0.7', port: 2775, systemId: 'acme', password: 'pw' },
          },
        },
      },
    });
    expect(gateway.status).toBe(422);
    expect(gateway.body.errors).toEqual([
      {
        path: '/settings/smsProviders/gateway/host',
        message: expect.stringContaining('smpp://10.0.0.7:2775/'),
      },
    ]);
  });

  it('answers deep nesting with 400 and oversized bodies with 413, never 500', async () => {
    for (const deep of [
      '{"a":'.repeat(5000) + '1' + '}'.repeat(5000),
      `{"name":${'['.repeat(100000)}${']'.repeat(100000)}}`,
    ]) {
      const r = await t.call(key, {
        method: 'POST',
        url: tasks,
        payload: deep,
        headers: { 'content-type': 'application/json' },
      });
      expect(r.status).toBe(400);
      expect(r.body.title).toContain('nested deeper than 64');
    }
    // A body over the route's limit (10 MiB) is 413, as problem+json.
    const big = await t.call(key, {
      method: 'POST',
      url: tasks,
      payload: JSON.stringify({ name: 'x'.repeat(11 * 1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(big.status).toBe(413);
    expect(big.headers['content-type']).toContain('application/problem+json');
    // Depth inside strings does not count.
    const ok = await t.call(key, {
      method: 'POST',
      url: tasks,
      payload: JSON.stringify(fullTaskConfig({ name: 'Brackets', description: '['.repeat(500) })),
      headers: { 'content-type': 'application/json' },
    });
    expect(ok.status).toBe(201);
  });

  it('names the accepted content types when the body has another or none', async () => {
    const plain = await t.call(key, {
      method: 'POST',
      url: tasks,
      payload: '{"name":"x"}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(plain.status).toBe(415);
    expect(plain.body).toMatchObject({ accepted: ['application/json'] });
    expect(plain.body.title).toContain("'text/plain'");
    const file = await csv('x', '', 'application/pdf');
    expect(file.status).toBe(415);
    expect(file.body.accepted).toEqual(expect.arrayContaining(['text/csv']));
  });

  it('refuses keys with stray whitespace or other characters the same way as wrong keys', async () => {
    const get = (authorization: string) =>
      t.call(null, { method: 'GET', url: tasks, headers: { authorization } });
    expect((await get(`Bearer ${key}`)).status).toBe(200);
    for (const h of [
      `Bearer ${key}  `,
      `Bearer  ${key}`,
      ` Bearer ${key}`,
      `Bearer ${key}\t`,
      `bearer ${key}`,
    ]) {
      const r = await get(h);
      expect(r.status, JSON.stringify(h)).toBe(401);
      expect(r.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('answers a control byte in a header over real HTTP with problem+json', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const raw = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      let out = '';
      s.on('data', (d) => (out += d.toString()));
      s.on('end', () => resolve(out));
      s.on('error', reject);
      s.write(`GET ${tasks} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\u0001\r\n\r\n`);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('application/problem+json');
  });
});

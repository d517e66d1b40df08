import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { lazySchemaController, type LazySchemaOptions } from '../../src/api/lazy-schemas.ts';

/**
 * `simulate` keeps the validators and reply serializers of the routes it calls, compiled, for the
 * next process (src/api/lazy-schemas.ts): a loaded validator must accept, refuse, coerce and fill
 * defaults exactly as Fastify's own, a loaded serializer write the same reply, and code is only
 * ever run from the user's own private directory.
 */
describe('route validators and serializers kept for the next process', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'outbound-validators-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const body = Type.Object(
    {
      at: Type.String({ format: 'date-time' }),
      tries: Type.Integer({ minimum: 1, default: 3 }),
      name: Type.String({ minLength: 1 }),
    },
    { additionalProperties: false },
  );
  const query = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500 }) });
  const reply = Type.Object({
    body: Type.Object({ at: Type.String(), tries: Type.Integer(), name: Type.String() }),
    query: query,
    at: Type.String({ format: 'date-time' }),
    note: Type.Union([Type.String(), Type.Null()]),
  });

  /** The app's Ajv options (src/api/app.ts), one route; `lazy` as simulate sets it, or none. */
  async function app(lazy?: LazySchemaOptions) {
    const a = Fastify({
      ajv: {
        customOptions: {
          strict: false,
          allErrors: true,
          coerceTypes: 'array',
          useDefaults: true,
          removeAdditional: false,
        },
      },
      ...(lazy ? { schemaController: lazySchemaController(lazy) } : {}),
    });
    a.post(
      '/things',
      { schema: { body, querystring: query, response: { 200: reply } } },
      async (req) => {
        const b = req.body as { at: string; name: string };
        // A Date, a string-or-null either way, a property the reply's schema leaves out.
        return {
          body: b,
          query: req.query,
          at: new Date(b.at),
          note: b.name === 'a' ? null : b.name,
          secret: 'x',
        };
      },
    );
    await a.ready();
    return a;
  }

  const requests = [
    { payload: { at: '2026-11-23T08:00:00Z', name: 'a' }, url: '/things?limit=5' },
    { payload: { at: 'yesterday', tries: 0, name: '', extra: 1 }, url: '/things?limit=900' },
    { payload: { at: '2026-11-23T08:00:00Z', tries: '2', name: 'b' }, url: '/things?limit=x' },
    { payload: { at: '2026-11-23T08:00:00+08:00', tries: '2', name: 'b' }, url: '/things?limit=7' },
  ];

  async function answers(lazy?: LazySchemaOptions) {
    const a = await app(lazy);
    const out = [];
    for (const r of requests) {
      const res = await a.inject({ method: 'POST', ...r });
      out.push({ status: res.statusCode, body: res.json() as unknown });
    }
    await a.close();
    return out;
  }

  it('answers as Fastify does, compiled or loaded, and loads what an earlier process wrote', async () => {
    const dir = path.join(root, 'own');
    const fastify = await answers();
    expect(fastify.map((a) => a.status)).toEqual([200, 400, 400, 200]);
    expect(fastify[3]!.body).toEqual({
      body: { at: '2026-11-23T08:00:00+08:00', tries: 2, name: 'b' },
      query: { limit: 7 },
      at: '2026-11-23T00:00:00.000Z',
      note: 'b',
    });
    expect(await answers({ cacheDir: dir })).toEqual(fastify); // compiled, written
    const files = readdirSync(dir);
    expect(files.length).toBe(3); // the body's and the query's validators, the reply's serializer
    expect(await answers({ cacheDir: dir })).toEqual(fastify); // loaded
    expect(readdirSync(dir)).toEqual(files);

    // What is in the directory is what runs: a validator that refuses everything is obeyed.
    for (const f of files)
      writeFileSync(
        path.join(dir, f),
        'module.exports.default = function v() { v.errors = [{ instancePath: "", message: "planted" }]; return false; };',
      );
    const planted = await answers({ cacheDir: dir });
    expect(planted.map((a) => a.status)).toEqual([400, 400, 400, 400]);
  });

  it('never runs code from a directory others may write to', async () => {
    const dir = path.join(root, 'shared');
    await answers({ cacheDir: dir });
    for (const f of readdirSync(dir))
      writeFileSync(path.join(dir, f), 'module.exports.default = () => false;');
    chmodSync(dir, 0o777);
    const fastify = await answers();
    expect(await answers({ cacheDir: dir })).toEqual(fastify);
  });
});

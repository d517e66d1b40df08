import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { createApiKey } from '../../src/api/auth.ts';
import { createCipher } from '../../src/platform/cipher.ts';
import { VirtualClock } from '../../src/platform/clock.ts';
import { promptStoreFor } from '../../src/telephony/sip/adapter.ts';
import { PromptStore } from '../../src/telephony/sip/media/prompts.ts';
import { writeWavBuffer } from '../../src/telephony/sip/media/wav.ts';
import { testStore, type TestStore } from '../helpers/db.ts';

const hasTts =
  spawnSync('espeak-ng', ['--version'], { stdio: 'ignore' }).error === undefined &&
  spawnSync('sox', ['--version'], { stdio: 'ignore' }).error === undefined;

/**
 * On a SIP trunk, publishing a flow converts its prompts (espeak-ng and sox to 8 kHz mono) into
 * the cache the calls read, so the first call plays from the cache; a prompt that cannot be
 * converted refuses the publication and names the prompt.
 */
describe.skipIf(!hasTts)('flow prompts are prepared when the flow is published', () => {
  const dir = mkdtempSync(join(tmpdir(), 'outbound-publish-'));
  const cacheDir = join(dir, 'cache');
  const sip = {
    trunk: { host: '127.0.0.2' },
    bind: { address: '127.0.0.1' },
    media: { address: '127.0.0.1' },
    promptCacheDir: cacheDir,
    promptBaseDir: dir,
  };
  let store: TestStore;
  let app: FastifyInstance;
  let key: string;
  beforeAll(async () => {
    store = await testStore();
    const clock = new VirtualClock('2026-11-23T08:00:00+08:00');
    const prompts = promptStoreFor(sip);
    app = await buildApp({
      db: store.db,
      clock,
      cipher: createCipher(randomBytes(32)),
      preparePrompts: (doc) => prompts.prepare(doc),
    });
    key = (
      await createApiKey(store.db, {
        tenantId: null,
        role: 'system_admin',
        ouId: null,
        name: 't',
        now: clock.now(),
      })
    ).key;
    const t = await call('POST', '/api/v1/tenants', { id: 'acme', name: 'Acme', settings: {} });
    expect(t.status).toBe(201);
    // A prompt file at 16 kHz: sox converts it to 8 kHz at publish.
    const tone = Int16Array.from({ length: 16000 }, (_, i) => (i % 40) * 100);
    writeFileSync(join(dir, 'menu.wav'), writeWavBuffer(tone, 16000));
  });
  afterAll(async () => {
    await app?.close();
    await store?.dispose();
  });

  async function call(method: 'POST' | 'PUT', url: string, payload?: unknown) {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${key}` },
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    });
    return { status: res.statusCode, body: res.json() };
  }

  const flow = (id: string, file: string) => ({
    id,
    name: id,
    document: {
      nodes: [
        { id: 'hi', type: 'play', prompt: { text: `Hello from ${id}.` }, next: 'menu' },
        { id: 'menu', type: 'collect', prompt: { file }, max: 1, next: 'bye' },
        { id: 'bye', type: 'hangup', prompt: { text: 'Goodbye, ${name}.' } },
      ],
    },
  });
  const cached = () => readdirSync(cacheDir, { withFileTypes: true }).map((e) => e.name);

  it('a draft is not converted; publishing it fills the cache the calls play from', async () => {
    expect((await call('POST', '/api/v1/tenants/acme/flows', flow('f1', 'menu.wav'))).status).toBe(
      201,
    );
    expect(() => cached()).toThrow(); // nothing converted for a draft
    const pub = await call('POST', '/api/v1/tenants/acme/flows/f1/publish');
    expect(pub.status).toBe(200);
    expect(pub.body.status).toBe('published');
    // The static text and the 16 kHz file were converted; text with ${…} is spoken at call time.
    expect(cached().filter((n) => n.startsWith('tts-'))).toHaveLength(1);
    expect(cached().filter((n) => n.startsWith('file-'))).toHaveLength(1);
    // A call-time store without any converter plays both from the cache.
    const callTime = new PromptStore({
      cacheDir,
      baseDir: dir,
      espeak: '/nonexistent/espeak-ng',
      sox: '/nonexistent/sox',
    });
    const hello = await callTime.load({ text: 'Hello from f1.' });
    expect(hello.length).toBeGreaterThan(8000 * 0.5); // at least half a second of speech
    const menu = await callTime.load({ file: 'menu.wav' });
    expect(menu.length).toBe(8000); // 1 s at 8 kHz
  });

  it('a published flow written directly is converted too', async () => {
    const r = await call('POST', '/api/v1/tenants/acme/flows', {
      ...flow('f2', 'menu.wav'),
      status: 'published',
    });
    expect(r.status).toBe(201);
    expect(cached().filter((n) => n.startsWith('tts-'))).toHaveLength(2);
  });

  it('a prompt that cannot be converted refuses the publication and names the prompt', async () => {
    await call('POST', '/api/v1/tenants/acme/flows', flow('f3', 'missing.wav'));
    const pub = await call('POST', '/api/v1/tenants/acme/flows/f3/publish');
    expect(pub.status).toBe(422);
    expect(pub.body.errors).toEqual([
      { path: '/document/nodes/1/prompt', message: expect.stringMatching(/ENOENT/) },
    ]);
    const put = await call('PUT', '/api/v1/tenants/acme/flows/f3', {
      ...flow('f3', 'missing.wav'),
      status: 'published',
    });
    expect(put.status).toBe(422);
    const f3 = await app.inject({
      method: 'GET',
      url: '/api/v1/tenants/acme/flows/f3',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(f3.json().status).toBe('draft');
  });
});

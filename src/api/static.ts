import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../platform/errors.ts';
import { principalOf } from './auth.ts';

/** The console's build output; the same path from src/api (tsx) and dist/api (tsc). */
export const WEB_DIST = path.resolve(import.meta.dirname, '../../web/dist');

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Outbound</title>
<p>The web console is not built. Run <code>npm run build</code> (or <code>npm run build:web</code>)
and reload. The API is at <a href="/docs">/docs</a>.</p>`;

/**
 * The web console (web/, a single-page app) at `/`: files of web/dist, and index.html for any
 * other path that is not the API, so that console URLs survive a reload. Hashed assets are cached
 * for good; index.html never, so a new build is picked up at once. Also `GET /api/v1/me`: who the
 * key is (role, tenant, OU), which the console shows at all times.
 */
export const consoleRoutes: FastifyPluginAsync<{ root?: string }> = async (app, opts) => {
  const root = opts.root ?? WEB_DIST;
  await app.register(fastifyStatic, { root, serve: false });

  app.get(
    '/api/v1/me',
    {
      schema: {
        tags: ['keys'],
        summary: 'The calling key: role, tenant and OU',
        response: {
          200: Type.Object({
            keyId: Type.String(),
            role: Type.String(),
            tenantId: Type.Union([Type.String(), Type.Null()]),
            ouId: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (req) => {
      const p = principalOf(req);
      return { keyId: p.keyId, role: p.role, tenantId: p.tenantId, ouId: p.ouId };
    },
  );

  app.get('/*', { schema: { hide: true } }, async (req, reply) => {
    let url: string;
    try {
      url = decodeURIComponent(req.url.split('?')[0]!);
    } catch {
      throw new AppError('bad_request', 'malformed URL');
    }
    if (url.startsWith('/api/')) throw new AppError('not_found', `no route GET ${url}`);
    const file = path.join(root, url);
    if (file.startsWith(root + path.sep) && isFile(file)) {
      const hashed = url.startsWith('/assets/');
      return reply.sendFile(path.relative(root, file), root, {
        maxAge: hashed ? '365d' : 0,
        immutable: hashed,
      });
    }
    if (!isFile(path.join(root, 'index.html'))) return reply.type('text/html').send(NOT_BUILT);
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', root, { cacheControl: false });
  });
};

function isFile(p: string): boolean {
  return existsSync(p) && statSync(p).isFile();
}

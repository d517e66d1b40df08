import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Clock } from '../platform/clock.ts';
import type { Cipher } from '../platform/cipher.ts';
import type { Logger } from '../platform/logger.ts';
import type { Db } from '../store/db.ts';
import type { Resolver } from '../notify/callback-target.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { FieldError } from '../platform/errors.ts';
import type { Dialogue } from '../ivr/dialogue.ts';
import type { FlowDocument } from '../ivr/flow.ts';
import type { ForecastJobs } from '../engine/forecast-jobs.ts';
import { KEY_HEADER, authenticate } from './auth.ts';
import { lazySchemaController, type LazySchemaOptions } from './lazy-schemas.ts';
import { AppError } from '../platform/errors.ts';
import { registerErrorHandler } from './problem.ts';
import { describeOperation } from './openapi.ts';
import { clientErrorHandler, registerRequestGuards } from './request-guards.ts';
import { registerSecurity, type AuthFailureLimits } from './security.ts';
import { tenantRoutes } from './tenants/routes.ts';
import { keyRoutes } from './keys/routes.ts';
import { resourceRoutes } from './resources/routes.ts';
import { testCallRoutes } from './resources/test-call-routes.ts';
import { taskRoutes } from './tasks/routes.ts';
import { templateRoutes } from './templates/routes.ts';
import { contactRoutes } from './contacts/routes.ts';
import { progressRoutes } from './tasks/progress-routes.ts';
import { businessResultRoutes } from './tasks/business-result.ts';
import { resultRoutes } from './tasks/results-routes.ts';
import { exportRoutes } from './exports/routes.ts';
import { replayRoutes } from './tasks/replay-routes.ts';
import { recordingRoutes } from './tasks/recording-routes.ts';
import { skillQueueRoutes } from './skill-queues/routes.ts';

export interface AppDeps {
  db: Db;
  clock: Clock;
  cipher: Cipher;
  logger?: Logger;
  /** DNS for callback address checks (tests inject a table). */
  resolve?: Resolver;
  /** Served at /metrics (Prometheus text format) when given. */
  metrics?: Metrics;
  /**
   * Converts and caches the prompts of a flow document (or a speech robot's dialogue) as it is
   * published (the sip adapter's
   * prompt store); its errors refuse the publication. Absent: prompts are not prepared (sim).
   */
  preparePrompts?: (doc: FlowDocument | Dialogue) => Promise<FieldError[]>;
  /**
   * The words of these phrases the speech recogniser cannot hear (the embedded recogniser's
   * dictionary): a speech robot with such a phrase is refused when saved. Absent: not checked.
   */
  unknownSpeechWords?: (phrases: readonly string[]) => string[];
  /** Failed authentications allowed per address and per key id in a window (default AUTH_FAILURES). */
  authFailureLimits?: AuthFailureLimits;

  /** Where call recordings are served from (config.recordingsDir; default ./data/recordings). */
  recordingsDir?: string;
  /** Runs the tasks' forecasts (default: worker threads of this process, one at a time). */
  forecasts?: ForecastJobs;
  /**
   * Called after every request that changed something (a 2xx answer to POST, PUT, PATCH or
   * DELETE): `serve` wakes the workers of its own process (dialer, dispatcher, exports) so they see the change
   * at once rather than at their next idle poll.
   */
  onChange?: () => void;
  /**
   * Compile each route's schemas on its first use rather than when the app is built
   * (./lazy-schemas.ts): for short-lived processes that call a few routes (`simulate`, `demo`);
   * with a `cacheDir`, validators compiled by earlier processes are loaded from there.
   */
  lazySchemas?: boolean | LazySchemaOptions;
  /**
   * Serve the API's description (/openapi.json, /docs): default true. `simulate` does without,
   * sparing a short-lived process loading @fastify/swagger and its YAML parser (~0.2 s).
   */
  docs?: boolean;
}

export type App = FastifyInstance;

/** The HTTP API as a plugin-composed Fastify instance; `server.ts`/cli listen on it. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as FastifyBaseLogger } : { logger: false }),
    // Fastify's 10 s default made `serve` exit on a busy host (swagger-ui registering slowly);
    // a slow start is better than none.
    pluginTimeout: 120_000,
    ajv: {
      customOptions: {
        strict: false,
        allErrors: true,
        // Query strings need coercion ('5' → 5). In bodies it would turn null into "" for a
        // string-or-null field, so nullable request fields list Null first (matched before any coercion).
        coerceTypes: 'array',
        useDefaults: true,
        removeAdditional: false,
      },
    },
    bodyLimit: 10 * 1024 * 1024,
    clientErrorHandler,
    ...(deps.lazySchemas
      ? {
          schemaController: lazySchemaController(deps.lazySchemas === true ? {} : deps.lazySchemas),
        }
      : {}),
  }).withTypeProvider<TypeBoxTypeProvider>();

  registerErrorHandler(app);
  registerRequestGuards(app);
  const onChange = deps.onChange;
  if (onChange)
    app.addHook('onResponse', async (req, reply) => {
      if (req.method !== 'GET' && req.method !== 'HEAD' && reply.statusCode < 300) onChange();
    });
  const authLimiter = await registerSecurity(app, deps.authFailureLimits);

  if (deps.docs !== false) {
    const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([
      import('@fastify/swagger'),
      import('@fastify/swagger-ui'),
    ]);
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Outbound API',
          version: '1',
          license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
          description:
            'Outbound call tasks: tenants, resources, tasks, contacts. Errors are application/problem+json.',
        },
        components: {
          securitySchemes: {
            apiKey: { type: 'http', scheme: 'bearer', description: 'obk_… API key' },
          },
        },
        // Relative: the API is served wherever this server is reached.
        servers: [{ url: '/', description: 'this Outbound server' }],
        security: [{ apiKey: [] }],
      },
      transform: describeOperation,
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  }

  app.decorateRequest('principal', null);
  // Every /api route needs a key, and a key of one tenant never reaches another tenant's routes
  // (404, as if the tenant did not exist) — checked here, before body validation, for all routes.
  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/')) return;
    await authLimiter.check(req);
    const header = req.headers.authorization;
    if (header !== undefined && !KEY_HEADER.test(header)) {
      await authLimiter.failed(req);
      throw new AppError(
        'unauthenticated',
        "malformed Authorization header: expected 'Bearer obk_…' with one space and nothing else",
      );
    }
    req.principal = await authenticate(deps.db, header);
    if (!req.principal) {
      if (header !== undefined) await authLimiter.failed(req);
      throw new AppError(
        'unauthenticated',
        'a valid API key is required (Authorization: Bearer obk_…)',
      );
    }
    const tenantId = (req.params as { tenantId?: string } | undefined)?.tenantId;
    if (
      tenantId !== undefined &&
      req.principal.role !== 'system_admin' &&
      req.principal.tenantId !== tenantId
    ) {
      throw new AppError('not_found', `tenant '${tenantId}' not found`);
    }
  });

  app.get('/health', { schema: { hide: true } }, async () => ({ ok: true }));
  registerMetrics(app, deps.metrics);

  await app.register(
    async (api) => {
      await api.register(tenantRoutes, deps);
      await api.register(keyRoutes, deps);
      await api.register(resourceRoutes, deps);
      await api.register(testCallRoutes, deps);
      await api.register(taskRoutes, deps);
      await api.register(templateRoutes, deps);
      await api.register(contactRoutes, deps);
      await api.register(progressRoutes, deps);
      await api.register(businessResultRoutes, deps);
      await api.register(resultRoutes, deps);
      await api.register(exportRoutes, deps);
      await api.register(replayRoutes, deps);
      await api.register(recordingRoutes, deps);
      await api.register(skillQueueRoutes, deps);
    },
    { prefix: '/api/v1' },
  );
  await app.register((await import('./static.ts')).consoleRoutes);
  return app;
}

/** GET /metrics: the process's Prometheus metrics (meant for the operator's network only). */
export function registerMetrics(app: FastifyInstance, metrics: Metrics | undefined): void {
  if (!metrics) return;
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    // OpenMetrics for scrapers that ask for it (Prometheus does, by default), else the text format.
    const r = /application\/openmetrics-text/.test(String(req.headers.accept ?? ''))
      ? metrics.openMetrics
      : metrics.registry;
    reply.type(r.contentType);
    return r.metrics();
  });
}

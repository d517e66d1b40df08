import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { Type } from '@sinclair/typebox';
import { ProblemSchema } from './problem.ts';

/**
 * What every operation of the OpenAPI document gets without the route saying so: a stable
 * `operationId` (for generated clients' method names) and the problem+json error responses.
 * Applied through @fastify/swagger's `transform`, which changes the document only — a 4xx
 * response schema on the route itself would make Fastify serialise errors with it and drop their
 * extra members (`accepted`, `tasks`, `retryAfterSec`, …).
 */

/**
 * The 204 response: `type: null` documents an empty body; its static type `undefined` lets the
 * handler `send()` nothing.
 */
export const NoContent = Type.Unsafe<undefined>({ type: 'null', description: 'No content' });

const API_PREFIX = /^\/api\/v\d+/;

/** `caller-numbers` → `CallerNumbers`. */
const pascal = (s: string) =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

/** The segment naming one item of a collection: `tasks/:taskId` → `task`. */
const singular = (s: string) =>
  s.endsWith('ies') ? `${s.slice(0, -3)}y` : s.endsWith('s') ? s.slice(0, -1) : s;

/**
 * `GET /api/v1/tenants/:tenantId/tasks/:taskId/progress` → `getTaskProgress`: the method, then the
 * path's literal segments (a segment followed by a parameter names one item, so it is singular),
 * without the leading `tenants/:tenantId` every tenant route shares.
 */
export function operationIdOf(method: string, url: string): string {
  const parts = url.replace(API_PREFIX, '').split('/').filter(Boolean);
  const isParam = (p: string | undefined) => p !== undefined && /^[:{]/.test(p);
  const words: string[] = [];
  parts.forEach((p, i) => {
    if (!isParam(p)) words.push(isParam(parts[i + 1]) ? singular(p) : p);
  });
  if (words.length > 1 && words[0] === 'tenant') words.shift();
  return method.toLowerCase() + words.map(pascal).join('');
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

/** Every error leaves as problem+json (problem.ts), whatever the route. */
const ERROR_RESPONSES = {
  '4XX': problem(
    'Problem (RFC 9457): 401 without a valid key, 403 not allowed, 404 not found, 409 conflict, 415 media type, 422 validation (`errors` names every bad field), 429 too many requests',
  ),
  '5XX': problem('Problem (RFC 9457): internal error or service unavailable'),
};

export const describeOperation: NonNullable<FastifyDynamicSwaggerOptions['transform']> = ({
  schema,
  url,
  route,
}) => {
  if (!schema) return { schema, url };
  const method = Array.isArray(route.method) ? route.method[0]! : route.method;
  const own = schema as { operationId?: string; response?: Record<string, unknown> };
  return {
    url,
    schema: {
      ...schema,
      operationId: own.operationId ?? operationIdOf(method, url),
      // The route's own responses win (a route may document a specific problem).
      response: { ...ERROR_RESPONSES, ...(own.response ?? {}) },
    } as typeof schema,
  };
};

import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, type FieldError } from '../platform/errors.ts';
import { acceptedTypes } from './request-guards.ts';

/**
 * The one error handler: every error leaves as RFC 9457 problem+json. Validation errors list every
 * bad field with its JSON-pointer path; 5xx never echo internals.
 */
interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

export function ajvToFieldErrors(errors: AjvError[], context: string | undefined): FieldError[] {
  const prefix = context && context !== 'body' ? `/${context}` : '';
  // One error per field: ajv reports a union (anyOf of constants) once per branch.
  const byPath = new Map<string, { message: string; allowed: unknown[] }>();
  for (const e of errors) {
    let path = prefix + e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required' && typeof e.params.missingProperty === 'string') {
      path += `/${e.params.missingProperty}`;
      message = 'is required';
    } else if (
      e.keyword === 'additionalProperties' &&
      typeof e.params.additionalProperty === 'string'
    ) {
      path += `/${e.params.additionalProperty}`;
      message = 'is not a known field';
    }
    path ||= '/';
    const entry = byPath.get(path) ?? { message, allowed: [] };
    if (e.keyword === 'const') entry.allowed.push(e.params.allowedValue);
    byPath.set(path, entry);
  }
  return [...byPath].map(([path, { message, allowed }]) => ({
    path,
    message: allowed.length
      ? `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`
      : message,
  }));
}

function problem(status: number, code: string, title: string, extra: Record<string, unknown> = {}) {
  return { type: `urn:outbound:problem:${code}`, title, status, ...extra };
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    if (err instanceof AppError) {
      if (typeof err.extra?.retryAfterSec === 'number')
        reply.header('retry-after', String(err.extra.retryAfterSec));
      return reply
        .code(err.status)
        .type('application/problem+json')
        .send(
          problem(err.status, err.code, err.message, {
            ...(err.errors ? { errors: err.errors } : {}),
            ...(err.extra ?? {}),
          }),
        );
    }
    const fe = err as FastifyError & { validationContext?: string };
    if (fe.validation) {
      const errors = ajvToFieldErrors(fe.validation as unknown as AjvError[], fe.validationContext);
      return reply
        .code(422)
        .type('application/problem+json')
        .send(problem(422, 'validation', 'Validation failed', { errors }));
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const accepted = acceptedTypes(req.routeOptions.schema?.consumes);
      const sent = String(req.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim();
      return reply
        .code(415)
        .type('application/problem+json')
        .send(
          problem(
            415,
            'unsupported_media_type',
            `${sent ? `Content-Type '${sent}' is not accepted here` : 'the body has no Content-Type'}; send ${accepted.join(' or ')}`,
            { accepted },
          ),
        );
    }
    const status =
      fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 600 ? fe.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply
        .code(status)
        .type('application/problem+json')
        .send(problem(status, 'internal', 'Internal error'));
    }
    return reply
      .code(status)
      .type('application/problem+json')
      .send(problem(status, fe.code ?? 'bad_request', fe.message));
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .code(404)
      .type('application/problem+json')
      .send(problem(404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`));
  });
}

/** The schema of a problem response, for the OpenAPI document. */
export const ProblemSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

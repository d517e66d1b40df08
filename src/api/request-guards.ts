import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { unstorablePaths } from '../domain/storable-text.ts';
import { AppError, invalid } from '../platform/errors.ts';

/**
 * What every request body passes before a route sees it, so that no input reaches a handler as a
 * 500: JSON nested deeper than MAX_JSON_DEPTH is refused (400) before it is parsed, content types a
 * route does not take are answered with the ones it does (415), and text PostgreSQL cannot store
 * (NUL, lone surrogates) is refused with every field path at once (422). Routes that check such
 * text row by row (contact batches: good rows land) set `config.perRowText`.
 */
export const MAX_JSON_DEPTH = 64;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The handler refuses unstorable text per row itself (so that good rows land). */
    perRowText?: boolean;
  }
}

/** The deepest nesting of objects and arrays in a JSON text, counted without parsing it. */
export function jsonDepth(text: string, stopAt = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max && (max = depth) > stopAt) return max;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * A copy of a body schema in which every object that lists its properties refuses others
 * (`additionalProperties: false`) unless it says otherwise: a misspelt or misplaced field is named
 * in a 422 rather than silently ignored. Objects without listed properties (free-form documents
 * such as a flow's `document` or a contact's `callData`) stay open, and so do the parts of an
 * intersection (`allOf`), which each see only some of the fields.
 */
export function closedSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closedSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const s = schema as Record<string | symbol, unknown>;
  const out: Record<string | symbol, unknown> = {};
  for (const k of Reflect.ownKeys(s)) {
    const v = s[k];
    if (k === 'properties' || k === 'patternProperties')
      out[k] = Object.fromEntries(
        Object.entries(v as object).map(([p, x]) => [p, closedSchema(x)]),
      );
    else if (k === 'items' || k === 'anyOf' || k === 'oneOf' || k === 'additionalProperties')
      out[k] = closedSchema(v);
    else out[k] = v;
  }
  const props = out.properties as object | undefined;
  if (
    out.type === 'object' &&
    props &&
    Object.keys(props).length &&
    !('additionalProperties' in out)
  )
    out.additionalProperties = false;
  return out;
}

export function registerRequestGuards(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const body = route.schema?.body;
    if (body && !route.attachValidation)
      route.schema = { ...route.schema, body: closedSchema(body) };
  });
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
      return done(
        new AppError('bad_request', `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`),
        undefined,
      );
    parseJson(req, text, done);
  });
  // JSON sent as text/plain would reach the schema as a string ("must be an object" at "");
  // without this parser it is refused with the types the route takes.
  app.removeContentTypeParser('text/plain');

  app.addHook('preValidation', async (req) => {
    if (req.routeOptions.config?.perRowText) return;
    const b = req.body;
    if (b === null || typeof b !== 'object' || typeof (b as { pipe?: unknown }).pipe === 'function')
      return;
    const errors = unstorablePaths(b);
    if (errors.length) throw invalid(errors, 'Text that cannot be stored');
  });
}

/** The media types a route takes, for a 415 answer. */
export function acceptedTypes(consumes: unknown): string[] {
  return Array.isArray(consumes) && consumes.length ? consumes.map(String) : ['application/json'];
}

/**
 * A request Node's HTTP parser refuses before Fastify sees it (a control byte in a header, a
 * malformed request line) still gets a problem+json answer.
 */
export const clientErrorHandler: NonNullable<FastifyServerOptions['clientErrorHandler']> = (
  err,
  socket,
) => {
  if ((err as { code?: string }).code === 'ECONNRESET' || !socket.writable) return;
  const status = (err as { code?: string }).code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const body = JSON.stringify({
    type: 'urn:outbound:problem:bad_request',
    title:
      status === 431
        ? 'Request headers too large'
        : 'Malformed HTTP request (a header holds a character HTTP does not allow)',
    status,
  });
  socket.end(
    `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      'Content-Type: application/problem+json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
};

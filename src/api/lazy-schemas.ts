import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

/**
 * Route schemas compiled on a route's first use instead of when the app is built: Fastify's own
 * compilers (Ajv for requests, fast-json-stringify for replies, as Fastify loads them), each
 * route's validator or serializer built the first time a request needs it. For short-lived
 * processes that call a few routes (`simulate`, `demo`): compiling every route's schemas took
 * about a fifth of `simulate`'s start (docs/benchmarks.md). A long-running server keeps the
 * default, which finds a broken schema at start and never makes a first request wait.
 */

// Resolved from Fastify's own location: the compilers it would load itself, at its version.
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));

type Compile = (route: unknown) => (data: unknown) => unknown;
type Builder = (...args: unknown[]) => Compile;

/** A validator that compiles on its first call; Fastify reads a failed validation's `errors`. */
function lazyValidator(compile: () => (data: unknown) => unknown) {
  let fn: ((data: unknown) => unknown) & { errors?: unknown };
  const validate = (data: unknown) => {
    fn ??= compile();
    const ok = fn(data);
    validate.errors = fn.errors;
    return ok;
  };
  validate.errors = undefined as unknown;
  return validate;
}

function lazySerializer(compile: () => (data: unknown) => unknown) {
  let fn: (data: unknown) => unknown;
  return (data: unknown) => (fn ??= compile())(data);
}

/** Fastify's `schemaController` option compiling each route's schemas on first use. */
export function lazySchemaController(): NonNullable<FastifyServerOptions['schemaController']> {
  const validators = (fromFastify('@fastify/ajv-compiler') as () => Builder)();
  const serializers = (fromFastify('@fastify/fast-json-stringify-compiler') as () => Builder)();
  return {
    compilersFactory: {
      buildValidator: ((...args: unknown[]) => {
        const compile = validators(...args);
        return (route: unknown) => lazyValidator(() => compile(route));
      }) as never,
      buildSerializer: ((...args: unknown[]) => {
        const compile = serializers(...args);
        return (route: unknown) => lazySerializer(() => compile(route));
      }) as never,
    },
  };
}

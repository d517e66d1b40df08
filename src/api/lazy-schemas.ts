import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
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

/** Options of the lazy schema controller. */
export interface LazySchemaOptions {
  /**
   * A directory of validators compiled by earlier processes (Ajv's standalone code, one file per
   * route schema, named by a hash of the schema, the Ajv options and the compilers' versions):
   * a route whose validator is there is not compiled again. Used only when the directory is the
   * user's own and no one else may write to it (the code in it is run).
   */
  cacheDir?: string | undefined;
}

/** The Ajv Fastify's validator compiler uses, required from where that compiler is. */
const fromAjvCompiler = createRequire(fromFastify.resolve('@fastify/ajv-compiler'));

/**
 * A directory this process may trust code from: the user's own, no one else may write to it, and
 * its parent is the user's or root's and closed to others or sticky (like /tmp: no one can rename
 * another's directory in it).
 */
function ownPrivateDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const uid = process.getuid?.();
    if (uid === undefined) return false; // no owners to check (Windows): do without the cache
    const safe = (p: string, parent: boolean) => {
      const st = statSync(p);
      const owner = st.uid === uid || (parent && st.uid === 0);
      const closed = (st.mode & 0o022) === 0 || (parent && (st.mode & 0o1000) !== 0);
      return st.isDirectory() && owner && closed;
    };
    return safe(dir, false) && safe(path.dirname(dir), true);
  } catch {
    return false;
  }
}

interface RouteSchema {
  schema: unknown;
  httpPart?: string;
}

type Validator = ((data: unknown) => unknown) & { errors?: unknown };

const versionsOf = (req: NodeJS.Require, packages: string[]) =>
  packages.map((p) => (req(`${p}/package.json`) as { version: string }).version);

/**
 * Code compiled once per machine, kept in `dir` (a private directory of the user's) as one
 * CommonJS file per key: `get(key, compile)` runs the file's code if it is there, else compiles,
 * writes the code (aside, then moved in place) and runs it. `req` resolves the code's requires
 * (Ajv's runtime, ajv-formats, fast-json-stringify's serializer) from where Fastify's compilers
 * find them.
 */
function codeCache(dir: string, req: NodeJS.Require) {
  const run = (code: string) => {
    const module = { exports: {} as unknown };
    // Standalone code of Ajv or fast-json-stringify, written by this user into their own
    // private directory (or just generated).
    new Function('require', 'module', 'exports', code)(req, module, module.exports);
    const e = module.exports as { default?: unknown };
    return (typeof e.default === 'function' ? e.default : e) as (data: unknown) => unknown;
  };
  return <F extends (data: unknown) => unknown>(
    key: string,
    compile: () => { code: string; fn?: F },
  ): F => {
    const file = path.join(
      dir,
      `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.cjs`,
    );
    try {
      const fn = run(readFileSync(file, 'utf8'));
      if (typeof fn === 'function') return fn as F;
    } catch {
      /* not compiled yet (or unreadable): compile it */
    }
    const { code, fn } = compile();
    try {
      const tmp = `${file}.${process.pid}-${threadId}.tmp`;
      writeFileSync(tmp, code, { mode: 0o600 });
      renameSync(tmp, file);
    } catch {
      /* the cache is an optimisation */
    }
    return fn ?? (run(code) as F);
  };
}

/**
 * Validators compiled once per machine: Fastify's Ajv compiler in its standalone mode; later
 * processes load the code instead of compiling the schema. The same Ajv, options and formats as
 * Fastify's, so validation and its errors are the same.
 */
function cachedValidators(dir: string, externalSchemas: unknown, options: AjvOptions) {
  const cache = codeCache(dir, fromAjvCompiler);
  const base = JSON.stringify({
    versions: versionsOf(fromAjvCompiler, ['ajv', 'ajv-formats', '@fastify/ajv-compiler']),
    externalSchemas,
    options,
  });
  let compiler: { ajv: unknown; buildValidatorFunction(r: RouteSchema): Validator } | undefined;
  let standaloneCode: (ajv: unknown, fn: unknown) => string;
  const compile = (route: RouteSchema) => {
    if (!compiler) {
      const { _ } = fromAjvCompiler('ajv') as { _: (s: TemplateStringsArray) => unknown };
      standaloneCode = (
        fromAjvCompiler('ajv/dist/standalone') as { default: typeof standaloneCode }
      ).default;
      const ValidatorCompiler = fromAjvCompiler('./lib/validator-compiler') as new (
        e: unknown,
        o: AjvOptions,
      ) => NonNullable<typeof compiler>;
      const code = { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` };
      compiler = new ValidatorCompiler(externalSchemas, {
        ...options,
        customOptions: { ...options.customOptions, code },
      });
    }
    const fn = compiler.buildValidatorFunction(route);
    return { fn, code: standaloneCode(compiler.ajv, fn) };
  };
  return (route: RouteSchema): Validator =>
    cache(`${base}${JSON.stringify({ schema: route.schema, httpPart: route.httpPart })}`, () =>
      compile(route),
    );
}

/** fast-json-stringify, its serializer and inlined validators required from where Fastify has it. */
const fromSerializerCompiler = createRequire(
  fromFastify.resolve('@fastify/fast-json-stringify-compiler'),
);

/**
 * Reply serializers compiled once per machine: fast-json-stringify's standalone code with its
 * validators (for anyOf) inlined, so a later process creates no Ajv for them. Built as Fastify's
 * compiler builds them (its options, the shared schemas, a schema's own $id left out of them).
 */
function cachedSerializers(
  dir: string,
  externalSchemas: unknown,
  options: Record<string, unknown>,
) {
  const cache = codeCache(dir, fromSerializerCompiler);
  const base = JSON.stringify({
    versions: versionsOf(fromSerializerCompiler, ['fast-json-stringify', 'ajv', 'ajv-formats']),
    externalSchemas,
    options,
  });
  // Required only when a schema is not in the cache yet: a run that finds them all loads neither
  // fast-json-stringify's compiler nor Ajv.
  const build = (schema: unknown, o: Record<string, unknown>) =>
    (fromSerializerCompiler('fast-json-stringify') as (s: unknown, o: unknown) => string)(
      schema,
      o,
    );
  return (route: { schema: { $id?: string } }) =>
    cache(`${base}${JSON.stringify({ schema: route.schema })}`, () => {
      let shared = externalSchemas as Record<string, unknown> | undefined;
      const id = route.schema.$id;
      if (shared && id && shared[id]) {
        shared = { ...shared };
        delete shared[id];
      }
      const mode = { mode: 'standalone', inlineValidators: true };
      return { code: build(route.schema, { ...options, schema: shared, ...mode }) };
    });
}

interface AjvOptions {
  customOptions?: Record<string, unknown>;
  [k: string]: unknown;
}

/** Fastify's `schemaController` option compiling each route's schemas on first use. */
export function lazySchemaController(
  opts: LazySchemaOptions = {},
): NonNullable<FastifyServerOptions['schemaController']> {
  // Fastify's compilers, required on first need (not at all when every schema is in the cache).
  let v: Builder | undefined;
  let z: Builder | undefined;
  const validators: Builder = (...a) =>
    (v ??= (fromFastify('@fastify/ajv-compiler') as () => Builder)())(...a);
  const serializers: Builder = (...a) =>
    (z ??= (fromFastify('@fastify/fast-json-stringify-compiler') as () => Builder)())(...a);
  const cacheDir = opts.cacheDir && ownPrivateDir(opts.cacheDir) ? opts.cacheDir : undefined;
  return {
    compilersFactory: {
      buildValidator: ((externalSchemas: unknown, options: AjvOptions) => {
        if (
          cacheDir &&
          options.mode !== 'JTD' &&
          !(options.plugins as unknown[] | undefined)?.length
        ) {
          const cached = cachedValidators(cacheDir, externalSchemas, options);
          return (route: RouteSchema) => lazyValidator(() => cached(route));
        }
        // Ajv (with its formats) is created when a first route needs a validator, not before.
        let compile: Compile | undefined;
        return (route: unknown) =>
          lazyValidator(() => (compile ??= validators(externalSchemas, options))(route));
      }) as never,
      buildSerializer: ((externalSchemas: unknown, options: Record<string, unknown>) => {
        if (cacheDir) {
          const cached = cachedSerializers(cacheDir, externalSchemas, options ?? {});
          return (route: { schema: { $id?: string } }) => lazySerializer(() => cached(route));
        }
        let compile: Compile | undefined;
        return (route: unknown) =>
          lazySerializer(() => (compile ??= serializers(externalSchemas, options))(route));
      }) as never,
    },
  };
}

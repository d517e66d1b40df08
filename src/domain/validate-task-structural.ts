import { KindGuard, type TSchema, type TUnion } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import type { FieldError } from '../platform/errors.ts';
import { ContactPolicy, GlobalPolicy, TaskConfig } from './task-config.ts';

/**
 * The structural half of task validation: TypeBox defaults and schema errors, turned into one
 * readable error per field.
 */

/** Fills schema defaults in place (the caller passes a clone). Unknown fields are kept. */
export function applyDefaults(doc: unknown): unknown {
  const filled: unknown = Value.Default(TaskConfig, doc);
  // TypeBox applies defaults inside a union only when the result then matches a branch, so a
  // result policy with any other mistake would lose its defaults (and report them as missing).
  // The branch is known from `kind`, so fill it directly.
  if (isRecord(filled) && isRecord(filled.resultPolicy)) {
    const rp = filled.resultPolicy;
    if (rp.kind === 'global') filled.resultPolicy = Value.Default(GlobalPolicy, rp);
    if (rp.kind === 'contact') filled.resultPolicy = Value.Default(ContactPolicy, rp);
  }
  return filled;
}

/** All structural errors of a (defaulted) document, one per path, in document order. */
export function structuralErrors(doc: unknown): FieldError[] {
  const byPath = new Map<string, string>();
  for (const e of explain(TaskConfig, doc, '')) {
    if (!byPath.has(e.path)) byPath.set(e.path, e.message);
  }
  return [...byPath].map(([path, message]) => ({ path, message }));
}

function* explain(schema: TSchema, value: unknown, prefix: string): Generator<FieldError> {
  for (const e of Value.Errors(schema, value)) {
    const path = prefix + e.path;
    if (e.type === ValueErrorType.Union && KindGuard.IsUnion(e.schema)) {
      yield* explainUnion(e.schema, e.value, path);
      continue;
    }
    const message = messageFor(e);
    if (message !== null) yield { path, message };
  }
}

/**
 * TypeBox reports a failed union as one opaque "Expected union value". Say instead what the
 * field needs: the allowed literals, the errors of the non-null branch of a nullable field, or
 * the errors of the branch a discriminator (`kind`) selects.
 */
function* explainUnion(schema: TUnion, value: unknown, path: string): Generator<FieldError> {
  const branches = schema.anyOf;
  if (branches.every((b) => KindGuard.IsLiteral(b))) {
    const allowed = branches.map((b) => `'${String(b.const)}'`).join(', ');
    yield { path, message: `must be one of ${allowed}` };
    return;
  }
  const nonNull = branches.filter((b) => !KindGuard.IsNull(b));
  const only = nonNull[0];
  if (only !== undefined && nonNull.length === 1) {
    yield* explain(only, value, path);
    return;
  }
  const key = discriminator(nonNull);
  if (key !== undefined) {
    if (!isRecord(value)) {
      yield { path, message: 'must be an object' };
      return;
    }
    const branch = nonNull.find((b) => literalAt(b, key) === value[key]);
    if (branch === undefined) {
      const allowed = nonNull.map((b) => `'${String(literalAt(b, key))}'`).join(', ');
      yield { path: `${path}/${key}`, message: `must be one of ${allowed}` };
      return;
    }
    yield* explain(branch, value, path);
    return;
  }
  yield { path, message: 'does not have any of the allowed forms' };
}

/** A property holding a literal in every branch (all branches must be objects). */
function discriminator(branches: TSchema[]): string | undefined {
  const first = branches[0];
  if (first === undefined || !branches.every((b) => KindGuard.IsObject(b))) return undefined;
  if (!KindGuard.IsObject(first)) return undefined;
  return Object.keys(first.properties).find((k) =>
    branches.every((b) => literalAt(b, k) !== undefined),
  );
}

function literalAt(schema: TSchema, key: string): unknown {
  if (!KindGuard.IsObject(schema)) return undefined;
  const prop = schema.properties[key];
  return prop !== undefined && KindGuard.IsLiteral(prop) ? prop.const : undefined;
}

type Bounds = { minimum?: number; maximum?: number };

function range(schema: Bounds): string {
  const { minimum: min, maximum: max } = schema;
  if (min !== undefined && max !== undefined) return `must be between ${min} and ${max}`;
  if (min !== undefined) return `must be at least ${min}`;
  return `must be at most ${String(max)}`;
}

/** A message an administrator understands, naming the rule; null drops the error. */
function messageFor(e: ValueError): string | null {
  const s = e.schema as TSchema & Bounds & Record<string, unknown>;
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.ObjectAdditionalProperties:
      return 'is not a known field';
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.NumberMaximum:
      return range(s);
    case ValueErrorType.Integer:
      return 'must be a whole number';
    case ValueErrorType.Number:
      return 'must be a number';
    case ValueErrorType.String:
      return 'must be a string';
    case ValueErrorType.Boolean:
      return 'must be true or false';
    case ValueErrorType.Array:
      return 'must be a list';
    case ValueErrorType.Object:
      return 'must be an object';
    case ValueErrorType.Null:
      return 'must be null';
    case ValueErrorType.Literal:
      return `must be '${String(s.const)}'`;
    case ValueErrorType.StringMinLength:
      return s.minLength === 1
        ? 'must not be empty'
        : `must be at least ${String(s.minLength)} characters`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${String(s.maxLength)} characters`;
    case ValueErrorType.StringPattern:
      return typeof s.description === 'string'
        ? `must have the form ${s.description}`
        : 'has an invalid format';
    case ValueErrorType.StringFormat:
    case ValueErrorType.StringFormatUnknown:
      // date-time is checked by the semantic rules (with Luxon), so the outcome does not depend
      // on whether some other module registered a TypeBox format.
      return s.format === 'date-time' ? null : `must be a valid ${String(s.format)}`;
    case ValueErrorType.ArrayMinItems:
      return s.minItems === 1
        ? 'must not be empty'
        : `must have at least ${String(s.minItems)} entries`;
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${String(s.maxItems)} entries`;
    default:
      return e.message;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

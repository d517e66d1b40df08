import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import type { FieldError } from '../platform/errors.ts';
import './formats.ts';

/**
 * Every structural error of `value` against `schema`, as field errors with JSON-pointer paths under
 * `prefix`. Messages name the rule in words an administrator reads ("must be at most 120").
 */
export function schemaErrors(schema: TSchema, value: unknown, prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, value)) {
    const path = prefix + e.path || '/';
    if (seen.has(path)) continue; // one message per field: the first is the most specific
    seen.add(path);
    out.push({ path, message: describe(e.type, e.schema as Record<string, unknown>, e.message) });
  }
  return out;
}

function describe(type: ValueErrorType, s: Record<string, unknown>, fallback: string): string {
  switch (type) {
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return s.maximum !== undefined
        ? `must be between ${s.minimum} and ${s.maximum}`
        : `must be at least ${s.minimum}`;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return s.minimum !== undefined
        ? `must be between ${s.minimum} and ${s.maximum}`
        : `must be at most ${s.maximum}`;
    case ValueErrorType.Integer:
      return 'must be a whole number';
    case ValueErrorType.StringMaxLength:
      return `must be at most ${s.maxLength} characters`;
    case ValueErrorType.StringMinLength:
      return s.minLength === 1 ? 'must not be empty' : `must be at least ${s.minLength} characters`;
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${s.maxItems} items`;
    case ValueErrorType.ArrayMinItems:
      return `must have at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`;
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.ObjectAdditionalProperties:
      return 'is not a known field';
    case ValueErrorType.StringPattern:
      return typeof s.description === 'string'
        ? `must match ${s.description}`
        : `must match ${String(s.pattern)}`;
    case ValueErrorType.StringFormat:
      return `must be a valid ${String(s.format)}`;
    case ValueErrorType.Union: {
      const lits = ((s.anyOf as Record<string, unknown>[] | undefined) ?? [])
        .map((x) => x.const)
        .filter((x) => x !== undefined);
      return lits.length
        ? `must be one of ${lits.map((l) => JSON.stringify(l)).join(', ')}`
        : fallback.toLowerCase();
    }
    default:
      return fallback.charAt(0).toLowerCase() + fallback.slice(1);
  }
}

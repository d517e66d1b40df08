import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import type { TFunction } from 'i18next';
// Registers the `date-time` format the API checks blocklist expiries with.
import '../../../src/domain/formats.ts';

/** A JSON pointer (`/entries/0/number`, as TypeBox and the API's problem+json give) → a form path. */
export const formPath = (pointer: string) => pointer.replace(/^\//, '').replace(/\//g, '.');

/** The value at a form path (`entries.0.number`). */
export function valueAt(values: unknown, path: string): unknown {
  let v = values;
  for (const seg of path ? path.split('.') : []) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

/**
 * Every error of `doc` against the API's schema, by form path, one per field (the first is the
 * most specific), in the console's language.
 */
export function schemaErrors(schema: TSchema, doc: unknown, t: TFunction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of Value.Errors(schema, doc)) {
    const path = formPath(e.path);
    if (!(path in out)) out[path] = describe(e, t);
  }
  return out;
}

function describe(e: ValueError, t: TFunction): string {
  const s = e.schema as Record<string, unknown>;
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return t('resources:validation.required');
    case ValueErrorType.StringMinLength:
      return s.minLength === 1
        ? t('resources:validation.required')
        : t('resources:validation.minLength', { n: s.minLength });
    case ValueErrorType.StringMaxLength:
      return t('resources:validation.maxLength', { n: s.maxLength });
    case ValueErrorType.StringPattern:
      return t(`resources:validation.pattern.${patternName(String(s.pattern))}`);
    case ValueErrorType.StringFormat:
      return t('resources:validation.format');
    case ValueErrorType.ArrayMinItems:
      return t('resources:validation.minItems', { n: s.minItems });
    case ValueErrorType.ArrayMaxItems:
      return t('resources:validation.maxItems', { n: s.maxItems });
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return t('resources:validation.range', { min: s.minimum, max: s.maximum });
    case ValueErrorType.Integer:
      return t('resources:validation.integer');
    case ValueErrorType.ObjectAdditionalProperties:
      return t('resources:validation.unknownField');
    default:
      return t('resources:validation.invalid');
  }
}

/** The patterns of src/domain/resources.ts, each with a sentence saying what it wants. */
function patternName(pattern: string): string {
  if (pattern === '^[^/?#\\s]+$') return 'id';
  if (pattern.startsWith('^\\+?[0-9]{')) return 'phone';
  if (pattern.startsWith('^\\+?[0-9*#]')) return 'blockNumber';
  if (pattern === '^\\d{4}-\\d{2}-\\d{2}$') return 'date';
  if (pattern === '^\\d{2}-\\d{2}$') return 'monthDay';
  return 'other';
}

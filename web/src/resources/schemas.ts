import type { TObject } from '@sinclair/typebox';
import {
  Attribute,
  Blocklist,
  BusinessResult,
  CallerGroup,
  CallerNumber,
  Flow,
  NumberType,
  Ou,
  Questionnaire,
  ResultDefinition,
  Robot,
  SkillQueue,
  SmsTemplate,
  SpecialDate,
} from '../../../src/domain/resources.ts';
import { RESULT_NAMES } from '../../../src/domain/result-codes.ts';
import type { ResourceKind } from '../lib/hooks.ts';

/**
 * The API's own TypeBox schemas (src/domain/resources.ts), bundled into the console by Vite, so a
 * form checks exactly what the server checks and marks as required what the server requires.
 */
export const SCHEMAS: Record<ResourceKind, TObject> = {
  ous: Ou,
  'caller-numbers': CallerNumber,
  'caller-groups': CallerGroup,
  flows: Flow,
  robots: Robot,
  'skill-queues': SkillQueue,
  'business-results': BusinessResult,
  questionnaires: Questionnaire,
  'sms-templates': SmsTemplate,
  blocklists: Blocklist,
  'special-dates': SpecialDate,
  attributes: Attribute,
  'number-types': NumberType,
  'result-definitions': ResultDefinition,
};

/** The field that names an item of the kind in URLs (caller numbers by number, …). */
export const ID_FIELD: Record<ResourceKind, string> = {
  ...(Object.fromEntries(Object.keys(SCHEMAS).map((k) => [k, 'id'])) as Record<
    ResourceKind,
    string
  >),
  'caller-numbers': 'number',
  attributes: 'code',
  'result-definitions': 'code',
};

export { RESULT_NAMES };

/** The values a string field of a schema may take, when it is a union of literals. */
export function literalsOf(schema: TObject, field: string): string[] {
  const s = schema.properties[field] as
    { const?: unknown; anyOf?: { const?: unknown }[] } | undefined;
  if (!s) return [];
  if (typeof s.const === 'string') return [s.const];
  return (s.anyOf ?? []).map((x) => x.const).filter((c): c is string => typeof c === 'string');
}

/** Whether the schema requires the field with no default, so a form marks it. */
export function isRequired(schema: TObject, field: string): boolean {
  const p = schema.properties[field] as { default?: unknown } | undefined;
  return !!p && (schema.required ?? []).includes(field) && p.default === undefined;
}

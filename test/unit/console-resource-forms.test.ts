import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInstance } from 'i18next';
import { describe, expect, it } from 'vitest';
import type { TObject } from '@sinclair/typebox';
import { RESOURCE_KINDS, RESOURCE_KIND_NAMES } from '../../src/domain/resources.ts';
import { segmentOf } from '../../src/api/resources/routes.ts';
import { formPath, schemaErrors } from '../../web/src/resources/validate.ts';

/**
 * The resource forms label what the API's schemas define: a new field or choice in a schema
 * without a label in both languages fails here, not in front of an administrator. And the
 * schema's errors land on the form's paths, in the console's words.
 */
const root = path.resolve(import.meta.dirname, '../..');
const locale = (lng: string) =>
  JSON.parse(
    readFileSync(path.join(root, `web/src/i18n/locales/${lng}/resources.json`), 'utf8'),
  ) as Record<string, unknown>;

const at = (o: unknown, key: string): unknown =>
  key.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);

/** The option group naming each literal-valued field's choices. */
const OPTIONS: Record<string, string> = {
  'sms-templates.type': 'smsType',
  'attributes.type': 'attributeType',
  'special-dates.type': 'specialType',
  'questionnaires.kind': 'questionnaireKind',
  'robots.kind': 'robotKind',
};
// Set by the API or the list's buttons, not typed in a form.
const NOT_IN_FORMS = new Set(['status', 'kind@flows']);

describe.each(['en', 'zh-CN'])('resource form labels (%s)', (lng) => {
  const dict = locale(lng);
  it.each(RESOURCE_KIND_NAMES)('%s: title, purpose, every field and choice', (name) => {
    const kind = segmentOf(name);
    const schema = RESOURCE_KINDS[name].schema as TObject;
    for (const k of ['title', 'one', 'about']) expect(at(dict, `kind.${kind}.${k}`)).toBeTruthy();
    for (const [field, s] of Object.entries(schema.properties)) {
      if (NOT_IN_FORMS.has(field) || NOT_IN_FORMS.has(`${field}@${kind}`)) continue;
      const label = at(dict, `field.${kind}.${field}`) ?? at(dict, `field.${field}`);
      expect(typeof label, `field.${field} of ${kind}`).toBe('string');
      const literals = ((s as { anyOf?: { const?: unknown }[] }).anyOf ?? [])
        .map((x) => x.const)
        .filter((c): c is string => typeof c === 'string');
      if (literals.length === 0 || field === 'status') continue;
      const group = OPTIONS[`${kind}.${field}`];
      expect(group, `an option group for ${kind}.${field}`).toBeDefined();
      for (const v of literals) expect(at(dict, `option.${group}.${v}`), v).toBeTruthy();
    }
  });
});

describe('schema errors on form fields', () => {
  const i18n = createInstance();
  void i18n.init({ lng: 'en', resources: { en: { resources: locale('en') } } });

  it('maps JSON pointers to form paths', () => {
    expect(formPath('/questions/0/answers/1')).toBe('questions.0.answers.1');
    expect(formPath('')).toBe('');
  });

  it("names a questionnaire's missing kind and a bad question id in words", () => {
    const errors = schemaErrors(
      RESOURCE_KINDS.questionnaires.schema,
      { id: 'q', name: 'Q', ouId: null, questions: [{ id: 'a b', text: 'Why?' }] },
      i18n.t,
    );
    expect(errors).toEqual({
      kind: 'Required',
      'questions.0.id': 'Letters, digits and - _ . only (no spaces or slashes)',
    });
  });

  it('says how many items a list needs', () => {
    const errors = schemaErrors(
      RESOURCE_KINDS.callerGroups.schema,
      { id: 'g', ouId: null, numbers: [] },
      i18n.t,
    );
    expect(errors).toEqual({ numbers: 'Choose or add at least 1' });
  });
});

import { useRef, useState } from 'react';
import { Alert, Button, Group, JsonInput, List, SegmentedControl, Stack } from '@mantine/core';
import { useForm } from '@mantine/form';
import type { TObject, TSchema } from '@sinclair/typebox';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.ts';
import { useTenant } from '../session.tsx';
import type { ResourceKind } from '../lib/hooks.ts';
import type { Resource } from '../types.ts';
import { clean, type Form, type FormContext, type Values } from './form-kit.tsx';
import { FORMS } from './forms/index.ts';
import { ID_FIELD, SCHEMAS } from './schemas.ts';
import { formPath, schemaErrors, valueAt } from './validate.ts';

/** The schema of the field at a form path (`entries.0.number`), through objects and arrays. */
function schemaAt(
  schema: TSchema,
  path: string,
): { parent: TObject | null; field: TSchema | null } {
  let parent: TObject | null = null;
  let cur: TSchema | null = schema;
  for (const seg of path.split('.')) {
    if (!cur) break;
    if (/^\d+$/.test(seg)) {
      cur = (cur as { items?: TSchema }).items ?? null;
      continue;
    }
    parent = cur.type === 'object' ? (cur as TObject) : null;
    cur = parent?.properties[seg] ?? null;
  }
  return { parent, field: cur };
}

/** Required with no default: the field gets the required mark. */
function requiredAt(schema: TSchema, path: string): boolean {
  const { parent, field } = schemaAt(schema, path);
  const name = path.split('.').at(-1)!;
  return (
    !!(parent && field) && (parent.required ?? []).includes(name) && field.default === undefined
  );
}

/**
 * The translation keys of a field, most specific first: `questions.0.label` of a questionnaire →
 * `questionnaires.questions_label`, `questions_label`, `label`.
 */
export function fieldKeys(kind: string, path: string): string[] {
  const named = path.split('.').filter((s) => !/^\d+$/.test(s));
  const joined = named.join('_');
  return [...new Set([`${kind}.${joined}`, joined, named.at(-1) ?? path])];
}

/**
 * A resource's form, with "Advanced (JSON)" as the other way to edit it. Validation is the API's
 * own schema (plus a kind's few checks), run on Save; an error stays on its field until that field
 * changes, and goes as soon as the new value passes. The server's errors (rules the schema cannot
 * express, such as an OU that does not exist) land on their fields the same way.
 */
export function ResourceForm({
  kind,
  item,
  ctx,
  onSaved,
}: {
  kind: ResourceKind;
  item: Resource | null;
  ctx: FormContext;
  onSaved: (doc: Record<string, unknown>) => void;
}) {
  const { t } = useTranslation('resources');
  const { api, base } = useTenant();
  const def = FORMS[kind];
  const schema = SCHEMAS[kind];
  const toDoc = (v: Values) => (def.toDoc ? def.toDoc(v, ctx) : (clean(v) as Values));
  const toField = def.errorPath ?? ((p: string) => p);
  const [mode, setMode] = useState<'form' | 'json'>('form');
  const [json, setJson] = useState('');
  const [problem, setProblem] = useState<{
    title: string;
    fields: { path: string; message: string }[];
  } | null>(null);
  const [busy, setBusy] = useState(false);

  const errorsOf = (values: Values): Record<string, string> => {
    const out: Record<string, string> = {};
    const all = { ...def.check?.(values), ...schemaErrors(schema, toDoc(values), t) };
    for (const [p, m] of Object.entries(all)) out[toField(p)] ??= m;
    return out;
  };

  const formRef = useRef<Form | null>(null);
  const form: Form = useForm<Values>({
    initialValues: item ? (def.fromDoc?.(item, ctx) ?? { ...item }) : def.empty(ctx),
    validate: errorsOf,
    clearInputErrorOnChange: false,
    // A field's error goes once the field is fixed (or is replaced by what is still wrong).
    onValuesChange: (values, previous) => {
      const f = formRef.current;
      if (!f || Object.keys(f.errors).length === 0) return;
      const fresh = errorsOf(values);
      const next: Record<string, React.ReactNode> = {};
      for (const [p, m] of Object.entries(f.errors)) {
        const same = JSON.stringify(valueAt(values, p)) === JSON.stringify(valueAt(previous, p));
        if (same) next[p] = m;
        else if (fresh[p]) next[p] = fresh[p];
      }
      f.setErrors(next);
    },
    enhanceGetInputProps: ({ field }) => {
      const keys = fieldKeys(kind, field);
      const help = t(
        keys.map((k) => `help.${k}`),
        { defaultValue: '' },
      );
      return {
        label: t(
          keys.map((k) => `field.${k}`),
          { defaultValue: keys.at(-1) },
        ),
        description: help || undefined,
        withAsterisk: requiredAt(schema, field),
        'data-testid': `rf-${field}`,
      };
    },
  });
  formRef.current = form;

  const idField = ID_FIELD[kind];
  const save = async (doc: unknown) => {
    setBusy(true);
    try {
      const id = item ? String(item[idField] ?? item.id) : null;
      const saved = id
        ? await api.put<Record<string, unknown>>(`${base}/${kind}/${encodeURIComponent(id)}`, doc)
        : await api.post<Record<string, unknown>>(`${base}/${kind}`, doc);
      onSaved(saved);
    } catch (e) {
      const fields = e instanceof ApiError ? e.fieldErrors : [];
      if (mode === 'form' && fields.length) {
        const errs: Record<string, string> = {};
        for (const f of fields) errs[toField(formPath(f.path))] ??= f.message;
        form.setErrors(errs);
      } else setProblem({ title: e instanceof Error ? e.message : String(e), fields });
    } finally {
      setBusy(false);
    }
  };

  const submitForm = () => {
    setProblem(null);
    if (form.validate().hasErrors) return;
    void save(toDoc(form.getValues()));
  };

  const submitJson = () => {
    setProblem(null);
    let doc: unknown;
    try {
      doc = JSON.parse(json);
    } catch (e) {
      return setProblem({ title: t('notJson', { message: (e as Error).message }), fields: [] });
    }
    const errs = schemaErrors(schema, doc, t);
    const fields = Object.entries(errs).map(([p, message]) => ({ path: p || '/', message }));
    if (fields.length) return setProblem({ title: t('fixFields'), fields });
    void save(doc);
  };

  const switchMode = (m: string) => {
    setProblem(null);
    if (m === 'json') setJson(JSON.stringify(toDoc(form.getValues()), null, 2));
    else {
      try {
        const doc = JSON.parse(json) as Resource;
        form.setValues(def.fromDoc?.(doc, ctx) ?? { ...doc });
        form.clearErrors();
      } catch (e) {
        return setProblem({ title: t('notJson', { message: (e as Error).message }), fields: [] });
      }
    }
    setMode(m as 'form' | 'json');
  };

  // Errors the form shows next to no field (a whole document, a list item) are listed here.
  const formErrors = Object.entries(form.errors).filter(([, m]) => m);
  const label = (p: string) =>
    p
      .split('.')
      .map((s) => (/^\d+$/.test(s) ? `#${Number(s) + 1}` : t(`field.${s}`, { defaultValue: s })))
      .join(' › ');

  return (
    <Stack>
      <SegmentedControl
        value={mode}
        onChange={switchMode}
        data={[
          { value: 'form', label: t('mode.form') },
          { value: 'json', label: t('mode.json') },
        ]}
        data-testid="rf-mode"
      />
      {mode === 'form' ? (
        <def.Fields form={form} ctx={ctx} />
      ) : (
        <JsonInput
          autosize
          minRows={12}
          value={json}
          onChange={setJson}
          styles={{ input: { fontFamily: 'monospace' } }}
          description={t('jsonHelp')}
          data-testid="resource-json"
        />
      )}
      {mode === 'form' && formErrors.length > 0 && (
        <Alert color="red" title={t('fixFields')} data-testid="resource-errors">
          <List size="sm">
            {formErrors.map(([p, m]) => (
              <List.Item key={p}>
                <b>{label(p)}</b>: {String(m)}
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      {problem && (
        <Alert color="red" title={problem.title} data-testid="resource-problem">
          <List size="sm">
            {problem.fields.map((f, i) => (
              <List.Item key={i}>
                <b>{f.path}</b>: {f.message}
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      <Group justify="end">
        <Button
          loading={busy}
          onClick={mode === 'form' ? submitForm : submitJson}
          data-testid="resource-save"
        >
          {t('save')}
        </Button>
      </Group>
    </Stack>
  );
}

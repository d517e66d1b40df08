import type { ComponentType } from 'react';
import { ActionIcon, Button, Group, Select, Stack, Text } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import type { ResourceKind } from '../lib/hooks.ts';
import type { Resource, TenantSettings } from '../types.ts';
import { valueAt } from './validate.ts';

export type Values = Record<string, unknown>;
export type Form = UseFormReturnType<Values, Record<string, unknown>>;

/** What a kind's fields may offer as choices: the tenant's other resources and settings. */
export interface FormContext {
  kind: ResourceKind;
  /** Editing an existing item: its id cannot change (it is its URL). */
  editing: boolean;
  ous: Resource[];
  callerNumbers: Resource[];
  settings: TenantSettings;
  /** The OU a new item belongs to unless the administrator picks another. */
  defaultOu: string | null;
}

/**
 * How one resource kind is edited in a form: its empty values, the mapping between the API's
 * document and the form's values (only where they differ), and its fields.
 */
export interface KindForm {
  empty: (ctx: FormContext) => Values;
  fromDoc?: (doc: Resource, ctx: FormContext) => Values;
  toDoc?: (values: Values, ctx: FormContext) => Record<string, unknown>;
  /** Where an error at a document path is shown in the form (default: the same path). */
  errorPath?: (path: string) => string;
  /** Checks the schema cannot make (e.g. text that must parse as JSON), by form path. */
  check?: (values: Values) => Record<string, string>;
  Fields: ComponentType<{ form: Form; ctx: FormContext }>;
}

/** Drops empty strings and undefined from objects, so optional fields left blank are absent. */
export function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clean);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== '' && x !== undefined) out[k] = clean(x);
    return out;
  }
  return v;
}

/** An error at `numbers.3` shown on the `numbers` input, for inputs that hold a whole list. */
export const collapse =
  (...fields: string[]) =>
  (path: string) => {
    const m = /^([^.]+)\.\d+$/.exec(path);
    return m && fields.includes(m[1]!) ? m[1]! : path;
  };

/** The OU an item belongs to: the tenant's OUs by name, or Unorganized. */
export function OuSelect({ form, ctx }: { form: Form; ctx: FormContext }) {
  const { t } = useTranslation('resources');
  const { value, ...props } = form.getInputProps('ouId');
  return (
    <Select
      {...props}
      value={(value as string | null) ?? ''}
      onChange={(v) => form.setFieldValue('ouId', v ? v : null)}
      data={[
        { value: '', label: t('unorganized') },
        ...ctx.ous.map((o) => ({ value: o.id, label: String(o.name ?? o.id) })),
      ]}
      allowDeselect={false}
    />
  );
}

/**
 * Rows of a list field (`entries`, `subResults`, `questions`): each rendered by `row`, with
 * Remove, and Add appending `blank`.
 */
export function ListField({
  form,
  path,
  blank,
  row,
  addLabel,
}: {
  form: Form;
  path: string;
  blank: () => object;
  row: (prefix: string, index: number) => React.ReactNode;
  addLabel: string;
}) {
  const { t } = useTranslation('resources');
  const items = (valueAt(form.getValues(), path) as unknown[] | undefined) ?? [];
  const { error } = form.getInputProps(path);
  return (
    <Stack gap="xs">
      {items.map((_, i) => (
        <Group
          key={form.key(`${path}.${i}`)}
          align="start"
          wrap="nowrap"
          data-testid={`rf-${path}-row`}
        >
          <div style={{ flex: 1 }}>{row(`${path}.${i}`, i)}</div>
          <ActionIcon
            variant="subtle"
            color="red"
            mt={28}
            aria-label={t('remove')}
            onClick={() => form.removeListItem(path, i)}
          >
            ×
          </ActionIcon>
        </Group>
      ))}
      {typeof error === 'string' && (
        <Text size="sm" c="red">
          {error}
        </Text>
      )}
      <Group>
        <Button
          size="xs"
          variant="default"
          onClick={() => form.insertListItem(path, blank())}
          data-testid={`rf-${path}-add`}
        >
          {addLabel}
        </Button>
      </Group>
    </Stack>
  );
}

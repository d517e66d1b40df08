import {
  Group,
  MultiSelect,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import {
  clean,
  collapse,
  ListField,
  OuSelect,
  type Form,
  type FormContext,
  type KindForm,
} from '../form-kit.tsx';
import { literalsOf, RESULT_NAMES, SCHEMAS } from '../schemas.ts';

/** The item's id (or number, or code): fixed once created, since it is the item's address. */
export function IdInput({
  form,
  ctx,
  path = 'id',
}: {
  form: Form;
  ctx: FormContext;
  path?: string;
}) {
  return <TextInput {...form.getInputProps(path)} disabled={ctx.editing} />;
}

/** Id, name and OU: what every named kind starts with. */
export function Basics({
  form,
  ctx,
  name = 'name',
}: {
  form: Form;
  ctx: FormContext;
  name?: string;
}) {
  return (
    <SimpleGrid cols={2}>
      <IdInput form={form} ctx={ctx} />
      <TextInput {...form.getInputProps(name)} />
      <OuSelect form={form} ctx={ctx} />
    </SimpleGrid>
  );
}

const named =
  (extra: Record<string, unknown> = {}) =>
  (ctx: FormContext) => ({
    id: '',
    name: '',
    ouId: ctx.defaultOu,
    ...extra,
  });

export const ouForm: KindForm = {
  empty: () => ({ id: '', name: '' }),
  Fields: ({ form, ctx }) => (
    <SimpleGrid cols={2}>
      <IdInput form={form} ctx={ctx} />
      <TextInput {...form.getInputProps('name')} />
    </SimpleGrid>
  ),
};

/** Number types, skill queues: an id, a name, an OU. */
export const namedForm: KindForm = { empty: named(), Fields: Basics };

export const callerNumberForm: KindForm = {
  empty: (ctx) => ({ number: '', ouId: ctx.defaultOu }),
  Fields: ({ form, ctx }) => (
    <SimpleGrid cols={2}>
      <IdInput form={form} ctx={ctx} path="number" />
      <OuSelect form={form} ctx={ctx} />
    </SimpleGrid>
  ),
};

export const callerGroupForm: KindForm = {
  empty: named({ numbers: [] }),
  errorPath: collapse('numbers'),
  Fields: ({ form, ctx }) => (
    <Stack>
      <Basics form={form} ctx={ctx} />
      <MultiSelect
        {...form.getInputProps('numbers')}
        data={[...new Set(ctx.callerNumbers.map((n) => String(n.number ?? n.id)))]}
        searchable
      />
    </Stack>
  ),
};

export const smsTemplateForm: KindForm = {
  empty: named({ type: 'cloud', text: '' }),
  Fields: function SmsFields({ form, ctx }) {
    const { t } = useTranslation('resources');
    return (
      <Stack>
        <Basics form={form} ctx={ctx} />
        <Select
          {...form.getInputProps('type')}
          data={literalsOf(SCHEMAS['sms-templates'], 'type').map((v) => ({
            value: v,
            label: t(`option.smsType.${v}`),
          }))}
          allowDeselect={false}
        />
        <Textarea {...form.getInputProps('text')} autosize minRows={3} />
      </Stack>
    );
  },
};

export const attributeForm: KindForm = {
  empty: (ctx) => ({
    code: '',
    name: '',
    ouId: ctx.defaultOu,
    type: 'string',
    mandatory: false,
    encrypted: false,
  }),
  Fields: function AttributeFields({ form, ctx }) {
    const { t } = useTranslation('resources');
    return (
      <Stack>
        <SimpleGrid cols={2}>
          <IdInput form={form} ctx={ctx} path="code" />
          <TextInput {...form.getInputProps('name')} />
          <OuSelect form={form} ctx={ctx} />
          <Select
            {...form.getInputProps('type')}
            data={literalsOf(SCHEMAS.attributes, 'type').map((v) => ({
              value: v,
              label: t(`option.attributeType.${v}`),
            }))}
            allowDeselect={false}
          />
        </SimpleGrid>
        <Group>
          <Switch {...form.getInputProps('mandatory', { type: 'checkbox' })} />
          <Switch {...form.getInputProps('encrypted', { type: 'checkbox' })} />
        </Group>
      </Stack>
    );
  },
};

export const resultDefinitionForm: KindForm = {
  empty: (ctx) => ({ code: '', label: '', ouId: ctx.defaultOu, results: [] }),
  errorPath: collapse('results'),
  Fields: ({ form, ctx }) => (
    <Stack>
      <SimpleGrid cols={2}>
        <IdInput form={form} ctx={ctx} path="code" />
        <TextInput {...form.getInputProps('label')} />
        <OuSelect form={form} ctx={ctx} />
      </SimpleGrid>
      <MultiSelect {...form.getInputProps('results')} data={RESULT_NAMES} searchable />
    </Stack>
  ),
};

export const businessResultForm: KindForm = {
  empty: named({ subResults: [] }),
  Fields: function BusinessResultFields({ form, ctx }) {
    const { t } = useTranslation('resources');
    return (
      <Stack>
        <Basics form={form} ctx={ctx} />
        <Text size="sm" fw={500}>
          {t('field.subResults')}
        </Text>
        <ListField
          form={form}
          path="subResults"
          blank={() => ({ code: '', name: '' })}
          addLabel={t('addSubResult')}
          row={(p) => (
            <SimpleGrid cols={2}>
              <TextInput {...form.getInputProps(`${p}.code`)} />
              <TextInput {...form.getInputProps(`${p}.name`)} />
            </SimpleGrid>
          )}
        />
      </Stack>
    );
  },
};

/** The kind of a flow form when the designer is not used (the JSON view edits the document). */
export const flowForm: KindForm = {
  empty: named({ status: 'draft', document: {} }),
  toDoc: (v) => clean(v) as Record<string, unknown>,
  Fields: Basics,
};

import { useState } from 'react';
import {
  Button,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { DateInput } from '@mantine/dates';
import { useTranslation } from 'react-i18next';
import { fromLocalInput, toLocalInput } from '../../lib/zone.ts';
import { clean, ListField, type FormContext, type KindForm, type Values } from '../form-kit.tsx';
import { Basics } from './simple.tsx';

interface Entry {
  number: string;
  expiresAt?: string | null;
  restrict?: { times: number; period: 'hour' | 'day' } | null;
}
interface Row {
  number: string;
  /** The last day the entry applies, in the tenant's zone; '' for never expiring. */
  expiresOn: string;
  limit: 'never' | 'hour' | 'day';
  times: number | '';
}

const zoneOf = (ctx: FormContext) => ctx.settings.timeZone ?? 'UTC';

/**
 * A blocklist and its numbers. An entry either blocks a number outright or limits how often it may
 * be called; "expires on" is a day in the tenant's zone (the entry ends at 23:59 that day).
 */
export const blocklistForm: KindForm = {
  empty: (ctx) => ({ id: '', name: '', ouId: ctx.defaultOu, entries: [] }),
  fromDoc: (doc, ctx) => ({
    ...doc,
    entries: ((doc.entries as Entry[] | undefined) ?? []).map((e): Row => ({
      number: e.number,
      expiresOn: e.expiresAt ? toLocalInput(e.expiresAt, zoneOf(ctx)).slice(0, 10) : '',
      limit: e.restrict?.period ?? 'never',
      times: e.restrict?.times ?? '',
    })),
  }),
  toDoc: (v: Values, ctx) => ({
    ...(clean({ ...v, entries: undefined }) as Values),
    entries: ((v.entries as Row[] | undefined) ?? []).map((r) => ({
      number: r.number,
      expiresAt: r.expiresOn ? fromLocalInput(`${r.expiresOn}T23:59`, zoneOf(ctx)) : null,
      restrict:
        r.limit === 'never' ? null : { times: r.times === '' ? 0 : r.times, period: r.limit },
    })),
  }),
  errorPath: (p) =>
    p
      .replace(/^(entries\.\d+)\.expiresAt$/, '$1.expiresOn')
      .replace(/^(entries\.\d+)\.restrict\.times$/, '$1.times')
      .replace(/^(entries\.\d+)\.restrict(\.period)?$/, '$1.limit'),
  Fields: function BlocklistFields({ form, ctx }) {
    const { t } = useTranslation('resources');
    const [paste, setPaste] = useState('');
    // Many numbers at once (a list copied from a spreadsheet): each becomes a "never call" entry.
    const addPasted = () => {
      const rows = [...((form.getValues().entries as Row[] | undefined) ?? [])];
      const have = new Set(rows.map((r) => r.number));
      for (const n of paste.split(/[\s,;]+/).filter(Boolean)) {
        if (have.has(n)) continue;
        have.add(n);
        rows.push({ number: n, expiresOn: '', limit: 'never', times: '' });
      }
      form.setFieldValue('entries', rows);
      setPaste('');
    };
    return (
      <Stack>
        <Basics form={form} ctx={ctx} />
        <Group align="end">
          <Textarea
            style={{ flex: 1 }}
            label={t('pasteNumbers')}
            description={t('pasteNumbersHelp')}
            autosize
            minRows={2}
            maxRows={6}
            value={paste}
            onChange={(e) => setPaste(e.currentTarget.value)}
            data-testid="rf-paste-numbers"
          />
          <Button
            variant="default"
            onClick={addPasted}
            disabled={!paste.trim()}
            data-testid="rf-paste-add"
          >
            {t('addPasted')}
          </Button>
        </Group>
        <Text size="sm" fw={500}>
          {t('field.entries')}
        </Text>
        <ListField
          form={form}
          path="entries"
          blank={(): Row => ({ number: '', expiresOn: '', limit: 'never', times: '' })}
          addLabel={t('addEntry')}
          row={(p) => {
            const { value, onChange, ...expires } = form.getInputProps(`${p}.expiresOn`);
            const limited = valueOf(form.getValues(), p).limit !== 'never';
            return (
              <SimpleGrid cols={4}>
                <TextInput {...form.getInputProps(`${p}.number`)} />
                <DateInput
                  {...expires}
                  value={(value as string) || null}
                  onChange={(v) => onChange(v ?? '')}
                  valueFormat="YYYY-MM-DD"
                  clearable
                />
                <Select
                  {...form.getInputProps(`${p}.limit`)}
                  data={(['never', 'hour', 'day'] as const).map((v) => ({
                    value: v,
                    label: t(`option.limit.${v}`),
                  }))}
                  allowDeselect={false}
                />
                {limited && <NumberInput {...form.getInputProps(`${p}.times`)} min={1} />}
              </SimpleGrid>
            );
          }}
        />
      </Stack>
    );
  },
};

const valueOf = (values: Values, prefix: string): Row => {
  const [, i] = prefix.split('.');
  return (values.entries as Row[])[Number(i)]!;
};

import { Checkbox, Group, Select, SimpleGrid, Stack, TagsInput } from '@mantine/core';
import { DateInput } from '@mantine/dates';
import { useTranslation } from 'react-i18next';
import { clean, collapse, type KindForm, type Values } from '../form-kit.tsx';
import { literalsOf, SCHEMAS } from '../schemas.ts';
import { Basics } from './simple.tsx';

/** Which fields each type of special date has (the others are dropped from the document). */
const FIELDS: Record<string, string[]> = {
  weekday: ['weekdays'],
  dateRange: ['from', 'to'],
  yearly: ['dates'],
};

/**
 * A special date: days of the week, a range of dates, or dates every year. Weekdays are checked
 * boxes (1 = Monday … 7 = Sunday, as the API numbers them); dates are picked on a calendar.
 */
export const specialDateForm: KindForm = {
  empty: (ctx) => ({
    id: '',
    name: '',
    ouId: ctx.defaultOu,
    type: 'weekday',
    weekdays: [],
    from: '',
    to: '',
    dates: [],
  }),
  fromDoc: (doc) => ({
    from: '',
    to: '',
    dates: [],
    ...doc,
    weekdays: ((doc.weekdays as number[] | undefined) ?? []).map(String),
  }),
  toDoc: (v: Values) => {
    const doc = clean({ ...v, from: v.from ?? '', to: v.to ?? '' }) as Values;
    doc.weekdays = ((v.weekdays as string[] | undefined) ?? []).map(Number);
    for (const f of ['weekdays', 'from', 'to', 'dates'])
      if (!FIELDS[String(v.type)]?.includes(f)) delete doc[f];
    return doc;
  },
  errorPath: collapse('weekdays', 'dates'),
  Fields: function SpecialDateFields({ form, ctx }) {
    const { t } = useTranslation('resources');
    const type = String(form.getValues().type);
    const date = (path: string) => {
      const { value, onChange, ...props } = form.getInputProps(path);
      return (
        <DateInput
          {...props}
          value={(value as string) || null}
          onChange={(v) => onChange(v ?? '')}
          valueFormat="YYYY-MM-DD"
          placeholder="2026-10-01"
          clearable
        />
      );
    };
    return (
      <Stack>
        <Basics form={form} ctx={ctx} />
        <Select
          {...form.getInputProps('type')}
          data={literalsOf(SCHEMAS['special-dates'], 'type').map((v) => ({
            value: v,
            label: t(`option.specialType.${v}`),
          }))}
          allowDeselect={false}
        />
        {type === 'weekday' && (
          <Checkbox.Group {...form.getInputProps('weekdays')}>
            <Group mt={6}>
              {[1, 2, 3, 4, 5, 6, 7].map((d) => (
                <Checkbox
                  key={d}
                  value={String(d)}
                  label={t(`weekday.${d}`)}
                  data-testid={`rf-weekday-${d}`}
                />
              ))}
            </Group>
          </Checkbox.Group>
        )}
        {type === 'dateRange' && (
          <SimpleGrid cols={2}>
            {date('from')}
            {date('to')}
          </SimpleGrid>
        )}
        {type === 'yearly' && (
          <TagsInput {...form.getInputProps('dates')} placeholder="10-01" splitChars={[',', ' ']} />
        )}
      </Stack>
    );
  },
};

import { Group, Input } from '@mantine/core';
import { DateInput, TimePicker } from '@mantine/dates';
import { useTranslation } from 'react-i18next';

/**
 * 24-hour time inputs (Mantine's TimePicker, not the browser's `type=time`, which follows the
 * browser's 12-hour locale): the seed's "no calls" period 00:00–00:00 reads as such in every
 * browser. Values are "HH:mm".
 */
export function TimeOfDay(props: {
  value: string;
  onChange: (v: string) => void;
  label?: string;
  ariaLabel?: string;
  error?: string;
  testId: string;
}) {
  const { t } = useTranslation('wizard');
  return (
    <TimePicker
      label={props.label}
      aria-label={props.ariaLabel}
      format="24h"
      value={props.value}
      onChange={(v) => props.onChange(v.slice(0, 5))}
      error={props.error}
      hoursInputLabel={t('time.hours')}
      minutesInputLabel={t('time.minutes')}
      hoursInputProps={{ 'data-testid': `${props.testId}-h` }}
      minutesInputProps={{ 'data-testid': `${props.testId}-m` }}
      data-testid={props.testId}
      w={110}
    />
  );
}

/** A local date and a 24-hour time ("yyyy-MM-ddTHH:mm") of the task's time zone. */
export function LocalDateTime(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  testId: string;
}) {
  const date = props.value.slice(0, 10);
  const time = props.value.slice(11, 16) || '00:00';
  return (
    <Input.Wrapper label={props.label} required error={props.error} data-testid={props.testId}>
      <Group gap={6} wrap="nowrap">
        <DateInput
          valueFormat="YYYY-MM-DD"
          value={date || null}
          onChange={(d) => d && props.onChange(`${d.slice(0, 10)}T${time}`)}
          error={!!props.error}
          data-testid={`${props.testId}-date`}
          w={130}
        />
        <TimeOfDay
          value={time}
          onChange={(v) => props.onChange(`${date}T${v}`)}
          ariaLabel={props.label}
          testId={`${props.testId}-time`}
        />
      </Group>
    </Input.Wrapper>
  );
}

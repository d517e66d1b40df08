import {
  ActionIcon,
  Button,
  Card,
  Group,
  Input,
  MultiSelect,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { i18n } from '../i18n/index.ts';
import { TimeOfDay } from './TimeInputs.tsx';
import type { Period } from '../types.ts';
import { options, type StepProps } from './BasicStep.tsx';
import { errorsAt, visibleTo } from './model.ts';

/** A list of HH:mm–HH:mm periods with add/remove and quick presets. */
function Periods(props: {
  label: string;
  value: Period[];
  onChange: (p: Period[]) => void;
  path: string;
  errors: StepProps['errors'];
  testId: string;
  presets?: { label: string; value: Period[]; testId: string }[];
}) {
  const { t } = useTranslation('wizard');
  const { value, onChange } = props;
  const setAt = (i: number, k: 'start' | 'end', v: string) =>
    onChange(value.map((p, j) => (j === i ? { ...p, [k]: v } : p)));
  return (
    <Input.Wrapper
      label={props.label}
      error={errorsAt(props.errors, props.path, false)}
      data-testid={props.testId}
    >
      <Stack gap={6} mt={4}>
        {value.map((p, i) => (
          <Group key={i} gap="xs" align="start">
            <TimeOfDay
              ariaLabel={t('windows.periodStart', { label: props.label, n: i + 1 })}
              value={p.start}
              onChange={(v) => setAt(i, 'start', v)}
              error={errorsAt(props.errors, `${props.path}/${i}/start`)}
              testId={`${props.testId}-${i}-start`}
            />
            <Text pt={6}>–</Text>
            <TimeOfDay
              ariaLabel={t('windows.periodEnd', { label: props.label, n: i + 1 })}
              value={p.end}
              onChange={(v) => setAt(i, 'end', v)}
              error={errorsAt(props.errors, `${props.path}/${i}/end`)}
              testId={`${props.testId}-${i}-end`}
            />
            <ActionIcon
              variant="subtle"
              color="red"
              mt={4}
              aria-label={t('windows.removePeriod')}
              onClick={() => onChange(value.filter((_, j) => j !== i))}
            >
              ×
            </ActionIcon>
          </Group>
        ))}
        {errorsAt(props.errors, props.path) && !errorsAt(props.errors, props.path, false) && (
          <Text size="xs" c="red">
            {errorsAt(props.errors, props.path)}
          </Text>
        )}
        <Group gap="xs">
          <Button
            size="xs"
            variant="default"
            onClick={() => onChange([...value, { start: '09:00', end: '18:00' }])}
            data-testid={`${props.testId}-add`}
          >
            {t('windows.addPeriod')}
          </Button>
          {props.presets?.map((p) => (
            <Button
              key={p.label}
              size="xs"
              variant="light"
              onClick={() => onChange(p.value)}
              data-testid={p.testId}
            >
              {p.label}
            </Button>
          ))}
        </Group>
      </Stack>
    </Input.Wrapper>
  );
}

const ALL_DAY: Period[] = [{ start: '00:00', end: '23:59' }];
const NO_CALLS: Period[] = [{ start: '00:00', end: '00:00' }];

/**
 * Step 2 (the seed's step 4): when calls may start. Allocations win over special dates, which win
 * over the regular periods. Weekends off takes three clicks: regular "All day", pick the weekend
 * special date, special periods "No calls".
 */
export function WindowsStep({ draft, set, errors, world, settings }: StepProps) {
  const { t } = useTranslation('wizard');
  const zone = draft.timeZone || settings.timeZone;
  const s = draft.schedule;
  const special = world['special-dates'].filter(visibleTo(settings.isolation, draft.ouId));
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {t('windows.help', { zone })}
      </Text>
      <Periods
        label={`${t('field.schedule_regular')} (${zone})`}
        value={s.regular}
        onChange={(p) => set((d) => void (d.schedule.regular = p))}
        path="/schedule/regular"
        errors={errors}
        testId="regular"
        presets={[{ label: t('windows.allDay'), value: ALL_DAY, testId: 'regular-all-day' }]}
      />
      <MultiSelect
        label={t('field.schedule_specialDates')}
        description={t('windows.specialHelp')}
        data={options(
          special,
          (r) => `${String(r.name ?? r.id)} (${describeSpecial(r)})`,
          world.ous,
        )}
        value={s.specialDates}
        onChange={(v) => set((d) => void (d.schedule.specialDates = v))}
        maxValues={20}
        error={errorsAt(errors, '/schedule/specialDates')}
        data-testid="f-special-dates"
      />
      <Periods
        label={`${t('field.schedule_specialPeriods')} (${zone})`}
        value={s.specialPeriods}
        onChange={(p) => set((d) => void (d.schedule.specialPeriods = p))}
        path="/schedule/specialPeriods"
        errors={errors}
        testId="special"
        presets={[
          { label: t('windows.allDay'), value: ALL_DAY, testId: 'special-all-day' },
          { label: t('windows.noCalls'), value: NO_CALLS, testId: 'special-no-calls' },
        ]}
      />
      <Card withBorder>
        <Stack>
          <Group justify="space-between">
            <Title order={5}>
              {t('field.schedule_allocations')} ({zone})
            </Title>
            <Switch
              label={t('windows.enabled')}
              checked={s.allocations.enabled}
              onChange={(e) => {
                const v = e.currentTarget.checked;
                set((d) => void (d.schedule.allocations.enabled = v));
              }}
              data-testid="allocations-enabled"
            />
          </Group>
          {s.allocations.entries.map((a, i) => (
            <Card key={i} withBorder padding="sm">
              <Stack gap="xs">
                <Group align="end">
                  <TextInput
                    style={{ flex: 1 }}
                    label={t('field.schedule_allocations_entries_dates')}
                    value={a.dates.join(', ')}
                    onChange={(e) => {
                      const dates = e.currentTarget.value
                        .split(',')
                        .map((x) => x.trim())
                        .filter(Boolean);
                      set((d) => void (d.schedule.allocations.entries[i]!.dates = dates));
                    }}
                    error={errorsAt(errors, `/schedule/allocations/entries/${i}/dates`)}
                  />
                  <Button
                    variant="subtle"
                    color="red"
                    onClick={() => set((d) => void d.schedule.allocations.entries.splice(i, 1))}
                  >
                    {t('common:remove')}
                  </Button>
                </Group>
                <Periods
                  label={t('field.schedule_allocations_entries_periods')}
                  value={a.periods}
                  onChange={(p) =>
                    set((d) => void (d.schedule.allocations.entries[i]!.periods = p))
                  }
                  path={`/schedule/allocations/entries/${i}/periods`}
                  errors={errors}
                  testId={`allocation-${i}`}
                />
              </Stack>
            </Card>
          ))}
          <Group>
            <Button
              size="xs"
              variant="default"
              onClick={() =>
                set(
                  (d) =>
                    void d.schedule.allocations.entries.push({
                      dates: [],
                      periods: [{ start: '09:00', end: '12:00' }],
                    }),
                )
              }
            >
              {t('windows.addAllocation')}
            </Button>
          </Group>
        </Stack>
      </Card>
    </Stack>
  );
}

/** A special date in words: "Sat, Sun", "2026-10-01 – 2026-10-07", "every year 01-01". */
export function describeSpecial(r: Record<string, unknown>): string {
  if (r.type === 'weekday')
    return ((r.weekdays as number[] | undefined) ?? [])
      .map((w) => i18n.t(`common:weekdays.${w}`))
      .join(', ');
  if (r.type === 'dateRange') return `${String(r.from)} – ${String(r.to)}`;
  if (r.type === 'yearly')
    return i18n.t('wizard:windows.everyYear', { dates: ((r.dates as string[]) ?? []).join(', ') });
  return String(r.type);
}

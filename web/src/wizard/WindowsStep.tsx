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
            <TextInput
              type="time"
              aria-label={`${props.label} ${i + 1} start`}
              value={p.start}
              onChange={(e) => setAt(i, 'start', e.currentTarget.value)}
              error={errorsAt(props.errors, `${props.path}/${i}/start`)}
              data-testid={`${props.testId}-${i}-start`}
            />
            <Text pt={6}>–</Text>
            <TextInput
              type="time"
              aria-label={`${props.label} ${i + 1} end`}
              value={p.end}
              onChange={(e) => setAt(i, 'end', e.currentTarget.value)}
              error={errorsAt(props.errors, `${props.path}/${i}/end`)}
              data-testid={`${props.testId}-${i}-end`}
            />
            <ActionIcon
              variant="subtle"
              color="red"
              mt={4}
              aria-label="Remove period"
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
            Add time period
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
  const zone = draft.timeZone || settings.timeZone;
  const s = draft.schedule;
  const special = world['special-dates'].filter(visibleTo(settings.isolation, draft.ouId));
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        Times are in the task&apos;s time zone ({zone}). Priority: allocations by special dates &gt;
        special dates &gt; regular periods. An end of 23:59 means the end of the day; 00:00–00:00
        means no calls.
      </Text>
      <Periods
        label={`Regular date time period (${zone})`}
        value={s.regular}
        onChange={(p) => set((d) => void (d.schedule.regular = p))}
        path="/schedule/regular"
        errors={errors}
        testId="regular"
        presets={[{ label: 'All day', value: ALL_DAY, testId: 'regular-all-day' }]}
      />
      <MultiSelect
        label="Special dates"
        description="Holidays, weekends… (at most 20)"
        data={options(special, (r) => `${String(r.name ?? r.id)} (${describeSpecial(r)})`)}
        value={s.specialDates}
        onChange={(v) => set((d) => void (d.schedule.specialDates = v))}
        maxValues={20}
        error={errorsAt(errors, '/schedule/specialDates')}
        data-testid="f-special-dates"
      />
      <Periods
        label={`Special time period (${zone})`}
        value={s.specialPeriods}
        onChange={(p) => set((d) => void (d.schedule.specialPeriods = p))}
        path="/schedule/specialPeriods"
        errors={errors}
        testId="special"
        presets={[
          { label: 'All day', value: ALL_DAY, testId: 'special-all-day' },
          { label: 'No calls', value: NO_CALLS, testId: 'special-no-calls' },
        ]}
      />
      <Card withBorder>
        <Stack>
          <Group justify="space-between">
            <Title order={5}>Allocate time periods by special dates ({zone})</Title>
            <Switch
              label="Enabled"
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
                    label="Dates (yyyy-MM-dd, comma separated)"
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
                    Remove
                  </Button>
                </Group>
                <Periods
                  label="Periods"
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
              Add allocation
            </Button>
          </Group>
        </Stack>
      </Card>
    </Stack>
  );
}

const WEEKDAYS = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function describeSpecial(r: Record<string, unknown>): string {
  if (r.type === 'weekday')
    return ((r.weekdays as number[] | undefined) ?? []).map((w) => WEEKDAYS[w]).join(', ');
  if (r.type === 'dateRange') return `${String(r.from)} – ${String(r.to)}`;
  if (r.type === 'yearly') return `every year ${((r.dates as string[]) ?? []).join(', ')}`;
  return String(r.type);
}

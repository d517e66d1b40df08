import {
  ActionIcon,
  Alert,
  Button,
  Card,
  Group,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Filter } from '../types.ts';
import { fmtDuration, fmtNum } from '../lib/format.ts';
import { options, type StepProps } from './BasicStep.tsx';
import { effectiveRate, errorsAt, visibleTo } from './model.ts';

const OPS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in', 'contains'];
type Condition = Filter['conditions'][number];

/** Step 3 (the seed's step 5): pacing, with the rate the engine will really apply shown live. */
export function StrategyStep({ draft, set, errors, world, settings }: StepProps) {
  const { t } = useTranslation('wizard');
  const st = draft.strategy;
  const err = (p: string) => errorsAt(errors, p);
  const rate = effectiveRate(st.intervalSec || 1, st.callsPerInterval || 1);
  const attributes = world.attributes
    .filter(visibleTo(settings.isolation, draft.ouId))
    .filter((a) => !a.encrypted);
  const typeOf = (code: string) => world.attributes.find((a) => a.code === code)?.type;
  const num = (v: string | number) => (typeof v === 'number' ? v : Number(v) || 0);

  const setCondition = (i: number, c: Partial<Condition>) =>
    set((d) => {
      const f = d.strategy.filter!;
      f.conditions[i] = { ...f.conditions[i]!, ...c };
    });
  const valueText = (v: unknown) => (Array.isArray(v) ? v.join(', ') : v == null ? '' : String(v));
  const parseValue = (attr: string, op: string, text: string): unknown => {
    const one = (s: string) => (typeOf(attr) === 'number' && s !== '' ? Number(s) : s);
    return op === 'in' ? text.split(',').map((s) => one(s.trim())) : one(text);
  };

  return (
    <Stack>
      <SimpleGrid cols={3}>
        <NumberInput
          clampBehavior="none"
          label={t('field.strategy_maxRingSec')}
          description={t('strategy.maxRingHelp', { d: fmtDuration(st.maxRingSec) })}
          min={5}
          max={120}
          value={st.maxRingSec}
          onChange={(v) => set((d) => void (d.strategy.maxRingSec = num(v)))}
          error={err('/strategy/maxRingSec')}
          data-testid="f-max-ring"
        />
        <NumberInput
          clampBehavior="none"
          label={t('field.strategy_intervalSec')}
          description={t('strategy.intervalHelp', { d: fmtDuration(st.intervalSec) })}
          min={1}
          max={9999}
          value={st.intervalSec}
          onChange={(v) => set((d) => void (d.strategy.intervalSec = num(v)))}
          error={err('/strategy/intervalSec')}
          data-testid="f-interval"
        />
        <NumberInput
          clampBehavior="none"
          label={t('field.strategy_callsPerInterval')}
          description={t('strategy.callsHelp', { n: settings.channels })}
          min={1}
          max={settings.channels}
          value={st.callsPerInterval}
          onChange={(v) => set((d) => void (d.strategy.callsPerInterval = num(v)))}
          error={err('/strategy/callsPerInterval')}
          data-testid="f-calls"
        />
      </SimpleGrid>
      <Alert color="blue" title={t('strategy.effectiveRate')}>
        <Text data-testid="effective-rate">
          {t('strategy.rate', { calls: fmtNum(rate.calls), every: fmtDuration(rate.every) })}
        </Text>
        <Text size="sm" c="dimmed">
          {t('strategy.rateHelp')} {t('strategy.channelLimit')}{' '}
          <span data-testid="channel-limit">{settings.channels}</span>
        </Text>
      </Alert>
      {settings.attributeFeatures ? (
        <Card withBorder>
          <Stack>
            <Switch
              label={t('field.strategy_filter')}
              checked={!!st.filter}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                set(
                  (d) =>
                    void (d.strategy.filter = on
                      ? { join: 'and', conditions: [{ attribute: '', op: 'eq', value: '' }] }
                      : null),
                );
              }}
              data-testid="filter-enabled"
            />
            {st.filter && (
              <>
                <SegmentedControl
                  w={160}
                  value={st.filter.join}
                  onChange={(v) => set((d) => void (d.strategy.filter!.join = v as 'and' | 'or'))}
                  data={[
                    { value: 'and', label: t('strategy.and') },
                    { value: 'or', label: t('strategy.or') },
                  ]}
                />
                {st.filter.conditions.map((c, i) => (
                  <Group key={i} align="start">
                    <Select
                      placeholder={t('field.strategy_filter_conditions_attribute')}
                      data={options(attributes, (a) => String(a.name ?? a.code), world.ous)}
                      value={c.attribute || null}
                      onChange={(v) => setCondition(i, { attribute: v ?? '' })}
                      error={err(`/strategy/filter/conditions/${i}/attribute`)}
                    />
                    <Select
                      w={110}
                      aria-label={t('field.strategy_filter_conditions_op')}
                      data={OPS.map((o) => ({ value: o, label: t(`strategy.ops.${o}`) }))}
                      value={c.op}
                      onChange={(v) => setCondition(i, { op: (v ?? 'eq') as Condition['op'] })}
                    />
                    <TextInput
                      placeholder={
                        c.op === 'in' ? 'a, b, c' : t('field.strategy_filter_conditions_value')
                      }
                      value={valueText(c.value)}
                      onChange={(e) =>
                        setCondition(i, {
                          value: parseValue(c.attribute, c.op, e.currentTarget.value),
                        })
                      }
                      error={err(`/strategy/filter/conditions/${i}/value`)}
                    />
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      mt={4}
                      aria-label={t('strategy.removeCondition')}
                      onClick={() => set((d) => void d.strategy.filter!.conditions.splice(i, 1))}
                    >
                      ×
                    </ActionIcon>
                  </Group>
                ))}
                {err('/strategy/filter') && (
                  <Text size="xs" c="red">
                    {err('/strategy/filter')}
                  </Text>
                )}
                <Group>
                  <Button
                    size="xs"
                    variant="default"
                    onClick={() =>
                      set(
                        (d) =>
                          void d.strategy.filter!.conditions.push({
                            attribute: '',
                            op: 'eq',
                            value: '',
                          }),
                      )
                    }
                  >
                    {t('strategy.addCondition')}
                  </Button>
                </Group>
              </>
            )}
          </Stack>
        </Card>
      ) : (
        <Text size="sm" c="dimmed">
          {t('strategy.attributesOff')}
        </Text>
      )}
    </Stack>
  );
}

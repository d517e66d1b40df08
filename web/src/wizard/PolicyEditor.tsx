import {
  ActionIcon,
  Button,
  Group,
  MultiSelect,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { RESULT_NAMES } from '../../../src/domain/result-codes.ts';
import { i18n } from '../i18n/index.ts';
import type { FieldError } from '../api.ts';
import type { World } from '../lib/hooks.ts';
import type { PolicyBody } from './policy-types.ts';
import { errorsAt } from './model.ts';
import { fmtDuration, fmtResult } from '../lib/format.ts';

const num = (v: string | number) => (typeof v === 'number' ? v : Number(v) || 0);

/** Result names (§6) and the tenant's result definitions, for rules and non-retry results. */
export function resultChoices(world: World) {
  return [
    {
      group: i18n.t('wizard:policy.resultCodes'),
      items: RESULT_NAMES.map((r) => ({ value: r, label: fmtResult(r) })),
    },
    {
      group: i18n.t('wizard:policy.resultDefinitions'),
      items: world['result-definitions'].map((r) => ({
        value: String(r.code ?? r.id),
        label: `${String(r.code ?? r.id)} — ${String(r.label ?? '')}`,
      })),
    },
  ];
}

/** One policy: attempt limits, or per-result rules; non-retry results either way. */
export function PolicyEditor(props: {
  value: PolicyBody;
  onChange: (f: (p: PolicyBody) => void) => void;
  path: string;
  errors: FieldError[];
  world: World;
  testId: string;
}) {
  const { t } = useTranslation('wizard');
  const { value: p, onChange, path, errors } = props;
  const err = (s: string) => errorsAt(errors, `${path}/${s}`);
  const choices = resultChoices(props.world);
  return (
    <Stack gap="sm" data-testid={props.testId}>
      <Switch
        label={t('field.resultPolicy_byResult')}
        checked={p.byResult}
        onChange={(e) => {
          const on = e.currentTarget.checked;
          onChange((x) => {
            x.byResult = on;
            if (on) x.rules ??= [];
          });
        }}
        data-testid={`${props.testId}-by-result`}
      />
      {p.byResult ? (
        <Stack gap={6}>
          <Text size="sm" fw={500}>
            {t('field.resultPolicy_rules')}
          </Text>
          {(p.rules ?? []).map((r, i) => (
            <Group key={i} align="start">
              <Select
                placeholder={t('field.resultPolicy_rules_result')}
                data={choices}
                value={r.result || null}
                onChange={(v) => onChange((x) => void (x.rules![i]!.result = v ?? ''))}
                error={err(`rules/${i}/result`)}
                searchable
                data-testid={`${props.testId}-rule-${i}-result`}
              />
              <NumberInput
                w={130}
                aria-label={t('field.resultPolicy_rules_retries')}
                placeholder={t('field.resultPolicy_rules_retries')}
                min={0}
                max={100}
                value={r.retries}
                onChange={(v) => onChange((x) => void (x.rules![i]!.retries = num(v)))}
                error={err(`rules/${i}/retries`)}
                leftSection={<Text size="xs">×</Text>}
                data-testid={`${props.testId}-rule-${i}-retries`}
              />
              <NumberInput
                w={160}
                aria-label={t('field.resultPolicy_rules_intervalSec')}
                min={0}
                value={r.intervalSec}
                onChange={(v) => onChange((x) => void (x.rules![i]!.intervalSec = num(v)))}
                error={err(`rules/${i}/intervalSec`)}
                rightSection={<Text size="xs">{t('policy.secondsUnit')}</Text>}
                data-testid={`${props.testId}-rule-${i}-interval`}
              />
              <ActionIcon
                variant="subtle"
                color="red"
                mt={4}
                aria-label={t('policy.removeRule')}
                onClick={() => onChange((x) => void x.rules!.splice(i, 1))}
              >
                ×
              </ActionIcon>
            </Group>
          ))}
          {errorsAt(errors, `${path}/rules`, false) && (
            <Text size="xs" c="red">
              {errorsAt(errors, `${path}/rules`, false)}
            </Text>
          )}
          <Group>
            <Button
              size="xs"
              variant="default"
              onClick={() =>
                onChange(
                  (x) => void (x.rules ??= []).push({ result: '', retries: 1, intervalSec: 300 }),
                )
              }
              data-testid={`${props.testId}-add-rule`}
            >
              {t('policy.addRule')}
            </Button>
          </Group>
        </Stack>
      ) : (
        <SimpleGrid cols={3}>
          <NumberInput
            label={t('field.resultPolicy_maxAttemptDays')}
            min={1}
            max={365}
            value={p.maxAttemptDays ?? ''}
            onChange={(v) => onChange((x) => void (x.maxAttemptDays = num(v)))}
            error={err('maxAttemptDays')}
          />
          <NumberInput
            label={t('field.resultPolicy_maxAttemptsPerDay')}
            min={1}
            max={100}
            value={p.maxAttemptsPerDay ?? ''}
            onChange={(v) => onChange((x) => void (x.maxAttemptsPerDay = num(v)))}
            error={err('maxAttemptsPerDay')}
          />
          <NumberInput
            label={t('field.resultPolicy_retryIntervalSec')}
            description={fmtDuration(p.retryIntervalSec)}
            min={0}
            value={p.retryIntervalSec ?? ''}
            onChange={(v) => onChange((x) => void (x.retryIntervalSec = num(v)))}
            error={err('retryIntervalSec')}
          />
        </SimpleGrid>
      )}
      <MultiSelect
        label={t('field.resultPolicy_nonRetryResults')}
        description={t('policy.nonRetryHelp')}
        data={choices}
        value={p.nonRetryResults}
        onChange={(v) => onChange((x) => void (x.nonRetryResults = v))}
        error={err('nonRetryResults')}
        searchable
        data-testid={`${props.testId}-non-retry`}
      />
    </Stack>
  );
}

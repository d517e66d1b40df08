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
import { RESULT_NAMES } from '../../../src/domain/result-codes.ts';
import type { FieldError } from '../api.ts';
import type { World } from '../lib/hooks.ts';
import type { PolicyBody } from './policy-types.ts';
import { errorsAt } from './model.ts';

const num = (v: string | number) => (typeof v === 'number' ? v : Number(v) || 0);

/** Result names (§6) and the tenant's result definitions, for rules and non-retry results. */
export function resultChoices(world: World) {
  return [
    { group: 'Result codes', items: RESULT_NAMES.map((r) => ({ value: r, label: r })) },
    {
      group: 'Result definitions',
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
  const { value: p, onChange, path, errors } = props;
  const err = (s: string) => errorsAt(errors, `${path}/${s}`);
  const choices = resultChoices(props.world);
  return (
    <Stack gap="sm" data-testid={props.testId}>
      <Switch
        label="Configure policy based on results"
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
            Results processing strategy
          </Text>
          {(p.rules ?? []).map((r, i) => (
            <Group key={i} align="start">
              <Select
                placeholder="Outbound call failure cause"
                data={choices}
                value={r.result || null}
                onChange={(v) => onChange((x) => void (x.rules![i]!.result = v ?? ''))}
                error={err(`rules/${i}/result`)}
                searchable
                data-testid={`${props.testId}-rule-${i}-result`}
              />
              <NumberInput
                w={130}
                aria-label="Retry times"
                placeholder="Retry times"
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
                aria-label="Call-out interval (s)"
                min={0}
                value={r.intervalSec}
                onChange={(v) => onChange((x) => void (x.rules![i]!.intervalSec = num(v)))}
                error={err(`rules/${i}/intervalSec`)}
                rightSection={<Text size="xs">s</Text>}
                data-testid={`${props.testId}-rule-${i}-interval`}
              />
              <ActionIcon
                variant="subtle"
                color="red"
                mt={4}
                aria-label="Remove rule"
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
              Add rule
            </Button>
          </Group>
        </Stack>
      ) : (
        <SimpleGrid cols={3}>
          <NumberInput
            label="Max. call attempt days"
            min={1}
            max={365}
            value={p.maxAttemptDays ?? ''}
            onChange={(v) => onChange((x) => void (x.maxAttemptDays = num(v)))}
            error={err('maxAttemptDays')}
          />
          <NumberInput
            label="Maximum call attempts per day"
            min={1}
            max={100}
            value={p.maxAttemptsPerDay ?? ''}
            onChange={(v) => onChange((x) => void (x.maxAttemptsPerDay = num(v)))}
            error={err('maxAttemptsPerDay')}
          />
          <NumberInput
            label="Call-out interval (s)"
            min={0}
            value={p.retryIntervalSec ?? ''}
            onChange={(v) => onChange((x) => void (x.retryIntervalSec = num(v)))}
            error={err('retryIntervalSec')}
          />
        </SimpleGrid>
      )}
      <MultiSelect
        label="Non-retry result codes"
        description="A customer whose call ends with one of these is not called again"
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

import {
  ActionIcon,
  Autocomplete,
  Button,
  Checkbox,
  Group,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { NodeError } from './node-errors.ts';
import { errorText } from './StepNode.tsx';
import type { Step } from './steps.ts';

/**
 * The properties of the selected step, one input per field of the engine's node. Empty optional
 * fields are left out of the document (the engine's defaults apply); errors of a field show on it.
 */
interface Props {
  step: Step;
  errors: NodeError[];
  skillQueues: string[];
  questionnaires: { value: string; label: string }[];
  onChange: (step: Step) => void;
  onDelete: () => void;
  readOnly: boolean;
}

type Prompt = { text: string; voice?: string } | { file: string };
type Case = { equals?: string; in?: string[]; matches?: string };

export function StepForm({
  step,
  errors,
  skillQueues,
  questionnaires,
  onChange,
  onDelete,
  readOnly,
}: Props) {
  const { t } = useTranslation('flow');
  const set = (field: string, value: unknown, keepEmpty = false) => {
    const next: Step = { ...step };
    if (value === undefined || (value === '' && !keepEmpty)) delete next[field];
    else next[field] = value;
    onChange(next);
  };
  const errorOf = (field: string) => {
    const own = errors.filter((e) => e.field === field || e.field.startsWith(`${field}/`));
    return own.length ? own.map((e) => errorText(t, e)).join('; ') : undefined;
  };
  const num = (field: string, o: { min?: number; max?: number; step?: number } = {}) => (
    <NumberInput
      label={t(`fields.${field}`)}
      value={typeof step[field] === 'number' ? step[field] : ''}
      onChange={(v) => set(field, typeof v === 'number' ? v : undefined)}
      min={o.min}
      max={o.max}
      step={o.step}
      error={errorOf(field)}
      data-testid={`field-${field}`}
    />
  );
  const text = (field: string, o: { placeholder?: string; required?: boolean } = {}) => (
    <TextInput
      label={t(`fields.${field}`)}
      required={o.required}
      placeholder={o.placeholder}
      value={typeof step[field] === 'string' ? step[field] : ''}
      onChange={(e) => set(field, e.currentTarget.value, o.required)}
      error={errorOf(field)}
      data-testid={`field-${field}`}
    />
  );

  const prompt = (optional: boolean) => {
    const p = step.prompt as Prompt | undefined;
    const kind = !p ? 'none' : 'file' in p ? 'file' : 'text';
    return (
      <Stack gap={4}>
        <Text size="sm" fw={500}>
          {t('fields.prompt')}
        </Text>
        <SegmentedControl
          size="xs"
          value={kind}
          data={[
            ...(optional ? [{ value: 'none', label: t('prompt.none') }] : []),
            { value: 'text', label: t('prompt.text') },
            { value: 'file', label: t('prompt.file') },
          ]}
          onChange={(k) =>
            set('prompt', k === 'none' ? undefined : k === 'file' ? { file: '' } : { text: '' })
          }
          data-testid="field-prompt-kind"
        />
        {p && 'text' in p && (
          <>
            <Textarea
              autosize
              minRows={2}
              label={t('fields.text')}
              description={t('help.text')}
              value={p.text}
              onChange={(e) => set('prompt', { ...p, text: e.currentTarget.value })}
              error={errorOf('prompt')}
              data-testid="field-prompt-text"
            />
            <TextInput
              label={t('fields.voice')}
              placeholder="en"
              value={p.voice ?? ''}
              onChange={(e) => {
                const { voice: _, ...rest } = p;
                const voice = e.currentTarget.value;
                set('prompt', voice ? { ...rest, voice } : rest);
              }}
            />
          </>
        )}
        {p && 'file' in p && (
          <TextInput
            label={t('fields.file')}
            description={t('help.file')}
            value={p.file}
            onChange={(e) => set('prompt', { file: e.currentTarget.value })}
            error={errorOf('prompt')}
            data-testid="field-prompt-file"
          />
        )}
      </Stack>
    );
  };

  const cases = (Array.isArray(step.cases) ? step.cases : []) as Case[];
  const setCase = (j: number, c: Case) =>
    set(
      'cases',
      cases.map((x, k) => (k === j ? c : x)),
    );
  const testOf = (c: Case) => (c.in ? 'in' : c.matches !== undefined ? 'matches' : 'equals');
  const target = (step.target ?? { skillQueue: '' }) as { skillQueue?: string; number?: string };

  return (
    <Stack gap="xs" data-testid="step-form">
      <Group justify="space-between">
        <Title order={5}>{t(`types.${step.type}`)}</Title>
        <Button
          size="compact-xs"
          color="red"
          variant="subtle"
          onClick={onDelete}
          disabled={readOnly}
          data-testid="step-delete"
        >
          {t('actions.delete')}
        </Button>
      </Group>
      {text('id', { required: true })}
      {text('label')}
      {step.type === 'play' && (
        <>
          {prompt(false)}
          <Checkbox
            label={t('fields.bargeIn')}
            checked={step.bargeIn !== false}
            onChange={(e) => set('bargeIn', e.currentTarget.checked ? undefined : false)}
          />
        </>
      )}
      {step.type === 'collect' && (
        <>
          {prompt(true)}
          {num('max', { min: 1, max: 32 })}
          {num('timeoutSec', { min: 0.5, max: 120, step: 0.5 })}
          {num('interDigitSec', { min: 0.5, max: 60, step: 0.5 })}
          <Select
            label={t('fields.terminator')}
            clearable
            data={['#', '*']}
            value={(step.terminator as string | undefined) ?? null}
            onChange={(v) => set('terminator', v ?? undefined)}
            error={errorOf('terminator')}
          />
          {text('variable', { placeholder: step.id })}
        </>
      )}
      {step.type === 'questionnaire' && (
        <>
          <Select
            label={t('fields.questionnaireId')}
            description={t('help.questionnaire')}
            clearable
            placeholder={t('summary.taskQuestionnaire')}
            data={questionnaires}
            value={(step.questionnaireId as string | undefined) ?? null}
            onChange={(v) => set('questionnaireId', v ?? undefined)}
            error={errorOf('questionnaireId')}
            data-testid="field-questionnaireId"
          />
          {Array.isArray(step.questions) && (
            <Text size="xs" c="dimmed">
              {t('summary.questions', { count: step.questions.length })}
            </Text>
          )}
        </>
      )}
      {step.type === 'assign' && (
        <>
          {text('variable', { required: true })}
          <SegmentedControl
            size="xs"
            value={step.fromCallData !== undefined ? 'fromCallData' : 'value'}
            data={[
              { value: 'value', label: t('fields.value') },
              { value: 'fromCallData', label: t('fields.fromCallData') },
            ]}
            onChange={(k) => {
              const { value: _v, fromCallData: _f, ...rest } = step;
              onChange({ ...rest, [k]: '' } as Step);
            }}
          />
          {step.fromCallData !== undefined
            ? text('fromCallData', { required: true })
            : text('value', { required: true })}
        </>
      )}
      {step.type === 'branch' && (
        <>
          {text('variable', { required: true })}
          <Text size="sm" fw={500}>
            {t('fields.cases')}
          </Text>
          {cases.map((c, j) => (
            <Group key={j} gap={4} wrap="nowrap" align="flex-start">
              <Select
                w={110}
                size="xs"
                data={['equals', 'in', 'matches'].map((k) => ({
                  value: k,
                  label: t(`fields.${k}`),
                }))}
                value={testOf(c)}
                allowDeselect={false}
                onChange={(k) => setCase(j, k === 'in' ? { in: [''] } : { [k ?? 'equals']: '' })}
              />
              <TextInput
                size="xs"
                style={{ flex: 1 }}
                value={c.in ? c.in.join(',') : String(c.equals ?? c.matches ?? '')}
                onChange={(e) => {
                  const v = e.currentTarget.value;
                  const k = testOf(c);
                  setCase(j, k === 'in' ? { in: v.split(',') } : { [k]: v });
                }}
                error={errorOf(`cases/${j}`)}
                data-testid={`field-case-${j}`}
              />
              <ActionIcon
                variant="subtle"
                color="red"
                disabled={cases.length < 2}
                onClick={() =>
                  set(
                    'cases',
                    cases.filter((_, k) => k !== j),
                  )
                }
                aria-label={t('actions.removeCase')}
              >
                ×
              </ActionIcon>
            </Group>
          ))}
          <Button
            size="compact-xs"
            variant="light"
            onClick={() => set('cases', [...cases, { equals: '' }])}
            data-testid="case-add"
          >
            {t('actions.addCase')}
          </Button>
        </>
      )}
      {step.type === 'transfer' && (
        <>
          <SegmentedControl
            size="xs"
            value={target.number !== undefined ? 'number' : 'skillQueue'}
            data={[
              { value: 'skillQueue', label: t('fields.skillQueue') },
              { value: 'number', label: t('fields.number') },
            ]}
            onChange={(k) => set('target', { [k]: '' })}
          />
          {target.number !== undefined ? (
            <TextInput
              label={t('fields.number')}
              value={target.number}
              onChange={(e) => set('target', { number: e.currentTarget.value })}
              error={errorOf('target')}
              data-testid="field-target-number"
            />
          ) : (
            <Autocomplete
              label={t('fields.skillQueue')}
              description={t('help.skillQueue')}
              data={skillQueues}
              value={target.skillQueue ?? ''}
              onChange={(v) => set('target', { skillQueue: v })}
              error={errorOf('target')}
              data-testid="field-target-queue"
            />
          )}
        </>
      )}
      {step.type === 'hangup' && prompt(true)}
      {step.type === 'robot' && (
        <>
          {text('endpoint', { required: true })}
          {num('timeoutSec', { min: 0.1, max: 30, step: 0.5 })}
          {num('maxTurns', { min: 1, max: 200 })}
        </>
      )}
      {errors
        .filter((e) => e.field === '')
        .map((e, i) => (
          <Text key={i} size="xs" c="red.7">
            {errorText(t, e)}
          </Text>
        ))}
    </Stack>
  );
}

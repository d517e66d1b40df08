import { useEffect, useState } from 'react';
import {
  Alert,
  Anchor,
  Button,
  Group,
  List,
  Loader,
  Modal,
  Stack,
  Stepper,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ApiError, type FieldError } from '../api.ts';
import { useTenant } from '../session.tsx';
import { navigate, useLocation } from '../router.tsx';
import { useInvalidate, useTaskQuery, useWorld } from '../lib/queries.ts';
import { fieldLabel, plainMessage, plainTitle, usePlainError } from '../lib/plain.ts';
import { navigateWithNotice } from '../lib/notice.ts';
import type { Template } from '../types.ts';
import { BasicStep } from './BasicStep.tsx';
import { WindowsStep } from './WindowsStep.tsx';
import { StrategyStep } from './StrategyStep.tsx';
import { PolicyStep } from './PolicyStep.tsx';
import { defaultDraft, draftFrom, STEP_COUNT, stepOf, toConfig, type Draft } from './model.ts';
import { errorsAfterEdit, validateDraft } from './validate.ts';

/**
 * Create or edit a task, in the seed's order: basic information, calling windows, task
 * strategy, call strategy and result policy; then Save (or Save as template). Next checks the
 * step with the API's own rules before moving on; errors (the browser's or the server's) show on
 * their fields with the wizard's labels, go away as soon as the field changes, and the wizard
 * opens the first step that has one.
 */
export function TaskWizard({ taskId }: { taskId?: string }) {
  const { t } = useTranslation('wizard');
  const plain = usePlainError();
  const { api, me, tenant, base } = useTenant();
  const { query } = useLocation();
  const templateId = query.get('template');
  const type = query.get('type') === 'robot' ? 'robot' : 'ivr';
  const { world, error: worldError } = useWorld();
  const task = useTaskQuery(taskId);
  const template = useQuery({
    queryKey: [base, 'templates', templateId],
    queryFn: ({ signal }) =>
      api.get<Template>(`${base}/templates/${templateId}`, undefined, signal),
    enabled: !!templateId,
  });
  const invalidate = useInvalidate();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [step, setStep] = useState(0);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [templateOpen, setTemplateOpen] = useState(false);
  const [templateName, setTemplateName] = useState('');
  const [templateError, setTemplateError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const ready = !!world && (!taskId || !!task.data) && (!templateId || !!template.data);
  useEffect(() => {
    if (!ready || draft) return;
    const base0 = defaultDraft({
      type,
      ouId: me.role === 'ou_operator' ? me.ouId : null,
      timeZone: tenant.settings.timeZone,
      today: new Date(),
    });
    if (taskId && task.data) setDraft(draftFrom(base0, task.data.config));
    else if (template.data) setDraft(draftFrom(base0, { ...template.data.config, name: '' }));
    else setDraft(base0);
  }, [ready, draft, type, me, tenant.settings.timeZone, taskId, task.data, template.data]);

  const loadError = worldError ?? (taskId ? task.error : null) ?? template.error;
  if (loadError && !draft) return <Alert color="red">{plain(loadError)}</Alert>;
  if (!draft || !world) return <Loader />;

  const set = (f: (d: Draft) => void) => {
    const next = structuredClone(draft);
    f(next);
    const left = errorsAfterEdit(errors, draft, next);
    if (left.length !== errors.length) {
      setErrors(left);
      if (!left.length) setProblem(null);
    }
    setDraft(next);
  };

  const show = (fieldErrors: FieldError[], title: string) => {
    setErrors(fieldErrors);
    setProblem(title);
    if (fieldErrors.length) setStep(Math.min(...fieldErrors.map((f) => stepOf(f.path))));
  };

  const next = () => {
    const own = validateDraft(draft, world, tenant.settings).filter((e) => stepOf(e.path) === step);
    if (own.length) return show(own, t('stepHasErrors'));
    setErrors([]);
    setProblem(null);
    setStep(step + 1);
  };

  const save = async () => {
    const all = validateDraft(draft, world, tenant.settings);
    if (all.length) return show(all, t('stepHasErrors'));
    setSaving(true);
    setProblem(null);
    try {
      const config = toConfig(draft);
      if (taskId) await api.put(`${base}/tasks/${taskId}`, config);
      else await api.post(`${base}/tasks`, config);
      await invalidate('tasks');
      navigateWithNotice(
        '/tasks',
        taskId ? t('savedEdit', { name: draft.name }) : t('savedNew', { name: draft.name }),
      );
    } catch (e) {
      if (e instanceof ApiError && e.fieldErrors.length) show(e.fieldErrors, plainTitle(e));
      else show([], plain(e));
    } finally {
      setSaving(false);
    }
  };

  const saveTemplate = async () => {
    setTemplateError(null);
    try {
      await api.post(`${base}/templates`, { name: templateName, config: toConfig(draft) });
      setTemplateOpen(false);
      setNotice(t('template.saved', { name: templateName }));
    } catch (e) {
      setTemplateError(plain(e));
    }
  };

  const props = { draft, set, errors, world, settings: tenant.settings, me };
  const stepErrors = (i: number) => errors.filter((e) => stepOf(e.path) === i).length;

  return (
    <Stack>
      <Title order={2}>
        {taskId
          ? t('titleEdit', { name: task.data?.name ?? '' })
          : draft.type === 'robot'
            ? t('titleNewRobot')
            : t('titleNewIvr')}
      </Title>
      {problem && (
        <Alert color="red" title={problem} data-testid="wizard-error">
          {errors.length > 0 && (
            <List size="sm">
              {errors.map((e, i) => (
                <List.Item key={i}>
                  <Anchor component="button" size="sm" onClick={() => setStep(stepOf(e.path))}>
                    {t(`steps.${stepOf(e.path)}`)} › {fieldLabel(e.path)}
                  </Anchor>
                  : {plainMessage(e.message)}
                </List.Item>
              ))}
            </List>
          )}
        </Alert>
      )}
      {notice && (
        <Alert
          color="green"
          withCloseButton
          onClose={() => setNotice(null)}
          data-testid="wizard-notice"
        >
          {notice}
        </Alert>
      )}
      <Stepper active={step} onStepClick={setStep} size="sm">
        {Array.from({ length: STEP_COUNT }, (_, i) => (
          <Stepper.Step
            key={i}
            label={t(`steps.${i}`)}
            description={stepErrors(i) ? t('errorCount', { count: stepErrors(i) }) : undefined}
            color={stepErrors(i) ? 'red' : undefined}
            data-testid={`step-${i}`}
          />
        ))}
      </Stepper>
      <div data-testid={`step-${step}-panel`}>
        {step === 0 && <BasicStep {...props} />}
        {step === 1 && <WindowsStep {...props} />}
        {step === 2 && <StrategyStep {...props} />}
        {step === 3 && <PolicyStep {...props} />}
      </div>
      <Group justify="space-between" mt="md">
        <Group>
          <Button variant="default" onClick={() => navigate('/tasks')}>
            {t('common:cancel')}
          </Button>
          <Button variant="default" disabled={step === 0} onClick={() => setStep(step - 1)}>
            {t('previous')}
          </Button>
          <Button
            variant="default"
            disabled={step === STEP_COUNT - 1}
            onClick={next}
            data-testid="wizard-next"
          >
            {t('next')}
          </Button>
        </Group>
        <Group>
          <Button
            variant="light"
            onClick={() => {
              setTemplateName(draft.name ? t('template.defaultName', { name: draft.name }) : '');
              setTemplateOpen(true);
            }}
            data-testid="save-template"
          >
            {t('template.save')}
          </Button>
          <Button onClick={() => void save()} loading={saving} data-testid="wizard-save">
            {t('common:save')}
          </Button>
        </Group>
      </Group>
      <Modal
        opened={templateOpen}
        onClose={() => setTemplateOpen(false)}
        title={t('template.save')}
      >
        <Stack>
          <Text size="sm" c="dimmed">
            {t('template.help')}
          </Text>
          <TextInput
            label={t('template.name')}
            value={templateName}
            onChange={(e) => setTemplateName(e.currentTarget.value)}
            error={templateError}
            data-testid="template-name"
          />
          <Group justify="end">
            <Button
              onClick={() => void saveTemplate()}
              disabled={!templateName.trim()}
              data-testid="template-ok"
            >
              {t('common:confirm')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

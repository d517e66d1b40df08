import { useEffect, useState } from 'react';
import {
  Alert,
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
import { ApiError, messageOf, type FieldError } from '../api.ts';
import { useTenant } from '../session.tsx';
import { navigate, useLocation } from '../router.tsx';
import { loadWorld, type World } from '../lib/hooks.ts';
import type { Task, Template } from '../types.ts';
import { BasicStep } from './BasicStep.tsx';
import { WindowsStep } from './WindowsStep.tsx';
import { StrategyStep } from './StrategyStep.tsx';
import { PolicyStep } from './PolicyStep.tsx';
import { defaultDraft, draftFrom, STEP_TITLES, stepOf, toConfig, type Draft } from './model.ts';

/**
 * Create or edit a task, in the seed's order: basic information, calling windows, task
 * strategy, call strategy and result policy; then Save (or Save as template). Server errors
 * (problem+json, JSON-pointer paths) are shown on their fields, and the wizard opens the first
 * step that has one.
 */
export function TaskWizard({ taskId }: { taskId?: string }) {
  const { api, me, tenant, base } = useTenant();
  const { query } = useLocation();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [world, setWorld] = useState<World | null>(null);
  const [task, setTask] = useState<Task | null>(null);
  const [step, setStep] = useState(0);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [templateOpen, setTemplateOpen] = useState(false);
  const [templateName, setTemplateName] = useState('');
  const [templateError, setTemplateError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const templateId = query.get('template');
  const type = query.get('type') === 'robot' ? 'robot' : 'ivr';

  useEffect(() => {
    const ctl = new AbortController();
    (async () => {
      const w = await loadWorld(api, base, ctl.signal);
      const base0 = defaultDraft({
        type,
        ouId: me.role === 'ou_operator' ? me.ouId : null,
        timeZone: tenant.settings.timeZone,
        today: new Date(),
      });
      let d = base0;
      if (taskId) {
        const t = await api.get<Task>(`${base}/tasks/${taskId}`, undefined, ctl.signal);
        setTask(t);
        d = draftFrom(base0, t.config);
      } else if (templateId) {
        const t = await api.get<Template>(`${base}/templates/${templateId}`, undefined, ctl.signal);
        d = draftFrom(base0, { ...t.config, name: '' });
      }
      if (!ctl.signal.aborted) {
        setWorld(w);
        setDraft(d);
      }
    })().catch((e: unknown) => {
      if (!ctl.signal.aborted) setProblem(messageOf(e));
    });
    return () => ctl.abort();
  }, [api, base, taskId, templateId, type, me, tenant.settings.timeZone]);

  if (problem && !draft) return <Alert color="red">{problem}</Alert>;
  if (!draft || !world) return <Loader />;

  const set = (f: (d: Draft) => void) =>
    setDraft((d) => {
      const next = structuredClone(d!);
      f(next);
      return next;
    });

  const showErrors = (e: unknown) => {
    if (e instanceof ApiError && e.fieldErrors.length) {
      setErrors(e.fieldErrors);
      setStep(Math.min(...e.fieldErrors.map((f) => stepOf(f.path))));
    } else setErrors([]);
    setProblem(messageOf(e));
  };

  const save = async () => {
    setSaving(true);
    setProblem(null);
    try {
      const config = toConfig(draft);
      if (taskId) await api.put(`${base}/tasks/${taskId}`, config);
      else await api.post(`${base}/tasks`, config);
      navigate('/tasks');
    } catch (e) {
      showErrors(e);
    } finally {
      setSaving(false);
    }
  };

  const saveTemplate = async () => {
    setTemplateError(null);
    try {
      await api.post(`${base}/templates`, { name: templateName, config: toConfig(draft) });
      setTemplateOpen(false);
      setNotice(`Saved as template "${templateName}".`);
    } catch (e) {
      setTemplateError(messageOf(e));
    }
  };

  const props = { draft, set, errors, world, settings: tenant.settings, me };
  const stepErrors = (i: number) => errors.filter((e) => stepOf(e.path) === i).length;

  return (
    <Stack>
      <Title order={2}>
        {taskId
          ? `Edit task ${task?.name ?? ''}`
          : draft.type === 'robot'
            ? 'New robot outbound call'
            : 'New IVR outbound call'}
      </Title>
      {problem && (
        <Alert color="red" title={problem.split(' — ')[0]} data-testid="wizard-error">
          {errors.length > 0 && (
            <List size="sm">
              {errors.map((e, i) => (
                <List.Item key={i}>
                  <code>{e.path}</code> {e.message}
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
        {STEP_TITLES.map((t, i) => (
          <Stepper.Step
            key={t}
            label={t}
            description={stepErrors(i) ? `${stepErrors(i)} error(s)` : undefined}
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
            Cancel
          </Button>
          <Button variant="default" disabled={step === 0} onClick={() => setStep(step - 1)}>
            Previous
          </Button>
          <Button
            variant="default"
            disabled={step === STEP_TITLES.length - 1}
            onClick={() => setStep(step + 1)}
            data-testid="wizard-next"
          >
            Next
          </Button>
        </Group>
        <Group>
          <Button
            variant="light"
            onClick={() => {
              setTemplateName(draft.name ? `${draft.name} template` : '');
              setTemplateOpen(true);
            }}
            data-testid="save-template"
          >
            Save as template
          </Button>
          <Button onClick={() => void save()} loading={saving} data-testid="wizard-save">
            Save
          </Button>
        </Group>
      </Group>
      <Modal opened={templateOpen} onClose={() => setTemplateOpen(false)} title="Save as template">
        <Stack>
          <Text size="sm" c="dimmed">
            The current configuration (all steps, without the task name) becomes a template that new
            tasks can start from.
          </Text>
          <TextInput
            label="Template name"
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
              Confirm
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

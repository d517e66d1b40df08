import { useEffect, useState } from 'react';
import { Alert, Button, Group, Modal, Select, Stack, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Api } from '../api.ts';
import { plainError } from '../lib/plain.ts';
import type { Attempt } from '../types.ts';

interface Question {
  id: string;
  text: string;
  label?: string;
  answers?: (string | { key: string; label: string })[];
}
interface Questionnaire {
  id: string;
  name: string;
  questions: Question[];
}

/**
 * An agent fills the rest of the task's manual questionnaire for a call they took (a customer the
 * robot or IVR transferred): one field per question, a choice when the question lists its
 * answers. Saved with `PUT …/attempts/{id}/answers`; the server checks every answer against the
 * questionnaire and names the bad ones. The IVR's own answers are kept beside the agent's.
 */
export function ManualAnswers({
  api,
  path,
  questionnaireId,
  attempt,
  onClose,
  onSaved,
}: {
  api: Api;
  /** `/tenants/{t}/tasks/{id}` */
  path: string;
  questionnaireId: string;
  attempt: Attempt;
  onClose(): void;
  onSaved(a: Attempt): void;
}) {
  const { t } = useTranslation('pages');
  const tenantPath = path.split('/tasks/')[0]!;
  const [q, setQ] = useState<Questionnaire | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    let live = true;
    api
      .get<Questionnaire>(`${tenantPath}/questionnaires/${encodeURIComponent(questionnaireId)}`)
      .then((doc) => {
        if (!live) return;
        setQ(doc);
        const given: Record<string, string> = {};
        for (const a of attempt.answers ?? []) given[a.questionId] = a.answer;
        setValues(given);
      })
      .catch((e: unknown) => live && setError(plainError(e)));
    return () => {
      live = false;
    };
  }, [api, tenantPath, questionnaireId, attempt]);

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const answers = Object.entries(values)
        .filter(([, v]) => v.trim() !== '')
        .map(([questionId, answer]) => ({ questionId, answer }));
      const saved = await api.put<Attempt>(`${path}/attempts/${attempt.id}/answers`, { answers });
      onSaved(saved);
    } catch (e) {
      setError(plainError(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal opened onClose={onClose} title={t('answers.title', { n: attempt.attemptNo })}>
      <Stack data-testid="manual-answers">
        {q?.questions.map((question) => {
          const label = question.label ?? question.text ?? question.id;
          const options = (question.answers ?? []).map((a) =>
            typeof a === 'string' ? { value: a, label: a } : { value: a.key, label: a.label },
          );
          return options.length ? (
            <Select
              key={question.id}
              label={label}
              data={options}
              value={values[question.id] ?? null}
              onChange={(v) => setValues((s) => ({ ...s, [question.id]: v ?? '' }))}
              data-testid={`answer-${question.id}`}
              clearable
            />
          ) : (
            <TextInput
              key={question.id}
              label={label}
              value={values[question.id] ?? ''}
              onChange={(e) => {
                const v = e.currentTarget.value;
                setValues((s) => ({ ...s, [question.id]: v }));
              }}
              data-testid={`answer-${question.id}`}
            />
          );
        })}
        {error && <Alert color="red">{error}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common:cancel')}
          </Button>
          <Button onClick={() => void save()} loading={saving} disabled={!q}>
            {t('answers.save')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

import {
  Card,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { clean, ListField, type KindForm, type Values } from '../form-kit.tsx';
import { literalsOf, SCHEMAS } from '../schemas.ts';
import { Basics } from './simple.tsx';

type Answer = string | { key: string; label: string };
type Prompt = { text: string; voice?: string } | { file: string };
interface QuestionDoc {
  id: string;
  text: string;
  label?: string;
  prompt?: Prompt;
  answers?: Answer[];
  retries?: number;
  timeoutSec?: number;
}
interface QuestionRow {
  id: string;
  text: string;
  label: string;
  /** Spoken instead of `text` when set (text to speech). */
  promptText: string;
  /** A prompt the form does not edit (a WAV file, a voice), kept as it was. */
  prompt?: Prompt;
  answers: { key: string; label: string }[];
  retries: number | '';
  timeoutSec: number | '';
}

const blankQuestion = (n: number): QuestionRow => ({
  id: `q${n}`,
  text: '',
  label: '',
  promptText: '',
  answers: [],
  retries: '',
  timeoutSec: '',
});

/**
 * A questionnaire and its questions; each question's options are a key (what the customer presses,
 * or the agent's choice) with an optional label saying what it means.
 */
export const questionnaireForm: KindForm = {
  empty: (ctx) => ({ id: '', name: '', ouId: ctx.defaultOu, kind: 'ivr', questions: [] }),
  fromDoc: (doc) => ({
    ...doc,
    questions: ((doc.questions as QuestionDoc[] | undefined) ?? []).map((q): QuestionRow => ({
      id: q.id,
      text: q.text,
      label: q.label ?? '',
      promptText: q.prompt && 'text' in q.prompt ? q.prompt.text : '',
      ...(q.prompt ? { prompt: q.prompt } : {}),
      answers: (q.answers ?? []).map((a) =>
        typeof a === 'string' ? { key: a, label: '' } : { ...a },
      ),
      retries: q.retries ?? '',
      timeoutSec: q.timeoutSec ?? '',
    })),
  }),
  toDoc: (v: Values) => ({
    ...(clean({ ...v, questions: undefined }) as Values),
    questions: ((v.questions as QuestionRow[] | undefined) ?? []).map((q) => {
      const { promptText, prompt, answers, ...rest } = q;
      const kept = prompt && 'text' in prompt ? prompt : undefined;
      return clean({
        ...rest,
        prompt: promptText
          ? { ...kept, text: promptText }
          : prompt && 'file' in prompt
            ? prompt
            : '',
        answers: answers.length
          ? answers.map((a) => (a.label ? { key: a.key, label: a.label } : a.key))
          : '',
      });
    }),
  }),
  errorPath: (p) =>
    p
      .replace(/^(questions\.\d+)\.prompt(\.text)?$/, '$1.promptText')
      .replace(/^(questions\.\d+\.answers\.\d+)$/, '$1.key'),
  Fields: function QuestionnaireFields({ form, ctx }) {
    const { t } = useTranslation('resources');
    const questions = (form.getValues().questions as QuestionRow[]) ?? [];
    return (
      <Stack>
        <Basics form={form} ctx={ctx} />
        <Select
          {...form.getInputProps('kind')}
          data={literalsOf(SCHEMAS.questionnaires, 'kind').map((v) => ({
            value: v,
            label: t(`option.questionnaireKind.${v}`),
          }))}
          allowDeselect={false}
        />
        <Text size="sm" fw={500}>
          {t('field.questions')}
        </Text>
        <ListField
          form={form}
          path="questions"
          blank={() => blankQuestion(questions.length + 1)}
          addLabel={t('addQuestion')}
          row={(p) => (
            <Card withBorder padding="sm">
              <Stack gap="xs">
                <SimpleGrid cols={3}>
                  <TextInput {...form.getInputProps(`${p}.id`)} />
                  <TextInput {...form.getInputProps(`${p}.label`)} />
                  <Group grow>
                    <NumberInput {...form.getInputProps(`${p}.retries`)} min={0} max={5} />
                    <NumberInput {...form.getInputProps(`${p}.timeoutSec`)} min={0.5} max={120} />
                  </Group>
                </SimpleGrid>
                <Textarea {...form.getInputProps(`${p}.text`)} autosize minRows={1} />
                <Textarea {...form.getInputProps(`${p}.promptText`)} autosize minRows={1} />
                <Text size="sm" fw={500}>
                  {t('field.answers')}
                </Text>
                <ListField
                  form={form}
                  path={`${p}.answers`}
                  blank={() => ({ key: '', label: '' })}
                  addLabel={t('addAnswer')}
                  row={(a) => (
                    <SimpleGrid cols={2}>
                      <TextInput {...form.getInputProps(`${a}.key`)} />
                      <TextInput {...form.getInputProps(`${a}.label`)} />
                    </SimpleGrid>
                  )}
                />
              </Stack>
            </Card>
          )}
        />
      </Stack>
    );
  },
};

import {
  Card,
  Checkbox,
  Group,
  JsonInput,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { clean, ListField, type Form, type KindForm, type Values } from '../form-kit.tsx';
import { literalsOf, SCHEMAS } from '../schemas.ts';
import { Basics } from './simple.tsx';
import {
  blankGuided,
  dialogueToGuided,
  guidedErrorPath,
  guidedToDialogue,
  type GuidedDialogue,
} from './speech-dialogue.ts';

/**
 * The robot kinds the API's schema knows (read from it, so a kind added to the schema shows up
 * here); an API without a `kind` field has only the HTTP robot.
 */
export const robotKinds = () => literalsOf(SCHEMAS.robots, 'kind');

/** Kinds whose behaviour is the `endpoint`'s; any other kind is defined by its document. */
const HTTP_KINDS = ['http', 'external', 'endpoint'];
const usesEndpoint = (kind: unknown) => kind === undefined || HTTP_KINDS.includes(String(kind));
/** A speech robot whose dialogue is edited in fields (`speech`), not as JSON (`document`). */
const isGuided = (v: Values) => v.kind === 'speech' && v.guided === true;
/**
 * Whether the values last turned into a document were guided: where the API's errors about the
 * dialogue are shown (its fields, or the JSON) — `errorPath` is given the path alone.
 */
let lastGuided = false;

/**
 * A robot: an external bot behind an HTTP endpoint, or a robot defined inside Outbound (such as
 * the `speech` kind). A speech robot's dialogue is edited in fields — one question, the intents
 * the customer may express, retries, goodbye (./speech-dialogue.ts) — or, for any other dialogue,
 * as JSON in the `document` field. Publishing stays on the list's Publish button.
 */
export const robotForm: KindForm = {
  empty: (ctx) => {
    const kinds = robotKinds();
    return {
      id: '',
      name: '',
      ouId: ctx.defaultOu,
      status: 'draft',
      ...(kinds.length ? { kind: kinds[0] } : {}),
      endpoint: '',
      document: '{}',
      guided: true,
      speech: blankGuided(),
    };
  },
  fromDoc: (doc) => {
    const guided = doc.kind === 'speech' ? dialogueToGuided(doc.document) : null;
    return {
      ...doc,
      endpoint: doc.endpoint ?? '',
      document: JSON.stringify(doc.document ?? {}, null, 2),
      guided: !!guided,
      speech: guided ?? blankGuided(),
    };
  },
  toDoc: (v: Values) => {
    lastGuided = isGuided(v);
    let document: unknown = v.document;
    if (lastGuided) document = guidedToDialogue(v.speech as GuidedDialogue);
    else
      try {
        document = JSON.parse(String(v.document || '{}'));
      } catch {
        /* check() reports it on the field */
      }
    const doc = clean({
      ...v,
      document: undefined,
      guided: undefined,
      speech: undefined,
    }) as Values;
    if (!usesEndpoint(v.kind)) delete doc.endpoint;
    return { ...doc, document };
  },
  check: (v): Record<string, string> => {
    if (isGuided(v)) return {};
    try {
      JSON.parse(String(v.document || '{}'));
      return {};
    } catch (e) {
      return { document: (e as Error).message };
    }
  },
  errorPath: (p) =>
    !p.startsWith('document.')
      ? p
      : lastGuided
        ? guidedErrorPath(p.slice('document.'.length))
        : 'document',
  Fields: function RobotFields({ form, ctx }) {
    const { t } = useTranslation('resources');
    const kinds = robotKinds();
    const kind = form.getValues().kind;
    return (
      <Stack>
        <Basics form={form} ctx={ctx} />
        {kinds.length > 0 && (
          <Select
            {...form.getInputProps('kind')}
            data={kinds.map((k) => ({
              value: k,
              label: t(`option.robotKind.${k}`, { defaultValue: k }),
            }))}
            allowDeselect={false}
            disabled={ctx.editing}
          />
        )}
        {usesEndpoint(kind) ? (
          <TextInput
            {...form.getInputProps('endpoint')}
            placeholder="https://bot.example.com/turn"
          />
        ) : (
          <DialogueMode form={form} />
        )}
        {kind === 'speech' && form.getValues().guided === true ? (
          <GuidedFields form={form} />
        ) : (
          <JsonInput
            {...form.getInputProps('document')}
            autosize
            minRows={usesEndpoint(kind) ? 3 : 10}
            styles={{ input: { fontFamily: 'monospace' } }}
          />
        )}
      </Stack>
    );
  },
};

/**
 * Fields or JSON for a speech robot's dialogue. To JSON: the dialogue the fields make. Back to
 * fields: only a dialogue of the fields' shape (else it says so and stays JSON).
 */
function DialogueMode({ form }: { form: Form }) {
  const { t } = useTranslation('resources');
  const [refused, setRefused] = useState(false);
  const guided = form.getValues().guided === true;
  const toggle = (json: boolean) => {
    setRefused(false);
    if (json) {
      form.setFieldValue(
        'document',
        JSON.stringify(guidedToDialogue(form.getValues().speech as GuidedDialogue), null, 2),
      );
      form.setFieldValue('guided', false);
      return;
    }
    let g: GuidedDialogue | null = null;
    try {
      g = dialogueToGuided(JSON.parse(String(form.getValues().document || '{}')));
    } catch {
      /* not JSON: not the fields' shape either */
    }
    if (!g) return setRefused(true);
    form.setFieldValue('speech', g);
    form.setFieldValue('guided', true);
  };
  return (
    <Stack gap={4}>
      <Text size="sm" c="dimmed">
        {t('robotDialogue')}
      </Text>
      <Switch
        checked={!guided}
        onChange={(e) => toggle(e.currentTarget.checked)}
        label={t('dialogueAsJson')}
        data-testid="rf-dialogue-json"
      />
      {refused && (
        <Text size="sm" c="orange" data-testid="rf-dialogue-not-guided">
          {t('dialogueNotGuided')}
        </Text>
      )}
    </Stack>
  );
}

/** One question, its intents (name, phrases, transfer), retries and goodbye. */
function GuidedFields({ form }: { form: Form }) {
  const { t } = useTranslation('resources');
  return (
    <Stack gap="xs">
      <Textarea {...form.getInputProps('speech.question')} autosize minRows={1} />
      <Text size="sm" fw={500}>
        {t('field.robots.speech_intents')}
      </Text>
      <ListField
        form={form}
        path="speech.intents"
        blank={() => ({ name: '', phrases: '', transfer: false })}
        addLabel={t('addIntent')}
        row={(p) => (
          <Card withBorder padding="sm">
            <Group align="end" wrap="nowrap">
              <TextInput {...form.getInputProps(`${p}.name`)} w={160} />
              <TextInput {...form.getInputProps(`${p}.phrases`)} style={{ flex: 1 }} />
              <Checkbox {...form.getInputProps(`${p}.transfer`, { type: 'checkbox' })} mb={8} />
            </Group>
          </Card>
        )}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput {...form.getInputProps('speech.retryPrompt')} />
        <NumberInput {...form.getInputProps('speech.retries')} min={0} max={5} />
        <TextInput {...form.getInputProps('speech.noAnswerResult')} />
        <TextInput {...form.getInputProps('speech.transferPrompt')} />
      </SimpleGrid>
      <TextInput {...form.getInputProps('speech.goodbye')} />
    </Stack>
  );
}

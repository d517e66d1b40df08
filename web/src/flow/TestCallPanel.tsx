import { useState } from 'react';
import {
  Alert,
  Badge,
  Button,
  Group,
  List,
  NumberInput,
  Select,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { TestCallReport } from '../../../src/telephony/sim/test-call.ts';

export type { TestCallReport };

export interface TestCallScript {
  digits?: string;
  talkSec?: number;
  callData?: Record<string, string>;
  questionnaireId?: string;
}

/** `name=value` per line → the call data a task's contact would carry. */
function parseCallData(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

const ENDING_COLOR = {
  flow_end: 'green',
  transferred: 'teal',
  customer_hangup: 'yellow',
  error: 'red',
} as const;

/**
 * The test call: what the simulated callee does (keys, when it hangs up, its call data), and what
 * happened — the steps in order, every prompt heard and every input. The canvas highlights the path.
 */
export function TestCallPanel(props: {
  questionnaires: { value: string; label: string }[];
  running: boolean;
  report: TestCallReport | null;
  error: string | null;
  disabled: boolean;
  onRun: (script: TestCallScript) => void;
  onClear: () => void;
}) {
  const { t } = useTranslation('flow');
  const [digits, setDigits] = useState('');
  const [talkSec, setTalkSec] = useState<number | string>(120);
  const [callData, setCallData] = useState('');
  const [questionnaireId, setQuestionnaireId] = useState<string | null>(null);
  const r = props.report;
  const run = () =>
    props.onRun({
      ...(digits ? { digits } : {}),
      ...(typeof talkSec === 'number' ? { talkSec } : {}),
      ...(callData.trim() ? { callData: parseCallData(callData) } : {}),
      ...(questionnaireId ? { questionnaireId } : {}),
    });
  return (
    <Stack gap="xs" data-testid="test-call">
      <Title order={5}>{t('test.title')}</Title>
      <TextInput
        label={t('test.digits')}
        description={t('test.digitsHelp')}
        value={digits}
        onChange={(e) => setDigits(e.currentTarget.value)}
        data-testid="test-digits"
      />
      <NumberInput
        label={t('test.talkSec')}
        min={1}
        max={3600}
        value={talkSec}
        onChange={setTalkSec}
      />
      <Textarea
        label={t('test.callData')}
        description={t('test.callDataHelp')}
        autosize
        minRows={1}
        value={callData}
        onChange={(e) => setCallData(e.currentTarget.value)}
      />
      <Select
        label={t('test.questionnaire')}
        clearable
        data={props.questionnaires}
        value={questionnaireId}
        onChange={setQuestionnaireId}
      />
      <Group>
        <Button
          onClick={run}
          loading={props.running}
          disabled={props.disabled}
          data-testid="test-run"
        >
          {t('actions.run')}
        </Button>
        {r && (
          <Button variant="subtle" onClick={props.onClear}>
            {t('actions.clear')}
          </Button>
        )}
      </Group>
      {props.error && <Alert color="red">{props.error}</Alert>}
      {r && (
        <Stack gap={6} data-testid="test-report">
          <Group gap={6}>
            <Badge color={ENDING_COLOR[r.ending]} data-testid="test-ending">
              {t(`test.ending.${r.ending}`)}
            </Badge>
            <Text size="xs" c="dimmed">
              {t('test.duration', { sec: r.durationSec })}
            </Text>
          </Group>
          {r.error && <Alert color="red">{r.error}</Alert>}
          <Text size="sm" fw={500}>
            {t('test.path')}
          </Text>
          <List size="xs" type="ordered" data-testid="test-path">
            {r.steps.map((s, i) => (
              <List.Item key={i}>
                {s.nodeId}{' '}
                <Text span c="dimmed" size="xs">
                  ({t(`types.${s.type}`)}, {t('test.at', { sec: s.atSec })})
                </Text>
              </List.Item>
            ))}
          </List>
          {r.heard.length > 0 && (
            <>
              <Text size="sm" fw={500}>
                {t('test.heard')}
              </Text>
              <List size="xs" data-testid="test-heard">
                {r.heard.map((h, i) => (
                  <List.Item key={i}>
                    “{h.text ?? h.file}”{' '}
                    <Text span c="dimmed" size="xs">
                      {h.nodeId}
                      {h.interrupted ? `, ${t('test.interrupted')}` : ''}
                    </Text>
                  </List.Item>
                ))}
              </List>
            </>
          )}
          {r.collected.length > 0 && (
            <>
              <Text size="sm" fw={500}>
                {t('test.collected')}
              </Text>
              <List size="xs" data-testid="test-collected">
                {r.collected.map((c, i) => (
                  <List.Item key={i}>
                    {c.nodeId}: {c.digits ? <code>{c.digits}</code> : t('test.nothing')}{' '}
                    <Text span c="dimmed" size="xs">
                      ({t(`test.reason.${c.reason}`)})
                    </Text>
                  </List.Item>
                ))}
              </List>
            </>
          )}
          {r.answers.length > 0 && (
            <>
              <Text size="sm" fw={500}>
                {t('test.answers')}
              </Text>
              <List size="xs">
                {r.answers.map((a, i) => (
                  <List.Item key={i}>
                    {a.label}: <code>{a.answer}</code>
                    {a.answerLabel ? ` (${a.answerLabel})` : ''}
                  </List.Item>
                ))}
              </List>
            </>
          )}
          {r.transfer && (
            <Text size="xs" data-testid="test-transfer">
              {t('test.transfer', {
                target:
                  'skillQueue' in r.transfer.target
                    ? r.transfer.target.skillQueue
                    : r.transfer.target.number,
                result: r.transfer.ok ? t('test.ok') : r.transfer.detail,
              })}
            </Text>
          )}
        </Stack>
      )}
    </Stack>
  );
}

import { useEffect, useState } from 'react';
import { Alert, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ApiError, type Api, type Problem } from '../api.ts';
import { plainError } from '../lib/plain.ts';
import { fmtDuration, fmtTime } from '../lib/format.ts';
import type { Attempt, Role } from '../types.ts';
import { ManualAnswers } from './ManualAnswers.tsx';

/**
 * The calls to one customer, each with its recording when it has one. The console signs in with a
 * bearer key, which an `<audio src>` cannot send: Play fetches the WAV with the key as a Blob and
 * gives the player an object URL (released when another recording is chosen or the view closes).
 * Viewers may not hear recordings (personal data): they see that a call was recorded, no button.
 */
export function AttemptTable({
  attempts: given,
  api,
  role,
  path,
  manualQuestionnaireId,
}: {
  attempts: Attempt[];
  api: Api;
  role: Role;
  /** `/tenants/{t}/tasks/{id}`: where the task's attempts are. */
  path: string;
  /** The task's manual questionnaire, which an agent fills in for answered calls. */
  manualQuestionnaireId: string | null;
}) {
  const { t } = useTranslation('pages');
  // Attempts whose answers an agent saved here, as the server returned them.
  const [saved, setSaved] = useState<Record<number, Attempt>>({});
  const attempts = given.map((a) => saved[a.id] ?? a);
  const [filling, setFilling] = useState<Attempt | null>(null);
  const mayFill = !!manualQuestionnaireId && role !== 'viewer';
  const [playing, setPlaying] = useState<{ attemptId: number; src: string } | null>(null);
  const [loading, setLoading] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => () => void (playing && URL.revokeObjectURL(playing.src)), [playing]);
  const mayHear = role !== 'viewer';

  const play = async (a: Attempt, url: string) => {
    setError(null);
    setLoading(a.id);
    try {
      const res = await fetch(url, { headers: { authorization: `Bearer ${api.key}` } });
      if (!res.ok) {
        const problem = (await res.json().catch(() => null)) as Problem | null;
        throw new ApiError(problem ?? { title: `HTTP ${res.status}`, status: res.status });
      }
      setPlaying({ attemptId: a.id, src: URL.createObjectURL(await res.blob()) });
    } catch (e) {
      setError(t('attempts.recordingError', { n: a.attemptNo, error: plainError(e) }));
    } finally {
      setLoading(null);
    }
  };

  return (
    <Stack>
      <Table data-testid="attempts-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>#</Table.Th>
            <Table.Th>{t('attempts.number')}</Table.Th>
            <Table.Th>{t('attempts.caller')}</Table.Th>
            <Table.Th>{t('attempts.started')}</Table.Th>
            <Table.Th>{t('attempts.answered')}</Table.Th>
            <Table.Th>{t('attempts.ended')}</Table.Th>
            <Table.Th>{t('attempts.result')}</Table.Th>
            <Table.Th>{t('attempts.digits')}</Table.Th>
            <Table.Th>{t('attempts.answers')}</Table.Th>
            <Table.Th>{t('attempts.recording')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {attempts.map((a) => {
            const rec = a.recording ?? null;
            return (
              <Table.Tr key={a.id} data-testid={`attempt-${a.id}`}>
                <Table.Td>{a.attemptNo}</Table.Td>
                <Table.Td>{a.number}</Table.Td>
                <Table.Td>{a.callerNo ?? '—'}</Table.Td>
                <Table.Td>{fmtTime(a.startedAt)}</Table.Td>
                <Table.Td>{fmtTime(a.answeredAt)}</Table.Td>
                <Table.Td>{fmtTime(a.endedAt)}</Table.Td>
                <Table.Td>
                  {a.result ?? a.state}{' '}
                  {a.code ? (
                    <Text span size="xs" c="dimmed">
                      ({a.code})
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td>{a.digits ?? ''}</Table.Td>
                <Table.Td data-testid="attempt-answers">
                  <Group gap="xs" wrap="nowrap">
                    <Text span size="sm">
                      {(a.answers ?? [])
                        .map((x) => `${x.label}: ${x.answerLabel ?? x.answer}`)
                        .join('; ')}
                    </Text>
                    {a.speech?.turns.length ? (
                      <Text
                        span
                        size="sm"
                        title={t('attempts.speech')}
                        data-testid="attempt-speech"
                      >
                        {a.speech.turns
                          .map((x) =>
                            x.intent
                              ? t('attempts.heard', { transcript: x.transcript, intent: x.intent })
                              : x.transcript
                                ? t('attempts.notUnderstood', { transcript: x.transcript })
                                : t('attempts.silence'),
                          )
                          .join('; ')}
                      </Text>
                    ) : null}
                    {mayFill && a.answeredAt && a.state === 'ended' ? (
                      <Button size="compact-xs" variant="light" onClick={() => setFilling(a)}>
                        {t('attempts.questionnaire')}
                      </Button>
                    ) : null}
                  </Group>
                </Table.Td>
                <Table.Td>
                  {rec ? (
                    <Group gap="xs" wrap="nowrap">
                      {mayHear ? (
                        <Button
                          size="compact-xs"
                          variant="light"
                          loading={loading === a.id}
                          onClick={() => void play(a, rec.url)}
                        >
                          {t('attempts.play')}
                        </Button>
                      ) : null}
                      <Text span size="xs" c="dimmed">
                        {fmtDuration(rec.durationSec)}
                      </Text>
                    </Group>
                  ) : (
                    '—'
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {error && <Alert color="red">{error}</Alert>}
      {filling && manualQuestionnaireId && (
        <ManualAnswers
          api={api}
          path={path}
          questionnaireId={manualQuestionnaireId}
          attempt={filling}
          onClose={() => setFilling(null)}
          onSaved={(a) => {
            setSaved((s) => ({ ...s, [a.id]: a }));
            setFilling(null);
          }}
        />
      )}
      {playing && (
        <Stack gap={4}>
          <Text size="sm">
            {t('attempts.channels', {
              n: attempts.find((a) => a.id === playing.attemptId)?.attemptNo,
            })}
          </Text>
          <audio
            key={playing.src}
            src={playing.src}
            controls
            autoPlay
            data-testid="recording-player"
            data-attempt={playing.attemptId}
          />
        </Stack>
      )}
    </Stack>
  );
}

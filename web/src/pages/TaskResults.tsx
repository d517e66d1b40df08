import { useState } from 'react';
import {
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.ts';
import { RESULT_NAMES } from '../../../src/domain/result-codes.ts';
import { useTenant } from '../session.tsx';
import { useResources } from '../lib/queries.ts';
import { plainMessage, usePlainError } from '../lib/plain.ts';
import { fmtTime } from '../lib/format.ts';
import type { Attempt, Contact, CustomerResult, Resource, Task } from '../types.ts';
import { PageButtons, useKeyset } from '../lib/paging.tsx';
import { AttemptTable } from './AttemptTable.tsx';

/** Per-customer results; …/results when the server has it, else the contact list. */
async function loadResults(
  api: ReturnType<typeof useTenant>['api'],
  path: string,
  q: Record<string, string | number | undefined | null>,
  signal: AbortSignal,
): Promise<{ items: CustomerResult[]; next: string | number | null }> {
  try {
    return await api.get(`${path}/results`, q, signal);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404 && /no route/.test(e.message))) throw e;
    const page = await api.get<{ items: Contact[]; next: string | null }>(
      `${path}/contacts`,
      { state: q.state, number: q.number, limit: q.limit, cursor: q.after as string | undefined },
      signal,
    );
    return {
      items: page.items.map((c) => ({
        sessionId: c.sessionId,
        state: c.state,
        numbers: c.numbers.map((n) => n.number),
        customField: c.customField,
      })),
      next: page.next,
    };
  }
}

/** The task result page of the seed: Details, Business Result, Play for recordings. */
export function Results({ task }: { task: Task }) {
  const { t } = useTranslation('pages');
  const plain = usePlainError();
  const { api, me } = useTenant();
  const path = `${useTenant().base}/tasks/${task.id}`;
  const [finalResult, setFinalResult] = useState<string | null>(null);
  const [number, setNumber] = useState('');
  const pages = useKeyset<string | number>();
  const [details, setDetails] = useState<{ sessionId: string; attempts: Attempt[] } | null>(null);
  const [remark, setRemark] = useState<CustomerResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const after = pages.current;
  const q = {
    finalResult,
    number: /^[0-9*#+]+$/.test(number) ? number : undefined,
    after,
    limit: 50,
  };
  const page = useQuery({
    queryKey: [path, 'results', q],
    queryFn: ({ signal }) => loadResults(api, path, q, signal),
    placeholderData: (prev) => prev,
  });
  const businessResults = useResources('business-results');

  const open = async (sessionId: string) => {
    setError(null);
    try {
      const attempts = await listAllAttempts(api, path, sessionId);
      setDetails({ sessionId, attempts });
    } catch (e) {
      setError(plain(e));
    }
  };

  return (
    <Stack>
      <Group>
        <Select
          placeholder={t('results.anyFinal')}
          clearable
          data={RESULT_NAMES}
          value={finalResult}
          onChange={(v) => {
            pages.reset();
            setFinalResult(v);
          }}
        />
        <TextInput
          placeholder={t('results.numberContains')}
          value={number}
          onChange={(e) => {
            pages.reset();
            setNumber(e.currentTarget.value);
          }}
        />
      </Group>
      {error && <Alert color="red">{error}</Alert>}
      {page.error ? <Alert color="red">{plain(page.error)}</Alert> : null}
      <Table striped data-testid="results-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('results.customerId')}</Table.Th>
            <Table.Th>{t('results.numbers')}</Table.Th>
            <Table.Th>{t('results.state')}</Table.Th>
            <Table.Th>{t('results.finalResult')}</Table.Th>
            <Table.Th>{t('results.attempts')}</Table.Th>
            <Table.Th>{t('results.lastCall')}</Table.Th>
            <Table.Th>{t('results.businessResult')}</Table.Th>
            <Table.Th>{t('results.operation')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(page.data?.items ?? []).map((r) => (
            <Table.Tr key={r.sessionId} data-testid={`result-${r.sessionId}`}>
              <Table.Td>{r.sessionId}</Table.Td>
              <Table.Td>{r.numbers.join(', ')}</Table.Td>
              <Table.Td>
                <Badge variant="light">{t(`common:customerStates.${r.state}`)}</Badge>
              </Table.Td>
              <Table.Td>
                {r.finalResult ?? '—'}{' '}
                {r.finalCode ? (
                  <Text span size="xs" c="dimmed">
                    ({r.finalCode})
                  </Text>
                ) : null}
              </Table.Td>
              <Table.Td>{r.attempts ?? '—'}</Table.Td>
              <Table.Td>{fmtTime(r.lastAttemptAt)}</Table.Td>
              <Table.Td>
                {[r.businessResult, r.businessSubResult].filter(Boolean).join(' / ') || '—'}
              </Table.Td>
              <Table.Td>
                <Group gap={4} wrap="nowrap">
                  <Button
                    size="compact-xs"
                    variant="light"
                    onClick={() => void open(r.sessionId)}
                    data-testid="result-details"
                  >
                    {t('results.details')}
                  </Button>
                  <Button
                    size="compact-xs"
                    variant="light"
                    disabled={me.role === 'viewer'}
                    onClick={() => setRemark(r)}
                    data-testid="result-business"
                  >
                    {t('results.businessButton')}
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <PageButtons pages={pages} next={page.data?.next} />
      <Modal
        opened={!!details}
        onClose={() => setDetails(null)}
        title={t('results.callsTo', { id: details?.sessionId ?? '' })}
        size="xl"
      >
        {details && (
          <AttemptTable
            attempts={details.attempts}
            api={api}
            role={me.role}
            path={path}
            manualQuestionnaireId={
              task.config.manualQuestionnaireId ??
              (task.config.questionnaire?.mode === 'manual_and_ivr'
                ? (task.config.questionnaire.questionnaireId ?? null)
                : null)
            }
          />
        )}
      </Modal>
      <BusinessResultDialog
        result={remark}
        onClose={() => setRemark(null)}
        onSaved={() => {
          setRemark(null);
          void page.refetch();
        }}
        businessResults={(businessResults.data ?? []).filter(
          (b) => !task.config.businessResultId || b.id === task.config.businessResultId,
        )}
        path={path}
      />
    </Stack>
  );
}

async function listAllAttempts(
  api: ReturnType<typeof useTenant>['api'],
  path: string,
  sessionId: string,
) {
  const out: Attempt[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await api.get<{ items: Attempt[]; next: number | null }>(`${path}/attempts`, {
      sessionId,
      after,
      limit: 1000,
    });
    out.push(...page.items);
    if (!page.next) return out;
    after = page.next;
  }
}

function BusinessResultDialog(props: {
  result: CustomerResult | null;
  onClose: () => void;
  onSaved: () => void;
  businessResults: Resource[];
  path: string;
}) {
  const { t } = useTranslation('pages');
  const plain = usePlainError();
  const { api } = useTenant();
  const [code, setCode] = useState<string | null>(null);
  const [subCode, setSubCode] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const br = props.businessResults.find((b) => b.id === code);
  const subs = (br?.subResults as { code: string; name: string }[] | undefined) ?? [];

  const save = async () => {
    setErrors({});
    setProblem(null);
    try {
      await api.put(
        `${props.path}/contacts/${encodeURIComponent(props.result!.sessionId)}/business-result`,
        // Absent rather than null: the API coerces a null sub-result to "" and rejects it.
        { code, ...(subCode ? { subCode } : {}), ...(text ? { remark: text } : {}) },
      );
      setCode(null);
      setSubCode(null);
      setText('');
      props.onSaved();
    } catch (e) {
      if (e instanceof ApiError)
        setErrors(Object.fromEntries(e.fieldErrors.map((f) => [f.path, plainMessage(f.message)])));
      setProblem(plain(e));
    }
  };

  return (
    <Modal
      opened={!!props.result}
      onClose={props.onClose}
      title={t('results.businessOf', { id: props.result?.sessionId ?? '' })}
    >
      <Stack>
        <Select
          label={t('results.businessResult')}
          data={props.businessResults.map((b) => ({ value: b.id, label: String(b.name ?? b.id) }))}
          value={code}
          onChange={(v) => {
            setCode(v);
            setSubCode(null);
          }}
          error={errors['/code']}
          data-testid="br-code"
        />
        <Select
          label={t('results.subResult')}
          clearable
          data={subs.map((s) => ({ value: s.code, label: s.name }))}
          value={subCode}
          onChange={setSubCode}
          error={errors['/subCode']}
          disabled={!subs.length}
        />
        <Textarea
          label={t('results.remark')}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          error={errors['/remark']}
        />
        {problem && !Object.keys(errors).length && <Alert color="red">{problem}</Alert>}
        <Group justify="end">
          <Button onClick={() => void save()} disabled={!code} data-testid="br-save">
            {t('common:save')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

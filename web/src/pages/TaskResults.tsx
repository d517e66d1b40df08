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
import { ApiError, messageOf } from '../api.ts';
import { RESULT_NAMES } from '../../../src/domain/result-codes.ts';
import { useTenant } from '../session.tsx';
import { listAll, useLoad } from '../lib/hooks.ts';
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
  const { api, base, me } = useTenant();
  const path = `${base}/tasks/${task.id}`;
  const zone = task.config.timeZone ?? null;
  const [finalResult, setFinalResult] = useState<string | null>(null);
  const [number, setNumber] = useState('');
  const pages = useKeyset<string | number>();
  const [details, setDetails] = useState<{ sessionId: string; attempts: Attempt[] } | null>(null);
  const [remark, setRemark] = useState<CustomerResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const after = pages.current;
  const page = useLoad(
    (s) =>
      loadResults(
        api,
        path,
        { finalResult, number: /^[0-9*#+]+$/.test(number) ? number : undefined, after, limit: 50 },
        s,
      ),
    [path, finalResult, number, after],
  );
  const businessResults = useLoad((s) => listAll(api, `${base}/business-results`, s), [base]);

  const open = async (sessionId: string) => {
    setError(null);
    try {
      const attempts = await listAllAttempts(api, path, sessionId);
      setDetails({ sessionId, attempts });
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <Stack>
      <Group>
        <Select
          placeholder="Any final result"
          clearable
          data={RESULT_NAMES}
          value={finalResult}
          onChange={(v) => {
            pages.reset();
            setFinalResult(v);
          }}
        />
        <TextInput
          placeholder="Number contains…"
          value={number}
          onChange={(e) => {
            pages.reset();
            setNumber(e.currentTarget.value);
          }}
        />
      </Group>
      {error && <Alert color="red">{error}</Alert>}
      {page.error ? <Alert color="red">{messageOf(page.error)}</Alert> : null}
      <Table striped data-testid="results-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Customer ID</Table.Th>
            <Table.Th>Numbers</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>Final result</Table.Th>
            <Table.Th>Attempts</Table.Th>
            <Table.Th>Last call</Table.Th>
            <Table.Th>Business result</Table.Th>
            <Table.Th>Operation</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(page.data?.items ?? []).map((r) => (
            <Table.Tr key={r.sessionId} data-testid={`result-${r.sessionId}`}>
              <Table.Td>{r.sessionId}</Table.Td>
              <Table.Td>{r.numbers.join(', ')}</Table.Td>
              <Table.Td>
                <Badge variant="light">{r.state}</Badge>
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
              <Table.Td>{fmtTime(r.lastAttemptAt, zone)}</Table.Td>
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
                    Details
                  </Button>
                  <Button
                    size="compact-xs"
                    variant="light"
                    disabled={me.role === 'viewer'}
                    onClick={() => setRemark(r)}
                    data-testid="result-business"
                  >
                    Business Result
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
        title={`Calls to customer ${details?.sessionId ?? ''}`}
        size="xl"
      >
        {details && (
          <AttemptTable
            attempts={details.attempts}
            api={api}
            zone={zone}
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
          page.reload();
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
        setErrors(Object.fromEntries(e.fieldErrors.map((f) => [f.path, f.message])));
      setProblem(messageOf(e));
    }
  };

  return (
    <Modal
      opened={!!props.result}
      onClose={props.onClose}
      title={`Business result of ${props.result?.sessionId ?? ''}`}
    >
      <Stack>
        <Select
          label="Business result"
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
          label="Sub-result"
          clearable
          data={subs.map((s) => ({ value: s.code, label: s.name }))}
          value={subCode}
          onChange={setSubCode}
          error={errors['/subCode']}
          disabled={!subs.length}
        />
        <Textarea
          label="Remark"
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          error={errors['/remark']}
        />
        {problem && !Object.keys(errors).length && <Alert color="red">{problem}</Alert>}
        <Group justify="end">
          <Button onClick={() => void save()} disabled={!code} data-testid="br-save">
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

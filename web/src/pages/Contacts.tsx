import { useRef, useState } from 'react';
import {
  Alert,
  Badge,
  Button,
  FileButton,
  Group,
  Modal,
  Progress,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { plainMessage, usePlainError } from '../lib/plain.ts';
import { useTaskQuery } from '../lib/queries.ts';
import { explainSentences } from '../lib/explain.ts';
import { useTenant } from '../session.tsx';
import { Link } from '../router.tsx';
import { fmtTime } from '../lib/format.ts';
import { whyNot } from '../lib/lifecycle.ts';
import type { Contact, Explanation, ImportReport, Task } from '../types.ts';
import { PageButtons, useKeyset } from '../lib/paging.tsx';

const STATES = ['ready', 'waiting', 'dialing', 'filtered', 'finished'];

/** Character sets a CSV file may be in (the API's `charset`); spreadsheets' Unicode text has a BOM. */
const CHARSETS = [
  { value: 'utf-8', name: 'UTF-8' },
  { value: 'gb18030', name: 'GB18030 / GBK' },
  { value: 'big5', name: 'Big5' },
  { value: 'shift_jis', name: 'Shift_JIS' },
  { value: 'iso-8859-1', name: 'Latin-1' },
  { value: 'windows-1252', name: 'Windows-1252' },
];

/**
 * A task's contact list (the seed's step 9): upload a CSV or XLSX file (streamed; bad rows are
 * reported row by row, good rows land), browse and search customers, and ask why one is or is
 * not being called now.
 */
export function Contacts({ taskId }: { taskId: string }) {
  const { t } = useTranslation('pages');
  const plain = usePlainError();
  const { api, base, me } = useTenant();
  const task = useTaskQuery(taskId);
  const [progress, setProgress] = useState<number | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sessionId, setSessionId] = useState('');
  const [number, setNumber] = useState('');
  const [state, setState] = useState<string | null>(null);
  const pages = useKeyset<string>();
  const [explain, setExplain] = useState<Explanation | null>(null);
  const cursor = pages.current;
  const q = {
    sessionId,
    number: /^[0-9*#+]+$/.test(number) ? number : undefined,
    state,
    cursor,
    limit: 50,
  };
  const page = useQuery({
    queryKey: [base, 'tasks', taskId, 'contacts', q],
    queryFn: ({ signal }) =>
      api.get<{ items: Contact[]; next: string | null }>(
        `${base}/tasks/${taskId}/contacts`,
        q,
        signal,
      ),
    placeholderData: (prev) => prev,
  });

  const [charset, setCharset] = useState('utf-8');
  // Cleared after each upload, so the same file can be sent again (e.g. in another charset).
  const resetFile = useRef<() => void>(null);
  const upload = async (file: File | null) => {
    if (!file) return;
    setError(null);
    setReport(null);
    setProgress(0);
    try {
      const r = await api.upload<ImportReport>(
        // XLSX is always Unicode; a CSV file is read in the chosen character set (a BOM wins).
        `${base}/tasks/${taskId}/contacts/import${/\.xlsx$/i.test(file.name) ? '' : `?charset=${charset}`}`,
        file,
        setProgress,
      );
      setReport(r);
      pages.reset();
      void page.refetch();
    } catch (e) {
      setError(plain(e));
    } finally {
      setProgress(null);
      resetFile.current?.();
    }
  };

  const why = async (c: Contact) => {
    setError(null);
    try {
      setExplain(
        await api.get<Explanation>(
          `${base}/tasks/${taskId}/contacts/${encodeURIComponent(c.sessionId)}/explain`,
        ),
      );
    } catch (e) {
      setError(plain(e));
    }
  };

  const filter =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      pages.reset();
      set(v);
    };
  const tk = task.data;
  const blocked =
    me.role === 'viewer' ? t('common:readOnly') : tk ? whyNot('contacts', tk.state) : null;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>
          {t('contacts.title')} {tk ? `— ${tk.name}` : ''}
        </Title>
        <Group>
          <Link to={`/tasks/${taskId}`}>{t('contacts.taskDetails')}</Link>
          <Link to="/tasks">{t('common:nav.tasks')}</Link>
        </Group>
      </Group>
      <Group>
        <Select
          aria-label={t('contacts.charset')}
          data={CHARSETS.map((c) => ({
            value: c.value,
            label: t('contacts.csvIn', { name: c.name }),
          }))}
          value={charset}
          onChange={(v) => setCharset(v ?? 'utf-8')}
          allowDeselect={false}
          w={220}
          data-testid="upload-charset"
        />
        <FileButton
          resetRef={resetFile}
          onChange={(f) => void upload(f)}
          accept=".csv,.xlsx,text/csv"
        >
          {(props) => (
            <Button
              {...props}
              disabled={!!blocked || progress !== null}
              title={blocked ?? undefined}
              data-testid="upload"
            >
              {t('contacts.upload')}
            </Button>
          )}
        </FileButton>
        <Text size="sm" c="dimmed">
          {t('contacts.columns')}
        </Text>
      </Group>
      {progress !== null && (
        <Stack gap={2}>
          <Progress value={progress * 100} animated size="lg" data-testid="upload-progress" />
          <Text size="xs">
            {progress < 1
              ? t('contacts.uploading', { pct: Math.round(progress * 100) })
              : t('contacts.checking')}
          </Text>
        </Stack>
      )}
      {error && <Alert color="red">{error}</Alert>}
      {report && (
        <Alert
          color={report.rejected ? 'yellow' : 'green'}
          title={t('contacts.imported', {
            inserted: report.inserted,
            updated: report.updated,
            rejected: report.rejected,
            received: report.received,
          })}
          withCloseButton
          onClose={() => setReport(null)}
          data-testid="import-report"
        >
          {report.errors.length > 0 && (
            <Table data-testid="import-errors">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('contacts.row')}</Table.Th>
                  <Table.Th>{t('contacts.customerCol')}</Table.Th>
                  <Table.Th>{t('contacts.column')}</Table.Th>
                  <Table.Th>{t('contacts.problem')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {report.errors.map((e, i) => (
                  <Table.Tr key={i}>
                    <Table.Td>{e.row}</Table.Td>
                    <Table.Td>{e.sessionId ?? '—'}</Table.Td>
                    <Table.Td>{e.path}</Table.Td>
                    <Table.Td>{plainMessage(e.message)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {report.errorsTruncated && <Text size="xs">{t('contacts.truncated')}</Text>}
          {report.warnings.map((w, i) => (
            <Text size="xs" key={i}>
              {t('contacts.warning', {
                row: w.row,
                id: w.sessionId,
                number: w.number ?? '',
                message: plainMessage(w.message),
              })}
            </Text>
          ))}
        </Alert>
      )}
      <Group>
        <TextInput
          placeholder={t('contacts.idStarts')}
          value={sessionId}
          onChange={(e) => filter(setSessionId)(e.currentTarget.value)}
          data-testid="search-session"
        />
        <TextInput
          placeholder={t('contacts.numberContains')}
          value={number}
          onChange={(e) => filter(setNumber)(e.currentTarget.value)}
        />
        <Select
          placeholder={t('common:anyState')}
          clearable
          data={STATES.map((s) => ({ value: s, label: t(`common:customerStates.${s}`) }))}
          value={state}
          onChange={filter(setState)}
        />
      </Group>
      <Table striped data-testid="contact-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('contacts.customerId')}</Table.Th>
            <Table.Th>{t('contacts.numbers')}</Table.Th>
            <Table.Th>{t('contacts.priority')}</Table.Th>
            <Table.Th>{t('contacts.customField')}</Table.Th>
            <Table.Th>{t('contacts.attributes')}</Table.Th>
            <Table.Th>{t('contacts.state')}</Table.Th>
            <Table.Th>{t('contacts.updated')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(page.data?.items ?? []).map((c) => (
            <Table.Tr key={c.sessionId}>
              <Table.Td>{c.sessionId}</Table.Td>
              <Table.Td>
                {c.numbers.map((n) => `${n.number}${n.type ? ` (${n.type})` : ''}`).join(', ')}
              </Table.Td>
              <Table.Td>{c.priority}</Table.Td>
              <Table.Td>{c.customField ?? ''}</Table.Td>
              <Table.Td>
                <Text size="xs">
                  {Object.entries(c.attributes)
                    .map(([k, v]) => `${k}=${String(v)}`)
                    .join(', ')}
                </Text>
              </Table.Td>
              <Table.Td>
                <Badge variant="light">{t(`common:customerStates.${c.state}`)}</Badge>
              </Table.Td>
              <Table.Td>{fmtTime(c.updatedAt)}</Table.Td>
              <Table.Td>
                <Button
                  size="compact-xs"
                  variant="light"
                  onClick={() => void why(c)}
                  data-testid="explain"
                >
                  {t('contacts.why')}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <PageButtons pages={pages} next={page.data?.next} />
      <Modal
        opened={!!explain}
        onClose={() => setExplain(null)}
        title={t('contacts.customer', { id: explain?.sessionId ?? '' })}
      >
        {explain && <Explained x={explain} task={tk ?? null} />}
      </Modal>
    </Stack>
  );
}

/** The explanation in two sentences: what holds the call back, and what to do about it. */
function Explained({ x, task }: { x: Explanation; task: Task | null }) {
  const { t } = useTranslation('explain');
  const { what, todo } = explainSentences(x, task);
  return (
    <Stack data-testid="explanation" gap="xs">
      <Badge color={x.callableNow ? 'green' : 'yellow'}>
        {x.callableNow ? t('explain:callableNow') : t('explain:notCallableNow')}
      </Badge>
      <Text data-testid="explanation-what">{what}</Text>
      <Text size="sm">
        <b>{t('explain:whatToDo')}:</b> <span data-testid="explanation-todo">{todo}</span>
      </Text>
    </Stack>
  );
}

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
import { messageOf } from '../api.ts';
import { useTenant } from '../session.tsx';
import { Link } from '../router.tsx';
import { useLoad } from '../lib/hooks.ts';
import { fmtTime } from '../lib/format.ts';
import { whyNot } from '../lib/lifecycle.ts';
import type { Contact, Explanation, ImportReport, Task } from '../types.ts';
import { PageButtons, useKeyset } from '../lib/paging.tsx';

const STATES = ['ready', 'waiting', 'dialing', 'filtered', 'finished'];

/** Character sets a CSV file may be in (the API's `charset`); spreadsheets' Unicode text has a BOM. */
const CHARSETS = [
  { value: 'utf-8', label: 'CSV in UTF-8' },
  { value: 'gb18030', label: 'CSV in GB18030 / GBK' },
  { value: 'big5', label: 'CSV in Big5' },
  { value: 'shift_jis', label: 'CSV in Shift_JIS' },
  { value: 'iso-8859-1', label: 'CSV in Latin-1' },
  { value: 'windows-1252', label: 'CSV in Windows-1252' },
];

/**
 * A task's contact list (the seed's step 9): upload a CSV or XLSX file (streamed; bad rows are
 * reported row by row, good rows land), browse and search customers, and ask why one is or is
 * not being called now.
 */
export function Contacts({ taskId }: { taskId: string }) {
  const { api, base, me } = useTenant();
  const task = useLoad((s) => api.get<Task>(`${base}/tasks/${taskId}`, undefined, s), [taskId]);
  const [progress, setProgress] = useState<number | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sessionId, setSessionId] = useState('');
  const [number, setNumber] = useState('');
  const [state, setState] = useState<string | null>(null);
  const pages = useKeyset<string>();
  const [explain, setExplain] = useState<Explanation | null>(null);
  const cursor = pages.current;
  const page = useLoad(
    (s) =>
      api.get<{ items: Contact[]; next: string | null }>(
        `${base}/tasks/${taskId}/contacts`,
        {
          sessionId,
          number: /^[0-9*#+]+$/.test(number) ? number : undefined,
          state,
          cursor,
          limit: 50,
        },
        s,
      ),
    [taskId, sessionId, number, state, cursor],
  );

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
      page.reload();
    } catch (e) {
      setError(messageOf(e));
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
      setError(messageOf(e));
    }
  };

  const filter =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      pages.reset();
      set(v);
    };
  const t = task.data;
  const blocked =
    me.role === 'viewer'
      ? 'this key is read-only (viewer)'
      : t
        ? whyNot('contacts', t.state)
        : null;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Contact list {t ? `— ${t.name}` : ''}</Title>
        <Group>
          <Link to={`/tasks/${taskId}`}>Task details</Link>
          <Link to="/tasks">Call management</Link>
        </Group>
      </Group>
      <Group>
        <Select
          aria-label="CSV character set"
          data={CHARSETS}
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
              Upload CSV / XLSX
            </Button>
          )}
        </FileButton>
        <Text size="sm" c="dimmed">
          Columns: sessionId, priority, customField, number1, type1, number2, type2, …, one column
          per attribute, callData (JSON).
        </Text>
      </Group>
      {progress !== null && (
        <Stack gap={2}>
          <Progress value={progress * 100} animated size="lg" data-testid="upload-progress" />
          <Text size="xs">
            {progress < 1 ? `Uploading ${Math.round(progress * 100)}%` : 'Checking rows…'}
          </Text>
        </Stack>
      )}
      {error && <Alert color="red">{error}</Alert>}
      {report && (
        <Alert
          color={report.rejected ? 'yellow' : 'green'}
          title={`Imported: ${report.inserted} new, ${report.updated} updated, ${report.rejected} rejected of ${report.received} rows`}
          withCloseButton
          onClose={() => setReport(null)}
          data-testid="import-report"
        >
          {report.errors.length > 0 && (
            <Table data-testid="import-errors">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Row</Table.Th>
                  <Table.Th>Customer</Table.Th>
                  <Table.Th>Column</Table.Th>
                  <Table.Th>Problem</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {report.errors.map((e, i) => (
                  <Table.Tr key={i}>
                    <Table.Td>{e.row}</Table.Td>
                    <Table.Td>{e.sessionId ?? '—'}</Table.Td>
                    <Table.Td>{e.path}</Table.Td>
                    <Table.Td>{e.message}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {report.errorsTruncated && <Text size="xs">Only the first 1000 errors are listed.</Text>}
          {report.warnings.map((w, i) => (
            <Text size="xs" key={i}>
              Row {w.row} ({w.sessionId}): {w.number ?? ''} {w.message}
            </Text>
          ))}
        </Alert>
      )}
      <Group>
        <TextInput
          placeholder="Customer ID starts with…"
          value={sessionId}
          onChange={(e) => filter(setSessionId)(e.currentTarget.value)}
          data-testid="search-session"
        />
        <TextInput
          placeholder="Number contains…"
          value={number}
          onChange={(e) => filter(setNumber)(e.currentTarget.value)}
        />
        <Select
          placeholder="Any state"
          clearable
          data={STATES}
          value={state}
          onChange={filter(setState)}
        />
      </Group>
      <Table striped data-testid="contact-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Customer ID</Table.Th>
            <Table.Th>Numbers</Table.Th>
            <Table.Th>Priority</Table.Th>
            <Table.Th>Custom field</Table.Th>
            <Table.Th>Attributes</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>Updated</Table.Th>
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
                <Badge variant="light">{c.state}</Badge>
              </Table.Td>
              <Table.Td>{fmtTime(c.updatedAt, t?.config.timeZone)}</Table.Td>
              <Table.Td>
                <Button
                  size="compact-xs"
                  variant="light"
                  onClick={() => void why(c)}
                  data-testid="explain"
                >
                  Why not called now?
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
        title={`Customer ${explain?.sessionId ?? ''}`}
      >
        {explain && (
          <Stack data-testid="explanation">
            <Badge color={explain.callableNow ? 'green' : 'yellow'}>
              {explain.callableNow ? 'callable now' : explain.reason}
            </Badge>
            <Text>{explain.detail}</Text>
            {explain.until && (
              <Text size="sm">Until {fmtTime(explain.until, t?.config.timeZone)}</Text>
            )}
            {explain.rule && (
              <Text size="xs" ff="monospace">
                {JSON.stringify(explain.rule)}
              </Text>
            )}
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}

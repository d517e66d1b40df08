import { useState } from 'react';
import { Alert, Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { messageOf } from '../api.ts';
import { useTenant } from '../session.tsx';
import { usePoll } from '../lib/hooks.ts';
import { fmtBytes, fmtTime } from '../lib/format.ts';
import type { ExportJob } from '../types.ts';

/**
 * Export (a background job) and View Export Result: the task's exports, refreshed while one is
 * still being written, each downloadable when done. Exported files hold personal data unless the
 * key's role masks them.
 */
export function Exports({ taskId }: { taskId: string }) {
  const { api, base } = useTenant();
  const path = `${base}/tasks/${taskId}/exports`;
  const [items, setItems] = useState<ExportJob[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const pending = !items || items.some((e) => e.state === 'queued' || e.state === 'running');

  const refresh = async () => {
    const r = await api.get<{ items: ExportJob[] }>(path, { limit: 20 });
    setItems(r.items);
  };
  usePoll(refresh, 1000, pending);

  const start = async (format: 'csv' | 'xlsx') => {
    setError(null);
    try {
      const e = await api.post<ExportJob>(path, { format });
      setItems((xs) => [e, ...(xs ?? [])]);
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const download = async (e: ExportJob) => {
    setError(null);
    try {
      const f = await api.download(e.downloadUrl!);
      setNotice(`Downloaded ${f.name} (${fmtBytes(f.size)})`);
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <Stack>
      <Group>
        <Button onClick={() => void start('csv')} data-testid="export-csv">
          Export CSV
        </Button>
        <Button variant="light" onClick={() => void start('xlsx')} data-testid="export-xlsx">
          Export XLSX
        </Button>
        <Button variant="default" onClick={() => void refresh()} data-testid="export-view">
          View export result
        </Button>
      </Group>
      <Text size="sm" c="dimmed">
        The exported data contains personal data. Handle it with care to prevent leakage and abuse.
      </Text>
      {error && <Alert color="red">{error}</Alert>}
      {notice && (
        <Alert
          color="green"
          withCloseButton
          onClose={() => setNotice(null)}
          data-testid="export-notice"
        >
          {notice}
        </Alert>
      )}
      <Table data-testid="exports-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Requested</Table.Th>
            <Table.Th>Format</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>Rows</Table.Th>
            <Table.Th>Size</Table.Th>
            <Table.Th>Masked</Table.Th>
            <Table.Th>By</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(items ?? []).map((e) => (
            <Table.Tr key={e.id} data-testid={`export-${e.state}`}>
              <Table.Td>{fmtTime(e.createdAt)}</Table.Td>
              <Table.Td>{e.format.toUpperCase()}</Table.Td>
              <Table.Td>
                <Badge color={e.state === 'done' ? 'green' : e.state === 'failed' ? 'red' : 'gray'}>
                  {e.state}
                </Badge>
                {e.error && (
                  <Text size="xs" c="red">
                    {e.error}
                  </Text>
                )}
                {e.state === 'done' && e.expiresAt && (
                  <Text size="xs" c="dimmed">
                    kept until {fmtTime(e.expiresAt)}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{e.rows ?? '—'}</Table.Td>
              <Table.Td>{fmtBytes(e.bytes)}</Table.Td>
              <Table.Td>{e.masked ? 'yes' : 'no'}</Table.Td>
              <Table.Td>
                <Text size="xs">{e.requestedBy}</Text>
              </Table.Td>
              <Table.Td>
                <Button
                  size="compact-xs"
                  disabled={e.state !== 'done'}
                  onClick={() => void download(e)}
                  data-testid="export-download"
                >
                  Download
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

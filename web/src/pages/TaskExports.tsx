import { useState } from 'react';
import { Alert, Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { usePlainError } from '../lib/plain.ts';
import { useTenant } from '../session.tsx';
import { useQuery } from '@tanstack/react-query';
import { fmtBytes, fmtTime } from '../lib/format.ts';
import type { ExportJob } from '../types.ts';

/**
 * Export (a background job) and View Export Result: the task's exports, refreshed while one is
 * still being written, each downloadable when done. Exported files hold personal data unless the
 * key's role masks them.
 */
export function Exports({ taskId }: { taskId: string }) {
  const { t } = useTranslation('pages');
  const plain = usePlainError();
  const { api, base } = useTenant();
  const path = `${base}/tasks/${taskId}/exports`;
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Refreshed every second while an export is still being written.
  const list = useQuery({
    queryKey: [base, 'tasks', taskId, 'exports'],
    queryFn: ({ signal }) => api.get<{ items: ExportJob[] }>(path, { limit: 20 }, signal),
    refetchInterval: (q) =>
      q.state.data?.items.some((e) => e.state === 'queued' || e.state === 'running') ? 1000 : false,
  });
  const items = list.data?.items ?? null;
  const refresh = () => void list.refetch();

  const start = async (format: 'csv' | 'xlsx') => {
    setError(null);
    try {
      await api.post<ExportJob>(path, { format });
      await list.refetch();
    } catch (e) {
      setError(plain(e));
    }
  };

  const download = async (e: ExportJob) => {
    setError(null);
    try {
      const f = await api.download(e.downloadUrl!);
      setNotice(t('exports.downloaded', { name: f.name, size: fmtBytes(f.size) }));
    } catch (err) {
      setError(plain(err));
    }
  };

  return (
    <Stack>
      <Group>
        <Button onClick={() => void start('csv')} data-testid="export-csv">
          {t('exports.csv')}
        </Button>
        <Button variant="light" onClick={() => void start('xlsx')} data-testid="export-xlsx">
          {t('exports.xlsx')}
        </Button>
        <Button variant="default" onClick={refresh} data-testid="export-view">
          {t('exports.view')}
        </Button>
      </Group>
      <Text size="sm" c="dimmed">
        {t('exports.personal')}
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
            <Table.Th>{t('exports.requested')}</Table.Th>
            <Table.Th>{t('exports.format')}</Table.Th>
            <Table.Th>{t('exports.state')}</Table.Th>
            <Table.Th>{t('exports.rows')}</Table.Th>
            <Table.Th>{t('exports.size')}</Table.Th>
            <Table.Th>{t('exports.masked')}</Table.Th>
            <Table.Th>{t('exports.by')}</Table.Th>
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
                  {t(`exports.states.${e.state}`)}
                </Badge>
                {e.error && (
                  <Text size="xs" c="red">
                    {e.error}
                  </Text>
                )}
                {e.state === 'done' && e.expiresAt && (
                  <Text size="xs" c="dimmed">
                    {t('exports.keptUntil', { at: fmtTime(e.expiresAt) })}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{e.rows ?? '—'}</Table.Td>
              <Table.Td>{fmtBytes(e.bytes)}</Table.Td>
              <Table.Td>{e.masked ? t('common:yes') : t('common:no')}</Table.Td>
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
                  {t('exports.download')}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

import { useState } from 'react';
import { Alert, Badge, Button, Group, Select, Stack, Table, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { usePlainError } from '../lib/plain.ts';
import { useTenant } from '../session.tsx';
import { useQuery } from '@tanstack/react-query';
import { fmtTime } from '../lib/format.ts';
import { PageButtons, useKeyset } from '../lib/paging.tsx';
import type { Delivery } from '../types.ts';

const STATE_COLORS: Record<Delivery['state'], string> = {
  pending: 'yellow',
  delivered: 'green',
  failed: 'red',
};

/**
 * The delivery log of the task's callbacks and SMS: what was sent where, whether it arrived, how
 * many tries it took and the last error, and when a pending message is tried next. Refreshed while
 * shown, so an administrator can watch a receiver come back — and, once it is back, send what was
 * given up again (one message, or every failed one of the chosen kind: `POST …/deliveries/replay`).
 */
export function Deliveries({ taskId }: { taskId: string }) {
  const { t } = useTranslation('pages');
  const plain = usePlainError();
  const { api, base, me } = useTenant();
  const path = `${base}/tasks/${taskId}/deliveries`;
  const mayReplay = me.role !== 'viewer';
  const [notice, setNotice] = useState<string | null>(null);
  const replay = async (body: Record<string, unknown>) => {
    try {
      const r = await api.post<{ requeued: number }>(`${path}/replay`, body);
      setNotice(t('deliveries.requeued', { count: r.requeued }));
      setError(null);
    } catch (e) {
      setError(plain(e));
    }
  };
  const [kind, setKind] = useState<string | null>(null);
  const [state, setState] = useState<string | null>(null);
  const pages = useKeyset<number>();
  const [error, setError] = useState<string | null>(null);
  const q = { kind, state, after: pages.current, limit: 50 };
  // Refreshed every 2 s while shown: a receiver coming back drains the backlog before one's eyes.
  const list = useQuery({
    queryKey: [base, 'tasks', taskId, 'deliveries', q],
    queryFn: ({ signal }) => api.get<{ items: Delivery[]; next: number | null }>(path, q, signal),
    refetchInterval: 2000,
  });
  const page = list.data ?? null;

  const filter = (set: (v: string | null) => void) => (v: string | null) => {
    pages.reset();
    set(v);
  };

  return (
    <Stack>
      <Group>
        <Select
          placeholder={t('deliveries.placeholder')}
          clearable
          data={[
            { value: 'callback', label: t('deliveries.callbacks') },
            { value: 'sms', label: t('deliveries.sms') },
          ]}
          value={kind}
          onChange={filter(setKind)}
          data-testid="deliveries-kind"
        />
        <Select
          placeholder={t('common:anyState')}
          clearable
          data={(['pending', 'delivered', 'failed'] as const).map((v) => ({
            value: v,
            label: t(`deliveries.states.${v}`),
          }))}
          value={state}
          onChange={filter(setState)}
          data-testid="deliveries-state"
        />
        {mayReplay && (
          <Button
            variant="light"
            onClick={() =>
              // Every failed message (of the chosen kind): all were caused after the epoch.
              void replay(kind ? { kind } : { from: '1970-01-01T00:00:00.000Z' })
            }
            data-testid="deliveries-replay"
          >
            {t('deliveries.sendFailed')}
          </Button>
        )}
      </Group>
      {notice && (
        <Alert color="blue" withCloseButton onClose={() => setNotice(null)}>
          {notice}
        </Alert>
      )}
      <Text size="sm" c="dimmed">
        {t('deliveries.help')}
      </Text>
      {(error ?? list.error) && <Alert color="red">{error ?? plain(list.error)}</Alert>}
      <Table data-testid="deliveries-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('deliveries.caused')}</Table.Th>
            <Table.Th>{t('deliveries.message')}</Table.Th>
            <Table.Th>{t('deliveries.customer')}</Table.Th>
            <Table.Th>{t('deliveries.to')}</Table.Th>
            <Table.Th>{t('deliveries.state')}</Table.Th>
            <Table.Th>{t('deliveries.tries')}</Table.Th>
            <Table.Th>{t('deliveries.lastAnswer')}</Table.Th>
            <Table.Th>{t('deliveries.deliveredNext')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(page?.items ?? []).map((d) => (
            <Table.Tr key={d.id} data-testid={`delivery-${d.state}`}>
              <Table.Td>{fmtTime(d.createdAt)}</Table.Td>
              <Table.Td>
                {d.kind === 'sms' ? t('deliveries.sms') : t('deliveries.callback')} · {d.event}
              </Table.Td>
              <Table.Td>{d.sessionId ?? '—'}</Table.Td>
              <Table.Td>
                <Tooltip label={d.target}>
                  <Text size="xs" truncate maw={220}>
                    {d.target}
                  </Text>
                </Tooltip>
              </Table.Td>
              <Table.Td>
                <Group gap={4} wrap="nowrap">
                  <Badge color={STATE_COLORS[d.state]}>{t(`deliveries.states.${d.state}`)}</Badge>
                  {mayReplay && d.state === 'failed' && (
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      onClick={() => void replay({ ids: [d.id] })}
                      data-testid="delivery-replay"
                    >
                      {t('deliveries.sendAgain')}
                    </Button>
                  )}
                </Group>
              </Table.Td>
              <Table.Td>{d.tries}</Table.Td>
              <Table.Td>
                {d.lastStatus !== null && <Text size="xs">HTTP {d.lastStatus}</Text>}
                {d.lastError && (
                  <Text size="xs" c="red" data-testid="delivery-error">
                    {d.lastError}
                  </Text>
                )}
                {d.lastStatus === null && !d.lastError && '—'}
              </Table.Td>
              <Table.Td>
                {d.state === 'delivered'
                  ? fmtTime(d.deliveredAt)
                  : d.state === 'pending'
                    ? t('deliveries.nextAt', { at: fmtTime(d.nextAt) })
                    : '—'}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {page && page.items.length === 0 && <Text c="dimmed">{t('deliveries.none')}</Text>}
      <PageButtons pages={pages} next={page?.next} />
    </Stack>
  );
}

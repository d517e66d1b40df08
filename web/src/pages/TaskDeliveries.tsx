import { useState } from 'react';
import { Alert, Badge, Button, Group, Select, Stack, Table, Text, Tooltip } from '@mantine/core';
import { messageOf } from '../api.ts';
import { useTenant } from '../session.tsx';
import { usePoll } from '../lib/hooks.ts';
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
export function Deliveries({ taskId, zone }: { taskId: string; zone: string | null }) {
  const { api, base, me } = useTenant();
  const path = `${base}/tasks/${taskId}/deliveries`;
  const mayReplay = me.role !== 'viewer';
  const [notice, setNotice] = useState<string | null>(null);
  const replay = async (body: Record<string, unknown>) => {
    try {
      const r = await api.post<{ requeued: number }>(`${path}/replay`, body);
      setNotice(`${r.requeued} message(s) queued to be sent again`);
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const [kind, setKind] = useState<string | null>(null);
  const [state, setState] = useState<string | null>(null);
  const pages = useKeyset<number>();
  const [page, setPage] = useState<{ items: Delivery[]; next: number | null } | null>(null);
  const [error, setError] = useState<string | null>(null);

  usePoll(async () => {
    try {
      const r = await api.get<{ items: Delivery[]; next: number | null }>(path, {
        kind,
        state,
        after: pages.current,
        limit: 50,
      });
      setPage(r);
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }, 2000);

  const filter = (set: (v: string | null) => void) => (v: string | null) => {
    pages.reset();
    setPage(null);
    set(v);
  };

  return (
    <Stack>
      <Group>
        <Select
          placeholder="Callbacks and SMS"
          clearable
          data={[
            { value: 'callback', label: 'Callbacks' },
            { value: 'sms', label: 'SMS' },
          ]}
          value={kind}
          onChange={filter(setKind)}
          data-testid="deliveries-kind"
        />
        <Select
          placeholder="Any state"
          clearable
          data={['pending', 'delivered', 'failed']}
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
            Send failed again
          </Button>
        )}
      </Group>
      {notice && (
        <Alert color="blue" withCloseButton onClose={() => setNotice(null)}>
          {notice}
        </Alert>
      )}
      <Text size="sm" c="dimmed">
        A pending message is tried again with growing delays until it is delivered or its tries run
        out (failed). Receivers get each message at least once, with the same idempotency key.
      </Text>
      {error && <Alert color="red">{error}</Alert>}
      <Table data-testid="deliveries-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Caused</Table.Th>
            <Table.Th>Message</Table.Th>
            <Table.Th>Customer</Table.Th>
            <Table.Th>To</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>Tries</Table.Th>
            <Table.Th>Last answer</Table.Th>
            <Table.Th>Delivered / next try</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(page?.items ?? []).map((d) => (
            <Table.Tr key={d.id} data-testid={`delivery-${d.state}`}>
              <Table.Td>{fmtTime(d.createdAt, zone)}</Table.Td>
              <Table.Td>
                {d.kind === 'sms' ? 'SMS' : 'Callback'} · {d.event}
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
                  <Badge color={STATE_COLORS[d.state]}>{d.state}</Badge>
                  {mayReplay && d.state === 'failed' && (
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      onClick={() => void replay({ ids: [d.id] })}
                      data-testid="delivery-replay"
                    >
                      Send again
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
                  ? fmtTime(d.deliveredAt, zone)
                  : d.state === 'pending'
                    ? `next ${fmtTime(d.nextAt, zone)}`
                    : '—'}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {page && page.items.length === 0 && <Text c="dimmed">No callbacks or SMS yet.</Text>}
      <PageButtons pages={pages} next={page?.next} />
    </Stack>
  );
}

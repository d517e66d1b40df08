import { useRef, useState } from 'react';
import {
  Alert,
  Badge,
  Card,
  Group,
  Progress as Bar,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  Title,
} from '@mantine/core';
import { messageOf } from '../api.ts';
import { useTenant } from '../session.tsx';
import { Link, navigate } from '../router.tsx';
import { useLoad, usePoll } from '../lib/hooks.ts';
import { fmtTime } from '../lib/format.ts';
import { STATE_COLORS, whyNot } from '../lib/lifecycle.ts';
import type { Attempt, Progress, Task } from '../types.ts';
import { OpButton } from './TaskList.tsx';
import { Results } from './TaskResults.tsx';
import { Exports } from './TaskExports.tsx';
import { Deliveries } from './TaskDeliveries.tsx';
import { CallsChart } from './CallsChart.tsx';

const CUSTOMER_STATES = ['ready', 'waiting', 'dialing', 'filtered', 'finished'];

/** A task's page: live progress, per-customer results, exports. */
export function TaskDetails({ taskId }: { taskId: string }) {
  const { api, base, me } = useTenant();
  const task = useLoad((s) => api.get<Task>(`${base}/tasks/${taskId}`, undefined, s), [taskId]);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [perMinute, setPerMinute] = useState<Map<number, number>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const after = useRef<number | undefined>(undefined);
  const [tab, setTab] = useState<string | null>('progress');

  // Live progress every 2 s; new attempts are fetched incrementally for the calls-per-minute chart.
  usePoll(async () => {
    const p = await api.get<Progress>(`${base}/tasks/${taskId}/progress`);
    setProgress(p);
    let fresh: Attempt[] = [];
    for (let i = 0; i < 10; i++) {
      const page = await api.get<{ items: Attempt[]; next: number | null }>(
        `${base}/tasks/${taskId}/attempts`,
        {
          after: after.current,
          limit: 1000,
        },
      );
      fresh = fresh.concat(page.items);
      if (page.items.length) after.current = page.items.at(-1)!.id;
      if (!page.next) break;
    }
    if (fresh.length)
      setPerMinute((m) => {
        const next = new Map(m);
        for (const a of fresh) {
          const minute = Math.floor(new Date(a.startedAt).getTime() / 60000);
          next.set(minute, (next.get(minute) ?? 0) + 1);
        }
        return next;
      });
  }, 2000);

  const t = task.data;
  if (task.error) return <Alert color="red">{messageOf(task.error)}</Alert>;
  if (!t) return null;
  const state = progress?.state ?? t.state;
  const zone = t.config.timeZone ?? null;
  const readOnly = me.role === 'viewer' ? 'this key is read-only (viewer)' : null;
  const act = async (op: 'start' | 'suspend') => {
    setError(null);
    try {
      await api.post(`${base}/tasks/${taskId}/${op}`);
      task.reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const finished = progress?.byState.finished ?? 0;

  return (
    <Stack>
      <Group justify="space-between">
        <Group>
          <Title order={2}>{t.name}</Title>
          <Badge size="lg" color={STATE_COLORS[state]} data-testid="detail-state">
            {state}
          </Badge>
        </Group>
        <Group gap={4}>
          <OpButton
            label="Contact list"
            reason={whyNot('contacts', state)}
            onClick={() => navigate(`/tasks/${taskId}/contacts`)}
          />
          <OpButton
            label="Start"
            color="green"
            reason={readOnly ?? whyNot('start', state)}
            onClick={() => void act('start')}
            testId="detail-start"
          />
          <OpButton
            label="Suspend"
            color="yellow"
            reason={readOnly ?? whyNot('suspend', state)}
            onClick={() => void act('suspend')}
            testId="detail-suspend"
          />
          <OpButton
            label="Edit"
            reason={readOnly ?? whyNot('edit', state)}
            onClick={() => navigate(`/tasks/${taskId}/edit`)}
          />
          <Link to="/tasks">Call management</Link>
        </Group>
      </Group>
      <Text size="sm" c="dimmed">
        {t.type === 'robot' ? 'Robot' : 'IVR'} task · priority {t.priority} ·{' '}
        {t.ouId ?? 'Unorganized'} · {fmtTime(t.config.start, zone)} – {fmtTime(t.config.end, zone)}{' '}
        ({t.config.timeZone})
      </Text>
      {error && <Alert color="red">{error}</Alert>}
      <Tabs value={tab} onChange={setTab}>
        <Tabs.List>
          <Tabs.Tab value="progress">Progress</Tabs.Tab>
          <Tabs.Tab value="results" data-testid="tab-results">
            Outbound call results
          </Tabs.Tab>
          <Tabs.Tab value="exports" data-testid="tab-exports">
            Export
          </Tabs.Tab>
          <Tabs.Tab value="deliveries" data-testid="tab-deliveries">
            Callbacks and SMS
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="progress" pt="md">
          {progress && (
            <Stack data-testid="progress-panel">
              <Card withBorder>
                <Group justify="space-between">
                  <Text fw={500}>Customers finished</Text>
                  <Text data-testid="progress-finished">
                    {finished} / {progress.total}
                  </Text>
                </Group>
                <Bar
                  transitionDuration={0}
                  value={progress.total ? (100 * finished) / progress.total : 0}
                  size="xl"
                  mt="xs"
                />
              </Card>
              <SimpleGrid cols={3}>
                <Card withBorder>
                  <Text fw={500} mb="xs">
                    Customers by state
                  </Text>
                  <Counts
                    data={Object.fromEntries(
                      CUSTOMER_STATES.map((s) => [s, progress.byState[s] ?? 0]),
                    )}
                    testId="by-state"
                  />
                </Card>
                <Card withBorder>
                  <Text fw={500} mb="xs">
                    Customers by final result
                  </Text>
                  <Counts data={progress.finalResults} testId="final-results" />
                </Card>
                <Card withBorder>
                  <Text fw={500} mb="xs">
                    Attempts by result ({progress.attempts.total} calls, {progress.attempts.active}{' '}
                    in progress)
                  </Text>
                  <Counts data={progress.attempts.byResult} testId="attempt-results" />
                </Card>
              </SimpleGrid>
              <SimpleGrid cols={2}>
                <Card withBorder>
                  <Text fw={500} mb="xs">
                    Calls per minute
                  </Text>
                  <CallsChart perMinute={perMinute} zone={zone} />
                </Card>
                <Card withBorder>
                  <Text fw={500} mb="xs">
                    Channels in use (whole tenant)
                  </Text>
                  <Text size="xl" data-testid="channels">
                    {progress.channels.inUse} / {progress.channels.tenant}
                  </Text>
                  <Bar
                    transitionDuration={0}
                    value={
                      progress.channels.tenant
                        ? (100 * progress.channels.inUse) / progress.channels.tenant
                        : 0
                    }
                    mt="xs"
                  />
                  <Text size="xs" c="dimmed" mt="xs">
                    Service time {fmtTime(progress.at, zone)} · first call{' '}
                    {fmtTime(progress.firstAttemptAt, zone)} · last call{' '}
                    {fmtTime(progress.lastAttemptAt, zone)}
                  </Text>
                </Card>
              </SimpleGrid>
            </Stack>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="results" pt="md">
          {tab === 'results' && <Results task={t} />}
        </Tabs.Panel>
        <Tabs.Panel value="exports" pt="md">
          {tab === 'exports' && <Exports taskId={taskId} />}
        </Tabs.Panel>
        <Tabs.Panel value="deliveries" pt="md">
          {tab === 'deliveries' && <Deliveries taskId={taskId} zone={t.config.timeZone ?? null} />}
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function Counts({ data, testId }: { data: Record<string, number>; testId: string }) {
  const entries = Object.entries(data).sort((a, b) => b[1] - a[1]);
  if (!entries.length) return <Text c="dimmed">none yet</Text>;
  return (
    <Table data-testid={testId}>
      <Table.Tbody>
        {entries.map(([k, v]) => (
          <Table.Tr key={k} data-testid={`${testId}-${k}`}>
            <Table.Td>{k}</Table.Td>
            <Table.Td ta="right">{v}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

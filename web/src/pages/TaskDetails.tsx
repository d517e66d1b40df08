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
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useTenant } from '../session.tsx';
import { Link, navigate } from '../router.tsx';
import {
  PROGRESS_POLL_MS,
  useInvalidate,
  useNames,
  useProgress,
  useTaskQuery,
} from '../lib/queries.ts';
import { usePlainError } from '../lib/plain.ts';
import { fmtMinute, fmtResult, fmtTime } from '../lib/format.ts';
import { STATE_COLORS, whyNot } from '../lib/lifecycle.ts';
import type { Attempt } from '../types.ts';
import { OpButton } from './TaskList.tsx';
import { Results } from './TaskResults.tsx';
import { Exports } from './TaskExports.tsx';
import { Deliveries } from './TaskDeliveries.tsx';
import { CallsChart } from './CallsChart.tsx';
import { ForecastPanel } from './ForecastPanel.tsx';
import { AgentPacingPanel, type AgentPacing } from './AgentPacingPanel.tsx';

const CUSTOMER_STATES = ['ready', 'waiting', 'dialing', 'filtered', 'finished'];

/** A task's page: live progress, per-customer results, exports. */
export function TaskDetails({ taskId }: { taskId: string }) {
  const { t } = useTranslation('pages');
  const plain = usePlainError();
  const { api, base, me } = useTenant();
  const invalidate = useInvalidate();
  const ouName = useNames('ous');
  const task = useTaskQuery(taskId);
  // Live progress (the task's shared poll); new attempts fetched incrementally for the chart.
  const progress = useProgress(taskId).data ?? null;
  const [perMinute, setPerMinute] = useState<Map<number, number>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const after = useRef<number | undefined>(undefined);
  const [tab, setTab] = useState<string | null>('progress');

  useQuery({
    queryKey: [base, 'tasks', taskId, 'attempts-per-minute'],
    refetchInterval: PROGRESS_POLL_MS,
    gcTime: 0,
    queryFn: async () => {
      await pollAttempts();
      return after.current ?? 0;
    },
  });
  const pollAttempts = async () => {
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
  };

  const x = task.data;
  if (task.error) return <Alert color="red">{plain(task.error)}</Alert>;
  if (!x) return null;
  const state = progress?.state ?? x.state;
  const readOnly = me.role === 'viewer' ? t('common:readOnly') : null;
  const act = async (op: 'start' | 'suspend') => {
    setError(null);
    try {
      await api.post(`${base}/tasks/${taskId}/${op}`);
      await invalidate('tasks');
    } catch (e) {
      setError(plain(e));
    }
  };
  const finished = progress?.byState.finished ?? 0;

  return (
    <Stack>
      <Group justify="space-between">
        <Group>
          <Title order={2}>{x.name}</Title>
          <Badge size="lg" color={STATE_COLORS[state]} data-testid="detail-state">
            {t(`common:states.${state}`)}
          </Badge>
        </Group>
        <Group gap={4}>
          <OpButton
            label={t('ops.contacts')}
            reason={whyNot('contacts', state)}
            onClick={() => navigate(`/tasks/${taskId}/contacts`)}
          />
          <OpButton
            label={t('ops.start')}
            color="green"
            reason={readOnly ?? whyNot('start', state)}
            onClick={() => void act('start')}
            testId="detail-start"
          />
          <OpButton
            label={t('ops.suspend')}
            color="yellow"
            reason={readOnly ?? whyNot('suspend', state)}
            onClick={() => void act('suspend')}
            testId="detail-suspend"
          />
          <OpButton
            label={t('ops.edit')}
            reason={readOnly ?? whyNot('edit', state)}
            onClick={() => navigate(`/tasks/${taskId}/edit`)}
          />
          <Link to="/tasks">{t('common:nav.tasks')}</Link>
        </Group>
      </Group>
      <Text size="sm" c="dimmed">
        {t('details.summary', {
          type: t(`common:taskTypesShort.${x.type === 'robot' ? 'robot' : 'ivr'}`),
          priority: x.priority,
          ou: ouName(x.ouId) ?? t('common:unorganized'),
          start: fmtMinute(x.config.start, x.config.timeZone ?? undefined),
          end: fmtMinute(x.config.end, x.config.timeZone ?? undefined),
          zone: x.config.timeZone,
        })}
      </Text>
      {error && <Alert color="red">{error}</Alert>}
      <Tabs value={tab} onChange={setTab}>
        <Tabs.List>
          <Tabs.Tab value="progress">{t('details.progress')}</Tabs.Tab>
          <Tabs.Tab value="results" data-testid="tab-results">
            {t('details.results')}
          </Tabs.Tab>
          <Tabs.Tab value="exports" data-testid="tab-exports">
            {t('details.export')}
          </Tabs.Tab>
          <Tabs.Tab value="deliveries" data-testid="tab-deliveries">
            {t('details.deliveries')}
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="progress" pt="md">
          {progress && (
            <Stack data-testid="progress-panel">
              <Card withBorder>
                <Group justify="space-between">
                  <Text fw={500}>{t('details.customersFinished')}</Text>
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
                    {t('details.byState')}
                  </Text>
                  <Counts
                    data={Object.fromEntries(
                      CUSTOMER_STATES.map((s) => [s, progress.byState[s] ?? 0]),
                    )}
                    label={(s) => t(`common:customerStates.${s}`)}
                    testId="by-state"
                  />
                </Card>
                <Card withBorder>
                  <Text fw={500} mb="xs">
                    {t('details.byFinal')}
                  </Text>
                  <Counts data={progress.finalResults} label={fmtResult} testId="final-results" />
                </Card>
                <Card withBorder>
                  <Text fw={500} mb="xs">
                    {t('details.attemptsByResult', {
                      total: progress.attempts.total,
                      active: progress.attempts.active,
                    })}
                  </Text>
                  <Counts
                    data={progress.attempts.byResult}
                    label={fmtResult}
                    testId="attempt-results"
                  />
                </Card>
              </SimpleGrid>
              <SimpleGrid cols={2}>
                <Card withBorder>
                  <Text fw={500} mb="xs">
                    {t('details.perMinute')}
                  </Text>
                  <CallsChart perMinute={perMinute} />
                </Card>
                <Card withBorder>
                  <Text fw={500} mb="xs">
                    {t('details.channels')}
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
                    {t('details.times', {
                      at: fmtTime(progress.at),
                      first: fmtTime(progress.firstAttemptAt),
                      last: fmtTime(progress.lastAttemptAt),
                    })}
                  </Text>
                </Card>
              </SimpleGrid>
              <AgentPacingPanel
                pacing={(progress as { agentPacing?: AgentPacing | null }).agentPacing}
              />
            </Stack>
          )}
          {state !== 'expired' && <ForecastPanel taskId={taskId} />}
        </Tabs.Panel>
        <Tabs.Panel value="results" pt="md">
          {tab === 'results' && <Results task={x} />}
        </Tabs.Panel>
        <Tabs.Panel value="exports" pt="md">
          {tab === 'exports' && <Exports taskId={taskId} />}
        </Tabs.Panel>
        <Tabs.Panel value="deliveries" pt="md">
          {tab === 'deliveries' && <Deliveries taskId={taskId} />}
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function Counts(props: {
  data: Record<string, number>;
  testId: string;
  label?: (k: string) => string;
}) {
  const { data, testId } = props;
  const { t } = useTranslation('pages');
  const entries = Object.entries(data).sort((a, b) => b[1] - a[1]);
  if (!entries.length) return <Text c="dimmed">{t('details.noneYet')}</Text>;
  return (
    <Table data-testid={testId}>
      <Table.Tbody>
        {entries.map(([k, v]) => (
          <Table.Tr key={k} data-testid={`${testId}-${k}`}>
            <Table.Td>{props.label ? props.label(k) : k}</Table.Td>
            <Table.Td ta="right">{v}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

import { Alert, Button, Card, Group, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { messageOf } from '../api.ts';
import { fmtTime } from '../lib/format.ts';
import { useTenant } from '../session.tsx';

/**
 * A task's forecast (POST …/forecast, docs/api.md#forecasts): the button that asks for one, and
 * the latest one's figures and charts — calls per hour and channels in use over time — shown
 * before the task starts and beside its live progress while it runs. Polls while the forecast is
 * queued or running.
 */
interface Point {
  at: string;
  calls: number;
  answered: number;
  peakChannels: number;
  meanChannels: number;
}
interface Report {
  until: string;
  simulatedUntil: string;
  truncated: boolean;
  finishesAt: string | null;
  model: { source: 'task' | 'request' | 'default'; sample: number };
  channels: { limit: number; peak: number };
  callsPerHour: { mean: number; peak: number };
  customers: {
    total: number;
    reached: number;
    byFinalResult: Record<string, number>;
    unreached: Record<'total' | 'policy' | 'blocked' | 'filtered' | 'timeRanOut', number>;
  };
  series: { bucket: 'hour' | 'day'; points: Point[] };
  sampled?: { customers: number; of: number; share: number } | null;
}
interface Forecast {
  id: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  createdAt: string;
  error: string | null;
  report: Report | null;
}

const W = 560;
const H = 120;

export function ForecastPanel({ taskId, zone }: { taskId: string; zone?: string }) {
  const { t } = useTranslation('forecast');
  const { api, base, me } = useTenant();
  const client = useQueryClient();
  const key = ['forecasts', base, taskId];
  const list = useQuery({
    queryKey: key,
    queryFn: ({ signal }) =>
      api.get<{ items: Forecast[] }>(`${base}/tasks/${taskId}/forecasts`, undefined, signal),
    refetchInterval: (q) => {
      const s = q.state.data?.items[0]?.state;
      return s === 'queued' || s === 'running' ? 1000 : false;
    },
  });
  const run = useMutation({
    mutationFn: () => api.post<Forecast>(`${base}/tasks/${taskId}/forecast`),
    onSettled: () => client.invalidateQueries({ queryKey: key }),
  });
  const latest = list.data?.items[0];
  const busy = latest?.state === 'queued' || latest?.state === 'running';
  const r = latest?.state === 'done' ? latest.report : null;

  return (
    <Card withBorder data-testid="forecast-panel">
      <Group justify="space-between" mb="xs">
        <Text fw={500}>{t('title')}</Text>
        <Group gap="xs">
          {latest && (
            <Text size="xs" c="dimmed">
              {t('madeAt', { at: fmtTime(latest.createdAt, zone) })}
            </Text>
          )}
          {me.role !== 'viewer' && (
            <Button
              size="xs"
              loading={busy || run.isPending}
              onClick={() => run.mutate()}
              data-testid="forecast-run"
            >
              {latest ? t('runAgain') : t('run')}
            </Button>
          )}
        </Group>
      </Group>
      <Text size="xs" c="dimmed" mb="sm">
        {t('hint')}
      </Text>
      {run.error && <Alert color="red">{messageOf(run.error)}</Alert>}
      {list.error && <Alert color="red">{messageOf(list.error)}</Alert>}
      {!latest && list.isSuccess && <Text c="dimmed">{t('none')}</Text>}
      {busy && <Text data-testid="forecast-busy">{t(latest.state)}</Text>}
      {latest?.state === 'failed' && (
        <Alert color="red">{t('failed', { error: latest.error ?? '' })}</Alert>
      )}
      {r && <Figures report={r} zone={zone} />}
    </Card>
  );
}

function Figures({ report: r, zone }: { report: Report; zone?: string }) {
  const { t } = useTranslation('forecast');
  const u = r.customers.unreached;
  return (
    <Stack gap="sm">
      {r.truncated && (
        <Alert color="yellow">{t('truncated', { at: fmtTime(r.simulatedUntil, zone) })}</Alert>
      )}
      <SimpleGrid cols={4}>
        <Stat
          label={t('finishesAt')}
          value={
            r.finishesAt
              ? fmtTime(r.finishesAt, zone)
              : t('notFinished', { until: fmtTime(r.simulatedUntil, zone) })
          }
          testId="forecast-finishes"
        />
        <Stat
          label={t('callsPerHour')}
          value={t('callsPerHourValue', r.callsPerHour)}
          testId="forecast-calls-per-hour"
        />
        <Stat label={t('channels')} value={t('channelsValue', r.channels)} />
        <Stat
          label={t('reached')}
          value={t('reachedValue', r.customers)}
          testId="forecast-reached"
        />
      </SimpleGrid>
      <SimpleGrid cols={2}>
        <div>
          <Text size="sm" mb={4}>
            {r.series.bucket === 'day' ? t('chartCallsDay') : t('chartCalls')}
          </Text>
          <Bars points={r.series.points} zone={zone} />
        </div>
        <div>
          <Text size="sm" mb={4}>
            {t('chartChannels')}
          </Text>
          <Channels points={r.series.points} limit={r.channels.limit} zone={zone} />
        </div>
      </SimpleGrid>
      <SimpleGrid cols={2}>
        <div>
          <Text size="sm" mb={4}>
            {t('unreached')}: {u.total}
          </Text>
          <Rows
            data={{
              [t('policy')]: u.policy,
              [t('timeRanOut')]: u.timeRanOut,
              [t('blocked')]: u.blocked,
              [t('filtered')]: u.filtered,
            }}
            testId="forecast-unreached"
          />
        </div>
        <div>
          <Text size="sm" mb={4}>
            {t('finalResults')}
          </Text>
          <Rows data={r.customers.byFinalResult} testId="forecast-final-results" />
        </div>
      </SimpleGrid>
      <Text size="xs" c="dimmed">
        {t('model', { source: t(`source.${r.model.source}`, { sample: r.model.sample }) })}
      </Text>
      {r.sampled && (
        <Text size="xs" c="dimmed" data-testid="forecast-sampled">
          {t('sampled', {
            customers: r.sampled.customers.toLocaleString(),
            of: r.sampled.of.toLocaleString(),
            percent: Math.round(r.sampled.share * 1000) / 10,
          })}
        </Text>
      )}
    </Stack>
  );
}

function Stat(props: { label: string; value: string; testId?: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {props.label}
      </Text>
      <Text fw={500} data-testid={props.testId}>
        {props.value}
      </Text>
    </div>
  );
}

function Rows({ data, testId }: { data: Record<string, number>; testId: string }) {
  return (
    <Table data-testid={testId} withRowBorders={false} verticalSpacing={2}>
      <Table.Tbody>
        {Object.entries(data).map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Td>{k}</Table.Td>
            <Table.Td ta="right">{v}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** The bucket's start as the chart's label: "11-23 09:00". */
const label = (at: string, zone?: string) => fmtTime(at, zone).slice(5, 16);

function Bars({ points, zone }: { points: Point[]; zone?: string }) {
  const { t } = useTranslation('forecast');
  const max = Math.max(1, ...points.map((p) => p.calls));
  const bw = W / Math.max(points.length, 10);
  return (
    <svg viewBox={`0 0 ${W} ${H + 18}`} width="100%" role="img" data-testid="forecast-calls-chart">
      {points.map((p, i) => (
        <rect
          key={p.at}
          x={i * bw + 0.5}
          y={H - (p.calls / max) * H}
          width={Math.max(1, bw - 1)}
          height={(p.calls / max) * H}
          fill="var(--mantine-color-blue-6)"
        >
          <title>{t('callsAt', { at: label(p.at, zone), n: p.calls })}</title>
        </rect>
      ))}
      <Axis first={points[0]?.at} last={points.at(-1)?.at} top={`${max}`} zone={zone} />
    </svg>
  );
}

function Channels(props: { points: Point[]; limit: number; zone?: string }) {
  const { t } = useTranslation('forecast');
  const { points, limit, zone } = props;
  const max = Math.max(1, limit, ...points.map((p) => p.peakChannels));
  const x = (i: number) => (points.length > 1 ? (i / (points.length - 1)) * W : W / 2);
  const y = (v: number) => H - (v / max) * H;
  const line = (f: (p: Point) => number) =>
    points.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(f(p)).toFixed(1)}`).join('');
  return (
    <svg
      viewBox={`0 0 ${W} ${H + 18}`}
      width="100%"
      role="img"
      data-testid="forecast-channels-chart"
    >
      <line
        x1={0}
        x2={W}
        y1={y(limit)}
        y2={y(limit)}
        stroke="var(--mantine-color-red-5)"
        strokeDasharray="4 3"
      />
      <path d={line((p) => p.peakChannels)} fill="none" stroke="var(--mantine-color-orange-5)" />
      <path
        d={line((p) => p.meanChannels)}
        fill="none"
        stroke="var(--mantine-color-teal-6)"
        strokeWidth={2}
      />
      {points.map((p, i) => (
        <circle
          key={p.at}
          cx={x(i)}
          cy={y(p.meanChannels)}
          r={2}
          fill="var(--mantine-color-teal-6)"
        >
          <title>
            {t('channelsAt', { at: label(p.at, zone), mean: p.meanChannels, peak: p.peakChannels })}
          </title>
        </circle>
      ))}
      <Axis first={points[0]?.at} last={points.at(-1)?.at} top={`${max}`} zone={zone} />
    </svg>
  );
}

function Axis(props: {
  first?: string | undefined;
  last?: string | undefined;
  top: string;
  zone?: string;
}) {
  return (
    <>
      <text x={0} y={H + 14} fontSize={11}>
        {props.first ? label(props.first, props.zone) : ''}
      </text>
      <text x={W} y={H + 14} fontSize={11} textAnchor="end">
        {props.last ? label(props.last, props.zone) : ''}
      </text>
      <text x={W} y={11} fontSize={11} textAnchor="end">
        {props.top}
      </text>
    </>
  );
}

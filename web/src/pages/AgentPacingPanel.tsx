import { Badge, Card, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { AgentPacingSnapshot } from '../../../src/domain/agent-pacing.ts';

/**
 * A task's pacing by agents as the engine's last tick measured it (progress `agentPacing`): the
 * engine's snapshot, its time as the API sends it (ISO).
 */
export type AgentPacing = Omit<AgentPacingSnapshot, 'at'> & { at: string };

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`);
const sec = (x: number | null) => (x === null ? '–' : `${x.toFixed(1)} s`);

/** The live page's card for tasks paced by a skill queue's agents; nothing for fixed pacing. */
export function AgentPacingPanel({ pacing }: { pacing: AgentPacing | null | undefined }) {
  const { t } = useTranslation('pacing');
  if (pacing === undefined) return null;
  if (pacing === null)
    return (
      <Card withBorder data-testid="agent-pacing">
        <Text c="dimmed">{t('notYet')}</Text>
      </Card>
    );
  const figures: [string, string, string][] = [
    ['occupancy', t('occupancy'), pct(pacing.occupancy)],
    [
      'abandon',
      t('abandonRate'),
      `${pct(pacing.abandonRate)} (${pacing.abandoned}/${pacing.outcomes})`,
    ],
    ['wait', t('wait'), `${sec(pacing.waitP50Sec)} / ${sec(pacing.waitP95Sec)}`],
    [
      'agents',
      t('agents'),
      t('agentsValue', {
        ready: pacing.ready ?? '–',
        busy: pacing.busy ?? '–',
        loggedIn: pacing.loggedIn ?? '–',
      }),
    ],
    ['waiting', t('waiting'), String(pacing.waiting)],
    ['reach', t('reachRate'), pct(pacing.reachRate)],
  ];
  return (
    <Card withBorder data-testid="agent-pacing">
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={500}>
            {t('title', { mode: t(`mode.${pacing.mode}`), queue: pacing.queueId })}
          </Text>
          {pacing.paused ? (
            <Badge color="orange" data-testid="agent-pacing-paused">
              {t(`paused.${pacing.paused}`)}
            </Badge>
          ) : (
            <Badge color="green">{t('dialing')}</Badge>
          )}
        </Group>
        <SimpleGrid cols={{ base: 2, md: 3 }}>
          {figures.map(([id, label, value]) => (
            <div key={id}>
              <Text size="xs" c="dimmed">
                {label}
              </Text>
              <Text data-testid={`agent-pacing-${id}`}>{value}</Text>
            </div>
          ))}
        </SimpleGrid>
      </Stack>
    </Card>
  );
}

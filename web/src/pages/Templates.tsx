import { useState } from 'react';
import { Alert, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { usePlainError } from '../lib/plain.ts';
import { useNames } from '../lib/queries.ts';
import { useTenant } from '../session.tsx';
import { navigate } from '../router.tsx';
import { fmtTime } from '../lib/format.ts';
import type { Template } from '../types.ts';

/** Outbound call templates: start a new task from one (the wizard opens with its presets). */
export function Templates() {
  const { t } = useTranslation('pages');
  const plain = usePlainError();
  const { api, base } = useTenant();
  const ouName = useNames('ous');
  const list = useQuery({
    queryKey: [base, 'templates'],
    queryFn: ({ signal }) => api.get<{ items: Template[] }>(`${base}/templates`, undefined, signal),
  });
  const [error, setError] = useState<string | null>(null);
  return (
    <Stack>
      <Title order={2}>{t('common:nav.templates')}</Title>
      <Text size="sm" c="dimmed">
        {t('templates.help')}
      </Text>
      {error && <Alert color="red">{error}</Alert>}
      <Table data-testid="template-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('templates.name')}</Table.Th>
            <Table.Th>{t('templates.type')}</Table.Th>
            <Table.Th>{t('common:ou')}</Table.Th>
            <Table.Th>{t('common:created')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(list.data?.items ?? []).map((x) => (
            <Table.Tr key={x.id}>
              <Table.Td>{x.name}</Table.Td>
              <Table.Td>
                {x.config.type ? t(`common:taskTypesShort.${x.config.type}`) : '—'}
              </Table.Td>
              <Table.Td>{ouName(x.ouId) ?? t('common:unorganized')}</Table.Td>
              <Table.Td>{fmtTime(x.createdAt)}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  <Button
                    size="compact-xs"
                    onClick={() =>
                      navigate(`/tasks/new?template=${x.id}&type=${x.config.type ?? 'ivr'}`)
                    }
                  >
                    {t('templates.newTask')}
                  </Button>
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    color="red"
                    onClick={async () => {
                      try {
                        await api.del(`${base}/templates/${x.id}`);
                        await list.refetch();
                      } catch (e) {
                        setError(plain(e));
                      }
                    }}
                  >
                    {t('common:delete')}
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
          {list.data && list.data.items.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={5}>
                <Text c="dimmed">{t('templates.none')}</Text>
              </Table.Td>
            </Table.Tr>
          )}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

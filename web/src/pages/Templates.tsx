import { useState } from 'react';
import { Alert, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { messageOf } from '../api.ts';
import { useTenant } from '../session.tsx';
import { navigate } from '../router.tsx';
import { useLoad } from '../lib/hooks.ts';
import { fmtTime } from '../lib/format.ts';
import type { Template } from '../types.ts';

/** Outbound call templates: start a new task from one (the wizard opens with its presets). */
export function Templates() {
  const { api, base } = useTenant();
  const list = useLoad(() => api.get<{ items: Template[] }>(`${base}/templates`), [base]);
  const [error, setError] = useState<string | null>(null);
  return (
    <Stack>
      <Title order={2}>Templates</Title>
      <Text size="sm" c="dimmed">
        Save a template from the task wizard (Save as template). A task created from a template
        starts with its settings; change anything before saving.
      </Text>
      {error && <Alert color="red">{error}</Alert>}
      <Table data-testid="template-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>OU</Table.Th>
            <Table.Th>Created</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(list.data?.items ?? []).map((t) => (
            <Table.Tr key={t.id}>
              <Table.Td>{t.name}</Table.Td>
              <Table.Td>{t.config.type ?? '—'}</Table.Td>
              <Table.Td>{t.ouId ?? 'Unorganized'}</Table.Td>
              <Table.Td>{fmtTime(t.createdAt)}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  <Button
                    size="compact-xs"
                    onClick={() =>
                      navigate(`/tasks/new?template=${t.id}&type=${t.config.type ?? 'ivr'}`)
                    }
                  >
                    New task from template
                  </Button>
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    color="red"
                    onClick={async () => {
                      try {
                        await api.del(`${base}/templates/${t.id}`);
                        list.reload();
                      } catch (e) {
                        setError(messageOf(e));
                      }
                    }}
                  >
                    Delete
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

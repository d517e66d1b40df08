import { useEffect, useState } from 'react';
import {
  Alert,
  Button,
  Group,
  Modal,
  MultiSelect,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Resource } from '../types.ts';
import { ouLabel } from './model.ts';

/**
 * Select Caller Number (the seed's follow-up procedure): the selected numbers are listed; Add
 * offers only numbers not yet selected, up to the tenant's limit; or exactly one number group
 * instead — never both.
 */
export function CallerNumberDialog(props: {
  opened: boolean;
  onClose: () => void;
  numbers: Resource[];
  groups: Resource[];
  selected: string[];
  groupId: string | null;
  limit: number;
  ous?: Resource[];
  onOk: (numbers: string[], groupId: string | null) => void;
}) {
  const { t } = useTranslation('wizard');
  const [mode, setMode] = useState<'numbers' | 'group'>('numbers');
  const [list, setList] = useState<string[]>([]);
  const [group, setGroup] = useState<string | null>(null);
  const [adding, setAdding] = useState<string[] | null>(null);

  // Starts from the task's current choice each time the dialog opens.
  const { opened, selected, groupId } = props;
  useEffect(() => {
    if (!opened) return;
    setMode(groupId ? 'group' : 'numbers');
    setList(selected);
    setGroup(groupId);
    setAdding(null);
  }, [opened]);

  const left = props.limit - list.length;
  const candidates = props.numbers.filter((n) => !list.includes(String(n.number ?? n.id)));
  const ok = () => {
    if (mode === 'group') props.onOk([], group);
    else props.onOk(list, null);
    props.onClose();
  };

  return (
    <Modal opened={props.opened} onClose={props.onClose} title={t('callers.title')} size="lg">
      <Stack>
        <SegmentedControl
          value={mode}
          onChange={(v) => setMode(v as 'numbers' | 'group')}
          data={[
            { value: 'numbers', label: t('callers.numbers') },
            { value: 'group', label: t('field.callerGroupId') },
          ]}
          data-testid="caller-mode"
        />
        <Text size="xs" c="dimmed">
          {t('callers.help', { n: props.limit })}
        </Text>
        {mode === 'numbers' ? (
          <>
            <Group justify="space-between">
              <Text size="sm" data-testid="caller-count">
                {t('callers.count', { n: list.length, limit: props.limit })}
              </Text>
              <Button
                size="xs"
                onClick={() => setAdding([])}
                disabled={left <= 0 || candidates.length === 0}
                title={left <= 0 ? t('callers.limitReached', { n: props.limit }) : undefined}
                data-testid="caller-add"
              >
                {t('callers.add')}
              </Button>
            </Group>
            {adding && (
              <Group align="end">
                <MultiSelect
                  style={{ flex: 1 }}
                  label={t('callers.toAdd')}
                  data={candidates.map((n) => ({
                    value: String(n.number ?? n.id),
                    label: `${String(n.number ?? n.id)} · ${ouLabel(n, props.ous)}`,
                  }))}
                  value={adding}
                  onChange={(v) => setAdding(v.slice(0, Math.max(0, left)))}
                  searchable
                  maxValues={Math.max(0, left)}
                  data-testid="caller-add-select"
                />
                <Button
                  onClick={() => {
                    setList([...list, ...adding]);
                    setAdding(null);
                  }}
                  disabled={!adding.length}
                  data-testid="caller-add-ok"
                >
                  {t('callers.addSelected')}
                </Button>
              </Group>
            )}
            <Table data-testid="caller-selected">
              <Table.Tbody>
                {list.map((n) => (
                  <Table.Tr key={n}>
                    <Table.Td>{n}</Table.Td>
                    <Table.Td w={90}>
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        color="red"
                        onClick={() => setList(list.filter((x) => x !== n))}
                      >
                        {t('common:remove')}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </>
        ) : (
          <Select
            label={t('field.callerGroupId')}
            data={props.groups.map((g) => ({
              value: g.id,
              label: `${String(g.name ?? g.id)} (${t('callers.groupSize', { n: (g.numbers as string[] | undefined)?.length ?? 0 })}) · ${ouLabel(g, props.ous)}`,
            }))}
            value={group}
            onChange={setGroup}
            data-testid="caller-group"
          />
        )}
        {mode === 'group' && list.length > 0 && (
          <Alert color="yellow">{t('callers.replaces', { n: list.length })}</Alert>
        )}
        <Group justify="end">
          <Button variant="default" onClick={props.onClose} data-testid="caller-cancel">
            {t('common:cancel')}
          </Button>
          <Button onClick={ok} data-testid="caller-ok">
            {t('common:ok')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

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
  onOk: (numbers: string[], groupId: string | null) => void;
}) {
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
    <Modal opened={props.opened} onClose={props.onClose} title="Select caller number" size="lg">
      <Stack>
        <SegmentedControl
          value={mode}
          onChange={(v) => setMode(v as 'numbers' | 'group')}
          data={[
            { value: 'numbers', label: 'Caller numbers' },
            { value: 'group', label: 'Number group' },
          ]}
          data-testid="caller-mode"
        />
        <Text size="xs" c="dimmed">
          A task uses up to {props.limit} caller numbers or exactly one number group, not both.
          Choosing one replaces the other when you click OK.
        </Text>
        {mode === 'numbers' ? (
          <>
            <Group justify="space-between">
              <Text size="sm" data-testid="caller-count">
                {list.length} of at most {props.limit} selected
              </Text>
              <Button
                size="xs"
                onClick={() => setAdding([])}
                disabled={left <= 0 || candidates.length === 0}
                title={left <= 0 ? `the limit of ${props.limit} numbers is reached` : undefined}
                data-testid="caller-add"
              >
                Add
              </Button>
            </Group>
            {adding && (
              <Group align="end">
                <MultiSelect
                  style={{ flex: 1 }}
                  label="Numbers to add"
                  data={candidates.map((n) => ({
                    value: String(n.number ?? n.id),
                    label: `${String(n.number ?? n.id)} · ${ouLabel(n)}`,
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
                  Add selected
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
                        Remove
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </>
        ) : (
          <Select
            label="Number group"
            data={props.groups.map((g) => ({
              value: g.id,
              label: `${String(g.name ?? g.id)} (${(g.numbers as string[] | undefined)?.length ?? 0} numbers) · ${ouLabel(g)}`,
            }))}
            value={group}
            onChange={setGroup}
            data-testid="caller-group"
          />
        )}
        {mode === 'group' && list.length > 0 && (
          <Alert color="yellow">
            OK replaces the {list.length} selected number(s) by the group.
          </Alert>
        )}
        <Group justify="end">
          <Button variant="default" onClick={props.onClose} data-testid="caller-cancel">
            Cancel
          </Button>
          <Button onClick={ok} data-testid="caller-ok">
            OK
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

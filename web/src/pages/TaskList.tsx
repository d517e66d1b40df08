import { useState } from 'react';
import {
  Alert,
  Badge,
  Button,
  Group,
  Menu,
  Progress,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { messageOf } from '../api.ts';
import { useTenant } from '../session.tsx';
import { Link, navigate } from '../router.tsx';
import { listAll, useLoad, usePoll } from '../lib/hooks.ts';
import { STATE_COLORS, whyNot, type Operation } from '../lib/lifecycle.ts';
import type { Progress as TaskProgress, Task, TaskState } from '../types.ts';
import { PageButtons, useKeyset } from '../lib/paging.tsx';

const STATES: TaskState[] = ['draft', 'running', 'suspended', 'completed', 'expired'];

/** A button that, when the operation is not allowed, stays visible, disabled, with the reason. */
export function OpButton(props: {
  label: string;
  reason: string | null;
  onClick: () => void;
  color?: string;
  testId?: string;
}) {
  const { reason } = props;
  return (
    <Tooltip label={reason ?? ''} disabled={!reason} withArrow multiline w={260}>
      <span>
        <Button
          size="compact-xs"
          variant="light"
          color={props.color}
          disabled={!!reason}
          title={reason ?? undefined}
          onClick={props.onClick}
          data-testid={props.testId}
        >
          {props.label}
        </Button>
      </span>
    </Tooltip>
  );
}

export function resultsSummary(p: TaskProgress | undefined): string {
  if (!p) return '—';
  const parts = Object.entries(p.finalResults)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${r} ${n}`);
  return parts.length ? parts.join(' · ') : 'no results yet';
}

export function TaskList() {
  const { api, me, base } = useTenant();
  const [state, setState] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [ouId, setOuId] = useState<string | null>(null);
  const pages = useKeyset<string>();
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<Record<string, TaskProgress>>({});
  const cursor = pages.current;

  const ous = useLoad((s) => listAll(api, `${base}/ous`, s), [base]);
  const page = useLoad(
    (signal) =>
      api.get<{ items: Task[]; next: string | null }>(
        `${base}/tasks`,
        { state, name, ouId, cursor, limit: 20 },
        signal,
      ),
    [base, state, name, ouId, cursor],
  );
  const tasks = page.data?.items ?? [];

  usePoll(
    async () => {
      const entries = await Promise.all(
        tasks.map(async (t) => [
          t.id,
          await api.get<TaskProgress>(`${base}/tasks/${t.id}/progress`),
        ]),
      );
      setProgress(Object.fromEntries(entries));
    },
    2000,
    tasks.length > 0,
  );

  const readOnly = me.role === 'viewer' ? 'this key is read-only (viewer)' : null;
  const reason = (op: Operation, t: Task) => {
    const s = progress[t.id]?.state ?? t.state;
    return op === 'contacts' ? whyNot(op, s) : (readOnly ?? whyNot(op, s));
  };

  const act = async (t: Task, op: 'start' | 'suspend' | 'delete') => {
    setError(null);
    try {
      if (op === 'delete') {
        if (!window.confirm(`Delete task "${t.name}"?`)) return;
        await api.del(`${base}/tasks/${t.id}`);
      } else {
        const next = await api.post<Task>(`${base}/tasks/${t.id}/${op}`);
        // Shown at once; the next progress poll confirms it.
        setProgress((p) => (p[t.id] ? { ...p, [t.id]: { ...p[t.id]!, state: next.state } } : p));
      }
      page.reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const filterChanged =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      pages.reset();
      set(v);
    };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Call management</Title>
        <Menu>
          <Menu.Target>
            <Button disabled={!!readOnly} data-testid="new-task">
              New
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item onClick={() => navigate('/tasks/new?type=ivr')} data-testid="new-ivr">
              Common IVR outbound call
            </Menu.Item>
            <Menu.Item onClick={() => navigate('/tasks/new?type=robot')} data-testid="new-robot">
              Robot outbound call
            </Menu.Item>
            <Menu.Item onClick={() => navigate('/templates')}>From a template…</Menu.Item>
          </Menu.Dropdown>
        </Menu>
      </Group>
      <Group>
        <TextInput
          placeholder="Name contains…"
          value={name}
          onChange={(e) => filterChanged(setName)(e.currentTarget.value)}
          data-testid="filter-name"
        />
        <Select
          placeholder="Any state"
          clearable
          data={STATES}
          value={state}
          onChange={filterChanged(setState)}
          data-testid="filter-state"
        />
        {me.role !== 'ou_operator' && (
          <Select
            placeholder="Any OU"
            clearable
            data={[
              { value: 'none', label: 'Unorganized' },
              ...(ous.data ?? []).map((o) => ({ value: o.id, label: String(o.name ?? o.id) })),
            ]}
            value={ouId}
            onChange={filterChanged(setOuId)}
          />
        )}
      </Group>
      {error && (
        <Alert color="red" withCloseButton onClose={() => setError(null)} data-testid="task-error">
          {error}
        </Alert>
      )}
      {page.error ? <Alert color="red">{messageOf(page.error)}</Alert> : null}
      <Table striped highlightOnHover data-testid="task-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>OU</Table.Th>
            <Table.Th>Priority</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th w={180}>Progress</Table.Th>
            <Table.Th>Results so far</Table.Th>
            <Table.Th>Operation</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tasks.map((t) => {
            const p = progress[t.id];
            const s = p?.state ?? t.state;
            const done = p ? (p.byState.finished ?? 0) : 0;
            const pct = p && p.total ? (100 * done) / p.total : 0;
            return (
              <Table.Tr key={t.id} data-testid={`task-row-${t.name}`}>
                <Table.Td>
                  <Link to={`/tasks/${t.id}`}>{t.name}</Link>
                </Table.Td>
                <Table.Td>{t.type === 'robot' ? 'Robot' : 'IVR'}</Table.Td>
                <Table.Td>{t.ouId ?? 'Unorganized'}</Table.Td>
                <Table.Td>{t.priority}</Table.Td>
                <Table.Td>
                  <Badge color={STATE_COLORS[s]} data-testid="task-state">
                    {s}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Progress value={pct} size="lg" transitionDuration={0} />
                  <Text size="xs" c="dimmed">
                    {p ? `${done} / ${p.total} customers finished` : '…'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs">{resultsSummary(p)}</Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <OpButton
                      label="Contact list"
                      reason={reason('contacts', t)}
                      onClick={() => navigate(`/tasks/${t.id}/contacts`)}
                      testId="op-contacts"
                    />
                    <OpButton
                      label="Start"
                      color="green"
                      reason={reason('start', t)}
                      onClick={() => void act(t, 'start')}
                      testId="op-start"
                    />
                    <OpButton
                      label="Suspend"
                      color="yellow"
                      reason={reason('suspend', t)}
                      onClick={() => void act(t, 'suspend')}
                      testId="op-suspend"
                    />
                    <OpButton
                      label="Edit"
                      reason={reason('edit', t)}
                      onClick={() => navigate(`/tasks/${t.id}/edit`)}
                      testId="op-edit"
                    />
                    <OpButton
                      label="Delete"
                      color="red"
                      reason={reason('delete', t)}
                      onClick={() => void act(t, 'delete')}
                      testId="op-delete"
                    />
                  </Group>
                </Table.Td>
              </Table.Tr>
            );
          })}
          {!page.loading && tasks.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={8}>
                <Text c="dimmed">No tasks. Click New to create one.</Text>
              </Table.Td>
            </Table.Tr>
          )}
        </Table.Tbody>
      </Table>
      <PageButtons pages={pages} next={page.data?.next} />
    </Stack>
  );
}

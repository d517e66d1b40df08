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
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useTenant } from '../session.tsx';
import { Link, navigate } from '../router.tsx';
import { keys, useInvalidate, useNames, useProgress, useResources } from '../lib/queries.ts';
import { usePlainError } from '../lib/plain.ts';
import { useNotice } from '../lib/notice.ts';
import { STATE_COLORS, whyNot, type Operation } from '../lib/lifecycle.ts';
import type { Progress as TaskProgress, Task, TaskState } from '../types.ts';
import { PageButtons, useKeyset } from '../lib/paging.tsx';
import { SavedNotice } from './SavedNotice.tsx';
import { fmtResult } from '../lib/format.ts';

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

export function resultsSummary(p: TaskProgress | undefined, none: string): string {
  if (!p) return '—';
  const parts = Object.entries(p.finalResults)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${fmtResult(r)} ${n}`);
  return parts.length ? parts.join(' · ') : none;
}

export function TaskList() {
  const { t } = useTranslation('pages');
  const plain = usePlainError();
  const { api, me, base } = useTenant();
  const client = useQueryClient();
  const invalidate = useInvalidate();
  const [state, setState] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [ouId, setOuId] = useState<string | null>(null);
  const pages = useKeyset<string>();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useNotice();
  const cursor = pages.current;

  const ous = useResources('ous');
  const ouName = useNames('ous');
  const filters = { state, name, ouId, cursor, limit: 20 };
  const page = useQuery({
    queryKey: [...keys.tasks(base), 'list', filters],
    queryFn: ({ signal }) =>
      api.get<{ items: Task[]; next: string | null }>(`${base}/tasks`, filters, signal),
    placeholderData: (prev) => prev,
  });
  const tasks = page.data?.items ?? [];
  const filtered = !!(state || name || ouId);

  const readOnly = me.role === 'viewer' ? t('common:readOnly') : null;
  const reason = (op: Operation, x: Task, s: TaskState) =>
    op === 'contacts' ? whyNot(op, s) : (readOnly ?? whyNot(op, s));

  const act = async (x: Task, op: 'start' | 'suspend' | 'delete') => {
    setError(null);
    setNotice(null);
    try {
      if (op === 'delete') {
        if (!window.confirm(t('taskList.confirmDelete', { name: x.name }))) return;
        await api.del(`${base}/tasks/${x.id}`);
        setNotice(t('taskList.deleted', { name: x.name }));
      } else {
        const next = await api.post<Task>(`${base}/tasks/${x.id}/${op}`);
        // Shown at once; the next progress poll confirms it.
        client.setQueryData<TaskProgress>(keys.progress(base, x.id), (p) =>
          p ? { ...p, state: next.state } : p,
        );
      }
      await invalidate('tasks');
    } catch (e) {
      setError(plain(e));
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
        <Title order={2}>{t('common:nav.tasks')}</Title>
        <Menu>
          <Menu.Target>
            <Button disabled={!!readOnly} data-testid="new-task">
              {t('taskList.new')}
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item onClick={() => navigate('/tasks/new?type=ivr')} data-testid="new-ivr">
              {t('common:taskTypes.ivr')}
            </Menu.Item>
            <Menu.Item onClick={() => navigate('/tasks/new?type=robot')} data-testid="new-robot">
              {t('common:taskTypes.robot')}
            </Menu.Item>
            <Menu.Item onClick={() => navigate('/templates')}>
              {t('taskList.fromTemplate')}
            </Menu.Item>
          </Menu.Dropdown>
        </Menu>
      </Group>
      <Group>
        <TextInput
          placeholder={t('taskList.nameContains')}
          value={name}
          onChange={(e) => filterChanged(setName)(e.currentTarget.value)}
          data-testid="filter-name"
        />
        <Select
          placeholder={t('common:anyState')}
          clearable
          data={STATES.map((s) => ({ value: s, label: t(`common:states.${s}`) }))}
          value={state}
          onChange={filterChanged(setState)}
          data-testid="filter-state"
        />
        {me.role !== 'ou_operator' && (
          <Select
            placeholder={t('taskList.anyOu')}
            clearable
            data={[
              { value: 'none', label: t('common:unorganized') },
              ...(ous.data ?? []).map((o) => ({ value: o.id, label: String(o.name ?? o.id) })),
            ]}
            value={ouId}
            onChange={filterChanged(setOuId)}
          />
        )}
      </Group>
      <SavedNotice message={notice} onClose={() => setNotice(null)} />
      {error && (
        <Alert color="red" withCloseButton onClose={() => setError(null)} data-testid="task-error">
          {error}
        </Alert>
      )}
      {page.error ? <Alert color="red">{plain(page.error)}</Alert> : null}
      <Table.ScrollContainer minWidth={1100}>
        <Table striped highlightOnHover data-testid="task-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('taskList.name')}</Table.Th>
              <Table.Th>{t('taskList.type')}</Table.Th>
              <Table.Th>{t('common:ou')}</Table.Th>
              <Table.Th>{t('taskList.priority')}</Table.Th>
              <Table.Th miw={110}>{t('taskList.state')}</Table.Th>
              <Table.Th w={180}>{t('taskList.progress')}</Table.Th>
              <Table.Th>{t('taskList.results')}</Table.Th>
              <Table.Th>{t('taskList.operation')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {tasks.map((x) => (
              <TaskRow
                key={x.id}
                task={x}
                ouName={ouName(x.ouId) ?? t('common:unorganized')}
                reason={reason}
                act={act}
              />
            ))}
            {!page.isFetching && tasks.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={8}>
                  <Text c="dimmed" data-testid="task-empty">
                    {filtered ? t('taskList.noMatch') : t('taskList.none')}
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <PageButtons pages={pages} next={page.data?.next} />
    </Stack>
  );
}

/** One task; its progress is the task's shared query (polled once however often it is shown). */
function TaskRow(props: {
  task: Task;
  ouName: string;
  reason: (op: Operation, t: Task, s: TaskState) => string | null;
  act: (t: Task, op: 'start' | 'suspend' | 'delete') => Promise<void>;
}) {
  const { t } = useTranslation('pages');
  const { task: x, reason, act } = props;
  const p = useProgress(x.id).data;
  const s = p?.state ?? x.state;
  const done = p ? (p.byState.finished ?? 0) : 0;
  const pct = p && p.total ? (100 * done) / p.total : 0;
  return (
    <Table.Tr data-testid={`task-row-${x.name}`}>
      <Table.Td>
        <Link to={`/tasks/${x.id}`}>{x.name}</Link>
      </Table.Td>
      <Table.Td>{t(`common:taskTypesShort.${x.type === 'robot' ? 'robot' : 'ivr'}`)}</Table.Td>
      <Table.Td data-testid="task-ou">{props.ouName}</Table.Td>
      <Table.Td>{x.priority}</Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        {/* The whole state, never "CO…": the label keeps its width and the table scrolls. */}
        <Badge
          color={STATE_COLORS[s]}
          data-testid="task-state"
          styles={{ root: { overflow: 'visible' }, label: { overflow: 'visible' } }}
        >
          {t(`common:states.${s}`)}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Progress value={pct} size="lg" transitionDuration={0} />
        <Text size="xs" c="dimmed">
          {p ? t('taskList.finished', { done, total: p.total }) : '…'}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="xs">{resultsSummary(p, t('taskList.noResults'))}</Text>
      </Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap">
          <OpButton
            label={t('ops.contacts')}
            reason={reason('contacts', x, s)}
            onClick={() => navigate(`/tasks/${x.id}/contacts`)}
            testId="op-contacts"
          />
          <OpButton
            label={t('ops.start')}
            color="green"
            reason={reason('start', x, s)}
            onClick={() => void act(x, 'start')}
            testId="op-start"
          />
          <OpButton
            label={t('ops.suspend')}
            color="yellow"
            reason={reason('suspend', x, s)}
            onClick={() => void act(x, 'suspend')}
            testId="op-suspend"
          />
          <OpButton
            label={t('ops.edit')}
            reason={reason('edit', x, s)}
            onClick={() => navigate(`/tasks/${x.id}/edit`)}
            testId="op-edit"
          />
          <OpButton
            label={t('ops.delete')}
            color="red"
            reason={reason('delete', x, s)}
            onClick={() => void act(x, 'delete')}
            testId="op-delete"
          />
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

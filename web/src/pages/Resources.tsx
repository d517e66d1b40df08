import { useState } from 'react';
import {
  Alert,
  Badge,
  Button,
  Group,
  List,
  Modal,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { ApiError, messageOf } from '../api.ts';
import { useTenant } from '../session.tsx';
import { listAll, useLoad, type ResourceKind } from '../lib/hooks.ts';
import { describeSpecial } from '../wizard/WindowsStep.tsx';
import type { Resource } from '../types.ts';

interface PageDef {
  kind: ResourceKind;
  title: string;
  summary: (r: Resource) => string;
  example: Record<string, unknown>;
}

const list = (v: unknown) => (Array.isArray(v) ? v.join(', ') : '');

/** The resources a task selects (product.md Appendix C), one page per kind. */
export const RESOURCE_PAGES: PageDef[] = [
  {
    kind: 'caller-numbers',
    title: 'Caller numbers',
    summary: () => '',
    example: { number: '+862188880003', ouId: null },
  },
  {
    kind: 'caller-groups',
    title: 'Caller number groups',
    summary: (r) => list(r.numbers),
    example: { id: 'grp-1', name: 'Main numbers', ouId: null, numbers: ['+862188880001'] },
  },
  {
    kind: 'special-dates',
    title: 'Special dates',
    summary: (r) => describeSpecial(r),
    example: { id: 'weekend', name: 'Weekends', ouId: null, type: 'weekday', weekdays: [6, 7] },
  },
  {
    kind: 'blocklists',
    title: 'Blocklists',
    summary: (r) => `${(r.entries as unknown[] | undefined)?.length ?? 0} numbers`,
    example: {
      id: 'bl-default',
      name: 'Do not call',
      ouId: null,
      entries: [{ number: '+8613800000099', expiresAt: null, restrict: null }],
    },
  },
  {
    kind: 'sms-templates',
    title: 'SMS templates',
    summary: (r) => `${String(r.type)}: ${String(r.text)}`,
    example: {
      id: 'sms-missed',
      type: 'cloud',
      ouId: null,
      text: 'Dear customer, we tried to reach you.',
    },
  },
  {
    kind: 'attributes',
    title: 'Data attributes',
    summary: (r) =>
      `${String(r.type)}${r.mandatory ? ', mandatory' : ''}${r.encrypted ? ', encrypted' : ''}`,
    example: {
      code: 'city',
      name: 'City',
      ouId: null,
      type: 'string',
      mandatory: false,
      encrypted: false,
    },
  },
  {
    kind: 'number-types',
    title: 'Number types',
    summary: () => '',
    example: { id: 'mobile', name: 'Mobile', ouId: null },
  },
  {
    kind: 'business-results',
    title: 'Business results',
    summary: (r) =>
      ((r.subResults as { code: string }[] | undefined) ?? []).map((s) => s.code).join(', '),
    example: {
      id: 'interested',
      name: 'Interested',
      ouId: null,
      subResults: [{ code: 'callback', name: 'Call back later' }],
    },
  },
  {
    kind: 'result-definitions',
    title: 'Result definitions',
    summary: (r) => `${String(r.label)}: ${list(r.results)}`,
    example: {
      code: 'R-NOREACH',
      label: 'Not reached',
      ouId: null,
      results: ['no_answer', 'ring_timeout'],
    },
  },
  {
    kind: 'skill-queues',
    title: 'Skill queues',
    summary: () => '',
    example: { id: 'vip-care', name: 'VIP care', ouId: null },
  },
  {
    kind: 'questionnaires',
    title: 'Questionnaires',
    summary: (r) =>
      `${String(r.kind)}, ${(r.questions as unknown[] | undefined)?.length ?? 0} questions`,
    example: {
      id: 'q-satisfaction',
      name: 'Satisfaction',
      ouId: null,
      kind: 'ivr',
      questions: [{ id: 'q1', text: 'Press 1 to 5', answers: ['1', '2', '3', '4', '5'] }],
    },
  },
  {
    kind: 'flows',
    title: 'IVR flows',
    summary: (r) =>
      `${Object.keys((r.document as object | undefined) ?? {}).length ? 'with document' : 'empty document'}`,
    example: { id: 'flow-notice', name: 'Notice', ouId: null, status: 'draft', document: {} },
  },
  {
    kind: 'robots',
    title: 'Robots',
    summary: (r) => String(r.endpoint ?? ''),
    example: {
      id: 'robot-1',
      name: 'Sales robot',
      ouId: null,
      status: 'draft',
      endpoint: null,
      document: {},
    },
  },
  {
    kind: 'ous',
    title: 'Organization units',
    summary: () => '',
    example: { id: 'ou-sales', name: 'Sales' },
  },
];

const idOf = (kind: ResourceKind, r: Resource) =>
  kind === 'caller-numbers'
    ? String(r.number ?? r.id)
    : kind === 'attributes' || kind === 'result-definitions'
      ? String(r.code ?? r.id)
      : r.id;

export function Resources({ kind }: { kind: string }) {
  const { api, base, me } = useTenant();
  const def = RESOURCE_PAGES.find((p) => p.kind === kind);
  const path = `${base}/${kind}`;
  const items = useLoad((s) => listAll(api, path, s), [path]);
  const [editing, setEditing] = useState<{ id: string | null; text: string } | null>(null);
  const [errors, setErrors] = useState<{
    title: string;
    fields: { path: string; message: string }[];
  } | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!def) return <Text>Unknown resource kind {kind}.</Text>;
  const canWrite = me.role === 'tenant_admin' || me.role === 'system_admin';
  const publishable = kind === 'flows' || kind === 'robots';

  const run = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      items.reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const save = async () => {
    if (!editing) return;
    setErrors(null);
    let doc: unknown;
    try {
      doc = JSON.parse(editing.text);
    } catch (e) {
      setErrors({ title: `Not JSON: ${(e as Error).message}`, fields: [] });
      return;
    }
    try {
      if (editing.id) await api.put(`${path}/${encodeURIComponent(editing.id)}`, doc);
      else await api.post(path, doc);
      setEditing(null);
      items.reload();
    } catch (e) {
      setErrors({
        title: messageOf(e).split(' — ')[0]!,
        fields: e instanceof ApiError ? e.fieldErrors : [],
      });
    }
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{def.title}</Title>
        <Button
          disabled={!canWrite}
          title={canWrite ? undefined : 'only a tenant administrator may change resources'}
          onClick={() => {
            setErrors(null);
            setEditing({ id: null, text: JSON.stringify(def.example, null, 2) });
          }}
          data-testid="resource-new"
        >
          New
        </Button>
      </Group>
      {error && <Alert color="red">{error}</Alert>}
      <Table striped data-testid="resource-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Id</Table.Th>
            <Table.Th>Name</Table.Th>
            <Table.Th>OU</Table.Th>
            <Table.Th>Details</Table.Th>
            {publishable && <Table.Th>Status</Table.Th>}
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(items.data ?? []).map((r) => {
            const id = idOf(def.kind, r);
            return (
              <Table.Tr key={id} data-testid={`resource-${id}`}>
                <Table.Td>{id}</Table.Td>
                <Table.Td>{String(r.name ?? r.label ?? '')}</Table.Td>
                <Table.Td>{r.ouId ?? 'Unorganized'}</Table.Td>
                <Table.Td>
                  <Text size="sm" lineClamp={2}>
                    {def.summary(r)}
                  </Text>
                </Table.Td>
                {publishable && (
                  <Table.Td>
                    <Badge color={r.status === 'published' ? 'green' : 'gray'}>
                      {String(r.status)}
                    </Badge>
                  </Table.Td>
                )}
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    {publishable && (
                      <Button
                        size="compact-xs"
                        variant="light"
                        disabled={!canWrite}
                        onClick={() =>
                          void run(() =>
                            api.post(
                              `${path}/${encodeURIComponent(id)}/${r.status === 'published' ? 'unpublish' : 'publish'}`,
                            ),
                          )
                        }
                        data-testid="resource-publish"
                      >
                        {r.status === 'published' ? 'Unpublish' : 'Publish'}
                      </Button>
                    )}
                    <Button
                      size="compact-xs"
                      variant="light"
                      disabled={!canWrite}
                      onClick={() => {
                        setErrors(null);
                        setEditing({ id, text: JSON.stringify(r, null, 2) });
                      }}
                    >
                      Edit
                    </Button>
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      color="red"
                      disabled={!canWrite}
                      onClick={() => {
                        if (window.confirm(`Delete ${id}?`))
                          void run(() => api.del(`${path}/${encodeURIComponent(id)}`));
                      }}
                    >
                      Delete
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      <Modal
        opened={!!editing}
        onClose={() => setEditing(null)}
        title={editing?.id ? `Edit ${editing.id}` : `New (${def.title})`}
        size="lg"
      >
        <Stack>
          <Textarea
            autosize
            minRows={10}
            styles={{ input: { fontFamily: 'monospace' } }}
            value={editing?.text ?? ''}
            onChange={(e) => {
              const text = e.currentTarget.value;
              setEditing((x) => (x ? { ...x, text } : x));
            }}
            data-testid="resource-json"
          />
          {errors && (
            <Alert color="red" title={errors.title} data-testid="resource-errors">
              <List size="sm">
                {errors.fields.map((f, i) => (
                  <List.Item key={i}>
                    <code>{f.path}</code> {f.message}
                  </List.Item>
                ))}
              </List>
            </Alert>
          )}
          <Group justify="end">
            <Button onClick={() => void save()} data-testid="resource-save">
              Save
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

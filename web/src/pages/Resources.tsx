import { useState } from 'react';
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Modal,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { messageOf } from '../api.ts';
import { i18n } from '../i18n/index.ts';
import { useTenant } from '../session.tsx';
import { RESOURCE_KINDS, type ResourceKind } from '../lib/hooks.ts';
import type { Resource } from '../types.ts';
import { FlowDesigner } from '../flow/FlowDesigner.tsx';
import { ResourceForm } from '../resources/ResourceForm.tsx';
import type { FormContext } from '../resources/form-kit.tsx';
import { useInvalidateResources, useResourceList } from '../resources/queries.ts';
import { ID_FIELD } from '../resources/schemas.ts';
import { summary } from '../resources/summaries.ts';

/** The order of the Resources menu: what a task needs first comes first. */
const ORDER: ResourceKind[] = [
  'caller-numbers',
  'caller-groups',
  'special-dates',
  'blocklists',
  'sms-templates',
  'attributes',
  'number-types',
  'business-results',
  'result-definitions',
  'skill-queues',
  'questionnaires',
  'flows',
  'robots',
  'ous',
];

/** The resources a task selects (product.md Appendix C), one page per kind; titles translated. */
export const RESOURCE_PAGES: { kind: ResourceKind; readonly title: string }[] = ORDER.filter((k) =>
  RESOURCE_KINDS.includes(k),
).map((kind) => ({
  kind,
  get title() {
    return i18n.t(`resources:kind.${kind}.title`);
  },
}));

const idOf = (kind: ResourceKind, r: Resource) => String(r[ID_FIELD[kind]] ?? r.id);

export function Resources({ kind: raw }: { kind: string }) {
  const { t } = useTranslation('resources');
  const { api, base, me, tenant } = useTenant();
  const known = RESOURCE_PAGES.some((p) => p.kind === raw);
  const kind = (known ? raw : 'ous') as ResourceKind;
  const path = `${base}/${kind}`;
  const items = useResourceList(kind, known);
  const ous = useResourceList('ous', known);
  const numbers = useResourceList('caller-numbers', kind === 'caller-groups');
  const groups = useResourceList('caller-groups', kind === 'caller-numbers');
  const invalidate = useInvalidateResources();
  const [editing, setEditing] = useState<{ item: Resource | null } | null>(null);
  const [designing, setDesigning] = useState<{ id?: string } | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!known) return <Text>{t('unknownKind', { kind: raw })}</Text>;

  const admin = me.role === 'tenant_admin' || me.role === 'system_admin';
  // Caller numbers are provisioned by the system administrator unless the tenant owns its own.
  const canWrite =
    kind === 'caller-numbers'
      ? me.role === 'system_admin' || (admin && !!tenant.settings.ownCallerNumbers)
      : admin;
  const whyNot = canWrite
    ? undefined
    : kind === 'caller-numbers' && admin
      ? t('callerNumbersBySystem')
      : t('adminOnly');
  const publishable = kind === 'flows' || kind === 'robots';
  const ouName = (id: unknown) =>
    id ? String(ous.data?.find((o) => o.id === id)?.name ?? id) : t('unorganized');
  const groupsOf = (n: string) =>
    (groups.data ?? [])
      .filter((g) => (g.numbers as string[] | undefined)?.includes(n))
      .map((g) => String(g.name ?? g.id))
      .join(', ');
  const ctx: FormContext = {
    kind,
    editing: !!editing?.item,
    ous: ous.data ?? [],
    callerNumbers: numbers.data ?? [],
    settings: tenant.settings,
    defaultOu: null,
  };

  const run = async (f: () => Promise<unknown>) => {
    setError(null);
    setSaved(null);
    try {
      await f();
    } catch (e) {
      setError(messageOf(e));
    }
    await invalidate(kind);
  };

  const openNew = () => {
    setSaved(null);
    if (kind === 'flows') setDesigning({});
    else setEditing({ item: null });
  };
  const openEdit = (r: Resource) => {
    setSaved(null);
    if (kind === 'flows') setDesigning({ id: r.id });
    else setEditing({ item: r });
  };

  if (designing)
    return (
      <FlowDesigner
        flowId={designing.id}
        onClose={() => {
          setDesigning(null);
          void invalidate('flows');
        }}
      />
    );

  const list = items.data ?? [];
  const newButton = (testId: string) => (
    <Button disabled={!canWrite} title={whyNot} onClick={openNew} data-testid={testId}>
      {t('new')}
    </Button>
  );
  return (
    <Stack>
      <Group justify="space-between" align="start">
        <div>
          <Title order={2}>{t(`kind.${kind}.title`)}</Title>
          {list.length > 0 && (
            <Text size="sm" c="dimmed" maw={720}>
              {t(`kind.${kind}.about`)}
            </Text>
          )}
        </div>
        {newButton('resource-new')}
      </Group>
      {saved && (
        <Alert
          color="green"
          withCloseButton
          onClose={() => setSaved(null)}
          data-testid="resource-saved"
        >
          {saved}
        </Alert>
      )}
      {error && <Alert color="red">{error}</Alert>}
      {items.error && <Alert color="red">{messageOf(items.error)}</Alert>}
      {items.isPending && !items.error ? (
        <Loader />
      ) : list.length === 0 && !items.error ? (
        <Card withBorder padding="xl" data-testid="resource-empty">
          <Stack align="center" gap="sm">
            <Text fw={500}>{t('empty.title', { what: t(`kind.${kind}.one`) })}</Text>
            <Text size="sm" c="dimmed" ta="center" maw={560}>
              {t(`kind.${kind}.about`)}
            </Text>
            {newButton('resource-empty-new')}
          </Stack>
        </Card>
      ) : (
        <Table striped data-testid="resource-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>
                {t(`column.id.${kind}`, { defaultValue: t('column.id.default') })}
              </Table.Th>
              {kind !== 'caller-numbers' && <Table.Th>{t('column.name')}</Table.Th>}
              {kind !== 'ous' && <Table.Th>{t('column.ou')}</Table.Th>}
              {kind === 'caller-numbers' && <Table.Th>{t('column.groups')}</Table.Th>}
              <Table.Th>{t('column.details')}</Table.Th>
              {publishable && <Table.Th>{t('column.status')}</Table.Th>}
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.map((r) => {
              const id = idOf(kind, r);
              return (
                <Table.Tr key={id} data-testid={`resource-${id}`}>
                  <Table.Td>{id}</Table.Td>
                  {kind !== 'caller-numbers' && (
                    <Table.Td>{String(r.name ?? r.label ?? '')}</Table.Td>
                  )}
                  {kind !== 'ous' && (
                    <Table.Td data-testid="resource-ou">{ouName(r.ouId)}</Table.Td>
                  )}
                  {kind === 'caller-numbers' && (
                    <Table.Td data-testid="resource-groups">{groupsOf(id)}</Table.Td>
                  )}
                  <Table.Td>
                    <Text size="sm" lineClamp={2}>
                      {summary(kind, r, t)}
                    </Text>
                  </Table.Td>
                  {publishable && (
                    <Table.Td>
                      <Badge color={r.status === 'published' ? 'green' : 'gray'}>
                        {t(`status.${String(r.status)}`)}
                      </Badge>
                    </Table.Td>
                  )}
                  <Table.Td>
                    <Group gap={4} wrap="nowrap" justify="end">
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
                          {r.status === 'published' ? t('unpublish') : t('publish')}
                        </Button>
                      )}
                      <Button
                        size="compact-xs"
                        variant="light"
                        disabled={!canWrite}
                        onClick={() => openEdit(r)}
                        data-testid={kind === 'flows' ? 'flow-design' : 'resource-edit'}
                      >
                        {kind === 'flows' ? t('design') : t('edit')}
                      </Button>
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        color="red"
                        disabled={!canWrite}
                        onClick={() => {
                          if (window.confirm(t('confirmDelete', { id })))
                            void run(() => api.del(`${path}/${encodeURIComponent(id)}`));
                        }}
                        data-testid="resource-delete"
                      >
                        {t('delete')}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      <Modal
        opened={!!editing}
        onClose={() => setEditing(null)}
        title={
          editing?.item
            ? t('editTitle', { id: idOf(kind, editing.item) })
            : t('newTitle', { what: t(`kind.${kind}.one`) })
        }
        size="xl"
      >
        {editing && (
          <ResourceForm
            key={editing.item ? idOf(kind, editing.item) : 'new'}
            kind={kind}
            item={editing.item}
            ctx={ctx}
            onSaved={(doc) => {
              setEditing(null);
              setSaved(
                t(editing.item ? 'savedChanged' : 'savedCreated', {
                  what: t(`kind.${kind}.one`),
                  id: idOf(kind, doc as Resource),
                }),
              );
              void invalidate(kind);
            }}
          />
        )}
      </Modal>
    </Stack>
  );
}

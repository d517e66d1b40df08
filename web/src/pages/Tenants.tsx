import { useState } from 'react';
import {
  Alert,
  Button,
  Card,
  Code,
  Group,
  NumberInput,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { messageOf } from '../api.ts';
import { useSession } from '../session.tsx';
import { listAll, useLoad } from '../lib/hooks.ts';
import { fmtTime, ROLE_LABELS } from '../lib/format.ts';
import type { Resource } from '../types.ts';

interface KeyView {
  id: string;
  role: string;
  ouId: string | null;
  name: string;
  createdAt: string;
}

/**
 * Tenants (system administrator: create, pick) and the chosen tenant's settings and API keys
 * (tenant administrator). A new key is shown once.
 */
export function Tenants() {
  const { api, me, tenants, tenant, selectTenant, reloadTenants } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({ id: '', name: '', channels: 30, isolation: false });
  const isSystem = me.role === 'system_admin';

  const create = async () => {
    setError(null);
    try {
      await api.post('/tenants', {
        id: form.id,
        name: form.name,
        settings: { channels: form.channels, isolation: form.isolation },
      });
      await reloadTenants();
      selectTenant(form.id);
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <Stack>
      <Title order={2}>{isSystem ? 'Tenants and keys' : 'Tenant and keys'}</Title>
      {error && <Alert color="red">{error}</Alert>}
      {isSystem && (
        <>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Id</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Channels</Table.Th>
                <Table.Th>Isolation</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tenants.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>{t.id}</Table.Td>
                  <Table.Td>{t.name}</Table.Td>
                  <Table.Td>{t.settings.channels}</Table.Td>
                  <Table.Td>{t.settings.isolation ? 'on' : 'off'}</Table.Td>
                  <Table.Td>
                    <Button size="compact-xs" variant="light" onClick={() => selectTenant(t.id)}>
                      {tenant?.id === t.id ? 'Selected' : 'Work in this tenant'}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Card withBorder>
            <Title order={5} mb="sm">
              New tenant
            </Title>
            <Group align="end">
              <TextInput
                label="Id"
                placeholder="acme"
                value={form.id}
                onChange={(e) => setForm({ ...form, id: e.currentTarget.value })}
              />
              <TextInput
                label="Name"
                value={form.name}
                onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
              />
              <NumberInput
                label="Channels"
                min={1}
                value={form.channels}
                onChange={(v) => setForm({ ...form, channels: Number(v) || 1 })}
              />
              <Switch
                label="Isolation"
                checked={form.isolation}
                onChange={(e) => setForm({ ...form, isolation: e.currentTarget.checked })}
              />
              <Button onClick={() => void create()}>Create</Button>
            </Group>
          </Card>
        </>
      )}
      {tenant && (isSystem || me.role === 'tenant_admin') && <TenantKeys tenantId={tenant.id} />}
    </Stack>
  );
}

function TenantKeys({ tenantId }: { tenantId: string }) {
  const { api, tenant, reloadTenants } = useSession();
  const base = `/tenants/${tenantId}`;
  const keys = useLoad(() => api.get<{ items: KeyView[] }>(`${base}/keys`), [base]);
  const ous = useLoad((s) => listAll<Resource>(api, `${base}/ous`, s), [base]);
  const [form, setForm] = useState({ name: '', role: 'tenant_admin', ouId: null as string | null });
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const s = tenant!.settings;

  const run = async (f: () => Promise<void>) => {
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const patch = (settings: Record<string, unknown>) =>
    run(async () => {
      await api.request('PATCH', base, { body: { settings } });
      await reloadTenants();
    });

  return (
    <Stack>
      <Title order={4}>
        {tenant!.name} ({tenantId})
      </Title>
      {error && <Alert color="red">{error}</Alert>}
      <Group>
        <Text size="sm">Channels: {s.channels}</Text>
        <Text size="sm">Time zone: {s.timeZone}</Text>
        <Text size="sm">Max. caller numbers per task: {s.maxCallerNumbers}</Text>
        <Switch
          label="Inter-organization data isolation"
          checked={s.isolation}
          onChange={(e) => void patch({ isolation: e.currentTarget.checked })}
          data-testid="setting-isolation"
        />
        <Switch
          label="Attribute filtering and ordering"
          checked={s.attributeFeatures}
          onChange={(e) => void patch({ attributeFeatures: e.currentTarget.checked })}
        />
      </Group>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Key</Table.Th>
            <Table.Th>Name</Table.Th>
            <Table.Th>Role</Table.Th>
            <Table.Th>OU</Table.Th>
            <Table.Th>Created</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(keys.data?.items ?? []).map((k) => (
            <Table.Tr key={k.id}>
              <Table.Td>{k.id}</Table.Td>
              <Table.Td>{k.name}</Table.Td>
              <Table.Td>{ROLE_LABELS[k.role] ?? k.role}</Table.Td>
              <Table.Td>{k.ouId ?? '—'}</Table.Td>
              <Table.Td>{fmtTime(k.createdAt)}</Table.Td>
              <Table.Td>
                <Button
                  size="compact-xs"
                  color="red"
                  variant="subtle"
                  onClick={() =>
                    void run(async () => {
                      await api.del(`${base}/keys/${k.id}`);
                      keys.reload();
                    })
                  }
                >
                  Revoke
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group align="end">
        <TextInput
          label="Key name"
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
        />
        <Select
          label="Role"
          data={['tenant_admin', 'ou_operator', 'viewer'].map((r) => ({
            value: r,
            label: ROLE_LABELS[r]!,
          }))}
          value={form.role}
          onChange={(v) => setForm({ ...form, role: v ?? 'tenant_admin' })}
        />
        {form.role === 'ou_operator' && (
          <Select
            label="OU"
            data={(ous.data ?? []).map((o) => o.id)}
            value={form.ouId}
            onChange={(v) => setForm({ ...form, ouId: v })}
          />
        )}
        <Button
          onClick={() =>
            void run(async () => {
              const r = await api.post<{ key: string }>(`${base}/keys`, {
                name: form.name,
                role: form.role,
                ...(form.role === 'ou_operator' ? { ouId: form.ouId } : {}),
              });
              setCreated(r.key);
              keys.reload();
            })
          }
        >
          Create key
        </Button>
      </Group>
      {created && (
        <Alert color="green" title="New key (shown once — copy it now)">
          <Code data-testid="created-key">{created}</Code>
        </Alert>
      )}
    </Stack>
  );
}

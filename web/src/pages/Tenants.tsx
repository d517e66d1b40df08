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
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { usePlainError } from '../lib/plain.ts';
import { useSession } from '../session.tsx';
import { fmtTime } from '../lib/format.ts';
import { useNames, useResources } from '../lib/queries.ts';
import { SavedNotice } from './SavedNotice.tsx';

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
  const { t } = useTranslation('pages');
  const plain = usePlainError();
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
      setError(plain(e));
    }
  };

  return (
    <Stack>
      <Title order={2}>{t('common:nav.tenants')}</Title>
      {error && <Alert color="red">{error}</Alert>}
      {isSystem && (
        <>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('tenants.id')}</Table.Th>
                <Table.Th>{t('tenants.name')}</Table.Th>
                <Table.Th>{t('tenants.channels')}</Table.Th>
                <Table.Th>{t('tenants.isolation')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tenants.map((x) => (
                <Table.Tr key={x.id}>
                  <Table.Td>{x.id}</Table.Td>
                  <Table.Td>{x.name}</Table.Td>
                  <Table.Td>{x.settings.channels}</Table.Td>
                  <Table.Td>{x.settings.isolation ? t('common:on') : t('common:off')}</Table.Td>
                  <Table.Td>
                    <Button size="compact-xs" variant="light" onClick={() => selectTenant(x.id)}>
                      {tenant?.id === x.id ? t('tenants.selected') : t('tenants.workIn')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Card withBorder>
            <Title order={5} mb="sm">
              {t('tenants.newTenant')}
            </Title>
            <Group align="end">
              <TextInput
                label={t('tenants.id')}
                placeholder="acme"
                value={form.id}
                onChange={(e) => setForm({ ...form, id: e.currentTarget.value })}
              />
              <TextInput
                label={t('tenants.name')}
                value={form.name}
                onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
              />
              <NumberInput
                label={t('tenants.channels')}
                min={1}
                value={form.channels}
                onChange={(v) => setForm({ ...form, channels: Number(v) || 1 })}
              />
              <Switch
                label={t('tenants.isolation')}
                checked={form.isolation}
                onChange={(e) => setForm({ ...form, isolation: e.currentTarget.checked })}
              />
              <Button onClick={() => void create()}>{t('common:create')}</Button>
            </Group>
          </Card>
        </>
      )}
      {tenant && (isSystem || me.role === 'tenant_admin') && <TenantKeys tenantId={tenant.id} />}
    </Stack>
  );
}

function TenantKeys({ tenantId }: { tenantId: string }) {
  const { t } = useTranslation('pages');
  const plain = usePlainError();
  const { api, tenant, reloadTenants } = useSession();
  const base = `/tenants/${tenantId}`;
  const keys = useQuery({
    queryKey: [base, 'keys'],
    queryFn: ({ signal }) => api.get<{ items: KeyView[] }>(`${base}/keys`, undefined, signal),
  });
  const ous = useResources('ous');
  const ouName = useNames('ous');
  const [saved, setSaved] = useState<string | null>(null);
  const [form, setForm] = useState({ name: '', role: 'tenant_admin', ouId: null as string | null });
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const s = tenant!.settings;

  const run = async (f: () => Promise<void>) => {
    setError(null);
    setSaved(null);
    try {
      await f();
    } catch (e) {
      setError(plain(e));
    }
  };
  const patch = (settings: Record<string, unknown>) =>
    run(async () => {
      await api.request('PATCH', base, { body: { settings } });
      await reloadTenants();
      setSaved(t('tenants.settingsSaved'));
    });

  return (
    <Stack>
      <Title order={4}>
        {tenant!.name} ({tenantId})
      </Title>
      {error && <Alert color="red">{error}</Alert>}
      <SavedNotice message={saved} onClose={() => setSaved(null)} />
      <Group>
        <Text size="sm">{t('tenants.channelsValue', { n: s.channels })}</Text>
        <Text size="sm">{t('tenants.zoneValue', { zone: s.timeZone })}</Text>
        <Text size="sm">{t('tenants.maxCallersValue', { n: s.maxCallerNumbers })}</Text>
        <Switch
          label={t('tenants.isolationLong')}
          checked={s.isolation}
          onChange={(e) => void patch({ isolation: e.currentTarget.checked })}
          data-testid="setting-isolation"
        />
        <Switch
          label={t('tenants.attributeFeatures')}
          checked={s.attributeFeatures}
          onChange={(e) => void patch({ attributeFeatures: e.currentTarget.checked })}
        />
      </Group>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('tenants.key')}</Table.Th>
            <Table.Th>{t('tenants.name')}</Table.Th>
            <Table.Th>{t('tenants.role')}</Table.Th>
            <Table.Th>{t('common:ou')}</Table.Th>
            <Table.Th>{t('common:created')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(keys.data?.items ?? []).map((k) => (
            <Table.Tr key={k.id}>
              <Table.Td>{k.id}</Table.Td>
              <Table.Td>{k.name}</Table.Td>
              <Table.Td>{t(`common:roles.${k.role}`)}</Table.Td>
              <Table.Td>{ouName(k.ouId) ?? '—'}</Table.Td>
              <Table.Td>{fmtTime(k.createdAt)}</Table.Td>
              <Table.Td>
                <Button
                  size="compact-xs"
                  color="red"
                  variant="subtle"
                  onClick={() =>
                    void run(async () => {
                      await api.del(`${base}/keys/${k.id}`);
                      await keys.refetch();
                      setSaved(t('tenants.revoked', { name: k.name }));
                    })
                  }
                >
                  {t('tenants.revoke')}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group align="end">
        <TextInput
          label={t('tenants.keyName')}
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
        />
        <Select
          label={t('tenants.role')}
          data={['tenant_admin', 'ou_operator', 'viewer'].map((r) => ({
            value: r,
            label: t(`common:roles.${r}`),
          }))}
          value={form.role}
          onChange={(v) => setForm({ ...form, role: v ?? 'tenant_admin' })}
        />
        {form.role === 'ou_operator' && (
          <Select
            label={t('common:ou')}
            data={(ous.data ?? []).map((o) => ({ value: o.id, label: String(o.name ?? o.id) }))}
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
              await keys.refetch();
            })
          }
        >
          {t('tenants.createKey')}
        </Button>
      </Group>
      {created && (
        <Alert color="green" title={t('tenants.newKey')}>
          <Code data-testid="created-key">{created}</Code>
        </Alert>
      )}
    </Stack>
  );
}

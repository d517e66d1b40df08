import { useEffect, type ReactNode } from 'react';
import {
  AppShell,
  Badge,
  Button,
  Group,
  NavLink,
  ScrollArea,
  Select,
  Text,
  Title,
} from '@mantine/core';
import { SessionProvider, useSession } from './session.tsx';
import { Link, match, navigate, useLocation } from './router.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { TaskList } from './pages/TaskList.tsx';
import { TaskDetails } from './pages/TaskDetails.tsx';
import { Contacts } from './pages/Contacts.tsx';
import { Resources, RESOURCE_PAGES } from './pages/Resources.tsx';
import { Templates } from './pages/Templates.tsx';
import { Tenants } from './pages/Tenants.tsx';
import { TaskWizard } from './wizard/TaskWizard.tsx';
import { ROLE_LABELS } from './lib/format.ts';

export function App() {
  return (
    <SessionProvider>
      {(session, onSignIn) => (session ? <Shell /> : <SignIn onSignIn={onSignIn} />)}
    </SessionProvider>
  );
}

/** The frame of every page: who is signed in, in which tenant (and OU), and the navigation. */
function Shell() {
  const { me, tenant, tenants, selectTenant, signOut } = useSession();
  const { path } = useLocation();
  const isSystem = me.role === 'system_admin';

  useEffect(() => {
    if (path === '/') navigate(tenant || !isSystem ? '/tasks' : '/tenants', true);
  }, [path, tenant, isSystem]);

  const nav = (to: string, label: string, testId?: string) => (
    <NavLink
      key={to}
      component={Link}
      to={to}
      label={label}
      active={path === to || path.startsWith(`${to}/`)}
      data-testid={testId}
    />
  );

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 230, breakpoint: 'sm' }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Title order={4}>Outbound</Title>
            {isSystem ? (
              <Select
                aria-label="Tenant"
                placeholder="Choose a tenant"
                data={tenants.map((t) => ({ value: t.id, label: `${t.name} (${t.id})` }))}
                value={tenant?.id ?? null}
                onChange={(v) => selectTenant(v)}
                w={260}
                data-testid="tenant-picker"
              />
            ) : null}
            <Badge size="lg" variant="light" data-testid="current-tenant">
              Tenant: {tenant ? `${tenant.name} (${tenant.id})` : 'none'}
            </Badge>
            {me.role === 'ou_operator' && (
              <Badge size="lg" color="grape" variant="light" data-testid="current-ou">
                OU: {me.ouId}
              </Badge>
            )}
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" c="dimmed" data-testid="current-role">
              {ROLE_LABELS[me.role] ?? me.role}
            </Text>
            <Button variant="subtle" size="xs" onClick={signOut}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        <ScrollArea>
          {isSystem && nav('/tenants', 'Tenants and keys', 'nav-tenants')}
          {tenant && (
            <>
              {nav('/tasks', 'Call management', 'nav-tasks')}
              {nav('/templates', 'Templates', 'nav-templates')}
              {!isSystem && me.role === 'tenant_admin' && nav('/tenants', 'Tenant and keys')}
              <Text size="xs" fw={700} c="dimmed" mt="md" mb={4} px="sm">
                RESOURCES
              </Text>
              {RESOURCE_PAGES.map((r) => nav(`/resources/${r.kind}`, r.title, `nav-${r.kind}`))}
            </>
          )}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <Page path={path} hasTenant={!!tenant} />
      </AppShell.Main>
    </AppShell>
  );
}

function Page({ path, hasTenant }: { path: string; hasTenant: boolean }): ReactNode {
  if (match('/tenants', path)) return <Tenants />;
  if (!hasTenant) return <Text c="dimmed">Choose a tenant at the top to work in it.</Text>;
  let m;
  if (match('/tasks', path)) return <TaskList />;
  if (match('/tasks/new', path)) return <TaskWizard key="new" />;
  if ((m = match('/tasks/:id/edit', path))) return <TaskWizard key={m.id} taskId={m.id} />;
  if ((m = match('/tasks/:id/contacts', path))) return <Contacts taskId={m.id!} />;
  if ((m = match('/tasks/:id', path))) return <TaskDetails taskId={m.id!} />;
  if (match('/templates', path)) return <Templates />;
  if ((m = match('/resources/:kind', path))) return <Resources key={m.kind} kind={m.kind!} />;
  return (
    <Text>
      Nothing here. Go to <Link to="/tasks">Call management</Link>.
    </Text>
  );
}

import { useEffect, useMemo, type ReactNode } from 'react';
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
import { DatesProvider } from '@mantine/dates';
import { useTranslation } from 'react-i18next';
import {
  createBrowserRouter,
  Navigate,
  Outlet,
  RouterProvider,
  useLocation,
  useParams,
  useSearchParams,
} from 'react-router';
import 'dayjs/locale/zh-cn';
import { SessionProvider, useSession } from './session.tsx';
import { Link, setNavigator } from './router.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { TaskList } from './pages/TaskList.tsx';
import { TaskDetails } from './pages/TaskDetails.tsx';
import { Contacts } from './pages/Contacts.tsx';
import { Resources, RESOURCE_PAGES } from './pages/Resources.tsx';
import { Templates } from './pages/Templates.tsx';
import { Tenants } from './pages/Tenants.tsx';
import { TaskWizard } from './wizard/TaskWizard.tsx';
import { setDisplayZone } from './lib/format.ts';
import { useNames } from './lib/queries.ts';
import { LanguagePicker } from './pages/LanguagePicker.tsx';
import { initialLanguage } from './i18n/language.ts';

initialLanguage();

/** The console's pages (React Router); everything below the frame needs a signed-in key. */
const router = createBrowserRouter([
  {
    element: <Frame />,
    children: [
      { index: true, element: <Home /> },
      { path: 'tenants', element: <Tenants /> },
      {
        element: <NeedsTenant />,
        children: [
          { path: 'tasks', element: <TaskList /> },
          { path: 'tasks/new', element: <NewTask /> },
          { path: 'tasks/:id/edit', element: <EditTask /> },
          { path: 'tasks/:id/contacts', element: <WithId page={Contacts} /> },
          { path: 'tasks/:id', element: <WithId page={TaskDetails} /> },
          { path: 'templates', element: <Templates /> },
          { path: 'resources/:kind', element: <ResourcePage /> },
        ],
      },
      { path: '*', element: <NotFound /> },
    ],
  },
]);
setNavigator((to, opts) => router.navigate(to, opts));

export function App() {
  return <RouterProvider router={router} />;
}

function Frame() {
  const { i18n } = useTranslation();
  return (
    <DatesProvider settings={{ locale: i18n.language === 'zh-CN' ? 'zh-cn' : 'en' }}>
      <SessionProvider>
        {(session, onSignIn) => (session ? <Shell /> : <SignIn onSignIn={onSignIn} />)}
      </SessionProvider>
    </DatesProvider>
  );
}

function Home() {
  const { me, tenant } = useSession();
  return <Navigate to={tenant || me.role !== 'system_admin' ? '/tasks' : '/tenants'} replace />;
}

function NeedsTenant() {
  const { t } = useTranslation();
  const { tenant } = useSession();
  return tenant ? <Outlet /> : <Text c="dimmed">{t('shell.chooseTenant')}</Text>;
}

function WithId({ page: Page }: { page: (p: { taskId: string }) => ReactNode }) {
  const { id } = useParams();
  return <Page key={id} taskId={id!} />;
}

function NewTask() {
  const [query] = useSearchParams();
  return <TaskWizard key={`new-${query.toString()}`} />;
}

function EditTask() {
  const { id } = useParams();
  return <TaskWizard key={id} taskId={id} />;
}

function ResourcePage() {
  const { kind } = useParams();
  return <Resources key={kind} kind={kind!} />;
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <Text>
      {t('shell.notFound')} <Link to="/tasks">{t('nav.tasks')}</Link>
    </Text>
  );
}

/** The frame of every page: who is signed in, in which tenant (and OU), and the navigation. */
function Shell() {
  const { t } = useTranslation();
  const { me, tenant, tenants, selectTenant, signOut } = useSession();
  const path = useLocation().pathname;
  const isSystem = me.role === 'system_admin';
  const zone = tenant?.settings.timeZone ?? null;
  // Every time on every page is in the tenant's zone; set before the pages render.
  useMemo(() => setDisplayZone(zone), [zone]);
  useEffect(() => {
    document.title = t('appName');
  }, [t]);

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
            <Title order={4}>{t('appName')}</Title>
            {isSystem ? (
              <Select
                aria-label={t('shell.tenant')}
                placeholder={t('shell.chooseTenantPlaceholder')}
                data={tenants.map((x) => ({ value: x.id, label: `${x.name} (${x.id})` }))}
                value={tenant?.id ?? null}
                onChange={(v) => selectTenant(v)}
                w={260}
                data-testid="tenant-picker"
              />
            ) : null}
            <Badge size="lg" variant="light" data-testid="current-tenant">
              {t('shell.tenantBadge', {
                tenant: tenant ? `${tenant.name} (${tenant.id})` : t('shell.none'),
              })}
            </Badge>
            {me.role === 'ou_operator' && tenant && <OuBadge ouId={me.ouId} />}
            {zone && (
              <Text size="xs" c="dimmed" data-testid="current-zone">
                {t('shell.zone', { zone })}
              </Text>
            )}
          </Group>
          <Group gap="sm" wrap="nowrap">
            <LanguagePicker keyId={me.keyId} />
            <Text size="sm" c="dimmed" data-testid="current-role">
              {t(`roles.${me.role}`)}
            </Text>
            <Button variant="subtle" size="xs" onClick={signOut}>
              {t('shell.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        <ScrollArea>
          {isSystem && nav('/tenants', t('nav.tenants'), 'nav-tenants')}
          {tenant && (
            <>
              {nav('/tasks', t('nav.tasks'), 'nav-tasks')}
              {nav('/templates', t('nav.templates'), 'nav-templates')}
              {!isSystem && me.role === 'tenant_admin' && nav('/tenants', t('nav.tenants'))}
              <Text size="xs" fw={700} c="dimmed" mt="md" mb={4} px="sm" tt="uppercase">
                {t('nav.resources')}
              </Text>
              {RESOURCE_PAGES.map((r) =>
                nav(`/resources/${r.kind}`, t(`kinds.${r.kind}`), `nav-${r.kind}`),
              )}
            </>
          )}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}

/** The OU an operator works in, by name. */
function OuBadge({ ouId }: { ouId: string | null }) {
  const { t } = useTranslation();
  const name = useNames('ous')(ouId);
  return (
    <Badge size="lg" color="grape" variant="light" data-testid="current-ou">
      {t('shell.ouBadge', { ou: name })}
    </Badge>
  );
}

/** The shell: who is logged in, the language, the header and the page for the current path. */
import {
  App as AntApp,
  Button,
  ConfigProvider,
  Grid,
  Layout,
  Menu,
  Result,
  Space,
  Spin,
  Typography,
} from 'antd';
// The ES modules: `antd/locale/*` are CommonJS re-exports whose default import the bundle resolves to the
// module object, not the locale (antd's own texts would fall back to English).
import enUS from 'antd/es/locale/en_US';
import zhCN from 'antd/es/locale/zh_CN';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ROLE_PERMISSIONS, ROLES, type Role } from '../../src/modules/access/roles.ts';
import { api, type Me, setCsrfToken, setUnauthenticatedHandler } from './api.ts';
import { Dashboard } from './Dashboard.tsx';
import { errorText } from './error-text.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { ChangePassword, Login } from './Login.tsx';
import { People } from './People.tsx';
import { AreaName } from './pages/shared.tsx';

// Each work page is its own chunk, loaded when first opened.
const TestingPage = lazy(() => import('./pages/Testing.tsx'));
const TracingPage = lazy(() => import('./pages/Tracing.tsx'));
const IsolationPage = lazy(() => import('./pages/Isolation.tsx'));
const TransferPage = lazy(() => import('./pages/Transfer.tsx'));
const CommandPage = lazy(() => import('./pages/Command.tsx'));
const AdminPage = lazy(() => import('./pages/Admin.tsx'));
const TwinPage = lazy(() => import('./pages/Twin.tsx'));
const PassesPage = lazy(() => import('./pages/Passes.tsx'));
const CheckpointPage = lazy(() => import('./pages/Checkpoint.tsx'));
const MedicalPage = lazy(() => import('./pages/Medical.tsx'));
const DisinfectionPage = lazy(() => import('./pages/Disinfection.tsx'));
const SuppliesPage = lazy(() => import('./pages/Supplies.tsx'));
const ForcesPage = lazy(() => import('./pages/Forces.tsx'));
const LabPage = lazy(() => import('./pages/Lab.tsx'));

interface Page {
  path: string;
  label: string;
  /** Shown when the user has any of these. */
  permissions: string[];
}

function PageBody({ path, me }: { path: string; me: Me }) {
  switch (path) {
    case '/people':
      return <People />;
    case '/testing':
      return <TestingPage me={me} />;
    case '/tracing':
      return <TracingPage me={me} />;
    case '/isolation':
      return <IsolationPage me={me} />;
    case '/transfer':
      return <TransferPage me={me} />;
    case '/command':
      return <CommandPage me={me} />;
    case '/admin':
      return <AdminPage me={me} />;
    case '/twin':
      return <TwinPage />;
    case '/passes':
      return <PassesPage me={me} />;
    case '/checkpoint':
      return <CheckpointPage me={me} />;
    case '/medical':
      return <MedicalPage me={me} />;
    case '/disinfection':
      return <DisinfectionPage me={me} />;
    case '/supplies':
      return <SuppliesPage me={me} />;
    case '/forces':
      return <ForcesPage me={me} />;
    case '/lab':
      return <LabPage me={me} />;
    default:
      return <Dashboard me={me} />;
  }
}

/** The roles that may open a page: those with any of its permissions. */
function rolesFor(permissions: readonly string[]): Role[] {
  return ROLES.filter((r) => permissions.some((p) => (ROLE_PERMISSIONS[r] as readonly string[]).includes(p)));
}

/** 无权访问: the page asked for, the caller's role, the roles that may open it, and the way back. */
function Forbidden({ page, role, onHome }: { page: Page; role: string; onHome: () => void }) {
  const { t, i18n } = useTranslation();
  const roles = rolesFor(page.permissions).map((r) => t(`role.${r}`, { defaultValue: r }));
  return (
    <Result
      status="403"
      title={t('forbidden.title')}
      subTitle={
        <Space direction="vertical" size={4}>
          <span>
            {t('forbidden.page', { page: page.label, role: t(`role.${role}`, { defaultValue: role }) })}
          </span>
          <span>{t('forbidden.roles', { roles: roles.join(i18n.language === 'en' ? ', ' : '、') })}</span>
        </Space>
      }
      extra={
        <Button
          type="primary"
          href="/"
          onClick={(e) => {
            e.preventDefault();
            onHome();
          }}
        >
          {t('forbidden.home')}
        </Button>
      }
    />
  );
}

function usePath(): [string, (path: string) => void] {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const go = useCallback((next: string) => {
    window.history.pushState(null, '', next);
    setPath(next);
  }, []);
  return [path, go];
}

export function App() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider
      locale={i18n.language === 'en' ? enUS : zhCN}
      theme={{ token: { colorPrimary: '#c0392b', borderRadius: 6 } }}
      button={{ autoInsertSpace: false }}
    >
      <AntApp>
        <Session />
      </AntApp>
    </ConfigProvider>
  );
}

/** undefined: still asking the server; null: not logged in. */
function Session() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  const refresh = useCallback(async () => {
    try {
      const m = await api<Me>('/api/auth/me');
      setCsrfToken(m.csrf_token);
      setMe(m);
    } catch {
      setCsrfToken(null);
      setMe(null);
    }
  }, []);

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      setCsrfToken(null);
      setMe(null);
    });
    void refresh();
    return () => setUnauthenticatedHandler(null);
  }, [refresh]);

  if (me === undefined)
    return (
      <div style={{ display: 'grid', placeItems: 'center', height: '100vh' }}>
        <Spin size="large" />
      </div>
    );
  if (me === null) return <Login onLoggedIn={refresh} />;
  if (me.must_change_password) return <ChangePassword onChanged={refresh} />;
  return <Shell me={me} onLoggedOut={() => setMe(null)} />;
}

function Shell({ me, onLoggedOut }: { me: Me; onLoggedOut: () => void }) {
  const { t } = useTranslation();
  // A phone: the header keeps the menu, the language and logging out; the title and the user's line go.
  const narrow = Grid.useBreakpoint().md === false;
  const { message } = AntApp.useApp();
  const [path, go] = usePath();
  const allPages: Page[] = [
    { path: '/', label: t('nav.dashboard'), permissions: ['stats.read'] },
    { path: '/people', label: t('nav.people'), permissions: ['person.read'] },
    { path: '/testing', label: t('nav.testing'), permissions: ['testing.read'] },
    { path: '/lab', label: t('lab.nav'), permissions: ['testing.lab'] },
    { path: '/tracing', label: t('nav.tracing'), permissions: ['tracing.read'] },
    { path: '/isolation', label: t('nav.isolation'), permissions: ['isolation.read'] },
    {
      path: '/transfer',
      label: t('nav.transfer'),
      permissions: ['transfer.read', 'transfer.manage', 'transfer.drive'],
    },
    { path: '/command', label: t('nav.command'), permissions: ['zone.read', 'task.read', 'report.read'] },
    { path: '/twin', label: t('twin.nav'), permissions: ['twin.run'] },
    { path: '/passes', label: t('passes.nav'), permissions: ['pass.issue'] },
    { path: '/checkpoint', label: t('passes.navCheck'), permissions: ['pass.check'] },
    { path: '/medical', label: t('medical.nav'), permissions: ['medical.request', 'medical.dispatch'] },
    {
      path: '/disinfection',
      label: t('disinfection.nav'),
      permissions: ['disinfection.manage', 'disinfection.record'],
    },
    { path: '/supplies', label: t('supplies.nav'), permissions: ['supply.request', 'supply.dispatch'] },
    { path: '/forces', label: t('forces.nav'), permissions: ['forces.read'] },
    { path: '/admin', label: t('admin.nav'), permissions: ['user.manage', 'token.manage', 'audit.read'] },
  ];
  const pages = allPages.filter((p) => p.permissions.some((x) => me.permissions.includes(x)));
  // A page of the platform the role may not open is refused in words (which roles may), not swapped silently
  // for another page; an unknown path shows the first page.
  const refused = pages.some((p) => p.path === path) ? undefined : allPages.find((p) => p.path === path);
  const current = refused ? undefined : (pages.find((p) => p.path === path) ?? pages[0]);

  const logout = async () => {
    try {
      await api('/api/auth/logout', { method: 'POST' });
    } catch (err) {
      message.error(errorText(err));
    }
    setCsrfToken(null);
    onLoggedOut();
  };

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header
        style={{
          display: 'flex',
          alignItems: 'center',
          gap: narrow ? 8 : 24,
          paddingInline: narrow ? 8 : 24,
        }}
      >
        {!narrow && (
          <Typography.Title level={4} style={{ color: '#fff', margin: 0, whiteSpace: 'nowrap' }}>
            {t('app.title')}
          </Typography.Title>
        )}
        <Menu
          theme="dark"
          mode="horizontal"
          selectedKeys={current ? [current.path] : []}
          items={pages.map((p) => ({ key: p.path, label: p.label }))}
          onClick={(e) => go(e.key)}
          style={{ flex: 1, minWidth: 0 }}
        />
        <Space size={narrow ? 'small' : 'middle'}>
          <LanguageSwitch />
          {!narrow && (
            <Typography.Text style={{ color: 'rgba(255,255,255,0.85)' }}>
              {me.name} · {t(`role.${me.role}`, { defaultValue: me.role })} ·{' '}
              {me.jurisdiction ? <AreaName code={me.jurisdiction} /> : t('common.all')}
            </Typography.Text>
          )}
          <Button size="small" onClick={logout}>
            {t('auth.logout')}
          </Button>
        </Space>
      </Layout.Header>
      <Layout.Content style={{ padding: narrow ? 8 : 24 }}>
        {refused ? (
          <Forbidden page={refused} role={me.role} onHome={() => go('/')} />
        ) : !current ? (
          <Result status="403" title={t('forbidden.title')} />
        ) : (
          <Suspense
            fallback={
              <div style={{ display: 'grid', placeItems: 'center', height: 240 }}>
                <Spin size="large" />
              </div>
            }
          >
            <PageBody path={current.path} me={me} />
          </Suspense>
        )}
      </Layout.Content>
    </Layout>
  );
}

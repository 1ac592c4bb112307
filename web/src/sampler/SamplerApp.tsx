/**
 * The sampler's phone app at /sampler: log in, choose the round and sampling point, then scan a tube and the
 * people who go into it until it is full (or close it by hand), and pack closed tubes into a transport box.
 * Everything is written to the phone's outbox first and uploaded from there (outbox.ts), so sampling goes on
 * without a network; the screen shows what is queued, what the server confirmed and what it flagged or refused.
 */
import { Alert, App as AntApp, Button, Card, ConfigProvider, Result, Space, Spin, Typography } from 'antd';
// The ES modules: `antd/locale/*` are CommonJS re-exports whose default import the bundle resolves to the
// module object, not the locale (antd's components then fall back to English).
import enUS from 'antd/es/locale/en_US';
import zhCN from 'antd/es/locale/zh_CN';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, type Me, setCsrfToken, setUnauthenticatedHandler } from '../api.ts';
import { LanguageSwitch } from '../LanguageSwitch.tsx';
import { ChangePassword, LoginForm } from '../Login.tsx';
import './i18n.ts';
import { queuedOps } from './outbox.ts';
import { Workbench } from './Workbench.tsx';

export default function SamplerApp() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider
      locale={i18n.language === 'en' ? enUS : zhCN}
      componentSize="large"
      theme={{
        token: {
          colorPrimary: '#c0392b',
          borderRadius: 8,
          fontSize: 16,
          fontSizeLG: 18,
          controlHeight: 44,
          controlHeightLG: 56,
        },
      }}
      button={{ autoInsertSpace: false }}
    >
      <AntApp message={{ maxCount: 1 }}>
        <Session />
      </AntApp>
    </ConfigProvider>
  );
}

export const SAMPLE_PERMISSION = 'testing.sample';

/**
 * Who was last logged in on this phone (without the CSRF token), so that the app opened without a network goes
 * on scanning into the outbox; the server decides again once it can be reached.
 */
const LAST_ME = 'qingcang.sampler.me';

function rememberMe(me: Me | null): void {
  try {
    if (me) localStorage.setItem(LAST_ME, JSON.stringify({ ...me, csrf_token: null }));
    else localStorage.removeItem(LAST_ME);
  } catch {
    // private mode: no offline start
  }
}

function lastMe(): Me | null {
  try {
    const raw = localStorage.getItem(LAST_ME);
    return raw ? (JSON.parse(raw) as Me) : null;
  } catch {
    return null;
  }
}

/** undefined: still asking the server; null: not logged in. */
function Session() {
  const { t } = useTranslation();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [offlineStart, setOfflineStart] = useState(false);

  const refresh = useCallback(async () => {
    try {
      const m = await api<Me>('/api/auth/me');
      setCsrfToken(m.csrf_token);
      rememberMe(m);
      setOfflineStart(false);
      setMe(m);
    } catch (err) {
      // No network (not a refusal): the last session on this phone, until the server can be asked.
      const last = err instanceof ApiError && err.status === 0 ? lastMe() : null;
      setCsrfToken(null);
      if (!last) rememberMe(null);
      setOfflineStart(last !== null);
      setMe(last);
    }
  }, []);

  // Started without a network: ask the server again as soon as there is one.
  useEffect(() => {
    if (!offlineStart) return;
    const onOnline = () => void refresh();
    window.addEventListener('online', onOnline);
    return () => window.removeEventListener('online', onOnline);
  }, [offlineStart, refresh]);

  useEffect(() => {
    document.title = t('sampler.title');
    document.body.style.margin = '0'; // edge to edge on a phone
  }, [t]);

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      setCsrfToken(null);
      rememberMe(null);
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
  if (me === null) return <PhoneLogin onLoggedIn={refresh} />;
  if (me.must_change_password) return <ChangePassword onChanged={refresh} />;
  if (!me.permissions.includes(SAMPLE_PERMISSION))
    return (
      <Result
        status="403"
        title={t('sampler.noPermission')}
        extra={
          <Button type="primary" href="/">
            {t('sampler.toDesktop')}
          </Button>
        }
      />
    );
  return (
    <Workbench
      me={me}
      onLoggedOut={() => {
        rememberMe(null);
        setMe(null);
      }}
    />
  );
}

function PhoneLogin({ onLoggedIn }: { onLoggedIn: () => Promise<void> }) {
  const { t } = useTranslation();
  const [waiting, setWaiting] = useState(0);

  useEffect(() => {
    queuedOps()
      .then((ops) => setWaiting(ops.length))
      .catch(() => setWaiting(0));
  }, []);

  return (
    <div style={{ minHeight: '100vh', background: '#1f2a38', padding: '32px 12px' }}>
      <Space
        direction="vertical"
        size="large"
        style={{ width: '100%', maxWidth: 480, margin: '0 auto', display: 'flex' }}
      >
        <Typography.Title level={3} style={{ color: '#fff', margin: 0, textAlign: 'center' }}>
          {t('sampler.title')}
        </Typography.Title>
        <Card title={t('sampler.login.welcome')}>
          {waiting > 0 && (
            <Alert
              type="warning"
              showIcon
              message={t('sampler.login.waiting', { count: waiting })}
              style={{ marginBottom: 16 }}
            />
          )}
          <LoginForm onLoggedIn={onLoggedIn} usernameProps={{ autoCapitalize: 'none' }} />
        </Card>
        <div style={{ textAlign: 'center' }}>
          <LanguageSwitch />
        </div>
      </Space>
    </div>
  );
}

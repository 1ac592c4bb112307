/** Login, and the password change an account with a one-time password must make first. */
import { Alert, Button, Card, Form, Input, type InputProps, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, setCsrfToken } from './api.ts';
import type { LoginAnswer, PasswordChanged } from './contract.ts';
import { errorText } from './error-text.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';

function Centered({ children }: { children: React.ReactNode }) {
  const { t } = useTranslation();
  return (
    <div style={{ minHeight: '100vh', display: 'grid', placeItems: 'center', background: '#1f2a38' }}>
      <Space direction="vertical" align="center" size="large">
        <Typography.Title style={{ color: '#fff', margin: 0 }}>{t('app.title')}</Typography.Title>
        {children}
        <LanguageSwitch />
      </Space>
    </div>
  );
}

/** A form's submission: busy while it runs, its failure in words (the API's message) until the next try. */
function useSubmit<V>(run: (values: V) => Promise<void>) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (values: V) => {
    setBusy(true);
    setError(null);
    try {
      await run(values);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, submit };
}

/**
 * The login form (username, password, the failure, the button), for the desktop and the sampler's phone:
 * `usernameProps` for the username's input.
 */
export function LoginForm({
  onLoggedIn,
  usernameProps,
}: {
  onLoggedIn: () => Promise<void>;
  usernameProps?: InputProps;
}) {
  const { t } = useTranslation();
  const { error, busy, submit } = useSubmit(async (values: { username: string; password: string }) => {
    const res = await api<LoginAnswer>('/api/auth/login', { method: 'POST', body: values });
    setCsrfToken(res.csrf_token);
    await onLoggedIn();
  });
  return (
    <Form layout="vertical" onFinish={submit} requiredMark={false}>
      <Form.Item label={t('auth.username')} name="username" rules={[{ required: true }]}>
        <Input autoComplete="username" {...usernameProps} />
      </Form.Item>
      <Form.Item label={t('auth.password')} name="password" rules={[{ required: true }]}>
        <Input.Password autoComplete="current-password" />
      </Form.Item>
      <FailureAndButton error={error} busy={busy} label={t('auth.login')} />
    </Form>
  );
}

function FailureAndButton({ error, busy, label }: { error: string | null; busy: boolean; label: string }) {
  return (
    <>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
      <Button type="primary" htmlType="submit" block loading={busy}>
        {label}
      </Button>
    </>
  );
}

export function Login({ onLoggedIn }: { onLoggedIn: () => Promise<void> }) {
  const { t } = useTranslation();
  return (
    <Centered>
      <Card title={t('auth.welcome')} style={{ width: 360 }}>
        <LoginForm onLoggedIn={onLoggedIn} usernameProps={{ autoFocus: true }} />
      </Card>
    </Centered>
  );
}

export function ChangePassword({ onChanged }: { onChanged: () => Promise<void> }) {
  const { t } = useTranslation();
  const { error, busy, submit } = useSubmit(async (values: { current: string; next: string }) => {
    // The server ends every session of the account and hands this browser a new one, with a new CSRF token.
    const changed = await api<PasswordChanged>('/api/auth/password', {
      method: 'POST',
      body: { current_password: values.current, new_password: values.next },
    });
    setCsrfToken(changed.csrf_token);
    await onChanged();
  });

  return (
    <Centered>
      <Card title={t('auth.changeTitle')} style={{ width: 400 }}>
        <Typography.Paragraph type="secondary">{t('auth.changeHint')}</Typography.Paragraph>
        <Form layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item label={t('auth.current')} name="current" rules={[{ required: true }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Form.Item label={t('auth.newPassword')} name="next" rules={[{ required: true }]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item
            label={t('auth.confirm')}
            name="confirm"
            dependencies={['next']}
            rules={[
              { required: true },
              ({ getFieldValue }) => ({
                validator: (_, value) =>
                  !value || getFieldValue('next') === value
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('auth.mismatch'))),
              }),
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <FailureAndButton error={error} busy={busy} label={t('auth.change')} />
        </Form>
      </Card>
    </Centered>
  );
}

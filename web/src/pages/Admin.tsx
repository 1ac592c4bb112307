/**
 * 系统管理: the accounts of the jurisdiction (list, create with a one-time password shown once, disable with a
 * reason), its API tokens (list, create with the secret shown once, revoke) and the audit log (filtered, in the
 * API's keyset pages, and the hash chain verified). Each part shows only with its permission: user.manage,
 * token.manage, audit.read; the background job queue and its dead letters with jobs.read. Every refusal of the API is shown in words (errorText); every time in Beijing time.
 */
import { Result, Space, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Me } from '../api.ts';
import type { User } from '../contract.ts';
import { AuditView } from './admin/Audit.tsx';
import { JobsViewTab } from './admin/Jobs.tsx';
import { TokensView } from './admin/Tokens.tsx';
import { UsersView } from './admin/Users.tsx';
import { AreaName, useApi, usePermissions, useVersion } from './shared.tsx';

export function AdminPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const may = usePermissions(me);
  const [version, bump] = useVersion();
  // The accounts, for their own tab and to name the creators of tokens and the actors of the audit log.
  const users = useApi<{ items: User[] }>(may('user.manage') ? '/api/users' : null, version);
  const items = [
    ...(may('user.manage')
      ? [
          {
            key: 'users',
            label: t('admin.tabs.users'),
            children: <UsersView me={me} users={users} bump={bump} />,
          },
        ]
      : []),
    ...(may('token.manage')
      ? [
          {
            key: 'tokens',
            label: t('admin.tabs.tokens'),
            children: <TokensView me={me} users={users.data?.items ?? null} version={version} bump={bump} />,
          },
        ]
      : []),
    ...(may('jobs.read') ? [{ key: 'jobs', label: t('admin.tabs.jobs'), children: <JobsViewTab /> }] : []),
    ...(may('audit.read')
      ? [
          {
            key: 'audit',
            label: t('admin.tabs.audit'),
            children: <AuditView users={users.data?.items ?? null} version={version} />,
          },
        ]
      : []),
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space align="baseline" wrap>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('admin.title')}
        </Typography.Title>
        {me.jurisdiction && (
          <Typography.Text type="secondary">
            {t('admin.scope')}
            <AreaName code={me.jurisdiction} />
          </Typography.Text>
        )}
      </Space>
      {items.length > 0 ? <Tabs items={items} /> : <Result status="403" subTitle={t('admin.nothing')} />}
    </Space>
  );
}

export default AdminPage;

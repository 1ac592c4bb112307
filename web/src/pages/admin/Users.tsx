/**
 * 系统管理 · 账号: the accounts of the jurisdiction, a new one with its one-time password shown once, one
 * disabled with a reason.
 */
import { Button, Form, Input, Popconfirm, Space, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ROLES, type Role } from '../../../../src/modules/access/roles.ts';
import { AreaPicker } from '../../AreaPicker.tsx';
import { api, type Me } from '../../api.ts';
import type { CreatedUser, User } from '../../contract.ts';
import { CodeSelect } from '../filters.tsx';
import { FormModal } from '../forms.tsx';
import {
  ACTIONS,
  areaColumn,
  byNumber,
  byString,
  type Column,
  filtersFrom,
  type Loaded,
  StatusTag,
  useAction,
} from '../shared.tsx';
import { CreatableTable, RoleTag, USERNAME, useBeijingTime, useGrants } from './common.tsx';

export function UsersView({
  me,
  users,
  bump,
}: {
  me: Me;
  users: Loaded<{ items: User[] }>;
  bump: () => void;
}) {
  const { t } = useTranslation();
  const time = useBeijingTime();
  const rows = users.data?.items ?? [];
  const roleWord = (v: string) => t(`role.${v}`, { defaultValue: v });
  const statusWord = (v: string) => t(`admin.users.statusWord.${v}`, { defaultValue: v });
  const columns: Column<User>[] = [
    { key: 'id', title: t('admin.users.id'), dataIndex: 'id', sorter: byNumber((r: User) => r.id) },
    {
      key: 'username',
      title: t('admin.users.username'),
      dataIndex: 'username',
      sorter: byString((r: User) => r.username),
    },
    {
      key: 'display_name',
      title: t('admin.users.displayName'),
      dataIndex: 'display_name',
      sorter: byString((r: User) => r.display_name),
    },
    {
      key: 'role',
      title: t('admin.users.role'),
      dataIndex: 'role',
      filters: filtersFrom(rows, (r) => r.role, roleWord),
      onFilter: (v, r) => r.role === v,
      render: (v: string) => <RoleTag role={v} />,
      exportValue: (r) => roleWord(r.role),
    },
    areaColumn({ key: 'jurisdiction', title: t('admin.users.area'), get: (r: User) => r.jurisdiction }),
    {
      key: 'status',
      title: t('admin.users.status'),
      dataIndex: 'status',
      filters: filtersFrom(rows, (r) => r.status, statusWord),
      onFilter: (v, r) => r.status === v,
      render: (_: unknown, r: User) => (
        <Space size={4} wrap>
          <StatusTag
            ns="admin.users.statusWord"
            value={r.status}
            colors={{ active: 'green', disabled: 'default' }}
          />
          {r.must_change_password && r.status === 'active' && (
            <Tag color="orange">{t('admin.users.mustChange')}</Tag>
          )}
        </Space>
      ),
      exportValue: (r) =>
        r.must_change_password && r.status === 'active'
          ? `${statusWord(r.status)}（${t('admin.users.mustChange')}）`
          : statusWord(r.status),
    },
    {
      key: 'last_login_at',
      title: t('admin.users.lastLogin'),
      dataIndex: 'last_login_at',
      sorter: byString((r: User) => r.last_login_at),
      render: (v: string | null) => (v ? time(v) : t('admin.users.never')),
      exportValue: (r) => (r.last_login_at ? time(r.last_login_at) : t('admin.users.never')),
    },
    {
      key: ACTIONS,
      title: t('action.actions'),
      render: (_: unknown, r: User) =>
        r.status !== 'active' ? null : me.kind === 'user' && r.username === me.name ? (
          <Tooltip title={t('admin.users.self')}>
            <Button size="small" danger disabled>
              {t('admin.users.disable')}
            </Button>
          </Tooltip>
        ) : (
          <DisableUser user={r} onDone={bump} />
        ),
    },
  ];
  return (
    <CreatableTable<User>
      rows={rows}
      columns={columns}
      rowKey="id"
      loading={users.loading}
      error={users.error}
      exportName={t('admin.users.title')}
      createLabel={t('admin.users.create')}
      create={(close, done) => (
        <NewUserModal
          me={me}
          onClose={close}
          onCreated={(u) => {
            bump();
            done({
              title: t('admin.users.oneTimeTitle', { username: u.username }),
              warning: t('admin.users.oneTimeWarning'),
              value: u.one_time_password,
            });
          }}
        />
      )}
    />
  );
}

interface NewUserValues {
  username: string;
  display_name: string;
  role?: Role;
  jurisdiction?: string;
}

function NewUserModal({
  me,
  onClose,
  onCreated,
}: {
  me: Me;
  onClose: () => void;
  onCreated: (u: CreatedUser) => void;
}) {
  const { t } = useTranslation();
  const act = useAction();
  const grants = useGrants();
  const [form] = Form.useForm<NewUserValues>();
  const role = Form.useWatch('role', form);
  const submit = async (v: NewUserValues) => {
    const out = await act(
      () =>
        api<CreatedUser>('/api/users', {
          method: 'POST',
          body: {
            username: v.username.trim(),
            display_name: v.display_name.trim(),
            role: v.role,
            jurisdiction: v.jurisdiction,
          },
        }),
      (u) => t('admin.users.created', { username: u.username }),
    );
    if (out) onCreated(out);
  };
  return (
    <FormModal
      form={form}
      onSubmit={submit}
      title={t('admin.users.createTitle')}
      okText={t('admin.users.submit')}
      onCancel={onClose}
      maskClosable={false}
      formProps={{ name: 'admin-user', initialValues: { jurisdiction: me.jurisdiction } }}
    >
      <Form.Item
        name="username"
        label={t('admin.users.username')}
        extra={t('admin.users.usernameHint')}
        rules={[{ required: true, pattern: USERNAME, message: t('admin.users.usernameRule') }]}
      >
        <Input autoComplete="off" maxLength={40} />
      </Form.Item>
      <Form.Item
        name="display_name"
        label={t('admin.users.displayName')}
        rules={[{ required: true, whitespace: true, max: 100, message: t('admin.users.displayNameRule') }]}
      >
        <Input maxLength={100} />
      </Form.Item>
      <Form.Item
        name="role"
        label={t('admin.users.role')}
        extra={grants(role)}
        rules={[{ required: true, message: t('admin.users.roleRule') }]}
      >
        <CodeSelect ns="role" codes={ROLES} placeholder={t('admin.users.pickRole')} />
      </Form.Item>
      <Form.Item
        name="jurisdiction"
        label={t('admin.users.area')}
        rules={[{ required: true, message: t('admin.area.required') }]}
      >
        <AreaPicker root={me.jurisdiction} />
      </Form.Item>
      <Typography.Text type="secondary">{t('admin.users.passwordNote')}</Typography.Text>
    </FormModal>
  );
}

/** 停用: asks for the reason (4–500 characters, as the API requires) before it disables. */
function DisableUser({ user, onDone }: { user: User; onDone: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [reason, setReason] = useState('');
  const length = reason.trim().length;
  return (
    <Popconfirm
      title={t('admin.users.disableTitle', { username: user.username })}
      description={
        <Space direction="vertical" style={{ width: 300 }}>
          <Typography.Text type="secondary">{t('admin.users.disableHint')}</Typography.Text>
          <Input.TextArea
            aria-label={t('admin.users.reason')}
            placeholder={t('admin.users.reasonPlaceholder')}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            rows={2}
            maxLength={500}
          />
          {length > 0 && length < 4 && (
            <Typography.Text type="danger">{t('action.reasonRule')}</Typography.Text>
          )}
        </Space>
      }
      okText={t('action.confirm')}
      cancelText={t('action.cancel')}
      okButtonProps={{ danger: true, disabled: length < 4 || length > 500 }}
      onConfirm={async () => {
        const out = await act(
          () => api(`/api/users/${user.id}/disable`, { method: 'POST', body: { reason: reason.trim() } }),
          () => t('admin.users.disabled', { username: user.username }),
          onDone,
        );
        if (out) setReason('');
      }}
    >
      <Button size="small" danger>
        {t('admin.users.disable')}
      </Button>
    </Popconfirm>
  );
}

/** 系统管理 · 接口令牌: the tokens of the jurisdiction, a new one with its secret shown once, one revoked. */
import { Form, Input, InputNumber, Space, Typography } from 'antd';
import { type ReactNode, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { ROLE_PERMISSIONS, type Role } from '../../../../src/modules/access/roles.ts';
import { AreaPicker } from '../../AreaPicker.tsx';
import { api, type Me } from '../../api.ts';
import type { CreatedToken, Token, User } from '../../contract.ts';
import { CodeSelect } from '../filters.tsx';
import { FormModal } from '../forms.tsx';
import {
  ACTIONS,
  areaColumn,
  byNumber,
  byString,
  type Column,
  ConfirmButton,
  filtersFrom,
  StatusTag,
  useAction,
  useApi,
} from '../shared.tsx';
import { CreatableTable, RoleTag, TOKEN_ROLES, useBeijingTime, useGrants } from './common.tsx';

type TokenStatus = 'active' | 'expired' | 'revoked';

const tokenStatus = (r: Token, now: number): TokenStatus =>
  r.revoked_at ? 'revoked' : new Date(r.expires_at).getTime() <= now ? 'expired' : 'active';

export function TokensView({
  me,
  users,
  version,
  bump,
}: {
  me: Me;
  users: User[] | null;
  version: number;
  bump: () => void;
}) {
  const { t } = useTranslation();
  const time = useBeijingTime();
  const act = useAction();
  const tokens = useApi<{ items: Token[] }>('/api/tokens', version);
  const rows = tokens.data?.items ?? [];
  // "Now" of the answer: expiry is judged when the list arrived.
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new answer, a new now
  const now = useMemo(() => Date.now(), [tokens.data]);
  const roleWord = (v: string) => t(`role.${v}`, { defaultValue: v });
  const statusWord = (v: string) => t(`admin.tokens.statusWord.${v}`, { defaultValue: v });
  const creator = (id: number | null) => {
    if (id === null) return t('admin.tokens.byCli');
    const u = users?.find((x) => x.id === id);
    return u ? `${u.display_name}（${u.username}）` : t('admin.tokens.byAccount', { id });
  };
  const revoke = (r: Token) =>
    act(
      () => api(`/api/tokens/${r.id}/revoke`, { method: 'POST' }),
      () => t('admin.tokens.revoked', { name: r.name }),
      bump,
    );
  const columns: Column<Token>[] = [
    { key: 'id', title: t('admin.tokens.id'), dataIndex: 'id', sorter: byNumber((r: Token) => r.id) },
    { key: 'name', title: t('admin.tokens.name'), dataIndex: 'name', sorter: byString((r: Token) => r.name) },
    {
      key: 'prefix',
      title: t('admin.tokens.prefix'),
      dataIndex: 'prefix',
      render: (v: string) => <Typography.Text code>{`${v}…`}</Typography.Text>,
    },
    {
      key: 'role',
      title: t('admin.tokens.role'),
      dataIndex: 'role',
      filters: filtersFrom(rows, (r) => r.role, roleWord),
      onFilter: (v, r) => r.role === v,
      render: (v: string) => <RoleTag role={v} />,
      exportValue: (r) => roleWord(r.role),
    },
    areaColumn({ key: 'jurisdiction', title: t('admin.tokens.area'), get: (r: Token) => r.jurisdiction }),
    {
      key: 'status',
      title: t('admin.tokens.status'),
      filters: (['active', 'expired', 'revoked'] as const).map((v) => ({ text: statusWord(v), value: v })),
      onFilter: (v, r) => tokenStatus(r, now) === v,
      render: (_: unknown, r: Token) => (
        <StatusTag
          ns="admin.tokens.statusWord"
          value={tokenStatus(r, now)}
          colors={{ active: 'green', expired: 'orange', revoked: 'default' }}
        />
      ),
      exportValue: (r) => statusWord(tokenStatus(r, now)),
    },
    {
      key: 'created_at',
      title: t('admin.tokens.createdAt'),
      dataIndex: 'created_at',
      sorter: byString((r: Token) => r.created_at),
      render: (v: string) => time(v),
      exportValue: (r) => time(r.created_at),
    },
    {
      key: 'expires_at',
      title: t('admin.tokens.expiresAt'),
      dataIndex: 'expires_at',
      sorter: byString((r: Token) => r.expires_at),
      render: (v: string) => time(v),
      exportValue: (r) => time(r.expires_at),
    },
    {
      key: 'last_used_at',
      title: t('admin.tokens.lastUsed'),
      dataIndex: 'last_used_at',
      sorter: byString((r: Token) => r.last_used_at),
      render: (v: string | null) => (v ? time(v) : t('admin.tokens.never')),
      exportValue: (r) => (r.last_used_at ? time(r.last_used_at) : t('admin.tokens.never')),
    },
    {
      key: 'created_by',
      title: t('admin.tokens.createdBy'),
      dataIndex: 'created_by',
      render: (v: number | null) => creator(v),
      exportValue: (r) => creator(r.created_by),
    },
    {
      key: ACTIONS,
      title: t('action.actions'),
      render: (_: unknown, r: Token) =>
        r.revoked_at ? null : (
          <ConfirmButton
            danger
            title={t('admin.tokens.revokeTitle', { name: r.name })}
            description={t('admin.tokens.revokeHint')}
            onConfirm={() => revoke(r)}
          >
            {t('admin.tokens.revoke')}
          </ConfirmButton>
        ),
    },
  ];
  return (
    <CreatableTable<Token>
      rows={rows}
      columns={columns}
      rowKey="id"
      loading={tokens.loading}
      error={tokens.error}
      exportName={t('admin.tokens.title')}
      createLabel={t('admin.tokens.create')}
      create={(close, done) => (
        <NewTokenModal
          me={me}
          onClose={close}
          onCreated={(name, out) => {
            bump();
            done({
              title: t('admin.tokens.secretTitle', { name }),
              warning: t('admin.tokens.secretWarning'),
              value: out.token,
              note: t('admin.tokens.secretExpires', { at: time(out.expires_at) }),
            });
          }}
        />
      )}
    />
  );
}

interface NewTokenValues {
  name: string;
  role?: Role;
  jurisdiction?: string;
  days: number;
}

function NewTokenModal({
  me,
  onClose,
  onCreated,
}: {
  me: Me;
  onClose: () => void;
  onCreated: (name: string, out: CreatedToken) => void;
}) {
  const { t } = useTranslation();
  const act = useAction();
  const grants = useGrants();
  const [form] = Form.useForm<NewTokenValues>();
  const role = Form.useWatch('role', form);
  const submit = async (v: NewTokenValues) => {
    const name = v.name.trim();
    const out = await act(
      () =>
        api<CreatedToken>('/api/tokens', {
          method: 'POST',
          body: { name, role: v.role, jurisdiction: v.jurisdiction, days: v.days },
        }),
      () => t('admin.tokens.created', { name }),
    );
    if (out) onCreated(name, out);
  };
  const unmask = role !== undefined && ROLE_PERMISSIONS[role].includes('person.unmask');
  const roleExtra: ReactNode = (
    <Space direction="vertical" size={2}>
      <span>{role ? grants(role) : t('admin.tokens.roleHint')}</span>
      {unmask && <Typography.Text type="danger">{t('admin.tokens.unmaskWarning')}</Typography.Text>}
    </Space>
  );
  return (
    <FormModal
      form={form}
      onSubmit={submit}
      title={t('admin.tokens.createTitle')}
      okText={t('admin.tokens.submit')}
      onCancel={onClose}
      maskClosable={false}
      formProps={{ name: 'admin-token', initialValues: { jurisdiction: me.jurisdiction, days: 30 } }}
    >
      <Form.Item
        name="name"
        label={t('admin.tokens.name')}
        rules={[{ required: true, whitespace: true, max: 100, message: t('admin.tokens.nameRule') }]}
      >
        <Input placeholder={t('admin.tokens.namePlaceholder')} maxLength={100} />
      </Form.Item>
      <Form.Item
        name="role"
        label={t('admin.tokens.role')}
        extra={roleExtra}
        rules={[{ required: true, message: t('admin.users.roleRule') }]}
      >
        <CodeSelect ns="role" codes={TOKEN_ROLES} placeholder={t('admin.users.pickRole')} />
      </Form.Item>
      <Form.Item
        name="jurisdiction"
        label={t('admin.tokens.area')}
        rules={[{ required: true, message: t('admin.area.required') }]}
      >
        <AreaPicker root={me.jurisdiction} />
      </Form.Item>
      <Form.Item
        name="days"
        label={t('admin.tokens.days')}
        rules={[{ required: true, type: 'integer', min: 1, max: 366, message: t('admin.tokens.daysRule') }]}
      >
        <InputNumber min={1} max={366} precision={0} addonAfter={t('admin.tokens.daysUnit')} />
      </Form.Item>
    </FormModal>
  );
}

/**
 * 系统管理: the accounts of the jurisdiction (list, create with a one-time password shown once, disable with a
 * reason), its API tokens (list, create with the secret shown once, revoke) and the audit log (filtered, in the
 * API's keyset pages, and the hash chain verified). Each part shows only with its permission: user.manage,
 * token.manage, audit.read. Every refusal of the API is shown in words (errorText); every time in Beijing time.
 */
import {
  Alert,
  Button,
  Card,
  DatePicker,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Result,
  Select,
  Space,
  Tabs,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AUDIT_ACTIONS, AUDIT_SUBJECTS, auditDetailsText } from '../../../src/modules/access/audit-words.ts';
import { ROLE_PERMISSIONS, ROLES, type Role } from '../../../src/modules/access/roles.ts';
import { AreaPicker } from '../AreaPicker.tsx';
import { api, type Me, query } from '../api.ts';
import { areaFullName, prefetchAreaNames, useAreaNamesVersion } from '../area-names.ts';
import type {
  AuditPage,
  AuditRow,
  AuditVerdict,
  CreatedToken,
  CreatedUser,
  Token,
  User,
} from '../contract.ts';
import {
  ACTIONS,
  AreaName,
  areaColumn,
  byNumber,
  byString,
  type Column,
  ConfirmButton,
  DataTable,
  ErrorAlert,
  errorText,
  filtersFrom,
  type Loaded,
  StatusTag,
  useAction,
  useApi,
  useKeyset,
  usePermissions,
  useVersion,
} from './shared.tsx';

// ------------------------------------------------------------------------------------------------ shapes

type Verdict = AuditVerdict;

// ------------------------------------------------------------------------------------------------ helpers

/** Roles an API token may act with (the server refuses admin and auditor: roles of people). */
const TOKEN_ROLES = ROLES.filter((r) => r !== 'admin' && r !== 'auditor');
const USERNAME = /^[a-z0-9_.-]{3,40}$/;
const HEAD = /^\d{1,15}:[0-9a-f]{64}$/;
const PAGE_SIZES = [20, 50, 100, 200];

/** The audit actions and subject types with words (shared with the server's export of the log). */
const SUBJECT_TYPES = AUDIT_SUBJECTS;

const isRole = (v: string): v is Role => (ROLES as readonly string[]).includes(v);

/** Times as the API's clock counts them: Beijing, whatever the browser's own time zone. */
function useBeijingTime(): (v: string | null | undefined) => string {
  const { i18n } = useTranslation();
  const locale = i18n.language === 'en' ? 'en-GB' : 'zh-CN';
  return useMemo(() => {
    const fmt = new Intl.DateTimeFormat(locale, {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    return (v) => (v ? fmt.format(new Date(v)) : '—');
  }, [locale]);
}

/** A Beijing day (YYYY-MM-DD) as the instant it starts. */
const beijingMidnight = (day: string) => `${day}T00:00:00+08:00`;

function RoleTag({ role }: { role: string }) {
  const { t } = useTranslation();
  return (
    <Tag color={role === 'admin' ? 'red' : role === 'auditor' ? 'purple' : undefined}>
      {t(`role.${role}`, { defaultValue: role })}
    </Tag>
  );
}

/** What a role may do, in words. */
function useGrants(): (role: string | undefined) => string {
  const { t, i18n } = useTranslation();
  const sep = i18n.language === 'en' ? ', ' : '、';
  return useCallback(
    (role) =>
      role && isRole(role)
        ? t('admin.users.grants', {
            list: ROLE_PERMISSIONS[role]
              .map((p) => t(`admin.permission.${p}`, { defaultValue: p }))
              .join(sep),
          })
        : '',
    [t, sep],
  );
}

/** A secret shown once: a password or a token, with a copy button and the warning that it is not shown again. */
interface Secret {
  title: string;
  warning: string;
  value: string;
  note?: string;
}

function SecretModal({ secret, onClose }: { secret: Secret | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal
      open={secret !== null}
      title={secret?.title}
      closable={false}
      maskClosable={false}
      keyboard={false}
      footer={
        <Button type="primary" onClick={onClose}>
          {t('admin.secret.done')}
        </Button>
      }
    >
      {secret && (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Alert type="warning" showIcon message={secret.warning} />
          <div data-testid="admin-secret">
            <Typography.Paragraph
              code
              copyable={{ text: secret.value }}
              style={{ fontSize: 16, wordBreak: 'break-all', margin: 0 }}
            >
              {secret.value}
            </Typography.Paragraph>
          </div>
          {secret.note && <Typography.Text type="secondary">{secret.note}</Typography.Text>}
        </Space>
      )}
    </Modal>
  );
}

// ------------------------------------------------------------------------------------------------ page

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

// ------------------------------------------------------------------------------------------------ accounts

function UsersView({ me, users, bump }: { me: Me; users: Loaded<{ items: User[] }>; bump: () => void }) {
  const { t } = useTranslation();
  const time = useBeijingTime();
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<Secret | null>(null);
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
    <>
      <DataTable<User>
        rows={rows}
        columns={columns}
        rowKey="id"
        loading={users.loading}
        error={users.error}
        exportName={t('admin.users.title')}
        toolbar={
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('admin.users.create')}
          </Button>
        }
      />
      {creating && (
        <NewUserModal
          me={me}
          onClose={() => setCreating(false)}
          onCreated={(u) => {
            setCreating(false);
            bump();
            setSecret({
              title: t('admin.users.oneTimeTitle', { username: u.username }),
              warning: t('admin.users.oneTimeWarning'),
              value: u.one_time_password,
            });
          }}
        />
      )}
      <SecretModal secret={secret} onClose={() => setSecret(null)} />
    </>
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
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
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
    setBusy(false);
    if (out) onCreated(out);
  };
  return (
    <Modal
      open
      title={t('admin.users.createTitle')}
      okText={t('admin.users.submit')}
      cancelText={t('action.cancel')}
      confirmLoading={busy}
      onOk={submit}
      onCancel={onClose}
      maskClosable={false}
    >
      <Form<NewUserValues>
        name="admin-user"
        form={form}
        layout="vertical"
        initialValues={{ jurisdiction: me.jurisdiction }}
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
          <Select
            placeholder={t('admin.users.pickRole')}
            options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))}
          />
        </Form.Item>
        <Form.Item
          name="jurisdiction"
          label={t('admin.users.area')}
          rules={[{ required: true, message: t('admin.area.required') }]}
        >
          <AreaPicker root={me.jurisdiction} />
        </Form.Item>
        <Typography.Text type="secondary">{t('admin.users.passwordNote')}</Typography.Text>
      </Form>
    </Modal>
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

// ------------------------------------------------------------------------------------------------ tokens

type TokenStatus = 'active' | 'expired' | 'revoked';

const tokenStatus = (r: Token, now: number): TokenStatus =>
  r.revoked_at ? 'revoked' : new Date(r.expires_at).getTime() <= now ? 'expired' : 'active';

function TokensView({
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
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<Secret | null>(null);
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
    <>
      <DataTable<Token>
        rows={rows}
        columns={columns}
        rowKey="id"
        loading={tokens.loading}
        error={tokens.error}
        exportName={t('admin.tokens.title')}
        toolbar={
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('admin.tokens.create')}
          </Button>
        }
      />
      {creating && (
        <NewTokenModal
          me={me}
          onClose={() => setCreating(false)}
          onCreated={(name, out) => {
            setCreating(false);
            bump();
            setSecret({
              title: t('admin.tokens.secretTitle', { name }),
              warning: t('admin.tokens.secretWarning'),
              value: out.token,
              note: t('admin.tokens.secretExpires', { at: time(out.expires_at) }),
            });
          }}
        />
      )}
      <SecretModal secret={secret} onClose={() => setSecret(null)} />
    </>
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
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    const name = v.name.trim();
    const out = await act(
      () =>
        api<CreatedToken>('/api/tokens', {
          method: 'POST',
          body: { name, role: v.role, jurisdiction: v.jurisdiction, days: v.days },
        }),
      () => t('admin.tokens.created', { name }),
    );
    setBusy(false);
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
    <Modal
      open
      title={t('admin.tokens.createTitle')}
      okText={t('admin.tokens.submit')}
      cancelText={t('action.cancel')}
      confirmLoading={busy}
      onOk={submit}
      onCancel={onClose}
      maskClosable={false}
    >
      <Form<NewTokenValues>
        name="admin-token"
        form={form}
        layout="vertical"
        initialValues={{ jurisdiction: me.jurisdiction, days: 30 }}
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
          <Select
            placeholder={t('admin.users.pickRole')}
            options={TOKEN_ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))}
          />
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
      </Form>
    </Modal>
  );
}

// ------------------------------------------------------------------------------------------------ audit

/** Kinds of actor the log names (the server's AuditFilterQuery.actor_kind). */
const ACTOR_KINDS = ['user', 'token', 'cli', 'system'] as const;
type ActorKind = (typeof ACTOR_KINDS)[number];

interface AuditFilterValues {
  action?: string;
  actor_kind?: ActorKind | null;
  actor_id?: number | null;
  subject_type?: string;
  subject_id?: string;
  period?: [Dayjs, Dayjs] | null;
  limit: number;
}

interface AuditQuery {
  action?: string;
  actor_kind?: ActorKind;
  actor_id?: number;
  subject_type?: string;
  subject_id?: string;
  from?: string;
  to?: string;
  limit: number;
}

function AuditView({ users, version }: { users: User[] | null; version: number }) {
  const { t, i18n } = useTranslation();
  const time = useBeijingTime();
  const [form] = Form.useForm<AuditFilterValues>();
  const [filter, setFilter] = useState<AuditQuery>({ limit: 50 });
  const keyset = useKeyset();
  const audit = useApi<AuditPage>(`/api/audit${query({ ...filter, after: keyset.after })}`, version);
  const en = i18n.language === 'en';
  const rows = useMemo(() => audit.data?.items ?? [], [audit.data]);
  const nextAfter = audit.data?.next_after ?? null;

  const apply = (v: AuditFilterValues) => {
    const [from, to] = v.period ?? [];
    setFilter({
      action: v.action || undefined,
      // actor_id names an account or a token alike: a filter by account keeps the entries of accounts.
      actor_kind: v.actor_kind ?? (v.actor_id != null ? 'user' : undefined),
      actor_id: v.actor_id ?? undefined,
      subject_type: v.subject_type || undefined,
      subject_id: v.subject_id?.trim() || undefined,
      from: from ? beijingMidnight(from.format('YYYY-MM-DD')) : undefined,
      to: to ? beijingMidnight(to.add(1, 'day').format('YYYY-MM-DD')) : undefined,
      limit: v.limit,
    });
    keyset.reset();
  };

  const actionWord = (a: string) => t(`admin.audit.actions.${a}`, { defaultValue: a });
  const subjectWord = (s: string) => t(`admin.audit.subjects.${s}`, { defaultValue: s });
  const actorText = (r: AuditRow) =>
    `${t(`admin.audit.actorKind.${r.actor_kind}`, { defaultValue: r.actor_kind })} ${r.actor_name}`;
  const subjectText = (r: AuditRow) =>
    r.subject_type
      ? `${subjectWord(r.subject_type)}${r.subject_id ? (r.subject_name ? ` ${r.subject_name}（${r.subject_id}）` : ` ${r.subject_id}`) : ''}`
      : '—';
  // The same words as the server's export of the log (one definition: src/modules/access/audit-words.ts).
  useAreaNamesVersion(); // names of the areas the details name, once loaded
  const detailText = (r: AuditRow) => auditDetailsText(r.details, r.action, en ? 'en' : 'zh', areaFullName);
  useEffect(() => {
    prefetchAreaNames(rows.flatMap((r) => [r.details?.area, r.details?.areas].flat() as string[]));
  }, [rows]);

  const columns: Column<AuditRow>[] = [
    { key: 'id', title: t('admin.audit.id'), dataIndex: 'id' },
    {
      key: 'at',
      title: t('admin.audit.at'),
      dataIndex: 'at',
      render: (v: string) => time(v),
      exportValue: (r) => time(r.at),
    },
    {
      key: 'actor',
      title: t('admin.audit.actor'),
      render: (_: unknown, r: AuditRow) => actorText(r),
      exportValue: actorText,
    },
    {
      key: 'action',
      title: t('admin.audit.action'),
      dataIndex: 'action',
      render: (v: string) => (
        <Tag color={v.endsWith('failed') || v === 'person.unmask' ? 'orange' : undefined}>
          {actionWord(v)}
        </Tag>
      ),
      exportValue: (r) => actionWord(r.action),
    },
    {
      key: 'subject',
      title: t('admin.audit.subject'),
      render: (_: unknown, r: AuditRow) => subjectText(r),
      exportValue: subjectText,
    },
    areaColumn({ key: 'area_code', title: t('admin.audit.area'), get: (r: AuditRow) => r.area_code }),
    { key: 'reason', title: t('admin.audit.reason'), dataIndex: 'reason', render: (v) => v ?? '—' },
    {
      key: 'details',
      title: t('admin.audit.details'),
      render: (_: unknown, r: AuditRow) => {
        const text = detailText(r);
        return text ? (
          <Typography.Text style={{ maxWidth: 420 }} ellipsis={{ tooltip: text }}>
            {text}
          </Typography.Text>
        ) : (
          '—'
        );
      },
      exportValue: detailText,
    },
  ];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <VerifyChain />
      <Card size="small" title={t('admin.audit.title')}>
        <Form<AuditFilterValues>
          name="admin-audit"
          form={form}
          layout="inline"
          initialValues={{ limit: 50 }}
          onFinish={apply}
          style={{ rowGap: 8, marginBottom: 12 }}
        >
          <Form.Item name="action" label={t('admin.audit.filters.action')}>
            <Select
              allowClear
              showSearch
              optionFilterProp="label"
              placeholder={t('admin.audit.filters.anyAction')}
              style={{ width: 200 }}
              popupMatchSelectWidth={false}
              options={AUDIT_ACTIONS.map((a) => ({ value: a, label: actionWord(a) }))}
            />
          </Form.Item>
          <Form.Item name="actor_kind" label={t('admin.audit.filters.actorKind')}>
            <Select
              allowClear
              placeholder={t('admin.audit.filters.anyActorKind')}
              style={{ width: 130 }}
              popupMatchSelectWidth={false}
              options={ACTOR_KINDS.map((k) => ({ value: k, label: t(`admin.audit.actorKind.${k}`) }))}
            />
          </Form.Item>
          <Form.Item name="actor_id" label={t('admin.audit.filters.actor')}>
            {users ? (
              <Select
                allowClear
                showSearch
                optionFilterProp="label"
                placeholder={t('admin.audit.filters.anyActor')}
                style={{ width: 200 }}
                popupMatchSelectWidth={false}
                options={users.map((u) => ({ value: u.id, label: `${u.display_name}（${u.username}）` }))}
              />
            ) : (
              <InputNumber
                min={1}
                precision={0}
                placeholder={t('admin.audit.filters.actorId')}
                style={{ width: 160 }}
              />
            )}
          </Form.Item>
          <Form.Item name="subject_type" label={t('admin.audit.filters.subjectType')}>
            <Select
              allowClear
              placeholder={t('admin.audit.filters.anySubject')}
              style={{ width: 150 }}
              popupMatchSelectWidth={false}
              options={SUBJECT_TYPES.map((s) => ({ value: s, label: subjectWord(s) }))}
            />
          </Form.Item>
          <Form.Item name="subject_id" label={t('admin.audit.filters.subjectId')}>
            <Input allowClear maxLength={40} style={{ width: 120 }} />
          </Form.Item>
          <Form.Item name="period" label={t('admin.audit.filters.period')}>
            <DatePicker.RangePicker />
          </Form.Item>
          <Form.Item name="limit" label={t('admin.audit.filters.pageSize')}>
            <Select
              style={{ width: 110 }}
              options={PAGE_SIZES.map((n) => ({ value: n, label: t('admin.audit.filters.rows', { n }) }))}
            />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit">
                {t('admin.audit.filters.search')}
              </Button>
              <Button
                onClick={() => {
                  form.resetFields();
                  apply({ limit: 50 });
                }}
              >
                {t('admin.audit.filters.reset')}
              </Button>
            </Space>
          </Form.Item>
        </Form>
        <DataTable<AuditRow>
          rows={rows}
          columns={columns}
          rowKey="id"
          loading={audit.loading}
          error={audit.error}
          exportName={t('admin.audit.title')}
          serverExport={`/api/audit/export${query({ ...filter, limit: undefined })}`}
          toolbar={<Typography.Text type="secondary">{t('admin.audit.order')}</Typography.Text>}
          serverPaging={{
            page: keyset.page,
            hasNext: nextAfter !== null,
            onPrev: keyset.prev,
            onNext: () => {
              if (nextAfter !== null) keyset.next(nextAfter);
            },
          }}
        />
      </Card>
    </Space>
  );
}

/** The API's English problem (src/modules/access/audit.ts verifyAudit) in the reader's words. */
function problemKey(problem: string | undefined): string {
  if (!problem) return 'other';
  if (problem.includes('link to the previous entry')) return 'link';
  if (problem.includes('changed after it was written')) return 'changed';
  if (problem.includes('no longer has the published hash')) return 'rewritten';
  if (problem.includes('removed from its end')) return 'truncated';
  return 'other';
}

function VerifyChain() {
  const { t, i18n } = useTranslation();
  const time = useBeijingTime();
  const [expect, setExpect] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ verdict: Verdict; at: string; withHead: boolean } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const head = expect.trim();
  const headBad = head !== '' && !HEAD.test(head);

  const run = async () => {
    if (headBad) return;
    setBusy(true);
    setError(null);
    try {
      const verdict = await api<Verdict>(`/api/audit/verify${query({ expect_head: head || undefined })}`);
      setResult({ verdict, at: new Date().toISOString(), withHead: head !== '' });
    } catch (err) {
      setResult(null);
      setError(err ?? new Error('failed'));
    } finally {
      setBusy(false);
    }
  };

  const v = result?.verdict;
  const problem =
    v && !v.ok
      ? i18n.language === 'en' && v.problem
        ? v.problem
        : t(`admin.audit.verify.problem.${problemKey(v.problem)}`)
      : '';
  return (
    <Card size="small" title={t('admin.audit.verify.title')}>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Typography.Text type="secondary">{t('admin.audit.verify.hint')}</Typography.Text>
        <Space wrap align="start">
          <Input
            aria-label={t('admin.audit.verify.expect')}
            addonBefore={t('admin.audit.verify.expect')}
            placeholder={t('admin.audit.verify.expectPlaceholder')}
            value={expect}
            onChange={(e) => setExpect(e.target.value)}
            status={headBad ? 'error' : undefined}
            allowClear
            style={{ width: 520 }}
          />
          <Button type="primary" onClick={run} loading={busy} disabled={headBad}>
            {t('admin.audit.verify.run')}
          </Button>
        </Space>
        {headBad && <Typography.Text type="danger">{t('admin.audit.verify.expectRule')}</Typography.Text>}
        <ErrorAlert error={error === null ? null : errorText(error)} />
        {v && result && (
          <Alert
            data-testid="audit-verdict"
            type={v.ok ? 'success' : 'error'}
            showIcon
            message={
              v.ok
                ? t(result.withHead ? 'admin.audit.verify.okWithHead' : 'admin.audit.verify.ok', {
                    n: v.checked.toLocaleString(),
                  })
                : t('admin.audit.verify.broken', { n: v.checked.toLocaleString() })
            }
            description={
              <Space direction="vertical" size={2}>
                {!v.ok && <span>{problem}</span>}
                {!v.ok && v.brokenAt !== undefined && (
                  <span>{t('admin.audit.verify.brokenAt', { id: v.brokenAt })}</span>
                )}
                {v.ok && (
                  <span>
                    {t('admin.audit.verify.head')}
                    <Typography.Text code copyable={{ text: v.head.text }} style={{ wordBreak: 'break-all' }}>
                      {v.head.text}
                    </Typography.Text>
                  </span>
                )}
                <Typography.Text type="secondary">
                  {t('admin.audit.verify.at', { at: time(result.at) })}
                </Typography.Text>
              </Space>
            }
          />
        )}
      </Space>
    </Card>
  );
}

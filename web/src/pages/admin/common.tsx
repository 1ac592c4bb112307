/**
 * What the parts of 系统管理 share: times in Beijing with seconds, a role as a tag and what it may do in
 * words, and the one-time display of a secret (a password or a token).
 */
import { Alert, Button, Modal, Space, Tag, Typography } from 'antd';
import { type ReactNode, useCallback, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ROLE_PERMISSIONS, ROLES, type Role } from '../../../../src/modules/access/roles.ts';
import { DataTable, type DataTableProps } from '../shared.tsx';

/** Roles an API token may act with (the server refuses admin and auditor: roles of people). */
export const TOKEN_ROLES = ROLES.filter((r) => r !== 'admin' && r !== 'auditor');
export const USERNAME = /^[a-z0-9_.-]{3,40}$/;

const isRole = (v: string): v is Role => (ROLES as readonly string[]).includes(v);

/** Times as the API's clock counts them: Beijing, whatever the browser's own time zone. */
export function useBeijingTime(): (v: string | null | undefined) => string {
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

export function RoleTag({ role }: { role: string }) {
  const { t } = useTranslation();
  return (
    <Tag color={role === 'admin' ? 'red' : role === 'auditor' ? 'purple' : undefined}>
      {t(`role.${role}`, { defaultValue: role })}
    </Tag>
  );
}

/** What a role may do, in words. */
export function useGrants(): (role: string | undefined) => string {
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
export interface Secret {
  title: string;
  warning: string;
  value: string;
  note?: string;
}

export function SecretModal({ secret, onClose }: { secret: Secret | null; onClose: () => void }) {
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

/**
 * A list of things that are created with a secret (accounts, tokens): the table, a button that opens `create`'s
 * dialog, and the secret shown once when `create`'s `done` is called (which also closes the dialog).
 */
export function CreatableTable<T extends object>({
  createLabel,
  create,
  ...table
}: Omit<DataTableProps<T>, 'toolbar'> & {
  createLabel: string;
  create: (close: () => void, done: (secret: Secret) => void) => ReactNode;
}) {
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<Secret | null>(null);
  return (
    <>
      <DataTable<T>
        {...table}
        toolbar={
          <Button type="primary" onClick={() => setCreating(true)}>
            {createLabel}
          </Button>
        }
      />
      {creating &&
        create(
          () => setCreating(false),
          (s) => {
            setCreating(false);
            setSecret(s);
          },
        )}
      <SecretModal secret={secret} onClose={() => setSecret(null)} />
    </>
  );
}

/**
 * The passes with their status in words, filtered by status, kind, words and the speed rule's flag; revoke
 * with a reason.
 */
import { Button, Card, Checkbox, Empty, Form, Input, Space, Table, Tag } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query } from '../../api.ts';
import type { PassesAnswer } from '../../contract.ts';
import { CodeSelect } from '../filters.tsx';
import { FormModal } from '../forms.tsx';
import { ErrorAlert, useAction, useApi, useFormat } from '../shared.tsx';
import { Areas, Holder, KINDS, type PassItem, STATUS_COLOURS, STATUSES } from './common.tsx';
import { PassModal } from './PassModal.tsx';

function RevokeModal({ pass, onClose, onDone }: { pass: PassItem; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<{ reason: string }>();
  const submit = async (v: { reason: string }) => {
    const out = await act(
      () => api(`/api/passes/${pass.id}/revoke`, { method: 'POST', body: { reason: v.reason } }),
      () => t('passes.revoke.done', { id: pass.id }),
      onDone,
    );
    if (out) onClose();
  };
  return (
    <FormModal
      form={form}
      onSubmit={submit}
      title={t('passes.revoke.title', { id: pass.id })}
      onCancel={onClose}
      okText={t('passes.revoke.ok')}
      okButtonProps={{ danger: true }}
    >
      <Form.Item
        name="reason"
        label={t('passes.revoke.reason')}
        rules={[{ required: true, whitespace: true, min: 2, message: t('passes.revoke.reasonRule') }]}
      >
        <Input.TextArea rows={3} maxLength={500} />
      </Form.Item>
    </FormModal>
  );
}

export function PassList({
  version,
  bump,
  opened,
  setOpened,
}: {
  version: number;
  bump: () => void;
  opened: number | null;
  setOpened: (id: number | null) => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [status, setStatus] = useState<string | undefined>();
  const [kind, setKind] = useState<string | undefined>();
  const [q, setQ] = useState('');
  const [flagged, setFlagged] = useState(false);
  const [limit, setLimit] = useState(100);
  const [revoking, setRevoking] = useState<PassItem | null>(null);
  const path = `/api/passes${query({ status, kind, q: q.trim() || undefined, flagged: flagged ? 'true' : undefined, limit })}`;
  const list = useApi<PassesAnswer>(path, version);
  const columns = useMemo(
    () => [
      { key: 'id', title: t('passes.list.id'), dataIndex: 'id', width: 70 },
      {
        key: 'kind',
        title: t('passes.list.kind'),
        render: (_: unknown, p: PassItem) => t(`passes.kind.${p.kind}`),
      },
      {
        key: 'holder',
        title: t('passes.list.holder'),
        render: (_: unknown, p: PassItem) => <Holder p={p} />,
      },
      { key: 'org', title: t('passes.list.organisation'), dataIndex: 'organisation' },
      {
        key: 'areas',
        title: t('passes.list.areas'),
        render: (_: unknown, p: PassItem) => <Areas codes={p.areas} route={p.route} />,
      },
      {
        key: 'validity',
        title: t('passes.list.validity'),
        render: (_: unknown, p: PassItem) => (
          <span style={{ whiteSpace: 'nowrap' }}>
            {fmt.dateTime(p.valid_from)}
            <br />
            {fmt.dateTime(p.valid_to)}
          </span>
        ),
      },
      {
        key: 'status',
        title: t('passes.list.status'),
        render: (_: unknown, p: PassItem) => (
          <Tag color={STATUS_COLOURS[p.status]} className="pass-status">
            {t(`passes.status.${p.status}`)}
          </Tag>
        ),
      },
      { key: 'checks', title: t('passes.list.checks'), dataIndex: 'checks' },
      {
        key: 'flagged',
        title: t('passes.list.flagged'),
        render: (_: unknown, p: PassItem) => (p.flagged > 0 ? <Tag color="red">{p.flagged}</Tag> : '—'),
      },
      {
        key: 'actions',
        title: t('passes.list.actions'),
        render: (_: unknown, p: PassItem) => (
          <Space>
            <Button size="small" onClick={() => setOpened(p.id)}>
              {t('passes.list.qr')}
            </Button>
            <Button size="small" danger disabled={p.status === 'revoked'} onClick={() => setRevoking(p)}>
              {t('passes.list.revoke')}
            </Button>
          </Space>
        ),
      },
    ],
    [t, fmt, setOpened],
  );
  return (
    <Card
      size="small"
      title={t('passes.list.title')}
      extra={list.data ? t('passes.list.total', { n: list.data.total }) : null}
    >
      <Space wrap style={{ marginBottom: 12 }}>
        <CodeSelect
          ns="passes.status"
          codes={STATUSES}
          allowClear
          placeholder={t('passes.list.anyStatus')}
          style={{ width: 130 }}
          value={status}
          onChange={setStatus}
        />
        <CodeSelect
          ns="passes.kind"
          codes={KINDS}
          allowClear
          placeholder={t('passes.list.anyKind')}
          style={{ width: 130 }}
          value={kind}
          onChange={setKind}
        />
        <Input.Search
          allowClear
          placeholder={t('passes.list.search')}
          style={{ width: 200 }}
          onSearch={(v) => setQ(v)}
        />
        <Checkbox checked={flagged} onChange={(e) => setFlagged(e.target.checked)}>
          {t('passes.list.onlyFlagged')}
        </Checkbox>
      </Space>
      <ErrorAlert error={list.error} />
      <Table<PassItem>
        size="small"
        rowKey="id"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        columns={columns}
        pagination={{ pageSize: 20, showSizeChanger: false }}
        scroll={{ x: true }}
        locale={{ emptyText: <Empty description={t('passes.list.empty')} /> }}
      />
      {list.data && list.data.total > list.data.items.length && (
        <Button onClick={() => setLimit((n) => Math.min(500, n + 100))}>{t('passes.list.more')}</Button>
      )}
      {opened !== null && <PassModal id={opened} onClose={() => setOpened(null)} />}
      {revoking && <RevokeModal pass={revoking} onClose={() => setRevoking(null)} onDone={bump} />}
    </Card>
  );
}

/** The requests with their steps and lateness, and the last metre: handed, by a named worker or volunteer. */
import { Button, Card, Checkbox, Form, Input, Modal, Radio, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import type { SupplyRequest as RequestItem } from '../../contract.ts';
import { CodeSelect, useCursorList } from '../filters.tsx';
import { areaColumn, byString, type Column, DataTable, useAction, useFormat } from '../shared.tsx';
import { PAGE, Required, STATUS_TAG, usePacks } from './common.tsx';

function HandButton({ r, after }: { r: RequestItem; after: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm();
  // One key per hand-over being recorded: a retried submission is the same record.
  const [key, setKey] = useState(() => crypto.randomUUID());
  return (
    <>
      <Button size="small" type="primary" className="supplies-hand" onClick={() => setOpen(true)}>
        {t('supplies.hand.action')}
      </Button>
      <Modal
        open={open}
        title={t('supplies.hand.title')}
        okText={t('action.confirm')}
        cancelText={t('action.cancel')}
        onCancel={() => setOpen(false)}
        onOk={async () => {
          const v = await form.validateFields();
          const ok = await act(
            () =>
              api(`/api/supplies/requests/${r.id}/handed`, {
                method: 'POST',
                body: { key, worker: v.worker, worker_kind: v.worker_kind },
              }),
            () => t('supplies.hand.ok'),
            after,
          );
          if (ok) {
            setOpen(false);
            form.resetFields();
            setKey(crypto.randomUUID());
          }
        }}
      >
        <Form form={form} layout="vertical" initialValues={{ worker_kind: 'volunteer' }}>
          <Required name="worker" label={t('supplies.hand.worker')}>
            <Input className="supplies-hand-worker" maxLength={50} />
          </Required>
          <Form.Item name="worker_kind" label={t('supplies.hand.kind')}>
            <Radio.Group
              options={(['community_worker', 'volunteer'] as const).map((k) => ({
                value: k,
                label: t(`supplies.workerKind.${k}`),
              }))}
            />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

export function RequestList({
  version,
  bump,
  mayRecord,
}: {
  version: number;
  bump: () => void;
  mayRecord: boolean;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const packs = usePacks();
  const [status, setStatus] = useState<string | undefined>();
  const [late, setLate] = useState(false);
  const [open, setOpen] = useState(false);
  const filters = { status, late: late ? 'true' : undefined, open: open ? 'true' : undefined };
  const paged = useCursorList<RequestItem>('/api/supplies/requests', filters, version, PAGE);
  const { total, refilter } = paged;
  const columns: Column<RequestItem>[] = [
    {
      key: 'requester',
      title: t('supplies.list.requester'),
      render: (_, r) =>
        r.requester === 'community' ? (
          <Tag>{t('supplies.requester.community')}</Tag>
        ) : (
          (r.person_name ?? t('supplies.list.personNo', { id: r.person_id }))
        ),
    },
    areaColumn({ key: 'area', title: t('supplies.list.area'), get: (r) => r.area_code }),
    {
      key: 'zone',
      title: t('supplies.list.zone'),
      render: (_, r) => (
        <Tag color={r.zone_level === 'lockdown' ? 'red' : 'orange'}>{t(`supplies.zone.${r.zone_level}`)}</Tag>
      ),
    },
    {
      key: 'deliver_to',
      title: t('supplies.list.deliverTo'),
      render: (_, r) => t(`supplies.deliverTo.${r.deliver_to}`),
    },
    {
      key: 'items',
      title: t('supplies.list.items'),
      render: (_, r) => (
        <Space size={4} wrap>
          {packs(Object.fromEntries(r.items.map((i) => [i.category, i.quantity])))}
          {r.short > 0 && <Tag color="red">{t('supplies.list.short', { n: r.short })}</Tag>}
        </Space>
      ),
    },
    {
      key: 'urgency',
      title: t('supplies.list.urgency'),
      render: (_, r) => (
        <Tag color={r.urgency === 'urgent' ? 'orange' : undefined}>{t(`supplies.urgency.${r.urgency}`)}</Tag>
      ),
    },
    {
      key: 'status',
      title: t('supplies.list.status'),
      render: (_, r) => (
        <Space size={4}>
          <Tag color={STATUS_TAG[r.status]}>{t(`supplies.status.${r.status}`)}</Tag>
          {r.late && <Tag color="red">{t('supplies.list.late')}</Tag>}
        </Space>
      ),
    },
    {
      key: 'requested_at',
      title: t('supplies.list.requestedAt'),
      render: (_, r) => fmt.dateTime(r.requested_at),
      sorter: byString((r) => r.requested_at),
    },
    {
      key: 'due',
      title: t('supplies.list.due'),
      render: (_, r) => (
        <Typography.Text type={r.late ? 'danger' : undefined}>{fmt.dateTime(r.due_at)}</Typography.Text>
      ),
      sorter: byString((r) => r.due_at),
    },
    {
      key: 'handed',
      title: t('supplies.list.handedBy'),
      render: (_, r) =>
        r.handed_at ? (
          `${r.handed_worker}（${t(`supplies.workerKind.${r.handed_worker_kind}`)}）${fmt.dateTime(r.handed_at)}`
        ) : mayRecord && r.status === 'at_gate' ? (
          <HandButton r={r} after={bump} />
        ) : (
          '—'
        ),
    },
  ];
  return (
    <Card
      size="small"
      title={`${t('supplies.list.title')}（${fmt.number(total ?? 0)}）`}
      style={{ marginBottom: 16 }}
      className="supplies-requests"
    >
      <DataTable<RequestItem>
        {...paged.table}
        columns={columns}
        rowKey="id"
        exportName={t('supplies.list.title')}
        toolbar={
          <>
            <CodeSelect
              ns="supplies.status"
              size="small"
              allowClear
              style={{ width: 140 }}
              placeholder={t('supplies.list.status')}
              value={status}
              onChange={refilter(setStatus)}
            />
            <Checkbox
              checked={late}
              onChange={(e) => refilter(setLate)(e.target.checked)}
              className="supplies-late-only"
            >
              {t('supplies.list.lateOnly')}
            </Checkbox>
            <Checkbox checked={open} onChange={(e) => refilter(setOpen)(e.target.checked)}>
              {t('supplies.list.openOnly')}
            </Checkbox>
          </>
        }
        expandable={{
          expandedRowRender: (r) => (
            <Space direction="vertical" size={2}>
              {r.items.map((i) => (
                <span key={i.category}>
                  {t(`supplies.category.${i.category}`)} {t('supplies.pack', { n: i.quantity })}
                  {i.detail ? `：${i.detail}` : ''}
                </span>
              ))}
              {r.note && (
                <span>
                  {t('supplies.list.note')}：{r.note}
                </span>
              )}
              {r.depot_name && (
                <span>
                  {t('supplies.list.depot')}：{r.depot_name}
                  {r.dispatched_at
                    ? ` · ${t('supplies.deliveries.dispatchedAt')} ${fmt.dateTime(r.dispatched_at)}`
                    : ''}
                  {r.at_gate_at
                    ? ` · ${t('supplies.deliveries.atGateAt')} ${fmt.dateTime(r.at_gate_at)}`
                    : ''}
                </span>
              )}
            </Space>
          ),
        }}
      />
    </Card>
  );
}

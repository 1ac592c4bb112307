/** The depots and their stock: a new depot, a receipt. */
import { Button, Card, Form, Input, InputNumber, Modal, Radio, Space, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../../AreaPicker.tsx';
import { api } from '../../api.ts';
import { pickerInstant } from '../../beijing-time.ts';
import type { Depot, Me, StockReceived } from '../../contract.ts';
import { AreaName, BeijingDateTimePicker, ErrorAlert, useAction, useApi, useFormat } from '../shared.tsx';
import { CATEGORIES } from './common.tsx';

export function Depots({
  me,
  version,
  after,
  mayDispatch,
}: {
  me: Me;
  version: number;
  after: () => void;
  mayDispatch: boolean;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const act = useAction();
  const list = useApi<{ items: Depot[] }>('/api/supplies/depots', version);
  const [adding, setAdding] = useState(false);
  const [receiving, setReceiving] = useState<Depot | null>(null);
  const [receiptKey, setReceiptKey] = useState(() => crypto.randomUUID());
  const [addForm] = Form.useForm();
  const [receiveForm] = Form.useForm();
  const packsFrom = (v: Record<string, unknown>) =>
    Object.fromEntries(
      CATEGORIES.filter((c) => typeof v[c] === 'number' && (v[c] as number) > 0).map((c) => [c, v[c]]),
    );
  return (
    <Card
      size="small"
      title={t('supplies.depots.title')}
      extra={
        mayDispatch && (
          <Button size="small" onClick={() => setAdding(true)}>
            {t('supplies.depots.add')}
          </Button>
        )
      }
    >
      <ErrorAlert error={list.error} />
      <Table<Depot>
        size="small"
        rowKey="id"
        className="supplies-depots"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
        columns={[
          { key: 'name', title: t('supplies.depots.name'), dataIndex: 'name' },
          {
            key: 'area',
            title: t('supplies.depots.area'),
            render: (_, d) => <AreaName code={d.area_code} />,
          },
          {
            key: 'source',
            title: t('supplies.depots.source'),
            render: (_, d) => (
              <Space size={4} wrap>
                <Tag color={d.source === 'support' ? 'cyan' : undefined}>
                  {t(`supplies.source.${d.source}`)}
                </Tag>
                {d.origin}
                {d.arrives_at && (
                  <Typography.Text type={d.usable ? 'secondary' : 'warning'}>
                    {t('supplies.depots.arrives')} {fmt.dateTime(d.arrives_at)}
                    {!d.usable && `（${t('supplies.depots.notArrived')}）`}
                  </Typography.Text>
                )}
              </Space>
            ),
          },
          {
            key: 'stock',
            title: t('supplies.depots.stock'),
            render: (_, d) => (
              <Space size={4} wrap>
                {d.stock
                  .filter((s) => s.quantity > 0)
                  .map((s) => (
                    <Tag key={s.category} color={s.available === 0 ? 'red' : undefined}>
                      {t('supplies.depots.stockValue', {
                        category: t(`supplies.category.${s.category}`),
                        available: s.available,
                        quantity: s.quantity,
                      })}
                    </Tag>
                  ))}
              </Space>
            ),
          },
          ...(mayDispatch
            ? [
                {
                  key: 'receive',
                  title: '',
                  render: (_: unknown, d: Depot) => (
                    <Button size="small" onClick={() => setReceiving(d)}>
                      {t('supplies.depots.receive')}
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      <Modal
        open={adding}
        title={t('supplies.depots.add')}
        okText={t('action.confirm')}
        cancelText={t('action.cancel')}
        onCancel={() => setAdding(false)}
        onOk={async () => {
          const v = await addForm.validateFields();
          const ok = await act(
            () =>
              api('/api/supplies/depots', {
                method: 'POST',
                body: {
                  name: v.name,
                  area_code: v.area_code,
                  source: v.source,
                  origin: v.origin ?? '',
                  ...(v.arrives_at ? { arrives_at: pickerInstant(v.arrives_at as Dayjs) } : {}),
                  stock: packsFrom(v),
                },
              }),
            () => t('supplies.depots.created'),
            after,
          );
          if (ok) {
            setAdding(false);
            addForm.resetFields();
          }
        }}
      >
        <Form form={addForm} layout="vertical" initialValues={{ source: 'local' }}>
          <Form.Item name="name" label={t('supplies.depots.name')} rules={[{ required: true }]}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="area_code" label={t('supplies.depots.area')} rules={[{ required: true }]}>
            <AreaPicker root={me.jurisdiction} />
          </Form.Item>
          <Form.Item name="source" label={t('supplies.depots.source')}>
            <Radio.Group
              options={(['local', 'support'] as const).map((s) => ({
                value: s,
                label: t(`supplies.source.${s}`),
              }))}
            />
          </Form.Item>
          <Form.Item name="origin" label={t('supplies.depots.origin')}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="arrives_at" label={t('supplies.depots.arrivesAt')}>
            <BeijingDateTimePicker />
          </Form.Item>
          {CATEGORIES.map((c) => (
            <Form.Item
              key={c}
              name={c}
              label={t('supplies.depots.quantity', { category: t(`supplies.category.${c}`) })}
            >
              <InputNumber min={0} max={1000000} />
            </Form.Item>
          ))}
        </Form>
      </Modal>
      <Modal
        open={receiving !== null}
        title={t('supplies.depots.receiveTitle', { name: receiving?.name ?? '' })}
        okText={t('action.confirm')}
        cancelText={t('action.cancel')}
        onCancel={() => setReceiving(null)}
        onOk={async () => {
          const v = await receiveForm.validateFields();
          const items = Object.entries(packsFrom(v)).map(([category, quantity]) => ({ category, quantity }));
          if (items.length === 0) return;
          const ok = await act(
            () =>
              api<StockReceived>(`/api/supplies/depots/${receiving?.id}/receipts`, {
                method: 'POST',
                body: { key: receiptKey, items },
              }),
            (a) => (a.duplicate ? t('supplies.depots.receivedAgain') : t('supplies.depots.received')),
            after,
          );
          if (ok) {
            setReceiving(null);
            receiveForm.resetFields();
            setReceiptKey(crypto.randomUUID());
          }
        }}
      >
        <Form form={receiveForm} layout="vertical">
          {CATEGORIES.map((c) => (
            <Form.Item
              key={c}
              name={c}
              label={t('supplies.depots.quantity', { category: t(`supplies.category.${c}`) })}
            >
              <InputNumber min={1} max={10000} />
            </Form.Item>
          ))}
        </Form>
      </Modal>
    </Card>
  );
}

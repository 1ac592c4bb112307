/** The checkpoints of the jurisdiction (add one with its position) and the passes the speed rule flags. */
import { Button, Card, Form, Input, InputNumber, Space, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../../AreaPicker.tsx';
import { api, type Me } from '../../api.ts';
import type { Checkpoint, Suspect } from '../../contract.ts';
import { AreaName, ErrorAlert, useAction, useApi, useFormat, useVersion } from '../shared.tsx';

export function Checkpoints({ me }: { me: Me }) {
  const { t } = useTranslation();
  const act = useAction();
  const [version, bump] = useVersion();
  const list = useApi<{ items: Checkpoint[] }>('/api/checkpoints', version);
  const [form] = Form.useForm<{ name: string; area_code: string; latitude: number; longitude: number }>();
  const add = async (v: { name: string; area_code: string; latitude: number; longitude: number }) => {
    const out = await act(
      () => api<Checkpoint>('/api/checkpoints', { method: 'POST', body: v }),
      (c) => t('passes.checkpoints.added', { name: c.name }),
      bump,
    );
    if (out) form.resetFields();
  };
  return (
    <Card size="small" title={t('passes.checkpoints.title')}>
      <ErrorAlert error={list.error} />
      <Table<Checkpoint>
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={list.data?.items ?? []}
        locale={{ emptyText: t('passes.checkpoints.empty') }}
        columns={[
          { key: 'name', title: t('passes.checkpoints.name'), dataIndex: 'name' },
          {
            key: 'area',
            title: t('passes.checkpoints.area'),
            render: (_, c) => <AreaName code={c.area_code} />,
          },
          {
            key: 'pos',
            title: `${t('passes.checkpoints.latitude')} / ${t('passes.checkpoints.longitude')}`,
            render: (_, c) => `${c.latitude.toFixed(4)}, ${c.longitude.toFixed(4)}`,
          },
        ]}
      />
      <Form
        form={form}
        layout="vertical"
        onFinish={add}
        style={{ marginTop: 12 }}
        className="checkpoint-form"
      >
        <Form.Item
          name="name"
          label={t('passes.checkpoints.name')}
          rules={[{ required: true, whitespace: true }]}
        >
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item name="area_code" label={t('passes.checkpoints.area')} rules={[{ required: true }]}>
          <AreaPicker root={me.jurisdiction} />
        </Form.Item>
        <Space>
          <Form.Item name="latitude" label={t('passes.checkpoints.latitude')} rules={[{ required: true }]}>
            <InputNumber min={-90} max={90} step={0.0001} style={{ width: 140 }} />
          </Form.Item>
          <Form.Item name="longitude" label={t('passes.checkpoints.longitude')} rules={[{ required: true }]}>
            <InputNumber min={-180} max={180} step={0.0001} style={{ width: 140 }} />
          </Form.Item>
        </Space>
        <Button htmlType="submit">{t('passes.checkpoints.add')}</Button>
      </Form>
    </Card>
  );
}

export function Suspects({ version }: { version: number }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const list = useApi<{ items: Suspect[] }>('/api/passes/suspects', version);
  return (
    <Card size="small" title={t('passes.suspects.title')}>
      <ErrorAlert error={list.error} />
      {(list.data?.items ?? []).length === 0 ? (
        <Typography.Text type="secondary">{t('passes.suspects.empty')}</Typography.Text>
      ) : (
        <ul style={{ margin: 0, paddingInlineStart: 18 }}>
          {list.data?.items.map((s) => (
            <li key={s.check_id}>
              <Typography.Text type="danger">
                {t('passes.suspects.line', {
                  holder: s.plate ?? s.holder_name,
                  other: s.other_checkpoint,
                  otherAt: fmt.dateTime(s.other_checked_at),
                  checkpoint: s.checkpoint,
                  at: fmt.dateTime(s.checked_at),
                  km: s.km,
                  minutes: s.minutes,
                })}
              </Typography.Text>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

/** A new request: a household found by searching, or a compound picked by name, and the packs it needs. */
import { Alert, Button, Card, Form, Input, InputNumber, Radio, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../../AreaPicker.tsx';
import { api } from '../../api.ts';
import type { Me, SupplyRequestFiled } from '../../contract.ts';
import { CodeSelect } from '../filters.tsx';
import { PersonSearch } from '../forms.tsx';
import { useAction, useFormat } from '../shared.tsx';
import { CATEGORIES, Required } from './common.tsx';

export function NewRequest({ me, after }: { me: Me; after: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const fmt = useFormat();
  const [form] = Form.useForm();
  const [who, setWho] = useState<'household' | 'community'>('household');
  const [area, setArea] = useState<string | undefined>();
  const [missing, setMissing] = useState(false);
  // One key per request being filled in: a retried submission is the same request, counted once.
  const [key, setKey] = useState(() => crypto.randomUUID());
  return (
    <Card size="small" title={t('supplies.form.title')} style={{ marginBottom: 16 }}>
      <Form
        form={form}
        layout="vertical"
        className="supplies-request-form"
        initialValues={{ urgency: 'normal' }}
        onFinish={async (v: Record<string, unknown>) => {
          const items = CATEGORIES.filter(
            (c) => typeof v[`q_${c}`] === 'number' && (v[`q_${c}`] as number) > 0,
          ).map((c) => ({
            category: c,
            quantity: v[`q_${c}`] as number,
            detail: ((v[`d_${c}`] as string) ?? '').trim(),
          }));
          setMissing(items.length === 0);
          if (items.length === 0) return;
          const answer = await act(
            () =>
              api<SupplyRequestFiled>('/api/supplies/requests', {
                method: 'POST',
                body: {
                  key,
                  ...(who === 'household' ? { person_id: v.person_id } : { area_code: v.area_code }),
                  urgency: v.urgency,
                  items,
                  note: ((v.note as string) ?? '').trim(),
                },
              }),
            (a) =>
              a.duplicate
                ? t('supplies.form.duplicate', { id: a.request.id })
                : t('supplies.form.filed', {
                    id: a.request.id,
                    to: t(`supplies.deliverTo.${a.request.deliver_to}`),
                    due: fmt.dateTime(a.request.due_at),
                  }),
            after,
          );
          if (answer) {
            form.resetFields();
            setKey(crypto.randomUUID());
          }
        }}
      >
        <Form.Item label={t('supplies.form.requester')}>
          <Radio.Group
            value={who}
            onChange={(e) => setWho(e.target.value)}
            className="supplies-requester"
            options={(['household', 'community'] as const).map((k) => ({
              value: k,
              label: t(`supplies.requester.${k}`),
            }))}
          />
        </Form.Item>
        {who === 'household' ? (
          <>
            <Form.Item label={t('supplies.form.area')}>
              <AreaPicker root={me.jurisdiction} value={area} onChange={setArea} allowClear />
            </Form.Item>
            <Required name="person_id" label={t('supplies.form.person')}>
              <PersonSearch
                area={area}
                className="supplies-person"
                placeholder={t('supplies.form.personPlaceholder')}
              />
            </Required>
          </>
        ) : (
          <Required name="area_code" label={t('supplies.form.compound')}>
            <AreaPicker root={me.jurisdiction} />
          </Required>
        )}
        <Form.Item name="urgency" label={t('supplies.form.urgency')} extra={t('supplies.form.urgentHint')}>
          <CodeSelect ns="supplies.urgency" codes={['normal', 'urgent']} style={{ width: 120 }} />
        </Form.Item>
        <Typography.Text strong>{t('supplies.form.items')}</Typography.Text>
        {missing && (
          <Alert type="warning" showIcon message={t('supplies.form.noItems')} style={{ margin: '8px 0' }} />
        )}
        {CATEGORIES.map((c) => (
          <Space key={c} align="start" wrap style={{ display: 'flex', marginTop: 8 }}>
            <Form.Item name={`q_${c}`} label={t(`supplies.category.${c}`)} style={{ marginBottom: 0 }}>
              <InputNumber min={1} max={10000} className={`supplies-qty-${c}`} style={{ width: 110 }} />
            </Form.Item>
            <Form.Item
              name={`d_${c}`}
              label={t('supplies.form.detail', { category: t(`supplies.category.${c}`) })}
              style={{ marginBottom: 0 }}
            >
              <Input maxLength={200} style={{ width: 240 }} />
            </Form.Item>
          </Space>
        ))}
        <Form.Item name="note" label={t('supplies.form.note')} style={{ marginTop: 12 }}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('supplies.form.submit')}
        </Button>
      </Form>
    </Card>
  );
}

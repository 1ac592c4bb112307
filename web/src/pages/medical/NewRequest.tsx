/** A new request: the area picked by name, the patient found by searching. */
import { Button, Card, Form, Input, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../../AreaPicker.tsx';
import { api } from '../../api.ts';
import type { Me, MedicalRequestFiled } from '../../contract.ts';
import { CodeSelect } from '../filters.tsx';
import { PersonSearch, RequiredItem, type RequiredProps } from '../forms.tsx';
import { useAction } from '../shared.tsx';
import { SERVICES, URGENCIES } from './common.ts';

const Required = (p: RequiredProps) => <RequiredItem message="medical.form.required" {...p} />;

export function NewRequest({ me, after }: { me: Me; after: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm();
  const [area, setArea] = useState<string | undefined>();
  // One key per request being filled in: a retried submission is the same request, counted once.
  const [key, setKey] = useState(() => crypto.randomUUID());
  return (
    <Card size="small" title={t('medical.form.title')} style={{ marginBottom: 16 }}>
      <Form
        form={form}
        layout="vertical"
        className="medical-request-form"
        initialValues={{ urgency: 'routine', service: 'chronic_medicine' }}
        onFinish={async (v: {
          person_id: number;
          service: string;
          urgency: string;
          contact_phone: string;
          note?: string;
        }) => {
          const answer = await act(
            () =>
              api<MedicalRequestFiled>('/api/medical/requests', {
                method: 'POST',
                body: { key, ...v, note: v.note ?? '' },
              }),
            (a) =>
              a.duplicate
                ? t('medical.form.duplicate', { id: a.request.id })
                : t('medical.form.filed', {
                    id: a.request.id,
                    colour: t(`medical.colour.${a.request.code_colour}`),
                  }),
            after,
          );
          if (answer) {
            form.resetFields();
            setKey(crypto.randomUUID());
          }
        }}
      >
        <Form.Item label={t('medical.form.area')}>
          <AreaPicker root={me.jurisdiction} value={area} onChange={setArea} allowClear />
        </Form.Item>
        <Required name="person_id" label={t('medical.form.person')}>
          <PersonSearch
            area={area}
            className="medical-person"
            placeholder={t('medical.form.personPlaceholder')}
          />
        </Required>
        <Space wrap>
          <Required name="service" label={t('medical.form.service')}>
            <CodeSelect ns="medical.service" codes={SERVICES} style={{ width: 150 }} />
          </Required>
          <Required name="urgency" label={t('medical.form.urgency')}>
            <CodeSelect ns="medical.urgency" codes={URGENCIES} style={{ width: 110 }} />
          </Required>
          <Required name="contact_phone" label={t('medical.form.phone')}>
            <Input style={{ width: 180 }} className="medical-phone" maxLength={40} />
          </Required>
        </Space>
        <Form.Item name="note" label={t('medical.form.note')}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('medical.form.submit')}
        </Button>
      </Form>
    </Card>
  );
}

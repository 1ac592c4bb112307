/** Adding a place to disinfect, its area picked by name. */
import { Button, Card, Col, Form, Input, InputNumber, Radio, Row, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { PLACE_KINDS, type PlaceKind } from '../../../../src/modules/disinfection/rules.ts';
import { AreaPicker } from '../../AreaPicker.tsx';
import { api } from '../../api.ts';
import { pickerInstant } from '../../beijing-time.ts';
import type { DisinfectionPlaceCreated } from '../../contract.ts';
import { CodeSelect } from '../filters.tsx';
import { RequiredItem, type RequiredProps, useBusy } from '../forms.tsx';
import { BeijingDateTimePicker, useAction } from '../shared.tsx';

/** Kinds a place made by hand may have: the others name a building, venue, site or vehicle. */
const FORM_KINDS = PLACE_KINDS.filter(
  (k) => !['lift_stairwell', 'venue', 'site_common_area', 'vehicle'].includes(k),
) as PlaceKind[];

const Required = (p: RequiredProps) => <RequiredItem message="disinfection.form.required" {...p} />;

interface PlaceValues {
  kind: PlaceKind;
  name: string;
  area_code?: string;
  owner: string;
  mode: 'recurring' | 'once';
  every_hours?: number;
  starts_at?: Dayjs | null;
}

export function NewPlace({ onCreated }: { onCreated: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<PlaceValues>();
  const mode = Form.useWatch('mode', form);
  const [busy, busyWhile] = useBusy();
  const submit = async (v: PlaceValues) => {
    const out = await busyWhile(() =>
      act(
        () =>
          api<DisinfectionPlaceCreated>('/api/disinfection/places', {
            method: 'POST',
            body: {
              kind: v.kind,
              name: v.name,
              area_code: v.area_code,
              owner: v.owner,
              ...(v.mode === 'recurring' ? { every_hours: v.every_hours } : {}),
              starts_at: v.starts_at ? pickerInstant(v.starts_at) : new Date().toISOString(),
            },
          }),
        () => t('disinfection.form.created'),
      ),
    );
    if (out) {
      form.resetFields(['name']);
      onCreated();
    }
  };
  return (
    <Card size="small" title={t('disinfection.form.title')}>
      <Typography.Paragraph type="secondary">{t('disinfection.form.targetNote')}</Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        initialValues={{ kind: 'market', mode: 'recurring', every_hours: 24 }}
        className="disinfection-place-form"
      >
        <Row gutter={12}>
          <Col xs={12} md={4}>
            <Form.Item name="kind" label={t('disinfection.form.kind')}>
              <CodeSelect ns="disinfection.kind" codes={FORM_KINDS} />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Required name="name" label={t('disinfection.form.name')} whitespace>
              <Input maxLength={200} />
            </Required>
          </Col>
          <Col xs={24} md={8}>
            <Required name="area_code" label={t('disinfection.form.area')}>
              <AreaPicker placeholder={t('disinfection.form.areaPlaceholder')} />
            </Required>
          </Col>
          <Col xs={24} md={6}>
            <Required name="owner" label={t('disinfection.form.owner')} whitespace>
              <Input maxLength={100} />
            </Required>
          </Col>
          <Col xs={24} md={6}>
            <Form.Item name="mode" label={t('disinfection.form.frequency')}>
              <Radio.Group
                options={[
                  { value: 'recurring', label: t('disinfection.form.recurring') },
                  { value: 'once', label: t('disinfection.form.once') },
                ]}
              />
            </Form.Item>
          </Col>
          {mode !== 'once' && (
            <Col xs={12} md={4}>
              <Form.Item
                name="every_hours"
                label={t('disinfection.form.everyHours')}
                rules={[{ required: true }]}
              >
                <InputNumber min={1} max={168} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
          )}
          <Col xs={12} md={6}>
            <Form.Item
              name="starts_at"
              label={mode === 'once' ? t('disinfection.form.onceAt') : t('disinfection.form.startsAt')}
            >
              <BeijingDateTimePicker placeholder={t('disinfection.record.now')} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
        </Row>
        <Button type="primary" htmlType="submit" loading={busy}>
          {t('disinfection.form.submit')}
        </Button>
      </Form>
    </Card>
  );
}

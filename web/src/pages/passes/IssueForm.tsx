/** 签发通行证: the form (kind, holder, organisation, purpose, start and days, allowed areas or a route). */
import { Button, Col, Form, Input, InputNumber, Radio, Row, Switch } from 'antd';
import type { Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../../AreaPicker.tsx';
import { api, type Me } from '../../api.ts';
import { pickerInstant } from '../../beijing-time.ts';
import type { IssuedPass } from '../../contract.ts';
import { CodeSelect } from '../filters.tsx';
import { RequiredItem, type RequiredProps, useBusy } from '../forms.tsx';
import { BeijingDateTimePicker, useAction } from '../shared.tsx';
import { KINDS } from './common.tsx';

const Required = (p: RequiredProps) => <RequiredItem message="passes.form.required" whitespace {...p} />;

interface IssueValues {
  kind: string;
  holder_type: 'vehicle' | 'person';
  holder_name: string;
  plate?: string;
  id_number?: string;
  organisation: string;
  purpose: string;
  starts_at?: Dayjs | null;
  days: number;
  areas: string[];
  route: boolean;
}

export function IssueForm({ me, onIssued }: { me: Me; onIssued: (id: number) => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<IssueValues>();
  const holderType = Form.useWatch('holder_type', form);
  const [busy, busyWhile] = useBusy();
  const submit = async (v: IssueValues) => {
    const from = v.starts_at ? new Date(pickerInstant(v.starts_at)) : new Date();
    const to = new Date(from.getTime() + v.days * 86_400_000);
    const out = await busyWhile(() =>
      act(
        () =>
          api<IssuedPass>('/api/passes', {
            method: 'POST',
            body: {
              kind: v.kind,
              holder_type: v.holder_type,
              holder_name: v.holder_name,
              ...(v.holder_type === 'vehicle' ? { plate: v.plate } : {}),
              ...(v.id_number?.trim() ? { id_number: v.id_number } : {}),
              organisation: v.organisation,
              purpose: v.purpose,
              valid_from: from.toISOString(),
              valid_to: to.toISOString(),
              areas: v.areas,
              route: v.route,
            },
          }),
        (p) => t('passes.form.issued', { id: p.id }),
      ),
    );
    if (out) {
      form.resetFields(['holder_name', 'plate', 'id_number']);
      onIssued(out.id);
    }
  };
  return (
    <Form
      form={form}
      layout="vertical"
      onFinish={submit}
      initialValues={{ kind: 'supply', holder_type: 'vehicle', days: 3, route: false, areas: [] }}
      className="pass-issue-form"
    >
      <Row gutter={12}>
        <Col xs={24} md={8}>
          <Form.Item name="kind" label={t('passes.form.kind')}>
            <CodeSelect ns="passes.kind" codes={KINDS} />
          </Form.Item>
        </Col>
        <Col xs={24} md={8}>
          <Form.Item name="holder_type" label={t('passes.form.holderType')}>
            <Radio.Group
              optionType="button"
              options={[
                { value: 'vehicle', label: t('passes.holderType.vehicle') },
                { value: 'person', label: t('passes.holderType.person') },
              ]}
            />
          </Form.Item>
        </Col>
        <Col xs={24} md={8}>
          {holderType !== 'person' && (
            <Required name="plate" label={t('passes.form.plate')}>
              <Input placeholder={t('passes.form.platePlaceholder')} maxLength={20} />
            </Required>
          )}
        </Col>
        <Col xs={24} md={8}>
          <Required
            name="holder_name"
            label={holderType === 'person' ? t('passes.form.holderName') : t('passes.form.holderNameVehicle')}
            what={t('passes.form.holderName')}
          >
            <Input maxLength={50} />
          </Required>
        </Col>
        <Col xs={24} md={8}>
          <Required
            name="id_number"
            label={holderType === 'person' ? t('passes.form.idNumber') : t('passes.form.idNumberOptional')}
            what={t('passes.form.idNumber')}
            required={holderType === 'person'}
          >
            <Input maxLength={40} autoComplete="off" />
          </Required>
        </Col>
        <Col xs={24} md={8}>
          <Required name="organisation" label={t('passes.form.organisation')}>
            <Input maxLength={100} />
          </Required>
        </Col>
        <Col xs={24} md={16}>
          <Required name="purpose" label={t('passes.form.purpose')}>
            <Input maxLength={200} />
          </Required>
        </Col>
        <Col xs={12} md={4}>
          <Form.Item name="starts_at" label={t('passes.form.startsAt')}>
            <BeijingDateTimePicker placeholder={t('passes.form.now')} style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col xs={12} md={4}>
          <Form.Item name="days" label={t('passes.form.days')} rules={[{ required: true }]}>
            <InputNumber min={1} max={7} style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col xs={24} md={16}>
          <Form.Item
            name="areas"
            label={t('passes.form.areas')}
            rules={[{ required: true, type: 'array', min: 1, message: t('passes.form.areasPlaceholder') }]}
          >
            <AreaPicker<string[]>
              root={me.jurisdiction}
              multiple
              placeholder={t('passes.form.areasPlaceholder')}
            />
          </Form.Item>
        </Col>
        <Col xs={24} md={8}>
          <Form.Item name="route" valuePropName="checked" label={t('passes.form.route')}>
            <Switch />
          </Form.Item>
        </Col>
      </Row>
      <Button type="primary" htmlType="submit" loading={busy}>
        {t('passes.form.submit')}
      </Button>
    </Form>
  );
}

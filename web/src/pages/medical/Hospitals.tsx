/** The hospitals with their colour and today's capacity per service. */
import { Button, Card, Checkbox, Form, Input, InputNumber, Modal, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../../AreaPicker.tsx';
import { api } from '../../api.ts';
import type { Hospital as HospitalItem, Me } from '../../contract.ts';
import { CodeSelect } from '../filters.tsx';
import { AreaName, ErrorAlert, useAction } from '../shared.tsx';
import { COLOUR_TAG, SERVICES } from './common.ts';

/** A hospital's colour: the colour of the patients it takes. */
function ColourField() {
  const { t } = useTranslation();
  return (
    <Form.Item name="code_colour" label={t('medical.hospitals.colour')}>
      <CodeSelect ns="medical.hospitalColour" codes={['red', 'yellow', 'green']} />
    </Form.Item>
  );
}

/** A hospital's capacity per service today, one field a service. */
function CapacityFields() {
  const { t } = useTranslation();
  return SERVICES.map((s) => (
    <Form.Item
      key={s}
      name={s}
      label={t('medical.hospitals.capacity', { service: t(`medical.service.${s}`) })}
    >
      <InputNumber min={0} max={100000} />
    </Form.Item>
  ));
}

/** The capacities entered, for the services given one. */
function capacities(v: Record<string, unknown>) {
  return Object.fromEntries(SERVICES.filter((s) => typeof v[s] === 'number').map((s) => [s, v[s] as number]));
}

export function Hospitals({
  me,
  hospitals,
  error,
  mayDispatch,
  after,
}: {
  me: Me;
  hospitals: HospitalItem[];
  error: string | null;
  mayDispatch: boolean;
  after: () => void;
}) {
  const { t } = useTranslation();
  const act = useAction();
  const [editing, setEditing] = useState<HospitalItem | null>(null);
  const [adding, setAdding] = useState(false);
  const [form] = Form.useForm();
  const [addForm] = Form.useForm();
  const capacityOf = (h: HospitalItem | null, s: string) =>
    h?.services.find((x) => x.service === s)?.capacity;
  return (
    <Card
      size="small"
      title={t('medical.hospitals.title')}
      style={{ marginBottom: 16 }}
      extra={
        mayDispatch && (
          <Button size="small" onClick={() => setAdding(true)}>
            {t('medical.hospitals.add')}
          </Button>
        )
      }
    >
      <ErrorAlert error={error} />
      <Table<HospitalItem>
        size="small"
        rowKey="id"
        dataSource={hospitals}
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
        columns={[
          { key: 'name', title: t('medical.hospitals.name'), dataIndex: 'name' },
          {
            key: 'area',
            title: t('medical.hospitals.area'),
            render: (_, h) => <AreaName code={h.area_code} />,
          },
          {
            key: 'colour',
            title: t('medical.hospitals.colour'),
            render: (_, h) => (
              <Space>
                <Tag color={COLOUR_TAG[h.code_colour]}>{t(`medical.hospitalColour.${h.code_colour}`)}</Tag>
                {!h.active && <Tag>{t('medical.hospitals.paused')}</Tag>}
              </Space>
            ),
          },
          {
            key: 'services',
            title: t('medical.hospitals.services'),
            render: (_, h) => (
              <Space wrap size={4}>
                {h.services.map((s) => (
                  <Tag key={s.service} color={s.free === 0 ? 'red' : undefined}>
                    {t(`medical.service.${s.service}`)} {t('medical.hospitals.usedOf', s)}
                  </Tag>
                ))}
              </Space>
            ),
          },
          ...(mayDispatch
            ? [
                {
                  key: 'edit',
                  title: '',
                  render: (_: unknown, h: HospitalItem) => (
                    <Button
                      size="small"
                      onClick={() => {
                        setEditing(h);
                        form.setFieldsValue({
                          code_colour: h.code_colour,
                          active: h.active,
                          ...Object.fromEntries(SERVICES.map((s) => [s, capacityOf(h, s)])),
                        });
                      }}
                    >
                      {t('medical.hospitals.edit')}
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      <Modal
        open={editing !== null}
        title={`${t('medical.hospitals.editTitle')}：${editing?.name ?? ''}`}
        okText={t('action.confirm')}
        cancelText={t('action.cancel')}
        onCancel={() => setEditing(null)}
        onOk={async () => {
          const v = await form.validateFields();
          const services = capacities(v);
          await act(
            () =>
              api(`/api/medical/hospitals/${editing?.id}`, {
                method: 'PATCH',
                body: { code_colour: v.code_colour, active: v.active, services },
              }),
            () => t('medical.hospitals.saved'),
            after,
          );
          setEditing(null);
        }}
      >
        <Form form={form} layout="vertical">
          <ColourField />
          <Form.Item name="active" valuePropName="checked">
            <Checkbox>{t('medical.hospitals.active')}</Checkbox>
          </Form.Item>
          <CapacityFields />
        </Form>
      </Modal>
      <Modal
        open={adding}
        title={t('medical.hospitals.add')}
        okText={t('action.confirm')}
        cancelText={t('action.cancel')}
        onCancel={() => setAdding(false)}
        onOk={async () => {
          const v = await addForm.validateFields();
          const services = capacities(v);
          const ok = await act(
            () =>
              api('/api/medical/hospitals', {
                method: 'POST',
                body: {
                  name: v.name,
                  area_code: v.area_code,
                  address: v.address ?? '',
                  code_colour: v.code_colour,
                  services,
                },
              }),
            () => t('medical.hospitals.created'),
            after,
          );
          if (ok) {
            setAdding(false);
            addForm.resetFields();
          }
        }}
      >
        <Form form={addForm} layout="vertical" initialValues={{ code_colour: 'green' }}>
          <Form.Item name="name" label={t('medical.hospitals.name')} rules={[{ required: true }]}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="area_code" label={t('medical.hospitals.area')} rules={[{ required: true }]}>
            <AreaPicker root={me.jurisdiction} />
          </Form.Item>
          <Form.Item name="address" label={t('medical.hospitals.address')}>
            <Input maxLength={200} />
          </Form.Item>
          <ColourField />
          <CapacityFields />
        </Form>
      </Modal>
    </Card>
  );
}

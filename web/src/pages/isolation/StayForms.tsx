/** The dialogs on a stay: discharge a case (two PCR tests), record a health check, move it to another site (转点). */
import { Form, Input, InputNumber, Modal, Select, Space, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { beijingPickerValue, pickerInstant } from '../../beijing-time.ts';
import type { Board, HealthCheckRecorded, Stay, StayDischarged, StayMoved } from '../../contract.ts';
import { BeijingDateTimePicker, useAction, useApi } from '../shared.tsx';
import { stayWho } from './common.ts';

/** The symptoms a health check may record (the server's list). */
const SYMPTOMS = [
  'fever',
  'cough',
  'sore_throat',
  'fatigue',
  'loss_of_smell',
  'shortness_of_breath',
  'diarrhoea',
  'other',
] as const;

interface FormProps {
  stay: Stay;
  onClose: () => void;
  onDone: () => void;
}

/** A stay form's modal: submit runs the action, the modal closes when it succeeds. */
function useSubmit<V>(form: ReturnType<typeof Form.useForm<V>>[0], run: (v: V) => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  return {
    busy,
    submit: async () => {
      const v = await form.validateFields().catch(() => null);
      if (!v) return;
      setBusy(true);
      try {
        await run(v);
      } finally {
        setBusy(false);
      }
    },
  };
}

/** A case leaves on two PCR tests with Ct ≥ 35 at least 24 h apart (the server checks). */
export function DischargeForm({ stay, onClose, onDone }: FormProps) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<{ tests: { at: Dayjs; ct: number }[] }>();
  const { busy, submit } = useSubmit(form, async (v) => {
    const out = await act(
      () =>
        api<StayDischarged>(`/api/isolation/stays/${stay.id}/discharge`, {
          method: 'POST',
          body: { tests: v.tests.map((x) => ({ at: pickerInstant(x.at), ct: x.ct })) },
        }),
      (r) => t('isolation.discharged', { who: stayWho(stay, t), days: r.homeMonitoringDays }),
      onDone,
    );
    if (out) onClose();
  });
  return (
    <Modal
      open
      title={t('isolation.dischargeTitle', { who: stayWho(stay, t) })}
      okText={t('isolation.discharge')}
      cancelText={t('action.cancel')}
      onOk={submit}
      confirmLoading={busy}
      onCancel={onClose}
    >
      <Typography.Paragraph type="secondary">{t('isolation.dischargeNote')}</Typography.Paragraph>
      <Form form={form} layout="vertical" initialValues={{ tests: [{}, {}] }}>
        <Form.List name="tests">
          {(fields) =>
            fields.map((field, i) => (
              <Space key={field.key} align="start">
                <Form.Item
                  label={t('isolation.testAt', { n: i + 1 })}
                  name={[field.name, 'at']}
                  rules={[{ required: true }]}
                >
                  <BeijingDateTimePicker noFuture />
                </Form.Item>
                <Form.Item label="Ct" name={[field.name, 'ct']} rules={[{ required: true }]}>
                  <InputNumber min={0} max={50} step={0.1} />
                </Form.Item>
              </Space>
            ))
          }
        </Form.List>
      </Form>
    </Modal>
  );
}

export function HealthForm({ stay, onClose, onDone }: FormProps) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<{ at: Dayjs; temperature: number; symptoms?: string[] }>();
  const { busy, submit } = useSubmit(form, async (v) => {
    const out = await act(
      () =>
        api<HealthCheckRecorded>(`/api/isolation/stays/${stay.id}/health`, {
          method: 'POST',
          body: { at: pickerInstant(v.at), temperature: v.temperature, symptoms: v.symptoms ?? [] },
        }),
      (r) =>
        r.status === 'duplicate'
          ? t('isolation.healthDuplicate', { who: stayWho(stay, t) })
          : r.alert
            ? t('isolation.healthAlert', { who: stayWho(stay, t) })
            : t('isolation.healthRecorded', { who: stayWho(stay, t) }),
      onDone,
    );
    if (out) onClose();
  });
  return (
    <Modal
      open
      title={t('isolation.healthTitle', { who: stayWho(stay, t) })}
      okText={t('isolation.healthOk')}
      cancelText={t('action.cancel')}
      onOk={submit}
      confirmLoading={busy}
      onCancel={onClose}
    >
      <Form form={form} layout="vertical" initialValues={{ at: beijingPickerValue(), symptoms: [] }}>
        <Form.Item label={t('isolation.checkedAt')} name="at" rules={[{ required: true }]}>
          <BeijingDateTimePicker noFuture />
        </Form.Item>
        <Form.Item
          label={t('isolation.temperature')}
          name="temperature"
          extra={t('isolation.feverNote')}
          rules={[{ required: true }]}
        >
          <InputNumber min={34} max={43} step={0.1} addonAfter="℃" />
        </Form.Item>
        <Form.Item label={t('isolation.symptoms')} name="symptoms">
          <Select mode="multiple" options={SYMPTOMS.map((v) => ({ value: v, label: t(`symptom.${v}`) }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** 转点: the engine places the stay (and its roommates) elsewhere, or into the chosen site; the term runs on. */
export function MoveForm({ stay, onClose, onDone }: FormProps) {
  const { t } = useTranslation();
  const act = useAction();
  const sites = useApi<Board>('/api/isolation/board');
  const [form] = Form.useForm<{ reason: string; site_id?: number }>();
  const { busy, submit } = useSubmit(form, async (v) => {
    const out = await act(
      () =>
        api<StayMoved>(`/api/isolation/stays/${stay.id}/move`, {
          method: 'POST',
          body: { reason: v.reason.trim(), ...(v.site_id ? { site_id: v.site_id } : {}) },
        }),
      (r) => {
        const to = sites.data?.occupancy.find((s) => s.id === r.to_site)?.name ?? String(r.to_site);
        return t('isolation.moved', { who: stayWho(stay, t), site: to, count: r.moved.length });
      },
      onDone,
    );
    if (out) onClose();
  });
  return (
    <Modal
      open
      title={t('isolation.moveTitle', { who: stayWho(stay, t), site: stay.site })}
      okText={t('isolation.move')}
      cancelText={t('action.cancel')}
      onOk={submit}
      confirmLoading={busy}
      onCancel={onClose}
    >
      <Typography.Paragraph type="secondary">{t('isolation.moveNote')}</Typography.Paragraph>
      <Form form={form} layout="vertical">
        <Form.Item label={t('isolation.moveTo')} name="site_id">
          <Select
            allowClear
            loading={sites.loading}
            placeholder={t('isolation.moveAuto')}
            options={(sites.data?.occupancy ?? [])
              // Only sites that take people now (accepted, in service) and have a free unit: a reserve or
              // closing site would be refused.
              .filter((s) => s.id !== stay.site_id && s.takes_people && s.available > 0)
              .map((s) => ({
                value: s.id,
                label: `${s.name} · ${t(`siteKind.${s.kind}`, { defaultValue: s.kind })} · ${t('occupancy.available')} ${s.available}`,
              }))}
          />
        </Form.Item>
        <Form.Item
          label={t('isolation.moveReason')}
          name="reason"
          rules={[
            { required: true, min: 2, max: 500, whitespace: true, message: t('isolation.moveReasonRule') },
          ]}
        >
          <Input.TextArea rows={2} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

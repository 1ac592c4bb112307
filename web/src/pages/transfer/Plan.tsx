/** 转运 planning: the trips of the working day and the plan's summary (who moves, who cannot and why). */
import { Alert, Button, Card, Descriptions, Form, InputNumber, Space, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { areaName } from '../../area-names.ts';
import { pickerInstant } from '../../beijing-time.ts';
import type { PlannedTrip, TransferPlan } from '../../contract.ts';
import { reasonText } from '../../reason-text.ts';
import {
  areaColumn,
  BeijingDateTimePicker,
  byString,
  type Column,
  ConfirmButton,
  DataTable,
  personColumn,
  useAction,
  useFormat,
} from '../shared.tsx';

/** Plans the trips of the working day (optionally another shift start or window) and shows the plan. */
export function PlanView({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const [form] = Form.useForm<{ shift_start?: Dayjs | null; window_hours?: number | null }>();
  const [plan, setPlan] = useState<TransferPlan | null>(null);
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const body = {
      ...(v.shift_start ? { shift_start: pickerInstant(v.shift_start) } : {}),
      ...(v.window_hours ? { window_hours: v.window_hours } : {}),
    };
    const out = await act(
      () => api<TransferPlan>('/api/transfer/plan', { method: 'POST', body }),
      (p) =>
        t('transfer.planned', {
          trips: p.trips.length,
          moved: moved(p),
          waiting: p.waiting.length,
        }),
      onDone,
    );
    if (out) setPlan(out);
  };
  const moved = (p: TransferPlan) => p.trips.reduce((n, x) => n + x.placement_ids.length, 0);
  const tripColumns: Column<PlannedTrip>[] = [
    { key: 'id', title: t('transfer.trip'), dataIndex: 'id' },
    { key: 'plate', title: t('transfer.plate'), dataIndex: 'plate', sorter: byString((r) => r.plate) },
    { key: 'sequence', title: t('transfer.sequence'), dataIndex: 'sequence' },
    {
      key: 'class',
      title: t('transfer.class'),
      dataIndex: 'class',
      render: (v: string) => t(`tripClass.${v}`, { defaultValue: v }),
      exportValue: (r) => t(`tripClass.${r.class}`, { defaultValue: r.class }),
    },
    {
      key: 'people',
      title: t('transfer.passengers'),
      render: (_: unknown, r) => r.placement_ids.length,
      exportValue: (r) => r.placement_ids.join(' '),
    },
    {
      key: 'stops',
      title: t('transfer.stops'),
      render: (_: unknown, r) => r.stops.map((c) => areaName(c)).join(' → '),
      exportValue: (r) => r.stops.map((c) => areaName(c)).join(' → '),
    },
    {
      key: 'site_name',
      title: t('transfer.site'),
      dataIndex: 'site_name',
      sorter: byString((r) => r.site_name),
    },
    areaColumn({ key: 'site_area', title: t('transfer.destination'), get: (r) => r.site_area }),
    { key: 'start', title: t('transfer.start'), dataIndex: 'start', render: f.dateTime },
    { key: 'end', title: t('transfer.end'), dataIndex: 'end', render: f.dateTime },
    { key: 'km', title: t('transfer.km'), dataIndex: 'km', render: (v: number) => v.toFixed(1) },
    {
      key: 'reason',
      title: t('transfer.reason'),
      ellipsis: true,
      render: (_: unknown, r) => reasonText(r.phrase, r.reason),
      exportValue: (r) => reasonText(r.phrase, r.reason),
    },
  ];
  type Waiting = TransferPlan['waiting'][number];
  const waitingColumns: Column<Waiting>[] = [
    { key: 'placement_id', title: t('isolation.stayId'), dataIndex: 'placement_id' },
    personColumn({ title: t('tracing.person'), get: (r) => r.person_id, t }),
    {
      key: 'reason',
      title: t('transfer.notMovedReason'),
      render: (_: unknown, r) => reasonText(r.phrase, r.reason),
      exportValue: (r) => reasonText(r.phrase, r.reason),
    },
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card size="small" title={t('transfer.planTitle')}>
        <Typography.Paragraph type="secondary">{t('transfer.planNote')}</Typography.Paragraph>
        <Form form={form} layout="inline">
          <Form.Item label={t('transfer.shiftStart')} name="shift_start">
            <BeijingDateTimePicker />
          </Form.Item>
          <Form.Item label={t('transfer.windowHours')} name="window_hours">
            <InputNumber min={1} max={24} step={1} placeholder={t('transfer.default')} />
          </Form.Item>
          <ConfirmButton type="primary" size="middle" title={t('transfer.confirmPlan')} onConfirm={submit}>
            {t('transfer.planButton')}
          </ConfirmButton>
        </Form>
      </Card>
      {plan && (
        <Card
          size="small"
          className="plan-summary"
          title={t('transfer.summary', { day: plan.service_day })}
          extra={
            <Button size="small" onClick={() => setPlan(null)}>
              {t('action.close')}
            </Button>
          }
        >
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <Alert
              type={plan.waiting.length > 0 ? 'warning' : 'success'}
              showIcon
              message={t('transfer.planned', {
                trips: plan.trips.length,
                moved: moved(plan),
                waiting: plan.waiting.length,
              })}
            />
            <Descriptions size="small" bordered column={{ xs: 1, md: 4 }}>
              <Descriptions.Item label={t('transfer.shift')}>
                {f.dateTime(plan.shift.start)} – {f.dateTime(plan.shift.end)}
              </Descriptions.Item>
              <Descriptions.Item label={t('transfer.toMove')}>{plan.passengers}</Descriptions.Item>
              <Descriptions.Item label={t('transfer.moved')}>{moved(plan)}</Descriptions.Item>
              <Descriptions.Item label={t('transfer.notMoved')}>{plan.waiting.length}</Descriptions.Item>
            </Descriptions>
            {plan.waiting.length > 0 && (
              <DataTable<Waiting>
                rows={plan.waiting}
                columns={waitingColumns}
                rowKey="placement_id"
                exportName={t('transfer.notMoved')}
              />
            )}
            <DataTable<PlannedTrip>
              rows={plan.trips}
              columns={tripColumns}
              rowKey="id"
              exportName={`${t('transfer.plan')}-${plan.service_day}`}
            />
          </Space>
        </Card>
      )}
    </Space>
  );
}

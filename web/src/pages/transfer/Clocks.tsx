/** The 转运 clocks found → placed → picked up → delivered, with the late list. */
import { Card, Col, Row, Space, Statistic, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { query } from '../../api.ts';
import type { TransferClocks } from '../../contract.ts';
import { FigureLabel } from '../../figure-label.tsx';
import { DayPicker } from '../filters.tsx';
import {
  areaColumn,
  beijingToday,
  byNumber,
  byString,
  type Column,
  DataTable,
  ErrorAlert,
  personColumn,
  StatusTag,
  useApi,
  useFormat,
} from '../shared.tsx';

export function ClocksView({ version }: { version: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [day, setDay] = useState(beijingToday());
  const res = useApi<TransferClocks>(`/api/transfer/clocks${query({ date: day })}`, version);
  const c = res.data;
  type Late = TransferClocks['late'][number];
  const columns: Column<Late>[] = [
    {
      key: 'placement_id',
      title: t('isolation.stayId'),
      dataIndex: 'placement_id',
      sorter: byNumber((r) => r.placement_id),
    },
    personColumn({ title: t('tracing.person'), get: (r) => r.person_id, t }),
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'found_at',
      title: t('tracing.foundAt'),
      dataIndex: 'found_at',
      render: f.dateTime,
      sorter: byString((r) => r.found_at),
    },
    { key: 'placed_at', title: t('isolation.placedAt'), dataIndex: 'placed_at', render: f.dateTime },
    {
      key: 'trip_status',
      title: t('transfer.passengerStatus'),
      dataIndex: 'trip_status',
      render: (v: string | null) =>
        v ? <StatusTag ns="passengerStatus" value={v} /> : <Tag color="red">{t('transfer.noTrip')}</Tag>,
      filters: [
        { text: t('transfer.noTrip'), value: 'none' },
        { text: t('passengerStatus.assigned'), value: 'assigned' },
        { text: t('passengerStatus.picked_up'), value: 'picked_up' },
      ],
      onFilter: (v, r) => (r.trip_status ?? 'none') === v,
      exportValue: (r) => (r.trip_status ? t(`passengerStatus.${r.trip_status}`) : t('transfer.noTrip')),
    },
  ];
  const legs = ['found_to_placed', 'found_to_picked_up', 'found_to_delivered'] as const;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <DayPicker day={day} onDay={setDay} />
      <ErrorAlert error={res.error} />
      <Row gutter={[12, 12]}>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic
              title={<FigureLabel k="placed_found_on_day" />}
              value={c?.people ?? '—'}
              loading={res.loading && !c}
            />
          </Card>
        </Col>
        {legs.map((leg) => (
          <Col xs={12} md={6} key={leg}>
            <Card size="small">
              <Statistic
                title={t(`transfer.${leg}`)}
                value={c ? `${c.minutes[leg].p50 ?? '—'} / ${c.minutes[leg].p90 ?? '—'}` : '—'}
                suffix={c ? t('transfer.minutes') : undefined}
                loading={res.loading && !c}
              />
            </Card>
          </Col>
        ))}
      </Row>
      <Card size="small" title={t('transfer.late')}>
        <Typography.Paragraph type="secondary">{t('transfer.lateNote')}</Typography.Paragraph>
        <DataTable<Late>
          rows={c?.late ?? []}
          columns={columns}
          rowKey="placement_id"
          loading={res.loading}
          error={res.error}
          total={c?.late_total}
          serverExport={`/api/transfer/late/export${query({ date: day })}`}
          exportName={`${t('transfer.late')}-${day}`}
        />
      </Card>
    </Space>
  );
}

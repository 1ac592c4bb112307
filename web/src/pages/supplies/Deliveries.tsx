/** The deliveries with their steps. */
import { Card, Empty, Input, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import type { SupplyDelivery as Delivery } from '../../contract.ts';
import { useCursorList } from '../filters.tsx';
import {
  ACTIONS,
  areaColumn,
  byNumber,
  type Column,
  ConfirmButton,
  DataTable,
  useAction,
  useFormat,
} from '../shared.tsx';
import { PAGE, STATUS_TAG } from './common.tsx';

export function Deliveries({
  version,
  after,
  mayDispatch,
}: {
  version: number;
  after: () => void;
  mayDispatch: boolean;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const act = useAction();
  const [driver, setDriver] = useState('');
  const paged = useCursorList<Delivery>('/api/supplies/deliveries', {}, version, PAGE);
  const step = (d: Delivery, path: 'dispatched' | 'at-gate', label: string) =>
    act(
      () =>
        api(`/api/supplies/deliveries/${d.id}/${path}`, {
          method: 'POST',
          body: { key: `step-${path}-${d.id}`, worker: driver.trim() },
        }),
      () => t('supplies.deliveries.done', { step: label }),
      after,
    );
  const columns: Column<Delivery>[] = [
    {
      key: 'id',
      title: t('supplies.deliveries.id'),
      render: (_, d) => `#${d.id}`,
      sorter: byNumber((d) => d.id),
    },
    { key: 'depot', title: t('supplies.deliveries.depot'), dataIndex: 'depot_name' },
    areaColumn({ key: 'compound', title: t('supplies.deliveries.compound'), get: (d) => d.area_code }),
    {
      key: 'status',
      title: t('supplies.deliveries.status'),
      render: (_, d) => <Tag color={STATUS_TAG[d.status]}>{t(`supplies.deliveryStatus.${d.status}`)}</Tag>,
    },
    {
      key: 'progress',
      title: t('supplies.deliveries.progress'),
      render: (_, d) => t('supplies.deliveries.progressValue', { handed: d.handed, requests: d.requests }),
    },
    {
      key: 'planned',
      title: t('supplies.deliveries.plannedAt'),
      render: (_, d) => fmt.dateTime(d.planned_at),
    },
    {
      key: 'dispatched',
      title: t('supplies.deliveries.dispatchedAt'),
      render: (_, d) => fmt.dateTime(d.dispatched_at),
    },
    {
      key: 'at_gate',
      title: t('supplies.deliveries.atGateAt'),
      render: (_, d) => fmt.dateTime(d.at_gate_at),
    },
    { key: 'workers', title: t('supplies.deliveries.workers'), render: (_, d) => d.workers ?? '—' },
    ...(mayDispatch
      ? [
          {
            key: ACTIONS,
            title: '',
            render: (_: unknown, d: Delivery) =>
              d.status === 'planned' ? (
                <ConfirmButton
                  key="dispatch"
                  type="primary"
                  title={t('supplies.deliveries.confirmStep', {
                    step: t('supplies.deliveries.dispatch'),
                  })}
                  onConfirm={() => step(d, 'dispatched', t('supplies.deliveries.dispatch'))}
                >
                  {t('supplies.deliveries.dispatch')}
                </ConfirmButton>
              ) : d.status === 'dispatched' ? (
                <ConfirmButton
                  key="at-gate"
                  type="primary"
                  title={t('supplies.deliveries.confirmStep', {
                    step: t('supplies.deliveries.atGate'),
                  })}
                  onConfirm={() => step(d, 'at-gate', t('supplies.deliveries.atGate'))}
                >
                  {t('supplies.deliveries.atGate')}
                </ConfirmButton>
              ) : null,
          },
        ]
      : []),
  ];
  return (
    <Card
      size="small"
      title={t('supplies.deliveries.title')}
      style={{ marginBottom: 16 }}
      extra={
        mayDispatch && (
          <Input
            size="small"
            style={{ width: 180 }}
            className="supplies-driver"
            placeholder={t('supplies.deliveries.driver')}
            value={driver}
            onChange={(e) => setDriver(e.target.value)}
            maxLength={50}
          />
        )
      }
    >
      {paged.total === 0 && paged.keys.page === 0 && !paged.list.error ? (
        <Empty description={t('supplies.deliveries.none')} />
      ) : (
        <div className="supplies-deliveries">
          <DataTable<Delivery>
            {...paged.table}
            columns={columns}
            rowKey="id"
            exportName={t('supplies.deliveries.title')}
          />
        </div>
      )}
    </Card>
  );
}

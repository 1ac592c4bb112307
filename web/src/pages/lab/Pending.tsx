/** The tubes still waiting for a result, against the testing budget. */
import { Card, Select, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { query } from '../../api.ts';
import type { PendingTubeItem as Pending, PendingAnswer } from '../../contract.ts';
import { areaColumn, byString, type Column, DataTable, useApi, useFormat } from '../shared.tsx';

export function PendingCard({ labId, version }: { labId: number | null; version: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [mine, setMine] = useState(true);
  const res = useApi<PendingAnswer>(
    `/api/testing/tubes/pending${query({ lab_id: mine && labId ? labId : undefined, limit: 500 })}`,
    version,
  );
  const now = Date.now();
  const columns: Column<Pending>[] = [
    { key: 'barcode', title: t('lab.tube'), dataIndex: 'barcode', sorter: byString((r) => r.barcode) },
    { key: 'box', title: t('lab.box'), dataIndex: 'box' },
    { key: 'round', title: t('lab.round'), dataIndex: 'round' },
    areaColumn({ title: t('lab.area'), get: (r) => r.area_code }),
    {
      key: 'pool',
      title: t('lab.pool'),
      render: (_: unknown, r) => t('lab.poolValue', { members: r.members, size: r.pool_size }),
      exportValue: (r) => t('lab.poolValue', { members: r.members, size: r.pool_size }),
    },
    { key: 'lab', title: t('lab.lab'), dataIndex: 'lab' },
    {
      key: 'received_at',
      title: t('lab.receivedAt'),
      dataIndex: 'received_at',
      render: f.dateTime,
      sorter: byString((r) => r.received_at),
    },
    {
      key: 'due_at',
      title: t('lab.dueAt'),
      dataIndex: 'due_at',
      render: (v: string) =>
        new Date(v).getTime() < now ? (
          <Tag color="red">
            {t('lab.overdue')} {f.dateTime(v)}
          </Tag>
        ) : (
          f.dateTime(v)
        ),
      exportValue: (r) => f.dateTime(r.due_at),
    },
  ];
  return (
    <Card
      size="small"
      title={t('lab.pendingTitle')}
      extra={
        labId ? (
          <Select
            size="small"
            style={{ width: 160 }}
            value={mine ? 'mine' : 'all'}
            onChange={(v) => setMine(v === 'mine')}
            options={[
              { value: 'mine', label: t('lab.lab') },
              { value: 'all', label: t('common.all') },
            ]}
          />
        ) : undefined
      }
    >
      <DataTable<Pending>
        rows={res.data?.items ?? []}
        total={res.data?.total}
        columns={columns}
        rowKey="barcode"
        loading={res.loading}
        error={res.error}
        exportName={t('lab.pendingTitle')}
      />
    </Card>
  );
}

/** The labs of the jurisdiction and the one this desk works for. */
import { Card, Select, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Lab } from '../../contract.ts';
import { areaColumn, byNumber, byString, type Column, DataTable, useApi, useFormat } from '../shared.tsx';

export function LabsCard({
  version,
  labId,
  onLab,
}: {
  version: number;
  labId: number | null;
  onLab: (id: number | null) => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const res = useApi<{ items: Lab[] }>('/api/testing/labs', version);
  const labs = res.data?.items ?? [];
  const columns: Column<Lab>[] = [
    {
      key: 'name',
      title: t('lab.labs'),
      dataIndex: 'name',
      sorter: byString((r) => r.name),
      render: (v: string, r) => (
        <Space size={4}>
          {v}
          {r.mobile && <Tag>{t('lab.mobile')}</Tag>}
        </Space>
      ),
    },
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'capacity',
      title: t('lab.capacity'),
      dataIndex: 'daily_capacity_tubes',
      render: f.number,
      sorter: byNumber((r) => r.daily_capacity_tubes),
    },
    { key: 'received', title: t('lab.receivedToday'), dataIndex: 'received_today', render: f.number },
    { key: 'resulted', title: t('lab.resultedToday'), dataIndex: 'resulted_today', render: f.number },
    {
      key: 'pending',
      title: t('lab.pending'),
      dataIndex: 'pending',
      render: f.number,
      sorter: byNumber((r) => r.pending),
    },
    {
      key: 'late',
      title: t('lab.late'),
      dataIndex: 'late',
      render: (v: number) => (v > 0 ? <Tag color="red">{f.number(v)}</Tag> : '0'),
      exportValue: (r) => r.late,
      sorter: byNumber((r) => r.late),
    },
    { key: 'oldest', title: t('lab.oldest'), dataIndex: 'oldest_pending_at', render: f.dateTime },
  ];
  return (
    <Card
      size="small"
      title={t('lab.labs')}
      extra={
        <Space>
          <Typography.Text>{t('lab.lab')}</Typography.Text>
          <Select<number>
            size="small"
            style={{ width: 240 }}
            className="lab-choice"
            placeholder={t('lab.chooseLab')}
            value={labs.some((l) => l.id === labId) ? (labId ?? undefined) : undefined}
            onChange={(v) => onLab(v ?? null)}
            allowClear
            showSearch
            optionFilterProp="label"
            options={labs.map((l) => ({ value: l.id, label: l.name }))}
          />
        </Space>
      }
    >
      <DataTable<Lab>
        rows={labs}
        columns={columns}
        rowKey="id"
        loading={res.loading}
        error={res.error}
        exportName={t('lab.labs')}
      />
    </Card>
  );
}

/** A round's sampling points and their samplers. */
import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { areaName } from '../../area-names.ts';
import type { TestingRound as Round, SamplingPoint } from '../../contract.ts';
import { areaColumn, byNumber, byString, type Column, DataTable, filtersFrom, useApi } from '../shared.tsx';

export function PointsView({ round }: { round: Round }) {
  const { t } = useTranslation();
  const res = useApi<{ items: SamplingPoint[] }>(`/api/testing/rounds/${round.id}/points`);
  const rows = res.data?.items ?? [];
  const columns: Column<SamplingPoint>[] = [
    { key: 'id', title: t('testing.id'), dataIndex: 'id', sorter: byNumber((r) => r.id) },
    { key: 'name', title: t('testing.pointName'), dataIndex: 'name', sorter: byString((r) => r.name) },
    {
      ...areaColumn<SamplingPoint>({ title: t('common.areaName'), get: (r) => r.area_code }),
      filters: filtersFrom(
        rows,
        (r) => r.area_code.slice(0, 12),
        (v) => areaName(v),
      ),
      onFilter: (v, r) => r.area_code.startsWith(v as string),
    },
    {
      key: 'samplers',
      title: t('testing.samplers'),
      dataIndex: 'samplers',
      sorter: byNumber((r) => r.samplers),
    },
  ];
  return (
    <DataTable<SamplingPoint>
      rows={rows}
      columns={columns}
      rowKey="id"
      loading={res.loading}
      error={res.error}
      exportName={`${t('testing.points')}-${round.id}`}
      toolbar={
        <Typography.Text type="secondary">
          {t('testing.samplersTotal', { count: rows.reduce((a, p) => a + p.samplers, 0) })}
        </Typography.Text>
      }
    />
  );
}

/** The per-area table of 指挥中心大屏 (/areas): population, cases and density, cases today, people waiting. */
import { Card, Table } from 'antd';
import { useTranslation } from 'react-i18next';
import type { DashboardAreaItem } from '../contract.ts';
import { AreaName } from '../pages/shared.tsx';
import { type AreasAnswer, density } from './live.ts';

type AreaFigures = DashboardAreaItem;

/** The areas under the screen's area, the population written for `locale`. */
export function AreaTable({
  areas,
  locale,
}: {
  areas: { data: AreasAnswer | null; error: string | null };
  locale: string;
}) {
  const { t } = useTranslation();
  const tableRows = (areas.data?.items ?? []).map((a) => ({ ...a, density: density(a.figures) }));
  const fig = (k: string) => (row: AreaFigures) => row.figures[k] ?? 0;
  const waitingOf = (a: AreaFigures) => (a.figures.waiting ?? 0) + (a.figures.waiting_over_24h ?? 0);

  return (
    <Card size="small" title={t('dashboard.areaTable')}>
      <Table<AreaFigures & { density: number | null }>
        size="small"
        rowKey="code"
        loading={!areas.data && !areas.error}
        dataSource={tableRows}
        pagination={{ pageSize: 10, showSizeChanger: true, pageSizeOptions: [10, 20, 50] }}
        columns={[
          {
            title: t('common.areaName'),
            dataIndex: 'name',
            // Named as everywhere (a grid with its community), the full path and code on hover.
            render: (_: string | null, r) => <AreaName code={r.code} />,
          },
          {
            title: t('dashboard.population'),
            key: 'population',
            align: 'right',
            render: (_, r) => fig('population')(r).toLocaleString(locale),
            sorter: (a, b) => fig('population')(a) - fig('population')(b),
          },
          {
            title: t('dashboard.cases'),
            key: 'cases',
            align: 'right',
            render: (_, r) => fig('cases')(r),
            sorter: (a, b) => fig('cases')(a) - fig('cases')(b),
          },
          {
            title: t('dashboard.density'),
            dataIndex: 'density',
            align: 'right',
            render: (v: number | null) => v ?? '—',
            sorter: (a, b) => (a.density ?? -1) - (b.density ?? -1),
          },
          {
            title: t('dashboard.casesToday'),
            key: 'cases_today',
            align: 'right',
            render: (_, r) => fig('cases_today')(r),
            sorter: (a, b) => fig('cases_today')(a) - fig('cases_today')(b),
          },
          {
            title: t('dashboard.waiting'),
            key: 'waiting',
            align: 'right',
            render: (_, r) => waitingOf(r),
            sorter: (a, b) => waitingOf(a) - waitingOf(b),
          },
        ]}
      />
    </Card>
  );
}

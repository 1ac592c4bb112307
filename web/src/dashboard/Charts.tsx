/** The charts of 指挥中心大屏: the 清仓 funnel with its clocks, the 14-day trend, isolation resources by status. */
import { Card, Typography } from 'antd';
import { LineChart } from 'echarts/charts';
import { use } from 'echarts/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { DashboardFunnel, DashboardSeries } from '../contract.ts';
import { EChart } from '../EChart.tsx';
import { type Figures, sumWhere } from './live.ts';

use([LineChart]);

const STAGES = ['found', 'placed', 'isolated', 'released', 'room_freed'] as const;
const TREND = [
  ['cases', '#c0392b'],
  ['found_close_contact', '#e67e22'],
  ['placed', '#2980b9'],
  ['released', '#27ae60'],
] as const;
const UNIT_STATUSES = [
  ['occupied', '#c0392b'],
  ['reserved', '#e67e22'],
  ['awaiting_disinfection', '#8e44ad'],
  ['disinfecting', '#9b59b6'],
  ['out_of_service', '#7f8c8d'],
  ['available', '#27ae60'],
] as const;

/** The 清仓 funnel (/funnel): today and now per stage, with the clocks found → placed → arrived. */
export function FunnelCard({ funnel }: { funnel: DashboardFunnel | null }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const funnelOption = useMemo(() => {
    const stages = funnel?.stages ?? [];
    const byKey = new Map(stages.map((s) => [s.key, s]));
    return {
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        formatter: (ps: { dataIndex: number }[]) => {
          const key = STAGES[ps[0]?.dataIndex ?? 0] ?? 'found';
          const s = byKey.get(key);
          return `${t(`dashboard.stage.${key}`, { lng: lang })}<br/>${t(`dashboard.stageToday.${key}`, { lng: lang })}: ${s?.today ?? '—'}<br/>${t(`dashboard.stageNow.${key}`, { lng: lang })}: ${s?.now ?? '—'}`;
        },
      },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: STAGES.map((k) => t(`dashboard.stage.${k}`, { lng: lang })) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        {
          name: t('dashboard.today', { lng: lang }),
          type: 'bar',
          data: STAGES.map((k) => byKey.get(k)?.today ?? 0),
          itemStyle: { color: '#c0392b' },
          label: { show: true, position: 'top' },
          barMaxWidth: 40,
        },
        {
          name: t('dashboard.now', { lng: lang }),
          type: 'bar',
          data: STAGES.map((k) => byKey.get(k)?.now ?? 0),
          itemStyle: { color: '#2c3e50' },
          label: { show: true, position: 'top' },
          barMaxWidth: 40,
        },
      ],
    };
  }, [funnel, t, lang]);

  const clock = (name: string) => {
    const c = funnel?.clocks ?? {};
    const p50 = c[`p50_${name}_min`];
    const p90 = c[`p90_${name}_min`];
    return `${p50 ?? '—'} / ${p90 ?? '—'}`;
  };

  return (
    <Card size="small" title={t('dashboard.funnel')} style={{ height: '100%' }} data-testid="funnel">
      <EChart option={funnelOption} height={260} />
      <Typography.Text type="secondary" style={{ display: 'block', marginTop: 8 }}>
        {t('dashboard.clocks')}: {t('dashboard.foundToPlaced')}{' '}
        <Typography.Text strong data-testid="clock-found-to-placed">
          {clock('found_to_placed')}
        </Typography.Text>{' '}
        · {t('dashboard.placedToArrived')}{' '}
        <Typography.Text strong data-testid="clock-placed-to-arrived">
          {clock('placed_to_arrived')}
        </Typography.Text>
      </Typography.Text>
    </Card>
  );
}

/** The 14-day trend (/series). */
export function TrendCard({ series }: { series: DashboardSeries | null }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const trendOption = useMemo(() => {
    const items = series?.items ?? [];
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: items.map((d) => d.day.slice(5)), boundaryGap: false },
      yAxis: { type: 'value', minInterval: 1 },
      series: TREND.map(([k, colour]) => ({
        name: t(`dashboard.series.${k}`, { lng: lang }),
        type: 'line',
        smooth: false,
        symbolSize: 6,
        data: items.map((d) => d.figures[k] ?? 0),
        itemStyle: { color: colour },
        lineStyle: { color: colour },
      })),
    };
  }, [series, t, lang]);

  return (
    <Card size="small" title={t('dashboard.trend')} style={{ height: '100%' }}>
      <EChart option={trendOption} height={290} />
    </Card>
  );
}

/** Isolation rooms and beds by status (/kpis). */
export function ResourcesCard({ f }: { f: Figures | undefined }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const resourcesOption = useMemo(() => {
    const rows = [
      ['roomsLabel', (s: string) => f?.[`rooms_${s}`] ?? 0],
      ['bedsLabel', (s: string) => sumWhere(f, (k) => k.startsWith('beds_') && k.endsWith(`_${s}`)) ?? 0],
    ] as const;
    return {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 56, bottom: 8, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: rows.map(([k]) => t(`dashboard.${k}`, { lng: lang })), inverse: true },
      series: UNIT_STATUSES.map(([s, colour]) => ({
        name: t(`unitStatus.${s}`, { lng: lang }),
        type: 'bar',
        stack: 'units',
        data: rows.map(([, get]) => get(s)),
        itemStyle: { color: colour },
        barMaxWidth: 36,
      })),
    };
  }, [f, t, lang]);

  return (
    <Card size="small" title={t('dashboard.resources')} style={{ height: '100%' }}>
      <EChart option={resourcesOption} height={220} />
    </Card>
  );
}

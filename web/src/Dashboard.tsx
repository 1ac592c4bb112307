/**
 * 指挥中心大屏: every figure comes from the dashboard API (/api/dashboard/*), which answers from a snapshot the
 * server refreshes in the background; the screen asks again every 15 s and says when the figures were computed.
 * KPIs (/kpis), the 清仓 funnel with its clocks (/funnel), the 14-day trend (/series), the schematic map and the
 * per-area table (/areas), isolation resources by status (/kpis).
 */

import { Alert, Card, Col, Row, Space, Statistic, Table, Tag, Typography } from 'antd';
import { LineChart } from 'echarts/charts';
import { use } from 'echarts/core';
import { lazy, type ReactNode, Suspense, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from './api.ts';
import type {
  DashboardAreaItem,
  DashboardAreas,
  DashboardFigures,
  DashboardFunnel,
  DashboardKpis,
  DashboardSeries,
  Me,
} from './contract.ts';
import { EChart } from './EChart.tsx';
import { errorText } from './error-text.ts';
import { FigureLabel } from './figure-label.tsx';
import { AreaName } from './pages/shared.tsx';

use([LineChart]);

// The schematic map brings the map chart with it: its own chunk.
const SchematicMap = lazy(() => import('./pages/SchematicMap.tsx'));

/** How often the screen asks again (the API answers from memory: cheap). */
export const REFRESH_MS = 15_000;

type Figures = DashboardFigures;
type AreaFigures = DashboardAreaItem;
/** GET /api/dashboard/areas, as the schematic map reads it too. */
export type AreasAnswer = DashboardAreas;

/** The area the screen shows: the jurisdiction ('' = everything: no parameter). */
export function areaQuery(name: 'area' | 'parent', code: string): string {
  return code ? `?${name}=${encodeURIComponent(code)}` : '';
}

/**
 * GETs `path` now and whenever `tick` changes. A failed refresh keeps the last figures and reports the error, so
 * a wall screen does not go blank when the network hiccups.
 */
export function useLive<T>(path: string | null, tick: number): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ path: string | null; data: T | null; error: string | null }>({
    path: null,
    data: null,
    error: null,
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick asks for the same path again
  useEffect(() => {
    if (!path) return;
    let live = true;
    api<T>(path).then(
      (data) => live && setState({ path, data, error: null }),
      (err: unknown) =>
        live && setState((s) => ({ path, data: s.path === path ? s.data : null, error: errorText(err) })),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  return state.path === path ? { data: state.data, error: state.error } : { data: null, error: null };
}

/** A counter that goes up every `ms`: the refresh clock of the screen. */
export function useTick(ms: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = window.setInterval(() => setTick((n) => n + 1), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return tick;
}

/** The sum of the figures whose key passes `keep`. */
export function sumWhere(f: Figures | undefined, keep: (key: string) => boolean): number | undefined {
  if (!f) return undefined;
  let n = 0;
  for (const [k, v] of Object.entries(f)) if (keep(k)) n += v;
  return n;
}

/** Cases per 10,000 registered residents (null without residents). */
export function density(f: Figures): number | null {
  const population = f.population ?? 0;
  if (population <= 0) return null;
  return Math.round(((f.cases ?? 0) * 10_000 * 10) / population) / 10;
}

function Kpi({
  title,
  value,
  extra,
  alert,
  testId,
}: {
  title: ReactNode;
  value: number | undefined;
  extra?: ReactNode;
  alert?: boolean;
  testId: string;
}) {
  return (
    <Card size="small" style={{ height: '100%' }} data-testid={`kpi-${testId}`}>
      <Statistic
        title={title}
        value={value ?? '—'}
        loading={value === undefined}
        valueStyle={alert ? { color: '#c0392b' } : undefined}
      />
      <div style={{ marginTop: 4, minHeight: 22 }}>{extra}</div>
    </Card>
  );
}

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

export function Dashboard({ me }: { me: Me }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const root = me.jurisdiction;
  const tick = useTick(REFRESH_MS);
  const kpis = useLive<DashboardKpis>(`/api/dashboard/kpis${areaQuery('area', root)}`, tick);
  const funnel = useLive<DashboardFunnel>(`/api/dashboard/funnel${areaQuery('area', root)}`, tick);
  const series = useLive<DashboardSeries>(
    `/api/dashboard/series${root ? `?area=${encodeURIComponent(root)}&` : '?'}days=14`,
    tick,
  );
  const children = useLive<AreasAnswer>(`/api/dashboard/areas${areaQuery('parent', root)}`, tick);
  const f = kpis.data?.figures;
  const pick = (k: string) => (f ? (f[k] ?? 0) : undefined);
  const locale = lang === 'en' ? 'en-GB' : 'zh-CN';
  const asOf = kpis.data
    ? new Date(kpis.data.computed_at).toLocaleTimeString(locale, { hour12: false, timeZone: 'Asia/Shanghai' })
    : null;
  const error = kpis.error ?? funnel.error ?? series.error ?? children.error;

  const funnelOption = useMemo(() => {
    const stages = funnel.data?.stages ?? [];
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
  }, [funnel.data, t, lang]);

  const trendOption = useMemo(() => {
    const items = series.data?.items ?? [];
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
  }, [series.data, t, lang]);

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

  const clock = (name: string) => {
    const c = funnel.data?.clocks ?? {};
    const p50 = c[`p50_${name}_min`];
    const p90 = c[`p90_${name}_min`];
    return `${p50 ?? '—'} / ${p90 ?? '—'}`;
  };

  const tableRows = (children.data?.items ?? []).map((a) => ({ ...a, density: density(a.figures) }));
  const fig = (k: string) => (row: AreaFigures) => row.figures[k] ?? 0;
  const waitingOf = (a: AreaFigures) => (a.figures.waiting ?? 0) + (a.figures.waiting_over_24h ?? 0);

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <div style={{ display: 'flex', alignItems: 'baseline', gap: 12, flexWrap: 'wrap' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('dashboard.title')}
        </Typography.Title>
        {kpis.data && (
          <Typography.Text type="secondary" style={{ fontSize: 16 }}>
            {kpis.data.area.name ?? ''} ({kpis.data.area.code || '—'})
          </Typography.Text>
        )}
        <span style={{ flex: 1 }} />
        {asOf && (
          <Tag color="blue" style={{ fontSize: 14, padding: '2px 8px' }} data-testid="as-of">
            {t('dashboard.asOf', { time: asOf })}
          </Tag>
        )}
        <Typography.Text type="secondary">
          {t('dashboard.every', { seconds: REFRESH_MS / 1000 })}
        </Typography.Text>
      </div>
      {error && (
        <Alert
          type={kpis.data ? 'warning' : 'error'}
          showIcon
          message={kpis.data ? t('dashboard.stale', { message: error }) : error}
        />
      )}
      <Row gutter={[12, 12]}>
        <Col flex="1 1 140px">
          <Kpi
            testId="cases-today"
            title={<FigureLabel k="cases_today" />}
            value={pick('cases_today')}
            alert={(pick('cases_today') ?? 0) > 0}
            extra={f && <Tag>{t('dashboard.asymptomaticToday', { count: pick('asymptomatic_today') })}</Tag>}
          />
        </Col>
        <Col flex="1 1 140px">
          <Kpi
            testId="close-today"
            title={t('dashboard.closeToday')}
            value={pick('found_today_close_contact')}
          />
        </Col>
        <Col flex="1 1 140px">
          <Kpi
            testId="secondary-today"
            title={t('dashboard.secondaryToday')}
            value={pick('found_today_secondary_contact')}
          />
        </Col>
        <Col flex="1 1 140px">
          <Kpi
            testId="waiting"
            title={<FigureLabel k="waiting_for_placement" />}
            value={f ? (pick('waiting') ?? 0) + (pick('waiting_over_24h') ?? 0) : undefined}
            extra={
              f && (
                <Tag color={(pick('waiting_over_24h') ?? 0) > 0 ? 'red' : undefined}>
                  {t('dashboard.waitingOver24h', { count: pick('waiting_over_24h') })}
                </Tag>
              )
            }
          />
        </Col>
        <Col flex="1 1 140px">
          <Kpi
            testId="isolated"
            title={<FigureLabel k="isolated_arrived" />}
            value={sumWhere(f, (k) => k.startsWith('isolated_') && !k.endsWith('_hospital'))}
            extra={
              f && (
                <Tag>
                  {t('dashboard.awaitingTransfer', {
                    count: sumWhere(f, (k) => k.startsWith('awaiting_transfer_')),
                  })}
                </Tag>
              )
            }
          />
        </Col>
        <Col flex="1 1 140px">
          <Kpi
            testId="hospital"
            title={<FigureLabel k="hospital_arrived" />}
            value={sumWhere(f, (k) => k.startsWith('isolated_') && k.endsWith('_hospital'))}
          />
        </Col>
        <Col flex="1 1 140px">
          <Kpi
            testId="at-home"
            title={<FigureLabel k="at_home" />}
            value={sumWhere(f, (k) => k.startsWith('home_isolation_'))}
            extra={
              f && (
                <Tag>
                  {t('dashboard.homeMonitoring', {
                    count: sumWhere(f, (k) => k.startsWith('home_monitoring_')),
                  })}
                </Tag>
              )
            }
          />
        </Col>
        <Col flex="1 1 140px">
          <Kpi
            testId="released-today"
            title={<FigureLabel k="released_today" />}
            value={pick('released_today')}
          />
        </Col>
        <Col flex="1 1 140px">
          <Kpi
            testId="free-rooms"
            title={<FigureLabel k="rooms_free" />}
            value={pick('rooms_available')}
            extra={
              f && (
                <Tag>
                  {t('dashboard.freeBeds', {
                    count: sumWhere(f, (k) => k.startsWith('beds_') && k.endsWith('_available')),
                  })}
                </Tag>
              )
            }
          />
        </Col>
        <Col flex="1 1 140px">
          <Kpi
            testId="overdue"
            title={<FigureLabel k="tasks_overdue" />}
            value={pick('tasks_overdue')}
            alert={(pick('tasks_overdue') ?? 0) > 0}
            extra={f && <Tag>{t('dashboard.openTasks', { count: pick('tasks_open') })}</Tag>}
          />
        </Col>
        <Col flex="1 1 140px">
          <Kpi
            testId="forces-on-duty"
            title={<FigureLabel k="forces_on_duty" />}
            value={pick('forces_on_duty')}
          />
        </Col>
        <Col flex="1 1 140px">
          <Kpi
            testId="forces-shortfall"
            title={<FigureLabel k="forces_shortfall" />}
            value={pick('forces_shortfall')}
            alert={(pick('forces_shortfall') ?? 0) > 0}
          />
        </Col>
        <Col flex="1 1 140px">
          <Kpi
            testId="medical-emergencies"
            title={<FigureLabel k="medical_emergencies_open" />}
            value={pick('medical_emergencies_open')}
            alert={(pick('medical_emergencies_stalled') ?? 0) > 0}
            extra={
              f && (
                <Tag color={(pick('medical_emergencies_stalled') ?? 0) > 0 ? 'red' : undefined}>
                  <FigureLabel k="medical_emergencies_stalled" /> {pick('medical_emergencies_stalled')}
                </Tag>
              )
            }
          />
        </Col>
        <Col flex="1 1 140px">
          <Kpi
            testId="disinfections-late"
            title={<FigureLabel k="disinfections_late" />}
            value={pick('disinfections_late')}
            alert={(pick('disinfections_late') ?? 0) > 0}
            extra={
              f && (
                <Tag>
                  <FigureLabel k="disinfections_done" /> {pick('disinfections_done_today')} /{' '}
                  {pick('disinfections_due_today')}
                </Tag>
              )
            }
          />
        </Col>
        <Col flex="1 1 140px">
          <Kpi
            testId="supply-late"
            title={<FigureLabel k="supply_late" />}
            value={pick('supply_late')}
            alert={(pick('supply_late') ?? 0) > 0}
            extra={
              f && (
                <Tag color={(pick('supply_shortfall') ?? 0) > 0 ? 'red' : undefined}>
                  <FigureLabel k="supply_shortfall" /> {pick('supply_shortfall')}
                </Tag>
              )
            }
          />
        </Col>
      </Row>
      <Row gutter={[12, 12]}>
        <Col xs={24} xl={12}>
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
        </Col>
        <Col xs={24} xl={12}>
          <Card size="small" title={t('dashboard.trend')} style={{ height: '100%' }}>
            <EChart option={trendOption} height={290} />
          </Card>
        </Col>
      </Row>
      <Suspense fallback={<Card size="small" loading />}>
        <SchematicMap me={me} root={root} rootName={kpis.data?.area.name ?? null} tick={tick} />
      </Suspense>
      <Row gutter={[12, 12]}>
        <Col xs={24} xl={14}>
          <Card size="small" title={t('dashboard.areaTable')}>
            <Table<AreaFigures & { density: number | null }>
              size="small"
              rowKey="code"
              loading={!children.data && !children.error}
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
        </Col>
        <Col xs={24} xl={10}>
          <Card size="small" title={t('dashboard.resources')} style={{ height: '100%' }}>
            <EChart option={resourcesOption} height={220} />
          </Card>
        </Col>
      </Row>
    </Space>
  );
}

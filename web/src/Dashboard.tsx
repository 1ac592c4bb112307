/**
 * 指挥中心大屏: every figure comes from the dashboard API (/api/dashboard/*), which answers from a snapshot the
 * server refreshes in the background; the screen asks again every 15 s and says when the figures were computed.
 * KPIs (/kpis), the 清仓 funnel with its clocks (/funnel), the 14-day trend (/series), the schematic map and the
 * per-area table (/areas), isolation resources by status (/kpis).
 *
 * Where: dashboard/live.ts (the refresh clock, the live GET, sums and density; the schematic map reads them
 * too), dashboard/Kpis.tsx (the KPIs), dashboard/Charts.tsx (funnel, trend, resources),
 * dashboard/AreaTable.tsx (the per-area table); the map is pages/AreaMap.tsx. This file holds the screen
 * and what it asks for.
 */

import { Alert, Card, Col, Row, Space, Tag, Typography } from 'antd';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import type { DashboardFunnel, DashboardKpis, DashboardSeries, Me } from './contract.ts';
import { AreaTable } from './dashboard/AreaTable.tsx';
import { FunnelCard, ResourcesCard, TrendCard } from './dashboard/Charts.tsx';
import { Kpis } from './dashboard/Kpis.tsx';
import { type AreasAnswer, areaQuery, REFRESH_MS, useLive, useTick } from './dashboard/live.ts';

export {
  type AreasAnswer,
  areaQuery,
  density,
  REFRESH_MS,
  sumWhere,
  useLive,
  useTick,
} from './dashboard/live.ts';

// The schematic map brings the map chart with it: its own chunk.
const AreaMap = lazy(() => import('./pages/AreaMap.tsx'));

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
  const locale = lang === 'en' ? 'en-GB' : 'zh-CN';
  const asOf = kpis.data
    ? new Date(kpis.data.computed_at).toLocaleTimeString(locale, { hour12: false, timeZone: 'Asia/Shanghai' })
    : null;
  const error = kpis.error ?? funnel.error ?? series.error ?? children.error;

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
      <Kpis f={f} />
      <Row gutter={[12, 12]}>
        <Col xs={24} xl={12}>
          <FunnelCard funnel={funnel.data} />
        </Col>
        <Col xs={24} xl={12}>
          <TrendCard series={series.data} />
        </Col>
      </Row>
      <Suspense fallback={<Card size="small" loading />}>
        <AreaMap me={me} root={root} rootName={kpis.data?.area.name ?? null} tick={tick} />
      </Suspense>
      <Row gutter={[12, 12]}>
        <Col xs={24} xl={14}>
          <AreaTable areas={children} locale={locale} />
        </Col>
        <Col xs={24} xl={10}>
          <ResourcesCard f={f} />
        </Col>
      </Row>
    </Space>
  );
}

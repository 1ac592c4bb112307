/** The 3-day forecast of rooms and beds against free capacity, the advice in words and the reserve tiers to activate. */
import { Alert, Card, Descriptions, Space, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { SiteForecast } from '../../contract.ts';
import { EChart } from '../../EChart.tsx';
import { adviceLine, forecastAdvice } from '../../forecast-advice.ts';
import { type Column, DataTable, ErrorAlert, useApi } from '../shared.tsx';

export function ForecastView({ version }: { version: number }) {
  const { t, i18n } = useTranslation();
  const res = useApi<SiteForecast>('/api/isolation/forecast', version);
  const fc = res.data;
  const advice = fc ? forecastAdvice(fc) : null;
  const option = useMemo(() => {
    if (!fc) return {};
    const lng = i18n.language;
    const cats = [t('isolation.rooms', { lng }), t('isolation.beds', { lng })];
    return {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 24 },
      xAxis: { type: 'category', data: cats },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        {
          name: t('isolation.needed', { lng, days: fc.days }),
          type: 'bar',
          data: [fc.rooms.needed, fc.beds.needed],
          itemStyle: { color: '#c0392b' },
          barMaxWidth: 48,
          label: { show: true, position: 'top' },
        },
        {
          name: t('isolation.free', { lng }),
          type: 'bar',
          data: [fc.rooms.free, fc.beds.free],
          itemStyle: { color: '#27ae60' },
          barMaxWidth: 48,
          label: { show: true, position: 'top' },
        },
        {
          name: t('isolation.short', { lng }),
          type: 'bar',
          data: [fc.rooms.short, fc.beds.short],
          itemStyle: { color: '#e67e22' },
          barMaxWidth: 48,
          label: { show: true, position: 'top' },
        },
      ],
    };
  }, [fc, t, i18n.language]);
  type Tier = SiteForecast['activate_tiers'][number];
  const tierColumns: Column<Tier>[] = [
    { key: 'tier', title: t('isolation.tier'), dataIndex: 'tier' },
    { key: 'sites', title: t('isolation.sites'), dataIndex: 'sites' },
    { key: 'rooms', title: t('isolation.rooms'), dataIndex: 'rooms' },
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <ErrorAlert error={res.error} />
      {fc && (
        <>
          <Alert
            type={advice?.level ?? 'success'}
            showIcon
            className="forecast-advice"
            message={advice ? adviceLine(t, advice.rooms, i18n.language) : undefined}
            description={
              advice && advice.beds.length > 0 ? adviceLine(t, advice.beds, i18n.language) : undefined
            }
          />
          <Descriptions size="small" bordered column={{ xs: 1, md: 3 }}>
            <Descriptions.Item label={t('isolation.inflowCases')}>
              {fc.inflow_per_day.cases}
            </Descriptions.Item>
            <Descriptions.Item label={t('isolation.inflowContacts')}>
              {fc.inflow_per_day.contacts}
            </Descriptions.Item>
            <Descriptions.Item label={t('isolation.releases', { days: fc.days })}>
              {fc.scheduled_releases}
            </Descriptions.Item>
          </Descriptions>
          <Card size="small" title={t('isolation.forecastChart', { days: fc.days })}>
            <EChart option={option} height={300} />
            <Typography.Text type="secondary">{t('isolation.forecastNote')}</Typography.Text>
          </Card>
          <Card size="small" title={t('isolation.tiers')}>
            <DataTable<Tier>
              rows={fc.activate_tiers}
              columns={tierColumns}
              rowKey="tier"
              exportName={t('isolation.tiers')}
            />
          </Card>
        </>
      )}
      {res.loading && !fc && <Card loading size="small" />}
    </Space>
  );
}

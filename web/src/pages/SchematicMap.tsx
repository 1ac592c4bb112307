/**
 * 城市示意图: the city's districts (and a district's streets, on click) drawn as a schematic map from the real area
 * hierarchy (/api/areas): rectangles sized by registered residents, coloured by residents, today's new cases
 * (the daily report, districts only) or the strongest active zone (/api/zones). No geography: it says so.
 */
import { Alert, Button, Card, Segmented, Space, Typography } from 'antd';
import { MapChart } from 'echarts/charts';
import { VisualMapComponent } from 'echarts/components';
import { registerMap, use } from 'echarts/core';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Area, Me } from '../api.ts';
import { type ChartClick, EChart } from '../EChart.tsx';
import { schematicGeoJson } from './schematic-layout.ts';
import { useApi } from './shared.tsx';

use([MapChart, VisualMapComponent]);

type Metric = 'residents' | 'cases' | 'zone';

interface ZoneLite {
  area_code: string;
  level: 'lockdown' | 'control' | 'prevention';
}

interface ReportLite {
  date: string;
  cases: { by_district: { code: string; confirmed: number; asymptomatic: number }[] };
}

const ZONE_RANK: Record<string, number> = { prevention: 1, control: 2, lockdown: 3 };
const ZONE_COLOURS = ['#ecf0f1', '#5b8ff9', '#f6bd16', '#e8684a'];
/** The schematic's proportions: wide, as the dashboard card is. */
const MAP_W = 24;
const MAP_H = 10;

/** The strongest active zone covering the area or lying inside it (0: none). */
function zoneRank(code: string, zones: readonly ZoneLite[]): number {
  let best = 0;
  for (const z of zones)
    if (z.area_code.startsWith(code) || code.startsWith(z.area_code))
      best = Math.max(best, ZONE_RANK[z.level] ?? 0);
  return best;
}

interface Datum {
  name: string;
  value: number | null;
  areaName: string;
  residents: number | null;
}

export default function SchematicMap({
  me,
  city,
  districts,
}: {
  me: Me;
  city: Area | null;
  districts: Area[];
}) {
  const { t, i18n } = useTranslation();
  const may = (p: string) => me.permissions.includes(p);
  const [district, setDistrict] = useState<Area | null>(null);
  const [metric, setMetric] = useState<Metric>('residents');
  const streets = useApi<{ items: Area[] }>(
    district ? `/api/areas?parent=${encodeURIComponent(district.code)}` : null,
  );
  const report = useApi<ReportLite>(may('report.read') ? '/api/reports/daily' : null);
  const zones = useApi<{ items: ZoneLite[] }>(may('zone.read') ? '/api/zones' : null);
  const areas = district ? (streets.data?.items ?? []) : districts;
  const parent = district ?? city;
  // Today's cases come per district only: at street level that colouring is not available.
  const casesAvailable = !district && report.data !== null;
  const shown: Metric = metric === 'cases' && !casesAvailable ? 'residents' : metric;

  const data: Datum[] = useMemo(() => {
    const byDistrict = new Map(
      (report.data?.cases.by_district ?? []).map((d) => [d.code, d.confirmed + d.asymptomatic]),
    );
    const zs = zones.data?.items ?? [];
    return areas.map((a) => ({
      name: a.code,
      areaName: a.name,
      residents: a.persons,
      value:
        shown === 'residents'
          ? a.persons
          : shown === 'cases'
            ? (byDistrict.get(a.code) ?? 0)
            : zoneRank(a.code, zs),
    }));
  }, [areas, shown, report.data, zones.data]);

  const mapName = `qingcang-schematic-${parent?.code ?? 'none'}`;
  const option = useMemo(() => {
    if (areas.length === 0) return {};
    const geo = schematicGeoJson(
      areas.map((a) => ({ code: a.code, name: a.name, weight: a.persons ?? 0 })),
      MAP_W,
      MAP_H,
    );
    registerMap(mapName, geo as never);
    // Labels only where the block is big enough to hold one; the tooltip names every block.
    const roomy = new Set(
      geo.features
        .filter((f) => {
          const [a, , c] = f.geometry.coordinates[0] as number[][];
          return (
            Math.abs(((c?.[0] ?? 0) - (a?.[0] ?? 0)) * ((c?.[1] ?? 0) - (a?.[1] ?? 0))) > (MAP_W * MAP_H) / 60
          );
        })
        .map((f) => f.properties.name),
    );
    const lng = i18n.language;
    const max = Math.max(1, ...data.map((d) => d.value ?? 0));
    const metricLabel = t(`map.metric.${shown}`, { lng });
    const display = (d: Datum) =>
      shown === 'zone'
        ? d.value
          ? t(`zoneLevel.${['', 'prevention', 'control', 'lockdown'][d.value]}`, { lng })
          : t('map.noZone', { lng })
        : (d.value ?? '—');
    return {
      tooltip: {
        trigger: 'item',
        formatter: (p: { data?: Datum }) =>
          p.data
            ? `${p.data.areaName} (${p.data.name})<br/>${metricLabel}: ${display(p.data)}<br/>${t('dashboard.residents', { lng })}: ${p.data.residents ?? '—'}`
            : '',
      },
      visualMap:
        shown === 'zone'
          ? {
              type: 'piecewise',
              orient: 'horizontal',
              left: 'center',
              bottom: 0,
              pieces: [0, 1, 2, 3].map((v) => ({
                value: v,
                label:
                  v === 0
                    ? t('map.noZone', { lng })
                    : t(`zoneLevel.${['', 'prevention', 'control', 'lockdown'][v]}`, { lng }),
                color: ZONE_COLOURS[v],
              })),
            }
          : {
              type: 'continuous',
              orient: 'horizontal',
              min: 0,
              max,
              left: 'center',
              bottom: 0,
              calculable: true,
              inRange: { color: ['#fbeeec', '#c0392b'] },
            },
      series: [
        {
          type: 'map',
          map: mapName,
          aspectScale: 1,
          roam: false,
          selectedMode: false,
          top: 4,
          bottom: 44,
          left: 4,
          right: 4,
          label: {
            show: true,
            fontSize: 12,
            color: '#1f1f1f',
            textBorderColor: '#ffffff',
            textBorderWidth: 2,
            formatter: (p: { data?: Datum }) => (p.data ? `${p.data.areaName}\n${display(p.data)}` : ''),
          },
          itemStyle: { borderColor: '#ffffff', borderWidth: 1 },
          emphasis: { label: { show: true }, itemStyle: { areaColor: '#f5b041' } },
          data: data.map((d) => ({ ...d, label: { show: roomy.has(d.name) } })),
        },
      ],
    };
  }, [areas, data, shown, mapName, t, i18n.language]);

  const onClick = (p: ChartClick) => {
    if (district || p.seriesType !== 'map') return;
    const d = districts.find((a) => a.code === p.name);
    if (d) setDistrict(d);
  };

  const options: { value: Metric; label: string; disabled?: boolean }[] = [
    { value: 'residents', label: t('map.metric.residents') },
    ...(report.data
      ? [{ value: 'cases' as const, label: t('map.metric.cases'), disabled: !casesAvailable }]
      : []),
    ...(zones.data ? [{ value: 'zone' as const, label: t('map.metric.zone') }] : []),
  ];

  return (
    <Card
      size="small"
      title={
        <Space>
          {t('map.title')}
          <Typography.Text type="secondary" style={{ fontWeight: 'normal' }}>
            {parent ? `${parent.name} (${parent.code})` : ''}
          </Typography.Text>
        </Space>
      }
      extra={
        <Space>
          {district && (
            <Button size="small" onClick={() => setDistrict(null)}>
              {t('map.back')}
            </Button>
          )}
          <Segmented<Metric> size="small" value={shown} onChange={setMetric} options={options} />
        </Space>
      }
    >
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 8 }}
        message={t('map.note')}
        description={
          shown === 'cases' && report.data
            ? t('map.casesNote', { date: report.data.date })
            : district
              ? t('map.streetsNote')
              : t('map.clickNote')
        }
      />
      {streets.error && <Alert type="error" showIcon message={streets.error} />}
      {areas.length > 0 ? (
        <EChart option={option} height={460} onClick={onClick} />
      ) : (
        <div style={{ height: 120, display: 'grid', placeItems: 'center' }}>
          <Typography.Text type="secondary">
            {streets.loading ? t('common.loading') : t('table.empty')}
          </Typography.Text>
        </div>
      )}
    </Card>
  );
}

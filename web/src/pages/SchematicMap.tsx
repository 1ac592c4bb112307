/**
 * 城市示意图: the children of the screen's area (and a district's streets, on click) drawn as a schematic map
 * from the dashboard API (/api/dashboard/areas): rectangles sized by registered residents, coloured by cases
 * per 10,000 residents, today's new cases, people waiting for placement, residents, or the strongest active
 * zone (/api/zones). No geography: it says so. Asks again whenever the dashboard's refresh clock ticks.
 */
import { Alert, Button, Card, Segmented, Space, Typography } from 'antd';
import { MapChart } from 'echarts/charts';
import { VisualMapComponent } from 'echarts/components';
import { registerMap, use } from 'echarts/core';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Me } from '../api.ts';
import type { Zone, ZoneLevel } from '../contract.ts';
import { type AreasAnswer, areaQuery, density, useLive } from '../Dashboard.tsx';
import { type ChartClick, EChart } from '../EChart.tsx';
import { schematicGeoJson } from './schematic-layout.ts';

use([MapChart, VisualMapComponent]);

type Metric = 'density' | 'cases' | 'waiting' | 'residents' | 'zone';

/** What the map uses of a zone of GET /api/zones. */
type ZoneLite = Pick<Zone, 'area_code' | 'level'>;

/** Levels of the two rule sets rank alike (src/modules/command/zones.ts): lockdown = high > control = medium > … */
const ZONE_RANK: Record<ZoneLevel, 1 | 2 | 3> = {
  lockdown: 3,
  control: 2,
  prevention: 1,
  high: 3,
  medium: 2,
  low: 1,
};
const MARCH_LEVELS = ['', 'prevention', 'control', 'lockdown'] as const;
const ZONE_COLOURS = ['#ecf0f1', '#5b8ff9', '#f6bd16', '#e8684a'];
/** The schematic's proportions: wide, as the dashboard card is. */
const MAP_W = 24;
const MAP_H = 10;

/** The strongest active zone covering the area or lying inside it (0: none). */
function zoneRank(code: string, zones: readonly ZoneLite[]): number {
  let best = 0;
  for (const z of zones)
    if (z.area_code.startsWith(code) || code.startsWith(z.area_code))
      best = Math.max(best, ZONE_RANK[z.level]);
  return best;
}

interface Datum {
  name: string;
  value: number | null;
  areaName: string;
  residents: number;
}

export default function SchematicMap({
  me,
  root,
  rootName,
  tick,
}: {
  me: Me;
  /** The area whose children are drawn ('' = everything). */
  root: string;
  rootName: string | null;
  /** The dashboard's refresh clock: a new value asks again. */
  tick: number;
}) {
  const { t, i18n } = useTranslation();
  const may = (p: string) => me.permissions.includes(p);
  const [district, setDistrict] = useState<{ code: string; name: string } | null>(null);
  const [metric, setMetric] = useState<Metric>('density');
  const parentCode = district?.code ?? root;
  const children = useLive<AreasAnswer>(`/api/dashboard/areas${areaQuery('parent', parentCode)}`, tick);
  const zones = useLive<{ items: ZoneLite[] }>(may('zone.read') ? '/api/zones' : null, tick);
  const areas = children.data?.items ?? [];
  const shown: Metric = metric === 'zone' && !zones.data ? 'density' : metric;

  const data: Datum[] = useMemo(() => {
    const zs = zones.data?.items ?? [];
    return areas.map((a) => {
      const f = a.figures;
      const value =
        shown === 'density'
          ? density(f)
          : shown === 'cases'
            ? (f.cases_today ?? 0)
            : shown === 'waiting'
              ? (f.waiting ?? 0) + (f.waiting_over_24h ?? 0)
              : shown === 'residents'
                ? (f.population ?? 0)
                : zoneRank(a.code, zs);
      return { name: a.code, areaName: a.name ?? a.code, residents: f.population ?? 0, value };
    });
  }, [areas, shown, zones.data]);

  const mapName = `qingcang-schematic-${parentCode || 'all'}`;
  const option = useMemo(() => {
    if (areas.length === 0) return {};
    const geo = schematicGeoJson(
      areas.map((a) => ({ code: a.code, name: a.name ?? a.code, weight: a.figures.population ?? 0 })),
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
    // A rank in words: the levels of that rank among the active zones (March, June or both), March when none is.
    const active = new Set(zones.data?.items.map((z) => z.level));
    const rankWords = (rank: number) => {
      const levels = (Object.keys(ZONE_RANK) as ZoneLevel[]).filter(
        (l) => ZONE_RANK[l] === rank && active.has(l),
      );
      return (levels.length > 0 ? levels : [MARCH_LEVELS[rank]])
        .map((l) => t(`zoneLevel.${l}`, { lng }))
        .join(' / ');
    };
    const display = (d: Datum) =>
      shown === 'zone' ? (d.value ? rankWords(d.value) : t('map.noZone', { lng })) : (d.value ?? '—');
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
                label: v === 0 ? t('map.noZone', { lng }) : rankWords(v),
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
              precision: shown === 'density' ? 1 : 0,
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
  }, [areas, data, shown, mapName, t, i18n.language, zones.data]);

  const onClick = (p: ChartClick) => {
    if (district || p.seriesType !== 'map') return;
    const d = areas.find((a) => a.code === p.name);
    if (d) setDistrict({ code: d.code, name: d.name ?? d.code });
  };

  const options: { value: Metric; label: string }[] = [
    { value: 'density', label: t('map.metric.density') },
    { value: 'cases', label: t('map.metric.cases') },
    { value: 'waiting', label: t('map.metric.waiting') },
    { value: 'residents', label: t('map.metric.residents') },
    ...(zones.data ? [{ value: 'zone' as const, label: t('map.metric.zone') }] : []),
  ];
  const parentLabel = district ? `${district.name} (${district.code})` : `${rootName ?? ''} (${root || '—'})`;

  return (
    <Card
      size="small"
      title={
        <Space>
          {t('map.title')}
          <Typography.Text type="secondary" style={{ fontWeight: 'normal' }}>
            {parentLabel}
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
        description={`${t(`map.metricNote.${shown}`)} ${district ? t('map.streetsNote') : t('map.clickNote')}`}
      />
      {children.error && <Alert type="error" showIcon message={children.error} style={{ marginBottom: 8 }} />}
      {areas.length > 0 ? (
        <EChart option={option} height={460} onClick={onClick} />
      ) : (
        <div style={{ height: 120, display: 'grid', placeItems: 'center' }}>
          <Typography.Text type="secondary">
            {children.data || children.error ? t('table.empty') : t('common.loading')}
          </Typography.Text>
        </div>
      )}
    </Card>
  );
}

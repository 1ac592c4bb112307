/**
 * 疫情地图: the children of the screen's area (and a district's streets, on click or from the picker) coloured by
 * cases per 10,000 residents, today's new cases, people waiting for placement, residents, or the strongest active
 * zone (/api/zones), from the dashboard API (/api/dashboard/areas). Where real boundaries exist (the districts of
 * 吉林市, maps/) they are drawn, and areas without a boundary of their own (development zones) are listed under
 * the map with the same figures; elsewhere a schematic (schematic-layout.ts) sizes blocks by residents and says it
 * is not geography. Asks again whenever the dashboard's refresh clock ticks.
 */
import { Alert, Button, Card, Col, Grid, Row, Segmented, Select, Space, Tag, Typography } from 'antd';
import { MapChart } from 'echarts/charts';
import { VisualMapComponent } from 'echarts/components';
import { registerMap, use } from 'echarts/core';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Me } from '../api.ts';
import type { Zone, ZoneLevel } from '../contract.ts';
import { type AreasAnswer, areaQuery, density, useLive } from '../Dashboard.tsx';
import { type ChartClick, EChart } from '../EChart.tsx';
import { hasBoundaries, meanLatitude, useBoundaries } from '../maps/boundaries.ts';
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

/** The colour a share (0–1) of the way from `from` to `to` (#rrggbb). */
function shade(share: number, from: string, to: string): string {
  const part = (c: string, i: number) => Number.parseInt(c.slice(1 + 2 * i, 3 + 2 * i), 16);
  const k = Math.min(1, Math.max(0, share));
  return `#${[0, 1, 2]
    .map((i) =>
      Math.round(part(from, i) + (part(to, i) - part(from, i)) * k)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

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

export default function AreaMap({
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
  // A phone or a narrow window: the controls above the map, smaller charts.
  const wide = Grid.useBreakpoint().md !== false;
  const parentCode = district?.code ?? root;
  const children = useLive<AreasAnswer>(`/api/dashboard/areas${areaQuery('parent', parentCode)}`, tick);
  const zones = useLive<{ items: ZoneLite[] }>(may('zone.read') ? '/api/zones' : null, tick);
  const boundaries = useBoundaries(parentCode);
  const areas = children.data?.items ?? [];
  const shown: Metric = metric === 'zone' && !zones.data ? 'density' : metric;
  // Real boundaries once their file is in (the schematic meanwhile, and if it cannot load).
  const real = boundaries !== null;
  const drawnCodes = useMemo(
    () => (boundaries ? new Set(boundaries.features.map((f) => f.properties.code)) : null),
    [boundaries],
  );

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
  /** Areas the real map has no boundary for: listed under it with the same figure. */
  const offMap = drawnCodes ? data.filter((d) => !drawnCodes.has(d.name)) : [];

  const lng = i18n.language;
  // A rank in words: the levels of that rank among the active zones (March, June or both), March when none is.
  const rankWords = (rank: number) => {
    const active = new Set(zones.data?.items.map((z) => z.level));
    const levels = (Object.keys(ZONE_RANK) as ZoneLevel[]).filter(
      (l) => ZONE_RANK[l] === rank && active.has(l),
    );
    return (levels.length > 0 ? levels : [MARCH_LEVELS[rank]])
      .map((l) => t(`zoneLevel.${l}`, { lng }))
      .join(' / ');
  };
  // ECharts hands formatters its own copy of an item, which may lack a field: anything but a number shows as —.
  const number = (v: unknown) =>
    typeof v === 'number'
      ? v.toLocaleString(lng === 'en' ? 'en' : 'zh-CN', { maximumFractionDigits: 1 })
      : '—';
  const display = (d: Datum) =>
    shown === 'zone'
      ? d.value
        ? rankWords(d.value)
        : t('map.noZone', { lng })
      : typeof d.value === 'number'
        ? number(d.value)
        : '—';

  const mapName = `qingcang-${real ? 'real' : 'schematic'}-${parentCode || 'all'}`;
  // Real boundaries never change: registered, and their east–west scale worked out, once per file, not on every
  // refresh tick.
  const aspectScale = useMemo(() => {
    if (!boundaries) return 1;
    registerMap(`qingcang-real-${parentCode || 'all'}`, boundaries as never);
    return Math.cos((meanLatitude(boundaries) * Math.PI) / 180);
  }, [boundaries, parentCode]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: display and rankWords read only what is listed
  const option = useMemo(() => {
    if (areas.length === 0) return {};
    let shape: Record<string, unknown>;
    let labelled: (d: Datum) => boolean;
    if (boundaries) {
      // East–west shrinks with latitude: drawn true to shape, not stretched.
      // centred at a fixed share of the canvas, so that it never stretches, whatever the card's width.
      shape = {
        nameProperty: 'code',
        aspectScale,
        layoutCenter: ['50%', '46%'],
        layoutSize: '88%',
      };
      labelled = () => true;
    } else {
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
              Math.abs(((c?.[0] ?? 0) - (a?.[0] ?? 0)) * ((c?.[1] ?? 0) - (a?.[1] ?? 0))) >
              (MAP_W * MAP_H) / 60
            );
          })
          .map((f) => f.properties.name),
      );
      shape = { aspectScale: 1, top: 4, bottom: 56, left: 4, right: 4 };
      labelled = (d) => roomy.has(d.name);
    }
    const max = Math.max(1, ...data.map((d) => d.value ?? 0));
    const metricLabel = t(`map.metric.${shown}`, { lng });
    return {
      tooltip: {
        trigger: 'item',
        formatter: (p: { data?: Datum }) =>
          p.data
            ? `${p.data.areaName} (${p.data.name})<br/>${metricLabel}: ${display(p.data)}${shown === 'residents' ? '' : `<br/>${t('dashboard.residents', { lng })}: ${number(p.data.residents)}`}`
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
          ...shape,
          roam: false,
          selectedMode: false,
          label: {
            show: true,
            fontSize: 12,
            color: '#1f1f1f',
            textBorderColor: '#ffffff',
            textBorderWidth: 2,
            formatter: (p: { data?: Datum }) => (p.data ? `${p.data.areaName}\n${display(p.data)}` : ''),
          },
          labelLayout: { hideOverlap: true },
          itemStyle: { borderColor: '#ffffff', borderWidth: 1 },
          emphasis: { label: { show: true }, itemStyle: { areaColor: '#f5b041' } },
          data: data.map((d) => ({ ...d, label: { show: labelled(d) } })),
        },
      ],
    };
  }, [areas, boundaries, aspectScale, data, shown, mapName, t, lng, zones.data]);

  // The ranking: every child (also those the map cannot draw) by the figure shown, largest first.
  // biome-ignore lint/correctness/useExhaustiveDependencies: display reads only what is listed
  const ranking = useMemo(() => {
    const rows = [...data].sort((a, b) => (b.value ?? -1) - (a.value ?? -1));
    const max = Math.max(1, ...rows.map((d) => d.value ?? 0));
    const colour = (d: Datum) =>
      shown === 'zone' ? ZONE_COLOURS[d.value ?? 0] : shade((d.value ?? 0) / max, '#fbeeec', '#c0392b');
    return {
      grid: { left: 8, right: 72, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'value', show: false, max: shown === 'zone' ? 3 : undefined },
      yAxis: {
        type: 'category',
        inverse: true,
        data: rows.map((d) => d.areaName),
        axisTick: { show: false },
      },
      series: [
        {
          type: 'bar',
          barMaxWidth: 22,
          // The code rides along as the bar's name, so a click opens the area as on the map.
          data: rows.map((d) => ({
            name: d.name,
            value: shown === 'zone' ? Math.max(d.value ?? 0, 0.05) : (d.value ?? 0),
            itemStyle: { color: colour(d), borderColor: '#d9d9d9' },
            label: { show: true, position: 'right', formatter: () => String(display(d)) },
          })),
        },
      ],
    };
  }, [data, shown, zones.data, t, lng]);

  const open = (code: string) => {
    const d = areas.find((a) => a.code === code);
    if (d) setDistrict({ code: d.code, name: d.name ?? d.code });
  };
  const onClick = (p: ChartClick) => {
    if (district || (p.seriesType !== 'map' && p.seriesType !== 'bar') || !p.name) return;
    open(p.name);
  };

  const options: { value: Metric; label: string }[] = [
    { value: 'density', label: t('map.metric.density') },
    { value: 'cases', label: t('map.metric.cases') },
    { value: 'waiting', label: t('map.metric.waiting') },
    { value: 'residents', label: t('map.metric.residents') },
    ...(zones.data ? [{ value: 'zone' as const, label: t('map.metric.zone') }] : []),
  ];
  const parentLabel = district ? `${district.name} (${district.code})` : `${rootName ?? ''} (${root || '—'})`;
  // What the drawing is: real boundaries, or a schematic (and whether this level could have had them).
  const note = real ? t('map.realNote') : t('map.note');
  const description = [
    t(`map.metricNote.${shown}`),
    real && offMap.length > 0 ? t('map.offMapNote') : null,
    district ? t('map.streetsNote') : t('map.clickNote'),
    !real && district && hasBoundaries(root) ? t('map.noStreetBoundaries') : null,
  ]
    .filter(Boolean)
    .join(' ');

  const controls = (
    <Space wrap>
      {district ? (
        <Button size="small" onClick={() => setDistrict(null)}>
          {t('map.back')}
        </Button>
      ) : (
        areas.length > 0 && (
          <Select<string>
            size="small"
            className="map-open-area"
            style={{ minWidth: 150 }}
            placeholder={t('map.open')}
            value={null as unknown as string}
            onChange={open}
            options={areas.map((a) => ({ value: a.code, label: a.name ?? a.code }))}
          />
        )
      )}
      {wide ? (
        <Segmented<Metric> size="small" value={shown} onChange={setMetric} options={options} />
      ) : (
        <Select<Metric>
          size="small"
          value={shown}
          onChange={setMetric}
          options={options}
          style={{ minWidth: 130 }}
        />
      )}
    </Space>
  );

  return (
    <Card
      size="small"
      className="area-map"
      title={
        <Space wrap>
          {t('map.title')}
          <Typography.Text type="secondary" style={{ fontWeight: 'normal' }}>
            {parentLabel}
          </Typography.Text>
        </Space>
      }
      extra={wide ? controls : undefined}
    >
      {!wide && <div style={{ marginBottom: 8 }}>{controls}</div>}
      <Alert type="info" showIcon style={{ marginBottom: 8 }} message={note} description={description} />
      {children.error && <Alert type="error" showIcon message={children.error} style={{ marginBottom: 8 }} />}
      {areas.length > 0 ? (
        real ? (
          // Real shapes leave the card's sides free: the same figure ranked beside the map.
          <Row gutter={16}>
            <Col xs={24} lg={13}>
              <EChart option={option} height={wide ? 600 : 380} onClick={onClick} />
            </Col>
            <Col xs={24} lg={11} className="map-ranking">
              <Typography.Text strong>
                {t('map.ranking', { metric: t(`map.metric.${shown}`) })}
              </Typography.Text>
              <EChart
                option={ranking}
                height={wide ? 576 : Math.max(160, data.length * 28 + 16)}
                onClick={onClick}
              />
            </Col>
          </Row>
        ) : (
          <EChart option={option} height={wide ? 460 : 360} onClick={onClick} />
        )
      ) : (
        <div style={{ height: 120, display: 'grid', placeItems: 'center' }}>
          <Typography.Text type="secondary">
            {children.data || children.error ? t('table.empty') : t('common.loading')}
          </Typography.Text>
        </div>
      )}
      {offMap.length > 0 && (
        <div className="map-off-map">
          <Typography.Text type="secondary">{t('map.offMap')}</Typography.Text>
          {offMap.map((d) => (
            <Tag key={d.name} style={{ cursor: 'pointer' }} onClick={() => open(d.name)}>
              {d.areaName} · {t(`map.metric.${shown}`)} {display(d)}
            </Tag>
          ))}
        </div>
      )}
    </Card>
  );
}

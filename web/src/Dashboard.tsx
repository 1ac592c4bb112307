/**
 * 指挥中心大屏: KPIs, the schematic city map, residents per district, the 清仓 board and the latest testing rounds.
 */
import { Alert, Card, Col, Empty, Row, Space, Statistic, Table, Tag, Typography } from 'antd';
import { lazy, type ReactNode, Suspense, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Area, api, type Board, type Me, type Round, type Stats } from './api.ts';
import { EChart } from './EChart.tsx';

// The schematic map brings the map chart with it: its own chunk.
const SchematicMap = lazy(() => import('./pages/SchematicMap.tsx'));

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** Loads one endpoint; `enabled: false` skips it (the user may not read it). */
function useApi<T>(path: string | null): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  useEffect(() => {
    if (!path) return;
    let live = true;
    api<T>(path).then(
      (data) => live && setState({ data, error: null }),
      (err: Error) => live && setState({ data: null, error: err.message }),
    );
    return () => {
      live = false;
    };
  }, [path]);
  return state;
}

/** The districts of the city: provinces → the province's first child (the city) → its children. */
function useDistricts(): { city: Area | null; districts: Area[]; error: string | null } {
  const [state, setState] = useState<{ city: Area | null; districts: Area[]; error: string | null }>({
    city: null,
    districts: [],
    error: null,
  });
  useEffect(() => {
    let live = true;
    (async () => {
      const provinces = await api<{ items: Area[] }>('/api/areas');
      const province = provinces.items[0];
      if (!province) return { city: null, districts: [] };
      const cities = await api<{ items: Area[] }>(`/api/areas?parent=${encodeURIComponent(province.code)}`);
      const city = cities.items[0];
      if (!city) return { city: null, districts: [] };
      const children = await api<{ items: Area[] }>(`/api/areas?parent=${encodeURIComponent(city.code)}`);
      return { city, districts: children.items };
    })().then(
      (r) => live && setState({ ...r, error: null }),
      (err: Error) => live && setState({ city: null, districts: [], error: err.message }),
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}

function Kpi({ title, value, extra }: { title: string; value: number | undefined; extra?: ReactNode }) {
  return (
    <Card size="small" style={{ height: '100%' }}>
      <Statistic title={title} value={value ?? '—'} loading={value === undefined} />
      {extra && <div style={{ marginTop: 4, minHeight: 22 }}>{extra}</div>}
    </Card>
  );
}

function Breakdown({ counts, ns }: { counts: Record<string, number> | undefined; ns: string }) {
  const { t } = useTranslation();
  if (!counts) return null;
  return (
    <Space size={[4, 4]} wrap>
      {Object.entries(counts).map(([k, n]) => (
        <Tag key={k}>
          {t(`${ns}.${k}`, { defaultValue: k })} {n}
        </Tag>
      ))}
    </Space>
  );
}

const OCCUPANCY_KEYS = ['occupied', 'reserved', 'in_turnover', 'out_of_service', 'available'] as const;
const OCCUPANCY_COLOURS = ['#c0392b', '#e67e22', '#8e44ad', '#7f8c8d', '#27ae60'];

export function Dashboard({ me }: { me: Me }) {
  const { t, i18n } = useTranslation();
  const may = (p: string) => me.permissions.includes(p);
  const stats = useApi<Stats>('/api/stats');
  const areas = useDistricts();
  const board = useApi<Board>(may('isolation.read') ? '/api/isolation/board' : null);
  const rounds = useApi<{ items: Round[] }>(may('testing.read') ? '/api/testing/rounds' : null);
  const s = stats.data;
  const lang = i18n.language;

  const districtOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 48, right: 16, top: 24, bottom: 90 },
      xAxis: {
        type: 'category',
        data: areas.districts.map((a) => a.name),
        axisLabel: { rotate: 35, interval: 0 },
      },
      yAxis: { type: 'value' },
      series: [
        {
          name: t('dashboard.residents', { lng: lang }),
          type: 'bar',
          data: areas.districts.map((a) => a.persons ?? 0),
          itemStyle: { color: '#c0392b' },
          barMaxWidth: 36,
        },
      ],
    }),
    [areas.districts, t, lang],
  );

  const occupancyOption = useMemo(() => {
    const sites = board.data?.occupancy ?? [];
    return {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: sites.map((x) => x.name), inverse: true },
      series: OCCUPANCY_KEYS.map((k, i) => ({
        name: t(`occupancy.${k}`, { lng: lang }),
        type: 'bar',
        stack: 'units',
        data: sites.map((x) => x[k]),
        itemStyle: { color: OCCUPANCY_COLOURS[i] },
      })),
    };
  }, [board.data, t, lang]);

  const dateTime = (iso: string) =>
    new Date(iso).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', {
      dateStyle: 'short',
      timeStyle: 'short',
    });

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('dashboard.title')}
        {areas.city && (
          <Typography.Text type="secondary" style={{ fontSize: 16, marginLeft: 12 }}>
            {areas.city.name} ({areas.city.code})
          </Typography.Text>
        )}
      </Typography.Title>
      {stats.error && <Alert type="error" showIcon message={stats.error} />}
      <Row gutter={[12, 12]}>
        <Col flex="1 1 180px">
          <Kpi title={t('dashboard.persons')} value={s?.persons} />
        </Col>
        <Col flex="1 1 180px">
          <Kpi title={t('dashboard.households')} value={s?.households} />
        </Col>
        <Col flex="1 1 180px">
          <Kpi
            title={t('dashboard.sites')}
            value={s ? sum(s.sites) : undefined}
            extra={<Breakdown counts={s?.sites} ns="siteKind" />}
          />
        </Col>
        <Col flex="1 1 180px">
          <Kpi
            title={t('dashboard.rooms')}
            value={s?.rooms}
            extra={s && <Tag>{t('dashboard.places', { count: s.room_places })}</Tag>}
          />
        </Col>
        <Col flex="1 1 180px">
          <Kpi title={t('dashboard.beds')} value={s?.beds} />
        </Col>
        <Col flex="1 1 180px">
          <Kpi
            title={t('dashboard.labs')}
            value={s?.lab_daily_capacity_tubes}
            extra={s && <Tag>{t('dashboard.labCount', { count: s.labs })}</Tag>}
          />
        </Col>
        <Col flex="2 1 300px">
          <Kpi
            title={t('dashboard.vehicles')}
            value={s ? sum(s.vehicles) : undefined}
            extra={<Breakdown counts={s?.vehicles} ns="vehicleKind" />}
          />
        </Col>
      </Row>
      <Suspense fallback={<Card size="small" loading />}>
        <SchematicMap me={me} city={areas.city} districts={areas.districts} />
      </Suspense>
      <Row gutter={[12, 12]}>
        <Col xs={24} xl={board.data || board.error ? 12 : 24}>
          <Card size="small" title={t('dashboard.byDistrict')}>
            {areas.error ? (
              <Alert type="error" showIcon message={areas.error} />
            ) : (
              <EChart option={districtOption} height={340} />
            )}
          </Card>
        </Col>
        {(board.data || board.error) && (
          <Col xs={24} xl={12}>
            <Card size="small" title={t('dashboard.board')}>
              {board.error && <Alert type="error" showIcon message={board.error} />}
              {board.data && (
                <>
                  <Row gutter={[8, 8]}>
                    {(
                      [
                        ['dueToday', board.data.due_today],
                        ['placedToday', board.data.placed_today],
                        ['releasedToday', board.data.released_today],
                        ['dischargedToday', board.data.discharged_today],
                        ['freedToday', board.data.units_freed_today],
                        ['stuck', board.data.stuck_in_disinfection.length],
                      ] as const
                    ).map(([k, v]) => (
                      <Col span={8} key={k}>
                        <Statistic title={t(`dashboard.${k}`)} value={v} valueStyle={{ fontSize: 20 }} />
                      </Col>
                    ))}
                    <Col span={24}>
                      <Typography.Text type="secondary">
                        {t('dashboard.turnover')}: {board.data.turnover_minutes.p50 ?? '—'} /{' '}
                        {board.data.turnover_minutes.p90 ?? '—'}
                      </Typography.Text>
                    </Col>
                  </Row>
                  <Typography.Text strong style={{ display: 'block', marginTop: 12 }}>
                    {t('dashboard.occupancy')}
                  </Typography.Text>
                  <EChart option={occupancyOption} height={60 + 36 * board.data.occupancy.length} />
                </>
              )}
            </Card>
          </Col>
        )}
      </Row>
      {may('testing.read') && (
        <Card size="small" title={t('dashboard.rounds')}>
          {rounds.error && <Alert type="error" showIcon message={rounds.error} />}
          <Table<Round>
            size="small"
            rowKey="id"
            loading={!rounds.data && !rounds.error}
            dataSource={(rounds.data?.items ?? []).slice(0, 5)}
            pagination={false}
            locale={{ emptyText: <Empty description={t('dashboard.noRounds')} /> }}
            columns={[
              { title: t('round.name'), dataIndex: 'name' },
              {
                title: t('round.status'),
                dataIndex: 'status',
                render: (v: string) => <Tag>{t(`roundStatus.${v}`, { defaultValue: v })}</Tag>,
              },
              { title: t('round.starts'), dataIndex: 'starts_at', render: dateTime },
              { title: t('round.deadline'), dataIndex: 'deadline_at', render: dateTime },
              { title: t('round.areas'), dataIndex: 'areas', render: (a: string[]) => a.length },
            ]}
          />
        </Card>
      )}
    </Space>
  );
}

/**
 * 隔离管控: the 清仓 board of a day (due, placed, released, rooms freed, turn-over time, stuck units, occupancy),
 * stock and increment (存量/增量) with the backlog, the 3-day forecast of rooms and beds against free capacity, and
 * the open stays.
 */
import {
  Alert,
  Card,
  Col,
  DatePicker,
  Descriptions,
  Row,
  Select,
  Space,
  Statistic,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Board, type Me, query, type SiteOccupancy } from '../api.ts';
import { EChart } from '../EChart.tsx';
import {
  beijingToday,
  byNumber,
  byString,
  type Column,
  DataTable,
  ErrorAlert,
  filtersFrom,
  StatusTag,
  useApi,
  useFormat,
} from './shared.tsx';

interface StuckUnit {
  kind: 'room' | 'bed';
  id: number;
  code: string;
  site: string;
  status: string;
  vacated_at: string;
}

interface Stock {
  day: string;
  held: { category: string; kind: string; held: number; new_today: number; carried_over: number }[];
  backlog: { people: number; oldest_since: string | null; oldest_hours: number | null };
}

interface Forecast {
  days: number;
  inflow_per_day: { cases: number; contacts: number };
  scheduled_releases: number;
  rooms: { needed: number; free: number; short: number };
  beds: { needed: number; free: number; short: number };
  activate_tiers: { tier: number; sites: number; rooms: number }[];
  note: string;
}

interface Stay {
  id: number;
  person_id: number;
  area_code: string;
  category: string;
  site_id: number;
  site: string;
  room_id: number | null;
  bed_id: number | null;
  status: string;
  reason: string | null;
  found_at: string;
  placed_at: string;
  arrived_at: string | null;
  due_at: string | null;
}

function DayPicker({ day, onDay }: { day: string; onDay: (d: string) => void }) {
  const { t } = useTranslation();
  return (
    <Space>
      <Typography.Text>{t('common.day')}</Typography.Text>
      <DatePicker
        size="small"
        allowClear={false}
        value={dayjs(day)}
        disabledDate={(d) => d.format('YYYY-MM-DD') > beijingToday()}
        onChange={(d) => d && onDay(d.format('YYYY-MM-DD'))}
      />
    </Space>
  );
}

export default function IsolationPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [day, setDay] = useState(beijingToday());
  const mayStays = me.permissions.includes('isolation.manage');
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('isolation.title')}
      </Typography.Title>
      <Tabs
        tabBarExtraContent={<DayPicker day={day} onDay={setDay} />}
        items={[
          { key: 'board', label: t('isolation.board'), children: <BoardView day={day} /> },
          { key: 'stock', label: t('isolation.stock'), children: <StockView day={day} /> },
          { key: 'forecast', label: t('isolation.forecast'), children: <ForecastView /> },
          ...(mayStays ? [{ key: 'stays', label: t('isolation.stays'), children: <StaysView /> }] : []),
        ]}
      />
    </Space>
  );
}

function BoardView({ day }: { day: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const board = useApi<Board>(`/api/isolation/board${query({ date: day })}`);
  const b = board.data;
  const stuck = (b?.stuck_in_disinfection ?? []) as StuckUnit[];
  const occ = b?.occupancy ?? [];
  const kpis: [string, number | undefined][] = [
    ['dueToday', b?.due_today],
    ['placedToday', b?.placed_today],
    ['releasedToday', b?.released_today],
    ['dischargedToday', b?.discharged_today],
    ['freedToday', b?.units_freed_today],
    ['stuck', b ? stuck.length : undefined],
  ];
  const occColumns: Column<SiteOccupancy>[] = [
    { key: 'name', title: t('isolation.site'), dataIndex: 'name', sorter: byString((r) => r.name) },
    {
      key: 'kind',
      title: t('isolation.siteKind'),
      dataIndex: 'kind',
      filters: filtersFrom(
        occ,
        (r) => r.kind,
        (v) => t(`siteKind.${v}`, { defaultValue: v }),
      ),
      onFilter: (v, r) => r.kind === v,
      render: (v: string) => t(`siteKind.${v}`, { defaultValue: v }),
      exportValue: (r) => t(`siteKind.${r.kind}`, { defaultValue: r.kind }),
    },
    {
      key: 'status',
      title: t('isolation.siteStatus'),
      dataIndex: 'status',
      filters: filtersFrom(
        occ,
        (r) => r.status,
        (v) => t(`siteStatus.${v}`, { defaultValue: v }),
      ),
      onFilter: (v, r) => r.status === v,
      render: (v: string) => <StatusTag ns="siteStatus" value={v} />,
      exportValue: (r) => t(`siteStatus.${r.status}`, { defaultValue: r.status }),
    },
    ...(['available', 'reserved', 'occupied', 'in_turnover', 'out_of_service'] as const).map(
      (k): Column<SiteOccupancy> => ({
        key: k,
        title: t(`occupancy.${k}`),
        dataIndex: k,
        sorter: byNumber((r) => r[k]),
      }),
    ),
  ];
  const stuckColumns: Column<StuckUnit>[] = [
    {
      key: 'kind',
      title: t('isolation.unitKind'),
      dataIndex: 'kind',
      render: (v: string) => t(`unitKind.${v}`),
      exportValue: (r) => t(`unitKind.${r.kind}`),
    },
    { key: 'code', title: t('isolation.unit'), dataIndex: 'code' },
    { key: 'site', title: t('isolation.site'), dataIndex: 'site', sorter: byString((r) => r.site) },
    {
      key: 'status',
      title: t('isolation.unitStatus'),
      dataIndex: 'status',
      render: (v: string) => <StatusTag ns="unitStatus" value={v} />,
      exportValue: (r) => t(`unitStatus.${r.status}`, { defaultValue: r.status }),
    },
    {
      key: 'vacated_at',
      title: t('isolation.vacatedAt'),
      dataIndex: 'vacated_at',
      render: f.dateTime,
      sorter: byString((r) => r.vacated_at),
    },
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <ErrorAlert error={board.error} />
      <Row gutter={[12, 12]}>
        {kpis.map(([k, v]) => (
          <Col key={k} xs={12} md={8} xl={4}>
            <Card size="small">
              <Statistic title={t(`dashboard.${k}`)} value={v ?? '—'} loading={board.loading && !b} />
            </Card>
          </Col>
        ))}
      </Row>
      {b && (
        <Typography.Text type="secondary">
          {t('dashboard.turnover')}: {b.turnover_minutes.p50 ?? '—'} / {b.turnover_minutes.p90 ?? '—'}
        </Typography.Text>
      )}
      <Card size="small" title={t('dashboard.occupancy')}>
        <DataTable<SiteOccupancy>
          rows={occ}
          columns={occColumns}
          rowKey="id"
          loading={board.loading}
          error={board.error}
          exportName={`${t('dashboard.occupancy')}-${day}`}
        />
      </Card>
      <Card size="small" title={t('isolation.stuckTitle')}>
        <DataTable<StuckUnit>
          rows={stuck}
          columns={stuckColumns}
          rowKey={(r) => `${r.kind}-${r.id}`}
          loading={board.loading}
          error={board.error}
          capped={200}
          exportName={`${t('isolation.stuckTitle')}-${day}`}
        />
      </Card>
    </Space>
  );
}

function StockView({ day }: { day: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const res = useApi<Stock>(`/api/isolation/stock${query({ date: day })}`);
  const s = res.data;
  type Held = Stock['held'][number];
  const columns: Column<Held>[] = [
    {
      key: 'category',
      title: t('isolation.category'),
      dataIndex: 'category',
      render: (v: string) => t(`category.${v}`, { defaultValue: v }),
      filters: filtersFrom(
        s?.held ?? [],
        (r) => r.category,
        (v) => t(`category.${v}`, { defaultValue: v }),
      ),
      onFilter: (v, r) => r.category === v,
      exportValue: (r) => t(`category.${r.category}`, { defaultValue: r.category }),
    },
    {
      key: 'kind',
      title: t('isolation.siteKind'),
      dataIndex: 'kind',
      render: (v: string) => t(`siteKind.${v}`, { defaultValue: v }),
      exportValue: (r) => t(`siteKind.${r.kind}`, { defaultValue: r.kind }),
    },
    { key: 'held', title: t('isolation.held'), dataIndex: 'held', sorter: byNumber((r) => r.held) },
    {
      key: 'new_today',
      title: t('isolation.newToday'),
      dataIndex: 'new_today',
      sorter: byNumber((r) => r.new_today),
    },
    {
      key: 'carried_over',
      title: t('isolation.carriedOver'),
      dataIndex: 'carried_over',
      sorter: byNumber((r) => r.carried_over),
    },
  ];
  const total = (s?.held ?? []).reduce((a, r) => a + r.held, 0);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <ErrorAlert error={res.error} />
      <Row gutter={[12, 12]}>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title={t('isolation.heldTotal')} value={s ? total : '—'} loading={res.loading && !s} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic
              title={t('isolation.backlog')}
              value={s?.backlog.people ?? '—'}
              valueStyle={s && s.backlog.people > 0 ? { color: '#c0392b' } : undefined}
              loading={res.loading && !s}
            />
          </Card>
        </Col>
        <Col xs={24} md={12}>
          <Card size="small">
            <Statistic
              title={t('isolation.oldestWait')}
              value={s?.backlog.oldest_hours ?? '—'}
              suffix={s?.backlog.oldest_hours !== null && s ? t('isolation.hours') : undefined}
              loading={res.loading && !s}
            />
            {s?.backlog.oldest_since && (
              <Typography.Text type="secondary">
                {t('isolation.since')} {f.dateTime(s.backlog.oldest_since)}
              </Typography.Text>
            )}
          </Card>
        </Col>
      </Row>
      <DataTable<Held>
        rows={s?.held ?? []}
        columns={columns}
        rowKey={(r) => `${r.category}-${r.kind}`}
        loading={res.loading}
        error={res.error}
        exportName={`${t('isolation.stock')}-${day}`}
      />
    </Space>
  );
}

function ForecastView() {
  const { t, i18n } = useTranslation();
  const res = useApi<Forecast>('/api/isolation/forecast');
  const fc = res.data;
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
  type Tier = Forecast['activate_tiers'][number];
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
            type={fc.rooms.short > 0 || fc.beds.short > 0 ? 'warning' : 'success'}
            showIcon
            message={
              fc.rooms.short > 0
                ? t('isolation.shortRooms', {
                    count: fc.rooms.short,
                    days: fc.days,
                    tiers: fc.activate_tiers.map((x) => x.tier).join(', ') || '—',
                  })
                : t('isolation.enoughRooms', { days: fc.days })
            }
            description={fc.beds.short > 0 ? t('isolation.shortBeds', { count: fc.beds.short }) : undefined}
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

function StaysView() {
  const { t } = useTranslation();
  const f = useFormat();
  const [status, setStatus] = useState<string | undefined>();
  const [limit, setLimit] = useState(1000);
  const res = useApi<{ items: Stay[] }>(`/api/isolation/stays${query({ status, limit })}`);
  const rows = res.data?.items ?? [];
  const now = Date.now();
  const columns: Column<Stay>[] = [
    { key: 'id', title: t('isolation.stayId'), dataIndex: 'id', sorter: byNumber((r) => r.id) },
    { key: 'person_id', title: t('tracing.personId'), dataIndex: 'person_id' },
    {
      key: 'area_code',
      title: t('common.areaCode'),
      dataIndex: 'area_code',
      sorter: byString((r) => r.area_code),
    },
    {
      key: 'category',
      title: t('isolation.category'),
      dataIndex: 'category',
      filters: filtersFrom(
        rows,
        (r) => r.category,
        (v) => t(`category.${v}`, { defaultValue: v }),
      ),
      onFilter: (v, r) => r.category === v,
      render: (v: string) => t(`category.${v}`, { defaultValue: v }),
      exportValue: (r) => t(`category.${r.category}`, { defaultValue: r.category }),
    },
    {
      key: 'site',
      title: t('isolation.site'),
      dataIndex: 'site',
      sorter: byString((r) => r.site),
      filters: filtersFrom(rows, (r) => r.site),
      onFilter: (v, r) => r.site === v,
    },
    {
      key: 'unit',
      title: t('isolation.unit'),
      render: (_: unknown, r) =>
        r.room_id !== null
          ? `${t('unitKind.room')} ${r.room_id}`
          : r.bed_id !== null
            ? `${t('unitKind.bed')} ${r.bed_id}`
            : '—',
      exportValue: (r) =>
        r.room_id !== null ? `room ${r.room_id}` : r.bed_id !== null ? `bed ${r.bed_id}` : '',
    },
    {
      key: 'status',
      title: t('isolation.stayStatus'),
      dataIndex: 'status',
      render: (v: string) => (
        <StatusTag ns="stayStatus" value={v} colors={{ placed: 'orange', arrived: 'green' }} />
      ),
      exportValue: (r) => t(`stayStatus.${r.status}`, { defaultValue: r.status }),
    },
    {
      key: 'found_at',
      title: t('tracing.foundAt'),
      dataIndex: 'found_at',
      render: f.dateTime,
      sorter: byString((r) => r.found_at),
    },
    {
      key: 'placed_at',
      title: t('isolation.placedAt'),
      dataIndex: 'placed_at',
      render: f.dateTime,
      sorter: byString((r) => r.placed_at),
    },
    {
      key: 'arrived_at',
      title: t('isolation.arrivedAt'),
      dataIndex: 'arrived_at',
      render: f.dateTime,
      sorter: byString((r) => r.arrived_at),
    },
    {
      key: 'due_at',
      title: t('isolation.dueAt'),
      dataIndex: 'due_at',
      sorter: byString((r) => r.due_at),
      render: (v: string | null) =>
        v && new Date(v).getTime() < now ? <Tag color="red">{f.dateTime(v)}</Tag> : f.dateTime(v),
    },
    {
      key: 'reason',
      title: t('isolation.reason'),
      dataIndex: 'reason',
      ellipsis: true,
      render: (v) => v ?? '—',
    },
  ];
  return (
    <DataTable<Stay>
      rows={rows}
      columns={columns}
      rowKey="id"
      loading={res.loading}
      error={res.error}
      capped={limit}
      exportName={t('isolation.stays')}
      toolbar={
        <>
          <Select
            size="small"
            style={{ width: 140 }}
            value={status ?? 'all'}
            onChange={(v) => setStatus(v === 'all' ? undefined : v)}
            options={[
              { value: 'all', label: t('common.all') },
              { value: 'placed', label: t('stayStatus.placed') },
              { value: 'arrived', label: t('stayStatus.arrived') },
            ]}
          />
          <Select
            size="small"
            style={{ width: 120 }}
            value={limit}
            onChange={setLimit}
            options={[200, 500, 1000].map((n) => ({ value: n, label: t('common.upTo', { count: n }) }))}
          />
        </>
      }
    />
  );
}

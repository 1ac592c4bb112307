/**
 * 隔离管控: the 清仓 board of a day (due, placed, released, rooms freed, turn-over time, stuck units, occupancy),
 * stock and increment (存量/增量) with the backlog, the 3-day forecast of rooms and beds against free capacity, and
 * the open stays. With isolation.manage: place the backlog (8th or 9th edition), and on a stay arrive, release,
 * discharge, record a health check, issue the personal self-report link, move it to another site; start and
 * finish the terminal disinfection of the units stuck on the board.
 */
import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Modal,
  QRCode,
  Radio,
  Row,
  Select,
  Space,
  Statistic,
  Table,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../AreaPicker.tsx';
import { api, query } from '../api.ts';
import { beijingPickerValue, pickerInstant } from '../beijing-time.ts';
import type {
  Board,
  HealthCheckRecorded,
  HomeStay,
  HomeStaysAnswer,
  HomeStaysEnded,
  IsolationStock,
  Me,
  PlaceRun,
  SelfReportLink,
  SiteForecast,
  SiteOccupancy,
  Stay,
  StayArrived,
  StayDischarged,
  StayMoved,
  StayReleased,
  StaysAnswer,
  StuckUnit,
  UnitDisinfection,
} from '../contract.ts';
import { EChart } from '../EChart.tsx';
import { FigureLabel } from '../figure-label.tsx';
import { adviceLine, forecastAdvice } from '../forecast-advice.ts';
import { reasonText } from '../reason-text.ts';
import { AllOrCodeSelect, DayPicker } from './filters.tsx';
import SitesView from './Sites.tsx';
import {
  ACTIONS,
  areaColumn,
  BeijingDateTimePicker,
  beijingToday,
  byNumber,
  byString,
  type Column,
  ConfirmButton,
  codedColumn,
  DataTable,
  ErrorAlert,
  filtersFrom,
  PersonName,
  personColumn,
  StatusTag,
  useAction,
  useApi,
  useFormat,
  usePermissions,
  useVersion,
} from './shared.tsx';

/** The symptoms a health check may record (the server's list). */
const SYMPTOMS = [
  'fever',
  'cough',
  'sore_throat',
  'fatigue',
  'loss_of_smell',
  'shortness_of_breath',
  'diarrhoea',
  'other',
] as const;

/** Who a stay is, for messages: the person's name where the reader may see it, else the room. */
function stayWho(stay: Stay, t: (key: string, o: { id: number }) => string): string {
  if (stay.person_name) return stay.person_name;
  const place = [stay.site, stay.room ?? stay.bed].filter(Boolean).join(' ');
  return place || t('command.personNo', { id: stay.person_id });
}

export default function IsolationPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [day, setDay] = useState(beijingToday());
  const may = usePermissions(me);
  const [version, bump] = useVersion();
  const manage = may('isolation.manage');
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('isolation.title')}
      </Typography.Title>
      {manage && <PlaceBacklog onDone={bump} />}
      <Tabs
        tabBarExtraContent={<DayPicker day={day} onDay={setDay} />}
        items={[
          {
            key: 'board',
            label: t('isolation.board'),
            children: <BoardView day={day} manage={manage} version={version} onDone={bump} />,
          },
          { key: 'stock', label: t('isolation.stock'), children: <StockView day={day} version={version} /> },
          { key: 'forecast', label: t('isolation.forecast'), children: <ForecastView version={version} /> },
          {
            key: 'sites',
            label: t('sites.tab'),
            children: <SitesView manage={manage} version={version} onDone={bump} />,
          },
          ...(manage
            ? [
                {
                  key: 'stays',
                  label: t('isolation.stays'),
                  children: <StaysView version={version} onDone={bump} />,
                },
                {
                  key: 'home',
                  label: t('isolation.homeTab'),
                  children: <HomeStaysView version={version} onDone={bump} />,
                },
              ]
            : []),
        ]}
      />
    </Space>
  );
}

/** Places everyone waiting in the jurisdiction under the chosen edition; shows who still waits and why. */
function PlaceBacklog({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const [edition, setEdition] = useState<'8th' | '9th'>('8th');
  const [run, setRun] = useState<PlaceRun | null>(null);
  const placedMessage = (r: PlaceRun) =>
    `${t('isolation.placedMessage', { placed: r.placed, waiting: r.waiting.length })}${
      r.home_isolated ? t('isolation.homeIsolated', { count: r.home_isolated }) : ''
    }`;
  return (
    <Card size="small">
      <Space wrap>
        <Typography.Text strong>{t('isolation.placeTitle')}</Typography.Text>
        <Radio.Group
          size="small"
          value={edition}
          onChange={(e) => setEdition(e.target.value)}
          options={[
            { value: '8th', label: t('isolation.edition.8th') },
            { value: '9th', label: t('isolation.edition.9th') },
          ]}
          optionType="button"
        />
        <ConfirmButton
          type="primary"
          title={t('isolation.confirmPlace', { edition: t(`isolation.edition.${edition}`) })}
          onConfirm={async () => {
            const out = await act(
              () => api<PlaceRun>('/api/isolation/place', { method: 'POST', body: { edition } }),
              (r) => placedMessage(r),
              onDone,
            );
            if (out) setRun(out);
          }}
        >
          {t('isolation.place')}
        </ConfirmButton>
        <Typography.Text type="secondary">{t('isolation.placeNote')}</Typography.Text>
      </Space>
      {run && (
        <div className="place-result" style={{ marginTop: 12 }}>
          <Alert
            type={run.waiting.length > 0 ? 'warning' : 'success'}
            showIcon
            closable
            onClose={() => setRun(null)}
            message={placedMessage(run)}
          />
          {run.waiting.length > 0 && (
            <Table<PlaceRun['waiting'][number]>
              size="small"
              rowKey="personId"
              style={{ marginTop: 8 }}
              dataSource={run.waiting}
              pagination={{ pageSize: 10, hideOnSinglePage: true }}
              columns={[
                {
                  key: 'personId',
                  title: t('tracing.person'),
                  render: (_: unknown, w) => <PersonName id={w.personId} />,
                },
                {
                  key: 'reason',
                  title: t('isolation.waitingReason'),
                  render: (_: unknown, w) => reasonText(w.phrase, w.reason),
                },
                {
                  key: 'waitingSince',
                  title: t('isolation.waitingSince'),
                  dataIndex: 'waitingSince',
                  render: f.dateTime,
                },
              ]}
            />
          )}
        </div>
      )}
    </Card>
  );
}

function BoardView({
  day,
  manage,
  version,
  onDone,
}: {
  day: string;
  manage: boolean;
  version: number;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const board = useApi<Board>(`/api/isolation/board${query({ date: day })}`, version);
  const b = board.data;
  const stuck = b?.stuck_in_disinfection ?? [];
  const occ = b?.occupancy ?? [];
  const kpis: [string, number | undefined][] = [
    ['dueToday', b?.due_today],
    ['placedToday', b?.placed_today],
    ['releasedToday', b?.released_today],
    ['dischargedToday', b?.discharged_today],
    ['freedToday', b?.units_freed_today],
    ['stuck', b?.stuck_total],
  ];
  const occColumns: Column<SiteOccupancy>[] = [
    { key: 'name', title: t('isolation.site'), dataIndex: 'name', sorter: byString((r) => r.name) },
    codedColumn({ key: 'kind', title: t('isolation.siteKind'), field: 'kind', rows: occ, ns: 'siteKind', t }),
    codedColumn({
      key: 'status',
      title: t('isolation.siteStatus'),
      field: 'status',
      rows: occ,
      ns: 'siteStatus',
      t,
      tag: true,
    }),
    ...(['available', 'idle', 'reserved', 'occupied', 'in_turnover', 'out_of_service'] as const).map(
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
    ...(manage
      ? [
          {
            key: ACTIONS,
            title: t('action.actions'),
            render: (_: unknown, r: StuckUnit) => {
              const step = r.status === 'disinfecting' ? 'finish' : 'start';
              if (r.status !== 'disinfecting' && r.status !== 'awaiting_disinfection') return '—';
              return (
                <ConfirmButton
                  type={step === 'finish' ? 'primary' : 'default'}
                  title={t(`isolation.confirmDisinfection.${step}`, {
                    unit: `${t(`unitKind.${r.kind}`)} ${r.code}`,
                  })}
                  onConfirm={() =>
                    act(
                      () =>
                        api<UnitDisinfection>(
                          `/api/isolation/${r.kind === 'room' ? 'rooms' : 'beds'}/${r.id}/disinfection`,
                          { method: 'POST', body: { action: step } },
                        ),
                      (out) =>
                        step === 'start'
                          ? t('isolation.disinfectionStarted', { unit: r.code })
                          : t('isolation.disinfectionFinished', {
                              unit: r.code,
                              minutes: out.turnoverMinutes ?? '—',
                            }),
                      onDone,
                    )
                  }
                >
                  {t(`isolation.disinfection.${step}`)}
                </ConfirmButton>
              );
            },
          } satisfies Column<StuckUnit>,
        ]
      : []),
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
          total={b?.stuck_total}
          serverExport="/api/isolation/board/stuck/export"
          exportName={`${t('isolation.stuckTitle')}-${day}`}
        />
      </Card>
    </Space>
  );
}

function StockView({ day, version }: { day: string; version: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const res = useApi<IsolationStock>(`/api/isolation/stock${query({ date: day })}`, version);
  const s = res.data;
  type Held = IsolationStock['held'][number];
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
            <Statistic title={<FigureLabel k="held" />} value={s ? total : '—'} loading={res.loading && !s} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic
              title={<FigureLabel k="waiting_for_placement" />}
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

function ForecastView({ version }: { version: number }) {
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

/** The form open on a stay, if any. */
type StayDialog =
  | { kind: 'discharge' | 'health' | 'move'; stay: Stay }
  | { kind: 'link'; stay: Stay; url: string; revokedPrevious: boolean };

/**
 * 居家隔离/居家健康监测: the people isolated or monitored at home in the jurisdiction, due first, with their open
 * tests; ending the due ones is one action (isolation ends only once its tests are done: the others are named).
 */
function HomeStaysView({ version, onDone }: { version: number; onDone: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const [kind, setKind] = useState<string | undefined>();
  const [area, setArea] = useState<string | undefined>();
  const res = useApi<HomeStaysAnswer>(`/api/isolation/home${query({ kind, area, limit: 1000 })}`, version);
  const rows = res.data?.items ?? [];
  const now = Date.now();
  const columns: Column<HomeStay>[] = [
    { key: 'id', title: t('isolation.homeId'), dataIndex: 'id', sorter: byNumber((r) => r.id) },
    personColumn({ title: t('tracing.person'), get: (r) => r.person_id, t }),
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'kind',
      title: t('isolation.homeKind'),
      dataIndex: 'kind',
      render: (v: string) => (
        <Tag color={v === 'isolation' ? 'orange' : 'blue'}>
          {t(`isolation.homeKinds.${v}`, { defaultValue: v })}
        </Tag>
      ),
      exportValue: (r) => t(`isolation.homeKinds.${r.kind}`, { defaultValue: r.kind }),
      filters: filtersFrom(rows, (r) => r.kind).map((x) => ({
        ...x,
        text: t(`isolation.homeKinds.${x.value}`, { defaultValue: String(x.value) }),
      })),
      onFilter: (v, r) => r.kind === v,
    },
    codedColumn({
      key: 'category',
      title: t('isolation.category'),
      field: 'category',
      rows,
      ns: 'category',
      t,
    }),
    {
      key: 'edition',
      title: t('isolation.editionCol'),
      dataIndex: 'edition',
      render: (v: string) => t(`isolation.edition.${v}`, { defaultValue: v }),
      exportValue: (r) => t(`isolation.edition.${r.edition}`, { defaultValue: r.edition }),
    },
    {
      key: 'started_at',
      title: t('isolation.homeFrom'),
      dataIndex: 'started_at',
      render: f.dateTime,
      sorter: byString((r) => r.started_at),
    },
    {
      key: 'due_at',
      title: t('isolation.dueAt'),
      dataIndex: 'due_at',
      sorter: byString((r) => r.due_at),
      render: (v: string) =>
        new Date(v).getTime() < now ? <Tag color="red">{f.dateTime(v)}</Tag> : f.dateTime(v),
    },
    {
      key: 'tests_open',
      title: t('isolation.testsOpen'),
      dataIndex: 'tests_open',
      sorter: byNumber((r) => r.tests_open),
    },
  ];
  return (
    <DataTable<HomeStay>
      rows={rows}
      columns={columns}
      rowKey="id"
      loading={res.loading}
      error={res.error}
      total={res.data?.total}
      serverExport={`/api/isolation/home/export${query({ kind, area })}`}
      exportName={t('isolation.homeTab')}
      toolbar={
        <Space>
          <AreaPicker
            size="small"
            allowClear
            style={{ width: 220 }}
            placeholder={t('common.areaName')}
            value={area}
            onChange={(v: string | undefined) => setArea(v || undefined)}
          />
          <Select
            allowClear
            size="small"
            style={{ width: 160 }}
            placeholder={t('isolation.homeKind')}
            value={kind}
            onChange={setKind}
            options={(['isolation', 'monitoring'] as const).map((k) => ({
              value: k,
              label: t(`isolation.homeKinds.${k}`),
            }))}
          />
          <ConfirmButton
            title={t('isolation.endDueConfirm')}
            onConfirm={() =>
              act(
                () => api<HomeStaysEnded>('/api/isolation/home/end-due', { method: 'POST' }),
                (out) => t('isolation.endDueDone', { ended: out.ended, held: out.held.length }),
                onDone,
              )
            }
          >
            {t('isolation.endDue')}
          </ConfirmButton>
        </Space>
      }
    />
  );
}

function StaysView({ version, onDone }: { version: number; onDone: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const [status, setStatus] = useState<string | undefined>();
  const [limit, setLimit] = useState(1000);
  const [dialog, setDialog] = useState<StayDialog | null>(null);
  const res = useApi<StaysAnswer>(`/api/isolation/stays${query({ status, limit })}`, version);
  const rows = res.data?.items ?? [];
  const unitText = (r: Stay): string =>
    r.room !== null
      ? `${t('unitKind.room')} ${r.room}`
      : r.bed !== null
        ? `${t('unitKind.bed')} ${r.bed}`
        : '';
  const step = (r: Stay, name: 'arrive' | 'release') =>
    name === 'arrive'
      ? act(
          () => api<StayArrived>(`/api/isolation/stays/${r.id}/arrive`, { method: 'POST' }),
          () => t('isolation.arrived', { who: stayWho(r, t) }),
          onDone,
        )
      : act(
          () => api<StayReleased>(`/api/isolation/stays/${r.id}/release`, { method: 'POST' }),
          (out) => t('isolation.released', { who: stayWho(r, t), days: out.homeMonitoringDays }),
          onDone,
        );
  const issueLink = async (r: Stay) => {
    const out = await act(
      () => api<SelfReportLink>(`/api/isolation/stays/${r.id}/self-report-link`, { method: 'POST' }),
      () => t('isolation.linkIssued', { who: stayWho(r, t) }),
    );
    if (out)
      setDialog({
        kind: 'link',
        stay: r,
        url: new URL(out.path, window.location.origin).toString(),
        revokedPrevious: out.revoked_previous,
      });
  };
  const now = Date.now();
  const columns: Column<Stay>[] = [
    { key: 'id', title: t('isolation.stayId'), dataIndex: 'id', sorter: byNumber((r) => r.id) },
    {
      key: 'person',
      title: t('command.person'),
      render: (_: unknown, r) => r.person_name ?? t('command.personNo', { id: r.person_id }),
      exportValue: (r) => r.person_name ?? t('command.personNo', { id: r.person_id }),
    },
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    codedColumn({
      key: 'category',
      title: t('isolation.category'),
      field: 'category',
      rows: rows,
      ns: 'category',
      t,
    }),
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
      render: (_: unknown, r) => unitText(r) || '—',
      exportValue: (r) => unitText(r),
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
      ellipsis: true,
      render: (_: unknown, r) => reasonText(r.reason_phrase, r.reason) || '—',
      exportValue: (r) => reasonText(r.reason_phrase, r.reason),
    },
    {
      key: ACTIONS,
      title: t('action.actions'),
      fixed: 'right',
      render: (_: unknown, r) => (
        <Space wrap size={4}>
          {r.status === 'placed' && (
            <ConfirmButton
              type="primary"
              title={t('isolation.confirmArrive', { who: stayWho(r, t), site: r.site })}
              description={t('isolation.arriveNote')}
              onConfirm={() => step(r, 'arrive')}
            >
              {t('isolation.arrive')}
            </ConfirmButton>
          )}
          {r.status === 'arrived' && r.category !== 'case' && (
            <ConfirmButton
              title={t('isolation.confirmRelease', { who: stayWho(r, t) })}
              description={r.due_at ? t('isolation.termEnds', { at: f.dateTime(r.due_at) }) : undefined}
              onConfirm={() => step(r, 'release')}
            >
              {t('isolation.release')}
            </ConfirmButton>
          )}
          {r.status === 'arrived' && r.category === 'case' && (
            <Button size="small" onClick={() => setDialog({ kind: 'discharge', stay: r })}>
              {t('isolation.discharge')}
            </Button>
          )}
          {r.status === 'arrived' && (
            <Button size="small" onClick={() => setDialog({ kind: 'health', stay: r })}>
              {t('isolation.health')}
            </Button>
          )}
          <ConfirmButton
            title={t('isolation.confirmLink', { who: stayWho(r, t) })}
            description={t('isolation.linkNote')}
            onConfirm={() => issueLink(r)}
          >
            {t('isolation.link')}
          </ConfirmButton>
          <Button size="small" onClick={() => setDialog({ kind: 'move', stay: r })}>
            {t('isolation.move')}
          </Button>
        </Space>
      ),
    },
  ];
  const close = () => setDialog(null);
  return (
    <>
      <DataTable<Stay>
        rows={rows}
        columns={columns}
        rowKey="id"
        loading={res.loading}
        error={res.error}
        total={res.data?.total}
        capped={res.data?.total === undefined ? limit : undefined}
        exportName={t('isolation.stays')}
        serverExport={`/api/isolation/stays/export${query({ status })}`}
        toolbar={
          <>
            <AllOrCodeSelect
              ns="stayStatus"
              codes={['placed', 'arrived']}
              size="small"
              style={{ width: 140 }}
              value={status}
              onChange={setStatus}
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
      {dialog?.kind === 'discharge' && <DischargeForm stay={dialog.stay} onClose={close} onDone={onDone} />}
      {dialog?.kind === 'health' && <HealthForm stay={dialog.stay} onClose={close} onDone={onDone} />}
      {dialog?.kind === 'move' && <MoveForm stay={dialog.stay} onClose={close} onDone={onDone} />}
      {dialog?.kind === 'link' && (
        <Modal
          open
          title={t('isolation.linkTitle', { who: stayWho(dialog.stay, t) })}
          onCancel={close}
          footer={<Button onClick={close}>{t('action.close')}</Button>}
        >
          <Space direction="vertical" align="center" style={{ width: '100%' }}>
            <Alert
              type="warning"
              showIcon
              message={t('isolation.linkOnce')}
              description={dialog.revokedPrevious ? t('isolation.linkRevokedPrevious') : undefined}
            />
            <QRCode value={dialog.url} size={220} />
            <Typography.Text className="self-report-url" copyable={{ text: dialog.url }} code>
              {dialog.url}
            </Typography.Text>
          </Space>
        </Modal>
      )}
    </>
  );
}

interface FormProps {
  stay: Stay;
  onClose: () => void;
  onDone: () => void;
}

/** A stay form's modal: submit runs the action, the modal closes when it succeeds. */
function useSubmit<V>(form: ReturnType<typeof Form.useForm<V>>[0], run: (v: V) => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  return {
    busy,
    submit: async () => {
      const v = await form.validateFields().catch(() => null);
      if (!v) return;
      setBusy(true);
      try {
        await run(v);
      } finally {
        setBusy(false);
      }
    },
  };
}

/** A case leaves on two PCR tests with Ct ≥ 35 at least 24 h apart (the server checks). */
function DischargeForm({ stay, onClose, onDone }: FormProps) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<{ tests: { at: Dayjs; ct: number }[] }>();
  const { busy, submit } = useSubmit(form, async (v) => {
    const out = await act(
      () =>
        api<StayDischarged>(`/api/isolation/stays/${stay.id}/discharge`, {
          method: 'POST',
          body: { tests: v.tests.map((x) => ({ at: pickerInstant(x.at), ct: x.ct })) },
        }),
      (r) => t('isolation.discharged', { who: stayWho(stay, t), days: r.homeMonitoringDays }),
      onDone,
    );
    if (out) onClose();
  });
  return (
    <Modal
      open
      title={t('isolation.dischargeTitle', { who: stayWho(stay, t) })}
      okText={t('isolation.discharge')}
      cancelText={t('action.cancel')}
      onOk={submit}
      confirmLoading={busy}
      onCancel={onClose}
    >
      <Typography.Paragraph type="secondary">{t('isolation.dischargeNote')}</Typography.Paragraph>
      <Form form={form} layout="vertical" initialValues={{ tests: [{}, {}] }}>
        <Form.List name="tests">
          {(fields) =>
            fields.map((field, i) => (
              <Space key={field.key} align="start">
                <Form.Item
                  label={t('isolation.testAt', { n: i + 1 })}
                  name={[field.name, 'at']}
                  rules={[{ required: true }]}
                >
                  <BeijingDateTimePicker noFuture />
                </Form.Item>
                <Form.Item label="Ct" name={[field.name, 'ct']} rules={[{ required: true }]}>
                  <InputNumber min={0} max={50} step={0.1} />
                </Form.Item>
              </Space>
            ))
          }
        </Form.List>
      </Form>
    </Modal>
  );
}

function HealthForm({ stay, onClose, onDone }: FormProps) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<{ at: Dayjs; temperature: number; symptoms?: string[] }>();
  const { busy, submit } = useSubmit(form, async (v) => {
    const out = await act(
      () =>
        api<HealthCheckRecorded>(`/api/isolation/stays/${stay.id}/health`, {
          method: 'POST',
          body: { at: pickerInstant(v.at), temperature: v.temperature, symptoms: v.symptoms ?? [] },
        }),
      (r) =>
        r.status === 'duplicate'
          ? t('isolation.healthDuplicate', { who: stayWho(stay, t) })
          : r.alert
            ? t('isolation.healthAlert', { who: stayWho(stay, t) })
            : t('isolation.healthRecorded', { who: stayWho(stay, t) }),
      onDone,
    );
    if (out) onClose();
  });
  return (
    <Modal
      open
      title={t('isolation.healthTitle', { who: stayWho(stay, t) })}
      okText={t('isolation.healthOk')}
      cancelText={t('action.cancel')}
      onOk={submit}
      confirmLoading={busy}
      onCancel={onClose}
    >
      <Form form={form} layout="vertical" initialValues={{ at: beijingPickerValue(), symptoms: [] }}>
        <Form.Item label={t('isolation.checkedAt')} name="at" rules={[{ required: true }]}>
          <BeijingDateTimePicker noFuture />
        </Form.Item>
        <Form.Item
          label={t('isolation.temperature')}
          name="temperature"
          extra={t('isolation.feverNote')}
          rules={[{ required: true }]}
        >
          <InputNumber min={34} max={43} step={0.1} addonAfter="℃" />
        </Form.Item>
        <Form.Item label={t('isolation.symptoms')} name="symptoms">
          <Select mode="multiple" options={SYMPTOMS.map((v) => ({ value: v, label: t(`symptom.${v}`) }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** 转点: the engine places the stay (and its roommates) elsewhere, or into the chosen site; the term runs on. */
function MoveForm({ stay, onClose, onDone }: FormProps) {
  const { t } = useTranslation();
  const act = useAction();
  const sites = useApi<Board>('/api/isolation/board');
  const [form] = Form.useForm<{ reason: string; site_id?: number }>();
  const { busy, submit } = useSubmit(form, async (v) => {
    const out = await act(
      () =>
        api<StayMoved>(`/api/isolation/stays/${stay.id}/move`, {
          method: 'POST',
          body: { reason: v.reason.trim(), ...(v.site_id ? { site_id: v.site_id } : {}) },
        }),
      (r) => {
        const to = sites.data?.occupancy.find((s) => s.id === r.to_site)?.name ?? String(r.to_site);
        return t('isolation.moved', { who: stayWho(stay, t), site: to, count: r.moved.length });
      },
      onDone,
    );
    if (out) onClose();
  });
  return (
    <Modal
      open
      title={t('isolation.moveTitle', { who: stayWho(stay, t), site: stay.site })}
      okText={t('isolation.move')}
      cancelText={t('action.cancel')}
      onOk={submit}
      confirmLoading={busy}
      onCancel={onClose}
    >
      <Typography.Paragraph type="secondary">{t('isolation.moveNote')}</Typography.Paragraph>
      <Form form={form} layout="vertical">
        <Form.Item label={t('isolation.moveTo')} name="site_id">
          <Select
            allowClear
            loading={sites.loading}
            placeholder={t('isolation.moveAuto')}
            options={(sites.data?.occupancy ?? [])
              // Only sites that take people now (accepted, in service) and have a free unit: a reserve or
              // closing site would be refused.
              .filter((s) => s.id !== stay.site_id && s.takes_people && s.available > 0)
              .map((s) => ({
                value: s.id,
                label: `${s.name} · ${t(`siteKind.${s.kind}`, { defaultValue: s.kind })} · ${t('occupancy.available')} ${s.available}`,
              }))}
          />
        </Form.Item>
        <Form.Item
          label={t('isolation.moveReason')}
          name="reason"
          rules={[
            { required: true, min: 2, max: 500, whitespace: true, message: t('isolation.moveReasonRule') },
          ]}
        >
          <Input.TextArea rows={2} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

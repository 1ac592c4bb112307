/**
 * 转运: planning the day's trips for everyone placed and not yet on a trip, with the plan's summary (who moves,
 * who cannot and why) (transfer.manage), the open trips with their passengers (transfer.read: commanders and
 * dispatchers; drivers), and the clocks found → placed → picked up → delivered with the late list (transfer.manage).
 */
import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Form,
  InputNumber,
  Row,
  Select,
  Space,
  Statistic,
  Table,
  Tabs,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Me, query } from '../api.ts';
import { areaName } from '../area-names.ts';
import { pickerInstant } from '../beijing-time.ts';
import type { PlannedTrip, TransferClocks, TransferPlan, Trip, TripsAnswer, Vehicle } from '../contract.ts';
import { FigureLabel } from '../figure-label.tsx';
import { personName } from '../person-names.ts';
import { reasonText } from '../reason-text.ts';
import { AllOrCodeSelect, DayPicker } from './filters.tsx';
import {
  AreaName,
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
  PersonName,
  personColumn,
  StatusTag,
  useAction,
  useApi,
  useFormat,
  usePermissions,
  useVersion,
} from './shared.tsx';

type Passenger = Trip['passengers'][number];

/** How a trip's passengers ended: delivered at the site, or not there at pickup (back in the queue). */
function tripOutcome(trip: { passengers: readonly { status: string }[] }) {
  return {
    delivered: trip.passengers.filter((p) => p.status === 'delivered').length,
    no_show: trip.passengers.filter((p) => p.status === 'no_show').length,
  };
}

const TRIP_COLOURS: Record<string, string> = { planned: 'blue', departed: 'orange', delivered: 'green' };

export default function TransferPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const may = usePermissions(me);
  const [version, bump] = useVersion();
  // The clocks first for those who plan (commanders, dispatchers), the trips first for drivers.
  const items = [
    ...(may('transfer.manage')
      ? [{ key: 'clocks', label: t('transfer.clocks'), children: <ClocksView version={version} /> }]
      : []),
    ...(may('transfer.read') || may('transfer.drive')
      ? [
          {
            key: 'trips',
            label: t('transfer.trips'),
            children: <TripsView version={version} mayDrive={may('transfer.drive')} onDone={bump} />,
          },
        ]
      : []),
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('transfer.title')}
      </Typography.Title>
      {may('transfer.manage') && <PlanView onDone={bump} />}
      <Tabs items={items} />
    </Space>
  );
}

/** Plans the trips of the working day (optionally another shift start or window) and shows the plan. */
function PlanView({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const [form] = Form.useForm<{ shift_start?: Dayjs | null; window_hours?: number | null }>();
  const [plan, setPlan] = useState<TransferPlan | null>(null);
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const body = {
      ...(v.shift_start ? { shift_start: pickerInstant(v.shift_start) } : {}),
      ...(v.window_hours ? { window_hours: v.window_hours } : {}),
    };
    const out = await act(
      () => api<TransferPlan>('/api/transfer/plan', { method: 'POST', body }),
      (p) =>
        t('transfer.planned', {
          trips: p.trips.length,
          moved: moved(p),
          waiting: p.waiting.length,
        }),
      onDone,
    );
    if (out) setPlan(out);
  };
  const moved = (p: TransferPlan) => p.trips.reduce((n, x) => n + x.placement_ids.length, 0);
  const tripColumns: Column<PlannedTrip>[] = [
    { key: 'id', title: t('transfer.trip'), dataIndex: 'id' },
    { key: 'plate', title: t('transfer.plate'), dataIndex: 'plate', sorter: byString((r) => r.plate) },
    { key: 'sequence', title: t('transfer.sequence'), dataIndex: 'sequence' },
    {
      key: 'class',
      title: t('transfer.class'),
      dataIndex: 'class',
      render: (v: string) => t(`tripClass.${v}`, { defaultValue: v }),
      exportValue: (r) => t(`tripClass.${r.class}`, { defaultValue: r.class }),
    },
    {
      key: 'people',
      title: t('transfer.passengers'),
      render: (_: unknown, r) => r.placement_ids.length,
      exportValue: (r) => r.placement_ids.join(' '),
    },
    {
      key: 'stops',
      title: t('transfer.stops'),
      render: (_: unknown, r) => r.stops.map((c) => areaName(c)).join(' → '),
      exportValue: (r) => r.stops.map((c) => areaName(c)).join(' → '),
    },
    {
      key: 'site_name',
      title: t('transfer.site'),
      dataIndex: 'site_name',
      sorter: byString((r) => r.site_name),
    },
    areaColumn({ key: 'site_area', title: t('transfer.destination'), get: (r) => r.site_area }),
    { key: 'start', title: t('transfer.start'), dataIndex: 'start', render: f.dateTime },
    { key: 'end', title: t('transfer.end'), dataIndex: 'end', render: f.dateTime },
    { key: 'km', title: t('transfer.km'), dataIndex: 'km', render: (v: number) => v.toFixed(1) },
    {
      key: 'reason',
      title: t('transfer.reason'),
      ellipsis: true,
      render: (_: unknown, r) => reasonText(r.phrase, r.reason),
      exportValue: (r) => reasonText(r.phrase, r.reason),
    },
  ];
  type Waiting = TransferPlan['waiting'][number];
  const waitingColumns: Column<Waiting>[] = [
    { key: 'placement_id', title: t('isolation.stayId'), dataIndex: 'placement_id' },
    personColumn({ title: t('tracing.person'), get: (r) => r.person_id, t }),
    {
      key: 'reason',
      title: t('transfer.notMovedReason'),
      render: (_: unknown, r) => reasonText(r.phrase, r.reason),
      exportValue: (r) => reasonText(r.phrase, r.reason),
    },
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card size="small" title={t('transfer.planTitle')}>
        <Typography.Paragraph type="secondary">{t('transfer.planNote')}</Typography.Paragraph>
        <Form form={form} layout="inline">
          <Form.Item label={t('transfer.shiftStart')} name="shift_start">
            <BeijingDateTimePicker />
          </Form.Item>
          <Form.Item label={t('transfer.windowHours')} name="window_hours">
            <InputNumber min={1} max={24} step={1} placeholder={t('transfer.default')} />
          </Form.Item>
          <ConfirmButton type="primary" size="middle" title={t('transfer.confirmPlan')} onConfirm={submit}>
            {t('transfer.planButton')}
          </ConfirmButton>
        </Form>
      </Card>
      {plan && (
        <Card
          size="small"
          className="plan-summary"
          title={t('transfer.summary', { day: plan.service_day })}
          extra={
            <Button size="small" onClick={() => setPlan(null)}>
              {t('action.close')}
            </Button>
          }
        >
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <Alert
              type={plan.waiting.length > 0 ? 'warning' : 'success'}
              showIcon
              message={t('transfer.planned', {
                trips: plan.trips.length,
                moved: moved(plan),
                waiting: plan.waiting.length,
              })}
            />
            <Descriptions size="small" bordered column={{ xs: 1, md: 4 }}>
              <Descriptions.Item label={t('transfer.shift')}>
                {f.dateTime(plan.shift.start)} – {f.dateTime(plan.shift.end)}
              </Descriptions.Item>
              <Descriptions.Item label={t('transfer.toMove')}>{plan.passengers}</Descriptions.Item>
              <Descriptions.Item label={t('transfer.moved')}>{moved(plan)}</Descriptions.Item>
              <Descriptions.Item label={t('transfer.notMoved')}>{plan.waiting.length}</Descriptions.Item>
            </Descriptions>
            {plan.waiting.length > 0 && (
              <DataTable<Waiting>
                rows={plan.waiting}
                columns={waitingColumns}
                rowKey="placement_id"
                exportName={t('transfer.notMoved')}
              />
            )}
            <DataTable<PlannedTrip>
              rows={plan.trips}
              columns={tripColumns}
              rowKey="id"
              exportName={`${t('transfer.plan')}-${plan.service_day}`}
            />
          </Space>
        </Card>
      )}
    </Space>
  );
}

const VEHICLE_KEY = 'qingcang.vehicle';

/**
 * The trips with their passengers; for a driver (transfer.drive) the steps of each: depart, each passenger picked
 * up or not there, deliver, and the vehicle's disinfection after cases. A driver picks the vehicle (remembered in
 * this browser) and sees its day in order.
 */
function TripsView({
  version,
  mayDrive,
  onDone,
}: {
  version: number;
  mayDrive: boolean;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const [status, setStatus] = useState<string | undefined>();
  const [vehicleId, setVehicleIdState] = useState<number | undefined>(() => {
    const v = Number(window.localStorage.getItem(VEHICLE_KEY));
    return Number.isInteger(v) && v > 0 ? v : undefined;
  });
  const setVehicleId = (id: number | undefined) => {
    setVehicleIdState(id);
    if (id) window.localStorage.setItem(VEHICLE_KEY, String(id));
    else window.localStorage.removeItem(VEHICLE_KEY);
  };
  const vehicles = useApi<{ items: Vehicle[] }>('/api/transfer/vehicles', version);
  const known = vehicles.data?.items.some((v) => v.id === vehicleId) ?? true;
  const vehicle = known ? vehicleId : undefined;
  const res = useApi<TripsAnswer>(`/api/transfer/trips${query({ status, vehicle_id: vehicle })}`, version);
  const rows = res.data?.items ?? [];
  const who = (id: number) => personName(id) ?? t('command.personNo', { id });
  const step = (trip: Trip, path: string, body: unknown, done: (answer: never) => string) =>
    act(() => api<never>(`/api/transfer/trips/${trip.id}/${path}`, { method: 'POST', body }), done, onDone);
  const actions = (r: Trip) => {
    if (r.status === 'planned')
      return (
        <ConfirmButton
          key={`depart-${r.id}`}
          type="primary"
          title={t('transfer.departConfirm', { id: r.id, site: r.site })}
          onConfirm={() => step(r, 'depart', undefined, () => t('transfer.departed', { id: r.id }))}
        >
          {t('transfer.depart')}
        </ConfirmButton>
      );
    if (r.status === 'departed')
      return (
        <ConfirmButton
          key={`deliver-${r.id}`}
          type="primary"
          disabled={r.passengers.some((p) => p.status === 'assigned')}
          title={t('transfer.deliverConfirm', { site: r.site })}
          onConfirm={() =>
            step(r, 'deliver', { site_id: r.site_id }, (a: { delivered: number; no_show: number }) =>
              t('transfer.delivered', a),
            )
          }
        >
          {t('transfer.deliver')}
        </ConfirmButton>
      );
    if (r.status === 'delivered' && r.needs_disinfection && !r.disinfected_at)
      return (
        <ConfirmButton
          key={`disinfect-${r.id}`}
          title={t('transfer.disinfectConfirm')}
          onConfirm={() => step(r, 'disinfected', undefined, () => t('transfer.disinfected', { id: r.id }))}
        >
          {t('transfer.disinfect')}
        </ConfirmButton>
      );
    return null;
  };
  const columns: Column<Trip>[] = [
    { key: 'id', title: t('transfer.trip'), dataIndex: 'id', sorter: byNumber((r) => r.id) },
    { key: 'plate', title: t('transfer.plate'), dataIndex: 'plate', sorter: byString((r) => r.plate) },
    codedColumn({
      key: 'kind',
      title: t('transfer.vehicle'),
      field: 'kind',
      rows: rows,
      ns: 'vehicleKind',
      t,
    }),
    codedColumn({ key: 'class', title: t('transfer.class'), field: 'class', rows: rows, ns: 'tripClass', t }),
    { key: 'site', title: t('isolation.site'), dataIndex: 'site', sorter: byString((r) => r.site) },
    {
      key: 'status',
      title: t('transfer.status'),
      dataIndex: 'status',
      render: (v: string) => <StatusTag ns="tripStatus" value={v} colors={TRIP_COLOURS} />,
      exportValue: (r) => t(`tripStatus.${r.status}`, { defaultValue: r.status }),
    },
    {
      key: 'passengers',
      title: t('transfer.passengers'),
      // A finished trip says how it ended (delivered and not there), not how many it set out for.
      render: (_: unknown, r) => {
        if (r.status !== 'delivered') return r.passengers.length;
        const o = tripOutcome(r);
        return (
          <Tooltip title={t('transfer.outcomeHint', { ...o, total: r.passengers.length })}>
            {t('transfer.outcome', o)}
          </Tooltip>
        );
      },
      sorter: byNumber((r) => r.passengers.length),
      exportValue: (r) =>
        r.passengers
          .map((p) => personName(p.person_id) ?? t('command.personNo', { id: p.person_id }))
          .join('、'),
    },
    {
      key: 'sequence',
      title: t('transfer.sequence'),
      dataIndex: 'sequence',
      sorter: byNumber((r) => r.sequence),
    },
    {
      key: 'planned_start',
      title: t('transfer.start'),
      dataIndex: 'planned_start',
      render: f.dateTime,
      sorter: byString((r) => r.planned_start),
    },
    { key: 'departed_at', title: t('transfer.departedAt'), dataIndex: 'departed_at', render: f.dateTime },
    { key: 'delivered_at', title: t('transfer.deliveredAt'), dataIndex: 'delivered_at', render: f.dateTime },
    {
      key: 'disinfection',
      title: t('transfer.disinfection'),
      render: (_: unknown, r) =>
        !r.needs_disinfection ? (
          '—'
        ) : r.disinfected_at ? (
          <Tag color="green">{f.dateTime(r.disinfected_at)}</Tag>
        ) : r.status === 'delivered' ? (
          <Tag color="red">{t('transfer.needsDisinfection')}</Tag>
        ) : (
          <Tag>{t('transfer.disinfectAfter')}</Tag>
        ),
      exportValue: (r) => (r.needs_disinfection ? (r.disinfected_at ?? t('transfer.needsDisinfection')) : ''),
    },
    {
      key: 'reason',
      title: t('transfer.reason'),
      ellipsis: true,
      render: (_: unknown, r) => reasonText(r.reason_phrase, r.reason) || '—',
      exportValue: (r) => reasonText(r.reason_phrase, r.reason),
    },
    ...(mayDrive
      ? [
          {
            key: 'actions',
            title: t('transfer.actions'),
            fixed: 'right' as const,
            render: (_: unknown, r: Trip) => actions(r),
          },
        ]
      : []),
  ];
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {mayDrive && <Typography.Text type="secondary">{t('transfer.driverNote')}</Typography.Text>}
      <DataTable<Trip>
        rows={rows}
        columns={columns}
        rowKey="id"
        loading={res.loading}
        error={res.error}
        total={res.data?.total}
        serverExport={`/api/transfer/trips/export${query({ status })}`}
        exportName={t('transfer.trips')}
        expandable={{
          expandedRowRender: (trip) => (
            <Table<Passenger>
              size="small"
              rowKey="person_id"
              pagination={false}
              dataSource={trip.passengers}
              columns={[
                {
                  key: 'person_id',
                  title: t('tracing.person'),
                  dataIndex: 'person_id',
                  render: (v: number) => <PersonName id={v} />,
                },
                {
                  key: 'area_code',
                  title: t('common.areaName'),
                  dataIndex: 'area_code',
                  render: (v: string) => <AreaName code={v} />,
                },
                {
                  key: 'status',
                  title: t('transfer.status'),
                  dataIndex: 'status',
                  render: (v: string) => <StatusTag ns="passengerStatus" value={v} />,
                },
                ...(mayDrive && trip.status === 'departed'
                  ? [
                      {
                        key: 'actions',
                        title: t('transfer.actions'),
                        render: (_: unknown, p: Passenger) =>
                          p.status === 'assigned' ? (
                            <Space size={4}>
                              <Button
                                size="small"
                                type="primary"
                                onClick={() =>
                                  step(trip, 'pickup', { person_id: p.person_id }, () =>
                                    t('transfer.pickedUp', { name: who(p.person_id) }),
                                  )
                                }
                              >
                                {t('transfer.pickUp')}
                              </Button>
                              <ConfirmButton
                                danger
                                title={t('transfer.noShowConfirm', { name: who(p.person_id) })}
                                onConfirm={() =>
                                  step(trip, 'pickup', { person_id: p.person_id, no_show: true }, () =>
                                    t('transfer.noShowDone', { name: who(p.person_id) }),
                                  )
                                }
                              >
                                {t('transfer.noShow')}
                              </ConfirmButton>
                            </Space>
                          ) : null,
                      },
                    ]
                  : []),
              ]}
            />
          ),
        }}
        toolbar={
          <Space>
            <Select<number | 'all'>
              size="small"
              style={{ width: 220 }}
              className="vehicle-choice"
              value={vehicle ?? 'all'}
              showSearch
              optionFilterProp="label"
              onChange={(v) => setVehicleId(v === 'all' ? undefined : v)}
              options={[
                { value: 'all', label: t('transfer.allVehicles') },
                ...(vehicles.data?.items ?? []).map((v) => ({
                  value: v.id,
                  label: t('transfer.vehicleOption', { plate: v.plate, n: v.open_trips }),
                })),
              ]}
            />
            <AllOrCodeSelect
              ns="tripStatus"
              codes={['planned', 'departed', 'delivered']}
              size="small"
              style={{ width: 140 }}
              value={status}
              onChange={setStatus}
            />
          </Space>
        }
      />
    </Space>
  );
}

function ClocksView({ version }: { version: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [day, setDay] = useState(beijingToday());
  const res = useApi<TransferClocks>(`/api/transfer/clocks${query({ date: day })}`, version);
  const c = res.data;
  type Late = TransferClocks['late'][number];
  const columns: Column<Late>[] = [
    {
      key: 'placement_id',
      title: t('isolation.stayId'),
      dataIndex: 'placement_id',
      sorter: byNumber((r) => r.placement_id),
    },
    personColumn({ title: t('tracing.person'), get: (r) => r.person_id, t }),
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'found_at',
      title: t('tracing.foundAt'),
      dataIndex: 'found_at',
      render: f.dateTime,
      sorter: byString((r) => r.found_at),
    },
    { key: 'placed_at', title: t('isolation.placedAt'), dataIndex: 'placed_at', render: f.dateTime },
    {
      key: 'trip_status',
      title: t('transfer.passengerStatus'),
      dataIndex: 'trip_status',
      render: (v: string | null) =>
        v ? <StatusTag ns="passengerStatus" value={v} /> : <Tag color="red">{t('transfer.noTrip')}</Tag>,
      filters: [
        { text: t('transfer.noTrip'), value: 'none' },
        { text: t('passengerStatus.assigned'), value: 'assigned' },
        { text: t('passengerStatus.picked_up'), value: 'picked_up' },
      ],
      onFilter: (v, r) => (r.trip_status ?? 'none') === v,
      exportValue: (r) => (r.trip_status ? t(`passengerStatus.${r.trip_status}`) : t('transfer.noTrip')),
    },
  ];
  const legs = ['found_to_placed', 'found_to_picked_up', 'found_to_delivered'] as const;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <DayPicker day={day} onDay={setDay} />
      <ErrorAlert error={res.error} />
      <Row gutter={[12, 12]}>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic
              title={<FigureLabel k="placed_found_on_day" />}
              value={c?.people ?? '—'}
              loading={res.loading && !c}
            />
          </Card>
        </Col>
        {legs.map((leg) => (
          <Col xs={12} md={6} key={leg}>
            <Card size="small">
              <Statistic
                title={t(`transfer.${leg}`)}
                value={c ? `${c.minutes[leg].p50 ?? '—'} / ${c.minutes[leg].p90 ?? '—'}` : '—'}
                suffix={c ? t('transfer.minutes') : undefined}
                loading={res.loading && !c}
              />
            </Card>
          </Col>
        ))}
      </Row>
      <Card size="small" title={t('transfer.late')}>
        <Typography.Paragraph type="secondary">{t('transfer.lateNote')}</Typography.Paragraph>
        <DataTable<Late>
          rows={c?.late ?? []}
          columns={columns}
          rowKey="placement_id"
          loading={res.loading}
          error={res.error}
          total={c?.late_total}
          serverExport={`/api/transfer/late/export${query({ date: day })}`}
          exportName={`${t('transfer.late')}-${day}`}
        />
      </Card>
    </Space>
  );
}

/** The open trips with their passengers, and for a driver the steps of each. */
import { Button, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query } from '../../api.ts';
import type { Trip, TripsAnswer, Vehicle } from '../../contract.ts';
import { personName } from '../../person-names.ts';
import { reasonText } from '../../reason-text.ts';
import { AllOrCodeSelect } from '../filters.tsx';
import {
  AreaName,
  byNumber,
  byString,
  type Column,
  ConfirmButton,
  codedColumn,
  DataTable,
  PersonName,
  StatusTag,
  useAction,
  useApi,
  useFormat,
} from '../shared.tsx';

type Passenger = Trip['passengers'][number];

/** How a trip's passengers ended: delivered at the site, or not there at pickup (back in the queue). */
function tripOutcome(trip: { passengers: readonly { status: string }[] }) {
  return {
    delivered: trip.passengers.filter((p) => p.status === 'delivered').length,
    no_show: trip.passengers.filter((p) => p.status === 'no_show').length,
  };
}

const TRIP_COLOURS: Record<string, string> = { planned: 'blue', departed: 'orange', delivered: 'green' };

const VEHICLE_KEY = 'qingcang.vehicle';

/**
 * The trips with their passengers; for a driver (transfer.drive) the steps of each: depart, each passenger picked
 * up or not there, deliver, and the vehicle's disinfection after cases. A driver picks the vehicle (remembered in
 * this browser) and sees its day in order.
 */
export function TripsView({
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

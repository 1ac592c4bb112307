/**
 * The 清仓 board of a day: the day's figures, the turn-over time, the occupancy of the sites and the units
 * stuck in terminal disinfection (start and finish it with isolation.manage).
 */
import { Card, Col, Row, Space, Statistic, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, query } from '../../api.ts';
import type { Board, SiteOccupancy, StuckUnit, UnitDisinfection } from '../../contract.ts';
import {
  ACTIONS,
  byNumber,
  byString,
  type Column,
  ConfirmButton,
  codedColumn,
  DataTable,
  ErrorAlert,
  StatusTag,
  useAction,
  useApi,
  useFormat,
} from '../shared.tsx';

export function BoardView({
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

/**
 * 场所梯次: every quarantine site of the jurisdiction grouped by tier and, inside a tier, by status (储备 → 验收中 →
 * 启用 → 已满 → 关闭中 → 已关闭), with its kind and area in words, rooms and beds free/total, people held and when it
 * was accepted; the tiers the 3-day forecast proposes are marked. With isolation.manage, the steps the server says
 * a site may take now (开始验收, 验收通过启用, 关闭, 完成关闭), each confirmed; refusals are worded by errorText.
 * After a step the page's version is bumped, so the board and the forecast are asked for again.
 */
import { Alert, Button, Card, Empty, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { prefetchAreaNames } from '../area-names.ts';
import type { Site, SiteForecast, SiteStepAnswer, TierOpened } from '../contract.ts';
import { adviceLine, forecastAdvice } from '../forecast-advice.ts';
import {
  ACTIONS,
  areaColumn,
  byNumber,
  byString,
  type Column,
  ConfirmButton,
  ErrorAlert,
  exportXlsx,
  StatusTag,
  useAction,
  useApi,
  useFormat,
} from './shared.tsx';

/** A site as GET /api/isolation/sites lists it. */
export type SiteRow = Site;

/** The lifecycle order in which a tier's status groups are shown. */
const STATUS_ORDER = ['reserve', 'inspecting', 'active', 'full', 'closing', 'closed'];
const STATUS_COLORS: Record<string, string> = {
  reserve: 'default',
  inspecting: 'gold',
  active: 'green',
  full: 'red',
  closing: 'orange',
  closed: 'default',
};

const sum = (rows: readonly SiteRow[], get: (r: SiteRow) => number) => rows.reduce((n, r) => n + get(r), 0);

export default function SitesView({
  manage,
  version,
  onDone,
}: {
  manage: boolean;
  version: number;
  onDone: () => void;
}) {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const res = useApi<{ items: SiteRow[] }>('/api/isolation/sites', version);
  const fc = useApi<SiteForecast>('/api/isolation/forecast', version);
  const [exporting, setExporting] = useState(false);
  const rows = useMemo(() => res.data?.items ?? [], [res.data]);
  useEffect(() => prefetchAreaNames(rows.map((r) => r.area_code)), [rows]);
  const proposed = new Set((fc.data?.activate_tiers ?? []).filter((x) => x.rooms > 0).map((x) => x.tier));

  const units = (free: number, total: number, r: SiteRow): ReactNode => {
    if (total === 0) return '—';
    if (!r.takes_people)
      return (
        <Tooltip title={t('sites.notInService')}>
          <Typography.Text type="secondary">— / {total}</Typography.Text>
        </Tooltip>
      );
    return `${free} / ${total}`;
  };
  const unitsText = (free: number, total: number, r: SiteRow) =>
    total === 0 ? '' : r.takes_people ? `${free}/${total}` : `—/${total}`;

  const step = (r: SiteRow, s: 'inspect' | 'accept' | 'close') =>
    act(
      () => api<SiteStepAnswer>(`/api/isolation/sites/${r.id}/${s}`, { method: 'POST' }),
      (out) => t(`sites.done.${out.status}`, { name: r.name, defaultValue: out.status }),
      onDone,
    );

  /** The whole tier at once: its reserve and inspecting sites inspected and accepted (启用储备梯次). */
  const openTier = (tier: number) =>
    act(
      () => api<TierOpened>(`/api/isolation/tiers/${tier}/open`, { method: 'POST' }),
      (out) =>
        t('sites.tierOpened', { tier: out.tier, sites: out.sites.length, rooms: out.rooms, beds: out.beds }),
      onDone,
    );

  const actions = (r: SiteRow) => (
    <Space wrap size={4}>
      {r.next_steps.includes('inspect') && (
        <ConfirmButton
          title={t('sites.confirm.inspect', { name: r.name })}
          description={t('sites.confirm.inspectNote')}
          onConfirm={() => step(r, 'inspect')}
        >
          {t('sites.step.inspect')}
        </ConfirmButton>
      )}
      {r.next_steps.includes('accept') && (
        <ConfirmButton
          type="primary"
          title={t('sites.confirm.accept', { name: r.name })}
          description={t('sites.confirm.acceptNote', { rooms: r.rooms_total, beds: r.beds_total })}
          onConfirm={() => step(r, 'accept')}
        >
          {t('sites.step.accept')}
        </ConfirmButton>
      )}
      {r.next_steps.includes('close') &&
        (r.status === 'closing' ? (
          <ConfirmButton
            title={t('sites.confirm.finishClose', { name: r.name })}
            description={t('sites.confirm.finishCloseNote')}
            onConfirm={() => step(r, 'close')}
          >
            {t('sites.step.finishClose')}
          </ConfirmButton>
        ) : (
          <ConfirmButton
            danger
            title={t('sites.confirm.close', { name: r.name })}
            description={
              r.open_stays > 0
                ? t('sites.confirm.closeNoteOpen', { count: r.open_stays })
                : t('sites.confirm.closeNoteEmpty')
            }
            onConfirm={() => step(r, 'close')}
          >
            {t('sites.step.close')}
          </ConfirmButton>
        ))}
      {r.next_steps.length === 0 && '—'}
    </Space>
  );

  const columns: Column<SiteRow>[] = [
    { key: 'name', title: t('sites.col.name'), dataIndex: 'name', sorter: byString((r) => r.name) },
    {
      key: 'kind',
      title: t('sites.col.kind'),
      dataIndex: 'kind',
      render: (v: string) => t(`siteKind.${v}`, { defaultValue: v }),
      exportValue: (r) => t(`siteKind.${r.kind}`, { defaultValue: r.kind }),
    },
    areaColumn({ key: 'area', title: t('sites.col.area'), get: (r) => r.area_code }),
    {
      key: 'rooms',
      title: t('sites.col.rooms'),
      render: (_: unknown, r) => units(r.rooms_free, r.rooms_total, r),
      exportValue: (r) => unitsText(r.rooms_free, r.rooms_total, r),
      sorter: byNumber((r) => r.rooms_total),
    },
    {
      key: 'beds',
      title: t('sites.col.beds'),
      render: (_: unknown, r) => units(r.beds_free, r.beds_total, r),
      exportValue: (r) => unitsText(r.beds_free, r.beds_total, r),
      sorter: byNumber((r) => r.beds_total),
    },
    {
      key: 'open_stays',
      title: t('sites.col.openStays'),
      dataIndex: 'open_stays',
      sorter: byNumber((r) => r.open_stays),
    },
    {
      key: 'accepted_at',
      title: t('sites.col.acceptedAt'),
      dataIndex: 'accepted_at',
      render: f.dateTime,
      exportValue: (r) => (r.accepted_at ? f.dateTime(r.accepted_at) : ''),
      sorter: byString((r) => r.accepted_at),
    },
    ...(manage
      ? [
          {
            key: ACTIONS,
            title: t('action.actions'),
            render: (_: unknown, r: SiteRow) => actions(r),
          } satisfies Column<SiteRow>,
        ]
      : []),
  ];
  /** The spreadsheet: every site, with its tier and status as columns. */
  const exportColumns: Column<SiteRow>[] = [
    { key: 'tier', title: t('sites.col.tier'), dataIndex: 'tier' },
    {
      key: 'status',
      title: t('sites.col.status'),
      dataIndex: 'status',
      exportValue: (r) => t(`siteStatus.${r.status}`, { defaultValue: r.status }),
    },
    ...columns.filter((c) => c.key !== ACTIONS),
    { key: 'address', title: t('sites.col.address'), dataIndex: 'address' },
  ];

  const toOpen = (sites: SiteRow[]) =>
    sites.filter((r) => r.status === 'reserve' || r.status === 'inspecting');
  const tiers = useMemo(() => {
    const by = new Map<number, SiteRow[]>();
    for (const r of rows) by.set(r.tier, [...(by.get(r.tier) ?? []), r]);
    return [...by.entries()].sort((a, b) => a[0] - b[0]);
  }, [rows]);

  const fcData = fc.data;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} className="sites-view">
      <Typography.Text type="secondary">{t('sites.intro')}</Typography.Text>
      {fcData && fcData.rooms.short > 0 && (
        <Alert
          type="warning"
          showIcon
          className="sites-advice"
          message={adviceLine(t, forecastAdvice(fcData).rooms, i18n.language)}
          description={manage && proposed.size > 0 ? t('sites.openTierHint') : undefined}
        />
      )}
      <ErrorAlert error={res.error} />
      <Space wrap style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Text type="secondary">
          {t('sites.tierSummary', {
            roomsFree: sum(rows, (r) => r.rooms_free),
            roomsTotal: sum(rows, (r) => r.rooms_total),
            bedsFree: sum(rows, (r) => r.beds_free),
            bedsTotal: sum(rows, (r) => r.beds_total),
          })}
        </Typography.Text>
        <Button
          size="small"
          loading={exporting}
          disabled={rows.length === 0}
          onClick={async () => {
            setExporting(true);
            try {
              await exportXlsx(t('sites.exportName'), t('sites.exportName'), exportColumns, rows);
            } finally {
              setExporting(false);
            }
          }}
        >
          {t('table.export')}
        </Button>
      </Space>
      {res.loading && !res.data && <Card loading size="small" />}
      {res.data && rows.length === 0 && <Empty description={t('sites.empty')} />}
      {tiers.map(([tier, sites]) => {
        const reserve = sites.filter((r) => r.status === 'reserve');
        const groups = STATUS_ORDER.concat(
          [...new Set(sites.map((r) => r.status))].filter((s) => !STATUS_ORDER.includes(s)),
        )
          .map((status) => [status, sites.filter((r) => r.status === status)] as const)
          .filter(([, g]) => g.length > 0);
        return (
          <Card
            key={tier}
            size="small"
            className="site-tier"
            data-tier={tier}
            title={
              <Space wrap>
                <span>{t('sites.tier', { tier })}</span>
                <Tag>{t('sites.sitesCount', { count: sites.length })}</Tag>
                {proposed.has(tier) && <Tag color="red">{t('sites.recommended')}</Tag>}
                {manage && toOpen(sites).length > 0 && (
                  <ConfirmButton
                    type={proposed.has(tier) ? 'primary' : 'default'}
                    title={t('sites.confirm.openTier', { tier, sites: toOpen(sites).length })}
                    description={t('sites.confirm.openTierNote', {
                      rooms: sum(toOpen(sites), (r) => r.rooms_total),
                      beds: sum(toOpen(sites), (r) => r.beds_total),
                    })}
                    onConfirm={() => openTier(tier)}
                  >
                    {t('sites.step.openTier')}
                  </ConfirmButton>
                )}
              </Space>
            }
            extra={
              <Typography.Text type="secondary" className="tier-summary">
                {t('sites.tierSummary', {
                  roomsFree: sum(sites, (r) => r.rooms_free),
                  roomsTotal: sum(sites, (r) => r.rooms_total),
                  bedsFree: sum(sites, (r) => r.beds_free),
                  bedsTotal: sum(sites, (r) => r.beds_total),
                })}
              </Typography.Text>
            }
          >
            <Space direction="vertical" size="small" style={{ width: '100%' }}>
              {reserve.length > 0 && (
                <Typography.Text type="secondary">
                  {t('sites.reserveRooms', {
                    sites: reserve.length,
                    rooms: sum(reserve, (r) => r.rooms_total),
                    beds: sum(reserve, (r) => r.beds_total),
                  })}
                </Typography.Text>
              )}
              {groups.map(([status, group]) => (
                <div key={status} className="site-status-group" data-status={status}>
                  <Space style={{ marginBottom: 4 }}>
                    <StatusTag ns="siteStatus" value={status} colors={STATUS_COLORS} />
                    <Typography.Text type="secondary">
                      {t('sites.groupSummary', {
                        count: group.length,
                        roomsFree: sum(group, (r) => r.rooms_free),
                        roomsTotal: sum(group, (r) => r.rooms_total),
                        bedsFree: sum(group, (r) => r.beds_free),
                        bedsTotal: sum(group, (r) => r.beds_total),
                      })}
                    </Typography.Text>
                  </Space>
                  <Table<SiteRow>
                    size="small"
                    rowKey="id"
                    dataSource={group}
                    columns={columns}
                    scroll={{ x: 'max-content' }}
                    pagination={{ pageSize: 20, hideOnSinglePage: true }}
                  />
                </div>
              ))}
            </Space>
          </Card>
        );
      })}
    </Space>
  );
}

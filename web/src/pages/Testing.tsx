/**
 * 核酸检测: the rounds, a round's coverage per area with the four stage clocks (采、送、检、报) drilled down from
 * district to grid, the door-knocking list of a grid (unsampled residents by household, special groups
 * flagged) and the sampling points.
 *
 * Where: testing/RoundDetail.tsx (a round's card and tabs, 结束本轮), testing/Coverage.tsx (the coverage
 * drill-down and stage clocks), testing/Unsampled.tsx (the door-knocking list, special groups),
 * testing/Points.tsx (the sampling points); starting a round is NewRound.tsx, the scan file ScanFile.tsx.
 * This file holds the page and the rounds' table.
 */
import { Card, Space, Tooltip, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Me } from '../api.ts';
import { areaFullName, areaName } from '../area-names.ts';
import type { TestingRound as Round } from '../contract.ts';
import { NewRound } from './NewRound.tsx';
import {
  byNumber,
  byString,
  type Column,
  DataTable,
  filtersFrom,
  StatusTag,
  useApi,
  useFormat,
} from './shared.tsx';
import { ROUND_COLOURS, RoundDetail } from './testing/RoundDetail.tsx';

export { groupsOf } from './testing/Unsampled.tsx';

export default function TestingPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const f = useFormat();
  const rounds = useApi<{ items: Round[]; total: number }>('/api/testing/rounds');
  const [selected, setSelected] = useState<Round | null>(null);
  // A round just started is selected once the list has it.
  const startedRef = useRef<number | null>(null);
  const items = rounds.data?.items ?? [];
  useEffect(() => {
    const started = startedRef.current === null ? undefined : items.find((r) => r.id === startedRef.current);
    if (started) {
      startedRef.current = null;
      setSelected(started);
    } else if (!selected && items[0]) setSelected(items[0]);
    else if (selected) {
      // The list reloaded (a round closed): show the selected round as the server has it now.
      const fresh = items.find((r) => r.id === selected.id);
      if (fresh && fresh !== selected) setSelected(fresh);
    }
  }, [items, selected]);

  const columns: Column<Round>[] = [
    { key: 'id', title: t('testing.id'), dataIndex: 'id', sorter: byNumber((r) => r.id), width: 70 },
    { key: 'name', title: t('round.name'), dataIndex: 'name', sorter: byString((r) => r.name) },
    {
      key: 'status',
      title: t('round.status'),
      dataIndex: 'status',
      filters: filtersFrom(
        items,
        (r) => r.status,
        (v) => t(`roundStatus.${v}`, { defaultValue: v }),
      ),
      onFilter: (v, r) => r.status === v,
      render: (v: string) => <StatusTag ns="roundStatus" value={v} colors={ROUND_COLOURS} />,
      exportValue: (r) => t(`roundStatus.${r.status}`, { defaultValue: r.status }),
    },
    {
      key: 'starts_at',
      title: t('round.starts'),
      dataIndex: 'starts_at',
      sorter: byString((r) => r.starts_at),
      render: f.dateTime,
    },
    {
      key: 'deadline_at',
      title: t('round.deadline'),
      dataIndex: 'deadline_at',
      sorter: byString((r) => r.deadline_at),
      defaultSortOrder: undefined,
      render: f.dateTime,
    },
    {
      key: 'areas',
      title: t('testing.roundAreas'),
      dataIndex: 'areas',
      render: (a: string[]) => (
        <Tooltip title={a.map(areaFullName).join('，')}>
          {a.slice(0, 3).map(areaName).join('，')}
          {a.length > 3 ? t('testing.moreAreas', { count: a.length }) : ''}
        </Tooltip>
      ),
      exportValue: (r) => r.areas.map(areaFullName).join('，'),
    },
  ];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('testing.title')}
      </Typography.Title>
      <Card size="small" title={t('testing.rounds')}>
        <DataTable<Round>
          rows={items}
          columns={columns}
          rowKey="id"
          loading={rounds.loading}
          error={rounds.error}
          exportName={t('testing.rounds')}
          total={rounds.data?.total}
          serverExport="/api/testing/rounds/export"
          onRowClick={setSelected}
          selectedKey={selected?.id ?? null}
          pageSize={10}
          toolbar={<Typography.Text type="secondary">{t('testing.pickRound')}</Typography.Text>}
        />
      </Card>
      {me.permissions.includes('testing.manage') && (
        <NewRound
          me={me}
          onStarted={(id) => {
            startedRef.current = id;
            rounds.reload();
          }}
        />
      )}
      {selected && <RoundDetail key={selected.id} round={selected} me={me} onChanged={rounds.reload} />}
    </Space>
  );
}

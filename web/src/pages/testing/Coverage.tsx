/** A round's coverage per area, drilled down from district to grid, with the four stage clocks (采、送、检、报). */
import { Breadcrumb, Button, Descriptions, Progress, Space, Tag, Tooltip, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { query } from '../../api.ts';
import type {
  AreaCoverage,
  AreaDetail,
  Coverage,
  TestingRound as Round,
  StageClock,
} from '../../contract.ts';
import { byNumber, byString, type Column, DataTable, useApi, useFormat } from '../shared.tsx';

const STAGES = ['collect', 'transport', 'test', 'report'] as const;
const STAGE_COLOURS: Record<string, string> = { done: 'green', on_time: 'blue', late: 'red' };

/** The area a round's coverage starts from: the parent of its single area, else the user's jurisdiction. */
function startArea(round: Round, jurisdiction: string): string {
  const PARENT: Record<number, number> = { 4: 2, 6: 4, 9: 6, 12: 9, 15: 12 };
  if (round.areas.length === 1) {
    const a = round.areas[0] as string;
    const p = PARENT[a.length];
    if (p && a.slice(0, p).startsWith(jurisdiction)) return a.slice(0, p);
    return a;
  }
  return jurisdiction || (round.areas[0] as string).slice(0, 2);
}

function StageCell({ s }: { s: StageClock | undefined }) {
  const { t } = useTranslation();
  const f = useFormat();
  if (!s) return <>—</>;
  return (
    <Tooltip title={`${t('testing.due')}: ${f.dateTime(s.due_at)}`}>
      <Space size={4}>
        <span>
          {s.done}/{s.total}
        </span>
        <Tag color={STAGE_COLOURS[s.status]}>{t(`stageStatus.${s.status}`)}</Tag>
      </Space>
    </Tooltip>
  );
}

export function CoverageView({
  round,
  jurisdiction,
  onKnock,
}: {
  round: Round;
  jurisdiction: string;
  onKnock?: (code: string) => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const [trail, setTrail] = useState<{ code: string; name: string }[]>(() => [
    { code: startArea(round, jurisdiction), name: '' },
  ]);
  const parent = trail[trail.length - 1] as { code: string; name: string };
  const cov = useApi<Coverage>(`/api/testing/rounds/${round.id}/coverage${query({ area: parent.code })}`);
  const rootName = useApi<AreaDetail>(`/api/areas/${trail[0]?.code}`);
  const rows = cov.data?.items ?? [];

  // The API lists every child area; those outside the round's areas are marked and left out of the totals.
  const inRound = (code: string) => round.areas.some((a) => code.startsWith(a) || a.startsWith(code));
  const totals = useMemo(() => {
    const sum = (k: keyof AreaCoverage) =>
      rows
        .filter((r) => round.areas.some((a) => r.code.startsWith(a)))
        .reduce((a, r) => a + (r[k] as number), 0);
    return {
      residents: sum('residents'),
      sampled: sum('sampled'),
      resulted: sum('resulted'),
      positive: sum('positive_tubes'),
    };
  }, [rows, round.areas]);

  const stageCol = (stage: (typeof STAGES)[number]): Column<AreaCoverage> => ({
    key: `stage_${stage}`,
    title: t(`stage.${stage}`),
    render: (_: unknown, r) => <StageCell s={r.stages.find((s) => s.stage === stage)} />,
    filters: ['done', 'on_time', 'late'].map((v) => ({ text: t(`stageStatus.${v}`), value: v })),
    onFilter: (v, r) => r.stages.find((s) => s.stage === stage)?.status === v,
    exportValue: (r) => {
      const s = r.stages.find((x) => x.stage === stage);
      return s ? `${s.done}/${s.total} ${t(`stageStatus.${s.status}`)}` : '';
    },
  });

  const columns: Column<AreaCoverage>[] = [
    {
      // By name (the code on hover, as everywhere an area is named), sorted in code order.
      key: 'name',
      title: t('common.areaName'),
      dataIndex: 'name',
      sorter: byString((r) => r.code),
      render: (v: string, r) => (
        <Tooltip title={r.code}>
          {r.code.length < 15 ? (
            <Typography.Link
              onClick={(e) => {
                e.stopPropagation();
                setTrail([...trail, { code: r.code, name: r.name }]);
              }}
            >
              {v}
            </Typography.Link>
          ) : (
            v
          )}
        </Tooltip>
      ),
    },
    {
      key: 'in_round',
      title: t('testing.inRound'),
      filters: [
        { text: t('testing.inRound'), value: 'yes' },
        { text: t('testing.notInRound'), value: 'no' },
      ],
      defaultFilteredValue: ['yes'],
      onFilter: (v, r) => (v === 'yes') === inRound(r.code),
      render: (_: unknown, r) =>
        inRound(r.code) ? (
          <Tag color="blue">{t('testing.inRound')}</Tag>
        ) : (
          <Tag>{t('testing.notInRound')}</Tag>
        ),
      exportValue: (r) => (inRound(r.code) ? t('testing.inRound') : t('testing.notInRound')),
    },
    {
      key: 'residents',
      title: t('testing.residents'),
      dataIndex: 'residents',
      sorter: byNumber((r) => r.residents),
    },
    { key: 'sampled', title: t('testing.sampled'), dataIndex: 'sampled', sorter: byNumber((r) => r.sampled) },
    {
      key: 'rate',
      title: t('testing.rate'),
      sorter: byNumber((r) => (r.residents ? r.sampled / r.residents : -1)),
      render: (_: unknown, r) =>
        r.residents > 0 ? (
          <Progress
            percent={Math.round((1000 * r.sampled) / r.residents) / 10}
            size="small"
            style={{ width: 110, margin: 0 }}
          />
        ) : (
          '—'
        ),
      exportValue: (r) => f.percent(r.sampled, r.residents),
    },
    {
      key: 'resulted',
      title: t('testing.resulted'),
      dataIndex: 'resulted',
      sorter: byNumber((r) => r.resulted),
    },
    { key: 'tubes', title: t('testing.tubes'), dataIndex: 'tubes', sorter: byNumber((r) => r.tubes) },
    {
      key: 'positive_tubes',
      title: t('testing.positiveTubes'),
      dataIndex: 'positive_tubes',
      sorter: byNumber((r) => r.positive_tubes),
      render: (v: number) => (v > 0 ? <Tag color="red">{v}</Tag> : v),
    },
    ...STAGES.map(stageCol),
    {
      key: 'last_scan_at',
      title: t('testing.lastScan'),
      dataIndex: 'last_scan_at',
      render: f.dateTime,
      sorter: byString((r) => r.last_scan_at),
    },
    {
      key: 'last_result_at',
      title: t('testing.lastResult'),
      dataIndex: 'last_result_at',
      render: f.dateTime,
      sorter: byString((r) => r.last_result_at),
    },
    ...(onKnock
      ? [
          {
            key: 'knock',
            title: t('testing.knock'),
            render: (_: unknown, r: AreaCoverage) =>
              r.residents > r.sampled ? (
                <Button
                  size="small"
                  onClick={(e) => {
                    e.stopPropagation();
                    onKnock(r.code);
                  }}
                >
                  {t('testing.knockList')}
                </Button>
              ) : null,
            exportValue: () => null,
          } satisfies Column<AreaCoverage>,
        ]
      : []),
  ];

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Breadcrumb
        items={trail.map((a, i) => ({
          title:
            i < trail.length - 1 ? (
              <Typography.Link onClick={() => setTrail(trail.slice(0, i + 1))}>
                {i === 0 ? (rootName.data?.name ?? a.code) : a.name}
              </Typography.Link>
            ) : (
              <span>{i === 0 ? (rootName.data?.name ?? a.code) : a.name}</span>
            ),
        }))}
      />
      {cov.data && (
        <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 5 }} bordered>
          <Descriptions.Item label={t('round.deadline')}>
            {f.dateTime(cov.data.round.deadline_at)}
          </Descriptions.Item>
          <Descriptions.Item label={t('testing.hoursLeft')}>
            {round.status === 'closed' ? (
              <Tag color="green">{t('roundStatus.closed')}</Tag>
            ) : cov.data.round.hours_left > 0 ? (
              cov.data.round.hours_left.toFixed(1)
            ) : (
              <Tag color="red">{t('testing.overdue')}</Tag>
            )}
          </Descriptions.Item>
          <Descriptions.Item label={`${t('testing.residents')} (${t('testing.inRound')})`}>
            {f.number(totals.residents)}
          </Descriptions.Item>
          <Descriptions.Item label={t('testing.sampled')}>
            {f.number(totals.sampled)} ({f.percent(totals.sampled, totals.residents)})
          </Descriptions.Item>
          <Descriptions.Item label={t('testing.positiveTubes')}>
            {f.number(totals.positive)}
          </Descriptions.Item>
        </Descriptions>
      )}
      <DataTable<AreaCoverage>
        rows={rows}
        columns={columns}
        rowKey="code"
        loading={cov.loading}
        error={cov.error}
        exportName={`${t('testing.coverage')}-${round.id}-${parent.code}`}
        toolbar={<Typography.Text type="secondary">{t('testing.drill')}</Typography.Text>}
      />
    </Space>
  );
}

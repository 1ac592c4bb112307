/**
 * 核酸检测: the rounds, a round's coverage per area with the four stage clocks (采、送、检、报) drilled down from
 * district to grid, the door-knocking list of a grid (unsampled residents by household, special groups
 * flagged) and the sampling points.
 */
import {
  Alert,
  Breadcrumb,
  Button,
  Card,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Popconfirm,
  Progress,
  Space,
  Table,
  Tabs,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Me, query } from '../api.ts';
import { areaFullName, areaName } from '../area-names.ts';
import type {
  AreaCoverage,
  AreaDetail,
  ClosedRound,
  Coverage,
  Household,
  TestingRound as Round,
  SamplingPoint,
  StageClock,
} from '../contract.ts';
import { NewRound } from './NewRound.tsx';
import { ScanFileView } from './ScanFile.tsx';
import {
  AreaName,
  areaColumn,
  byNumber,
  byString,
  type Column,
  DataTable,
  filtersFrom,
  StatusTag,
  useAction,
  useApi,
  useFormat,
} from './shared.tsx';

type Member = Household['members'][number];

const STAGES = ['collect', 'transport', 'test', 'report'] as const;
const STAGE_COLOURS: Record<string, string> = { done: 'green', on_time: 'blue', late: 'red' };
const ROUND_COLOURS: Record<string, string> = { active: 'processing', planned: 'default', closed: 'green' };

function ageOn(birth: string, today: Date): number {
  const [y, m, d] = birth.split('-').map(Number) as [number, number, number];
  let age = today.getFullYear() - y;
  if (today.getMonth() + 1 < m || (today.getMonth() + 1 === m && today.getDate() < d)) age -= 1;
  return age;
}

/** The special groups of a member as the registry defines them: elderly 60+, child under 14, and the flags. */
export function groupsOf(m: Member, today: Date): string[] {
  const out: string[] = [];
  const age = ageOn(m.birth_date, today);
  if (age >= 60) out.push('elderly');
  if (age < 14) out.push('child');
  if (m.pregnant) out.push('pregnant');
  if (m.disabled) out.push('disabled');
  if (m.chronic_illness) out.push('chronic_illness');
  return out;
}

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

/** 结束本轮: with a reason; sampling ends and later scans are refused. */
function CloseRound({ round, onClosed }: { round: Round; onClosed: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [reason, setReason] = useState('');
  return (
    <Popconfirm
      title={t('testing.closeTitle', { name: round.name })}
      description={
        <Space direction="vertical" style={{ width: 320 }}>
          <Typography.Text type="secondary">{t('testing.closeNote')}</Typography.Text>
          <Input
            aria-label={t('testing.closeReason')}
            placeholder={t('testing.closeReason')}
            value={reason}
            maxLength={500}
            onChange={(e) => setReason(e.target.value)}
          />
        </Space>
      }
      okText={t('action.confirm')}
      cancelText={t('action.cancel')}
      okButtonProps={{ danger: true, disabled: reason.trim().length < 2 }}
      onConfirm={() =>
        act(
          () =>
            api<ClosedRound>(`/api/testing/rounds/${round.id}/close`, {
              method: 'POST',
              body: { reason: reason.trim() },
            }),
          () => t('testing.closed', { name: round.name }),
          onClosed,
        )
      }
    >
      <Button size="small" danger>
        {t('testing.close')}
      </Button>
    </Popconfirm>
  );
}

function RoundDetail({ round, me, onChanged }: { round: Round; me: Me; onChanged: () => void }) {
  const { t } = useTranslation();
  const [knockArea, setKnockArea] = useState<string>('');
  const [tab, setTab] = useState('coverage');
  const mayPeople = me.permissions.includes('person.read');
  return (
    <Card
      size="small"
      title={
        <Space>
          {t('testing.round')} #{round.id} · {round.name}
          <StatusTag ns="roundStatus" value={round.status} colors={ROUND_COLOURS} />
          {round.status === 'closed' && round.close_reason && (
            <Typography.Text type="secondary">
              {t('testing.closedBecause', { reason: round.close_reason })}
            </Typography.Text>
          )}
        </Space>
      }
      extra={
        round.status === 'active' && me.permissions.includes('testing.manage') ? (
          <CloseRound round={round} onClosed={onChanged} />
        ) : undefined
      }
    >
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          {
            key: 'coverage',
            label: t('testing.coverage'),
            children: (
              <CoverageView
                round={round}
                jurisdiction={me.jurisdiction}
                onKnock={
                  mayPeople
                    ? (code) => {
                        setKnockArea(code);
                        setTab('unsampled');
                      }
                    : undefined
                }
              />
            ),
          },
          ...(mayPeople
            ? [
                {
                  key: 'unsampled',
                  label: t('testing.unsampled'),
                  children: <UnsampledView round={round} area={knockArea} onArea={setKnockArea} />,
                },
              ]
            : []),
          { key: 'points', label: t('testing.points'), children: <PointsView round={round} /> },
          ...(me.permissions.includes('testing.sample')
            ? [{ key: 'scan-file', label: t('scanFile.tab'), children: <ScanFileView round={round} /> }]
            : []),
        ]}
      />
    </Card>
  );
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

function CoverageView({
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

function UnsampledView({ round, area, onArea }: { round: Round; area: string; onArea: (a: string) => void }) {
  const { t } = useTranslation();
  const [limit, setLimit] = useState(200);
  const [form] = Form.useForm<{ area: string; limit: number }>();
  useEffect(() => form.setFieldsValue({ area, limit }), [area, limit, form]);
  const path = area ? `/api/testing/rounds/${round.id}/unsampled${query({ area, limit })}` : null;
  const res = useApi<{ items: Household[] }>(path);
  const rows = res.data?.items ?? [];
  const today = new Date();

  const columns: Column<Household>[] = [
    {
      key: 'household_id',
      title: t('testing.household'),
      dataIndex: 'household_id',
      sorter: byNumber((r) => r.household_id),
    },
    { key: 'address', title: t('people.address'), dataIndex: 'address', sorter: byString((r) => r.address) },
    {
      key: 'members',
      title: t('testing.members'),
      render: (_: unknown, r) => r.members.length,
      sorter: byNumber((r) => r.members.length),
      exportValue: (r) => r.members.length,
    },
    {
      key: 'names',
      title: t('people.name'),
      render: (_: unknown, r) => r.members.map((m) => m.name).join('、'),
      exportValue: (r) => r.members.map((m) => m.name).join('、'),
    },
    {
      key: 'groups',
      title: t('people.groups'),
      filters: ['elderly', 'child', 'pregnant', 'disabled', 'chronic_illness'].map((g) => ({
        text: t(`group.${g}`),
        value: g,
      })),
      onFilter: (v, r) => r.members.some((m) => groupsOf(m, today).includes(v as string)),
      render: (_: unknown, r) => {
        const gs = [...new Set(r.members.flatMap((m) => groupsOf(m, today)))];
        return gs.map((g) => (
          <Tag color="orange" key={g}>
            {t(`group.${g}`)}
          </Tag>
        ));
      },
      exportValue: (r) =>
        [...new Set(r.members.flatMap((m) => groupsOf(m, today)))].map((g) => t(`group.${g}`)).join('、'),
    },
  ];

  const memberColumns = [
    { key: 'name', title: t('people.name'), dataIndex: 'name' },
    { key: 'age', title: t('people.age'), render: (_: unknown, m: Member) => ageOn(m.birth_date, today) },
    {
      key: 'area',
      title: t('common.areaName'),
      dataIndex: 'area_code',
      render: (v: string) => <AreaName code={v} />,
    },
    {
      key: 'groups',
      title: t('people.groups'),
      render: (_: unknown, m: Member) =>
        groupsOf(m, today).map((g) => (
          <Tag color="orange" key={g}>
            {t(`group.${g}`)}
          </Tag>
        )),
    },
    {
      key: 'risk',
      title: t('people.risk'),
      dataIndex: 'risk_status',
      render: (v: string) => t(`risk.${v}`, { defaultValue: v }),
    },
  ];

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Form
        form={form}
        layout="inline"
        initialValues={{ area, limit }}
        onFinish={(v) => {
          onArea(v.area.trim());
          setLimit(v.limit);
        }}
        style={{ rowGap: 8 }}
      >
        <Form.Item
          label={t('testing.knockArea')}
          name="area"
          rules={[{ required: true, pattern: /^\d{6,15}$/, message: t('testing.areaRule') }]}
        >
          <Input allowClear placeholder="220202001001001" style={{ width: 200 }} />
        </Form.Item>
        <Form.Item label={t('testing.households')} name="limit">
          <InputNumber min={1} max={2000} style={{ width: 100 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('people.search')}
        </Button>
      </Form>
      {!area && <Alert type="info" showIcon message={t('testing.knockHint')} />}
      {area && (
        <DataTable<Household>
          rows={rows}
          columns={columns}
          rowKey="household_id"
          loading={res.loading}
          error={res.error}
          capped={limit}
          serverExport={`/api/testing/rounds/${round.id}/unsampled/export${query({ area })}`}
          exportName={`${t('testing.unsampled')}-${round.id}-${area}`}
          expandable={{
            expandedRowRender: (h) => (
              <Table<Member>
                size="small"
                rowKey="id"
                pagination={false}
                dataSource={h.members}
                columns={memberColumns}
              />
            ),
          }}
          toolbar={
            <Typography.Text type="secondary">
              {t('testing.unsampledPeople', { count: rows.reduce((a, h) => a + h.members.length, 0) })}
            </Typography.Text>
          }
        />
      )}
    </Space>
  );
}

function PointsView({ round }: { round: Round }) {
  const { t } = useTranslation();
  const res = useApi<{ items: SamplingPoint[] }>(`/api/testing/rounds/${round.id}/points`);
  const rows = res.data?.items ?? [];
  const columns: Column<SamplingPoint>[] = [
    { key: 'id', title: t('testing.id'), dataIndex: 'id', sorter: byNumber((r) => r.id) },
    { key: 'name', title: t('testing.pointName'), dataIndex: 'name', sorter: byString((r) => r.name) },
    {
      ...areaColumn<SamplingPoint>({ title: t('common.areaName'), get: (r) => r.area_code }),
      filters: filtersFrom(
        rows,
        (r) => r.area_code.slice(0, 12),
        (v) => areaName(v),
      ),
      onFilter: (v, r) => r.area_code.startsWith(v as string),
    },
    {
      key: 'samplers',
      title: t('testing.samplers'),
      dataIndex: 'samplers',
      sorter: byNumber((r) => r.samplers),
    },
  ];
  return (
    <DataTable<SamplingPoint>
      rows={rows}
      columns={columns}
      rowKey="id"
      loading={res.loading}
      error={res.error}
      exportName={`${t('testing.points')}-${round.id}`}
      toolbar={
        <Typography.Text type="secondary">
          {t('testing.samplersTotal', { count: rows.reduce((a, p) => a + p.samplers, 0) })}
        </Typography.Text>
      }
    />
  );
}

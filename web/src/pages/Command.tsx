/**
 * 指挥调度: zones (封控/管控/防范 or 高/中/低风险) with their lifting readiness, the zone governing an area,
 * suggested upgrades, leaders and their patches (包保), today's responsibility list with owners and escalation,
 * the follow-up tasks, and the daily report (每日通报) with its Markdown, HTML and XLSX downloads in Chinese and
 * English. Actions, each shown only with its permission: set, change and lift zones (zone.manage), add a leader
 * (leader.manage), complete a task (task.complete).
 */
import {
  Alert,
  Button,
  Card,
  Col,
  DatePicker,
  Descriptions,
  Form,
  Input,
  List,
  Modal,
  Row,
  Select,
  Space,
  Statistic,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { REPORT_FIGURES } from '../../../src/domain/figure-names.ts';
import { AreaPicker } from '../AreaPicker.tsx';
import { api, type Me, query } from '../api.ts';
import { areaFullName, areaName, loadAreaNames } from '../area-names.ts';
import type {
  DailyReport,
  EffectiveZone as EffectiveZoneAnswer,
  Leader,
  ResponsibilityItem as RespItem,
  ResponsibilityAnswer,
  ZoneSuggestion as Suggestion,
  Task,
  TasksAnswer,
  Zone,
  ZoneLevel,
  ZoneOnly,
} from '../contract.ts';
import { FigureLabel } from '../figure-label.tsx';
import { reasonText } from '../reason-text.ts';
import {
  ACTIONS,
  AreaName,
  areaColumn,
  beijingToday,
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
  usePermissions,
  useVersion,
} from './shared.tsx';

const MARCH_LEVELS: ZoneLevel[] = ['lockdown', 'control', 'prevention'];
const JUNE_LEVELS: ZoneLevel[] = ['high', 'medium', 'low'];
const LEADER_FUNCTIONS = [
  'all',
  'testing',
  'tracing',
  'isolation',
  'transfer',
  'supply',
  'community_control',
] as const;

export const ZONE_COLOURS: Record<string, string> = {
  lockdown: 'red',
  control: 'orange',
  prevention: 'blue',
  high: 'red',
  medium: 'orange',
  low: 'blue',
};

/** What a view needs to act: who may do what, the data version and how to bump it. */
interface Acting {
  may: (permission: string) => boolean;
  version: number;
  bump: () => void;
}

export default function CommandPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const may = usePermissions(me);
  const [version, bump] = useVersion();
  const acting: Acting = { may, version, bump };
  const items = [
    ...(may('zone.read')
      ? [{ key: 'zones', label: t('command.zones'), children: <ZonesView acting={acting} /> }]
      : []),
    ...(may('zone.read')
      ? [{ key: 'leaders', label: t('command.leaders'), children: <LeadersView acting={acting} /> }]
      : []),
    ...(may('task.read')
      ? [
          {
            key: 'responsibility',
            label: t('command.responsibility'),
            children: <ResponsibilityView version={version} />,
          },
          { key: 'tasks', label: t('command.tasks'), children: <TasksView acting={acting} /> },
        ]
      : []),
    ...(may('report.read') ? [{ key: 'report', label: t('command.report'), children: <ReportView /> }] : []),
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('command.title')}
      </Typography.Title>
      <Tabs items={items} />
    </Space>
  );
}

/** The zone form's starting values: an area and a level to set, or nothing (closed). */
interface ZoneDraft {
  area_code?: string;
  level?: ZoneLevel;
  /** Adopting a suggestion: its reason in the reader's language, to be kept or edited. */
  reason?: string;
}

function ZonesView({ acting }: { acting: Acting }) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const { may, version, bump } = acting;
  const [ruleSet, setRuleSet] = useState<'march2022' | 'june2022'>('march2022');
  const [draft, setDraft] = useState<ZoneDraft | null>(null);
  const zones = useApi<{ items: Zone[] }>('/api/zones', version);
  const sugg = useApi<{ items: Suggestion[] }>(
    `/api/zones/suggestions${query({ rule_set: ruleSet })}`,
    version,
  );
  const rows = zones.data?.items ?? [];
  const manage = may('zone.manage');
  const lift = (z: Zone) =>
    act(
      () => api<ZoneOnly>(`/api/zones/${z.id}/lift`, { method: 'POST' }),
      (out) =>
        out.status === 'lifted'
          ? t('command.lifted', { area: areaName(z.area_code) })
          : t('command.steppedDown', { area: areaName(z.area_code), level: t(`zoneLevel.${out.level}`) }),
      bump,
    );
  const columns: Column<Zone>[] = [
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'level',
      title: t('command.level'),
      dataIndex: 'level',
      filters: [...MARCH_LEVELS, ...JUNE_LEVELS].map((v) => ({ text: t(`zoneLevel.${v}`), value: v })),
      onFilter: (v, r) => r.level === v,
      render: (v: string) => <StatusTag ns="zoneLevel" value={v} colors={ZONE_COLOURS} />,
      exportValue: (r) => t(`zoneLevel.${r.level}`),
    },
    { key: 'reason', title: t('command.reason'), dataIndex: 'reason', ellipsis: true },
    {
      key: 'started_at',
      title: t('command.since'),
      dataIndex: 'started_at',
      render: f.dateTime,
      sorter: byString((r) => r.started_at),
    },
    {
      key: 'ready',
      title: t('command.readiness'),
      filters: [
        { text: t('command.ready'), value: 'yes' },
        { text: t('command.notReady'), value: 'no' },
      ],
      onFilter: (v, r) => (v === 'yes') === r.readiness.ready,
      render: (_: unknown, r) => (
        <Space direction="vertical" size={0}>
          <Tag color={r.readiness.ready ? 'green' : 'default'}>
            {r.readiness.ready ? t('command.ready') : t('command.notReady')}
          </Tag>
          {r.readiness.checks.map((c) => (
            <Typography.Text key={c.rule} type={c.ok ? 'success' : 'danger'} style={{ fontSize: 12 }}>
              {c.ok ? '✓' : '✗'} {t(`rule.${c.rule}`, { defaultValue: c.rule })} —{' '}
              {reasonText(c.phrase, c.detail)}
            </Typography.Text>
          ))}
        </Space>
      ),
      exportValue: (r) =>
        `${r.readiness.ready ? t('command.ready') : t('command.notReady')}: ${r.readiness.checks
          .map(
            (c) =>
              `${c.ok ? '✓' : '✗'} ${t(`rule.${c.rule}`, { defaultValue: c.rule })} (${reasonText(c.phrase, c.detail)})`,
          )
          .join('; ')}`,
    },
    ...(manage
      ? [
          {
            key: ACTIONS,
            title: t('action.actions'),
            render: (_: unknown, r: Zone) => {
              const stepDown = r.level === 'high' || r.level === 'medium';
              return (
                <Space wrap>
                  <ConfirmButton
                    danger
                    title={
                      stepDown
                        ? t('command.confirmStepDown', { area: areaName(r.area_code) })
                        : t('command.confirmLift', { area: areaName(r.area_code) })
                    }
                    description={r.readiness.ready ? t('command.allMet') : t('command.notAllMet')}
                    onConfirm={() => lift(r)}
                  >
                    {stepDown ? t('command.stepDown') : t('command.lift')}
                  </ConfirmButton>
                  <Button size="small" onClick={() => setDraft({ area_code: r.area_code })}>
                    {t('command.changeLevel')}
                  </Button>
                </Space>
              );
            },
          } satisfies Column<Zone>,
        ]
      : []),
  ];
  const suggRows = sugg.data?.items ?? [];
  const suggColumns: Column<Suggestion>[] = [
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'current',
      title: t('command.current'),
      dataIndex: 'current',
      render: (v: string | null) =>
        v ? <StatusTag ns="zoneLevel" value={v} colors={ZONE_COLOURS} /> : t('command.noZone'),
      exportValue: (r) => (r.current ? t(`zoneLevel.${r.current}`) : t('command.noZone')),
    },
    {
      key: 'suggested',
      title: t('command.suggested'),
      dataIndex: 'suggested',
      render: (v: string) => <StatusTag ns="zoneLevel" value={v} colors={ZONE_COLOURS} />,
      exportValue: (r) => t(`zoneLevel.${r.suggested}`),
    },
    { key: 'cases', title: t('command.cases24h'), dataIndex: 'cases', sorter: byNumber((r) => r.cases) },
    {
      key: 'reason',
      title: t('command.reason'),
      render: (_: unknown, r) => reasonText(r.reason_phrase, r.reason),
      exportValue: (r) => reasonText(r.reason_phrase, r.reason),
    },
    ...(manage
      ? [
          {
            key: ACTIONS,
            title: t('action.actions'),
            render: (_: unknown, r: Suggestion) => (
              <Button
                size="small"
                onClick={() =>
                  setDraft({
                    area_code: r.area_code,
                    level: r.suggested as ZoneLevel,
                    reason: reasonText(r.reason_phrase, r.reason).slice(0, 500),
                  })
                }
              >
                {t('command.adopt')}
              </Button>
            ),
          } satisfies Column<Suggestion>,
        ]
      : []),
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card size="small" title={t('command.activeZones')}>
        <DataTable<Zone>
          rows={rows}
          columns={columns}
          rowKey="id"
          loading={zones.loading}
          error={zones.error}
          exportName={t('command.zones')}
          toolbar={
            manage && (
              <Button size="small" type="primary" onClick={() => setDraft({})}>
                {t('command.setZone')}
              </Button>
            )
          }
        />
      </Card>
      <Card size="small" title={t('command.suggestions')}>
        <DataTable<Suggestion>
          rows={suggRows}
          columns={suggColumns}
          rowKey="area_code"
          loading={sugg.loading}
          error={sugg.error}
          exportName={t('command.suggestions')}
          toolbar={
            <Select
              size="small"
              style={{ width: 300 }}
              value={ruleSet}
              onChange={setRuleSet}
              options={[
                { value: 'march2022', label: t('command.ruleSet.march2022') },
                { value: 'june2022', label: t('command.ruleSet.june2022') },
              ]}
            />
          }
        />
      </Card>
      <EffectiveZone version={version} />
      {draft && <ZoneForm draft={draft} onClose={() => setDraft(null)} onDone={bump} />}
    </Space>
  );
}

/** Set or change the zone of an area: either rule set, a reason; the server keeps the history. */
function ZoneForm({ draft, onClose, onDone }: { draft: ZoneDraft; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<{ area_code: string; level: ZoneLevel; reason: string }>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    const out = await act(
      async () => {
        const z = await api<ZoneOnly>('/api/zones', {
          method: 'POST',
          body: { ...v, area_code: v.area_code.trim() },
        });
        await loadAreaNames([z.area_code]);
        return z;
      },
      (z) => t('command.zoneSet', { area: areaName(z.area_code), level: t(`zoneLevel.${z.level}`) }),
      onDone,
    );
    setBusy(false);
    if (out) onClose();
  };
  return (
    <Modal
      open
      title={t('command.setZone')}
      okText={t('command.setZoneOk')}
      cancelText={t('action.cancel')}
      onOk={submit}
      confirmLoading={busy}
      onCancel={onClose}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" initialValues={draft}>
        <Form.Item
          label={t('common.areaName')}
          name="area_code"
          extra={t('command.zoneAreaHint')}
          rules={[{ required: true, message: t('command.zoneAreaRule') }]}
        >
          <AreaPicker />
        </Form.Item>
        <Form.Item label={t('command.level')} name="level" rules={[{ required: true }]}>
          <Select
            options={[
              {
                label: t('command.ruleSet.march2022'),
                options: MARCH_LEVELS.map((v) => ({ value: v, label: t(`zoneLevel.${v}`) })),
              },
              {
                label: t('command.ruleSet.june2022'),
                options: JUNE_LEVELS.map((v) => ({ value: v, label: t(`zoneLevel.${v}`) })),
              },
            ]}
          />
        </Form.Item>
        <Form.Item
          label={t('command.reason')}
          name="reason"
          rules={[{ required: true, min: 4, max: 500, whitespace: true, message: t('action.reasonRule') }]}
        >
          <Input.TextArea rows={2} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function EffectiveZone({ version }: { version: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [area, setArea] = useState<string | null>(null);
  const res = useApi<EffectiveZoneAnswer>(area ? `/api/zones/effective${query({ area })}` : null, version);
  return (
    <Card size="small" title={t('command.effective')}>
      <Form layout="inline" onFinish={(v: { area: string }) => setArea(v.area)} style={{ marginBottom: 12 }}>
        <Form.Item
          label={t('common.areaName')}
          name="area"
          rules={[{ required: true, message: t('admin.area.pick') }]}
        >
          <AreaPicker style={{ width: 260 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={res.loading}>
          {t('command.lookup')}
        </Button>
      </Form>
      <ErrorAlert error={res.error} />
      {res.data &&
        (res.data.zone ? (
          <Descriptions size="small" bordered column={{ xs: 1, md: 4 }}>
            <Descriptions.Item label={t('common.areaName')}>
              <AreaName code={res.data.area_code} />
            </Descriptions.Item>
            <Descriptions.Item label={t('command.level')}>
              <StatusTag ns="zoneLevel" value={res.data.zone.level} colors={ZONE_COLOURS} />
            </Descriptions.Item>
            <Descriptions.Item label={t('command.governedBy')}>
              <AreaName code={res.data.zone.area_code} />
            </Descriptions.Item>
            <Descriptions.Item label={t('command.since')}>
              {f.dateTime(res.data.zone.started_at)}
            </Descriptions.Item>
          </Descriptions>
        ) : (
          <Alert
            type="success"
            showIcon
            message={t('command.noZoneFor', { area: areaName(res.data.area_code) })}
          />
        ))}
    </Card>
  );
}

function LeadersView({ acting }: { acting: Acting }) {
  const { t } = useTranslation();
  const [adding, setAdding] = useState(false);
  const res = useApi<{ items: Leader[] }>('/api/leaders', acting.version);
  const rows = res.data?.items ?? [];
  const columns: Column<Leader>[] = [
    { key: 'name', title: t('command.leader'), dataIndex: 'name', sorter: byString((r) => r.name) },
    { key: 'title', title: t('command.leaderTitle'), dataIndex: 'title' },
    areaColumn({ title: t('command.patch'), get: (r) => r.area_code }),
    codedColumn({
      key: 'function',
      title: t('command.function'),
      field: 'function',
      rows: rows,
      ns: 'leaderFunction',
      t,
    }),
  ];
  return (
    <>
      <DataTable<Leader>
        rows={rows}
        columns={columns}
        rowKey="id"
        loading={res.loading}
        error={res.error}
        exportName={t('command.leaders')}
        toolbar={
          acting.may('leader.manage') && (
            <Button size="small" type="primary" onClick={() => setAdding(true)}>
              {t('command.addLeader')}
            </Button>
          )
        }
      />
      {adding && <LeaderForm onClose={() => setAdding(false)} onDone={acting.bump} />}
    </>
  );
}

/** Give a leader a patch (包保); the previous holder of the same patch and function is replaced. */
function LeaderForm({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<{ name: string; title?: string; area_code: string; function: string }>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    const out = await act(
      async () => {
        const l = await api<Leader>('/api/leaders', {
          method: 'POST',
          body: {
            name: v.name.trim(),
            title: v.title?.trim() ?? '',
            area_code: v.area_code.trim(),
            function: v.function,
          },
        });
        await loadAreaNames([l.area_code]);
        return l;
      },
      (l) =>
        t('command.leaderAdded', {
          name: l.name,
          area: areaName(l.area_code),
          function: t(`leaderFunction.${l.function}`),
        }),
      onDone,
    );
    setBusy(false);
    if (out) onClose();
  };
  return (
    <Modal
      open
      title={t('command.addLeader')}
      okText={t('command.addLeaderOk')}
      cancelText={t('action.cancel')}
      onOk={submit}
      confirmLoading={busy}
      onCancel={onClose}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t('command.leaderHint')}</Typography.Paragraph>
      <Form form={form} layout="vertical" initialValues={{ function: 'all' }}>
        <Form.Item
          label={t('command.leader')}
          name="name"
          rules={[{ required: true, max: 100, whitespace: true }]}
        >
          <Input />
        </Form.Item>
        <Form.Item label={t('command.leaderTitle')} name="title" rules={[{ max: 100 }]}>
          <Input />
        </Form.Item>
        <Form.Item
          label={t('command.patch')}
          name="area_code"
          rules={[{ required: true, message: t('command.patchRule') }]}
        >
          <AreaPicker />
        </Form.Item>
        <Form.Item label={t('command.function')} name="function" rules={[{ required: true }]}>
          <Select options={LEADER_FUNCTIONS.map((v) => ({ value: v, label: t(`leaderFunction.${v}`) }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function ResponsibilityView({ version }: { version: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [owner, setOwner] = useState<string>('all');
  const leaders = useApi<{ items: Leader[] }>('/api/leaders', version);
  const res = useApi<ResponsibilityAnswer>(
    `/api/responsibility${owner === 'all' ? '' : owner === 'none' ? '?unowned=true' : `?leader_id=${owner}`}`,
    version,
  );
  const rows = res.data?.items ?? [];
  const columns: Column<RespItem>[] = [
    codedColumn({ key: 'kind', title: t('command.item'), field: 'kind', rows: rows, ns: 'taskKind', t }),
    codedColumn({
      key: 'function',
      title: t('command.function'),
      field: 'function',
      rows: rows,
      ns: 'leaderFunction',
      t,
    }),
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'due_at',
      title: t('command.due'),
      dataIndex: 'due_at',
      sorter: byString((r) => r.due_at),
      render: (v: string, r) => (r.overdue ? <Tag color="red">{f.dateTime(v)}</Tag> : f.dateTime(v)),
    },
    {
      key: 'person',
      title: t('command.person'),
      render: (_: unknown, r) =>
        r.person_name ?? (r.person_id ? t('command.personNo', { id: r.person_id }) : '—'),
      exportValue: (r) => r.person_name ?? '',
    },
    {
      key: 'owner',
      title: t('command.owner'),
      render: (_: unknown, r) =>
        r.owner ? (
          `${r.owner.name}（${areaName(r.owner.area_code)}）`
        ) : (
          <Tag color="red">{t('command.unowned')}</Tag>
        ),
      filters: [
        { text: t('command.owned'), value: 'yes' },
        { text: t('command.unowned'), value: 'no' },
      ],
      onFilter: (v, r) => (v === 'yes') === (r.owner !== null),
      exportValue: (r) => (r.owner ? `${r.owner.name}（${areaFullName(r.owner.area_code)}）` : ''),
    },
    {
      key: 'escalated_levels',
      title: t('command.escalated'),
      dataIndex: 'escalated_levels',
      sorter: byNumber((r) => r.escalated_levels),
      render: (v: number) => (v > 0 ? <Tag color="volcano">+{v}</Tag> : 0),
    },
    {
      key: 'overdue',
      title: t('command.overdue'),
      dataIndex: 'overdue',
      filters: [
        { text: t('command.overdue'), value: 'yes' },
        { text: t('command.inTime'), value: 'no' },
      ],
      onFilter: (v, r) => (v === 'yes') === r.overdue,
      render: (v: boolean) => (v ? <Tag color="red">{t('command.overdue')}</Tag> : t('command.inTime')),
      exportValue: (r) => (r.overdue ? t('command.overdue') : t('command.inTime')),
    },
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Row gutter={[12, 12]}>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic
              title={<FigureLabel k="items_open" />}
              value={res.data?.total ?? '—'}
              loading={res.loading && !res.data}
            />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic
              title={<FigureLabel k="items_overdue" />}
              value={res.data?.overdue ?? '—'}
              valueStyle={res.data && res.data.overdue > 0 ? { color: '#c0392b' } : undefined}
              loading={res.loading && !res.data}
            />
          </Card>
        </Col>
        <Col xs={24} md={12}>
          <Card size="small">
            <Statistic
              title={<FigureLabel k="items_unowned" />}
              value={res.data?.per_owner.none ?? (res.data ? 0 : '—')}
              loading={res.loading && !res.data}
            />
          </Card>
        </Col>
        {res.data?.by_kind && (
          <Col span={24}>
            <Space wrap data-testid="items-by-kind">
              {res.data.as_of && (
                <Typography.Text type="secondary" data-testid="responsibility-as-of">
                  {t('dashboard.asOf', { time: f.dateTime(res.data.as_of) })}
                </Typography.Text>
              )}
              {Object.entries(res.data.by_kind)
                .sort((a, b) => b[1].total - a[1].total)
                .map(([kind, n]) => (
                  <Tag key={kind} color={n.overdue > 0 ? 'red' : undefined}>
                    {t('command.kindCount', {
                      kind: t(`taskKind.${kind}`, { defaultValue: kind }),
                      total: f.number(n.total),
                      overdue: f.number(n.overdue),
                    })}
                  </Tag>
                ))}
            </Space>
          </Col>
        )}
      </Row>
      <DataTable<RespItem>
        rows={rows}
        columns={columns}
        rowKey={(r) => `${r.kind}-${r.subject.type}-${r.subject.id}`}
        loading={res.loading}
        error={res.error}
        total={res.data?.total}
        serverExport={`/api/responsibility/export${owner === 'all' ? '' : owner === 'none' ? '?unowned=true' : `?leader_id=${owner}`}`}
        exportName={t('command.responsibility')}
        toolbar={
          <Select
            size="small"
            style={{ width: 220 }}
            value={owner}
            onChange={setOwner}
            loading={leaders.loading}
            options={[
              { value: 'all', label: t('command.allOwners') },
              { value: 'none', label: t('command.unowned') },
              ...(leaders.data?.items ?? []).map((l) => ({
                value: String(l.id),
                label: `${l.name} · ${areaName(l.area_code)} · ${t(`leaderFunction.${l.function}`, { defaultValue: l.function })}`,
              })),
            ]}
          />
        }
      />
    </Space>
  );
}

function TasksView({ acting }: { acting: Acting }) {
  const { t } = useTranslation();
  // What the task is about, in words: the day of a term's test, the tube to re-test, the room to disinfect.
  const taskObject = (r: Task): string => {
    const d = r.details ?? {};
    if (r.place) return t('command.object.place', { place: r.place });
    if (typeof d.day === 'number') return t('command.object.day', { day: d.day });
    if (typeof d.tube === 'string') return t('command.object.tube', { tube: d.tube });
    return r.subject_type ? t(`subjectType.${r.subject_type}`, { defaultValue: '' }) : '';
  };
  const personOf = (r: Task): string =>
    r.person_name ?? (r.person_id === null ? '' : t('command.personNo', { id: r.person_id }));
  const f = useFormat();
  const act = useAction();
  const [status, setStatus] = useState<'open' | 'done' | 'cancelled'>('open');
  const [limit, setLimit] = useState(1000);
  const res = useApi<TasksAnswer>(`/api/tasks${query({ status, limit })}`, acting.version);
  const complete = acting.may('task.complete');
  const rows = res.data?.items ?? [];
  const now = Date.now();
  const columns: Column<Task>[] = [
    { key: 'id', title: t('testing.id'), dataIndex: 'id', sorter: byNumber((r) => r.id) },
    codedColumn({ key: 'kind', title: t('command.item'), field: 'kind', rows: rows, ns: 'taskKind', t }),
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'person',
      title: t('command.person'),
      render: (_: unknown, r) => personOf(r) || '—',
      exportValue: personOf,
    },
    {
      key: 'subject',
      title: t('command.subject'),
      render: (_: unknown, r) => taskObject(r) || '—',
      exportValue: taskObject,
    },
    {
      key: 'due_at',
      title: t('command.due'),
      dataIndex: 'due_at',
      sorter: byString((r) => r.due_at),
      render: (v: string, r) =>
        r.status === 'open' && new Date(v).getTime() < now ? (
          <Tag color="red">{f.dateTime(v)}</Tag>
        ) : (
          f.dateTime(v)
        ),
    },
    {
      key: 'created_at',
      title: t('command.created'),
      dataIndex: 'created_at',
      render: f.dateTime,
      sorter: byString((r) => r.created_at),
    },
    { key: 'done_at', title: t('command.doneAt'), dataIndex: 'done_at', render: f.dateTime },
    ...(complete && status === 'open'
      ? [
          {
            key: ACTIONS,
            title: t('action.actions'),
            render: (_: unknown, r: Task) => (
              <ConfirmButton
                type="primary"
                title={t('command.confirmDone', {
                  id: r.id,
                  kind: t(`taskKind.${r.kind}`, { defaultValue: r.kind }),
                })}
                onConfirm={() =>
                  act(
                    () => api(`/api/tasks/${r.id}/done`, { method: 'POST', body: {} }),
                    () => t('command.taskDone', { id: r.id }),
                    acting.bump,
                  )
                }
              >
                {t('command.markDone')}
              </ConfirmButton>
            ),
          } satisfies Column<Task>,
        ]
      : []),
  ];
  return (
    <DataTable<Task>
      rows={rows}
      columns={columns}
      rowKey="id"
      loading={res.loading}
      error={res.error}
      total={res.data?.total}
      serverExport={`/api/tasks/export${query({ status })}`}
      exportName={t('command.tasks')}
      toolbar={
        <>
          <Select
            size="small"
            style={{ width: 120 }}
            value={status}
            onChange={setStatus}
            options={(['open', 'done', 'cancelled'] as const).map((v) => ({
              value: v,
              label: t(`taskStatus.${v}`),
            }))}
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

function ReportView() {
  const { t } = useTranslation();
  const f = useFormat();
  const [date, setDate] = useState(beijingToday());
  const res = useApi<DailyReport>(`/api/reports/daily${query({ date })}`);
  const r = res.data;
  const link = (format: string, lang: string) => `/api/reports/daily${query({ date, format, lang })}`;
  const section = (title: string, ns: string, values: Record<string, number>) => (
    <Card size="small" title={title}>
      <Descriptions size="small" column={1} bordered>
        {Object.entries(values).map(([k, v]) => (
          <Descriptions.Item
            key={k}
            label={
              REPORT_FIGURES[k] ? <FigureLabel k={REPORT_FIGURES[k]} /> : t(`${ns}.${k}`, { defaultValue: k })
            }
          >
            {f.number(v)}
          </Descriptions.Item>
        ))}
      </Descriptions>
    </Card>
  );
  type District = DailyReport['cases']['by_district'][number];
  const districtColumns: Column<District>[] = [
    { key: 'name', title: t('common.areaName'), dataIndex: 'name' },
    {
      key: 'confirmed',
      title: t('report.confirmed'),
      dataIndex: 'confirmed',
      sorter: byNumber((d) => d.confirmed),
    },
    {
      key: 'asymptomatic',
      title: t('report.asymptomatic'),
      dataIndex: 'asymptomatic',
      sorter: byNumber((d) => d.asymptomatic),
    },
    {
      key: 'unclassified',
      title: t('report.unclassified'),
      dataIndex: 'unclassified',
      sorter: byNumber((d) => d.unclassified),
    },
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap>
        <Typography.Text>{t('common.day')}</Typography.Text>
        <DatePicker
          size="small"
          allowClear={false}
          value={dayjs(date)}
          disabledDate={(d) => d.format('YYYY-MM-DD') > beijingToday()}
          onChange={(d) => d && setDate(d.format('YYYY-MM-DD'))}
        />
        <Typography.Text type="secondary">{t('report.download')}</Typography.Text>
        {(['md', 'html', 'xlsx'] as const).map((format) =>
          (['zh', 'en'] as const).map((lang) => (
            <Button key={`${format}-${lang}`} size="small" href={link(format, lang)} download target="_blank">
              {format.toUpperCase()} · {lang === 'zh' ? '中文' : 'EN'}
            </Button>
          )),
        )}
      </Space>
      <ErrorAlert error={res.error} />
      {res.loading && !r && <Card loading size="small" />}
      {r && (
        <>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {t('report.heading', { area: r.area.name || r.area.code, date: r.date })}
          </Typography.Title>
          <Typography.Text type="secondary">
            {t('report.generated')} {f.dateTime(r.generated_at)}
          </Typography.Text>
          <Row gutter={[12, 12]}>
            <Col xs={24} lg={12}>
              {section(t('report.cases'), 'report', {
                new_confirmed: r.cases.new_confirmed,
                new_asymptomatic: r.cases.new_asymptomatic,
                new_unclassified: r.cases.new_unclassified,
                reclassified: r.cases.reclassified,
                cumulative_confirmed: r.cases.cumulative_confirmed,
                cumulative_asymptomatic: r.cases.cumulative_asymptomatic,
                cumulative_unclassified: r.cases.cumulative_unclassified,
              })}
            </Col>
            <Col xs={24} lg={12}>
              {section(t('report.contacts'), 'report', r.contacts)}
            </Col>
            <Col xs={24} lg={12}>
              {section(t('report.capacity'), 'report', r.capacity)}
            </Col>
            <Col xs={24} lg={12}>
              {section(t('report.testing'), 'report', r.testing)}
            </Col>
            {(
              [
                ['disinfectionSection', r.disinfection],
                ['reportMedical', r.medical],
                ['suppliesSection', r.supplies],
                ['forcesSection', r.forces],
              ] as const
            ).map(([title, values]) =>
              values ? (
                <Col xs={24} lg={12} key={title}>
                  {section(t(`report.${title}`), 'report', values)}
                </Col>
              ) : null,
            )}
          </Row>
          {Object.keys(r.cases.by_severity).length > 0 && (
            <Card size="small" title={t('report.bySeverity')}>
              <List
                size="small"
                dataSource={Object.entries(r.cases.by_severity)}
                renderItem={([k, v]) => (
                  <List.Item>
                    <StatusTag ns="severity" value={k} /> {v}
                  </List.Item>
                )}
              />
            </Card>
          )}
          <Card size="small" title={t('report.byDistrict')}>
            <DataTable<District>
              rows={r.cases.by_district}
              columns={districtColumns}
              rowKey="code"
              exportName={`${t('report.byDistrict')}-${r.date}`}
            />
          </Card>
        </>
      )}
    </Space>
  );
}

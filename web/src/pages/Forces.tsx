/**
 * 力量调配: the day's figures (on duty, shortfall, loop tests missed), the roster board (areas × shifts, people
 * assigned against the demand, shortfalls in red with their reason; propose, confirm, take off and put on by
 * hand), the workers with filters and their status, the support teams, and the closed loops with the day's test
 * schedule (gaps in red) and a form to record a test. Areas by name, workers by masked name, times in Beijing time.
 */
import {
  Alert,
  Button,
  Card,
  Col,
  Collapse,
  DatePicker,
  Empty,
  Form,
  Radio,
  Row,
  Space,
  Statistic,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../AreaPicker.tsx';
import { api, type Me } from '../api.ts';
import { pickerInstant } from '../beijing-time.ts';
import type {
  ForcesBoard,
  ForcesFiguresAnswer,
  ForceWorker,
  LoopsAnswer,
  LoopTestOutcome,
  Roster,
  RosterConfirmed,
  Team,
  WorkersAnswer,
} from '../contract.ts';
import { FigureLabel } from '../figure-label.tsx';
import { CodeSelect } from './filters.tsx';
import { FormModal } from './forms.tsx';
import {
  AreaName,
  BeijingDateTimePicker,
  beijingToday,
  ConfirmButton,
  ErrorAlert,
  useAction,
  useApi,
  useFormat,
  useVersion,
} from './shared.tsx';

const SKILLS = ['sampler', 'medical', 'community', 'volunteer', 'driver', 'site_staff', 'chief'] as const;
const SHIFTS = ['night', 'day', 'evening'] as const;
const STATUSES = ['on_duty', 'resting', 'quarantined', 'left'] as const;

type Reason = Coverage['reason'];
type Coverage = Roster['coverage'][number];
type ShiftRow = Roster['shifts'][number];
type Worker = ForceWorker;

/** A worker's name masked (王*明, 王*): the page names people only as far as the work needs. */
export function maskName(name: string): string {
  const c = [...name];
  if (c.length <= 1) return name;
  if (c.length === 2) return `${c[0]}*`;
  return `${c[0]}${'*'.repeat(c.length - 2)}${c[c.length - 1]}`;
}

const newKey = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? `f-${crypto.randomUUID()}`
    : `f-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;

function useReason() {
  const { t } = useTranslation();
  return (r: Reason) =>
    t(`forces.reason.${r.k.replace(/^forces\./, '')}`, {
      ...r.p,
      skill: r.p.skill ? t(`forces.skill.${r.p.skill}`) : '',
    });
}

export default function ForcesPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [day, setDay] = useState(beijingToday());
  const [area, setArea] = useState<string | undefined>(undefined);
  const [version, bump] = useVersion();
  const plan = me.permissions.includes('forces.plan');
  const figures = useApi<ForcesFiguresAnswer>(`/api/forces/figures?day=${day}`, version);
  const board = useApi<ForcesBoard>(`/api/forces/board?day=${day}${area ? `&area=${area}` : ''}`, version);
  const act = useAction();
  const propose = () =>
    act(
      () =>
        api<Roster>('/api/forces/rosters', {
          method: 'POST',
          body: { area_code: area ?? me.jurisdiction, day },
        }),
      () => t('forces.board.proposed'),
      bump,
    );
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} className="forces-page">
      <div>
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {t('forces.title')}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t('forces.intro')}</Typography.Paragraph>
        <Space wrap>
          <span>{t('forces.day')}</span>
          <DatePicker
            allowClear={false}
            value={dayjs(day)}
            onChange={(d: Dayjs | null) => d && setDay(d.format('YYYY-MM-DD'))}
          />
          <span>{t('forces.area')}</span>
          <AreaPicker
            value={area}
            onChange={setArea}
            allowClear
            placeholder={t('forces.allAreas')}
            style={{ minWidth: 280 }}
          />
          {plan && (
            <Button
              type="primary"
              className="propose-roster"
              onClick={propose}
              title={t('forces.board.proposeFor')}
            >
              {t('forces.board.propose')}
            </Button>
          )}
        </Space>
      </div>
      <ErrorAlert error={figures.error ?? board.error} />
      <Row gutter={16}>
        {(['forces_on_duty', 'forces_shortfall', 'loop_test_gaps'] as const).map((k) => (
          <Col xs={8} key={k}>
            <Card size="small">
              <Statistic
                title={<FigureLabel k={k} />}
                value={figures.data?.figures[k] ?? '—'}
                valueStyle={
                  k !== 'forces_on_duty' && (figures.data?.figures[k] ?? 0) > 0
                    ? { color: '#cf1322' }
                    : undefined
                }
              />
            </Card>
          </Col>
        ))}
      </Row>
      <Card size="small" title={t('forces.board.title')} className="roster-board">
        {(board.data?.rosters ?? []).length === 0 ? (
          <Empty description={t('forces.board.none')} image={Empty.PRESENTED_IMAGE_SIMPLE} />
        ) : (
          <Space direction="vertical" style={{ width: '100%' }}>
            {board.data?.rosters.map((r) => (
              <RosterCard key={r.id} roster={r} plan={plan} onChanged={bump} />
            ))}
          </Space>
        )}
      </Card>
      <Workers version={version} area={area} plan={plan} onChanged={bump} />
      <Teams version={version} />
      <Loops day={day} version={version} plan={plan} onChanged={bump} />
    </Space>
  );
}

function RosterCard({ roster, plan, onChanged }: { roster: Roster; plan: boolean; onChanged: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const reason = useReason();
  const f = useFormat();
  const rows = useMemo(() => {
    const by = new Map<
      string,
      { key: string; area_code: string; skill: string; cells: Record<string, Coverage> }
    >();
    for (const c of roster.coverage) {
      const key = `${c.area_code}|${c.skill}`;
      const row = by.get(key) ?? { key, area_code: c.area_code, skill: c.skill, cells: {} };
      row.cells[c.shift] = c;
      by.set(key, row);
    }
    return [...by.values()];
  }, [roster.coverage]);
  const short = roster.coverage.reduce((a, c) => a + c.short, 0);
  const confirm = () =>
    act(
      () =>
        api<RosterConfirmed>(`/api/forces/rosters/${roster.id}/confirm`, {
          method: 'POST',
        }),
      (r) => (r.already ? t('forces.board.already') : t('forces.board.confirmed')),
      onChanged,
    );
  return (
    <Card
      size="small"
      type="inner"
      className={`roster roster-${roster.status}`}
      title={
        <Space wrap>
          <AreaName code={roster.area_code} />
          <Tag color={roster.status === 'confirmed' ? 'green' : 'gold'} className="roster-status">
            {t(`forces.rosterStatus.${roster.status}`)}
          </Tag>
          {short > 0 && <Tag color="red">{t('forces.board.short', { n: short })}</Tag>}
          {roster.pending > 0 && roster.status === 'confirmed' && (
            <Tag color="orange">{t('forces.board.pending', { n: roster.pending })}</Tag>
          )}
        </Space>
      }
      extra={
        plan &&
        (roster.status === 'draft' || roster.pending > 0) && (
          <ConfirmButton type="primary" title={t('forces.board.confirmTitle')} onConfirm={confirm}>
            <span className="confirm-roster">{t('forces.board.confirm')}</span>
          </ConfirmButton>
        )
      }
    >
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        {t('forces.board.rules', {
          max: roster.rules.maxHoursIn24,
          rest: roster.rules.minRestHours,
          days: roster.rules.restDayEvery,
        })}
      </Typography.Paragraph>
      <Table
        size="small"
        rowKey="key"
        dataSource={rows}
        pagination={rows.length > 15 ? { pageSize: 15 } : false}
        columns={[
          {
            key: 'area',
            title: t('forces.board.areaSkill'),
            render: (_, r) => (
              <Space size={4}>
                <AreaName code={r.area_code} />
                <Tag>{t(`forces.skill.${r.skill}`)}</Tag>
              </Space>
            ),
          },
          ...SHIFTS.map((s) => ({
            key: s,
            title: t(`forces.shift.${s}`),
            render: (_: unknown, r: (typeof rows)[number]) => {
              const c = r.cells[s];
              if (!c) return <Typography.Text type="secondary">—</Typography.Text>;
              return (
                <Tooltip title={reason(c.reason)}>
                  <Space size={4} className={c.short > 0 ? 'cell-short' : 'cell-covered'}>
                    <Typography.Text type={c.short > 0 ? 'danger' : undefined} strong={c.short > 0}>
                      {t('forces.board.cell', { assigned: c.assigned, demand: c.demand })}
                    </Typography.Text>
                    {c.short > 0 && <Tag color="red">{t('forces.board.short', { n: c.short })}</Tag>}
                  </Space>
                </Tooltip>
              );
            },
          })),
        ]}
      />
      <Collapse
        size="small"
        items={[
          {
            key: 'shifts',
            label: `${t('forces.board.shifts')} (${roster.shifts.filter((s) => s.status !== 'removed').length})`,
            children: (
              <Table<ShiftRow>
                size="small"
                rowKey="id"
                dataSource={roster.shifts}
                pagination={{ pageSize: 20 }}
                columns={[
                  {
                    key: 'worker',
                    title: t('forces.board.worker'),
                    render: (_, s) => maskName(s.worker_name),
                  },
                  { key: 'area', title: t('forces.area'), render: (_, s) => <AreaName code={s.area_code} /> },
                  {
                    key: 'skill',
                    title: t('forces.workers.role'),
                    render: (_, s) => t(`forces.skill.${s.skill}`),
                  },
                  {
                    key: 'shift',
                    title: t('forces.day'),
                    render: (_, s) => `${t(`forces.shift.${s.shift}`)} · ${f.dateTime(s.starts_at)}`,
                  },
                  {
                    key: 'status',
                    title: t('forces.workers.status'),
                    render: (_, s) => (
                      <Space size={4}>
                        <Tag
                          color={
                            s.status === 'confirmed' ? 'green' : s.status === 'draft' ? 'gold' : undefined
                          }
                        >
                          {t(`forces.board.shiftStatus.${s.status}`)}
                        </Tag>
                        {s.origin !== 'proposed' && <Tag>{t(`forces.board.origin.${s.origin}`)}</Tag>}
                      </Space>
                    ),
                  },
                  {
                    key: 'actions',
                    render: (_, s) =>
                      plan && s.status !== 'removed' ? (
                        <ConfirmButton
                          danger
                          title={t('forces.board.removeTitle')}
                          onConfirm={() =>
                            act(
                              () =>
                                api(`/api/forces/rosters/${roster.id}/shifts/${s.id}/remove`, {
                                  method: 'POST',
                                  body: { reason: t('forces.board.remove') },
                                }),
                              () => t('forces.board.removed'),
                              onChanged,
                            )
                          }
                        >
                          {t('forces.board.remove')}
                        </ConfirmButton>
                      ) : null,
                  },
                ]}
              />
            ),
          },
        ]}
      />
    </Card>
  );
}

function Workers({
  version,
  area,
  plan,
  onChanged,
}: {
  version: number;
  area: string | undefined;
  plan: boolean;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const act = useAction();
  const [role, setRole] = useState<string | undefined>(undefined);
  const [status, setStatus] = useState<string | undefined>(undefined);
  const q = new URLSearchParams({ limit: '500' });
  if (role) q.set('role', role);
  if (status) q.set('status', status);
  if (area) q.set('area', area);
  const list = useApi<WorkersAnswer>(`/api/forces/workers?${q}`, version);
  return (
    <Card
      size="small"
      className="forces-workers"
      title={`${t('forces.workers.title')} · ${t('forces.workers.total', { n: list.data?.total ?? 0 })}`}
      extra={
        <Space>
          <CodeSelect
            ns="forces.skill"
            codes={SKILLS}
            allowClear
            placeholder={t('forces.workers.role')}
            style={{ width: 160 }}
            value={role}
            onChange={setRole}
          />
          <CodeSelect
            ns="forces.status"
            codes={STATUSES}
            allowClear
            placeholder={t('forces.workers.status')}
            style={{ width: 120 }}
            value={status}
            onChange={setStatus}
          />
        </Space>
      }
    >
      <ErrorAlert error={list.error} />
      <Table<Worker>
        size="small"
        rowKey="id"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        pagination={{ pageSize: 15 }}
        columns={[
          { key: 'name', title: t('forces.workers.name'), render: (_, w) => maskName(w.name) },
          { key: 'role', title: t('forces.workers.role'), render: (_, w) => t(`forces.skill.${w.role}`) },
          {
            key: 'skills',
            title: t('forces.workers.skills'),
            render: (_, w) => w.skills.map((s) => <Tag key={s}>{t(`forces.skill.${s}`)}</Tag>),
          },
          { key: 'area', title: t('forces.workers.base'), render: (_, w) => <AreaName code={w.area_code} /> },
          { key: 'team', title: t('forces.workers.team'), render: (_, w) => w.team_name ?? '—' },
          { key: 'loop', title: t('forces.workers.loop'), render: (_, w) => w.loop_name ?? '—' },
          {
            key: 'status',
            title: t('forces.workers.status'),
            render: (_, w) =>
              plan ? (
                <CodeSelect
                  ns="forces.status"
                  codes={STATUSES}
                  size="small"
                  value={w.status}
                  style={{ width: 110 }}
                  onChange={(s) =>
                    act(
                      () =>
                        api(`/api/forces/workers/${w.id}/status`, { method: 'POST', body: { status: s } }),
                      () => t('forces.workers.statusSet'),
                      onChanged,
                    )
                  }
                />
              ) : (
                <Tag
                  color={w.status === 'quarantined' ? 'red' : w.status === 'on_duty' ? 'green' : undefined}
                >
                  {t(`forces.status.${w.status}`)}
                </Tag>
              ),
          },
        ]}
      />
    </Card>
  );
}

function Teams({ version }: { version: number }) {
  const { t } = useTranslation();
  const teams = useApi<{ items: Team[] }>('/api/forces/teams', version);
  return (
    <Card size="small" title={t('forces.teams.title')} className="forces-teams">
      <Table<Team>
        size="small"
        rowKey="id"
        dataSource={teams.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: t('forces.teams.none') }}
        columns={[
          { key: 'name', title: t('forces.teams.name'), dataIndex: 'name' },
          { key: 'origin', title: t('forces.teams.origin'), dataIndex: 'origin_city' },
          { key: 'area', title: t('forces.area'), render: (_, x) => <AreaName code={x.area_code} /> },
          { key: 'size', title: t('forces.teams.size'), dataIndex: 'size' },
          { key: 'registered', title: t('forces.teams.registered'), dataIndex: 'registered' },
          {
            key: 'dates',
            title: t('forces.teams.dates'),
            render: (_, x) => `${x.arrives_on} – ${x.leaves_on}`,
          },
        ]}
      />
    </Card>
  );
}

function Loops({
  day,
  version,
  plan,
  onChanged,
}: {
  day: string;
  version: number;
  plan: boolean;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const loops = useApi<LoopsAnswer>(`/api/forces/loops?day=${day}`, version);
  const [recording, setRecording] = useState<{ worker_id: number; worker_name: string } | null>(null);
  return (
    <Card size="small" title={t('forces.loops.title')} className="forces-loops">
      <ErrorAlert error={loops.error} />
      {(loops.data?.items ?? []).length === 0 && (
        <Empty description={t('forces.loops.none')} image={Empty.PRESENTED_IMAGE_SIMPLE} />
      )}
      <Space direction="vertical" style={{ width: '100%' }}>
        {loops.data?.items.map((l) => (
          <Card
            key={l.id}
            size="small"
            type="inner"
            className="closed-loop"
            title={
              <Space wrap>
                <span>{l.name}</span>
                <AreaName code={l.area_code} />
                <Tag>{t('forces.loops.members', { n: l.workers, q: l.quarantined })}</Tag>
                {l.schedule.some((s) => s.state === 'gap') && (
                  <Tag color="red">
                    {t('forces.loops.state.gap')} {l.schedule.filter((s) => s.state === 'gap').length}
                  </Tag>
                )}
              </Space>
            }
          >
            <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
              {t('forces.loops.lodging')}：{l.lodging} · {t('forces.loops.post')}：{l.post} ·{' '}
              {t('forces.loops.transport')}：{l.transport}
            </Typography.Paragraph>
            <Table
              size="small"
              rowKey="id"
              dataSource={l.schedule}
              pagination={false}
              columns={[
                { key: 'worker', title: t('forces.board.worker'), render: (_, s) => maskName(s.worker_name) },
                { key: 'due', title: t('forces.loops.dueAt'), render: (_, s) => f.dateTime(s.due_at) },
                {
                  key: 'state',
                  title: t('forces.workers.status'),
                  render: (_, s) => (
                    <Space size={4}>
                      <Tag
                        className={`loop-${s.state}`}
                        color={s.state === 'gap' ? 'red' : s.state === 'met' ? 'green' : undefined}
                      >
                        {t(`forces.loops.state.${s.state}`)}
                      </Tag>
                      {s.result && (
                        <Tag color={s.result === 'positive' ? 'red' : undefined}>
                          {t(`forces.loops.result.${s.result}`)}
                        </Tag>
                      )}
                      {s.worker_status === 'quarantined' && (
                        <Tag color="red">{t('forces.status.quarantined')}</Tag>
                      )}
                    </Space>
                  ),
                },
                {
                  key: 'actions',
                  render: (_, s) =>
                    plan && s.state !== 'met' && s.worker_status !== 'quarantined' ? (
                      <Button
                        size="small"
                        className="record-loop-test"
                        onClick={() => setRecording({ worker_id: s.worker_id, worker_name: s.worker_name })}
                      >
                        {t('forces.loops.record')}
                      </Button>
                    ) : null,
                },
              ]}
            />
          </Card>
        ))}
      </Space>
      {recording && (
        <TestModal
          worker={recording}
          onClose={(changed) => {
            setRecording(null);
            if (changed) onChanged();
          }}
        />
      )}
    </Card>
  );
}

function TestModal({
  worker,
  onClose,
}: {
  worker: { worker_id: number; worker_name: string };
  onClose: (changed: boolean) => void;
}) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<{ result: 'negative' | 'positive'; taken_at?: Dayjs | null }>();
  // One key per form: a second press or a retry counts once.
  const [key] = useState(newKey);
  const result = Form.useWatch('result', form);
  const submit = async (v: { result: 'negative' | 'positive'; taken_at?: Dayjs | null }) => {
    const out = await act(
      () =>
        api<LoopTestOutcome>('/api/forces/tests', {
          method: 'POST',
          body: {
            key,
            worker_id: worker.worker_id,
            taken_at: v.taken_at ? pickerInstant(v.taken_at) : new Date().toISOString(),
            result: v.result,
          },
        }),
      (r) =>
        r.duplicate
          ? t('forces.loops.duplicate')
          : r.result === 'positive'
            ? t('forces.loops.positiveRecorded', { contacts: r.contacts, replacements: r.replacements })
            : t('forces.loops.recorded'),
    );
    if (out) onClose(true);
  };
  return (
    <FormModal
      form={form}
      onSubmit={submit}
      title={t('forces.loops.recordTitle', { name: maskName(worker.worker_name) })}
      onCancel={() => onClose(false)}
      okText={t('forces.loops.record')}
      destroyOnHidden
      formProps={{ initialValues: { result: 'negative' }, className: 'loop-test-form' }}
    >
      <Form.Item name="result" label={t('forces.loops.record')}>
        <Radio.Group
          options={(['negative', 'positive'] as const).map((r) => ({
            value: r,
            label: t(`forces.loops.result.${r}`),
          }))}
        />
      </Form.Item>
      <Form.Item name="taken_at" label={t('forces.loops.takenAt')}>
        <BeijingDateTimePicker noFuture placeholder={t('forces.loops.now')} />
      </Form.Item>
      {result === 'positive' && <Alert type="warning" showIcon message={t('forces.loops.positiveWarn')} />}
    </FormModal>
  );
}

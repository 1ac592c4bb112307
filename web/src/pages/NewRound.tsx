/**
 * 新建检测轮次: pick the areas (district → street → community → grid, within the jurisdiction), the start and the
 * deadline, ask the planner for its verdict (points, samplers, tubes, labs, the four stage clocks, and each
 * shortfall in words), then start the round. Starting is confirmed and refused in words like every action.
 */
import {
  Alert,
  Button,
  Card,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Space,
  Table,
  Tag,
  TreeSelect,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Area, api, type Me } from '../api.ts';
import { areaName, useAreaNamesVersion } from '../area-names.ts';
import { beijingPickerValue, pickerInstant } from '../beijing-time.ts';
import type { AreaDetail, CreatedRound, RoundPlan } from '../contract.ts';
import {
  BeijingDateTimePicker,
  ConfirmButton,
  ErrorAlert,
  errorText,
  useAction,
  useFormat,
} from './shared.tsx';

type Plan = RoundPlan;

interface TreeNode {
  id: string;
  pId: string | null;
  value: string;
  title: string;
  isLeaf: boolean;
}

const node = (a: Area, parent: string | null): TreeNode => ({
  id: a.code,
  pId: parent,
  value: a.code,
  title: a.persons === null ? a.name : `${a.name}（${a.persons.toLocaleString()}）`,
  isLeaf: a.level >= 5,
});

interface Values {
  name: string;
  areas: string[];
  starts_at?: Dayjs | null;
  deadline_hours: number;
  samplers_available?: number | null;
}

export function NewRound({ me, onStarted }: { me: Me; onStarted: (roundId: number) => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  useAreaNamesVersion(); // street names in the plan's table arrive after it
  const [form] = Form.useForm<Values>();
  const [tree, setTree] = useState<TreeNode[]>([]);
  const [treeError, setTreeError] = useState<string | null>(null);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [planError, setPlanError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // The tree starts at the jurisdiction (the provinces for a user of the whole country) and loads on opening.
  useEffect(() => {
    const root = me.jurisdiction;
    const first = root
      ? Promise.all([
          api<AreaDetail>(`/api/areas/${root}`),
          api<{ items: Area[] }>(`/api/areas?parent=${root}`),
        ]).then(([self, kids]) => [
          // The whole jurisdiction first, then its children beside it, so they show at once.
          {
            ...node({ ...self, persons: null }, null),
            title: t('newRound.whole', { name: self.name }),
            isLeaf: true,
          },
          ...kids.items.map((k) => node(k, null)),
        ])
      : api<{ items: Area[] }>('/api/areas').then((r) => r.items.map((a) => node(a, null)));
    first.then(setTree, (err) => setTreeError(errorText(err)));
  }, [me.jurisdiction, t]);

  const loadChildren = async (n: { value?: unknown }) => {
    const code = String(n.value);
    if (tree.some((x) => x.pId === code)) return;
    const kids = await api<{ items: Area[] }>(`/api/areas?parent=${code}`);
    setTree((old) => [
      ...old,
      ...kids.items.filter((k) => !old.some((o) => o.id === k.code)).map((k) => node(k, code)),
    ]);
  };

  const body = (v: Values) => ({
    areas: v.areas,
    deadline_hours: v.deadline_hours,
    ...(v.starts_at ? { starts_at: pickerInstant(v.starts_at) } : {}),
  });

  const assess = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    setPlanError(null);
    try {
      setPlan(
        await api<Plan>('/api/testing/rounds/plan', {
          method: 'POST',
          body: { ...body(v), ...(v.samplers_available ? { samplers_available: v.samplers_available } : {}) },
        }),
      );
    } catch (err) {
      setPlan(null);
      setPlanError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const start = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const out = await act(
      () =>
        api<CreatedRound>('/api/testing/rounds', {
          method: 'POST',
          body: { name: v.name.trim(), ...body(v) },
        }),
      (r) => t('newRound.started', { id: r.id, points: r.sampling_points }),
    );
    if (out) {
      setPlan(null);
      form.resetFields();
      onStarted(out.id);
    }
  };

  const shortfall = (s: Plan['verdict']['shortfalls'][number]) =>
    t(`newRound.shortfall.${s.kind}`, { missing: Math.ceil(s.missing).toLocaleString() });

  return (
    <Card size="small" title={t('newRound.title')}>
      <ErrorAlert error={treeError} />
      <Form<Values>
        form={form}
        layout="inline"
        initialValues={{
          name: t('newRound.defaultName', { day: beijingPickerValue().format('M月D日') }),
          deadline_hours: 24,
          areas: [],
        }}
        onValuesChange={() => setPlan(null)}
        style={{ rowGap: 8 }}
      >
        <Form.Item name="name" label={t('round.name')} rules={[{ required: true, max: 100 }]}>
          <Input style={{ width: 220 }} />
        </Form.Item>
        <Form.Item
          name="areas"
          label={t('testing.roundAreas')}
          rules={[{ required: true, type: 'array', min: 1, message: t('newRound.pickAreas') }]}
        >
          <TreeSelect
            treeDataSimpleMode
            treeData={tree}
            loadData={loadChildren}
            multiple
            showSearch
            treeNodeFilterProp="title"
            placeholder={t('newRound.pickAreas')}
            style={{ minWidth: 320 }}
            popupMatchSelectWidth={false}
            maxTagCount={4}
          />
        </Form.Item>
        <Form.Item name="starts_at" label={t('round.starts')} tooltip={t('newRound.startsHint')}>
          <BeijingDateTimePicker />
        </Form.Item>
        <Form.Item name="deadline_hours" label={t('newRound.deadlineHours')} rules={[{ required: true }]}>
          <InputNumber min={1} max={168} addonAfter={t('newRound.hours')} style={{ width: 130 }} />
        </Form.Item>
        <Form.Item
          name="samplers_available"
          label={t('newRound.samplersAvailable')}
          tooltip={t('newRound.samplersHint')}
        >
          <InputNumber min={1} style={{ width: 110 }} />
        </Form.Item>
        <Form.Item>
          <Space>
            <Button onClick={assess} loading={busy}>
              {t('newRound.assess')}
            </Button>
            <ConfirmButton
              type="primary"
              size="middle"
              title={t('newRound.confirm')}
              description={plan && !plan.verdict.feasible ? t('newRound.confirmInfeasible') : undefined}
              onConfirm={start}
            >
              {t('newRound.start')}
            </ConfirmButton>
          </Space>
        </Form.Item>
      </Form>
      <ErrorAlert error={planError} />
      {plan && (
        <Space direction="vertical" style={{ width: '100%', marginTop: 12 }}>
          {plan.verdict.feasible ? (
            <Alert
              type="success"
              showIcon
              message={t('newRound.feasible', { at: f.dateTime(plan.verdict.finishesAt) })}
            />
          ) : (
            <Alert
              type="error"
              showIcon
              message={t('newRound.infeasible', { at: f.dateTime(plan.verdict.finishesAt) })}
              description={
                <ul style={{ margin: 0, paddingLeft: 20 }}>
                  {plan.verdict.shortfalls.map((s) => (
                    <li key={s.kind}>{shortfall(s)}</li>
                  ))}
                </ul>
              }
            />
          )}
          <Descriptions size="small" bordered column={{ xs: 1, md: 3 }}>
            <Descriptions.Item label={t('testing.residents')}>
              {f.number(plan.totals.population)}
            </Descriptions.Item>
            <Descriptions.Item label={t('testing.points')}>{f.number(plan.totals.points)}</Descriptions.Item>
            <Descriptions.Item label={t('testing.samplers')}>
              {f.number(plan.totals.samplers)}
              {plan.totals.samplersAvailable !== null &&
                ` / ${t('newRound.available', { n: f.number(plan.totals.samplersAvailable) })}`}
            </Descriptions.Item>
            <Descriptions.Item label={t('testing.tubes')}>
              {t('newRound.tubes', {
                total: f.number(plan.totals.tubes.total),
                single: f.number(plan.totals.tubes.single),
                household: f.number(plan.totals.tubes.household),
                pooled: f.number(plan.totals.tubes.pooled),
              })}
            </Descriptions.Item>
            <Descriptions.Item label={t('newRound.dispatches')}>
              {f.number(plan.totals.dispatches)}
            </Descriptions.Item>
            <Descriptions.Item label={t('round.deadline')}>{f.dateTime(plan.deadline)}</Descriptions.Item>
          </Descriptions>
          <Table
            size="small"
            pagination={false}
            rowKey="stage"
            dataSource={(['collect', 'transport', 'test', 'report'] as const).map((k) => ({
              stage: k,
              ...plan.stages[k],
            }))}
            columns={[
              {
                key: 'stage',
                title: t('newRound.stage'),
                dataIndex: 'stage',
                render: (v: string) => t(`stage.${v}`),
              },
              {
                key: 'budget',
                title: t('newRound.budget'),
                dataIndex: 'budgetHours',
                render: (v: number) => `${v} h`,
              },
              {
                key: 'hours',
                title: t('newRound.needed'),
                dataIndex: 'hours',
                render: (v: number) => `${v.toFixed(1)} h`,
              },
              { key: 'ends', title: t('newRound.endsAt'), dataIndex: 'endsAt', render: f.dateTime },
              {
                key: 'ok',
                title: t('newRound.inBudget'),
                dataIndex: 'withinBudget',
                render: (ok: boolean) => (
                  <Tag color={ok ? 'green' : 'red'}>{ok ? t('newRound.yes') : t('newRound.no')}</Tag>
                ),
              },
            ]}
          />
          <Table
            size="small"
            pagination={false}
            rowKey={(r) => String(r.id)}
            dataSource={plan.labs}
            columns={[
              { key: 'name', title: t('newRound.lab'), dataIndex: 'name' },
              {
                key: 'cap',
                title: t('newRound.labCapacity'),
                dataIndex: 'dailyCapacityTubes',
                render: f.number,
              },
              { key: 'tubes', title: t('testing.tubes'), dataIndex: 'tubes', render: f.number },
              {
                key: 'hours',
                title: t('newRound.needed'),
                dataIndex: 'hours',
                render: (v: number) => `${v.toFixed(1)} h`,
              },
            ]}
          />
          <Table
            size="small"
            rowKey="code"
            dataSource={plan.areas}
            pagination={{ pageSize: 10, hideOnSinglePage: true }}
            columns={[
              {
                key: 'name',
                title: t('common.areaName'),
                render: (_: unknown, r) => `${areaName(r.code.slice(0, 9))} ${r.name}`,
              },
              {
                key: 'zone',
                title: t('command.level'),
                dataIndex: 'zone',
                render: (v: string | null) => (v ? t(`zoneLevel.${v}`) : t('command.noZone')),
              },
              { key: 'pop', title: t('testing.residents'), dataIndex: 'population', render: f.number },
              {
                key: 'mode',
                title: t('newRound.mode'),
                render: (_: unknown, r) =>
                  r.mode === 'pooled' ? t('newRound.pooled', { n: r.poolSize }) : t(`newRound.${r.mode}`),
              },
              { key: 'points', title: t('testing.points'), dataIndex: 'points', render: f.number },
              { key: 'samplers', title: t('testing.samplers'), dataIndex: 'samplers', render: f.number },
              { key: 'tubes', title: t('testing.tubes'), render: (_: unknown, r) => f.number(r.tubes.total) },
            ]}
          />
        </Space>
      )}
    </Card>
  );
}

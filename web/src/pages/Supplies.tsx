/**
 * 生活物资保供: today's figures (the dashboard's and the daily report's definitions, by their names) and the
 * shortfall per community; the requests with their steps, lateness and the last metre (handed, by a named worker or
 * volunteer); a new request (a household found by searching, or a compound picked by name); the planner's proposals
 * to confirm; the deliveries with their steps; the depots and their stock (a new depot, a receipt).
 */
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Col,
  Empty,
  Form,
  Input,
  InputNumber,
  Modal,
  Radio,
  Row,
  Space,
  Statistic,
  Table,
  Tag,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../AreaPicker.tsx';
import { api } from '../api.ts';
import { pickerInstant } from '../beijing-time.ts';
import type {
  SupplyDelivery as Delivery,
  DeliveryConfirmed,
  Depot,
  Me,
  SupplyPlan as Plan,
  SupplyProposal as Proposal,
  SupplyRequest as RequestItem,
  StockReceived,
  SupplySummary as Summary,
  SupplyRequestFiled,
} from '../contract.ts';
import { type FigureKey, FigureLabel } from '../figure-label.tsx';
import { CodeSelect, useCursorList } from './filters.tsx';
import { PersonSearch, RequiredItem, type RequiredProps } from './forms.tsx';
import {
  ACTIONS,
  AreaName,
  areaColumn,
  BeijingDateTimePicker,
  byNumber,
  byString,
  type Column,
  ConfirmButton,
  DataTable,
  ErrorAlert,
  useAction,
  useApi,
  useFormat,
  usePermissions,
  useVersion,
} from './shared.tsx';

const CATEGORIES = ['groceries', 'medicine', 'infant', 'elderly', 'other'] as const;
const FIGURES: [keyof Summary['figures'], FigureKey][] = [
  ['supply_requests_today', 'supply_requests'],
  ['supply_handed_today', 'supply_handed'],
  ['supply_late', 'supply_late'],
  ['supply_shortfall', 'supply_shortfall'],
];
/** Rows of a list page (keyset pages: the whole list through the pages and the export). */
const PAGE = 50;
const Required = (p: RequiredProps) => <RequiredItem message="supplies.form.required" {...p} />;

const STATUS_TAG: Record<string, string> = {
  open: 'default',
  planned: 'blue',
  dispatched: 'geekblue',
  at_gate: 'purple',
  handed: 'green',
};

/** Packs per category in words: 「生活物资 2份、药品 1份」. */
function usePacks() {
  const { t } = useTranslation();
  return (packs: Partial<Record<string, number>>) =>
    Object.entries(packs)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([c, n]) => `${t(`supplies.category.${c}`)} ${t('supplies.pack', { n })}`)
      .join('、');
}

/** A stable key for a proposal: confirming it twice (a retry) makes one delivery. */
function proposalKey(p: Proposal): string {
  const text = `${p.depot_id}|${p.area_code}|${p.request_ids.join(',')}`;
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return `plan-${p.depot_id}-${p.area_code}-${h.toString(36)}`.slice(0, 64);
}

function Figures({ version }: { version: number }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const summary = useApi<Summary>('/api/supplies/summary', version);
  const f: Partial<Summary['figures']> = summary.data?.figures ?? {};
  const rows = summary.data?.shortfalls ?? [];
  return (
    <Row gutter={16}>
      <Col xs={24} xl={12}>
        <Card
          size="small"
          title={t('supplies.figures')}
          style={{ marginBottom: 16 }}
          className="supplies-figures"
          extra={
            summary.data && (
              <Typography.Text type="secondary">
                {t('supplies.asOf', { at: fmt.dateTime(summary.data.now) })}
              </Typography.Text>
            )
          }
        >
          <ErrorAlert error={summary.error} />
          <Row gutter={16}>
            {FIGURES.map(([key, figure]) => (
              <Col key={key} xs={12} md={6}>
                <Statistic
                  title={<FigureLabel k={figure} />}
                  value={f[key] ?? 0}
                  valueStyle={
                    (key === 'supply_late' || key === 'supply_shortfall') && (f[key] ?? 0) > 0
                      ? { color: '#cf1322' }
                      : {}
                  }
                />
              </Col>
            ))}
          </Row>
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card size="small" title={t('supplies.shortfalls.title')} style={{ marginBottom: 16 }}>
          {summary.data && rows.length === 0 ? (
            <Typography.Text type="secondary">{t('supplies.shortfalls.none')}</Typography.Text>
          ) : (
            <Table
              size="small"
              className="supplies-shortfalls"
              rowKey={(r) => `${r.community}|${r.category}`}
              dataSource={rows}
              pagination={{ pageSize: 5, hideOnSinglePage: true }}
              columns={[
                {
                  key: 'community',
                  title: t('supplies.shortfalls.community'),
                  render: (_, r) => <AreaName code={r.community} />,
                },
                {
                  key: 'category',
                  title: t('supplies.shortfalls.category'),
                  render: (_, r) => t(`supplies.category.${r.category}`),
                },
                {
                  key: 'short',
                  title: t('supplies.shortfalls.short'),
                  render: (_, r) => <Tag color="red">{t('supplies.pack', { n: r.short })}</Tag>,
                },
                { key: 'requests', title: t('supplies.shortfalls.requests'), dataIndex: 'requests' },
              ]}
            />
          )}
        </Card>
      </Col>
    </Row>
  );
}

function HandButton({ r, after }: { r: RequestItem; after: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm();
  // One key per hand-over being recorded: a retried submission is the same record.
  const [key, setKey] = useState(() => crypto.randomUUID());
  return (
    <>
      <Button size="small" type="primary" className="supplies-hand" onClick={() => setOpen(true)}>
        {t('supplies.hand.action')}
      </Button>
      <Modal
        open={open}
        title={t('supplies.hand.title')}
        okText={t('action.confirm')}
        cancelText={t('action.cancel')}
        onCancel={() => setOpen(false)}
        onOk={async () => {
          const v = await form.validateFields();
          const ok = await act(
            () =>
              api(`/api/supplies/requests/${r.id}/handed`, {
                method: 'POST',
                body: { key, worker: v.worker, worker_kind: v.worker_kind },
              }),
            () => t('supplies.hand.ok'),
            after,
          );
          if (ok) {
            setOpen(false);
            form.resetFields();
            setKey(crypto.randomUUID());
          }
        }}
      >
        <Form form={form} layout="vertical" initialValues={{ worker_kind: 'volunteer' }}>
          <Required name="worker" label={t('supplies.hand.worker')}>
            <Input className="supplies-hand-worker" maxLength={50} />
          </Required>
          <Form.Item name="worker_kind" label={t('supplies.hand.kind')}>
            <Radio.Group
              options={(['community_worker', 'volunteer'] as const).map((k) => ({
                value: k,
                label: t(`supplies.workerKind.${k}`),
              }))}
            />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

function RequestList({
  version,
  bump,
  mayRecord,
}: {
  version: number;
  bump: () => void;
  mayRecord: boolean;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const packs = usePacks();
  const [status, setStatus] = useState<string | undefined>();
  const [late, setLate] = useState(false);
  const [open, setOpen] = useState(false);
  const filters = { status, late: late ? 'true' : undefined, open: open ? 'true' : undefined };
  const paged = useCursorList<RequestItem>('/api/supplies/requests', filters, version, PAGE);
  const { total, refilter } = paged;
  const columns: Column<RequestItem>[] = [
    {
      key: 'requester',
      title: t('supplies.list.requester'),
      render: (_, r) =>
        r.requester === 'community' ? (
          <Tag>{t('supplies.requester.community')}</Tag>
        ) : (
          (r.person_name ?? t('supplies.list.personNo', { id: r.person_id }))
        ),
    },
    areaColumn({ key: 'area', title: t('supplies.list.area'), get: (r) => r.area_code }),
    {
      key: 'zone',
      title: t('supplies.list.zone'),
      render: (_, r) => (
        <Tag color={r.zone_level === 'lockdown' ? 'red' : 'orange'}>{t(`supplies.zone.${r.zone_level}`)}</Tag>
      ),
    },
    {
      key: 'deliver_to',
      title: t('supplies.list.deliverTo'),
      render: (_, r) => t(`supplies.deliverTo.${r.deliver_to}`),
    },
    {
      key: 'items',
      title: t('supplies.list.items'),
      render: (_, r) => (
        <Space size={4} wrap>
          {packs(Object.fromEntries(r.items.map((i) => [i.category, i.quantity])))}
          {r.short > 0 && <Tag color="red">{t('supplies.list.short', { n: r.short })}</Tag>}
        </Space>
      ),
    },
    {
      key: 'urgency',
      title: t('supplies.list.urgency'),
      render: (_, r) => (
        <Tag color={r.urgency === 'urgent' ? 'orange' : undefined}>{t(`supplies.urgency.${r.urgency}`)}</Tag>
      ),
    },
    {
      key: 'status',
      title: t('supplies.list.status'),
      render: (_, r) => (
        <Space size={4}>
          <Tag color={STATUS_TAG[r.status]}>{t(`supplies.status.${r.status}`)}</Tag>
          {r.late && <Tag color="red">{t('supplies.list.late')}</Tag>}
        </Space>
      ),
    },
    {
      key: 'requested_at',
      title: t('supplies.list.requestedAt'),
      render: (_, r) => fmt.dateTime(r.requested_at),
      sorter: byString((r) => r.requested_at),
    },
    {
      key: 'due',
      title: t('supplies.list.due'),
      render: (_, r) => (
        <Typography.Text type={r.late ? 'danger' : undefined}>{fmt.dateTime(r.due_at)}</Typography.Text>
      ),
      sorter: byString((r) => r.due_at),
    },
    {
      key: 'handed',
      title: t('supplies.list.handedBy'),
      render: (_, r) =>
        r.handed_at ? (
          `${r.handed_worker}（${t(`supplies.workerKind.${r.handed_worker_kind}`)}）${fmt.dateTime(r.handed_at)}`
        ) : mayRecord && r.status === 'at_gate' ? (
          <HandButton r={r} after={bump} />
        ) : (
          '—'
        ),
    },
  ];
  return (
    <Card
      size="small"
      title={`${t('supplies.list.title')}（${fmt.number(total ?? 0)}）`}
      style={{ marginBottom: 16 }}
      className="supplies-requests"
    >
      <DataTable<RequestItem>
        {...paged.table}
        columns={columns}
        rowKey="id"
        exportName={t('supplies.list.title')}
        toolbar={
          <>
            <CodeSelect
              ns="supplies.status"
              size="small"
              allowClear
              style={{ width: 140 }}
              placeholder={t('supplies.list.status')}
              value={status}
              onChange={refilter(setStatus)}
            />
            <Checkbox
              checked={late}
              onChange={(e) => refilter(setLate)(e.target.checked)}
              className="supplies-late-only"
            >
              {t('supplies.list.lateOnly')}
            </Checkbox>
            <Checkbox checked={open} onChange={(e) => refilter(setOpen)(e.target.checked)}>
              {t('supplies.list.openOnly')}
            </Checkbox>
          </>
        }
        expandable={{
          expandedRowRender: (r) => (
            <Space direction="vertical" size={2}>
              {r.items.map((i) => (
                <span key={i.category}>
                  {t(`supplies.category.${i.category}`)} {t('supplies.pack', { n: i.quantity })}
                  {i.detail ? `：${i.detail}` : ''}
                </span>
              ))}
              {r.note && (
                <span>
                  {t('supplies.list.note')}：{r.note}
                </span>
              )}
              {r.depot_name && (
                <span>
                  {t('supplies.list.depot')}：{r.depot_name}
                  {r.dispatched_at
                    ? ` · ${t('supplies.deliveries.dispatchedAt')} ${fmt.dateTime(r.dispatched_at)}`
                    : ''}
                  {r.at_gate_at
                    ? ` · ${t('supplies.deliveries.atGateAt')} ${fmt.dateTime(r.at_gate_at)}`
                    : ''}
                </span>
              )}
            </Space>
          ),
        }}
      />
    </Card>
  );
}

function NewRequest({ me, after }: { me: Me; after: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const fmt = useFormat();
  const [form] = Form.useForm();
  const [who, setWho] = useState<'household' | 'community'>('household');
  const [area, setArea] = useState<string | undefined>();
  const [missing, setMissing] = useState(false);
  // One key per request being filled in: a retried submission is the same request, counted once.
  const [key, setKey] = useState(() => crypto.randomUUID());
  return (
    <Card size="small" title={t('supplies.form.title')} style={{ marginBottom: 16 }}>
      <Form
        form={form}
        layout="vertical"
        className="supplies-request-form"
        initialValues={{ urgency: 'normal' }}
        onFinish={async (v: Record<string, unknown>) => {
          const items = CATEGORIES.filter(
            (c) => typeof v[`q_${c}`] === 'number' && (v[`q_${c}`] as number) > 0,
          ).map((c) => ({
            category: c,
            quantity: v[`q_${c}`] as number,
            detail: ((v[`d_${c}`] as string) ?? '').trim(),
          }));
          setMissing(items.length === 0);
          if (items.length === 0) return;
          const answer = await act(
            () =>
              api<SupplyRequestFiled>('/api/supplies/requests', {
                method: 'POST',
                body: {
                  key,
                  ...(who === 'household' ? { person_id: v.person_id } : { area_code: v.area_code }),
                  urgency: v.urgency,
                  items,
                  note: ((v.note as string) ?? '').trim(),
                },
              }),
            (a) =>
              a.duplicate
                ? t('supplies.form.duplicate', { id: a.request.id })
                : t('supplies.form.filed', {
                    id: a.request.id,
                    to: t(`supplies.deliverTo.${a.request.deliver_to}`),
                    due: fmt.dateTime(a.request.due_at),
                  }),
            after,
          );
          if (answer) {
            form.resetFields();
            setKey(crypto.randomUUID());
          }
        }}
      >
        <Form.Item label={t('supplies.form.requester')}>
          <Radio.Group
            value={who}
            onChange={(e) => setWho(e.target.value)}
            className="supplies-requester"
            options={(['household', 'community'] as const).map((k) => ({
              value: k,
              label: t(`supplies.requester.${k}`),
            }))}
          />
        </Form.Item>
        {who === 'household' ? (
          <>
            <Form.Item label={t('supplies.form.area')}>
              <AreaPicker root={me.jurisdiction} value={area} onChange={setArea} allowClear />
            </Form.Item>
            <Required name="person_id" label={t('supplies.form.person')}>
              <PersonSearch
                area={area}
                className="supplies-person"
                placeholder={t('supplies.form.personPlaceholder')}
              />
            </Required>
          </>
        ) : (
          <Required name="area_code" label={t('supplies.form.compound')}>
            <AreaPicker root={me.jurisdiction} />
          </Required>
        )}
        <Form.Item name="urgency" label={t('supplies.form.urgency')} extra={t('supplies.form.urgentHint')}>
          <CodeSelect ns="supplies.urgency" codes={['normal', 'urgent']} style={{ width: 120 }} />
        </Form.Item>
        <Typography.Text strong>{t('supplies.form.items')}</Typography.Text>
        {missing && (
          <Alert type="warning" showIcon message={t('supplies.form.noItems')} style={{ margin: '8px 0' }} />
        )}
        {CATEGORIES.map((c) => (
          <Space key={c} align="start" wrap style={{ display: 'flex', marginTop: 8 }}>
            <Form.Item name={`q_${c}`} label={t(`supplies.category.${c}`)} style={{ marginBottom: 0 }}>
              <InputNumber min={1} max={10000} className={`supplies-qty-${c}`} style={{ width: 110 }} />
            </Form.Item>
            <Form.Item
              name={`d_${c}`}
              label={t('supplies.form.detail', { category: t(`supplies.category.${c}`) })}
              style={{ marginBottom: 0 }}
            >
              <Input maxLength={200} style={{ width: 240 }} />
            </Form.Item>
          </Space>
        ))}
        <Form.Item name="note" label={t('supplies.form.note')} style={{ marginTop: 12 }}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('supplies.form.submit')}
        </Button>
      </Form>
    </Card>
  );
}

function PlanCard({ version, after }: { version: number; after: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const packs = usePacks();
  const plan = useApi<Plan>('/api/supplies/plan', version);
  const proposals = plan.data?.deliveries ?? [];
  const unmet = plan.data?.unmet ?? [];
  return (
    <Card
      size="small"
      title={t('supplies.plan.title')}
      style={{ marginBottom: 16 }}
      className="supplies-plan"
    >
      <Typography.Paragraph type="secondary">{t('supplies.plan.intro')}</Typography.Paragraph>
      <ErrorAlert error={plan.error} />
      {plan.data && proposals.length === 0 ? (
        <Empty description={t('supplies.plan.none')} />
      ) : (
        <Table<Proposal>
          size="small"
          rowKey={(p) => proposalKey(p)}
          dataSource={proposals}
          loading={plan.loading}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          columns={[
            { key: 'depot', title: t('supplies.plan.depot'), dataIndex: 'depot_name' },
            {
              key: 'compound',
              title: t('supplies.plan.compound'),
              render: (_, p) => <AreaName code={p.area_code} />,
            },
            { key: 'requests', title: t('supplies.plan.requests'), render: (_, p) => p.request_ids.length },
            { key: 'packs', title: t('supplies.plan.packs'), render: (_, p) => packs(p.packs) },
            {
              key: 'km',
              title: t('supplies.plan.km'),
              render: (_, p) => t('supplies.plan.kmValue', { km: p.km }),
            },
            {
              key: 'confirm',
              title: '',
              render: (_, p) => (
                <Button
                  size="small"
                  type="primary"
                  className="supplies-confirm"
                  onClick={() =>
                    act(
                      () =>
                        api<DeliveryConfirmed>('/api/supplies/deliveries', {
                          method: 'POST',
                          body: {
                            key: proposalKey(p),
                            depot_id: p.depot_id,
                            area_code: p.area_code,
                            request_ids: p.request_ids,
                          },
                        }),
                      (a) =>
                        a.duplicate
                          ? t('supplies.plan.already', { id: a.delivery_id })
                          : t('supplies.plan.confirmed', { id: a.delivery_id, n: a.request_ids.length }),
                      after,
                    )
                  }
                >
                  {t('supplies.plan.confirm')}
                </Button>
              ),
            },
          ]}
        />
      )}
      {unmet.length > 0 && (
        <Alert
          type="warning"
          showIcon
          style={{ marginTop: 12 }}
          message={t('supplies.plan.unmet')}
          description={
            <Space direction="vertical" size={0}>
              {unmet.map((u) => (
                <span key={u.id}>
                  {t('supplies.plan.unmetRow', { id: u.id, what: packs(u.short) })} ·{' '}
                  <AreaName code={u.area_code} />
                </span>
              ))}
            </Space>
          }
        />
      )}
    </Card>
  );
}

function Deliveries({
  version,
  after,
  mayDispatch,
}: {
  version: number;
  after: () => void;
  mayDispatch: boolean;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const act = useAction();
  const [driver, setDriver] = useState('');
  const paged = useCursorList<Delivery>('/api/supplies/deliveries', {}, version, PAGE);
  const step = (d: Delivery, path: 'dispatched' | 'at-gate', label: string) =>
    act(
      () =>
        api(`/api/supplies/deliveries/${d.id}/${path}`, {
          method: 'POST',
          body: { key: `step-${path}-${d.id}`, worker: driver.trim() },
        }),
      () => t('supplies.deliveries.done', { step: label }),
      after,
    );
  const columns: Column<Delivery>[] = [
    {
      key: 'id',
      title: t('supplies.deliveries.id'),
      render: (_, d) => `#${d.id}`,
      sorter: byNumber((d) => d.id),
    },
    { key: 'depot', title: t('supplies.deliveries.depot'), dataIndex: 'depot_name' },
    areaColumn({ key: 'compound', title: t('supplies.deliveries.compound'), get: (d) => d.area_code }),
    {
      key: 'status',
      title: t('supplies.deliveries.status'),
      render: (_, d) => <Tag color={STATUS_TAG[d.status]}>{t(`supplies.deliveryStatus.${d.status}`)}</Tag>,
    },
    {
      key: 'progress',
      title: t('supplies.deliveries.progress'),
      render: (_, d) => t('supplies.deliveries.progressValue', { handed: d.handed, requests: d.requests }),
    },
    {
      key: 'planned',
      title: t('supplies.deliveries.plannedAt'),
      render: (_, d) => fmt.dateTime(d.planned_at),
    },
    {
      key: 'dispatched',
      title: t('supplies.deliveries.dispatchedAt'),
      render: (_, d) => fmt.dateTime(d.dispatched_at),
    },
    {
      key: 'at_gate',
      title: t('supplies.deliveries.atGateAt'),
      render: (_, d) => fmt.dateTime(d.at_gate_at),
    },
    { key: 'workers', title: t('supplies.deliveries.workers'), render: (_, d) => d.workers ?? '—' },
    ...(mayDispatch
      ? [
          {
            key: ACTIONS,
            title: '',
            render: (_: unknown, d: Delivery) =>
              d.status === 'planned' ? (
                <ConfirmButton
                  key="dispatch"
                  type="primary"
                  title={t('supplies.deliveries.confirmStep', {
                    step: t('supplies.deliveries.dispatch'),
                  })}
                  onConfirm={() => step(d, 'dispatched', t('supplies.deliveries.dispatch'))}
                >
                  {t('supplies.deliveries.dispatch')}
                </ConfirmButton>
              ) : d.status === 'dispatched' ? (
                <ConfirmButton
                  key="at-gate"
                  type="primary"
                  title={t('supplies.deliveries.confirmStep', {
                    step: t('supplies.deliveries.atGate'),
                  })}
                  onConfirm={() => step(d, 'at-gate', t('supplies.deliveries.atGate'))}
                >
                  {t('supplies.deliveries.atGate')}
                </ConfirmButton>
              ) : null,
          },
        ]
      : []),
  ];
  return (
    <Card
      size="small"
      title={t('supplies.deliveries.title')}
      style={{ marginBottom: 16 }}
      extra={
        mayDispatch && (
          <Input
            size="small"
            style={{ width: 180 }}
            className="supplies-driver"
            placeholder={t('supplies.deliveries.driver')}
            value={driver}
            onChange={(e) => setDriver(e.target.value)}
            maxLength={50}
          />
        )
      }
    >
      {paged.total === 0 && paged.keys.page === 0 && !paged.list.error ? (
        <Empty description={t('supplies.deliveries.none')} />
      ) : (
        <div className="supplies-deliveries">
          <DataTable<Delivery>
            {...paged.table}
            columns={columns}
            rowKey="id"
            exportName={t('supplies.deliveries.title')}
          />
        </div>
      )}
    </Card>
  );
}

function Depots({
  me,
  version,
  after,
  mayDispatch,
}: {
  me: Me;
  version: number;
  after: () => void;
  mayDispatch: boolean;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const act = useAction();
  const list = useApi<{ items: Depot[] }>('/api/supplies/depots', version);
  const [adding, setAdding] = useState(false);
  const [receiving, setReceiving] = useState<Depot | null>(null);
  const [receiptKey, setReceiptKey] = useState(() => crypto.randomUUID());
  const [addForm] = Form.useForm();
  const [receiveForm] = Form.useForm();
  const packsFrom = (v: Record<string, unknown>) =>
    Object.fromEntries(
      CATEGORIES.filter((c) => typeof v[c] === 'number' && (v[c] as number) > 0).map((c) => [c, v[c]]),
    );
  return (
    <Card
      size="small"
      title={t('supplies.depots.title')}
      extra={
        mayDispatch && (
          <Button size="small" onClick={() => setAdding(true)}>
            {t('supplies.depots.add')}
          </Button>
        )
      }
    >
      <ErrorAlert error={list.error} />
      <Table<Depot>
        size="small"
        rowKey="id"
        className="supplies-depots"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
        columns={[
          { key: 'name', title: t('supplies.depots.name'), dataIndex: 'name' },
          {
            key: 'area',
            title: t('supplies.depots.area'),
            render: (_, d) => <AreaName code={d.area_code} />,
          },
          {
            key: 'source',
            title: t('supplies.depots.source'),
            render: (_, d) => (
              <Space size={4} wrap>
                <Tag color={d.source === 'support' ? 'cyan' : undefined}>
                  {t(`supplies.source.${d.source}`)}
                </Tag>
                {d.origin}
                {d.arrives_at && (
                  <Typography.Text type={d.usable ? 'secondary' : 'warning'}>
                    {t('supplies.depots.arrives')} {fmt.dateTime(d.arrives_at)}
                    {!d.usable && `（${t('supplies.depots.notArrived')}）`}
                  </Typography.Text>
                )}
              </Space>
            ),
          },
          {
            key: 'stock',
            title: t('supplies.depots.stock'),
            render: (_, d) => (
              <Space size={4} wrap>
                {d.stock
                  .filter((s) => s.quantity > 0)
                  .map((s) => (
                    <Tag key={s.category} color={s.available === 0 ? 'red' : undefined}>
                      {t('supplies.depots.stockValue', {
                        category: t(`supplies.category.${s.category}`),
                        available: s.available,
                        quantity: s.quantity,
                      })}
                    </Tag>
                  ))}
              </Space>
            ),
          },
          ...(mayDispatch
            ? [
                {
                  key: 'receive',
                  title: '',
                  render: (_: unknown, d: Depot) => (
                    <Button size="small" onClick={() => setReceiving(d)}>
                      {t('supplies.depots.receive')}
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      <Modal
        open={adding}
        title={t('supplies.depots.add')}
        okText={t('action.confirm')}
        cancelText={t('action.cancel')}
        onCancel={() => setAdding(false)}
        onOk={async () => {
          const v = await addForm.validateFields();
          const ok = await act(
            () =>
              api('/api/supplies/depots', {
                method: 'POST',
                body: {
                  name: v.name,
                  area_code: v.area_code,
                  source: v.source,
                  origin: v.origin ?? '',
                  ...(v.arrives_at ? { arrives_at: pickerInstant(v.arrives_at as Dayjs) } : {}),
                  stock: packsFrom(v),
                },
              }),
            () => t('supplies.depots.created'),
            after,
          );
          if (ok) {
            setAdding(false);
            addForm.resetFields();
          }
        }}
      >
        <Form form={addForm} layout="vertical" initialValues={{ source: 'local' }}>
          <Form.Item name="name" label={t('supplies.depots.name')} rules={[{ required: true }]}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="area_code" label={t('supplies.depots.area')} rules={[{ required: true }]}>
            <AreaPicker root={me.jurisdiction} />
          </Form.Item>
          <Form.Item name="source" label={t('supplies.depots.source')}>
            <Radio.Group
              options={(['local', 'support'] as const).map((s) => ({
                value: s,
                label: t(`supplies.source.${s}`),
              }))}
            />
          </Form.Item>
          <Form.Item name="origin" label={t('supplies.depots.origin')}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="arrives_at" label={t('supplies.depots.arrivesAt')}>
            <BeijingDateTimePicker />
          </Form.Item>
          {CATEGORIES.map((c) => (
            <Form.Item
              key={c}
              name={c}
              label={t('supplies.depots.quantity', { category: t(`supplies.category.${c}`) })}
            >
              <InputNumber min={0} max={1000000} />
            </Form.Item>
          ))}
        </Form>
      </Modal>
      <Modal
        open={receiving !== null}
        title={t('supplies.depots.receiveTitle', { name: receiving?.name ?? '' })}
        okText={t('action.confirm')}
        cancelText={t('action.cancel')}
        onCancel={() => setReceiving(null)}
        onOk={async () => {
          const v = await receiveForm.validateFields();
          const items = Object.entries(packsFrom(v)).map(([category, quantity]) => ({ category, quantity }));
          if (items.length === 0) return;
          const ok = await act(
            () =>
              api<StockReceived>(`/api/supplies/depots/${receiving?.id}/receipts`, {
                method: 'POST',
                body: { key: receiptKey, items },
              }),
            (a) => (a.duplicate ? t('supplies.depots.receivedAgain') : t('supplies.depots.received')),
            after,
          );
          if (ok) {
            setReceiving(null);
            receiveForm.resetFields();
            setReceiptKey(crypto.randomUUID());
          }
        }}
      >
        <Form form={receiveForm} layout="vertical">
          {CATEGORIES.map((c) => (
            <Form.Item
              key={c}
              name={c}
              label={t('supplies.depots.quantity', { category: t(`supplies.category.${c}`) })}
            >
              <InputNumber min={1} max={10000} />
            </Form.Item>
          ))}
        </Form>
      </Modal>
    </Card>
  );
}

export default function SuppliesPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const may = usePermissions(me);
  const [version, bump] = useVersion();
  return (
    <div className="supplies-page">
      <Typography.Title level={3}>{t('supplies.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('supplies.intro')}</Typography.Paragraph>
      <Figures version={version} />
      <RequestList version={version} bump={bump} mayRecord={may('supply.request')} />
      <Row gutter={16}>
        <Col xs={24} xl={10}>
          {may('supply.request') && <NewRequest me={me} after={bump} />}
        </Col>
        <Col xs={24} xl={14}>
          {may('supply.dispatch') && <PlanCard version={version} after={bump} />}
          <Deliveries version={version} after={bump} mayDispatch={may('supply.dispatch')} />
        </Col>
      </Row>
      <Depots me={me} version={version} after={bump} mayDispatch={may('supply.dispatch')} />
    </div>
  );
}

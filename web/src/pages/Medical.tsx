/**
 * 就医保障: the emergency clock at the top (open emergencies with their minutes, red after 30 without a step), today's
 * figures (the dashboard's, by their names), the requests with their steps and the actions the role allows (route,
 * choose a hospital, assign a vehicle, at the hospital, treated, record a refusal), a new request (the area picked
 * by name, the patient found by searching), the hospitals with their colour and today's capacity, and the refusals.
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
  Row,
  Select,
  Space,
  Statistic,
  Steps,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../AreaPicker.tsx';
import { api, query } from '../api.ts';
import type {
  DashboardKpis,
  EmergencyClockAnswer,
  Hospital as HospitalItem,
  Me,
  MedicalRequestFiled,
  MedicalStepAnswer,
  MedicalRefusal as Refusal,
  MedicalRequest as RequestItem,
  MedicalVehicle as Vehicle,
} from '../contract.ts';
import { type FigureKey, FigureLabel } from '../figure-label.tsx';
import { CodeSelect, useCursorList } from './filters.tsx';
import { PersonSearch, RequiredItem, type RequiredProps } from './forms.tsx';
import {
  ACTIONS,
  AreaName,
  areaColumn,
  byString,
  type Column,
  ConfirmButton,
  DataTable,
  ErrorAlert,
  PersonName,
  personColumn,
  useAction,
  useApi,
  useFormat,
  usePermissions,
  useVersion,
} from './shared.tsx';

const SERVICES = ['dialysis', 'delivery', 'chemotherapy', 'emergency', 'chronic_medicine'] as const;
const URGENCIES = ['emergency', 'urgent', 'routine'] as const;
const STEP_ORDER = ['requested', 'routed', 'vehicle_assigned', 'at_hospital', 'treated'] as const;
const COLOUR_TAG: Record<string, string> = { red: 'red', yellow: 'gold', green: 'green' };
const URGENCY_TAG: Record<string, string> = { emergency: 'red', urgent: 'orange', routine: 'default' };
/** Rows of a list page (keyset pages: the whole list through the pages and the export). */
const PAGE = 50;

const Required = (p: RequiredProps) => <RequiredItem message="medical.form.required" {...p} />;

const FIGURES: [string, FigureKey][] = [
  ['medical_requests_today', 'medical_requests'],
  ['medical_met_today', 'medical_met'],
  ['medical_refused_today', 'medical_refused'],
  ['medical_emergencies_open', 'medical_emergencies_open'],
  ['medical_emergencies_stalled', 'medical_emergencies_stalled'],
];

/** A routing or colour reason: a code and its parameters. */
type Reason = RequestItem['colour_reason'];

/** A reason (code + parameters) in words: colours and services in words too. */
function useReasonText() {
  const { t } = useTranslation();
  return (r: Reason | null | undefined) => {
    if (!r) return '—';
    const p = { ...r.params };
    if (typeof p.colour === 'string') p.colour = t(`medical.colour.${p.colour}`);
    if (typeof p.service === 'string') p.service = t(`medical.service.${p.service}`);
    return t(`medical.reason.${r.code}`, { ...p, defaultValue: t('medical.list.why') });
  };
}

function EmergencyClock({ version }: { version: number }) {
  const { t } = useTranslation();
  const clock = useApi<EmergencyClockAnswer>('/api/medical/emergencies', version);
  const { reload } = clock;
  useEffect(() => {
    const timer = setInterval(reload, 30_000);
    return () => clearInterval(timer);
  }, [reload]);
  const items = clock.data?.items ?? [];
  return (
    <Card
      title={t('medical.clock.title')}
      size="small"
      className="medical-clock"
      style={{ marginBottom: 16 }}
    >
      <ErrorAlert error={clock.error} />
      {items.length === 0 ? (
        <Typography.Text type="secondary">{t('medical.clock.none')}</Typography.Text>
      ) : (
        <Row gutter={[12, 12]}>
          {items.map((e) => (
            <Col key={e.id} xs={24} sm={12} lg={8}>
              <Card
                size="small"
                className={e.stalled ? 'medical-clock-stalled' : 'medical-clock-moving'}
                style={{
                  borderColor: e.stalled ? '#cf1322' : '#d9d9d9',
                  background: e.stalled ? '#fff1f0' : undefined,
                }}
              >
                <Space direction="vertical" size={2}>
                  <Space>
                    <strong>
                      <PersonName id={e.person_id} />
                    </strong>
                    <Tag>{t(`medical.service.${e.service}`)}</Tag>
                    <Tag color={e.status === 'refused' ? 'red' : 'blue'}>
                      {t(`medical.status.${e.status}`)}
                    </Tag>
                  </Space>
                  <AreaName code={e.area_code} />
                  <Statistic
                    value={e.minutes_since_requested}
                    suffix={t('medical.minuteUnit')}
                    valueStyle={{ color: e.stalled ? '#cf1322' : undefined, fontSize: 22 }}
                  />
                  <Typography.Text type={e.stalled ? 'danger' : 'secondary'}>
                    {t('medical.clock.sinceStep', { n: e.minutes_since_step })} ·{' '}
                    {e.stalled ? t('medical.clock.stalled') : t('medical.clock.moving')}
                  </Typography.Text>
                </Space>
              </Card>
            </Col>
          ))}
        </Row>
      )}
    </Card>
  );
}

function Figures({ version }: { version: number }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const kpis = useApi<DashboardKpis>('/api/dashboard/kpis', version);
  const f = kpis.data?.figures ?? {};
  return (
    <Card
      size="small"
      title={t('medical.figures')}
      style={{ marginBottom: 16 }}
      extra={
        kpis.data && (
          <Typography.Text type="secondary">
            {t('medical.asOf', { at: fmt.dateTime(kpis.data.computed_at) })}
          </Typography.Text>
        )
      }
    >
      <Row gutter={16}>
        {FIGURES.map(([key, figure]) => (
          <Col key={key} xs={12} md={4}>
            <Statistic
              title={<FigureLabel k={figure} />}
              value={f[key] ?? 0}
              valueStyle={
                key === 'medical_emergencies_stalled' && (f[key] ?? 0) > 0 ? { color: '#cf1322' } : {}
              }
            />
          </Col>
        ))}
      </Row>
    </Card>
  );
}

function StepsOf({ r }: { r: RequestItem }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const at: Record<string, string | null> = {
    requested: r.requested_at,
    routed: r.routed_at,
    vehicle_assigned: r.vehicle_assigned_at,
    at_hospital: r.at_hospital_at,
    treated: r.treated_at,
  };
  const current = r.status === 'refused' ? 1 : STEP_ORDER.indexOf(r.status as (typeof STEP_ORDER)[number]);
  return (
    <Steps
      size="small"
      current={current}
      status={r.status === 'refused' ? 'error' : r.status === 'treated' ? 'finish' : 'process'}
      items={STEP_ORDER.map((s) => ({
        title: t(`medical.steps.${s}`),
        description: at[s] ? fmt.dateTime(at[s]) : undefined,
      }))}
    />
  );
}

function RequestActions({
  r,
  hospitals,
  after,
}: {
  r: RequestItem;
  hospitals: HospitalItem[];
  after: () => void;
}) {
  const { t } = useTranslation();
  const act = useAction();
  const [hospital, setHospital] = useState<number | undefined>();
  const [vehicle, setVehicle] = useState<number | undefined>();
  const [vehicles, setVehicles] = useState<Vehicle[] | null>(null);
  const [refusing, setRefusing] = useState(false);
  const [reason, setReason] = useState('');
  const post = (path: string, body?: unknown) =>
    api<MedicalStepAnswer>(`/api/medical/requests/${r.id}/${path}`, {
      method: 'POST',
      body: body ?? {},
    });
  const done = (what: string) => () => t('medical.actions.done', { what });
  const routable = r.status === 'requested' || r.status === 'refused';
  const sameColour = hospitals.filter((h) => h.code_colour === r.code_colour && h.active);
  return (
    <Space wrap size={4}>
      {routable && (
        <>
          <Button
            size="small"
            type="primary"
            className="medical-route"
            onClick={() => act(() => post('route'), done(t('medical.actions.route')), after)}
          >
            {t('medical.actions.route')}
          </Button>
          <Select
            size="small"
            style={{ width: 160 }}
            placeholder={t('medical.actions.pickHospital')}
            value={hospital}
            onChange={setHospital}
            options={sameColour.map((h) => ({ value: h.id, label: h.name }))}
          />
          <Button
            size="small"
            disabled={hospital === undefined}
            onClick={() =>
              act(() => post('route', { hospital_id: hospital }), done(t('medical.actions.routeTo')), after)
            }
          >
            {t('medical.actions.routeTo')}
          </Button>
        </>
      )}
      {r.status === 'routed' && (
        <>
          <Select
            size="small"
            style={{ width: 170 }}
            placeholder={t('medical.actions.pickVehicle')}
            value={vehicle}
            onChange={setVehicle}
            onDropdownVisibleChange={(open) => {
              if (open && vehicles === null)
                api<{ items: Vehicle[] }>(
                  `/api/medical/vehicles${query({ ambulances: r.urgency === 'emergency' ? 'true' : undefined })}`,
                ).then(
                  (v) => setVehicles(v.items),
                  () => setVehicles([]),
                );
            }}
            options={(vehicles ?? []).map((v) => ({
              value: v.id,
              disabled: v.busy !== null,
              label: `${v.plate} · ${t(`vehicleKind.${v.kind}`)}${v.busy ? `（${t(`medical.actions.busy.${v.busy}`)}）` : ''}`,
            }))}
          />
          <Button
            size="small"
            disabled={vehicle === undefined}
            onClick={() =>
              act(() => post('vehicle', { vehicle_id: vehicle }), done(t('medical.actions.vehicle')), after)
            }
          >
            {t('medical.actions.vehicle')}
          </Button>
        </>
      )}
      {(r.status === 'routed' || r.status === 'vehicle_assigned') && (
        <ConfirmButton
          title={t('medical.actions.confirmStep', { step: t('medical.actions.atHospital') })}
          onConfirm={() => act(() => post('at-hospital'), done(t('medical.actions.atHospital')), after)}
        >
          {t('medical.actions.atHospital')}
        </ConfirmButton>
      )}
      {r.status === 'at_hospital' && (
        <ConfirmButton
          type="primary"
          title={t('medical.actions.confirmStep', { step: t('medical.actions.treated') })}
          onConfirm={() => act(() => post('treated'), done(t('medical.actions.treated')), after)}
        >
          {t('medical.actions.treated')}
        </ConfirmButton>
      )}
      {['routed', 'vehicle_assigned', 'at_hospital'].includes(r.status) && (
        <Button size="small" danger className="medical-refuse" onClick={() => setRefusing(true)}>
          {t('medical.actions.refuse')}
        </Button>
      )}
      <Modal
        open={refusing}
        title={t('medical.actions.refuseTitle')}
        okButtonProps={{ danger: true, disabled: reason.trim().length < 2 }}
        okText={t('medical.actions.refuse')}
        cancelText={t('action.cancel')}
        onCancel={() => setRefusing(false)}
        onOk={async () => {
          await act(() => post('refuse', { reason }), done(t('medical.actions.refuse')), after);
          setRefusing(false);
          setReason('');
        }}
      >
        <Alert
          type="warning"
          showIcon
          message={t('medical.actions.refuseHint')}
          style={{ marginBottom: 12 }}
        />
        <Input.TextArea
          className="medical-refuse-reason"
          placeholder={t('medical.actions.refuseReason')}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={500}
          rows={3}
        />
      </Modal>
    </Space>
  );
}

function RequestList({
  version,
  bump,
  hospitals,
  mayDispatch,
}: {
  version: number;
  bump: () => void;
  hospitals: HospitalItem[];
  mayDispatch: boolean;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const reasonText = useReasonText();
  const [status, setStatus] = useState<string | undefined>();
  const [urgency, setUrgency] = useState<string | undefined>();
  const [open, setOpen] = useState(false);
  const filters = { status, urgency, open: open ? 'true' : undefined };
  const paged = useCursorList<RequestItem>('/api/medical/requests', filters, version, PAGE);
  const { total, refilter } = paged;
  const columns: Column<RequestItem>[] = [
    {
      key: 'person',
      title: t('medical.list.person'),
      render: (_, r) => (
        <Tooltip title={r.id_number}>{r.person_name ?? t('medical.personNo', { id: r.person_id })}</Tooltip>
      ),
      sorter: byString((r) => r.person_name),
    },
    areaColumn({ key: 'area', title: t('medical.list.area'), get: (r) => r.area_code }),
    {
      key: 'service',
      title: t('medical.list.service'),
      render: (_, r) => t(`medical.service.${r.service}`),
    },
    {
      key: 'urgency',
      title: t('medical.list.urgency'),
      render: (_, r) => <Tag color={URGENCY_TAG[r.urgency]}>{t(`medical.urgency.${r.urgency}`)}</Tag>,
    },
    {
      key: 'colour',
      title: t('medical.list.colour'),
      render: (_, r) => <Tag color={COLOUR_TAG[r.code_colour]}>{t(`medical.colour.${r.code_colour}`)}</Tag>,
    },
    {
      key: 'status',
      title: t('medical.list.status'),
      render: (_, r) => (
        <Tag color={r.status === 'refused' ? 'red' : r.status === 'treated' ? 'green' : 'blue'}>
          {t(`medical.status.${r.status}`)}
        </Tag>
      ),
    },
    { key: 'hospital', title: t('medical.list.hospital'), render: (_, r) => r.hospital_name ?? '—' },
    { key: 'vehicle', title: t('medical.list.vehicle'), render: (_, r) => r.plate ?? '—' },
    { key: 'phone', title: t('medical.list.phone'), dataIndex: 'contact_phone' },
    {
      key: 'requested_at',
      title: t('medical.list.requestedAt'),
      render: (_, r) => fmt.dateTime(r.requested_at),
      sorter: byString((r) => r.requested_at),
    },
    ...(mayDispatch
      ? [
          {
            key: ACTIONS,
            title: '',
            render: (_: unknown, r: RequestItem) => (
              <RequestActions r={r} hospitals={hospitals} after={bump} />
            ),
          },
        ]
      : []),
  ];
  return (
    <Card
      size="small"
      title={`${t('medical.list.title')}（${fmt.number(total ?? 0)}）`}
      style={{ marginBottom: 16 }}
    >
      <DataTable<RequestItem>
        {...paged.table}
        columns={columns}
        rowKey="id"
        exportName={t('medical.list.title')}
        toolbar={
          <>
            <CodeSelect
              ns="medical.status"
              size="small"
              allowClear
              style={{ width: 120 }}
              placeholder={t('medical.list.status')}
              value={status}
              onChange={refilter(setStatus)}
            />
            <CodeSelect
              ns="medical.urgency"
              codes={URGENCIES}
              size="small"
              allowClear
              style={{ width: 110 }}
              placeholder={t('medical.list.urgency')}
              value={urgency}
              onChange={refilter(setUrgency)}
            />
            <Checkbox checked={open} onChange={(e) => refilter(setOpen)(e.target.checked)}>
              {t('medical.list.openOnly')}
            </Checkbox>
          </>
        }
        expandable={{
          expandedRowRender: (r) => (
            <Space direction="vertical" size={4} style={{ width: '100%' }}>
              <StepsOf r={r} />
              <span>
                {t('medical.list.colourWhy')}：{t(`medical.colourReason.${r.colour_reason.code}`)}（
                {t(`medical.basis.${r.basis}`)}）
              </span>
              {r.route_reason && (
                <span>
                  {t('medical.list.why')}：{reasonText(r.route_reason)}
                </span>
              )}
              {r.note && (
                <span>
                  {t('medical.list.note')}：{r.note}
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
  const [form] = Form.useForm();
  const [area, setArea] = useState<string | undefined>();
  // One key per request being filled in: a retried submission is the same request, counted once.
  const [key, setKey] = useState(() => crypto.randomUUID());
  return (
    <Card size="small" title={t('medical.form.title')} style={{ marginBottom: 16 }}>
      <Form
        form={form}
        layout="vertical"
        className="medical-request-form"
        initialValues={{ urgency: 'routine', service: 'chronic_medicine' }}
        onFinish={async (v: {
          person_id: number;
          service: string;
          urgency: string;
          contact_phone: string;
          note?: string;
        }) => {
          const answer = await act(
            () =>
              api<MedicalRequestFiled>('/api/medical/requests', {
                method: 'POST',
                body: { key, ...v, note: v.note ?? '' },
              }),
            (a) =>
              a.duplicate
                ? t('medical.form.duplicate', { id: a.request.id })
                : t('medical.form.filed', {
                    id: a.request.id,
                    colour: t(`medical.colour.${a.request.code_colour}`),
                  }),
            after,
          );
          if (answer) {
            form.resetFields();
            setKey(crypto.randomUUID());
          }
        }}
      >
        <Form.Item label={t('medical.form.area')}>
          <AreaPicker root={me.jurisdiction} value={area} onChange={setArea} allowClear />
        </Form.Item>
        <Required name="person_id" label={t('medical.form.person')}>
          <PersonSearch
            area={area}
            className="medical-person"
            placeholder={t('medical.form.personPlaceholder')}
          />
        </Required>
        <Space wrap>
          <Required name="service" label={t('medical.form.service')}>
            <CodeSelect ns="medical.service" codes={SERVICES} style={{ width: 150 }} />
          </Required>
          <Required name="urgency" label={t('medical.form.urgency')}>
            <CodeSelect ns="medical.urgency" codes={URGENCIES} style={{ width: 110 }} />
          </Required>
          <Required name="contact_phone" label={t('medical.form.phone')}>
            <Input style={{ width: 180 }} className="medical-phone" maxLength={40} />
          </Required>
        </Space>
        <Form.Item name="note" label={t('medical.form.note')}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('medical.form.submit')}
        </Button>
      </Form>
    </Card>
  );
}

/** A hospital's colour: the colour of the patients it takes. */
function ColourField() {
  const { t } = useTranslation();
  return (
    <Form.Item name="code_colour" label={t('medical.hospitals.colour')}>
      <CodeSelect ns="medical.hospitalColour" codes={['red', 'yellow', 'green']} />
    </Form.Item>
  );
}

/** A hospital's capacity per service today, one field a service. */
function CapacityFields() {
  const { t } = useTranslation();
  return SERVICES.map((s) => (
    <Form.Item
      key={s}
      name={s}
      label={t('medical.hospitals.capacity', { service: t(`medical.service.${s}`) })}
    >
      <InputNumber min={0} max={100000} />
    </Form.Item>
  ));
}

/** The capacities entered, for the services given one. */
function capacities(v: Record<string, unknown>) {
  return Object.fromEntries(SERVICES.filter((s) => typeof v[s] === 'number').map((s) => [s, v[s] as number]));
}

function Hospitals({
  me,
  hospitals,
  error,
  mayDispatch,
  after,
}: {
  me: Me;
  hospitals: HospitalItem[];
  error: string | null;
  mayDispatch: boolean;
  after: () => void;
}) {
  const { t } = useTranslation();
  const act = useAction();
  const [editing, setEditing] = useState<HospitalItem | null>(null);
  const [adding, setAdding] = useState(false);
  const [form] = Form.useForm();
  const [addForm] = Form.useForm();
  const capacityOf = (h: HospitalItem | null, s: string) =>
    h?.services.find((x) => x.service === s)?.capacity;
  return (
    <Card
      size="small"
      title={t('medical.hospitals.title')}
      style={{ marginBottom: 16 }}
      extra={
        mayDispatch && (
          <Button size="small" onClick={() => setAdding(true)}>
            {t('medical.hospitals.add')}
          </Button>
        )
      }
    >
      <ErrorAlert error={error} />
      <Table<HospitalItem>
        size="small"
        rowKey="id"
        dataSource={hospitals}
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
        columns={[
          { key: 'name', title: t('medical.hospitals.name'), dataIndex: 'name' },
          {
            key: 'area',
            title: t('medical.hospitals.area'),
            render: (_, h) => <AreaName code={h.area_code} />,
          },
          {
            key: 'colour',
            title: t('medical.hospitals.colour'),
            render: (_, h) => (
              <Space>
                <Tag color={COLOUR_TAG[h.code_colour]}>{t(`medical.hospitalColour.${h.code_colour}`)}</Tag>
                {!h.active && <Tag>{t('medical.hospitals.paused')}</Tag>}
              </Space>
            ),
          },
          {
            key: 'services',
            title: t('medical.hospitals.services'),
            render: (_, h) => (
              <Space wrap size={4}>
                {h.services.map((s) => (
                  <Tag key={s.service} color={s.free === 0 ? 'red' : undefined}>
                    {t(`medical.service.${s.service}`)} {t('medical.hospitals.usedOf', s)}
                  </Tag>
                ))}
              </Space>
            ),
          },
          ...(mayDispatch
            ? [
                {
                  key: 'edit',
                  title: '',
                  render: (_: unknown, h: HospitalItem) => (
                    <Button
                      size="small"
                      onClick={() => {
                        setEditing(h);
                        form.setFieldsValue({
                          code_colour: h.code_colour,
                          active: h.active,
                          ...Object.fromEntries(SERVICES.map((s) => [s, capacityOf(h, s)])),
                        });
                      }}
                    >
                      {t('medical.hospitals.edit')}
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      <Modal
        open={editing !== null}
        title={`${t('medical.hospitals.editTitle')}：${editing?.name ?? ''}`}
        okText={t('action.confirm')}
        cancelText={t('action.cancel')}
        onCancel={() => setEditing(null)}
        onOk={async () => {
          const v = await form.validateFields();
          const services = capacities(v);
          await act(
            () =>
              api(`/api/medical/hospitals/${editing?.id}`, {
                method: 'PATCH',
                body: { code_colour: v.code_colour, active: v.active, services },
              }),
            () => t('medical.hospitals.saved'),
            after,
          );
          setEditing(null);
        }}
      >
        <Form form={form} layout="vertical">
          <ColourField />
          <Form.Item name="active" valuePropName="checked">
            <Checkbox>{t('medical.hospitals.active')}</Checkbox>
          </Form.Item>
          <CapacityFields />
        </Form>
      </Modal>
      <Modal
        open={adding}
        title={t('medical.hospitals.add')}
        okText={t('action.confirm')}
        cancelText={t('action.cancel')}
        onCancel={() => setAdding(false)}
        onOk={async () => {
          const v = await addForm.validateFields();
          const services = capacities(v);
          const ok = await act(
            () =>
              api('/api/medical/hospitals', {
                method: 'POST',
                body: {
                  name: v.name,
                  area_code: v.area_code,
                  address: v.address ?? '',
                  code_colour: v.code_colour,
                  services,
                },
              }),
            () => t('medical.hospitals.created'),
            after,
          );
          if (ok) {
            setAdding(false);
            addForm.resetFields();
          }
        }}
      >
        <Form form={addForm} layout="vertical" initialValues={{ code_colour: 'green' }}>
          <Form.Item name="name" label={t('medical.hospitals.name')} rules={[{ required: true }]}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="area_code" label={t('medical.hospitals.area')} rules={[{ required: true }]}>
            <AreaPicker root={me.jurisdiction} />
          </Form.Item>
          <Form.Item name="address" label={t('medical.hospitals.address')}>
            <Input maxLength={200} />
          </Form.Item>
          <ColourField />
          <CapacityFields />
        </Form>
      </Modal>
    </Card>
  );
}

function Refusals({ version }: { version: number }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const paged = useCursorList<Refusal>('/api/medical/refusals', {}, version, PAGE);
  const columns: Column<Refusal>[] = [
    {
      key: 'at',
      title: t('medical.refusals.at'),
      render: (_, r) => fmt.dateTime(r.refused_at),
      sorter: byString((r) => r.refused_at),
    },
    personColumn({ key: 'person', title: t('medical.list.person'), get: (r) => r.person_id, t }),
    { key: 'hospital', title: t('medical.refusals.hospital'), dataIndex: 'hospital_name' },
    {
      key: 'step',
      title: t('medical.refusals.step'),
      render: (_, r) => t(`medical.status.${r.step}`),
    },
    { key: 'reason', title: t('medical.refusals.reason'), dataIndex: 'reason' },
    { key: 'by', title: t('medical.refusals.by'), dataIndex: 'refused_by_name' },
  ];
  return (
    <Card size="small" title={t('medical.refusals.title')}>
      {paged.total === 0 && paged.keys.page === 0 && !paged.list.error ? (
        <Empty description={t('medical.refusals.none')} />
      ) : (
        <DataTable<Refusal>
          {...paged.table}
          columns={columns}
          rowKey="id"
          exportName={t('medical.refusals.title')}
        />
      )}
    </Card>
  );
}

export default function MedicalPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const may = usePermissions(me);
  const [version, bump] = useVersion();
  const hospitals = useApi<{ items: HospitalItem[] }>('/api/medical/hospitals', version);
  const list = useMemo(() => hospitals.data?.items ?? [], [hospitals.data]);
  return (
    <div className="medical-page">
      <Typography.Title level={3}>{t('medical.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('medical.intro')}</Typography.Paragraph>
      <EmergencyClock version={version} />
      <Figures version={version} />
      <RequestList version={version} bump={bump} hospitals={list} mayDispatch={may('medical.dispatch')} />
      <Row gutter={16}>
        <Col xs={24} xl={10}>
          {may('medical.request') && <NewRequest me={me} after={bump} />}
        </Col>
        <Col xs={24} xl={14}>
          <Hospitals
            me={me}
            hospitals={list}
            error={hospitals.error}
            mayDispatch={may('medical.dispatch')}
            after={bump}
          />
        </Col>
      </Row>
      <Refusals version={version} />
    </div>
  );
}

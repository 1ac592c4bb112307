/**
 * 通行证: issue passes for supply, medical, response and emergency vehicles and people (a form: kind, holder,
 * organisation, purpose, start and days, allowed areas or a route), list them with their status in words, show a
 * pass's QR code large enough to scan and print (with its checks), revoke with a reason; the checkpoints of the
 * jurisdiction (add one with its position) and the passes the speed rule flags.
 */
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Col,
  Descriptions,
  Empty,
  Form,
  Input,
  InputNumber,
  Modal,
  QRCode,
  Radio,
  Row,
  Space,
  Switch,
  Table,
  Tag,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../AreaPicker.tsx';
import { api, type Me, query } from '../api.ts';
import { pickerInstant } from '../beijing-time.ts';
import type { Checkpoint, IssuedPass, Pass, PassDetail, PassesAnswer, Suspect } from '../contract.ts';
import { CodeSelect } from './filters.tsx';
import { FormModal, RequiredItem, type RequiredProps, useBusy } from './forms.tsx';
import {
  AreaName,
  BeijingDateTimePicker,
  ErrorAlert,
  useAction,
  useApi,
  useFormat,
  useVersion,
} from './shared.tsx';

const KINDS = ['supply', 'medical', 'response', 'emergency'] as const;
const STATUSES = ['valid', 'not_yet_valid', 'expired', 'revoked'] as const;
const STATUS_COLOURS: Record<string, string> = {
  valid: 'green',
  not_yet_valid: 'blue',
  expired: 'default',
  revoked: 'red',
};
const VERDICT_COLOURS: Record<string, string> = {
  valid: 'green',
  expired: 'orange',
  not_yet_valid: 'orange',
  area_not_allowed: 'orange',
  revoked: 'red',
  forged: 'red',
  unknown_key: 'red',
};

export type PassItem = Pass;
type CheckItem = PassDetail['check_list'][number];

const Required = (p: RequiredProps) => <RequiredItem message="passes.form.required" whitespace {...p} />;

interface IssueValues {
  kind: string;
  holder_type: 'vehicle' | 'person';
  holder_name: string;
  plate?: string;
  id_number?: string;
  organisation: string;
  purpose: string;
  starts_at?: Dayjs | null;
  days: number;
  areas: string[];
  route: boolean;
}

function IssueForm({ me, onIssued }: { me: Me; onIssued: (id: number) => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<IssueValues>();
  const holderType = Form.useWatch('holder_type', form);
  const [busy, busyWhile] = useBusy();
  const submit = async (v: IssueValues) => {
    const from = v.starts_at ? new Date(pickerInstant(v.starts_at)) : new Date();
    const to = new Date(from.getTime() + v.days * 86_400_000);
    const out = await busyWhile(() =>
      act(
        () =>
          api<IssuedPass>('/api/passes', {
            method: 'POST',
            body: {
              kind: v.kind,
              holder_type: v.holder_type,
              holder_name: v.holder_name,
              ...(v.holder_type === 'vehicle' ? { plate: v.plate } : {}),
              ...(v.id_number?.trim() ? { id_number: v.id_number } : {}),
              organisation: v.organisation,
              purpose: v.purpose,
              valid_from: from.toISOString(),
              valid_to: to.toISOString(),
              areas: v.areas,
              route: v.route,
            },
          }),
        (p) => t('passes.form.issued', { id: p.id }),
      ),
    );
    if (out) {
      form.resetFields(['holder_name', 'plate', 'id_number']);
      onIssued(out.id);
    }
  };
  return (
    <Form
      form={form}
      layout="vertical"
      onFinish={submit}
      initialValues={{ kind: 'supply', holder_type: 'vehicle', days: 3, route: false, areas: [] }}
      className="pass-issue-form"
    >
      <Row gutter={12}>
        <Col xs={24} md={8}>
          <Form.Item name="kind" label={t('passes.form.kind')}>
            <CodeSelect ns="passes.kind" codes={KINDS} />
          </Form.Item>
        </Col>
        <Col xs={24} md={8}>
          <Form.Item name="holder_type" label={t('passes.form.holderType')}>
            <Radio.Group
              optionType="button"
              options={[
                { value: 'vehicle', label: t('passes.holderType.vehicle') },
                { value: 'person', label: t('passes.holderType.person') },
              ]}
            />
          </Form.Item>
        </Col>
        <Col xs={24} md={8}>
          {holderType !== 'person' && (
            <Required name="plate" label={t('passes.form.plate')}>
              <Input placeholder={t('passes.form.platePlaceholder')} maxLength={20} />
            </Required>
          )}
        </Col>
        <Col xs={24} md={8}>
          <Required
            name="holder_name"
            label={holderType === 'person' ? t('passes.form.holderName') : t('passes.form.holderNameVehicle')}
            what={t('passes.form.holderName')}
          >
            <Input maxLength={50} />
          </Required>
        </Col>
        <Col xs={24} md={8}>
          <Required
            name="id_number"
            label={holderType === 'person' ? t('passes.form.idNumber') : t('passes.form.idNumberOptional')}
            what={t('passes.form.idNumber')}
            required={holderType === 'person'}
          >
            <Input maxLength={40} autoComplete="off" />
          </Required>
        </Col>
        <Col xs={24} md={8}>
          <Required name="organisation" label={t('passes.form.organisation')}>
            <Input maxLength={100} />
          </Required>
        </Col>
        <Col xs={24} md={16}>
          <Required name="purpose" label={t('passes.form.purpose')}>
            <Input maxLength={200} />
          </Required>
        </Col>
        <Col xs={12} md={4}>
          <Form.Item name="starts_at" label={t('passes.form.startsAt')}>
            <BeijingDateTimePicker placeholder={t('passes.form.now')} style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col xs={12} md={4}>
          <Form.Item name="days" label={t('passes.form.days')} rules={[{ required: true }]}>
            <InputNumber min={1} max={7} style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col xs={24} md={16}>
          <Form.Item
            name="areas"
            label={t('passes.form.areas')}
            rules={[{ required: true, type: 'array', min: 1, message: t('passes.form.areasPlaceholder') }]}
          >
            <AreaPicker<string[]>
              root={me.jurisdiction}
              multiple
              placeholder={t('passes.form.areasPlaceholder')}
            />
          </Form.Item>
        </Col>
        <Col xs={24} md={8}>
          <Form.Item name="route" valuePropName="checked" label={t('passes.form.route')}>
            <Switch />
          </Form.Item>
        </Col>
      </Row>
      <Button type="primary" htmlType="submit" loading={busy}>
        {t('passes.form.submit')}
      </Button>
    </Form>
  );
}

/** Only the printed sheet: everything but `.pass-print` hidden when printing. */
const PRINT_CSS = `@media print {
  body * { visibility: hidden !important; }
  .pass-print, .pass-print * { visibility: visible !important; }
  .pass-print { position: fixed; left: 0; top: 0; width: 100%; }
  .pass-print-hide { display: none !important; }
}`;

function PassModal({ id, onClose }: { id: number; onClose: () => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const pass = useApi<PassDetail>(`/api/passes/${id}`);
  const p = pass.data;
  return (
    <Modal
      open
      width={900}
      title={t('passes.qr.title', { id })}
      onCancel={onClose}
      footer={
        <Space>
          <Button onClick={() => window.print()} disabled={!p}>
            {t('passes.qr.print')}
          </Button>
          <Button onClick={onClose}>{t('action.close')}</Button>
        </Space>
      }
    >
      <style>{PRINT_CSS}</style>
      <ErrorAlert error={pass.error} />
      {p && (
        <div className="pass-print">
          <Row gutter={16} align="top">
            <Col flex="0 0 360px" style={{ textAlign: 'center' }}>
              <QRCode
                value={p.token}
                size={340}
                type="svg"
                errorLevel="M"
                className="pass-qr"
                bordered={false}
              />
              <Typography.Title level={4} style={{ marginTop: 8 }}>
                {t(`passes.kind.${p.kind}`)} · {t('passes.qr.title', { id: p.id })}
              </Typography.Title>
            </Col>
            <Col flex="1 1 320px">
              <Descriptions column={1} size="small" bordered>
                <Descriptions.Item label={t('passes.list.status')}>
                  <Tag color={STATUS_COLOURS[p.status]}>{t(`passes.status.${p.status}`)}</Tag>
                </Descriptions.Item>
                <Descriptions.Item label={t('passes.list.holder')}>
                  <Holder p={p} />
                </Descriptions.Item>
                <Descriptions.Item label={t('passes.list.organisation')}>{p.organisation}</Descriptions.Item>
                <Descriptions.Item label={t('passes.form.purpose')}>{p.purpose}</Descriptions.Item>
                <Descriptions.Item label={t('passes.list.areas')}>
                  <Areas codes={p.areas} route={p.route} />
                </Descriptions.Item>
                <Descriptions.Item label={t('passes.list.validity')}>
                  {fmt.dateTime(p.valid_from)} — {fmt.dateTime(p.valid_to)}
                </Descriptions.Item>
              </Descriptions>
              <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
                {t('passes.qr.issuedBy', { by: p.issued_by, at: fmt.dateTime(p.issued_at) })}
              </Typography.Paragraph>
              {p.revoked_at && (
                <Alert
                  type="error"
                  showIcon
                  message={t('passes.qr.revokedAt', {
                    at: fmt.dateTime(p.revoked_at),
                    reason: p.revoke_reason,
                  })}
                />
              )}
            </Col>
          </Row>
          <div className="pass-print-hide">
            <Typography.Text type="secondary">{t('passes.qr.token')}</Typography.Text>
            <Typography.Paragraph
              className="pass-token"
              code
              copyable={{ text: p.token }}
              style={{ wordBreak: 'break-all', fontSize: 12 }}
            >
              {p.token}
            </Typography.Paragraph>
            <Typography.Text type="secondary">{t('passes.qr.scanHint')}</Typography.Text>
            <Typography.Title level={5}>{t('passes.qr.checks')}</Typography.Title>
            <Table<CheckItem>
              size="small"
              rowKey="id"
              pagination={false}
              dataSource={p.check_list}
              locale={{ emptyText: t('passes.qr.noChecks') }}
              columns={[
                {
                  key: 'at',
                  title: t('passes.qr.checkAt'),
                  render: (_, c) => fmt.dateTime(c.checked_at),
                },
                { key: 'cp', title: t('passes.qr.checkpoint'), dataIndex: 'checkpoint' },
                {
                  key: 'verdict',
                  title: t('passes.qr.verdict'),
                  render: (_, c) => (
                    <Space direction="vertical" size={0}>
                      <Tag color={VERDICT_COLOURS[c.verdict]}>{t(`passes.verdict.${c.verdict}`)}</Tag>
                      {c.suspect && (
                        <Typography.Text type="danger">
                          {t('passes.qr.suspect', {
                            other: c.suspect.checkpoint,
                            km: c.suspect.km,
                            minutes: c.suspect.minutes,
                          })}
                        </Typography.Text>
                      )}
                    </Space>
                  ),
                },
                { key: 'by', title: t('passes.qr.by'), dataIndex: 'checked_by' },
              ]}
            />
          </div>
        </div>
      )}
    </Modal>
  );
}

function Holder({ p }: { p: Pick<PassItem, 'holder_type' | 'holder_name' | 'plate' | 'id_number'> }) {
  const { t } = useTranslation();
  return (
    <Space direction="vertical" size={0}>
      <span>
        {p.holder_type === 'vehicle' ? <Typography.Text strong>{p.plate}</Typography.Text> : null}
        {p.holder_type === 'vehicle' ? ' · ' : ''}
        {p.holder_name}
      </span>
      {p.id_number && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('passes.list.idTail', { id: p.id_number })}
        </Typography.Text>
      )}
    </Space>
  );
}

function Areas({ codes, route }: { codes: string[]; route: boolean }) {
  return (
    <span>
      {codes.map((c, i) => (
        <span key={c}>
          {i > 0 ? (route ? ' → ' : '、') : ''}
          <AreaName code={c} />
        </span>
      ))}
    </span>
  );
}

function RevokeModal({ pass, onClose, onDone }: { pass: PassItem; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<{ reason: string }>();
  const submit = async (v: { reason: string }) => {
    const out = await act(
      () => api(`/api/passes/${pass.id}/revoke`, { method: 'POST', body: { reason: v.reason } }),
      () => t('passes.revoke.done', { id: pass.id }),
      onDone,
    );
    if (out) onClose();
  };
  return (
    <FormModal
      form={form}
      onSubmit={submit}
      title={t('passes.revoke.title', { id: pass.id })}
      onCancel={onClose}
      okText={t('passes.revoke.ok')}
      okButtonProps={{ danger: true }}
    >
      <Form.Item
        name="reason"
        label={t('passes.revoke.reason')}
        rules={[{ required: true, whitespace: true, min: 2, message: t('passes.revoke.reasonRule') }]}
      >
        <Input.TextArea rows={3} maxLength={500} />
      </Form.Item>
    </FormModal>
  );
}

function PassList({
  version,
  bump,
  opened,
  setOpened,
}: {
  version: number;
  bump: () => void;
  opened: number | null;
  setOpened: (id: number | null) => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [status, setStatus] = useState<string | undefined>();
  const [kind, setKind] = useState<string | undefined>();
  const [q, setQ] = useState('');
  const [flagged, setFlagged] = useState(false);
  const [limit, setLimit] = useState(100);
  const [revoking, setRevoking] = useState<PassItem | null>(null);
  const path = `/api/passes${query({ status, kind, q: q.trim() || undefined, flagged: flagged ? 'true' : undefined, limit })}`;
  const list = useApi<PassesAnswer>(path, version);
  const columns = useMemo(
    () => [
      { key: 'id', title: t('passes.list.id'), dataIndex: 'id', width: 70 },
      {
        key: 'kind',
        title: t('passes.list.kind'),
        render: (_: unknown, p: PassItem) => t(`passes.kind.${p.kind}`),
      },
      {
        key: 'holder',
        title: t('passes.list.holder'),
        render: (_: unknown, p: PassItem) => <Holder p={p} />,
      },
      { key: 'org', title: t('passes.list.organisation'), dataIndex: 'organisation' },
      {
        key: 'areas',
        title: t('passes.list.areas'),
        render: (_: unknown, p: PassItem) => <Areas codes={p.areas} route={p.route} />,
      },
      {
        key: 'validity',
        title: t('passes.list.validity'),
        render: (_: unknown, p: PassItem) => (
          <span style={{ whiteSpace: 'nowrap' }}>
            {fmt.dateTime(p.valid_from)}
            <br />
            {fmt.dateTime(p.valid_to)}
          </span>
        ),
      },
      {
        key: 'status',
        title: t('passes.list.status'),
        render: (_: unknown, p: PassItem) => (
          <Tag color={STATUS_COLOURS[p.status]} className="pass-status">
            {t(`passes.status.${p.status}`)}
          </Tag>
        ),
      },
      { key: 'checks', title: t('passes.list.checks'), dataIndex: 'checks' },
      {
        key: 'flagged',
        title: t('passes.list.flagged'),
        render: (_: unknown, p: PassItem) => (p.flagged > 0 ? <Tag color="red">{p.flagged}</Tag> : '—'),
      },
      {
        key: 'actions',
        title: t('passes.list.actions'),
        render: (_: unknown, p: PassItem) => (
          <Space>
            <Button size="small" onClick={() => setOpened(p.id)}>
              {t('passes.list.qr')}
            </Button>
            <Button size="small" danger disabled={p.status === 'revoked'} onClick={() => setRevoking(p)}>
              {t('passes.list.revoke')}
            </Button>
          </Space>
        ),
      },
    ],
    [t, fmt, setOpened],
  );
  return (
    <Card
      size="small"
      title={t('passes.list.title')}
      extra={list.data ? t('passes.list.total', { n: list.data.total }) : null}
    >
      <Space wrap style={{ marginBottom: 12 }}>
        <CodeSelect
          ns="passes.status"
          codes={STATUSES}
          allowClear
          placeholder={t('passes.list.anyStatus')}
          style={{ width: 130 }}
          value={status}
          onChange={setStatus}
        />
        <CodeSelect
          ns="passes.kind"
          codes={KINDS}
          allowClear
          placeholder={t('passes.list.anyKind')}
          style={{ width: 130 }}
          value={kind}
          onChange={setKind}
        />
        <Input.Search
          allowClear
          placeholder={t('passes.list.search')}
          style={{ width: 200 }}
          onSearch={(v) => setQ(v)}
        />
        <Checkbox checked={flagged} onChange={(e) => setFlagged(e.target.checked)}>
          {t('passes.list.onlyFlagged')}
        </Checkbox>
      </Space>
      <ErrorAlert error={list.error} />
      <Table<PassItem>
        size="small"
        rowKey="id"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        columns={columns}
        pagination={{ pageSize: 20, showSizeChanger: false }}
        scroll={{ x: true }}
        locale={{ emptyText: <Empty description={t('passes.list.empty')} /> }}
      />
      {list.data && list.data.total > list.data.items.length && (
        <Button onClick={() => setLimit((n) => Math.min(500, n + 100))}>{t('passes.list.more')}</Button>
      )}
      {opened !== null && <PassModal id={opened} onClose={() => setOpened(null)} />}
      {revoking && <RevokeModal pass={revoking} onClose={() => setRevoking(null)} onDone={bump} />}
    </Card>
  );
}

function Checkpoints({ me }: { me: Me }) {
  const { t } = useTranslation();
  const act = useAction();
  const [version, bump] = useVersion();
  const list = useApi<{ items: Checkpoint[] }>('/api/checkpoints', version);
  const [form] = Form.useForm<{ name: string; area_code: string; latitude: number; longitude: number }>();
  const add = async (v: { name: string; area_code: string; latitude: number; longitude: number }) => {
    const out = await act(
      () => api<Checkpoint>('/api/checkpoints', { method: 'POST', body: v }),
      (c) => t('passes.checkpoints.added', { name: c.name }),
      bump,
    );
    if (out) form.resetFields();
  };
  return (
    <Card size="small" title={t('passes.checkpoints.title')}>
      <ErrorAlert error={list.error} />
      <Table<Checkpoint>
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={list.data?.items ?? []}
        locale={{ emptyText: t('passes.checkpoints.empty') }}
        columns={[
          { key: 'name', title: t('passes.checkpoints.name'), dataIndex: 'name' },
          {
            key: 'area',
            title: t('passes.checkpoints.area'),
            render: (_, c) => <AreaName code={c.area_code} />,
          },
          {
            key: 'pos',
            title: `${t('passes.checkpoints.latitude')} / ${t('passes.checkpoints.longitude')}`,
            render: (_, c) => `${c.latitude.toFixed(4)}, ${c.longitude.toFixed(4)}`,
          },
        ]}
      />
      <Form
        form={form}
        layout="vertical"
        onFinish={add}
        style={{ marginTop: 12 }}
        className="checkpoint-form"
      >
        <Form.Item
          name="name"
          label={t('passes.checkpoints.name')}
          rules={[{ required: true, whitespace: true }]}
        >
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item name="area_code" label={t('passes.checkpoints.area')} rules={[{ required: true }]}>
          <AreaPicker root={me.jurisdiction} />
        </Form.Item>
        <Space>
          <Form.Item name="latitude" label={t('passes.checkpoints.latitude')} rules={[{ required: true }]}>
            <InputNumber min={-90} max={90} step={0.0001} style={{ width: 140 }} />
          </Form.Item>
          <Form.Item name="longitude" label={t('passes.checkpoints.longitude')} rules={[{ required: true }]}>
            <InputNumber min={-180} max={180} step={0.0001} style={{ width: 140 }} />
          </Form.Item>
        </Space>
        <Button htmlType="submit">{t('passes.checkpoints.add')}</Button>
      </Form>
    </Card>
  );
}

function Suspects({ version }: { version: number }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const list = useApi<{ items: Suspect[] }>('/api/passes/suspects', version);
  return (
    <Card size="small" title={t('passes.suspects.title')}>
      <ErrorAlert error={list.error} />
      {(list.data?.items ?? []).length === 0 ? (
        <Typography.Text type="secondary">{t('passes.suspects.empty')}</Typography.Text>
      ) : (
        <ul style={{ margin: 0, paddingInlineStart: 18 }}>
          {list.data?.items.map((s) => (
            <li key={s.check_id}>
              <Typography.Text type="danger">
                {t('passes.suspects.line', {
                  holder: s.plate ?? s.holder_name,
                  other: s.other_checkpoint,
                  otherAt: fmt.dateTime(s.other_checked_at),
                  checkpoint: s.checkpoint,
                  at: fmt.dateTime(s.checked_at),
                  km: s.km,
                  minutes: s.minutes,
                })}
              </Typography.Text>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export default function PassesPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [version, bump] = useVersion();
  const [opened, setOpened] = useState<number | null>(null);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('passes.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('passes.intro')}
      </Typography.Paragraph>
      <Card size="small" title={t('passes.form.title')}>
        <IssueForm
          me={me}
          onIssued={(id) => {
            bump();
            setOpened(id);
          }}
        />
      </Card>
      <PassList version={version} bump={bump} opened={opened} setOpened={setOpened} />
      <Row gutter={16}>
        <Col xs={24} lg={12}>
          <Suspects version={version} />
        </Col>
        <Col xs={24} lg={12}>
          <Checkpoints me={me} />
        </Col>
      </Row>
    </Space>
  );
}

/**
 * 环境消杀: the day's figures (due, done, late), the disinfections due today and those late with the place's owner
 * and the leader answering for each (escalated when late), a form to record one done (agent, concentration, time),
 * the places of the jurisdiction (frequency, next due, last done; take out of service) and a form to add a place,
 * its area picked by name. Times in Beijing time.
 */
import {
  Alert,
  Button,
  Card,
  Col,
  Empty,
  Form,
  Input,
  InputNumber,
  Popconfirm,
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
import {
  AGENTS,
  type Agent,
  DEFAULT_CONCENTRATION,
  PLACE_KINDS,
  type PlaceKind,
} from '../../../src/modules/disinfection/rules.ts';
import { AreaPicker } from '../AreaPicker.tsx';
import { api, type Me } from '../api.ts';
import { pickerInstant } from '../beijing-time.ts';
import type {
  DisinfectionDue,
  DisinfectionDueAnswer,
  DisinfectionPlace,
  DisinfectionPlaceCreated,
  DisinfectionPlacesAnswer,
  DisinfectionRecorded,
} from '../contract.ts';
import { FigureLabel } from '../figure-label.tsx';
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

type DueItem = DisinfectionDue;
type PlaceItem = DisinfectionPlace;

/** Kinds a place made by hand may have: the others name a building, venue, site or vehicle. */
const FORM_KINDS = PLACE_KINDS.filter(
  (k) => !['lift_stairwell', 'venue', 'site_common_area', 'vehicle'].includes(k),
) as PlaceKind[];

const newKey = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? `d-${crypto.randomUUID()}`
    : `d-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;

export default function DisinfectionPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [area, setArea] = useState<string | undefined>(undefined);
  const [version, bump] = useVersion();
  const manage = me.permissions.includes('disinfection.manage');
  const q = area ? `?area=${area}` : '';
  const due = useApi<DisinfectionDueAnswer>(`/api/disinfection/due${q}`, version);
  const [recording, setRecording] = useState<DueItem | null>(null);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} className="disinfection-page">
      <div>
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {t('disinfection.title')}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t('disinfection.intro')}</Typography.Paragraph>
        <Space>
          <span>{t('disinfection.area')}</span>
          <AreaPicker
            value={area}
            onChange={setArea}
            allowClear
            placeholder={t('disinfection.allAreas')}
            style={{ minWidth: 280 }}
          />
        </Space>
      </div>
      <ErrorAlert error={due.error} />
      <Row gutter={16}>
        {(['disinfections_due', 'disinfections_done', 'disinfections_late'] as const).map((k) => (
          <Col xs={8} key={k}>
            <Card size="small">
              <Statistic
                title={<FigureLabel k={k} />}
                value={due.data?.figures[k] ?? '—'}
                valueStyle={
                  k === 'disinfections_late' && (due.data?.figures[k] ?? 0) > 0
                    ? { color: '#cf1322' }
                    : undefined
                }
              />
            </Card>
          </Col>
        ))}
      </Row>
      {due.data?.truncated && <Alert type="info" showIcon message={t('disinfection.due.truncated')} />}
      <Card size="small" title={t('disinfection.due.late')} className="disinfection-late">
        <DueTable
          rows={due.data?.late ?? []}
          loading={due.loading}
          empty={t('disinfection.due.noneLate')}
          onRecord={setRecording}
        />
      </Card>
      <Card size="small" title={t('disinfection.due.title')} className="disinfection-due">
        <DueTable
          rows={due.data?.due ?? []}
          loading={due.loading}
          empty={t('disinfection.due.none')}
          onRecord={setRecording}
        />
      </Card>
      {recording && (
        <RecordModal
          item={recording}
          onClose={(changed) => {
            setRecording(null);
            if (changed) bump();
          }}
        />
      )}
      <Places area={area} version={version} manage={manage} onChanged={bump} />
      {manage && <NewPlace onCreated={bump} />}
    </Space>
  );
}

function DueTable({
  rows,
  loading,
  empty,
  onRecord,
}: {
  rows: DueItem[];
  loading: boolean;
  empty: string;
  onRecord: (d: DueItem) => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <Table<DueItem>
      size="small"
      rowKey="due_id"
      loading={loading}
      dataSource={rows}
      pagination={rows.length > 20 ? { pageSize: 20 } : false}
      locale={{ emptyText: <Empty description={empty} image={Empty.PRESENTED_IMAGE_SIMPLE} /> }}
      columns={[
        {
          key: 'place',
          title: t('disinfection.due.place'),
          render: (_, r) => (
            <Space direction="vertical" size={0}>
              <span>{r.place.name}</span>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                <AreaName code={r.place.area_code} />
              </Typography.Text>
            </Space>
          ),
        },
        {
          key: 'kind',
          title: t('disinfection.due.kind'),
          render: (_, r) => t(`disinfection.kind.${r.place.kind}`),
        },
        {
          key: 'reason',
          title: t('disinfection.due.reason'),
          render: (_, r) => t(`disinfection.reason.${r.reason}`),
        },
        { key: 'due', title: t('disinfection.due.dueAt'), render: (_, r) => f.dateTime(r.due_at) },
        { key: 'owner', title: t('disinfection.due.owner'), render: (_, r) => r.place.owner },
        {
          key: 'leader',
          title: t('disinfection.due.leader'),
          render: (_, r) =>
            r.leader ? (
              <Space size={4} wrap>
                <span>{r.leader.name}</span>
                {r.escalated_levels > 0 && (
                  <Tag color="volcano">{t('disinfection.due.escalated', { n: r.escalated_levels })}</Tag>
                )}
              </Space>
            ) : (
              '—'
            ),
        },
        {
          key: 'status',
          title: t('disinfection.due.status'),
          render: (_, r) =>
            r.record ? (
              <Space direction="vertical" size={0}>
                <Tag color="green">{t('disinfection.due.done')}</Tag>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('disinfection.due.doneBy', {
                    who: r.record.done_by,
                    at: f.dateTime(r.record.done_at),
                    agent: `${t(`disinfection.agent.${r.record.agent}`)}${r.record.concentration ? ` ${r.record.concentration}` : ''}`,
                  })}
                </Typography.Text>
              </Space>
            ) : r.late ? (
              <Tag color="red">{t('disinfection.due.lateTag')}</Tag>
            ) : (
              <Tag>{t('disinfection.due.open')}</Tag>
            ),
        },
        {
          key: 'actions',
          render: (_, r) =>
            r.status === 'open' ? (
              <Button size="small" type="primary" className="record-disinfection" onClick={() => onRecord(r)}>
                {t('disinfection.due.record')}
              </Button>
            ) : null,
        },
      ]}
    />
  );
}

interface RecordValues {
  done_at?: Dayjs | null;
  agent: Agent;
  concentration?: string;
  notes?: string;
}

function RecordModal({ item, onClose }: { item: DueItem; onClose: (changed: boolean) => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<RecordValues>();
  // One key per form: a second press or a retry after a network failure counts once.
  const [key] = useState(newKey);
  const submit = async (v: RecordValues) => {
    const out = await act(
      () =>
        api<DisinfectionRecorded>('/api/disinfection/records', {
          method: 'POST',
          body: {
            key,
            place_id: item.place.id,
            due_id: item.due_id,
            done_at: v.done_at ? pickerInstant(v.done_at) : new Date().toISOString(),
            agent: v.agent,
            ...(v.concentration?.trim() ? { concentration: v.concentration.trim() } : {}),
            ...(v.notes?.trim() ? { notes: v.notes.trim() } : {}),
          },
        }),
      (r) => (r.duplicate ? t('disinfection.record.duplicate') : t('disinfection.record.recorded')),
    );
    if (out) onClose(true);
  };
  return (
    <FormModal
      form={form}
      onSubmit={submit}
      title={t('disinfection.record.title', { place: item.place.name })}
      onCancel={() => onClose(false)}
      okText={t('disinfection.record.submit')}
      destroyOnHidden
      formProps={{
        initialValues: { agent: 'chlorine', concentration: DEFAULT_CONCENTRATION.chlorine },
        className: 'disinfection-record-form',
        onValuesChange: (changed: Partial<RecordValues>) => {
          if (changed.agent) form.setFieldValue('concentration', DEFAULT_CONCENTRATION[changed.agent] ?? '');
        },
      }}
    >
      <Form.Item name="done_at" label={t('disinfection.record.doneAt')}>
        <BeijingDateTimePicker
          noFuture
          placeholder={t('disinfection.record.now')}
          style={{ width: '100%' }}
        />
      </Form.Item>
      <Form.Item name="agent" label={t('disinfection.record.agent')} rules={[{ required: true }]}>
        <CodeSelect ns="disinfection.agent" codes={AGENTS} />
      </Form.Item>
      <Form.Item name="concentration" label={t('disinfection.record.concentration')}>
        <Input maxLength={50} placeholder={t('disinfection.record.concentrationHint')} />
      </Form.Item>
      <Form.Item name="notes" label={t('disinfection.record.notes')}>
        <Input.TextArea maxLength={500} rows={2} />
      </Form.Item>
    </FormModal>
  );
}

function Places({
  area,
  version,
  manage,
  onChanged,
}: {
  area: string | undefined;
  version: number;
  manage: boolean;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const [search, setSearch] = useState('');
  const params = new URLSearchParams();
  if (area) params.set('area', area);
  if (search.trim()) params.set('q', search.trim());
  params.set('limit', '500');
  const places = useApi<DisinfectionPlacesAnswer>(`/api/disinfection/places?${params}`, version);
  const setActive = (p: PlaceItem, active: boolean) =>
    act(
      () => api(`/api/disinfection/places/${p.id}/active`, { method: 'POST', body: { active } }),
      () => t('disinfection.places.changed'),
      onChanged,
    );
  return (
    <Card
      size="small"
      title={`${t('disinfection.places.title')}${places.data ? `（${f.number(places.data.total)}）` : ''}`}
      extra={
        <Input.Search
          allowClear
          placeholder={t('disinfection.places.search')}
          onSearch={setSearch}
          style={{ width: 240 }}
        />
      }
      className="disinfection-places"
    >
      <ErrorAlert error={places.error} />
      <Table<PlaceItem>
        size="small"
        rowKey="id"
        loading={places.loading}
        dataSource={places.data?.items ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { key: 'name', title: t('disinfection.places.name'), dataIndex: 'name' },
          {
            key: 'kind',
            title: t('disinfection.due.kind'),
            render: (_, r) => t(`disinfection.kind.${r.kind}`),
          },
          { key: 'area', title: t('disinfection.area'), render: (_, r) => <AreaName code={r.area_code} /> },
          { key: 'owner', title: t('disinfection.due.owner'), dataIndex: 'owner' },
          {
            key: 'frequency',
            title: t('disinfection.places.frequency'),
            render: (_, r) =>
              r.every_hours
                ? t('disinfection.places.every', { n: r.every_hours })
                : r.starts_at
                  ? t('disinfection.places.once', { at: f.dateTime(r.starts_at) })
                  : t('disinfection.places.triggered'),
          },
          {
            key: 'next',
            title: t('disinfection.places.nextDue'),
            render: (_, r) => f.dateTime(r.next_due_at),
          },
          {
            key: 'last',
            title: t('disinfection.places.lastDone'),
            render: (_, r) => f.dateTime(r.last_done_at),
          },
          {
            key: 'counts',
            title: t('disinfection.places.open'),
            render: (_, r) => (
              <Space size={4}>
                <span>{f.number(r.open)}</span>
                {r.late > 0 && (
                  <Tag color="red">{`${t('disinfection.places.late')} ${f.number(r.late)}`}</Tag>
                )}
              </Space>
            ),
          },
          {
            key: 'active',
            title: t('disinfection.places.active'),
            render: (_, r) =>
              r.active ? (
                <Tag color="green">{t('disinfection.places.active')}</Tag>
              ) : (
                <Tag>{t('disinfection.places.inactive')}</Tag>
              ),
          },
          ...(manage
            ? [
                {
                  key: 'actions',
                  render: (_: unknown, r: PlaceItem) =>
                    r.active ? (
                      <Popconfirm
                        title={t('disinfection.places.deactivateConfirm')}
                        onConfirm={() => setActive(r, false)}
                      >
                        <Button size="small">{t('disinfection.places.deactivate')}</Button>
                      </Popconfirm>
                    ) : (
                      <Button size="small" onClick={() => setActive(r, true)}>
                        {t('disinfection.places.activate')}
                      </Button>
                    ),
                },
              ]
            : []),
        ]}
      />
    </Card>
  );
}

const Required = (p: RequiredProps) => <RequiredItem message="disinfection.form.required" {...p} />;

interface PlaceValues {
  kind: PlaceKind;
  name: string;
  area_code?: string;
  owner: string;
  mode: 'recurring' | 'once';
  every_hours?: number;
  starts_at?: Dayjs | null;
}

function NewPlace({ onCreated }: { onCreated: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<PlaceValues>();
  const mode = Form.useWatch('mode', form);
  const [busy, busyWhile] = useBusy();
  const submit = async (v: PlaceValues) => {
    const out = await busyWhile(() =>
      act(
        () =>
          api<DisinfectionPlaceCreated>('/api/disinfection/places', {
            method: 'POST',
            body: {
              kind: v.kind,
              name: v.name,
              area_code: v.area_code,
              owner: v.owner,
              ...(v.mode === 'recurring' ? { every_hours: v.every_hours } : {}),
              starts_at: v.starts_at ? pickerInstant(v.starts_at) : new Date().toISOString(),
            },
          }),
        () => t('disinfection.form.created'),
      ),
    );
    if (out) {
      form.resetFields(['name']);
      onCreated();
    }
  };
  return (
    <Card size="small" title={t('disinfection.form.title')}>
      <Typography.Paragraph type="secondary">{t('disinfection.form.targetNote')}</Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        initialValues={{ kind: 'market', mode: 'recurring', every_hours: 24 }}
        className="disinfection-place-form"
      >
        <Row gutter={12}>
          <Col xs={12} md={4}>
            <Form.Item name="kind" label={t('disinfection.form.kind')}>
              <CodeSelect ns="disinfection.kind" codes={FORM_KINDS} />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Required name="name" label={t('disinfection.form.name')} whitespace>
              <Input maxLength={200} />
            </Required>
          </Col>
          <Col xs={24} md={8}>
            <Required name="area_code" label={t('disinfection.form.area')}>
              <AreaPicker placeholder={t('disinfection.form.areaPlaceholder')} />
            </Required>
          </Col>
          <Col xs={24} md={6}>
            <Required name="owner" label={t('disinfection.form.owner')} whitespace>
              <Input maxLength={100} />
            </Required>
          </Col>
          <Col xs={24} md={6}>
            <Form.Item name="mode" label={t('disinfection.form.frequency')}>
              <Radio.Group
                options={[
                  { value: 'recurring', label: t('disinfection.form.recurring') },
                  { value: 'once', label: t('disinfection.form.once') },
                ]}
              />
            </Form.Item>
          </Col>
          {mode !== 'once' && (
            <Col xs={12} md={4}>
              <Form.Item
                name="every_hours"
                label={t('disinfection.form.everyHours')}
                rules={[{ required: true }]}
              >
                <InputNumber min={1} max={168} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
          )}
          <Col xs={12} md={6}>
            <Form.Item
              name="starts_at"
              label={mode === 'once' ? t('disinfection.form.onceAt') : t('disinfection.form.startsAt')}
            >
              <BeijingDateTimePicker placeholder={t('disinfection.record.now')} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
        </Row>
        <Button type="primary" htmlType="submit" loading={busy}>
          {t('disinfection.form.submit')}
        </Button>
      </Form>
    </Card>
  );
}

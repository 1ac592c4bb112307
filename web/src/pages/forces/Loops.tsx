/**
 * The closed loops with the day's test schedule (gaps in red), the form to record a test and the form to put
 * workers into a loop (with when they entered, for an entry recorded after the fact).
 */
import { Alert, Button, Card, Empty, Form, Radio, Select, Space, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { pickerInstant } from '../../beijing-time.ts';
import type { LoopItem, LoopsAnswer, LoopTestOutcome, WorkersAnswer } from '../../contract.ts';
import { FormModal } from '../forms.tsx';
import { AreaName, BeijingDateTimePicker, ErrorAlert, useAction, useApi, useFormat } from '../shared.tsx';
import { maskName } from './common.ts';

const newKey = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? `f-${crypto.randomUUID()}`
    : `f-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;

export function Loops({
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
  const [joining, setJoining] = useState<LoopItem | null>(null);
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
            extra={
              plan ? (
                <Button size="small" className="join-loop" onClick={() => setJoining(l)}>
                  {t('forces.loops.join')}
                </Button>
              ) : null
            }
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
      {joining && (
        <JoinModal
          loop={joining}
          onClose={(changed) => {
            setJoining(null);
            if (changed) onChanged();
          }}
        />
      )}
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

/** Workers a search shows at once; the rest are found by name. */
const JOIN_SHOWN = 200;

function JoinModal({ loop, onClose }: { loop: LoopItem; onClose: (changed: boolean) => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<{
    worker_ids: { value: number; label: ReactNode }[];
    joined_at?: Dayjs | null;
  }>();
  // Searched on the server by name prefix, as the people list is: any worker of the jurisdiction can be found,
  // however many there are. Typing waits a moment so each key press does not ask again.
  const [typed, setTyped] = useState('');
  const [name, setName] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setName(typed.trim()), 250);
    return () => clearTimeout(timer);
  }, [typed]);
  const workers = useApi<WorkersAnswer>(
    `/api/forces/workers?available=true&not_loop=${loop.id}&limit=${JOIN_SHOWN}${name ? `&q=${encodeURIComponent(name)}` : ''}`,
    0,
  );
  // The workers chosen so far (from any search), to say who would leave another loop.
  const [seen, setSeen] = useState(() => new Map<number, WorkersAnswer['items'][number]>());
  useEffect(() => {
    const items = workers.data?.items;
    if (items) setSeen((m) => new Map([...m, ...items.map((w) => [w.id, w] as const)]));
  }, [workers.data]);
  const chosen = Form.useWatch('worker_ids', form) ?? [];
  const leaving = chosen.flatMap((c) => {
    const w = seen.get(c.value);
    return w?.loop_name
      ? [t('forces.loops.joinLeavingItem', { name: maskName(w.name), loop: w.loop_name })]
      : [];
  });
  const options = (workers.data?.items ?? []).map((w) => ({
    value: w.id,
    label: `${maskName(w.name)} · ${t(`forces.skill.${w.role}`)}${w.loop_name ? ` · ${w.loop_name}` : ''}`,
  }));
  const submit = async (v: { worker_ids: { value: number }[]; joined_at?: Dayjs | null }) => {
    const out = await act(
      () =>
        api<{ joined: number[]; already: number[] }>(`/api/forces/loops/${loop.id}/workers`, {
          method: 'POST',
          body: {
            worker_ids: v.worker_ids.map((w) => w.value),
            ...(v.joined_at ? { joined_at: pickerInstant(v.joined_at) } : {}),
          },
        }),
      (r) =>
        r.already.length > 0
          ? t('forces.loops.joinedAlready', { n: r.joined.length, m: r.already.length })
          : t('forces.loops.joined', { n: r.joined.length }),
    );
    if (out) onClose(true);
  };
  return (
    <FormModal
      form={form}
      onSubmit={submit}
      title={t('forces.loops.joinTitle', { name: loop.name })}
      onCancel={() => onClose(false)}
      okText={t('forces.loops.join')}
      destroyOnHidden
      formProps={{ className: 'loop-join-form' }}
    >
      <ErrorAlert error={workers.error} />
      <Form.Item
        name="worker_ids"
        label={t('forces.loops.joinWorkers')}
        extra={
          workers.data && workers.data.total > workers.data.items.length
            ? t('forces.loops.joinMore', { shown: workers.data.items.length, total: workers.data.total })
            : t('forces.loops.joinWorkersHint')
        }
        rules={[{ required: true, message: t('forces.loops.joinWorkersHint') }]}
      >
        <Select
          mode="multiple"
          labelInValue
          showSearch
          filterOption={false}
          searchValue={typed}
          onSearch={setTyped}
          onSelect={() => setTyped('')}
          loading={workers.loading}
          notFoundContent={workers.loading ? null : t('forces.loops.joinNone')}
          options={options}
          className="loop-join-workers"
        />
      </Form.Item>
      {leaving.length > 0 && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          className="loop-join-leaving"
          message={t('forces.loops.joinLeaving', {
            n: leaving.length,
            names: leaving.join(t('forces.loops.joinSep')),
          })}
        />
      )}
      <Form.Item name="joined_at" label={t('forces.loops.joinedAt')} extra={t('forces.loops.joinedAtHint')}>
        <BeijingDateTimePicker noFuture placeholder={t('forces.loops.now')} />
      </Form.Item>
    </FormModal>
  );
}

/** The disinfections due and late, with the owner and the leader answering for each; record one done. */
import { Button, Empty, Form, Input, Space, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AGENTS, type Agent, DEFAULT_CONCENTRATION } from '../../../../src/modules/disinfection/rules.ts';
import { api } from '../../api.ts';
import { pickerInstant } from '../../beijing-time.ts';
import type { DisinfectionDue, DisinfectionRecorded } from '../../contract.ts';
import { CodeSelect } from '../filters.tsx';
import { FormModal } from '../forms.tsx';
import { AreaName, BeijingDateTimePicker, useAction, useFormat } from '../shared.tsx';

export type DueItem = DisinfectionDue;

const newKey = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? `d-${crypto.randomUUID()}`
    : `d-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;

export function DueTable({
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

export function RecordModal({ item, onClose }: { item: DueItem; onClose: (changed: boolean) => void }) {
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

/** 指挥调度 · 包保领导: the leaders and their patches, and a new one given a patch. */
import { Button, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../../AreaPicker.tsx';
import { api } from '../../api.ts';
import { areaName, loadAreaNames } from '../../area-names.ts';
import type { Leader } from '../../contract.ts';
import { CodeSelect } from '../filters.tsx';
import { FormModal } from '../forms.tsx';
import { areaColumn, byString, type Column, codedColumn, DataTable, useAction, useApi } from '../shared.tsx';
import type { Acting } from './common.ts';

const LEADER_FUNCTIONS = [
  'all',
  'testing',
  'tracing',
  'isolation',
  'transfer',
  'supply',
  'community_control',
] as const;

export function LeadersView({ acting }: { acting: Acting }) {
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
  const submit = async (v: { name: string; title?: string; area_code: string; function: string }) => {
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
    if (out) onClose();
  };
  return (
    <FormModal
      form={form}
      onSubmit={submit}
      title={t('command.addLeader')}
      okText={t('command.addLeaderOk')}
      onCancel={onClose}
      destroyOnHidden
      intro={<Typography.Paragraph type="secondary">{t('command.leaderHint')}</Typography.Paragraph>}
      formProps={{ initialValues: { function: 'all' } }}
    >
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
        <CodeSelect ns="leaderFunction" codes={LEADER_FUNCTIONS} />
      </Form.Item>
    </FormModal>
  );
}

/** The contact rules of 流调: the venue kinds, the rules in force and the form to change them. */
import {
  Alert,
  Button,
  Card,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Select,
  Space,
  Table,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import type { TracingRulesVersion as RulesVersion } from '../../contract.ts';
import { FormModal } from '../forms.tsx';
import { useAction, useApi, useFormat } from '../shared.tsx';

const VENUE_KINDS = [
  'workplace',
  'school',
  'kindergarten',
  'market',
  'supermarket',
  'hospital',
  'restaurant',
  'other',
] as const;
type VenueKind = (typeof VENUE_KINDS)[number];

type TracingRules = RulesVersion['rules'];
type VenueRule = NonNullable<TracingRules['venueKinds'][VenueKind]>;

/** The contact rules in force, and for tracing.rules a form to change them with a reason. */
export function RulesView({
  mayEdit,
  version,
  onDone,
}: {
  mayEdit: boolean;
  version: number;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const res = useApi<RulesVersion>('/api/tracing/rules', version);
  const [editing, setEditing] = useState(false);
  const v = res.data;
  const levelLabel = (l: string) => t(`level.${l}`, { defaultValue: l });
  type KindRow = { kind: VenueKind; rule: VenueRule | null };
  const kindRows: KindRow[] = VENUE_KINDS.map((kind) => ({ kind, rule: v?.rules.venueKinds[kind] ?? null }));
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      {res.error && <Alert type="error" showIcon message={res.error} />}
      {res.loading && !v && <Card loading size="small" />}
      {v && (
        <Card
          size="small"
          className="tracing-rules"
          title={t('tracing.rulesInForce')}
          extra={
            mayEdit && (
              <Button size="small" type="primary" onClick={() => setEditing(true)}>
                {t('tracing.editRules')}
              </Button>
            )
          }
        >
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <Typography.Text type="secondary">
              {v.id === null
                ? t('tracing.rulesDefault')
                : t('tracing.rulesVersion', {
                    id: v.id,
                    at: f.dateTime(v.changed_at),
                    by: v.changed_by ?? '—',
                    reason: v.reason ?? '',
                  })}
            </Typography.Text>
            <Descriptions size="small" bordered column={{ xs: 1, md: 2 }}>
              <Descriptions.Item label={t('tracing.rule.lookbackDays')}>
                {t('tracing.days', { count: v.rules.lookbackDays })}
              </Descriptions.Item>
              <Descriptions.Item label={t('tracing.rule.floorsAround')}>
                {v.rules.floorsAround}
              </Descriptions.Item>
              <Descriptions.Item label={t('tracing.rule.venueDefault')}>
                {levelLabel(v.rules.venueLevel)} ·{' '}
                {t('tracing.minutes', { count: v.rules.venueWindowMinutes })}
              </Descriptions.Item>
              <Descriptions.Item label={t('tracing.rule.colocation')}>
                {levelLabel(v.rules.colocationLevel)} ·{' '}
                {t('tracing.overMinutes', { count: v.rules.colocationMinMinutes })}
              </Descriptions.Item>
            </Descriptions>
            <Table<KindRow>
              size="small"
              rowKey="kind"
              pagination={false}
              dataSource={kindRows}
              columns={[
                {
                  key: 'kind',
                  title: t('tracing.rule.venueKind'),
                  dataIndex: 'kind',
                  render: (k: string) => t(`venueKind.${k}`),
                },
                {
                  key: 'level',
                  title: t('tracing.level'),
                  render: (_: unknown, r) =>
                    r.rule
                      ? levelLabel(r.rule.level)
                      : `${levelLabel(v.rules.venueLevel)} (${t('tracing.default')})`,
                },
                {
                  key: 'window',
                  title: t('tracing.rule.window'),
                  render: (_: unknown, r) =>
                    t('tracing.minutes', { count: r.rule?.windowMinutes ?? v.rules.venueWindowMinutes }),
                },
              ]}
            />
          </Space>
        </Card>
      )}
      {editing && v && <RulesForm current={v.rules} onClose={() => setEditing(false)} onDone={onDone} />}
    </Space>
  );
}

interface RulesFormValues {
  lookbackDays: number;
  venueWindowMinutes: number;
  venueLevel: 'close' | 'general';
  colocationMinMinutes: number;
  colocationLevel: 'close' | 'secondary' | 'general';
  floorsAround: number;
  /** Per kind of venue: 'default' (the venue default) or a level with its window. */
  kinds: Record<VenueKind, { level: 'default' | 'close' | 'general'; windowMinutes?: number | null }>;
  reason: string;
}

function RulesForm({
  current,
  onClose,
  onDone,
}: {
  current: TracingRules;
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const act = useAction();
  const [form] = Form.useForm<RulesFormValues>();
  const initial: Omit<RulesFormValues, 'reason'> = {
    lookbackDays: current.lookbackDays,
    venueWindowMinutes: current.venueWindowMinutes,
    venueLevel: current.venueLevel,
    colocationMinMinutes: current.colocationMinMinutes,
    colocationLevel: current.colocationLevel,
    floorsAround: current.floorsAround,
    kinds: Object.fromEntries(
      VENUE_KINDS.map((k) => {
        const r = current.venueKinds[k];
        return [k, r ? { level: r.level, windowMinutes: r.windowMinutes } : { level: 'default' }];
      }),
    ) as RulesFormValues['kinds'],
  };
  const submit = async (v: RulesFormValues) => {
    const venueKinds: Partial<Record<VenueKind, VenueRule>> = {};
    for (const k of VENUE_KINDS) {
      const r = v.kinds[k];
      if (r && r.level !== 'default')
        venueKinds[k] = { level: r.level, windowMinutes: r.windowMinutes ?? v.venueWindowMinutes };
    }
    const rules: TracingRules = {
      lookbackDays: v.lookbackDays,
      venueWindowMinutes: v.venueWindowMinutes,
      venueLevel: v.venueLevel,
      venueKinds,
      colocationMinMinutes: v.colocationMinMinutes,
      colocationLevel: v.colocationLevel,
      floorsAround: v.floorsAround,
    };
    const out = await act(
      () =>
        api<RulesVersion>('/api/tracing/rules', { method: 'PUT', body: { rules, reason: v.reason.trim() } }),
      (r) => t('tracing.rulesSaved', { id: r.id ?? '—' }),
      onDone,
    );
    if (out) onClose();
  };
  const levelOptions = (levels: readonly string[]) =>
    levels.map((l) => ({ value: l, label: t(`level.${l}`) }));
  return (
    <FormModal
      form={form}
      onSubmit={submit}
      width={720}
      title={t('tracing.editRules')}
      okText={t('tracing.saveRules')}
      onCancel={onClose}
      intro={
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t('tracing.rulesWarning')} />
      }
      formProps={{ initialValues: initial }}
    >
      <Space wrap align="start">
        <Form.Item label={t('tracing.rule.lookbackDays')} name="lookbackDays" rules={[{ required: true }]}>
          <InputNumber min={1} max={14} precision={0} />
        </Form.Item>
        <Form.Item label={t('tracing.rule.floorsAround')} name="floorsAround" rules={[{ required: true }]}>
          <InputNumber min={0} max={5} precision={0} />
        </Form.Item>
        <Form.Item label={t('tracing.rule.venueLevel')} name="venueLevel" rules={[{ required: true }]}>
          <Select style={{ width: 120 }} options={levelOptions(['close', 'general'])} />
        </Form.Item>
        <Form.Item
          label={t('tracing.rule.venueWindow')}
          name="venueWindowMinutes"
          rules={[{ required: true }]}
        >
          <InputNumber min={1} max={1440} precision={0} />
        </Form.Item>
        <Form.Item
          label={t('tracing.rule.colocationLevel')}
          name="colocationLevel"
          rules={[{ required: true }]}
        >
          <Select style={{ width: 120 }} options={levelOptions(['close', 'secondary', 'general'])} />
        </Form.Item>
        <Form.Item
          label={t('tracing.rule.colocationMin')}
          name="colocationMinMinutes"
          rules={[{ required: true }]}
        >
          <InputNumber min={1} max={1440} precision={0} />
        </Form.Item>
      </Space>
      <Typography.Text strong>{t('tracing.rule.venueKind')}</Typography.Text>
      {VENUE_KINDS.map((k) => (
        <Space key={k} wrap align="start" style={{ display: 'flex' }}>
          <Typography.Text style={{ display: 'inline-block', width: 90, paddingTop: 5 }}>
            {t(`venueKind.${k}`)}
          </Typography.Text>
          <Form.Item name={['kinds', k, 'level']} style={{ marginBottom: 8 }}>
            <Select
              style={{ width: 160 }}
              options={[
                { value: 'default', label: t('tracing.useDefault') },
                ...levelOptions(['close', 'general']),
              ]}
            />
          </Form.Item>
          <Form.Item name={['kinds', k, 'windowMinutes']} style={{ marginBottom: 8 }}>
            <InputNumber min={1} max={1440} precision={0} addonAfter={t('tracing.minutesUnit')} />
          </Form.Item>
        </Space>
      ))}
      <Form.Item
        label={t('tracing.rulesReason')}
        name="reason"
        rules={[{ required: true, min: 4, max: 500, whitespace: true, message: t('action.reasonRule') }]}
      >
        <Input.TextArea rows={2} />
      </Form.Item>
    </FormModal>
  );
}

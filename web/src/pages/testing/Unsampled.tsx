/** The door-knocking list of a grid: unsampled residents by household, the special groups flagged. */
import { Alert, Button, Form, Input, InputNumber, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { query } from '../../api.ts';
import type { Household, TestingRound as Round } from '../../contract.ts';
import { AreaName, byNumber, byString, type Column, DataTable, useApi } from '../shared.tsx';

type Member = Household['members'][number];

function ageOn(birth: string, today: Date): number {
  const [y, m, d] = birth.split('-').map(Number) as [number, number, number];
  let age = today.getFullYear() - y;
  if (today.getMonth() + 1 < m || (today.getMonth() + 1 === m && today.getDate() < d)) age -= 1;
  return age;
}

/** The special groups of a member as the registry defines them: elderly 60+, child under 14, and the flags. */
export function groupsOf(m: Member, today: Date): string[] {
  const out: string[] = [];
  const age = ageOn(m.birth_date, today);
  if (age >= 60) out.push('elderly');
  if (age < 14) out.push('child');
  if (m.pregnant) out.push('pregnant');
  if (m.disabled) out.push('disabled');
  if (m.chronic_illness) out.push('chronic_illness');
  return out;
}

export function UnsampledView({
  round,
  area,
  onArea,
}: {
  round: Round;
  area: string;
  onArea: (a: string) => void;
}) {
  const { t } = useTranslation();
  const [limit, setLimit] = useState(200);
  const [form] = Form.useForm<{ area: string; limit: number }>();
  useEffect(() => form.setFieldsValue({ area, limit }), [area, limit, form]);
  const path = area ? `/api/testing/rounds/${round.id}/unsampled${query({ area, limit })}` : null;
  const res = useApi<{ items: Household[] }>(path);
  const rows = res.data?.items ?? [];
  const today = new Date();

  const columns: Column<Household>[] = [
    {
      key: 'household_id',
      title: t('testing.household'),
      dataIndex: 'household_id',
      sorter: byNumber((r) => r.household_id),
    },
    { key: 'address', title: t('people.address'), dataIndex: 'address', sorter: byString((r) => r.address) },
    {
      key: 'members',
      title: t('testing.members'),
      render: (_: unknown, r) => r.members.length,
      sorter: byNumber((r) => r.members.length),
      exportValue: (r) => r.members.length,
    },
    {
      key: 'names',
      title: t('people.name'),
      render: (_: unknown, r) => r.members.map((m) => m.name).join('、'),
      exportValue: (r) => r.members.map((m) => m.name).join('、'),
    },
    {
      key: 'groups',
      title: t('people.groups'),
      filters: ['elderly', 'child', 'pregnant', 'disabled', 'chronic_illness'].map((g) => ({
        text: t(`group.${g}`),
        value: g,
      })),
      onFilter: (v, r) => r.members.some((m) => groupsOf(m, today).includes(v as string)),
      render: (_: unknown, r) => {
        const gs = [...new Set(r.members.flatMap((m) => groupsOf(m, today)))];
        return gs.map((g) => (
          <Tag color="orange" key={g}>
            {t(`group.${g}`)}
          </Tag>
        ));
      },
      exportValue: (r) =>
        [...new Set(r.members.flatMap((m) => groupsOf(m, today)))].map((g) => t(`group.${g}`)).join('、'),
    },
  ];

  const memberColumns = [
    { key: 'name', title: t('people.name'), dataIndex: 'name' },
    { key: 'age', title: t('people.age'), render: (_: unknown, m: Member) => ageOn(m.birth_date, today) },
    {
      key: 'area',
      title: t('common.areaName'),
      dataIndex: 'area_code',
      render: (v: string) => <AreaName code={v} />,
    },
    {
      key: 'groups',
      title: t('people.groups'),
      render: (_: unknown, m: Member) =>
        groupsOf(m, today).map((g) => (
          <Tag color="orange" key={g}>
            {t(`group.${g}`)}
          </Tag>
        )),
    },
    {
      key: 'risk',
      title: t('people.risk'),
      dataIndex: 'risk_status',
      render: (v: string) => t(`risk.${v}`, { defaultValue: v }),
    },
  ];

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Form
        form={form}
        layout="inline"
        initialValues={{ area, limit }}
        onFinish={(v) => {
          onArea(v.area.trim());
          setLimit(v.limit);
        }}
        style={{ rowGap: 8 }}
      >
        <Form.Item
          label={t('testing.knockArea')}
          name="area"
          rules={[{ required: true, pattern: /^\d{6,15}$/, message: t('testing.areaRule') }]}
        >
          <Input allowClear placeholder="220202001001001" style={{ width: 200 }} />
        </Form.Item>
        <Form.Item label={t('testing.households')} name="limit">
          <InputNumber min={1} max={2000} style={{ width: 100 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('people.search')}
        </Button>
      </Form>
      {!area && <Alert type="info" showIcon message={t('testing.knockHint')} />}
      {area && (
        <DataTable<Household>
          rows={rows}
          columns={columns}
          rowKey="household_id"
          loading={res.loading}
          error={res.error}
          capped={limit}
          serverExport={`/api/testing/rounds/${round.id}/unsampled/export${query({ area })}`}
          exportName={`${t('testing.unsampled')}-${round.id}-${area}`}
          expandable={{
            expandedRowRender: (h) => (
              <Table<Member>
                size="small"
                rowKey="id"
                pagination={false}
                dataSource={h.members}
                columns={memberColumns}
              />
            ),
          }}
          toolbar={
            <Typography.Text type="secondary">
              {t('testing.unsampledPeople', { count: rows.reduce((a, h) => a + h.members.length, 0) })}
            </Typography.Text>
          }
        />
      )}
    </Space>
  );
}

/** 指挥调度 · 今日责任清单: today's open items with their owners, overdue and escalated, by owner. */
import { Card, Col, Row, Select, Space, Statistic, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { areaFullName, areaName } from '../../area-names.ts';
import type { Leader, ResponsibilityItem as RespItem, ResponsibilityAnswer } from '../../contract.ts';
import { FigureLabel } from '../../figure-label.tsx';
import {
  areaColumn,
  byNumber,
  byString,
  type Column,
  codedColumn,
  DataTable,
  useApi,
  useFormat,
} from '../shared.tsx';

export function ResponsibilityView({ version }: { version: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [owner, setOwner] = useState<string>('all');
  const leaders = useApi<{ items: Leader[] }>('/api/leaders', version);
  const res = useApi<ResponsibilityAnswer>(
    `/api/responsibility${owner === 'all' ? '' : owner === 'none' ? '?unowned=true' : `?leader_id=${owner}`}`,
    version,
  );
  const rows = res.data?.items ?? [];
  const columns: Column<RespItem>[] = [
    codedColumn({ key: 'kind', title: t('command.item'), field: 'kind', rows: rows, ns: 'taskKind', t }),
    codedColumn({
      key: 'function',
      title: t('command.function'),
      field: 'function',
      rows: rows,
      ns: 'leaderFunction',
      t,
    }),
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'due_at',
      title: t('command.due'),
      dataIndex: 'due_at',
      sorter: byString((r) => r.due_at),
      render: (v: string, r) => (r.overdue ? <Tag color="red">{f.dateTime(v)}</Tag> : f.dateTime(v)),
    },
    {
      key: 'person',
      title: t('command.person'),
      render: (_: unknown, r) =>
        r.person_name ?? (r.person_id ? t('command.personNo', { id: r.person_id }) : '—'),
      exportValue: (r) => r.person_name ?? '',
    },
    {
      key: 'owner',
      title: t('command.owner'),
      render: (_: unknown, r) =>
        r.owner ? (
          `${r.owner.name}（${areaName(r.owner.area_code)}）`
        ) : (
          <Tag color="red">{t('command.unowned')}</Tag>
        ),
      filters: [
        { text: t('command.owned'), value: 'yes' },
        { text: t('command.unowned'), value: 'no' },
      ],
      onFilter: (v, r) => (v === 'yes') === (r.owner !== null),
      exportValue: (r) => (r.owner ? `${r.owner.name}（${areaFullName(r.owner.area_code)}）` : ''),
    },
    {
      key: 'escalated_levels',
      title: t('command.escalated'),
      dataIndex: 'escalated_levels',
      sorter: byNumber((r) => r.escalated_levels),
      render: (v: number) => (v > 0 ? <Tag color="volcano">+{v}</Tag> : 0),
    },
    {
      key: 'overdue',
      title: t('command.overdue'),
      dataIndex: 'overdue',
      filters: [
        { text: t('command.overdue'), value: 'yes' },
        { text: t('command.inTime'), value: 'no' },
      ],
      onFilter: (v, r) => (v === 'yes') === r.overdue,
      render: (v: boolean) => (v ? <Tag color="red">{t('command.overdue')}</Tag> : t('command.inTime')),
      exportValue: (r) => (r.overdue ? t('command.overdue') : t('command.inTime')),
    },
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Row gutter={[12, 12]}>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic
              title={<FigureLabel k="items_open" />}
              value={res.data?.total ?? '—'}
              loading={res.loading && !res.data}
            />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic
              title={<FigureLabel k="items_overdue" />}
              value={res.data?.overdue ?? '—'}
              valueStyle={res.data && res.data.overdue > 0 ? { color: '#c0392b' } : undefined}
              loading={res.loading && !res.data}
            />
          </Card>
        </Col>
        <Col xs={24} md={12}>
          <Card size="small">
            <Statistic
              title={<FigureLabel k="items_unowned" />}
              value={res.data?.per_owner.none ?? (res.data ? 0 : '—')}
              loading={res.loading && !res.data}
            />
          </Card>
        </Col>
        {res.data?.by_kind && (
          <Col span={24}>
            <Space wrap data-testid="items-by-kind">
              {res.data.as_of && (
                <Typography.Text type="secondary" data-testid="responsibility-as-of">
                  {t('dashboard.asOf', { time: f.dateTime(res.data.as_of) })}
                </Typography.Text>
              )}
              {Object.entries(res.data.by_kind)
                .sort((a, b) => b[1].total - a[1].total)
                .map(([kind, n]) => (
                  <Tag key={kind} color={n.overdue > 0 ? 'red' : undefined}>
                    {t('command.kindCount', {
                      kind: t(`taskKind.${kind}`, { defaultValue: kind }),
                      total: f.number(n.total),
                      overdue: f.number(n.overdue),
                    })}
                  </Tag>
                ))}
            </Space>
          </Col>
        )}
      </Row>
      <DataTable<RespItem>
        rows={rows}
        columns={columns}
        rowKey={(r) => `${r.kind}-${r.subject.type}-${r.subject.id}`}
        loading={res.loading}
        error={res.error}
        total={res.data?.total}
        serverExport={`/api/responsibility/export${owner === 'all' ? '' : owner === 'none' ? '?unowned=true' : `?leader_id=${owner}`}`}
        exportName={t('command.responsibility')}
        toolbar={
          <Select
            size="small"
            style={{ width: 220 }}
            value={owner}
            onChange={setOwner}
            loading={leaders.loading}
            options={[
              { value: 'all', label: t('command.allOwners') },
              { value: 'none', label: t('command.unowned') },
              ...(leaders.data?.items ?? []).map((l) => ({
                value: String(l.id),
                label: `${l.name} · ${areaName(l.area_code)} · ${t(`leaderFunction.${l.function}`, { defaultValue: l.function })}`,
              })),
            ]}
          />
        }
      />
    </Space>
  );
}

/** 存量/增量: the people held per category and site kind, new today and carried over, and the backlog waiting to be placed. */
import { Card, Col, Row, Space, Statistic, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { query } from '../../api.ts';
import type { IsolationStock } from '../../contract.ts';
import { FigureLabel } from '../../figure-label.tsx';
import { byNumber, type Column, DataTable, ErrorAlert, filtersFrom, useApi, useFormat } from '../shared.tsx';

export function StockView({ day, version }: { day: string; version: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const res = useApi<IsolationStock>(`/api/isolation/stock${query({ date: day })}`, version);
  const s = res.data;
  type Held = IsolationStock['held'][number];
  const columns: Column<Held>[] = [
    {
      key: 'category',
      title: t('isolation.category'),
      dataIndex: 'category',
      render: (v: string) => t(`category.${v}`, { defaultValue: v }),
      filters: filtersFrom(
        s?.held ?? [],
        (r) => r.category,
        (v) => t(`category.${v}`, { defaultValue: v }),
      ),
      onFilter: (v, r) => r.category === v,
      exportValue: (r) => t(`category.${r.category}`, { defaultValue: r.category }),
    },
    {
      key: 'kind',
      title: t('isolation.siteKind'),
      dataIndex: 'kind',
      render: (v: string) => t(`siteKind.${v}`, { defaultValue: v }),
      exportValue: (r) => t(`siteKind.${r.kind}`, { defaultValue: r.kind }),
    },
    { key: 'held', title: t('isolation.held'), dataIndex: 'held', sorter: byNumber((r) => r.held) },
    {
      key: 'new_today',
      title: t('isolation.newToday'),
      dataIndex: 'new_today',
      sorter: byNumber((r) => r.new_today),
    },
    {
      key: 'carried_over',
      title: t('isolation.carriedOver'),
      dataIndex: 'carried_over',
      sorter: byNumber((r) => r.carried_over),
    },
  ];
  const total = (s?.held ?? []).reduce((a, r) => a + r.held, 0);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <ErrorAlert error={res.error} />
      <Row gutter={[12, 12]}>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title={<FigureLabel k="held" />} value={s ? total : '—'} loading={res.loading && !s} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic
              title={<FigureLabel k="waiting_for_placement" />}
              value={s?.backlog.people ?? '—'}
              valueStyle={s && s.backlog.people > 0 ? { color: '#c0392b' } : undefined}
              loading={res.loading && !s}
            />
          </Card>
        </Col>
        <Col xs={24} md={12}>
          <Card size="small">
            <Statistic
              title={t('isolation.oldestWait')}
              value={s?.backlog.oldest_hours ?? '—'}
              suffix={s?.backlog.oldest_hours !== null && s ? t('isolation.hours') : undefined}
              loading={res.loading && !s}
            />
            {s?.backlog.oldest_since && (
              <Typography.Text type="secondary">
                {t('isolation.since')} {f.dateTime(s.backlog.oldest_since)}
              </Typography.Text>
            )}
          </Card>
        </Col>
      </Row>
      <DataTable<Held>
        rows={s?.held ?? []}
        columns={columns}
        rowKey={(r) => `${r.category}-${r.kind}`}
        loading={res.loading}
        error={res.error}
        exportName={`${t('isolation.stock')}-${day}`}
      />
    </Space>
  );
}

/**
 * Today's figures of 保供 (the dashboard's and the daily report's definitions, by their names) and the
 * shortfall per community.
 */
import { Card, Col, Row, Statistic, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { SupplySummary as Summary } from '../../contract.ts';
import { type FigureKey, FigureLabel } from '../../figure-label.tsx';
import { AreaName, ErrorAlert, useApi, useFormat } from '../shared.tsx';

const FIGURES: [keyof Summary['figures'], FigureKey][] = [
  ['supply_requests_today', 'supply_requests'],
  ['supply_handed_today', 'supply_handed'],
  ['supply_late', 'supply_late'],
  ['supply_shortfall', 'supply_shortfall'],
];

export function Figures({ version }: { version: number }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const summary = useApi<Summary>('/api/supplies/summary', version);
  const f: Partial<Summary['figures']> = summary.data?.figures ?? {};
  const rows = summary.data?.shortfalls ?? [];
  return (
    <Row gutter={16}>
      <Col xs={24} xl={12}>
        <Card
          size="small"
          title={t('supplies.figures')}
          style={{ marginBottom: 16 }}
          className="supplies-figures"
          extra={
            summary.data && (
              <Typography.Text type="secondary">
                {t('supplies.asOf', { at: fmt.dateTime(summary.data.now) })}
              </Typography.Text>
            )
          }
        >
          <ErrorAlert error={summary.error} />
          <Row gutter={16}>
            {FIGURES.map(([key, figure]) => (
              <Col key={key} xs={12} md={6}>
                <Statistic
                  title={<FigureLabel k={figure} />}
                  value={f[key] ?? 0}
                  valueStyle={
                    (key === 'supply_late' || key === 'supply_shortfall') && (f[key] ?? 0) > 0
                      ? { color: '#cf1322' }
                      : {}
                  }
                />
              </Col>
            ))}
          </Row>
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card size="small" title={t('supplies.shortfalls.title')} style={{ marginBottom: 16 }}>
          {summary.data && rows.length === 0 ? (
            <Typography.Text type="secondary">{t('supplies.shortfalls.none')}</Typography.Text>
          ) : (
            <Table
              size="small"
              className="supplies-shortfalls"
              rowKey={(r) => `${r.community}|${r.category}`}
              dataSource={rows}
              pagination={{ pageSize: 5, hideOnSinglePage: true }}
              columns={[
                {
                  key: 'community',
                  title: t('supplies.shortfalls.community'),
                  render: (_, r) => <AreaName code={r.community} />,
                },
                {
                  key: 'category',
                  title: t('supplies.shortfalls.category'),
                  render: (_, r) => t(`supplies.category.${r.category}`),
                },
                {
                  key: 'short',
                  title: t('supplies.shortfalls.short'),
                  render: (_, r) => <Tag color="red">{t('supplies.pack', { n: r.short })}</Tag>,
                },
                { key: 'requests', title: t('supplies.shortfalls.requests'), dataIndex: 'requests' },
              ]}
            />
          )}
        </Card>
      </Col>
    </Row>
  );
}

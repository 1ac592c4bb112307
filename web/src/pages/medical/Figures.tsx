/**
 * The emergency clock (open emergencies with their minutes, red after 30 without a step) and today's figures
 * (the dashboard's, by their names).
 */
import { Card, Col, Row, Space, Statistic, Tag, Typography } from 'antd';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { DashboardKpis, EmergencyClockAnswer } from '../../contract.ts';
import { type FigureKey, FigureLabel } from '../../figure-label.tsx';
import { AreaName, ErrorAlert, PersonName, useApi, useFormat } from '../shared.tsx';

const FIGURES: [string, FigureKey][] = [
  ['medical_requests_today', 'medical_requests'],
  ['medical_met_today', 'medical_met'],
  ['medical_refused_today', 'medical_refused'],
  ['medical_emergencies_open', 'medical_emergencies_open'],
  ['medical_emergencies_stalled', 'medical_emergencies_stalled'],
];

export function EmergencyClock({ version }: { version: number }) {
  const { t } = useTranslation();
  const clock = useApi<EmergencyClockAnswer>('/api/medical/emergencies', version);
  const { reload } = clock;
  useEffect(() => {
    const timer = setInterval(reload, 30_000);
    return () => clearInterval(timer);
  }, [reload]);
  const items = clock.data?.items ?? [];
  return (
    <Card
      title={t('medical.clock.title')}
      size="small"
      className="medical-clock"
      style={{ marginBottom: 16 }}
    >
      <ErrorAlert error={clock.error} />
      {items.length === 0 ? (
        <Typography.Text type="secondary">{t('medical.clock.none')}</Typography.Text>
      ) : (
        <Row gutter={[12, 12]}>
          {items.map((e) => (
            <Col key={e.id} xs={24} sm={12} lg={8}>
              <Card
                size="small"
                className={e.stalled ? 'medical-clock-stalled' : 'medical-clock-moving'}
                style={{
                  borderColor: e.stalled ? '#cf1322' : '#d9d9d9',
                  background: e.stalled ? '#fff1f0' : undefined,
                }}
              >
                <Space direction="vertical" size={2}>
                  <Space>
                    <strong>
                      <PersonName id={e.person_id} />
                    </strong>
                    <Tag>{t(`medical.service.${e.service}`)}</Tag>
                    <Tag color={e.status === 'refused' ? 'red' : 'blue'}>
                      {t(`medical.status.${e.status}`)}
                    </Tag>
                  </Space>
                  <AreaName code={e.area_code} />
                  <Statistic
                    value={e.minutes_since_requested}
                    suffix={t('medical.minuteUnit')}
                    valueStyle={{ color: e.stalled ? '#cf1322' : undefined, fontSize: 22 }}
                  />
                  <Typography.Text type={e.stalled ? 'danger' : 'secondary'}>
                    {t('medical.clock.sinceStep', { n: e.minutes_since_step })} ·{' '}
                    {e.stalled ? t('medical.clock.stalled') : t('medical.clock.moving')}
                  </Typography.Text>
                </Space>
              </Card>
            </Col>
          ))}
        </Row>
      )}
    </Card>
  );
}

export function Figures({ version }: { version: number }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const kpis = useApi<DashboardKpis>('/api/dashboard/kpis', version);
  const f = kpis.data?.figures ?? {};
  return (
    <Card
      size="small"
      title={t('medical.figures')}
      style={{ marginBottom: 16 }}
      extra={
        kpis.data && (
          <Typography.Text type="secondary">
            {t('medical.asOf', { at: fmt.dateTime(kpis.data.computed_at) })}
          </Typography.Text>
        )
      }
    >
      <Row gutter={16}>
        {FIGURES.map(([key, figure]) => (
          <Col key={key} xs={12} md={4}>
            <Statistic
              title={<FigureLabel k={figure} />}
              value={f[key] ?? 0}
              valueStyle={
                key === 'medical_emergencies_stalled' && (f[key] ?? 0) > 0 ? { color: '#cf1322' } : {}
              }
            />
          </Col>
        ))}
      </Row>
    </Card>
  );
}

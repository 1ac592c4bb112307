/** The KPIs of 指挥中心大屏 (/kpis): a card per figure with its note beneath, in red where it calls for action. */
import { Card, Col, Row, Statistic, Tag } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { FigureLabel } from '../figure-label.tsx';
import { type Figures, sumWhere } from './live.ts';

function Kpi({
  title,
  value,
  extra,
  alert,
  testId,
}: {
  title: ReactNode;
  value: number | undefined;
  extra?: ReactNode;
  alert?: boolean;
  testId: string;
}) {
  return (
    <Card size="small" style={{ height: '100%' }} data-testid={`kpi-${testId}`}>
      <Statistic
        title={title}
        value={value ?? '—'}
        loading={value === undefined}
        valueStyle={alert ? { color: '#c0392b' } : undefined}
      />
      <div style={{ marginTop: 4, minHeight: 22 }}>{extra}</div>
    </Card>
  );
}

/** The row of KPIs from the figures (undefined while they load). */
export function Kpis({ f }: { f: Figures | undefined }) {
  const { t } = useTranslation();
  const pick = (k: string) => (f ? (f[k] ?? 0) : undefined);
  return (
    <Row gutter={[12, 12]}>
      <Col flex="1 1 140px">
        <Kpi
          testId="cases-today"
          title={<FigureLabel k="cases_today" />}
          value={pick('cases_today')}
          alert={(pick('cases_today') ?? 0) > 0}
          extra={f && <Tag>{t('dashboard.asymptomaticToday', { count: pick('asymptomatic_today') })}</Tag>}
        />
      </Col>
      <Col flex="1 1 140px">
        <Kpi
          testId="close-today"
          title={t('dashboard.closeToday')}
          value={pick('found_today_close_contact')}
        />
      </Col>
      <Col flex="1 1 140px">
        <Kpi
          testId="secondary-today"
          title={t('dashboard.secondaryToday')}
          value={pick('found_today_secondary_contact')}
        />
      </Col>
      <Col flex="1 1 140px">
        <Kpi
          testId="waiting"
          title={<FigureLabel k="waiting_for_placement" />}
          value={f ? (pick('waiting') ?? 0) + (pick('waiting_over_24h') ?? 0) : undefined}
          extra={
            f && (
              <Tag color={(pick('waiting_over_24h') ?? 0) > 0 ? 'red' : undefined}>
                {t('dashboard.waitingOver24h', { count: pick('waiting_over_24h') })}
              </Tag>
            )
          }
        />
      </Col>
      <Col flex="1 1 140px">
        <Kpi
          testId="isolated"
          title={<FigureLabel k="isolated_arrived" />}
          value={sumWhere(f, (k) => k.startsWith('isolated_') && !k.endsWith('_hospital'))}
          extra={
            f && (
              <Tag>
                {t('dashboard.awaitingTransfer', {
                  count: sumWhere(f, (k) => k.startsWith('awaiting_transfer_')),
                })}
              </Tag>
            )
          }
        />
      </Col>
      <Col flex="1 1 140px">
        <Kpi
          testId="hospital"
          title={<FigureLabel k="hospital_arrived" />}
          value={sumWhere(f, (k) => k.startsWith('isolated_') && k.endsWith('_hospital'))}
        />
      </Col>
      <Col flex="1 1 140px">
        <Kpi
          testId="at-home"
          title={<FigureLabel k="at_home" />}
          value={sumWhere(f, (k) => k.startsWith('home_isolation_'))}
          extra={
            f && (
              <Tag>
                {t('dashboard.homeMonitoring', {
                  count: sumWhere(f, (k) => k.startsWith('home_monitoring_')),
                })}
              </Tag>
            )
          }
        />
      </Col>
      <Col flex="1 1 140px">
        <Kpi
          testId="released-today"
          title={<FigureLabel k="released_today" />}
          value={pick('released_today')}
        />
      </Col>
      <Col flex="1 1 140px">
        <Kpi
          testId="free-rooms"
          title={<FigureLabel k="rooms_free" />}
          value={pick('rooms_available')}
          extra={
            f && (
              <Tag>
                {t('dashboard.freeBeds', {
                  count: sumWhere(f, (k) => k.startsWith('beds_') && k.endsWith('_available')),
                })}
              </Tag>
            )
          }
        />
      </Col>
      <Col flex="1 1 140px">
        <Kpi
          testId="overdue"
          title={<FigureLabel k="tasks_overdue" />}
          value={pick('tasks_overdue')}
          alert={(pick('tasks_overdue') ?? 0) > 0}
          extra={f && <Tag>{t('dashboard.openTasks', { count: pick('tasks_open') })}</Tag>}
        />
      </Col>
      <Col flex="1 1 140px">
        <Kpi
          testId="forces-on-duty"
          title={<FigureLabel k="forces_on_duty" />}
          value={pick('forces_on_duty')}
        />
      </Col>
      <Col flex="1 1 140px">
        <Kpi
          testId="forces-shortfall"
          title={<FigureLabel k="forces_shortfall" />}
          value={pick('forces_shortfall')}
          alert={(pick('forces_shortfall') ?? 0) > 0}
        />
      </Col>
      <Col flex="1 1 140px">
        <Kpi
          testId="medical-emergencies"
          title={<FigureLabel k="medical_emergencies_open" />}
          value={pick('medical_emergencies_open')}
          alert={(pick('medical_emergencies_stalled') ?? 0) > 0}
          extra={
            f && (
              <Tag color={(pick('medical_emergencies_stalled') ?? 0) > 0 ? 'red' : undefined}>
                <FigureLabel k="medical_emergencies_stalled" /> {pick('medical_emergencies_stalled')}
              </Tag>
            )
          }
        />
      </Col>
      <Col flex="1 1 140px">
        <Kpi
          testId="disinfections-late"
          title={<FigureLabel k="disinfections_late" />}
          value={pick('disinfections_late')}
          alert={(pick('disinfections_late') ?? 0) > 0}
          extra={
            f && (
              <Tag>
                <FigureLabel k="disinfections_done" /> {pick('disinfections_done_today')} /{' '}
                {pick('disinfections_due_today')}
              </Tag>
            )
          }
        />
      </Col>
      <Col flex="1 1 140px">
        <Kpi
          testId="supply-late"
          title={<FigureLabel k="supply_late" />}
          value={pick('supply_late')}
          alert={(pick('supply_late') ?? 0) > 0}
          extra={
            f && (
              <Tag color={(pick('supply_shortfall') ?? 0) > 0 ? 'red' : undefined}>
                <FigureLabel k="supply_shortfall" /> {pick('supply_shortfall')}
              </Tag>
            )
          }
        />
      </Col>
    </Row>
  );
}

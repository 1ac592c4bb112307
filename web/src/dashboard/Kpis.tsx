/** The KPIs of 指挥中心大屏 (/kpis): a card per figure with its note beneath, in red where it calls for action. */
import { Card, Col, Row, Statistic, Tag } from 'antd';
import type { TFunction } from 'i18next';
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

interface KpiSpec {
  testId: string;
  title: ReactNode;
  value: (f: Figures) => number;
  /** In red when true. */
  alert?: (f: Figures) => boolean;
  /** The note beneath: a tag, red when `red` says so. */
  note?: { text: (f: Figures) => ReactNode; red?: (f: Figures) => boolean };
}

const n = (f: Figures, k: string): number => f[k] ?? 0;
const positive = (k: string) => (f: Figures) => n(f, k) > 0;
const one = (k: string) => (f: Figures) => n(f, k);
const sum = (match: (k: string) => boolean) => (f: Figures) => sumWhere(f, match) ?? 0;

function specs(t: TFunction): KpiSpec[] {
  return [
    {
      testId: 'cases-today',
      title: <FigureLabel k="cases_today" />,
      value: one('cases_today'),
      alert: positive('cases_today'),
      note: { text: (f) => t('dashboard.asymptomaticToday', { count: n(f, 'asymptomatic_today') }) },
    },
    { testId: 'close-today', title: t('dashboard.closeToday'), value: one('found_today_close_contact') },
    {
      testId: 'secondary-today',
      title: t('dashboard.secondaryToday'),
      value: one('found_today_secondary_contact'),
    },
    {
      testId: 'waiting',
      title: <FigureLabel k="waiting_for_placement" />,
      value: (f) => n(f, 'waiting') + n(f, 'waiting_over_24h'),
      note: {
        text: (f) => t('dashboard.waitingOver24h', { count: n(f, 'waiting_over_24h') }),
        red: positive('waiting_over_24h'),
      },
    },
    {
      testId: 'isolated',
      title: <FigureLabel k="isolated_arrived" />,
      value: sum((k) => k.startsWith('isolated_') && !k.endsWith('_hospital')),
      note: {
        text: (f) =>
          t('dashboard.awaitingTransfer', { count: sumWhere(f, (k) => k.startsWith('awaiting_transfer_')) }),
      },
    },
    {
      testId: 'hospital',
      title: <FigureLabel k="hospital_arrived" />,
      value: sum((k) => k.startsWith('isolated_') && k.endsWith('_hospital')),
    },
    {
      testId: 'at-home',
      title: <FigureLabel k="at_home" />,
      value: sum((k) => k.startsWith('home_isolation_')),
      note: {
        text: (f) =>
          t('dashboard.homeMonitoring', { count: sumWhere(f, (k) => k.startsWith('home_monitoring_')) }),
      },
    },
    { testId: 'released-today', title: <FigureLabel k="released_today" />, value: one('released_today') },
    {
      testId: 'free-rooms',
      title: <FigureLabel k="rooms_free" />,
      value: one('rooms_available'),
      note: {
        text: (f) =>
          t('dashboard.freeBeds', {
            count: sumWhere(f, (k) => k.startsWith('beds_') && k.endsWith('_available')),
          }),
      },
    },
    {
      testId: 'overdue',
      title: <FigureLabel k="tasks_overdue" />,
      value: one('tasks_overdue'),
      alert: positive('tasks_overdue'),
      note: { text: (f) => t('dashboard.openTasks', { count: n(f, 'tasks_open') }) },
    },
    { testId: 'forces-on-duty', title: <FigureLabel k="forces_on_duty" />, value: one('forces_on_duty') },
    {
      testId: 'forces-shortfall',
      title: <FigureLabel k="forces_shortfall" />,
      value: one('forces_shortfall'),
      alert: positive('forces_shortfall'),
    },
    {
      testId: 'medical-emergencies',
      title: <FigureLabel k="medical_emergencies_open" />,
      value: one('medical_emergencies_open'),
      alert: positive('medical_emergencies_stalled'),
      note: {
        text: (f) => (
          <>
            <FigureLabel k="medical_emergencies_stalled" /> {n(f, 'medical_emergencies_stalled')}
          </>
        ),
        red: positive('medical_emergencies_stalled'),
      },
    },
    {
      testId: 'disinfections-late',
      title: <FigureLabel k="disinfections_late" />,
      value: one('disinfections_late'),
      alert: positive('disinfections_late'),
      note: {
        text: (f) => (
          <>
            <FigureLabel k="disinfections_done" /> {n(f, 'disinfections_done_today')} /{' '}
            {n(f, 'disinfections_due_today')}
          </>
        ),
      },
    },
    {
      testId: 'supply-late',
      title: <FigureLabel k="supply_late" />,
      value: one('supply_late'),
      alert: positive('supply_late'),
      note: {
        text: (f) => (
          <>
            <FigureLabel k="supply_shortfall" /> {n(f, 'supply_shortfall')}
          </>
        ),
        red: positive('supply_shortfall'),
      },
    },
  ];
}

/** The row of KPIs from the figures (undefined while they load). */
export function Kpis({ f }: { f: Figures | undefined }) {
  const { t } = useTranslation();
  return (
    <Row gutter={[12, 12]}>
      {specs(t).map((k) => (
        <Col flex="1 1 140px" key={k.testId}>
          <Kpi
            testId={k.testId}
            title={k.title}
            value={f ? k.value(f) : undefined}
            alert={f ? k.alert?.(f) : undefined}
            extra={f && k.note && <Tag color={k.note.red?.(f) ? 'red' : undefined}>{k.note.text(f)}</Tag>}
          />
        </Col>
      ))}
    </Row>
  );
}

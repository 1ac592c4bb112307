/**
 * 指挥调度: zones (封控/管控/防范 or 高/中/低风险) with their lifting readiness, the zone governing an area,
 * suggested upgrades, leaders and their patches (包保), today's responsibility list with owners and escalation,
 * the follow-up tasks, and the daily report (每日通报) with its Markdown, HTML and XLSX downloads in Chinese and
 * English. Actions, each shown only with its permission: set, change and lift zones (zone.manage), add a leader
 * (leader.manage), complete a task (task.complete).
 */
import { Space, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Me } from '../api.ts';
import type { Acting } from './command/common.ts';
import { LeadersView } from './command/Leaders.tsx';
import { ReportView } from './command/Report.tsx';
import { ResponsibilityView } from './command/Responsibility.tsx';
import { TasksView } from './command/Tasks.tsx';
import { ZonesView } from './command/Zones.tsx';
import { usePermissions, useVersion } from './shared.tsx';

export { ZONE_COLOURS } from './command/common.ts';

export default function CommandPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const may = usePermissions(me);
  const [version, bump] = useVersion();
  const acting: Acting = { may, version, bump };
  const items = [
    ...(may('zone.read')
      ? [{ key: 'zones', label: t('command.zones'), children: <ZonesView acting={acting} /> }]
      : []),
    ...(may('zone.read')
      ? [{ key: 'leaders', label: t('command.leaders'), children: <LeadersView acting={acting} /> }]
      : []),
    ...(may('task.read')
      ? [
          {
            key: 'responsibility',
            label: t('command.responsibility'),
            children: <ResponsibilityView version={version} />,
          },
          { key: 'tasks', label: t('command.tasks'), children: <TasksView acting={acting} /> },
        ]
      : []),
    ...(may('report.read') ? [{ key: 'report', label: t('command.report'), children: <ReportView /> }] : []),
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('command.title')}
      </Typography.Title>
      <Tabs items={items} />
    </Space>
  );
}

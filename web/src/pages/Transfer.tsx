/**
 * 转运: planning the day's trips for everyone placed and not yet on a trip, with the plan's summary (who moves,
 * who cannot and why) (transfer.manage), the open trips with their passengers (transfer.read: commanders and
 * dispatchers; drivers), and the clocks found → placed → picked up → delivered with the late list (transfer.manage).
 *
 * Where: transfer/Plan.tsx (planning the day's trips), transfer/Trips.tsx (the trips, a driver's steps),
 * transfer/Clocks.tsx (the clocks, the late list). This file holds the page and its tabs.
 */
import { Space, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Me } from '../api.ts';
import { usePermissions, useVersion } from './shared.tsx';
import { ClocksView } from './transfer/Clocks.tsx';
import { PlanView } from './transfer/Plan.tsx';
import { TripsView } from './transfer/Trips.tsx';

export default function TransferPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const may = usePermissions(me);
  const [version, bump] = useVersion();
  // The clocks first for those who plan (commanders, dispatchers), the trips first for drivers.
  const items = [
    ...(may('transfer.manage')
      ? [{ key: 'clocks', label: t('transfer.clocks'), children: <ClocksView version={version} /> }]
      : []),
    ...(may('transfer.read') || may('transfer.drive')
      ? [
          {
            key: 'trips',
            label: t('transfer.trips'),
            children: <TripsView version={version} mayDrive={may('transfer.drive')} onDone={bump} />,
          },
        ]
      : []),
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('transfer.title')}
      </Typography.Title>
      {may('transfer.manage') && <PlanView onDone={bump} />}
      <Tabs items={items} />
    </Space>
  );
}

/**
 * 隔离管控: the 清仓 board of a day (due, placed, released, rooms freed, turn-over time, stuck units, occupancy),
 * stock and increment (存量/增量) with the backlog, the 3-day forecast of rooms and beds against free capacity, and
 * the open stays. With isolation.manage: place the backlog (8th or 9th edition), and on a stay arrive, release,
 * discharge, record a health check, issue the personal self-report link, move it to another site; start and
 * finish the terminal disinfection of the units stuck on the board.
 *
 * Where: isolation/PlaceBacklog.tsx (清仓 placing), isolation/Board.tsx (the board, stuck units),
 * isolation/Stock.tsx, isolation/Forecast.tsx, isolation/Stays.tsx (the stays, the self-report link) with
 * isolation/StayForms.tsx (discharge, health check, move), isolation/HomeStays.tsx (居家); the sites' tab is
 * Sites.tsx. This file holds the page and its tabs.
 */
import { Space, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Me } from '../contract.ts';
import { DayPicker } from './filters.tsx';
import { BoardView } from './isolation/Board.tsx';
import { ForecastView } from './isolation/Forecast.tsx';
import { HomeStaysView } from './isolation/HomeStays.tsx';
import { PlaceBacklog } from './isolation/PlaceBacklog.tsx';
import { StaysView } from './isolation/Stays.tsx';
import { StockView } from './isolation/Stock.tsx';
import SitesView from './Sites.tsx';
import { beijingToday, usePermissions, useVersion } from './shared.tsx';

export default function IsolationPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [day, setDay] = useState(beijingToday());
  const may = usePermissions(me);
  const [version, bump] = useVersion();
  const manage = may('isolation.manage');
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('isolation.title')}
      </Typography.Title>
      {manage && <PlaceBacklog onDone={bump} />}
      <Tabs
        tabBarExtraContent={<DayPicker day={day} onDay={setDay} />}
        items={[
          {
            key: 'board',
            label: t('isolation.board'),
            children: <BoardView day={day} manage={manage} version={version} onDone={bump} />,
          },
          { key: 'stock', label: t('isolation.stock'), children: <StockView day={day} version={version} /> },
          { key: 'forecast', label: t('isolation.forecast'), children: <ForecastView version={version} /> },
          {
            key: 'sites',
            label: t('sites.tab'),
            children: <SitesView manage={manage} version={version} onDone={bump} />,
          },
          ...(manage
            ? [
                {
                  key: 'stays',
                  label: t('isolation.stays'),
                  children: <StaysView version={version} onDone={bump} />,
                },
                {
                  key: 'home',
                  label: t('isolation.homeTab'),
                  children: <HomeStaysView version={version} onDone={bump} />,
                },
              ]
            : []),
        ]}
      />
    </Space>
  );
}

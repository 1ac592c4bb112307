/**
 * 力量调配: the day's figures (on duty, shortfall, loop tests missed), the roster board (areas × shifts, people
 * assigned against the demand, shortfalls in red with their reason; propose, confirm, take off and put on by
 * hand), the workers with filters and their status, the support teams, and the closed loops with the day's test
 * schedule (gaps in red) and a form to record a test. Areas by name, workers by masked name, times in Beijing time.
 *
 * Where: forces/RosterCard.tsx (a roster on the board), forces/Workers.tsx (the workers, the support teams),
 * forces/Loops.tsx (the closed loops, recording a test), forces/common.ts (names masked). This file holds the
 * page, its figures and the board.
 */
import { Button, Card, Col, Empty, Row, Space, Statistic, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPicker } from '../AreaPicker.tsx';
import { api, type Me } from '../api.ts';
import type { ForcesBoard, ForcesFiguresAnswer, Roster } from '../contract.ts';
import { FigureLabel } from '../figure-label.tsx';
import { Loops } from './forces/Loops.tsx';
import { RosterCard } from './forces/RosterCard.tsx';
import { Teams, Workers } from './forces/Workers.tsx';
import { BeijingDatePicker, beijingToday, ErrorAlert, useAction, useApi, useVersion } from './shared.tsx';

export { maskName } from './forces/common.ts';

export default function ForcesPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [day, setDay] = useState(beijingToday());
  const [area, setArea] = useState<string | undefined>(undefined);
  const [version, bump] = useVersion();
  const plan = me.permissions.includes('forces.plan');
  const figures = useApi<ForcesFiguresAnswer>(`/api/forces/figures?day=${day}`, version);
  const board = useApi<ForcesBoard>(`/api/forces/board?day=${day}${area ? `&area=${area}` : ''}`, version);
  const act = useAction();
  const propose = () =>
    act(
      () =>
        api<Roster>('/api/forces/rosters', {
          method: 'POST',
          body: { area_code: area ?? me.jurisdiction, day },
        }),
      () => t('forces.board.proposed'),
      bump,
    );
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} className="forces-page">
      <div>
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {t('forces.title')}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t('forces.intro')}</Typography.Paragraph>
        <Space wrap>
          <span>{t('forces.day')}</span>
          <BeijingDatePicker
            allowClear={false}
            value={dayjs(day)}
            onChange={(d: Dayjs | null) => d && setDay(d.format('YYYY-MM-DD'))}
          />
          <span>{t('forces.area')}</span>
          <AreaPicker
            value={area}
            onChange={setArea}
            allowClear
            placeholder={t('forces.allAreas')}
            style={{ minWidth: 280 }}
          />
          {plan && (
            <Button
              type="primary"
              className="propose-roster"
              onClick={propose}
              title={t('forces.board.proposeFor')}
            >
              {t('forces.board.propose')}
            </Button>
          )}
        </Space>
      </div>
      <ErrorAlert error={figures.error ?? board.error} />
      <Row gutter={16}>
        {(['forces_on_duty', 'forces_shortfall', 'loop_test_gaps'] as const).map((k) => (
          <Col xs={8} key={k}>
            <Card size="small">
              <Statistic
                title={<FigureLabel k={k} />}
                value={figures.data?.figures[k] ?? '—'}
                valueStyle={
                  k !== 'forces_on_duty' && (figures.data?.figures[k] ?? 0) > 0
                    ? { color: '#cf1322' }
                    : undefined
                }
              />
            </Card>
          </Col>
        ))}
      </Row>
      <Card size="small" title={t('forces.board.title')} className="roster-board">
        {(board.data?.rosters ?? []).length === 0 ? (
          <Empty description={t('forces.board.none')} image={Empty.PRESENTED_IMAGE_SIMPLE} />
        ) : (
          <Space direction="vertical" style={{ width: '100%' }}>
            {board.data?.rosters.map((r) => (
              <RosterCard key={r.id} roster={r} plan={plan} onChanged={bump} />
            ))}
          </Space>
        )}
      </Card>
      <Workers version={version} area={area} plan={plan} onChanged={bump} />
      <Teams version={version} />
      <Loops day={day} version={version} plan={plan} onChanged={bump} />
    </Space>
  );
}

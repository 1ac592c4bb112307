/** A round of 核酸检测: its card with the tabs (coverage, door-knocking, points, scan file) and 结束本轮. */
import { Button, Card, Input, Popconfirm, Space, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Me } from '../../api.ts';
import type { ClosedRound, TestingRound as Round } from '../../contract.ts';
import { ScanFileView } from '../ScanFile.tsx';
import { StatusTag, useAction } from '../shared.tsx';
import { CoverageView } from './Coverage.tsx';
import { PointsView } from './Points.tsx';
import { UnsampledView } from './Unsampled.tsx';

export const ROUND_COLOURS: Record<string, string> = {
  active: 'processing',
  planned: 'default',
  closed: 'green',
};

/** 结束本轮: with a reason; sampling ends and later scans are refused. */
function CloseRound({ round, onClosed }: { round: Round; onClosed: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [reason, setReason] = useState('');
  return (
    <Popconfirm
      title={t('testing.closeTitle', { name: round.name })}
      description={
        <Space direction="vertical" style={{ width: 320 }}>
          <Typography.Text type="secondary">{t('testing.closeNote')}</Typography.Text>
          <Input
            aria-label={t('testing.closeReason')}
            placeholder={t('testing.closeReason')}
            value={reason}
            maxLength={500}
            onChange={(e) => setReason(e.target.value)}
          />
        </Space>
      }
      okText={t('action.confirm')}
      cancelText={t('action.cancel')}
      okButtonProps={{ danger: true, disabled: reason.trim().length < 2 }}
      onConfirm={() =>
        act(
          () =>
            api<ClosedRound>(`/api/testing/rounds/${round.id}/close`, {
              method: 'POST',
              body: { reason: reason.trim() },
            }),
          () => t('testing.closed', { name: round.name }),
          onClosed,
        )
      }
    >
      <Button size="small" danger>
        {t('testing.close')}
      </Button>
    </Popconfirm>
  );
}

export function RoundDetail({ round, me, onChanged }: { round: Round; me: Me; onChanged: () => void }) {
  const { t } = useTranslation();
  const [knockArea, setKnockArea] = useState<string>('');
  const [tab, setTab] = useState('coverage');
  const mayPeople = me.permissions.includes('person.read');
  return (
    <Card
      size="small"
      title={
        <Space>
          {t('testing.round')} #{round.id} · {round.name}
          <StatusTag ns="roundStatus" value={round.status} colors={ROUND_COLOURS} />
          {round.status === 'closed' && round.close_reason && (
            <Typography.Text type="secondary">
              {t('testing.closedBecause', { reason: round.close_reason })}
            </Typography.Text>
          )}
        </Space>
      }
      extra={
        round.status === 'active' && me.permissions.includes('testing.manage') ? (
          <CloseRound round={round} onClosed={onChanged} />
        ) : undefined
      }
    >
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          {
            key: 'coverage',
            label: t('testing.coverage'),
            children: (
              <CoverageView
                round={round}
                jurisdiction={me.jurisdiction}
                onKnock={
                  mayPeople
                    ? (code) => {
                        setKnockArea(code);
                        setTab('unsampled');
                      }
                    : undefined
                }
              />
            ),
          },
          ...(mayPeople
            ? [
                {
                  key: 'unsampled',
                  label: t('testing.unsampled'),
                  children: <UnsampledView round={round} area={knockArea} onArea={setKnockArea} />,
                },
              ]
            : []),
          { key: 'points', label: t('testing.points'), children: <PointsView round={round} /> },
          ...(me.permissions.includes('testing.sample')
            ? [{ key: 'scan-file', label: t('scanFile.tab'), children: <ScanFileView round={round} /> }]
            : []),
        ]}
      />
    </Card>
  );
}

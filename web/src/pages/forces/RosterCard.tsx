/**
 * A roster on the board: areas × shifts, people assigned against the demand, shortfalls with their reason;
 * confirm, take off and put on by hand.
 */
import { Card, Collapse, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import type { Roster, RosterConfirmed } from '../../contract.ts';
import { AreaName, ConfirmButton, useAction, useFormat } from '../shared.tsx';
import { maskName } from './common.ts';

const SHIFTS = ['night', 'day', 'evening'] as const;

type Reason = Coverage['reason'];
type Coverage = Roster['coverage'][number];
type ShiftRow = Roster['shifts'][number];

function useReason() {
  const { t } = useTranslation();
  return (r: Reason) =>
    t(`forces.reason.${r.k.replace(/^forces\./, '')}`, {
      ...r.p,
      skill: r.p.skill ? t(`forces.skill.${r.p.skill}`) : '',
    });
}

export function RosterCard({
  roster,
  plan,
  onChanged,
}: {
  roster: Roster;
  plan: boolean;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const act = useAction();
  const reason = useReason();
  const f = useFormat();
  const rows = useMemo(() => {
    const by = new Map<
      string,
      { key: string; area_code: string; skill: string; cells: Record<string, Coverage> }
    >();
    for (const c of roster.coverage) {
      const key = `${c.area_code}|${c.skill}`;
      const row = by.get(key) ?? { key, area_code: c.area_code, skill: c.skill, cells: {} };
      row.cells[c.shift] = c;
      by.set(key, row);
    }
    return [...by.values()];
  }, [roster.coverage]);
  const short = roster.coverage.reduce((a, c) => a + c.short, 0);
  const confirm = () =>
    act(
      () =>
        api<RosterConfirmed>(`/api/forces/rosters/${roster.id}/confirm`, {
          method: 'POST',
        }),
      (r) => (r.already ? t('forces.board.already') : t('forces.board.confirmed')),
      onChanged,
    );
  return (
    <Card
      size="small"
      type="inner"
      className={`roster roster-${roster.status}`}
      title={
        <Space wrap>
          <AreaName code={roster.area_code} />
          <Tag color={roster.status === 'confirmed' ? 'green' : 'gold'} className="roster-status">
            {t(`forces.rosterStatus.${roster.status}`)}
          </Tag>
          {short > 0 && <Tag color="red">{t('forces.board.short', { n: short })}</Tag>}
          {roster.pending > 0 && roster.status === 'confirmed' && (
            <Tag color="orange">{t('forces.board.pending', { n: roster.pending })}</Tag>
          )}
        </Space>
      }
      extra={
        plan &&
        (roster.status === 'draft' || roster.pending > 0) && (
          <ConfirmButton type="primary" title={t('forces.board.confirmTitle')} onConfirm={confirm}>
            <span className="confirm-roster">{t('forces.board.confirm')}</span>
          </ConfirmButton>
        )
      }
    >
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        {t('forces.board.rules', {
          max: roster.rules.maxHoursIn24,
          rest: roster.rules.minRestHours,
          days: roster.rules.restDayEvery,
        })}
      </Typography.Paragraph>
      <Table
        size="small"
        rowKey="key"
        dataSource={rows}
        pagination={rows.length > 15 ? { pageSize: 15 } : false}
        columns={[
          {
            key: 'area',
            title: t('forces.board.areaSkill'),
            render: (_, r) => (
              <Space size={4}>
                <AreaName code={r.area_code} />
                <Tag>{t(`forces.skill.${r.skill}`)}</Tag>
              </Space>
            ),
          },
          ...SHIFTS.map((s) => ({
            key: s,
            title: t(`forces.shift.${s}`),
            render: (_: unknown, r: (typeof rows)[number]) => {
              const c = r.cells[s];
              if (!c) return <Typography.Text type="secondary">—</Typography.Text>;
              return (
                <Tooltip title={reason(c.reason)}>
                  <Space size={4} className={c.short > 0 ? 'cell-short' : 'cell-covered'}>
                    <Typography.Text type={c.short > 0 ? 'danger' : undefined} strong={c.short > 0}>
                      {t('forces.board.cell', { assigned: c.assigned, demand: c.demand })}
                    </Typography.Text>
                    {c.short > 0 && <Tag color="red">{t('forces.board.short', { n: c.short })}</Tag>}
                  </Space>
                </Tooltip>
              );
            },
          })),
        ]}
      />
      <Collapse
        size="small"
        items={[
          {
            key: 'shifts',
            label: `${t('forces.board.shifts')} (${roster.shifts.filter((s) => s.status !== 'removed').length})`,
            children: (
              <Table<ShiftRow>
                size="small"
                rowKey="id"
                dataSource={roster.shifts}
                pagination={{ pageSize: 20 }}
                columns={[
                  {
                    key: 'worker',
                    title: t('forces.board.worker'),
                    render: (_, s) => maskName(s.worker_name),
                  },
                  { key: 'area', title: t('forces.area'), render: (_, s) => <AreaName code={s.area_code} /> },
                  {
                    key: 'skill',
                    title: t('forces.workers.role'),
                    render: (_, s) => t(`forces.skill.${s.skill}`),
                  },
                  {
                    key: 'shift',
                    title: t('forces.day'),
                    render: (_, s) => `${t(`forces.shift.${s.shift}`)} · ${f.dateTime(s.starts_at)}`,
                  },
                  {
                    key: 'status',
                    title: t('forces.workers.status'),
                    render: (_, s) => (
                      <Space size={4}>
                        <Tag
                          color={
                            s.status === 'confirmed' ? 'green' : s.status === 'draft' ? 'gold' : undefined
                          }
                        >
                          {t(`forces.board.shiftStatus.${s.status}`)}
                        </Tag>
                        {s.origin !== 'proposed' && <Tag>{t(`forces.board.origin.${s.origin}`)}</Tag>}
                      </Space>
                    ),
                  },
                  {
                    key: 'actions',
                    render: (_, s) =>
                      plan && s.status !== 'removed' ? (
                        <ConfirmButton
                          danger
                          title={t('forces.board.removeTitle')}
                          onConfirm={() =>
                            act(
                              () =>
                                api(`/api/forces/rosters/${roster.id}/shifts/${s.id}/remove`, {
                                  method: 'POST',
                                  body: { reason: t('forces.board.remove') },
                                }),
                              () => t('forces.board.removed'),
                              onChanged,
                            )
                          }
                        >
                          {t('forces.board.remove')}
                        </ConfirmButton>
                      ) : null,
                  },
                ]}
              />
            ),
          },
        ]}
      />
    </Card>
  );
}

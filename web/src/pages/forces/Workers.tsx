/** The workers with filters and their status, and the support teams. */
import { Card, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import type { ForceWorker, Team, WorkersAnswer } from '../../contract.ts';
import { CodeSelect } from '../filters.tsx';
import { AreaName, ErrorAlert, useAction, useApi } from '../shared.tsx';
import { maskName } from './common.ts';

const SKILLS = ['sampler', 'medical', 'community', 'volunteer', 'driver', 'site_staff', 'chief'] as const;

const STATUSES = ['on_duty', 'resting', 'quarantined', 'left'] as const;

type Worker = ForceWorker;

export function Workers({
  version,
  area,
  plan,
  onChanged,
}: {
  version: number;
  area: string | undefined;
  plan: boolean;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const act = useAction();
  const [role, setRole] = useState<string | undefined>(undefined);
  const [status, setStatus] = useState<string | undefined>(undefined);
  const q = new URLSearchParams({ limit: '500' });
  if (role) q.set('role', role);
  if (status) q.set('status', status);
  if (area) q.set('area', area);
  const list = useApi<WorkersAnswer>(`/api/forces/workers?${q}`, version);
  return (
    <Card
      size="small"
      className="forces-workers"
      title={`${t('forces.workers.title')} · ${t('forces.workers.total', { n: list.data?.total ?? 0 })}`}
      extra={
        <Space>
          <CodeSelect
            ns="forces.skill"
            codes={SKILLS}
            allowClear
            placeholder={t('forces.workers.role')}
            style={{ width: 160 }}
            value={role}
            onChange={setRole}
          />
          <CodeSelect
            ns="forces.status"
            codes={STATUSES}
            allowClear
            placeholder={t('forces.workers.status')}
            style={{ width: 120 }}
            value={status}
            onChange={setStatus}
          />
        </Space>
      }
    >
      <ErrorAlert error={list.error} />
      <Table<Worker>
        size="small"
        rowKey="id"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        pagination={{ pageSize: 15 }}
        columns={[
          { key: 'name', title: t('forces.workers.name'), render: (_, w) => maskName(w.name) },
          { key: 'role', title: t('forces.workers.role'), render: (_, w) => t(`forces.skill.${w.role}`) },
          {
            key: 'skills',
            title: t('forces.workers.skills'),
            render: (_, w) => w.skills.map((s) => <Tag key={s}>{t(`forces.skill.${s}`)}</Tag>),
          },
          { key: 'area', title: t('forces.workers.base'), render: (_, w) => <AreaName code={w.area_code} /> },
          { key: 'team', title: t('forces.workers.team'), render: (_, w) => w.team_name ?? '—' },
          { key: 'loop', title: t('forces.workers.loop'), render: (_, w) => w.loop_name ?? '—' },
          {
            key: 'status',
            title: t('forces.workers.status'),
            render: (_, w) =>
              plan ? (
                <CodeSelect
                  ns="forces.status"
                  codes={STATUSES}
                  size="small"
                  value={w.status}
                  style={{ width: 110 }}
                  onChange={(s) =>
                    act(
                      () =>
                        api(`/api/forces/workers/${w.id}/status`, { method: 'POST', body: { status: s } }),
                      () => t('forces.workers.statusSet'),
                      onChanged,
                    )
                  }
                />
              ) : (
                <Tag
                  color={w.status === 'quarantined' ? 'red' : w.status === 'on_duty' ? 'green' : undefined}
                >
                  {t(`forces.status.${w.status}`)}
                </Tag>
              ),
          },
        ]}
      />
    </Card>
  );
}

export function Teams({ version }: { version: number }) {
  const { t } = useTranslation();
  const teams = useApi<{ items: Team[] }>('/api/forces/teams', version);
  return (
    <Card size="small" title={t('forces.teams.title')} className="forces-teams">
      <Table<Team>
        size="small"
        rowKey="id"
        dataSource={teams.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: t('forces.teams.none') }}
        columns={[
          { key: 'name', title: t('forces.teams.name'), dataIndex: 'name' },
          { key: 'origin', title: t('forces.teams.origin'), dataIndex: 'origin_city' },
          { key: 'area', title: t('forces.area'), render: (_, x) => <AreaName code={x.area_code} /> },
          { key: 'size', title: t('forces.teams.size'), dataIndex: 'size' },
          { key: 'registered', title: t('forces.teams.registered'), dataIndex: 'registered' },
          {
            key: 'dates',
            title: t('forces.teams.dates'),
            render: (_, x) => `${x.arrives_on} – ${x.leaves_on}`,
          },
        ]}
      />
    </Card>
  );
}

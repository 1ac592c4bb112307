/** 指挥调度 · 待办任务: the follow-up tasks by status, and one marked done. */
import { Select, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query } from '../../api.ts';
import type { Task, TasksAnswer } from '../../contract.ts';
import {
  ACTIONS,
  areaColumn,
  byNumber,
  byString,
  type Column,
  ConfirmButton,
  codedColumn,
  DataTable,
  useAction,
  useApi,
  useFormat,
} from '../shared.tsx';
import type { Acting } from './common.ts';

export function TasksView({ acting }: { acting: Acting }) {
  const { t } = useTranslation();
  // What the task is about, in words: the day of a term's test, the tube to re-test, the room to disinfect.
  const taskObject = (r: Task): string => {
    const d = r.details ?? {};
    if (r.place) return t('command.object.place', { place: r.place });
    if (typeof d.day === 'number') return t('command.object.day', { day: d.day });
    if (typeof d.tube === 'string') return t('command.object.tube', { tube: d.tube });
    return r.subject_type ? t(`subjectType.${r.subject_type}`, { defaultValue: '' }) : '';
  };
  const personOf = (r: Task): string =>
    r.person_name ?? (r.person_id === null ? '' : t('command.personNo', { id: r.person_id }));
  const f = useFormat();
  const act = useAction();
  const [status, setStatus] = useState<'open' | 'done' | 'cancelled'>('open');
  const [limit, setLimit] = useState(1000);
  const res = useApi<TasksAnswer>(`/api/tasks${query({ status, limit })}`, acting.version);
  const complete = acting.may('task.complete');
  const rows = res.data?.items ?? [];
  const now = Date.now();
  const columns: Column<Task>[] = [
    { key: 'id', title: t('testing.id'), dataIndex: 'id', sorter: byNumber((r) => r.id) },
    codedColumn({ key: 'kind', title: t('command.item'), field: 'kind', rows: rows, ns: 'taskKind', t }),
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'person',
      title: t('command.person'),
      render: (_: unknown, r) => personOf(r) || '—',
      exportValue: personOf,
    },
    {
      key: 'subject',
      title: t('command.subject'),
      render: (_: unknown, r) => taskObject(r) || '—',
      exportValue: taskObject,
    },
    {
      key: 'due_at',
      title: t('command.due'),
      dataIndex: 'due_at',
      sorter: byString((r) => r.due_at),
      render: (v: string, r) =>
        r.status === 'open' && new Date(v).getTime() < now ? (
          <Tag color="red">{f.dateTime(v)}</Tag>
        ) : (
          f.dateTime(v)
        ),
    },
    {
      key: 'created_at',
      title: t('command.created'),
      dataIndex: 'created_at',
      render: f.dateTime,
      sorter: byString((r) => r.created_at),
    },
    { key: 'done_at', title: t('command.doneAt'), dataIndex: 'done_at', render: f.dateTime },
    ...(complete && status === 'open'
      ? [
          {
            key: ACTIONS,
            title: t('action.actions'),
            render: (_: unknown, r: Task) => (
              <ConfirmButton
                type="primary"
                title={t('command.confirmDone', {
                  id: r.id,
                  kind: t(`taskKind.${r.kind}`, { defaultValue: r.kind }),
                })}
                onConfirm={() =>
                  act(
                    () => api(`/api/tasks/${r.id}/done`, { method: 'POST', body: {} }),
                    () => t('command.taskDone', { id: r.id }),
                    acting.bump,
                  )
                }
              >
                {t('command.markDone')}
              </ConfirmButton>
            ),
          } satisfies Column<Task>,
        ]
      : []),
  ];
  return (
    <DataTable<Task>
      rows={rows}
      columns={columns}
      rowKey="id"
      loading={res.loading}
      error={res.error}
      total={res.data?.total}
      serverExport={`/api/tasks/export${query({ status })}`}
      exportName={t('command.tasks')}
      toolbar={
        <>
          <Select
            size="small"
            style={{ width: 120 }}
            value={status}
            onChange={setStatus}
            options={(['open', 'done', 'cancelled'] as const).map((v) => ({
              value: v,
              label: t(`taskStatus.${v}`),
            }))}
          />
          <Select
            size="small"
            style={{ width: 120 }}
            value={limit}
            onChange={setLimit}
            options={[200, 500, 1000].map((n) => ({ value: n, label: t('common.upTo', { count: n }) }))}
          />
        </>
      }
    />
  );
}

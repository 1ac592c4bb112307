/**
 * 后台任务: the background job queue (GET /api/system/jobs): each job's runs waiting, running and failed, and the
 * dead letters (runs that failed every attempt) with their error, newest first. Refreshed every 15 seconds.
 */
import { Alert, Button, Card, Space, Table, Typography } from 'antd';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobsView } from '../../contract.ts';
import { ErrorAlert, useApi } from '../shared.tsx';
import { useBeijingTime } from './common.tsx';

/** A queue's name in the reader's words (an unknown queue keeps its name). */
function useQueueName(): (queue: string) => string {
  const { t } = useTranslation();
  return (queue) => t(`admin.jobs.queue.${queue}`, { defaultValue: queue });
}

export function JobsViewTab() {
  const { t } = useTranslation();
  const time = useBeijingTime();
  const name = useQueueName();
  const jobs = useApi<JobsView>('/api/system/jobs');
  const { reload } = jobs;
  useEffect(() => {
    const timer = setInterval(reload, 15_000);
    return () => clearInterval(timer);
  }, [reload]);
  const queues = jobs.data?.queues ?? [];
  const dead = jobs.data?.dead_letters ?? [];
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('admin.jobs.hint')}</Typography.Text>
      <ErrorAlert error={jobs.error} />
      <Card
        size="small"
        title={t('admin.jobs.queues')}
        extra={
          <Button size="small" onClick={reload} loading={jobs.loading}>
            {t('admin.jobs.reload')}
          </Button>
        }
      >
        <Table
          size="small"
          rowKey="queue"
          pagination={false}
          loading={jobs.loading && !jobs.data}
          dataSource={queues}
          columns={[
            { title: t('admin.jobs.queueName'), dataIndex: 'queue', render: (q: string) => name(q) },
            { title: t('admin.jobs.queued'), dataIndex: 'queued', align: 'right' },
            { title: t('admin.jobs.active'), dataIndex: 'active', align: 'right' },
            { title: t('admin.jobs.failed'), dataIndex: 'failed', align: 'right' },
            {
              title: t('admin.jobs.countedAt'),
              dataIndex: 'counted_at',
              render: (v: string | null) => (v ? time(v) : t('admin.jobs.notCounted')),
            },
          ]}
        />
      </Card>
      <Card size="small" title={t('admin.jobs.dead', { n: dead.length })}>
        {jobs.data && dead.length === 0 ? (
          <Alert type="success" showIcon message={t('admin.jobs.noDead')} />
        ) : (
          <Table
            size="small"
            rowKey="id"
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            dataSource={dead}
            columns={[
              { title: t('admin.jobs.failedAt'), dataIndex: 'failed_at', render: (v: string) => time(v) },
              { title: t('admin.jobs.queueName'), dataIndex: 'queue', render: (q: string) => name(q) },
              {
                title: t('admin.jobs.attempts'),
                dataIndex: 'attempts',
                align: 'right',
                render: (n: number | null) => n ?? '—',
              },
              { title: t('admin.jobs.error'), dataIndex: 'error' },
            ]}
          />
        )}
      </Card>
    </Space>
  );
}

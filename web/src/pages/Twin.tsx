/**
 * 推演: ask for a simulated outbreak run with chosen strategies (run in the background by the server), follow the
 * runs, and compare a finished run's strategies: one small chart per figure with each strategy's median line and
 * its 10–90 % band over seeds, and the summary table (infections, cases found, peak rooms and beds, tests, the day
 * of community zero).
 */
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Col,
  Empty,
  Form,
  InputNumber,
  Row,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { LineChart } from 'echarts/charts';
import { use } from 'echarts/core';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import type { TwinOptions, TwinResult, TwinRun, TwinRunDetail, TwinRunListed } from '../contract.ts';
import { EChart } from '../EChart.tsx';
import { ConfirmButton, ErrorAlert, useAction, useApi, useFormat } from './shared.tsx';

use([LineChart]);

/** What the form asks for (the body of POST /api/twin/runs). */
type RunParams = TwinRun['params'];
type Band = TwinResult['bands'][number];
type Summary = TwinResult['summary'][number];

const CHARTS = ['true_new', 'detected', 'rooms_needed', 'rooms_free', 'backlog', 'person_tests'] as const;
const COLORS = ['#1677ff', '#fa541c', '#52c41a', '#722ed1'];
/** Seconds per strategy × seed × 1,000 people × 60 days, measured on a 2-core machine (74 s at 20,000 people). */
const SECONDS_PER_THOUSAND = 3.7;

/** A duration in words: seconds under a minute, else minutes (a 12-second run is not 「1 分钟」). */
function durationText(t: (key: string, options: { count: number }) => string, seconds: number): string {
  return seconds < 59.5
    ? t('twin.runs.seconds', { count: Math.max(1, Math.round(seconds)) })
    : t('twin.runs.minutes', { count: Math.round(seconds / 60) });
}

export default function TwinPage() {
  const { t, i18n } = useTranslation();
  const zh = i18n.language !== 'en';
  const fmt = useFormat();
  const act = useAction();
  const options = useApi<TwinOptions>('/api/twin/options');
  const [version, setVersion] = useState(0);
  const duration = (seconds: number) => durationText(t, seconds);
  const runs = useApi<{ items: TwinRunListed[] }>('/api/twin/runs', version);
  const [open, setOpen] = useState<number | null>(null);
  const detail = useApi<TwinRunDetail>(open === null ? null : `/api/twin/runs/${open}`, version);
  const [form] = Form.useForm<RunParams>();
  const strategyName = useMemo(() => {
    const m = new Map((options.data?.strategies ?? []).map((s) => [s.name, zh ? s.zh : s.en]));
    return (name: string) => m.get(name) ?? name;
  }, [options.data, zh]);

  // While anything waits or runs, ask again every 3 s.
  const busy = (runs.data?.items ?? []).some((r) => r.status === 'queued' || r.status === 'running');
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(() => setVersion((v) => v + 1), 3000);
    return () => clearInterval(timer);
  }, [busy]);
  // Open the newest finished run when nothing is open.
  useEffect(() => {
    if (open !== null) return;
    const done = runs.data?.items.find((r) => r.status === 'done');
    if (done) setOpen(done.id);
  }, [runs.data, open]);

  const values = Form.useWatch([], form);
  const estimate = useMemo(() => {
    if (!values?.strategies?.length) return null;
    const each = ((SECONDS_PER_THOUSAND * (values.people ?? 0)) / 1000) * ((values.days ?? 60) / 60);
    const total = each * values.strategies.length * (values.seeds ?? 1);
    return t('twin.form.estimate', { total: durationText(t, total), each: Math.max(1, Math.round(each)) });
  }, [values, t]);

  const start = async (v: RunParams) => {
    const r = await act(
      () => api<TwinRun>('/api/twin/runs', { method: 'POST', body: v }),
      (a) => t('twin.form.queued', { id: a.id }),
      () => setVersion((n) => n + 1),
    );
    if (r) setOpen(r.id);
  };

  const statusTag = (r: TwinRun) => {
    const color = {
      queued: 'default',
      running: 'processing',
      done: 'success',
      failed: 'error',
      cancelled: 'default',
    }[r.status];
    return <Tag color={color}>{t(`twin.status.${r.status}`, { percent: fmt.percent(r.progress, 1) })}</Tag>;
  };
  const took = (r: TwinRun) =>
    r.started_at && r.finished_at
      ? duration((Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000)
      : '—';

  const limits = options.data?.limits;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('twin.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('twin.intro')}
      </Typography.Paragraph>
      <ErrorAlert error={options.error ?? runs.error} />
      {options.data && limits && (
        <Card title={t('twin.form.title')} size="small">
          <Form
            form={form}
            layout="inline"
            onFinish={start}
            initialValues={{
              scenario: options.data.scenarios[0]?.name,
              strategies: ['as-it-happened', 'daily-rounds'],
              days: 60,
              seeds: 3,
              people: 20_000,
            }}
          >
            <Form.Item name="scenario" label={t('twin.form.scenario')} rules={[{ required: true }]}>
              <Select
                style={{ width: 220 }}
                options={options.data.scenarios.map((s) => ({
                  value: s.name,
                  label: zh ? s.title_zh : s.title_en,
                }))}
              />
            </Form.Item>
            <Form.Item name="days" label={t('twin.form.days')} rules={[{ required: true }]}>
              <InputNumber min={limits.days[0]} max={limits.days[1]} />
            </Form.Item>
            <Form.Item name="seeds" label={t('twin.form.seeds')} rules={[{ required: true }]}>
              <InputNumber min={limits.seeds[0]} max={limits.seeds[1]} />
            </Form.Item>
            <Form.Item name="people" label={t('twin.form.people')} rules={[{ required: true }]}>
              <InputNumber
                min={limits.people[0]}
                max={limits.people[1]}
                step={10_000}
                style={{ width: 130 }}
              />
            </Form.Item>
            <Form.Item
              name="strategies"
              label={t('twin.form.strategies', { max: limits.strategies })}
              rules={[{ required: true, type: 'array', min: 1, max: limits.strategies }]}
              style={{ width: '100%', marginTop: 8 }}
            >
              <Checkbox.Group
                options={options.data.strategies.map((s) => ({ value: s.name, label: zh ? s.zh : s.en }))}
              />
            </Form.Item>
            <Form.Item style={{ marginTop: 8 }}>
              <Space>
                <Button type="primary" htmlType="submit">
                  {t('twin.form.start')}
                </Button>
                {estimate && <Typography.Text type="secondary">{estimate}</Typography.Text>}
              </Space>
            </Form.Item>
          </Form>
        </Card>
      )}
      <Card title={t('twin.runs.title')} size="small">
        <Table<TwinRunListed>
          size="small"
          rowKey="id"
          dataSource={runs.data?.items ?? []}
          loading={runs.loading && !runs.data}
          pagination={false}
          locale={{ emptyText: <Empty description={t('twin.runs.empty')} /> }}
          rowClassName={(r) => (r.id === open ? 'ant-table-row-selected' : '')}
          columns={[
            {
              key: 'id',
              title: t('twin.runs.id'),
              dataIndex: 'id',
              width: 70,
              render: (v: number) => `#${v}`,
            },
            {
              key: 'created_at',
              title: t('twin.runs.createdAt'),
              render: (_, r) => fmt.dateTime(r.created_at),
            },
            {
              key: 'by',
              title: t('twin.runs.by'),
              render: (_: unknown, r: TwinRunListed) => r.created_by_name,
            },
            {
              key: 'strategies',
              title: t('twin.runs.strategies'),
              render: (_, r) => r.params.strategies.map((s) => <Tag key={s}>{strategyName(s)}</Tag>),
            },
            {
              key: 'size',
              title: t('twin.runs.size'),
              render: (_, r) =>
                t('twin.runs.sizeValue', {
                  people: fmt.number(r.params.people),
                  days: r.params.days,
                  seeds: r.params.seeds,
                }),
            },
            { key: 'status', title: t('twin.runs.status'), render: (_, r) => statusTag(r) },
            { key: 'took', title: t('twin.runs.took'), render: (_, r) => took(r) },
            {
              key: 'actions',
              title: '',
              render: (_, r) => (
                <Space>
                  <Button size="small" onClick={() => setOpen(r.id)} disabled={r.status !== 'done'}>
                    {t('twin.runs.open')}
                  </Button>
                  {(r.status === 'queued' || r.status === 'running') && (
                    <ConfirmButton
                      title={t('twin.runs.cancelConfirm', { id: r.id })}
                      danger
                      onConfirm={() =>
                        act(
                          () => api(`/api/twin/runs/${r.id}/cancel`, { method: 'POST' }),
                          () => t('twin.runs.cancelled', { id: r.id }),
                          () => setVersion((n) => n + 1),
                        )
                      }
                    >
                      {t('twin.runs.cancel')}
                    </ConfirmButton>
                  )}
                </Space>
              ),
            },
          ]}
        />
      </Card>
      {detail.data && <RunResult run={detail.data} strategyName={strategyName} />}
    </Space>
  );
}

function RunResult({ run, strategyName }: { run: TwinRunDetail; strategyName: (s: string) => string }) {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const r = run.result;
  if (run.status === 'failed')
    return <Alert type="error" showIcon message={t('twin.result.failed', { error: run.error ?? '' })} />;
  if (!r) return <Alert type="info" showIcon message={t('twin.result.notDone')} />;
  const failures = r.summary.reduce((n, s) => n + s.invariant_failures, 0);
  const title = i18n.language === 'en' ? r.scenario.title_en : r.scenario.title_zh;
  return (
    <Card
      size="small"
      title={t('twin.result.title', { id: run.id, scenario: title })}
      extra={
        <Typography.Text type="secondary">
          {t('twin.result.params', {
            people: fmt.number(r.people),
            days: r.days,
            seeds: r.seeds,
            start: r.scenario.start,
          })}
        </Typography.Text>
      }
    >
      <Space direction="vertical" style={{ width: '100%' }}>
        <Table<Summary>
          size="small"
          rowKey="strategy"
          pagination={false}
          dataSource={r.summary}
          columns={[
            {
              key: 'strategy',
              title: t('twin.summary.strategy'),
              render: (_, s) => strategyName(s.strategy),
            },
            {
              key: 'infections',
              title: t('twin.summary.infections'),
              align: 'right',
              render: (_, s) => fmt.number(Math.round(s.total_infections)),
            },
            {
              key: 'band',
              title: t('twin.summary.infectionsBand'),
              align: 'right',
              render: (_, s) =>
                `${fmt.number(Math.round(s.total_infections_p10))}–${fmt.number(Math.round(s.total_infections_p90))}`,
            },
            {
              key: 'detected',
              title: t('twin.summary.detected'),
              align: 'right',
              render: (_, s) => fmt.number(Math.round(s.detected)),
            },
            {
              key: 'rooms',
              title: t('twin.summary.peakRooms'),
              align: 'right',
              render: (_, s) => fmt.number(Math.round(s.peak_rooms_needed)),
            },
            {
              key: 'beds',
              title: t('twin.summary.peakBeds'),
              align: 'right',
              render: (_, s) => fmt.number(Math.round(s.peak_beds_needed)),
            },
            {
              key: 'tests',
              title: t('twin.summary.personTests'),
              align: 'right',
              render: (_, s) => fmt.number(Math.round(s.person_tests)),
            },
            {
              key: 'zero',
              title: t('twin.summary.communityZero'),
              render: (_, s) => (
                <span>
                  {s.community_zero_date ?? t('twin.summary.notReached')}{' '}
                  <Typography.Text type="secondary">
                    ({t('twin.summary.reachedIn', { n: s.community_zero_reached, seeds: s.seeds })})
                  </Typography.Text>
                </span>
              ),
            },
          ]}
        />
        <Typography.Text type={failures > 0 ? 'danger' : 'secondary'}>
          {failures > 0 ? t('twin.result.invariants', { failures }) : t('twin.result.invariantsOk')} ·{' '}
          {t('twin.result.band')}
        </Typography.Text>
        <Row gutter={[12, 12]}>
          {CHARTS.map((figure) => (
            <Col key={figure} xs={24} lg={12}>
              <Card size="small" title={t(`twin.chart.${figure}`)}>
                <EChart height={240} option={bandOption(r.bands, r.strategies, figure, strategyName)} />
              </Card>
            </Col>
          ))}
        </Row>
      </Space>
    </Card>
  );
}

/** One figure over days: per strategy, a median line over a shaded 10–90 % band (a stacked, invisible floor). */
function bandOption(
  bands: Band[],
  strategies: readonly string[],
  figure: string,
  strategyName: (s: string) => string,
) {
  const dates = [...new Set(bands.map((b) => b.date))];
  const series: object[] = [];
  strategies.forEach((s, i) => {
    const rows = bands.filter((b) => b.strategy === s);
    const color = COLORS[i % COLORS.length];
    const low = rows.map((b) => Number(b[`${figure}_p10`]));
    const high = rows.map((b) => Number(b[`${figure}_p90`]));
    series.push(
      {
        type: 'line',
        data: low,
        stack: `band-${s}`,
        symbol: 'none',
        lineStyle: { opacity: 0 },
        silent: true,
        tooltip: { show: false },
      },
      {
        type: 'line',
        data: high.map((h, k) => h - (low[k] ?? 0)),
        stack: `band-${s}`,
        symbol: 'none',
        lineStyle: { opacity: 0 },
        areaStyle: { color, opacity: 0.18 },
        silent: true,
        tooltip: { show: false },
      },
      {
        type: 'line',
        name: strategyName(s),
        data: rows.map((b) => Number(b[figure])),
        symbol: 'none',
        color,
        lineStyle: { width: 2 },
      },
    );
  });
  return {
    grid: { left: 56, right: 16, top: 32, bottom: 28 },
    legend: { data: strategies.map(strategyName), top: 0 },
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => Math.round(v).toLocaleString() },
    xAxis: { type: 'category', data: dates, axisLabel: { formatter: (d: string) => d.slice(5) } },
    yAxis: { type: 'value' },
    series,
  };
}

/**
 * 实验室 (the lab's desk, testing.lab): receive transport boxes by scanning them, upload results (a LIS export as
 * CSV/XLSX, or an HL7 FHIR R4 Bundle), enter one tube by hand, and see the tubes still waiting for a result against
 * the testing budget. The lab chosen is remembered in this browser.
 */
import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Row,
  Select,
  Space,
  Tabs,
  Tag,
  Typography,
  Upload,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, apiUpload, type Me, query } from '../api.ts';
import { beijingPickerValue, pickerInstant } from '../beijing-time.ts';
import type {
  Box,
  BoxesAnswer,
  BoxReceived,
  FhirResultsAnswer,
  FollowUp,
  Lab,
  PendingTubeItem as Pending,
  PendingAnswer,
  ResultOutcomeItem,
  ResultsAnswer,
  ResultsFileAnswer,
} from '../contract.ts';
import {
  areaColumn,
  BeijingDateTimePicker,
  byNumber,
  byString,
  type Column,
  DataTable,
  errorText,
  useAction,
  useApi,
  useFormat,
  useVersion,
} from './shared.tsx';

/**
 * One result's outcome as the three ways in answer it, flattened for the table (the file's rows carry their line);
 * each answer (contract.ts) is checked against it.
 */
interface Outcome {
  tube: string;
  status: ResultOutcomeItem['status'];
  code?: string;
  message?: string;
  line?: number;
}

interface Report {
  name: string;
  rows: number;
  outcomes: Outcome[];
  followUp: FollowUp | null;
}

const LAB_KEY = 'qingcang.lab';

export default function LabPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [version, bump] = useVersion();
  const [labId, setLabIdState] = useState<number | null>(() => {
    const v = Number(window.localStorage.getItem(LAB_KEY));
    return Number.isInteger(v) && v > 0 ? v : null;
  });
  const setLabId = (id: number | null) => {
    setLabIdState(id);
    if (id) window.localStorage.setItem(LAB_KEY, String(id));
    else window.localStorage.removeItem(LAB_KEY);
  };
  const mayRecord = me.permissions.includes('testing.lab');
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('lab.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('lab.intro', { hours: 6 })}
      </Typography.Paragraph>
      <LabsCard version={version} labId={labId} onLab={setLabId} />
      {mayRecord && <ReceiveCard labId={labId} version={version} onDone={bump} />}
      {mayRecord && <ResultsCard onDone={bump} />}
      <PendingCard labId={labId} version={version} />
    </Space>
  );
}

function LabsCard({
  version,
  labId,
  onLab,
}: {
  version: number;
  labId: number | null;
  onLab: (id: number | null) => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const res = useApi<{ items: Lab[] }>('/api/testing/labs', version);
  const labs = res.data?.items ?? [];
  const columns: Column<Lab>[] = [
    {
      key: 'name',
      title: t('lab.labs'),
      dataIndex: 'name',
      sorter: byString((r) => r.name),
      render: (v: string, r) => (
        <Space size={4}>
          {v}
          {r.mobile && <Tag>{t('lab.mobile')}</Tag>}
        </Space>
      ),
    },
    areaColumn({ title: t('common.areaName'), get: (r) => r.area_code }),
    {
      key: 'capacity',
      title: t('lab.capacity'),
      dataIndex: 'daily_capacity_tubes',
      render: f.number,
      sorter: byNumber((r) => r.daily_capacity_tubes),
    },
    { key: 'received', title: t('lab.receivedToday'), dataIndex: 'received_today', render: f.number },
    { key: 'resulted', title: t('lab.resultedToday'), dataIndex: 'resulted_today', render: f.number },
    {
      key: 'pending',
      title: t('lab.pending'),
      dataIndex: 'pending',
      render: f.number,
      sorter: byNumber((r) => r.pending),
    },
    {
      key: 'late',
      title: t('lab.late'),
      dataIndex: 'late',
      render: (v: number) => (v > 0 ? <Tag color="red">{f.number(v)}</Tag> : '0'),
      exportValue: (r) => r.late,
      sorter: byNumber((r) => r.late),
    },
    { key: 'oldest', title: t('lab.oldest'), dataIndex: 'oldest_pending_at', render: f.dateTime },
  ];
  return (
    <Card
      size="small"
      title={t('lab.labs')}
      extra={
        <Space>
          <Typography.Text>{t('lab.lab')}</Typography.Text>
          <Select<number>
            size="small"
            style={{ width: 240 }}
            className="lab-choice"
            placeholder={t('lab.chooseLab')}
            value={labs.some((l) => l.id === labId) ? (labId ?? undefined) : undefined}
            onChange={(v) => onLab(v ?? null)}
            allowClear
            showSearch
            optionFilterProp="label"
            options={labs.map((l) => ({ value: l.id, label: l.name }))}
          />
        </Space>
      }
    >
      <DataTable<Lab>
        rows={labs}
        columns={columns}
        rowKey="id"
        loading={res.loading}
        error={res.error}
        exportName={t('lab.labs')}
      />
    </Card>
  );
}

function ReceiveCard({
  labId,
  version,
  onDone,
}: {
  labId: number | null;
  version: number;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const act = useAction();
  const [barcode, setBarcode] = useState('');
  const [tab, setTab] = useState<'in_transit' | 'received'>('in_transit');
  const res = useApi<BoxesAnswer>(`/api/testing/boxes${query({ status: tab })}`, version);
  const receive = async (box: string) => {
    const code = box.trim();
    if (!code || !labId) return;
    const out = await act(
      () =>
        api<BoxReceived>(`/api/testing/boxes/${encodeURIComponent(code)}/receive`, {
          method: 'POST',
          body: { lab_id: labId },
        }),
      (r) => t('lab.received', { box: code, tubes: r.tubes }),
      onDone,
    );
    if (out) setBarcode('');
  };
  const waited = (r: Box) => {
    if (!r.shipped_at) return '—';
    const end = r.received_at ? new Date(r.received_at).getTime() : Date.now();
    const min = Math.max(0, Math.round((end - new Date(r.shipped_at).getTime()) / 60_000));
    return min < 60 ? t('lab.minutes', { n: min }) : t('lab.hours', { h: Math.floor(min / 60), m: min % 60 });
  };
  const columns: Column<Box>[] = [
    { key: 'barcode', title: t('lab.boxBarcode'), dataIndex: 'barcode', sorter: byString((r) => r.barcode) },
    { key: 'round', title: t('lab.round'), dataIndex: 'round' },
    areaColumn({ title: t('lab.area'), get: (r) => r.area_code }),
    { key: 'tubes', title: t('lab.tubes'), dataIndex: 'tubes', sorter: byNumber((r) => r.tubes) },
    { key: 'shipped_at', title: t('lab.shippedAt'), dataIndex: 'shipped_at', render: f.dateTime },
    ...(tab === 'received'
      ? [
          { key: 'received_at', title: t('lab.receivedAt'), dataIndex: 'received_at', render: f.dateTime },
          { key: 'lab', title: t('lab.lab'), dataIndex: 'lab' },
        ]
      : []),
    { key: 'waited', title: t('lab.waited'), render: (_: unknown, r: Box) => waited(r), exportValue: waited },
    ...(tab === 'in_transit'
      ? [
          {
            key: 'actions',
            title: '',
            render: (_: unknown, r: Box) => (
              <Button size="small" type="primary" disabled={!labId} onClick={() => receive(r.barcode)}>
                {t('lab.receiveButton')}
              </Button>
            ),
          },
        ]
      : []),
  ];
  return (
    <Card size="small" title={t('lab.receive')}>
      <Space direction="vertical" style={{ width: '100%' }}>
        {!labId && <Alert type="info" showIcon message={t('lab.needLab')} />}
        <Space.Compact style={{ maxWidth: 480, width: '100%' }}>
          <Input
            className="box-barcode"
            value={barcode}
            disabled={!labId}
            placeholder={t('lab.boxPlaceholder')}
            onChange={(e) => setBarcode(e.target.value)}
            onPressEnter={() => receive(barcode)}
          />
          <Button type="primary" disabled={!labId || !barcode.trim()} onClick={() => receive(barcode)}>
            {t('lab.receiveButton')}
          </Button>
        </Space.Compact>
        <Tabs
          size="small"
          activeKey={tab}
          onChange={(k) => setTab(k as 'in_transit' | 'received')}
          items={[
            { key: 'in_transit', label: t('lab.inTransit') },
            { key: 'received', label: t('lab.receivedBoxes') },
          ]}
        />
        <DataTable<Box>
          rows={res.data?.items ?? []}
          total={res.data?.total}
          columns={columns}
          rowKey="barcode"
          loading={res.loading}
          error={res.error}
          exportName={tab === 'in_transit' ? t('lab.inTransit') : t('lab.receivedBoxes')}
        />
      </Space>
    </Card>
  );
}

/** The outcomes of a file, a bundle or a hand entry, with the follow-up the positives started. */
function ReportView({ report }: { report: Report }) {
  const { t } = useTranslation();
  const count = (s: Outcome['status']) => report.outcomes.filter((o) => o.status === s).length;
  const shown = report.outcomes.filter((o) => o.status === 'rejected' || o.status === 'conflict');
  const reason = (o: Outcome) =>
    o.code ? t(`lab.codes.${o.code}`, { defaultValue: o.message ?? o.code }) : '';
  return (
    <div className="lab-report">
      <Descriptions size="small" bordered column={{ xs: 1, sm: 2, md: 3 }} title={report.name}>
        <Descriptions.Item label={t('lab.rows')}>{report.rows}</Descriptions.Item>
        <Descriptions.Item label={t('lab.recorded')}>
          <Tag color="green">{count('recorded')}</Tag>
        </Descriptions.Item>
        <Descriptions.Item label={t('lab.duplicates')}>{count('duplicate')}</Descriptions.Item>
        <Descriptions.Item label={t('lab.conflicts')}>
          <Tag color={count('conflict') > 0 ? 'orange' : undefined}>{count('conflict')}</Tag>
        </Descriptions.Item>
        <Descriptions.Item label={t('lab.rejected')}>
          <Tag color={count('rejected') > 0 ? 'red' : undefined}>{count('rejected')}</Tag>
        </Descriptions.Item>
        {report.followUp && (
          <Descriptions.Item label={t('lab.followUp')}>
            {t('lab.followUpValue', {
              pools: report.followUp.positivePools,
              held: report.followUp.held,
              retests: report.followUp.retestTasks,
            })}
          </Descriptions.Item>
        )}
      </Descriptions>
      {shown.length > 0 && (
        <DataTable<Outcome>
          rows={shown}
          rowKey={(r) => `${r.line ?? ''}-${r.tube}`}
          pageSize={20}
          exportName={`${t('lab.rejected')} ${report.name}`}
          columns={[
            ...(shown.some((o) => o.line !== undefined)
              ? [{ key: 'line', title: t('lab.line'), dataIndex: 'line', width: 80 }]
              : []),
            { key: 'tube', title: t('lab.tube'), dataIndex: 'tube', width: 160 },
            {
              key: 'status',
              title: t('lab.status'),
              dataIndex: 'status',
              width: 120,
              render: (v: string) => t(`lab.outcome.${v}`),
              exportValue: (r) => t(`lab.outcome.${r.status}`),
            },
            {
              key: 'reason',
              title: t('lab.reason'),
              render: (_: unknown, r: Outcome) => reason(r),
              exportValue: reason,
            },
          ]}
        />
      )}
    </div>
  );
}

interface FileProblem {
  line: number;
  code: string;
  message: string;
}

function ResultsCard({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<{ text: string; problems: FileProblem[] } | null>(null);
  const [form] = Form.useForm<{
    tube: string;
    result: string;
    orf?: number | null;
    n?: number | null;
    at: Dayjs;
  }>();

  const upload = async (file: File) => {
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      if (/\.json$/i.test(file.name)) {
        let bundle: unknown;
        try {
          bundle = JSON.parse(await file.text());
        } catch {
          throw new ApiError(400, 'invalid_json', `${file.name} is not JSON`);
        }
        const r = await api<FhirResultsAnswer>('/api/testing/results/fhir', {
          method: 'POST',
          body: bundle,
        });
        setReport({ name: file.name, rows: r.items.length, outcomes: r.items, followUp: r.follow_up });
      } else {
        const r = await apiUpload<ResultsFileAnswer>('/api/testing/results/file', file);
        setReport({ name: file.name, rows: r.rows, outcomes: r.outcomes, followUp: r.followUp });
      }
      onDone();
    } catch (err) {
      const problems =
        err instanceof ApiError && err.code === 'results_file_rejected' && Array.isArray(err.details)
          ? (err.details as FileProblem[])
          : [];
      setError({ text: errorText(err), problems });
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const ct: Record<string, number> = {};
    if (typeof v.orf === 'number') ct.ORF1ab = v.orf;
    if (typeof v.n === 'number') ct.N = v.n;
    const tube = v.tube.trim();
    const out = await act(
      () =>
        api<ResultsAnswer>('/api/testing/results', {
          method: 'POST',
          body: {
            items: [
              {
                tube,
                result: v.result,
                tested_at: pickerInstant(v.at),
                ...(Object.keys(ct).length > 0 ? { ct } : {}),
              },
            ],
          },
        }),
      (r) => {
        const o: Outcome | undefined = r.items[0];
        const status = o ? t(`lab.outcome.${o.status}`) : '';
        const why = o?.code ? `（${t(`lab.codes.${o.code}`, { defaultValue: o.message ?? o.code })}）` : '';
        return t('lab.saved', { tube, status: `${status}${why}` });
      },
      onDone,
    );
    if (out) {
      setReport({ name: tube, rows: 1, outcomes: out.items, followUp: out.follow_up });
      if (out.items[0]?.status === 'recorded' || out.items[0]?.status === 'duplicate')
        form.resetFields(['tube', 'orf', 'n']);
    }
  };

  return (
    <Card size="small" title={t('lab.results')}>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}>
          <Space direction="vertical" style={{ width: '100%' }}>
            <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
              {t('lab.fileHint')}
            </Typography.Paragraph>
            <Upload.Dragger
              accept=".csv,.tsv,.txt,.xlsx,.json"
              multiple={false}
              showUploadList={false}
              disabled={busy}
              customRequest={({ file }) => void upload(file as File)}
            >
              <p className="ant-upload-text">{busy ? t('lab.busy') : t('lab.drop')}</p>
            </Upload.Dragger>
          </Space>
        </Col>
        <Col xs={24} lg={10}>
          <Form
            form={form}
            layout="vertical"
            size="small"
            className="lab-manual"
            initialValues={{ at: beijingPickerValue() }}
            onFinish={save}
          >
            <Typography.Text strong>{t('lab.manual')}</Typography.Text>
            <Row gutter={8}>
              <Col span={12}>
                <Form.Item
                  label={t('lab.tube')}
                  name="tube"
                  rules={[{ required: true, whitespace: true, message: t('lab.tubeRequired') }]}
                >
                  <Input />
                </Form.Item>
              </Col>
              <Col span={12}>
                <Form.Item
                  label={t('lab.result')}
                  name="result"
                  rules={[{ required: true, message: t('lab.resultRequired') }]}
                >
                  <Select
                    options={(['negative', 'positive', 'invalid'] as const).map((v) => ({
                      value: v,
                      label: t(`lab.value.${v}`),
                    }))}
                  />
                </Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item label={t('lab.ctOrf')} name="orf">
                  <InputNumber min={0} max={50} step={0.1} style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item label={t('lab.ctN')} name="n">
                  <InputNumber min={0} max={50} step={0.1} style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item label={t('lab.testedAt')} name="at" rules={[{ required: true }]}>
                  <BeijingDateTimePicker format="MM-DD HH:mm" style={{ width: '100%' }} />
                </Form.Item>
              </Col>
            </Row>
            <Button type="primary" htmlType="submit">
              {t('lab.save')}
            </Button>
          </Form>
        </Col>
        <Col span={24}>
          {error && (
            <Space direction="vertical" style={{ width: '100%' }}>
              <Alert
                type="error"
                showIcon
                message={t('lab.refused')}
                description={<span style={{ whiteSpace: 'pre-line' }}>{error.text}</span>}
              />
              {error.problems.length > 0 && (
                <DataTable<FileProblem>
                  rows={error.problems}
                  rowKey="line"
                  pageSize={20}
                  exportName={t('lab.refused')}
                  columns={[
                    { key: 'line', title: t('lab.line'), dataIndex: 'line', width: 80 },
                    {
                      key: 'code',
                      title: t('lab.reason'),
                      dataIndex: 'code',
                      render: (c: string, r) => t(`lab.codes.${c}`, { defaultValue: r.message }),
                      exportValue: (r) => t(`lab.codes.${r.code}`, { defaultValue: r.message }),
                    },
                  ]}
                />
              )}
            </Space>
          )}
          {report && <ReportView report={report} />}
        </Col>
      </Row>
    </Card>
  );
}

function PendingCard({ labId, version }: { labId: number | null; version: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [mine, setMine] = useState(true);
  const res = useApi<PendingAnswer>(
    `/api/testing/tubes/pending${query({ lab_id: mine && labId ? labId : undefined, limit: 500 })}`,
    version,
  );
  const now = Date.now();
  const columns: Column<Pending>[] = [
    { key: 'barcode', title: t('lab.tube'), dataIndex: 'barcode', sorter: byString((r) => r.barcode) },
    { key: 'box', title: t('lab.box'), dataIndex: 'box' },
    { key: 'round', title: t('lab.round'), dataIndex: 'round' },
    areaColumn({ title: t('lab.area'), get: (r) => r.area_code }),
    {
      key: 'pool',
      title: t('lab.pool'),
      render: (_: unknown, r) => t('lab.poolValue', { members: r.members, size: r.pool_size }),
      exportValue: (r) => t('lab.poolValue', { members: r.members, size: r.pool_size }),
    },
    { key: 'lab', title: t('lab.lab'), dataIndex: 'lab' },
    {
      key: 'received_at',
      title: t('lab.receivedAt'),
      dataIndex: 'received_at',
      render: f.dateTime,
      sorter: byString((r) => r.received_at),
    },
    {
      key: 'due_at',
      title: t('lab.dueAt'),
      dataIndex: 'due_at',
      render: (v: string) =>
        new Date(v).getTime() < now ? (
          <Tag color="red">
            {t('lab.overdue')} {f.dateTime(v)}
          </Tag>
        ) : (
          f.dateTime(v)
        ),
      exportValue: (r) => f.dateTime(r.due_at),
    },
  ];
  return (
    <Card
      size="small"
      title={t('lab.pendingTitle')}
      extra={
        labId ? (
          <Select
            size="small"
            style={{ width: 160 }}
            value={mine ? 'mine' : 'all'}
            onChange={(v) => setMine(v === 'mine')}
            options={[
              { value: 'mine', label: t('lab.lab') },
              { value: 'all', label: t('common.all') },
            ]}
          />
        ) : undefined
      }
    >
      <DataTable<Pending>
        rows={res.data?.items ?? []}
        total={res.data?.total}
        columns={columns}
        rowKey="barcode"
        loading={res.loading}
        error={res.error}
        exportName={t('lab.pendingTitle')}
      />
    </Card>
  );
}

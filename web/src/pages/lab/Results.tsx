/** Results in: a LIS export (CSV/XLSX), an HL7 FHIR R4 Bundle or one tube by hand, with the outcomes. */
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
  Tag,
  Typography,
  Upload,
} from 'antd';
import type { Dayjs } from 'dayjs';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, apiUpload } from '../../api.ts';
import { beijingPickerValue, pickerInstant } from '../../beijing-time.ts';
import type {
  FhirResultsAnswer,
  FollowUp,
  ResultOutcomeItem,
  ResultsAnswer,
  ResultsFileAnswer,
  ResultsFileProblem,
} from '../../contract.ts';
import { BeijingDateTimePicker, DataTable, errorText, useAction } from '../shared.tsx';

/** One result's outcome as the three ways in answer it (contract.ts); the file's rows carry their line. */
type Outcome = ResultOutcomeItem & { line?: number };

/** Why a result was refused: a rejection's code in words (its message when the code has none). */
function refusal(o: Outcome, t: TFunction): string {
  return o.status === 'rejected' ? t(`lab.codes.${o.code}`, { defaultValue: o.message }) : '';
}

interface Report {
  name: string;
  rows: number;
  outcomes: Outcome[];
  followUp: FollowUp | null;
}

/** The outcomes of a file, a bundle or a hand entry, with the follow-up the positives started. */
function ReportView({ report }: { report: Report }) {
  const { t } = useTranslation();
  const count = (s: Outcome['status']) => report.outcomes.filter((o) => o.status === s).length;
  const shown = report.outcomes.filter((o) => o.status === 'rejected' || o.status === 'conflict');
  const reason = (o: Outcome) => refusal(o, t);
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

export function ResultsCard({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const act = useAction();
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<{ text: string; problems: ResultsFileProblem[] } | null>(null);
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
          ? (err.details as ResultsFileProblem[])
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
        const why = o?.status === 'rejected' ? `（${refusal(o, t)}）` : '';
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
                <DataTable<ResultsFileProblem>
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
